/**
 * A platform team's layout, built only from zerocred's public components (components/index.ts):
 *
 *   - two vaults: `app` (the payments and orders secrets) and `ops` (a deploy key), each owning its
 *     secrets and its grants — one grant at vault scope, the others at the narrowest secret scope;
 *   - three identities: `payments` and `orders` (workloads) and `batch` (attached to the VM);
 *   - workloads in two namespaces (`shop` is shared by two workloads, `billing` has one), each
 *     federated to its identity by the cluster's own issuer;
 *   - a VM with its system-assigned identity and the `batch` user-assigned one;
 *   - one VM verification and one pod verification per workload, each a list of (vault, secret,
 *     expected) checks — allowed where granted, denied everywhere else.
 *
 * Run it offline: `npm start -- --program examples/two-vaults`. Outside this repository, import from the
 * `zerocred` package instead of "../../components".
 */
import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as resources from "@pulumi/azure-native/resources";
import {
  AksCluster,
  KeyVault,
  LinuxVirtualMachine,
  Network,
  PodVerification,
  UserAssignedIdentity,
  VmVerification,
  WorkloadIdentity,
  vaultName,
  type VerificationCheck,
} from "../../components";

const stack = pulumi.getStack();
// An explicit namespace, so the key is the same whatever the project is named.
const config = new pulumi.Config("twovaults");
const location = new pulumi.Config("azure-native").require("location");
const sshPublicKey = config.require("sshPublicKey");
const client = authorization.getClientConfigOutput();
const tags = { "managed-by": "zerocred", example: "two-vaults" };

const rg = new resources.ResourceGroup("rg", {
  resourceGroupName: `tv-${stack}-rg`,
  location,
  tags,
});
const common = { resourceGroupName: rg.name, location, tags };

const net = new Network("net", { ...common, addressSpace: "10.60.0.0/16" });
const cluster = new AksCluster("aks", {
  ...common,
  subnetId: net.aksSubnetId,
  vnetAddressSpace: "10.60.0.0/16",
  tenantId: client.tenantId,
  deployerObjectId: client.objectId,
  deployerPrincipalType: "User",
});

// Identities: the workloads add their own federated credentials to them (below).
const payments = new UserAssignedIdentity("id-payments", { ...common });
const orders = new UserAssignedIdentity("id-orders", { ...common });
const batch = new UserAssignedIdentity("id-batch", { ...common });

const vm = new LinuxVirtualMachine("vm", {
  ...common,
  subnetId: net.vmSubnetId,
  adminUsername: "azureuser",
  sshPublicKey,
  userAssignedIdentities: [batch],
});

// Two vaults, each owning its secrets and grants. Generated values can be verified by fingerprint.
const vaultDefaults = {
  ...common,
  tenantId: client.tenantId,
  // The secure defaults: purge protection on, 90 days of soft delete (production-like).
  allowedSubnetIds: [net.vmSubnetId, net.aksSubnetId],
};
const app = new KeyVault("kv-app", {
  ...vaultDefaults,
  vaultName: pulumi
    .all([client.subscriptionId, rg.name])
    .apply(([sub, group]) => vaultName("tvapp", sub, group, stack)),
  secrets: [
    {
      name: "payments-api-key",
      roleAssignments: [{ role: "Key Vault Secrets User", principal: payments, name: "payments" }],
    },
    {
      name: "orders-db-password",
      roleAssignments: [{ role: "Key Vault Secrets User", principal: orders, name: "orders" }],
    },
  ],
});
const ops = new KeyVault("kv-ops", {
  ...vaultDefaults,
  vaultName: pulumi
    .all([client.subscriptionId, rg.name])
    .apply(([sub, group]) => vaultName("tvops", sub, group, stack)),
  secrets: [{ name: "deploy-key", generatedLength: 48 }],
  // The VM's system identity reads every secret in the ops vault.
  roleAssignments: [{ role: "Key Vault Secrets User", principal: vm, name: "vm" }],
});

// Workloads: two share the `shop` namespace (created once), one runs in `billing`.
const paymentsWl = new WorkloadIdentity("wl-payments", {
  namespace: "billing",
  serviceAccountName: "payments-api",
  identity: payments,
  cluster,
});
const ordersWl = new WorkloadIdentity("wl-orders", {
  namespace: "shop",
  serviceAccountName: "orders",
  identity: orders,
  cluster,
});
const reportsWl = new WorkloadIdentity("wl-reports", {
  namespace: "shop",
  serviceAccountName: "reports",
  identity: batch, // the batch identity, federated for this service account too — granted nothing
  cluster,
});

// Verification: what each principal must read and must not.
const grants = [...app.roleAssignments, ...ops.roleAssignments].map((g) => g.assignment);
const vmCheck = new VmVerification("verify-vm", {
  vm,
  principals: [
    {
      name: "vm",
      checks: [ops.check("deploy-key", "allow"), app.check("payments-api-key", "deny")],
    },
    {
      name: "vm.batch",
      clientId: batch.clientId,
      checks: [ops.check("deploy-key", "deny"), app.check("orders-db-password", "deny")],
    },
  ],
  dependsOn: grants,
});
const pod = (name: string, workload: WorkloadIdentity, checks: VerificationCheck[]) =>
  new PodVerification(
    `verify-${name}`,
    { workload, principal: `pod.${name}`, checks, dependsOn: grants },
    { provider: cluster.provider },
  );
const paymentsJob = pod("payments", paymentsWl, [
  app.check("payments-api-key", "allow"),
  app.check("orders-db-password", "deny"),
  ops.check("deploy-key", "deny"),
]);
const ordersJob = pod("orders", ordersWl, [
  app.check("orders-db-password", "allow"),
  app.check("payments-api-key", "deny"),
]);
const reportsJob = pod("reports", reportsWl, [
  app.check("orders-db-password", "deny"),
  ops.check("deploy-key", "deny"),
]);

export const vaults = { app: app.name, ops: ops.name };
export const oidcIssuerUrl = cluster.oidcIssuerUrl;
export const vmVerificationOk = vmCheck.ok;
export const jobs = [paymentsJob.jobName, ordersJob.jobName, reportsJob.jobName];
