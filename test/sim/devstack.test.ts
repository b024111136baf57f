/** The dev stack, analysed: every declared expectation matched to a principal, nothing diagnosed. */
import { describe, expect, it } from "vitest";
import { buildModel, principalsToVerify } from "../../sim/model";
import { diagnoseModel } from "../../sim/diagnose";
import { devStack } from "../harness";

describe("dev stack analysis", () => {
  it("matches the exported expected matrix and diagnoses nothing", async () => {
    const evaluation = await devStack();
    const model = buildModel(evaluation.resources, {
      knownPrincipalIds: [evaluation.cloud.deployerObjectId],
    });
    const plan = principalsToVerify(model, {
      tenantId: evaluation.cloud.tenantId,
      expectedAccess: evaluation.exports.expectedAccess,
    });
    expect(plan.expectationSource).toBe("declared");
    expect(plan.verifierProblems).toEqual([]);
    expect(plan.disagreements).toEqual([]);
    expect(plan.targets.map((t) => [t.via, t.expected, t.expectedSource])).toEqual([
      ["vm", "allow", "declared"],
      ["vm", "deny", "declared"],
      ["workload", "allow", "declared"],
      ["workload", "deny", "declared"],
    ]);
    expect(
      plan.targets.filter((t) => t.pod !== undefined).map((t) => t.pod!.webhook.injected),
    ).toEqual([true, true]);
    expect(diagnoseModel(model, plan)).toEqual([]);
  });
});
