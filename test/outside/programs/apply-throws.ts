// A throw inside apply: exit 2, one line, naming the program's line.
import * as keyvault from "@pulumi/azure-native/keyvault";
import * as lib from "./lib";

const rg = lib.resourceGroup();
new keyvault.Vault("kv", {
  resourceGroupName: rg.name.apply((n) => {
    throw new Error(`vault name for ${n} must be 3-24 characters`);
  }),
  properties: { tenantId: lib.client().tenantId, sku: { family: "A", name: "standard" } },
});
