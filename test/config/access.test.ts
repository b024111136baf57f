import { describe, expect, it } from "vitest";
import {
  expectedAccessMatrix,
  grantFor,
  vmIdentityPrincipal,
  workloadPrincipal,
  type AccessExpectation,
} from "../../infra/access";
import { parseStackConfig } from "../../infra/config";
import { devRaw, edited } from "./fixtures";

const DEV_MATRIX: AccessExpectation[] = [
  {
    principal: "vm",
    via: "vm",
    identity: "vm",
    secret: "canary",
    expected: "allow",
    grantedBy: { role: "Key Vault Secrets User", scope: "vault" },
  },
  { principal: "vm.shared", via: "vm", identity: "shared", secret: "canary", expected: "deny" },
  {
    principal: "pod.orders",
    via: "workload",
    identity: "orders",
    workload: "orders",
    namespace: "shop",
    serviceAccount: "orders",
    secret: "canary",
    expected: "allow",
    grantedBy: { role: "Key Vault Secrets User", scope: "secret/canary" },
  },
  {
    principal: "pod.reports",
    via: "workload",
    identity: "shared",
    workload: "reports",
    namespace: "shop",
    serviceAccount: "reports",
    secret: "canary",
    expected: "deny",
  },
];

/** The dev matrix with only `zerocred:grants` replaced. */
function matrixWithGrants(grants: unknown[]): AccessExpectation[] {
  return expectedAccessMatrix(parseStackConfig(edited({ "zerocred:grants": grants })));
}

/** principal → expected, for compact assertions. */
function verdicts(m: readonly AccessExpectation[]): Record<string, string> {
  return Object.fromEntries(m.map((r) => [r.principal, r.expected]));
}

describe("expectedAccessMatrix", () => {
  it("dev stack: vm and orders allowed, shared denied via the VM and via reports (exact rows)", () => {
    expect(expectedAccessMatrix(parseStackConfig(devRaw()))).toEqual(DEV_MATRIX);
  });

  it("no grants: every principal is denied", () => {
    expect(verdicts(matrixWithGrants([]))).toEqual({
      vm: "deny",
      "vm.shared": "deny",
      "pod.orders": "deny",
      "pod.reports": "deny",
    });
  });

  it("a grant to an identity covers it both via the VM and via its workloads", () => {
    const m = matrixWithGrants([
      { principal: "shared", role: "Key Vault Secrets User", scope: "resourceGroup" },
    ]);
    expect(m.filter((r) => r.identity === "shared")).toEqual([
      {
        principal: "vm.shared",
        via: "vm",
        identity: "shared",
        secret: "canary",
        expected: "allow",
        grantedBy: { role: "Key Vault Secrets User", scope: "resourceGroup" },
      },
      {
        principal: "pod.reports",
        via: "workload",
        identity: "shared",
        workload: "reports",
        namespace: "shop",
        serviceAccount: "reports",
        secret: "canary",
        expected: "allow",
        grantedBy: { role: "Key Vault Secrets User", scope: "resourceGroup" },
      },
    ]);
    expect(verdicts(m).vm).toBe("deny");
  });

  it("a grant to `vm` covers only the system identity, not user-assigned identities on the VM", () => {
    const m = matrixWithGrants([
      { principal: "vm", role: "Key Vault Secrets User", scope: "vault" },
    ]);
    expect(verdicts(m)).toEqual({
      vm: "allow",
      "vm.shared": "deny",
      "pod.orders": "deny",
      "pod.reports": "deny",
    });
  });

  it.each([
    ["Key Vault Secrets User", "allow"],
    ["Key Vault Secrets Officer", "allow"],
    ["Key Vault Administrator", "allow"],
    ["Key Vault Reader", "deny"], // metadata only, no getSecret data action
    ["Reader", "deny"],
    ["Contributor", "deny"], // control plane only
    ["Owner", "deny"], // actions "*" grant no data action
    ["User Access Administrator", "deny"],
  ] as const)("role %s at vault scope → %s", (role, expected) => {
    const m = matrixWithGrants([{ principal: "orders", role, scope: "vault" }]);
    const row = m.find((r) => r.principal === "pod.orders");
    expect(row?.expected).toBe(expected);
    expect(row?.grantedBy).toEqual(expected === "allow" ? { role, scope: "vault" } : undefined);
  });

  it("a role given by GUID is reported by its display name", () => {
    const m = matrixWithGrants([
      { principal: "orders", role: "4633458B-17DE-408A-B874-0445C86B69E6", scope: "secret/canary" },
    ]);
    expect(m.find((r) => r.principal === "pod.orders")?.grantedBy).toEqual({
      role: "Key Vault Secrets User",
      scope: "secret/canary",
    });
  });

  it("a custom role GUID (permissions unknown) is never expected to allow", () => {
    const m = matrixWithGrants([
      { principal: "orders", role: "11111111-2222-3333-4444-555555555555", scope: "vault" },
    ]);
    expect(m.find((r) => r.principal === "pod.orders")?.expected).toBe("deny");
  });

  it("grantedBy names the first permitting grant in config order, skipping non-permitting ones", () => {
    const spec = parseStackConfig(
      edited({
        "zerocred:grants": [
          { principal: "orders", role: "Key Vault Reader", scope: "vault" },
          { principal: "orders", role: "Key Vault Secrets User", scope: "secret/canary" },
          { principal: "orders", role: "Key Vault Administrator", scope: "resourceGroup" },
        ],
      }),
    );
    expect(grantFor(spec.grants, "orders")).toEqual({
      role: "Key Vault Secrets User",
      scope: "secret/canary",
    });
    expect(grantFor(spec.grants, "shared")).toBeUndefined();
  });

  it("rows come in a stable order: system identity, VM identities, then workloads", () => {
    const m = expectedAccessMatrix(
      parseStackConfig(
        edited({
          "zerocred:vm.identities": ["shared", "orders"],
          "zerocred:workloads": [
            { name: "zeta", namespace: "a", serviceAccount: "z", identity: "orders" },
            { name: "alpha", namespace: "a", serviceAccount: "a", identity: "shared" },
          ],
        }),
      ),
    );
    expect(m.map((r) => r.principal)).toEqual([
      "vm",
      "vm.shared",
      "vm.orders",
      "pod.zeta",
      "pod.alpha",
    ]);
  });

  it("a VM without user-assigned identities and no workloads yields only the system identity", () => {
    const m = expectedAccessMatrix(
      parseStackConfig(edited({ "zerocred:vm.identities": [], "zerocred:workloads": [] })),
    );
    expect(m).toEqual([DEV_MATRIX[0]]);
  });

  it("is pure: it leaves the spec untouched and gives the pinned matrix on every call", () => {
    const spec = parseStackConfig(devRaw());
    const before = structuredClone(spec);
    const first = expectedAccessMatrix(spec);
    const second = expectedAccessMatrix(spec);
    expect(spec).toEqual(before);
    expect([first, second]).toEqual([DEV_MATRIX, DEV_MATRIX]);
    expect(second).not.toBe(first);
  });

  it("principal labels are unique and valid verifier labels even when names coincide", () => {
    const m = expectedAccessMatrix(
      parseStackConfig(
        edited({
          "zerocred:vm.identities": ["orders", "shared"],
          "zerocred:workloads": [
            { name: "orders", namespace: "shop", serviceAccount: "orders", identity: "orders" },
            { name: "shared", namespace: "shop", serviceAccount: "shared", identity: "shared" },
            { name: "vm", namespace: "shop", serviceAccount: "vm", identity: "shared" },
          ],
        }),
      ),
    );
    const labels = m.map((r) => r.principal);
    expect(labels).toEqual(["vm", "vm.orders", "vm.shared", "pod.orders", "pod.shared", "pod.vm"]);
    expect(new Set(labels).size).toBe(labels.length);
    for (const label of labels) {
      expect(label).toMatch(/^[A-Za-z0-9._-]{1,64}$/);
    }
  });

  it("labels stay within 64 characters for the longest allowed names", () => {
    expect(vmIdentityPrincipal("a".repeat(60))).toHaveLength(63);
    expect(workloadPrincipal("b".repeat(60))).toHaveLength(64);
  });
});
