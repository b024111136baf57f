// A zerocred component whose argument fails validation inside an apply (a name built from an
// Output): exit 2 at once, one line naming the component, the argument and the fix.
import { KeyVault } from "../../../components/keyVault";
import * as lib from "./lib";

const rg = lib.resourceGroup();
new KeyVault("kv", {
  resourceGroupName: rg.name,
  vaultName: rg.name.apply((n) => `${n}-this-name-is-far-too-long-for-a-vault`),
});
