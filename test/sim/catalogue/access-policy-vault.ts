// Catalogue: vault left in access-policy mode.
import { deploy } from "./base";

const out = deploy({ enableRbacAuthorization: false });
export const vaultUri = out.vaultUri;
export const issuer = out.issuer;
