// The grant goes to the other identity: declared intent catches it.
import { expectAccess, workload } from "../../../components/intent";
import * as lib from "./lib";

const rg = lib.resourceGroup();
const kv = lib.vault(rg, "kv-shop", ["db-password"]);
const aks = lib.cluster(rg);
const orders = lib.identity(rg, "orders");
const reports = lib.identity(rg, "reports");
lib.federate(rg, orders, "orders-fic", aks.issuer, "shop", "orders");
lib.federate(rg, reports, "reports-fic", aks.issuer, "shop", "reports");
lib.grant("orders-reads", reports.principalId, lib.ROLES.secretsUser, kv.vault.id);
lib.serviceAccount(aks, "shop", "orders", orders.clientId);
lib.serviceAccount(aks, "shop", "reports", reports.clientId);
lib.deployment(aks, "shop", "orders", "orders", { name: "app", image: "nginx" });
lib.deployment(aks, "shop", "reports", "reports", { name: "app", image: "nginx" });
export const expectedAccess = [
  expectAccess(workload("shop", "orders"), { vault: "kv-shop", secret: "db-password" }, "allow"),
  expectAccess(workload("shop", "reports"), { vault: "kv-shop", secret: "db-password" }, "deny"),
];
