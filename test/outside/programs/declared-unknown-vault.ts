// expectedAccess names a vault the program does not declare: exit 2, listing the vaults.
import { expectAccess, workload } from "../../../components/intent";
import * as lib from "./lib";

const rg = lib.resourceGroup();
lib.vault(rg, "kv-plat", ["canary"]);
const aks = lib.cluster(rg);
const id = lib.identity(rg, "api");
lib.serviceAccount(aks, "platform", "api", id.clientId);
lib.deployment(aks, "platform", "api", "api", { name: "app", image: "nginx" });
export const expectedAccess = [
  expectAccess(workload("platform", "api"), { vault: "kv-platform", secret: "canary" }, "allow"),
];
