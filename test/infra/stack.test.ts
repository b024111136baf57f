/**
 * The stack program as a whole, run in the simulated cloud with the dev stack's config:
 * what it registers, at which scope, in which order, and that a second run changes nothing.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { SIM_DEPLOYER_OBJECT_ID, SIM_SUBSCRIPTION_ID } from "../../sim/cloud";
import type { Evaluation } from "../../sim/program";
import { compareRuns } from "../../sim/idempotency";
import { byType, devConfig, devStack, named, runStack, type RecordedResource } from "../harness";

const SECRETS_USER = "4633458b-17de-408a-b874-0445c86b69e6";
const AKS_RBAC_CLUSTER_ADMIN = "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b";
const NETWORK_CONTRIBUTOR = "4d97b98b-1d4f-4787-a291-c67834d212e7";
// The dev stack deploys into the bootstrap's group (Pulumi.dev.yaml zerocred:resourceGroupName, issue 10 item 9).
const RG_ID = `/subscriptions/${SIM_SUBSCRIPTION_ID}/resourceGroups/zerocred-dev`;

let run: Evaluation;
let rs: RecordedResource[];

const assignments = () => byType(rs, "azure-native:authorization:RoleAssignment");
const roleGuid = (r: RecordedResource) => String(r.inputs.roleDefinitionId).split("/").pop();
const out = (r: RecordedResource, key: string) => r.outputs[key];

beforeAll(async () => {
  run = await devStack();
  rs = run.resources;
});

describe("the dev stack in the simulated cloud", () => {
  it("registers exactly the Azure and Kubernetes resources the design calls for", () => {
    const counts: Record<string, number> = {};
    for (const r of rs.filter((x) => x.custom)) {
      counts[r.type] = (counts[r.type] ?? 0) + 1;
    }
    // No ResourceGroup: the dev stack reads the bootstrap's existing group (zerocred:resourceGroupName).
    expect(counts).toEqual({
      "azure-native:network:VirtualNetwork": 1,
      "azure-native:network:Subnet": 2,
      "azure-native:network:NetworkSecurityGroup": 2,
      "azure-native:network:NetworkInterface": 1,
      "azure-native:managedidentity:UserAssignedIdentity": 3,
      "azure-native:managedidentity:FederatedIdentityCredential": 2,
      "azure-native:containerservice:ManagedCluster": 1,
      "azure-native:compute:VirtualMachine": 1,
      "azure-native:compute:VirtualMachineRunCommandByVirtualMachine": 1,
      "azure-native:keyvault:Vault": 1,
      "azure-native:keyvault:Secret": 1,
      "azure-native:authorization:RoleAssignment": 4,
      "random:index/randomPassword:RandomPassword": 1,
      "pulumi:providers:kubernetes": 1,
      "kubernetes:core/v1:Namespace": 1,
      "kubernetes:core/v1:ServiceAccount": 2,
      "kubernetes:core/v1:ConfigMap": 2,
      "kubernetes:batch/v1:Job": 2,
    });
  });

  it("grants nothing broader than needed: Key Vault data roles at the vault or the secret, never the group", () => {
    const byName = Object.fromEntries(assignments().map((a) => [a.name, a]));
    const vault = named(rs, "kv-vault");
    expect(Object.keys(byName).sort()).toEqual([
      "aks-control-plane-network-assignment",
      "aks-deployer-admin-assignment",
      "grant-orders-4633458b-secret-canary-assignment",
      "grant-vm-4633458b-vault-assignment",
    ]);
    expect(byName["grant-vm-4633458b-vault-assignment"]!.inputs.scope).toBe(vault.id);
    expect(byName["grant-orders-4633458b-secret-canary-assignment"]!.inputs.scope).toBe(
      `${vault.id}/secrets/canary`,
    );
    expect(roleGuid(byName["grant-vm-4633458b-vault-assignment"]!)).toBe(SECRETS_USER);
    expect(byName["aks-deployer-admin-assignment"]!.inputs.scope).toBe(named(rs, "aks-cluster").id);
    expect(roleGuid(byName["aks-deployer-admin-assignment"]!)).toBe(AKS_RBAC_CLUSTER_ADMIN);
    expect(byName["aks-control-plane-network-assignment"]!.inputs.scope).toBe(
      named(rs, "net-aks").id,
    );
    expect(roleGuid(byName["aks-control-plane-network-assignment"]!)).toBe(NETWORK_CONTRIBUTOR);
    for (const a of assignments()) {
      expect(a.inputs.scope).not.toBe(RG_ID);
      expect(String(a.inputs.scope)).not.toMatch(/^\/subscriptions\/[^/]+$/);
    }
  });

  it("assigns roles to the managed identities' principals as ServicePrincipal, to the deployer as configured", () => {
    const byName = Object.fromEntries(assignments().map((a) => [a.name, a]));
    const vm = named(rs, "vm-vm");
    const orders = named(rs, "id-orders-identity");
    expect(byName["grant-vm-4633458b-vault-assignment"]!.inputs).toMatchObject({
      principalId: (vm.outputs.identity as { principalId: string }).principalId,
      principalType: "ServicePrincipal",
    });
    expect(byName["grant-orders-4633458b-secret-canary-assignment"]!.inputs).toMatchObject({
      principalId: out(orders, "principalId"),
      principalType: "ServicePrincipal",
    });
    expect(byName["aks-deployer-admin-assignment"]!.inputs).toMatchObject({
      principalId: SIM_DEPLOYER_OBJECT_ID,
      principalType: "User",
    });
  });

  it("names every role assignment deterministically (UUIDv5) and replaces it delete-first", () => {
    for (const a of assignments()) {
      expect(a.inputs.roleAssignmentName).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
      expect(a.options.deleteBeforeReplace).toBe(true);
    }
  });

  it("takes each federated credential's issuer from the cluster's issuer URL, trailing slash included", () => {
    const issuer = (named(rs, "aks-cluster").outputs.oidcIssuerProfile as { issuerURL: string })
      .issuerURL;
    expect(issuer.endsWith("/")).toBe(true);
    const fics = byType(rs, "azure-native:managedidentity:FederatedIdentityCredential");
    expect(
      fics.map((f) => [f.name, f.inputs.subject, f.inputs.issuer, f.inputs.audiences]),
    ).toEqual([
      [
        "id-orders-fic-shop_orders",
        "system:serviceaccount:shop:orders",
        issuer,
        ["api://AzureADTokenExchange"],
      ],
      [
        "id-shared-fic-shop_reports",
        "system:serviceaccount:shop:reports",
        issuer,
        ["api://AzureADTokenExchange"],
      ],
    ]);
    expect(run.exports.oidcIssuerUrl).toBe(issuer);
  });

  it("annotates each service account with its identity's client id and labels each verification pod template", () => {
    const sas = byType(rs, "kubernetes:core/v1:ServiceAccount");
    const clientIds = {
      orders: out(named(rs, "id-orders-identity"), "clientId"),
      reports: out(named(rs, "id-shared-identity"), "clientId"),
    };
    expect(
      sas.map((s) => {
        const m = s.inputs.metadata as {
          name: string;
          namespace: string;
          annotations: Record<string, string>;
        };
        return [m.namespace, m.name, m.annotations["azure.workload.identity/client-id"]];
      }),
    ).toEqual([
      ["shop", "orders", clientIds.orders],
      ["shop", "reports", clientIds.reports],
    ]);
    for (const job of byType(rs, "kubernetes:batch/v1:Job")) {
      const template = (
        job.inputs.spec as { template: { metadata: { labels: Record<string, string> } } }
      ).template;
      expect(template.metadata.labels["azure.workload.identity/use"]).toBe("true");
    }
  });

  it("exports the expected access matrix: vm and orders allowed, shared denied on the VM and in reports", () => {
    expect(
      (run.exports.expectedAccess as { principal: string; expected: string }[]).map((e) => [
        e.principal,
        e.expected,
      ]),
    ).toEqual([
      ["vm", "allow"],
      ["vm.shared", "deny"],
      ["pod.orders", "allow"],
      ["pod.reports", "deny"],
    ]);
  });

  it("runs the VM verification after every grant and the canary secret, and each Job after its credential and grants", () => {
    const rc = named(rs, "verify-vm-run-command");
    const grants = assignments()
      .filter((a) => a.name.startsWith("grant-"))
      .map((a) => a.urn);
    for (const g of grants) {
      expect(rc.dependencies).toContain(g);
    }
    expect(rc.dependencies).toContain(named(rs, "kv-canary").urn);
    const ordersJob = named(rs, "verify-orders-job");
    const ordersJobParentDeps = named(rs, "verify-orders").dependencies;
    const deps = new Set([...ordersJob.dependencies, ...ordersJobParentDeps]);
    expect(deps.has(named(rs, "id-orders-fic-shop_orders").urn)).toBe(true);
    expect(deps.has(named(rs, "grant-orders-4633458b-secret-canary-assignment").urn)).toBe(true);
  });

  it("keeps the canary value secret: exported only as a fingerprint, never as a value", () => {
    expect(run.exports.canaryFingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(run.secretExports).toEqual([]);
    const secret = named(rs, "kv-canary");
    expect(secret.secretInputPaths).toEqual(["properties.value"]);
    const exported = JSON.stringify(run.exports);
    const value = (secret.inputs.properties as { value: string }).value;
    expect(exported).not.toContain(value);
  });

  it("applies the dev environment: 7-day soft delete, no purge protection, firewall default Deny", () => {
    const props = named(rs, "kv-vault").inputs.properties as Record<string, unknown>;
    expect(props).toMatchObject({
      enableRbacAuthorization: true,
      softDeleteRetentionInDays: 7,
      networkAcls: { defaultAction: "Deny", bypass: "AzureServices" },
    });
    expect(props.enablePurgeProtection).toBeUndefined();
  });

  it("gives a second run identical inputs (idempotent)", async () => {
    const again = await runStack(devConfig());
    expect(compareRuns(rs, again.resources)).toEqual({
      changes: 0,
      differing: [],
      added: [],
      removed: [],
    });
  });
});

describe("the prod environment", () => {
  it("turns purge protection on and keeps 90 days of soft delete", async () => {
    const prod = await runStack(
      devConfig({
        "zerocred:environment": "prod",
        "zerocred:resourceGroupName": "",
        // Preassigned: this test is about the vault; with a stack-made group the stack would add the RBAC
        // readiness gate, a dynamic resource whose registration under mocks outlasts the test timeout.
        "zerocred:deployer": {
          ...(devConfig()["zerocred:deployer"] as Record<string, unknown>),
          clusterAdmin: "preassigned",
        },
      }),
      { stack: "prod" },
    );
    const props = named(prod.resources, "kv-vault").inputs.properties as Record<string, unknown>;
    expect(props).toMatchObject({ enablePurgeProtection: true, softDeleteRetentionInDays: 90 });
    expect(named(prod.resources, "rg").inputs.resourceGroupName).toBe("zc-prod-rg");
  });
});

describe("invalid config", () => {
  it("fails before any resource is registered, naming every problem", async () => {
    const bad = devConfig({
      "zerocred:prefix": "Zc!",
      "zerocred:grants": [{ principal: "nobody", role: "Key Vault Secrets User", scope: "vault" }],
    });
    const attempt = runStack(bad);
    await expect(attempt).rejects.toThrow(/zerocred:prefix/);
    await expect(attempt).rejects.toThrow(/zerocred:grants\[0\]\.principal/);
    const err = (await attempt.catch((e: unknown) => e)) as {
      cause?: unknown;
      resourcesRegistered: number;
    };
    expect((err.cause as { name?: string }).name).toBe("ConfigError");
    expect(err.resourcesRegistered).toBe(0);
  });
});

describe("preview of a first deployment (Azure-computed values unknown)", () => {
  it("registers the same resources without crashing on unknown ids, issuer or principals", async () => {
    const preview = await runStack(devConfig(), {
      preview: true,
      cloud: { unknownComputedOutputs: true },
    });
    expect(preview.resources.filter((r) => r.custom).length).toBe(
      rs.filter((r) => r.custom).length,
    );
    expect(preview.exports.oidcIssuerUrl).toBe("[unknown]");
  });
});

describe("verification disabled", () => {
  it("registers no run command, ConfigMap or Job", async () => {
    const off = await runStack(
      devConfig({ "zerocred:verification": { enabled: false, timeoutSeconds: 900 } }),
    );
    expect(
      byType(off.resources, "azure-native:compute:VirtualMachineRunCommandByVirtualMachine"),
    ).toEqual([]);
    expect(byType(off.resources, "kubernetes:batch/v1:Job")).toEqual([]);
    expect(byType(off.resources, "kubernetes:core/v1:ConfigMap")).toEqual([]);
  });
});
