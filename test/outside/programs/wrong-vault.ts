// Two vaults; the app reads kv-orders but the grant is on kv-billing.
import * as lib from "./lib";

const rg = lib.resourceGroup();
const orders = lib.vault(rg, "kv-orders", ["db-password"]);
const billing = lib.vault(rg, "kv-billing", ["db-password"]);
const aks = lib.cluster(rg);
const id = lib.identity(rg, "orders");
lib.federate(rg, id, "orders-fic", aks.issuer, "shop", "orders");
lib.grant("orders-reads", id.principalId, lib.ROLES.secretsUser, billing.vault.id);
lib.serviceAccount(aks, "shop", "orders", id.clientId);
lib.deployment(aks, "shop", "orders", "orders", lib.appContainer(orders.uri, "db-password"));
