// The platform team declares platform/api must NOT read the canary; a vault-wide grant lets it.
import { expectAccess, workload } from "../../../components/intent";
import * as lib from "./lib";

const rg = lib.resourceGroup();
const kv = lib.vault(rg, "kv-plat", ["canary"]);
const aks = lib.cluster(rg);
const id = lib.identity(rg, "api");
lib.federate(rg, id, "api-fic", aks.issuer, "platform", "api");
lib.serviceAccount(aks, "platform", "api", id.clientId);
lib.deployment(aks, "platform", "api", "api", { name: "app", image: "nginx" });
lib.grant("api-reads", id.principalId, lib.ROLES.secretsUser, kv.vault.id);
export const expectedAccess = [
  expectAccess(workload("platform", "api"), { vault: "kv-plat", secret: "canary" }, "deny"),
];
