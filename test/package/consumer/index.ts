// A consumer's Pulumi program, written as the README tells a user to (not from zerocred's tests):
// two vaults, one identity federated with a Kubernetes service account, read access to one vault's
// canary secret only.
import * as pulumi from "@pulumi/pulumi";
import * as resources from "@pulumi/azure-native/resources";
import { KeyVault, RoleAssignment, UserAssignedIdentity, vaultName } from "zerocred";
import { findRole } from "zerocred/roles";

const subscriptionId = "11111111-2222-3333-4444-555555555555";
const location = "westeurope";
// Pulumi.<stack>.yaml: `consumer:prefix` (2–8 lowercase letters/digits).
const prefix = new pulumi.Config("consumer").get("prefix") ?? "app";

const group = new resources.ResourceGroup("app-rg", { resourceGroupName: "app-rg", location });

const orders = new KeyVault("orders-vault", {
  resourceGroupName: group.name,
  vaultName: vaultName(prefix, subscriptionId, "app-rg", "prod"),
  location,
});
const reports = new KeyVault("reports-vault", {
  resourceGroupName: group.name,
  vaultName: vaultName("rep", subscriptionId, "app-rg", "prod"),
  location,
});

const identity = new UserAssignedIdentity("orders", {
  resourceGroupName: group.name,
  location,
  federatedCredentials: [
    {
      name: "shop-orders",
      issuer:
        "https://westeurope.oic.prod-aks.azure.com/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee/1f2e3d4c/",
      subject: "system:serviceaccount:shop:orders",
    },
  ],
});

const grant = new RoleAssignment("orders-reads-canary", {
  scope: orders.canarySecretId,
  role: "Key Vault Secrets User",
  principalId: identity.principalId,
});

export const ordersVaultName = orders.name;
export const reportsVaultName = reports.name;
export const roleDefinitionGuid: string | undefined = findRole("Key Vault Secrets User")?.id;
export const grantScope = grant.scope;
