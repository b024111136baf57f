// Catalogue: service account names another identity.
import { deploy } from "./base";

const out = deploy({ saClientId: "other" });
export const vaultUri = out.vaultUri;
export const issuer = out.issuer;
