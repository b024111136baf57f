import { beforeAll, describe, expect, it } from "vitest";
import * as pulumi from "@pulumi/pulumi";
import { named, registered, unwrap, useCloud, type SimulatedCloud } from "../harness";

// A first `pulumi preview`: Azure-computed outputs (principal ids, issuer URL, vault URI) are unknown.
let cloud: SimulatedCloud;
let uai: typeof import("../../components/userAssignedIdentity");
let ra: typeof import("../../components/roleAssignment");
let kv: typeof import("../../components/keyVault");
let wi: typeof import("../../components/workloadIdentity");

const SUB = "3b9d2e71-5a4c-4f86-b1d0-7e2a6c9f4d18";

beforeAll(async () => {
  cloud = await useCloud({ preview: true, unknownComputedOutputs: true });
  uai = await import("../../components/userAssignedIdentity");
  ra = await import("../../components/roleAssignment");
  kv = await import("../../components/keyVault");
  wi = await import("../../components/workloadIdentity");
});

describe("preview with unknown computed outputs", () => {
  it("wires identity, credentials, vault, grant and service account without crashing", async () => {
    const issuer = pulumi.output(pulumi.unknown as unknown as string);
    const identity = new uai.UserAssignedIdentity("pv-orders", {
      resourceGroupName: "zc-dev",
      federatedCredentials: [
        { name: "shop_orders", issuer, subject: "system:serviceaccount:shop:orders" },
        { name: "shop_reports", issuer, subject: "system:serviceaccount:shop:reports" },
      ],
    });
    const vault = new kv.KeyVault("pv-kv", {
      resourceGroupName: "zc-dev",
      vaultName: "zc-kv-preview",
      tenantId: cloud.tenantId,
    });
    const grant = new ra.RoleAssignment("pv-grant", {
      scope: pulumi.output(
        `/subscriptions/${SUB}/resourceGroups/zc-dev/providers/Microsoft.KeyVault/vaults/zc-kv-preview`,
      ),
      role: "Key Vault Secrets User",
      principalId: identity.principalId,
    });
    const workload = new wi.WorkloadIdentity("pv-wl", {
      namespace: "shop",
      serviceAccountName: "orders",
      clientId: identity.clientId,
      tenantId: cloud.tenantId,
      federatedCredential: identity.federatedCredentials[0],
    });

    expect(await unwrap(identity.principalId)).toBeUndefined();
    expect(await unwrap(grant.roleAssignmentName)).toBeUndefined();
    expect(await unwrap(vault.vaultUri)).toBeUndefined();
    expect(workload.subject).toBe("system:serviceaccount:shop:orders");
    const resources = await registered(cloud);
    // Each child is parented to ITS component (not merely to something).
    const children: [string, pulumi.Resource][] = [
      ["pv-orders-identity", identity],
      ["pv-orders-fic-shop_orders", identity],
      ["pv-orders-fic-shop_reports", identity],
      ["pv-kv-vault", vault],
      ["pv-kv-canary", vault],
      ["pv-grant-assignment", grant],
      ["pv-wl-serviceaccount", workload],
    ];
    for (const [n, component] of children) {
      expect([n, named(resources, n).parent]).toEqual([n, await unwrap(component.urn)]);
    }
    // The chain is declared even while the issuer is unknown.
    expect(named(resources, "pv-orders-fic-shop_reports").dependencies).toContain(
      named(resources, "pv-orders-fic-shop_orders").urn,
    );
  });
});
