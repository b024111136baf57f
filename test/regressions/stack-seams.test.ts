/**
 * The stack program at its seams, in one evaluation: workloads whose name differs from their service
 * account (the federated subject must name the SERVICE ACCOUNT), federated credentials declared out of
 * chain order (each must dependsOn the previous one in name order), and the pinned canary value that
 * the leak scans look for.
 */
import { createHash } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import type { Evaluation } from "../../sim/program";
import { byType, devConfig, named, runStack } from "../harness";
import { canaryLeaks, DEV_CANARY_FINGERPRINT, DEV_CANARY_VALUE } from "./canary";

let run: Evaluation;

beforeAll(async () => {
  run = await runStack(
    devConfig({
      "zerocred:workloads": [
        { name: "orders-api", namespace: "shop", serviceAccount: "orders-sa", identity: "orders" },
        // Declared first, but "shop_reports-runner" sorts after "ops_auditor": chain order ≠ declaration order.
        {
          name: "reports",
          namespace: "shop",
          serviceAccount: "reports-runner",
          identity: "shared",
        },
        { name: "audit", namespace: "ops", serviceAccount: "auditor", identity: "shared" },
      ],
    }),
  );
});

describe("workloads whose name differs from their service account", () => {
  it("federated credentials trust the service account's subject, never the workload's name", () => {
    const subjects = byType(
      run.resources,
      "azure-native:managedidentity:FederatedIdentityCredential",
    )
      .map((r) => [r.name, r.inputs.subject])
      .sort();
    expect(subjects).toEqual([
      ["id-orders-fic-shop_orders-sa", "system:serviceaccount:shop:orders-sa"],
      ["id-shared-fic-ops_auditor", "system:serviceaccount:ops:auditor"],
      ["id-shared-fic-shop_reports-runner", "system:serviceaccount:shop:reports-runner"],
    ]);
  });

  it("the exported workloads name the service account's subject", () => {
    const workloads = run.exports.workloads as Record<string, { subject: string }>;
    expect(Object.entries(workloads).map(([name, w]) => [name, w.subject])).toEqual([
      ["orders-api", "system:serviceaccount:shop:orders-sa"],
      ["reports", "system:serviceaccount:shop:reports-runner"],
      ["audit", "system:serviceaccount:ops:auditor"],
    ]);
  });

  it("the service accounts are created under their own names", () => {
    const accounts = byType(run.resources, "kubernetes:core/v1:ServiceAccount")
      .map((r) => {
        const meta = r.inputs.metadata as { name: string; namespace: string };
        return `${meta.namespace}/${meta.name}`;
      })
      .sort();
    expect(accounts).toEqual(["ops/auditor", "shop/orders-sa", "shop/reports-runner"]);
  });
});

describe("federated credentials in chain order", () => {
  it("the second credential of an identity waits for the first in name order, not declaration order", () => {
    const first = named(run.resources, "id-shared-fic-ops_auditor");
    const second = named(run.resources, "id-shared-fic-shop_reports-runner");
    expect(second.dependencies).toContain(first.urn);
    expect(first.dependencies ?? []).not.toContain(second.urn);
  });
});

describe("the pinned canary", () => {
  it("is the value the simulated vault holds, and its fingerprint is the stack output", () => {
    const password = byType(run.resources, "random:index/randomPassword:RandomPassword");
    expect(password.map((r) => r.outputs.result)).toEqual([DEV_CANARY_VALUE]);
    expect(createHash("sha256").update(DEV_CANARY_VALUE).digest("hex")).toBe(
      DEV_CANARY_FINGERPRINT,
    );
    expect(run.exports.canaryFingerprint).toBe(DEV_CANARY_FINGERPRINT);
  });

  it("the leak scan finds every encoding of it, and nothing in clean text", () => {
    const b64 = Buffer.from(DEV_CANARY_VALUE).toString("base64");
    expect(canaryLeaks(`x${DEV_CANARY_VALUE}y`)).toContain("raw");
    expect(canaryLeaks(`value: ${b64}`)).toContain("base64");
    expect(canaryLeaks(DEV_CANARY_VALUE.slice(4, 24))).toEqual(["slice 4–20"]);
    expect(canaryLeaks(JSON.stringify({ fingerprint: DEV_CANARY_FINGERPRINT }))).toEqual([]);
  });

  it("appears in no stack output", () => {
    expect(canaryLeaks(JSON.stringify(run.exports))).toEqual([]);
  });
});
