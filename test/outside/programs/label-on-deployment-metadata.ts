// The workload-identity label on the Deployment's metadata instead of its pod template.
import { expectAccess, workload } from "../../../components/intent";
import * as lib from "./lib";

const rg = lib.resourceGroup();
const kv = lib.vault(rg, "kv-shop", ["db-password"]);
const aks = lib.cluster(rg);
for (const name of ["orders", "audit"]) {
  const id = lib.identity(rg, name);
  lib.federate(rg, id, `${name}-fic`, aks.issuer, "shop", name);
  lib.serviceAccount(aks, "shop", name, id.clientId);
  lib.deployment(
    aks,
    "shop",
    name,
    name,
    { name: "app", image: "nginx" },
    { app: name },
    lib.WI_LABELS,
  );
  if (name === "orders") {
    lib.grant("orders-reads", id.principalId, lib.ROLES.secretsUser, kv.vault.id);
  }
}
export const expectedAccess = [
  expectAccess(workload("shop", "orders"), { vault: "kv-shop", secret: "db-password" }, "allow"),
  expectAccess(workload("shop", "audit"), { vault: "kv-shop", secret: "db-password" }, "deny"),
];
