// The same service account on two clusters: one federated credential per cluster issuer.
import * as lib from "./lib";

const rg = lib.resourceGroup();
const kv = lib.vault(rg, "kv-multi", ["db-password"]);
const id = lib.identity(rg, "orders");
lib.grant("orders-reads", id.principalId, lib.ROLES.secretsUser, kv.vault.id);
let previous: ReturnType<typeof lib.federate> | undefined;
for (const name of ["aks-west", "aks-north"]) {
  const aks = lib.cluster(rg, name);
  previous = lib.federate(
    rg,
    id,
    `orders-${name}`,
    aks.issuer,
    "shop",
    "orders",
    previous ? { dependsOn: [previous] } : {},
  );
  lib.serviceAccount(aks, "shop", "orders", id.clientId);
  lib.deployment(aks, "shop", "orders", "orders", lib.appContainer(kv.uri, "db-password"));
}
