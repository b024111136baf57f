/**
 * Runs every catalogue program in the simulated cloud and checks the static analysis: the error
 * codes it must produce (and nothing else at error level) and the exit code they imply. The
 * emulator + verifier half of the end-to-end run is wired by the lead (sim/simulate.ts).
 */
import { describe, expect, it } from "vitest";
import { evaluateProgram } from "../../sim/program";
import { buildModel, principalsToVerify, toEmulatorWorld } from "../../sim/model";
import { diagnoseModel } from "../../sim/diagnose";
import { buildTimeline } from "../../sim/timeline";
import { CATALOGUE } from "./catalogue";

describe("misconfiguration catalogue (static analysis over the simulated cloud)", () => {
  it("has at least 15 misconfigured programs", () => {
    expect(CATALOGUE.filter((e) => e.exitCode === 1).length).toBeGreaterThanOrEqual(15);
  });

  it.each(CATALOGUE.map((e) => [e.name, e] as const))("%s", async (_name, entry) => {
    const evaluation = await evaluateProgram({
      config: {},
      load: entry.load,
      project: "catalogue",
      stack: entry.name,
    });
    const model = buildModel(evaluation.resources);
    const plan = principalsToVerify(model, { tenantId: evaluation.cloud.tenantId });
    const diagnoses = diagnoseModel(model, plan);
    const errors = [...new Set(diagnoses.filter((d) => d.severity === "error").map((d) => d.code))];
    expect(errors).toEqual([...entry.errorCodes]);
    expect(errors.length > 0 ? 1 : 0).toBe(entry.exitCode);
    // the world the emulators get is complete for the identities the program declares
    const world = toEmulatorWorld(model, evaluation.cloud.tenantId);
    expect(world.vaults.map((v) => v.name)).toEqual(["kv-cat"]);
    expect(buildTimeline(evaluation.resources).estimatedSeconds).toBeGreaterThan(480);
  });
});
