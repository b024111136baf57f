// Key Vault Secrets Officer includes getSecret: the Deployment reads its secret.
import * as lib from "./lib";

const rg = lib.resourceGroup();
const kv = lib.vault(rg, "kv-ops", ["admin-token"]);
const aks = lib.cluster(rg);
const id = lib.identity(rg, "ops");
lib.federate(rg, id, "ops-fic", aks.issuer, "ops", "ops");
lib.grant("ops-officer", id.principalId, lib.ROLES.secretsOfficer, kv.vault.id);
lib.serviceAccount(aks, "ops", "ops", id.clientId);
lib.deployment(aks, "ops", "ops", "ops", lib.appContainer(kv.uri, "admin-token"));
