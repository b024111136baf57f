// Catalogue: role assigned at another resource group.
import { deploy } from "./base";

const out = deploy({ ordersScope: "other-rg" });
export const vaultUri = out.vaultUri;
export const issuer = out.issuer;
