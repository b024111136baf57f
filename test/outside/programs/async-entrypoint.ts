// Pulumi's async entrypoint: `export = async () => {...}`; the returned object is the outputs.
import * as lib from "./lib";

export = async () => {
  const rg = lib.resourceGroup();
  const kv = lib.vault(rg, "kv-async", ["db-password"]);
  const aks = lib.cluster(rg);
  const id = lib.identity(rg, "orders");
  lib.federate(rg, id, "orders-fic", aks.issuer, "shop", "orders");
  lib.grant("orders-reads", id.principalId, lib.ROLES.secretsUser, kv.vault.id);
  lib.serviceAccount(aks, "shop", "orders", id.clientId);
  lib.deployment(aks, "shop", "orders", "orders", lib.appContainer(kv.uri, "db-password"));
  return { vaultUri: kv.uri };
};
