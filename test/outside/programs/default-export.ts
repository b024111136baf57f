// A default-exported async function (an ES module style entrypoint).
import * as lib from "./lib";

export default async function main(): Promise<Record<string, unknown>> {
  const rg = lib.resourceGroup();
  const kv = lib.vault(rg, "kv-default", ["db-password"]);
  const aks = lib.cluster(rg);
  const id = lib.identity(rg, "orders");
  lib.federate(rg, id, "orders-fic", aks.issuer, "shop", "orders");
  // Missing grant: the app's env says it reads kv-default/db-password.
  lib.serviceAccount(aks, "shop", "orders", id.clientId);
  lib.deployment(aks, "shop", "orders", "orders", lib.appContainer(kv.uri, "db-password"));
  return { vaultUri: kv.uri };
}
