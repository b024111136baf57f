// The grant is on the wrong secret: the app reads db-password, the grant covers api-key.
import * as pulumi from "@pulumi/pulumi";
import * as lib from "./lib";

const rg = lib.resourceGroup();
const kv = lib.vault(rg, "kv-shop", ["db-password", "api-key"]);
const aks = lib.cluster(rg);
const id = lib.identity(rg, "orders");
lib.federate(rg, id, "orders-fic", aks.issuer, "shop", "orders");
lib.grant(
  "orders-reads",
  id.principalId,
  lib.ROLES.secretsUser,
  pulumi.interpolate`${kv.vault.id}/secrets/api-key`,
);
lib.serviceAccount(aks, "shop", "orders", id.clientId);
lib.deployment(aks, "shop", "orders", "orders", lib.appContainer(kv.uri, "db-password"));
