// keyvault.getVault of the program's OWN vault: answered from the declared resource.
import * as keyvault from "@pulumi/azure-native/keyvault";
import * as lib from "./lib";

const rg = lib.resourceGroup();
const kv = lib.vault(rg, "kv-read", ["db-password"]);
const aks = lib.cluster(rg);
const id = lib.identity(rg, "orders");
const read = keyvault.getVaultOutput({ resourceGroupName: "rg-app", vaultName: kv.vault.name });
lib.federate(rg, id, "orders-fic", aks.issuer, "shop", "orders");
lib.grant("orders-reads", id.principalId, lib.ROLES.secretsUser, read.id);
lib.serviceAccount(aks, "shop", "orders", id.clientId);
lib.deployment(
  aks,
  "shop",
  "orders",
  "orders",
  lib.appContainer(
    read.properties.apply((p) => p.vaultUri ?? ""),
    "db-password",
  ),
);
