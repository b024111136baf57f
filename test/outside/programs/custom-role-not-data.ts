// A custom role whose notDataActions subtract getSecret: the app is denied; the fix must not
// claim a Secrets User grant already exists.
import * as authorization from "@pulumi/azure-native/authorization";
import * as lib from "./lib";

const rg = lib.resourceGroup();
const kv = lib.vault(rg, "kv-custom", ["db-password"]);
const aks = lib.cluster(rg);
const id = lib.identity(rg, "orders");
const role = new authorization.RoleDefinition("secret-lister", {
  roleName: "Secret lister",
  scope: rg.id,
  assignableScopes: [rg.id],
  permissions: [
    {
      dataActions: ["Microsoft.KeyVault/vaults/secrets/*"],
      notDataActions: ["Microsoft.KeyVault/vaults/secrets/getSecret/action"],
    },
  ],
});
lib.federate(rg, id, "orders-fic", aks.issuer, "shop", "orders");
new authorization.RoleAssignment("orders-custom", {
  principalId: id.principalId,
  principalType: "ServicePrincipal",
  roleDefinitionId: role.id,
  scope: kv.vault.id,
});
lib.serviceAccount(aks, "shop", "orders", id.clientId);
lib.deployment(aks, "shop", "orders", "orders", lib.appContainer(kv.uri, "db-password"));
