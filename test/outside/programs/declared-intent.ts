// Intent declared with components/intent.ts: two workloads, one allowed and one denied.
import { expectAccess, workload } from "../../../components/intent";
import * as lib from "./lib";

const rg = lib.resourceGroup();
const kv = lib.vault(rg, "kv-plat", ["canary"]);
const aks = lib.cluster(rg);
for (const name of ["orders", "reports"]) {
  const id = lib.identity(rg, name);
  lib.federate(rg, id, `${name}-fic`, aks.issuer, "shop", name);
  lib.serviceAccount(aks, "shop", name, id.clientId);
  lib.deployment(aks, "shop", name, name, { name: "app", image: "nginx" });
  if (name === "orders") {
    lib.grant("orders-reads", id.principalId, lib.ROLES.secretsUser, kv.vault.id);
  }
}
export const expectedAccess = [
  expectAccess(workload("shop", "orders"), { vault: "kv-plat", secret: "canary" }, "allow"),
  expectAccess(workload("shop", "reports"), { vault: "kv-plat", secret: "canary" }, "deny"),
];
