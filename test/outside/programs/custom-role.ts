// A custom role declared in the program, with a wildcard data action: it reads secrets.
import * as authorization from "@pulumi/azure-native/authorization";
import * as lib from "./lib";

const rg = lib.resourceGroup();
const kv = lib.vault(rg, "kv-custom", ["db-password"]);
const aks = lib.cluster(rg);
const id = lib.identity(rg, "orders");
const reader = new authorization.RoleDefinition("secret-reader", {
  roleName: "Secret value reader",
  scope: rg.id,
  assignableScopes: [rg.id],
  permissions: [
    {
      dataActions: ["Microsoft.KeyVault/vaults/secrets/*"],
      notDataActions: ["Microsoft.KeyVault/vaults/secrets/delete"],
    },
  ],
});
lib.federate(rg, id, "orders-fic", aks.issuer, "shop", "orders");
new authorization.RoleAssignment("orders-custom", {
  principalId: id.principalId,
  principalType: "ServicePrincipal",
  roleDefinitionId: reader.id,
  scope: kv.vault.id,
});
lib.serviceAccount(aks, "shop", "orders", id.clientId);
lib.deployment(aks, "shop", "orders", "orders", lib.appContainer(kv.uri, "db-password"));
