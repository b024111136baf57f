// A role GUID that is neither built in nor declared: the simulation says it cannot evaluate it.
import * as lib from "./lib";

const rg = lib.resourceGroup();
const kv = lib.vault(rg, "kv-custom", ["db-password"]);
const aks = lib.cluster(rg);
const id = lib.identity(rg, "orders");
lib.federate(rg, id, "orders-fic", aks.issuer, "shop", "orders");
lib.grant("orders-mystery", id.principalId, "0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6", kv.vault.id);
lib.serviceAccount(aks, "shop", "orders", id.clientId);
lib.deployment(aks, "shop", "orders", "orders", lib.appContainer(kv.uri, "db-password"));
