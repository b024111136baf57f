// Catalogue: role assigned at a same-named vault in another resource group.
import { deploy } from "./base";

const out = deploy({ ordersScope: "other-vault" });
export const vaultUri = out.vaultUri;
export const issuer = out.issuer;
