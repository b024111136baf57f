// A grant to a principal id typed by hand, which is nothing in the program; the app is denied.
import * as lib from "./lib";

const rg = lib.resourceGroup();
const kv = lib.vault(rg, "kv-shop", ["db-password"]);
const aks = lib.cluster(rg);
const id = lib.identity(rg, "orders");
lib.federate(rg, id, "orders-fic", aks.issuer, "shop", "orders");
lib.grant(
  "orders-reads",
  "7f3c1a52-1111-4b0a-9f6e-2d1c5b7a9e30",
  lib.ROLES.secretsUser,
  kv.vault.id,
);
lib.serviceAccount(aks, "shop", "orders", id.clientId);
lib.deployment(aks, "shop", "orders", "orders", lib.appContainer(kv.uri, "db-password"));
