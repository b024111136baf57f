// The same service account on two clusters, but a federated credential for the first only.
import * as lib from "./lib";

const rg = lib.resourceGroup();
const kv = lib.vault(rg, "kv-multi", ["db-password"]);
const id = lib.identity(rg, "orders");
lib.grant("orders-reads", id.principalId, lib.ROLES.secretsUser, kv.vault.id);
for (const name of ["aks-west", "aks-north"]) {
  const aks = lib.cluster(rg, name);
  if (name === "aks-west") {
    lib.federate(rg, id, `orders-${name}`, aks.issuer, "shop", "orders");
  }
  lib.serviceAccount(aks, "shop", "orders", id.clientId);
  lib.deployment(aks, "shop", "orders", "orders", lib.appContainer(kv.uri, "db-password"));
}
