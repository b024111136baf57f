// `az role assignment create --assignee <clientId>` translated literally: principalId = clientId.
import * as lib from "./lib";

const rg = lib.resourceGroup();
const kv = lib.vault(rg, "kv-shop", ["db-password"]);
const aks = lib.cluster(rg);
const id = lib.identity(rg, "orders");
lib.federate(rg, id, "orders-fic", aks.issuer, "shop", "orders");
lib.grant("orders-reads", id.clientId, lib.ROLES.secretsUser, kv.vault.id);
lib.serviceAccount(aks, "shop", "orders", id.clientId);
lib.deployment(aks, "shop", "orders", "orders", lib.appContainer(kv.uri, "db-password"));
