/**
 * examples/two-vaults (the README's "Composing the components" layout) runs under the simulated cloud:
 * every grant lands at the scope the layout names, each workload's credential trusts the cluster's
 * issuer, the shared namespace is created once, and each verifier is asked exactly the checks the
 * layout declares.
 */
import { beforeAll, describe, expect, it, vi } from "vitest";
import { evaluateProgram, type Evaluation } from "../../sim/program";
import { byType, named, type RecordedResource } from "../harness";

const SECRETS_USER = "4633458b-17de-408a-b874-0445c86b69e6";
let run: Evaluation;
let rs: RecordedResource[];

beforeAll(async () => {
  vi.resetModules();
  run = await evaluateProgram({
    project: "zerocred-two-vaults",
    config: {
      "azure-native:location": "westeurope",
      "twovaults:sshPublicKey":
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINJAjZ+F4+6sg5Zj7Y909cVf0Pl9k3xWA1HyzZew8KOP zerocred-dev",
    },
    load: async () => (await import("../../examples/two-vaults/index")) as Record<string, unknown>,
  });
  rs = run.resources;
});

const assignment = (name: string) => named(rs, `${name}-assignment`);

describe("examples/two-vaults", () => {
  it("grants each principal at its own scope: one secret each for the workloads, the ops vault for the VM", () => {
    const app = named(rs, "kv-app-vault").id;
    const ops = named(rs, "kv-ops-vault").id;
    const grants = byType(rs, "azure-native:authorization:RoleAssignment").filter((r) =>
      r.name.startsWith("kv-"),
    );
    expect(grants.map((g) => [g.name, g.inputs.scope]).sort()).toEqual(
      [
        [
          "kv-app-secret-orders-db-password-ra-orders-assignment",
          `${app}/secrets/orders-db-password`,
        ],
        [
          "kv-app-secret-payments-api-key-ra-payments-assignment",
          `${app}/secrets/payments-api-key`,
        ],
        ["kv-ops-ra-vm-assignment", ops],
      ].sort(),
    );
    for (const g of grants) {
      expect(String(g.inputs.roleDefinitionId).endsWith(SECRETS_USER)).toBe(true);
    }
    expect(assignment("kv-ops-ra-vm").inputs.principalId).toBe(
      (named(rs, "vm-vm").outputs.identity as { principalId: string }).principalId,
    );
  });

  it("federates each workload to its identity with the cluster's issuer, and creates `shop` once", () => {
    const issuer = run.exports.oidcIssuerUrl;
    const fics = byType(rs, "azure-native:managedidentity:FederatedIdentityCredential");
    expect(fics.map((f) => [f.name, f.inputs.subject, f.inputs.issuer])).toEqual([
      [
        "id-payments-fic-billing_payments-api",
        "system:serviceaccount:billing:payments-api",
        issuer,
      ],
      ["id-orders-fic-shop_orders", "system:serviceaccount:shop:orders", issuer],
      ["id-batch-fic-shop_reports", "system:serviceaccount:shop:reports", issuer],
    ]);
    const namespaces = byType(rs, "kubernetes:core/v1:Namespace").map(
      (n) => (n.inputs.metadata as { name: string }).name,
    );
    expect(namespaces.sort()).toEqual(["billing", "shop"]);
  });

  it("asks each verifier exactly the layout's checks", () => {
    const rc = named(rs, "verify-vm-run-command");
    const checks = String(
      (rc.inputs.parameters as { name: string; value: string }[]).find(
        (p) => p.name === "ZC_CHECKS",
      )!.value,
    )
      .split(";")
      .map((c) => {
        const [principal, , vault, secret, , expected] = c.split("|");
        return [principal, vault!.includes("tvops") ? "ops" : "app", secret, expected];
      });
    expect(checks).toEqual([
      ["vm", "ops", "deploy-key", "allow"],
      ["vm", "app", "payments-api-key", "deny"],
      ["vm.batch", "ops", "deploy-key", "deny"],
      ["vm.batch", "app", "orders-db-password", "deny"],
    ]);
    const job = named(rs, "verify-payments-job");
    const env = (
      job.inputs.spec as {
        template: { spec: { containers: { env: { name: string; value: string }[] }[] } };
      }
    ).template.spec.containers[0]!.env;
    const podChecks = JSON.parse(env.find((e) => e.name === "ZC_CHECKS")!.value) as {
      secretName: string;
      expected: string;
    }[];
    expect(podChecks.map((c) => [c.secretName, c.expected])).toEqual([
      ["payments-api-key", "allow"],
      ["orders-db-password", "deny"],
      ["deploy-key", "deny"],
    ]);
  });
});
