// Catalogue: service account without the client-id annotation.
import { deploy } from "./base";

const out = deploy({ saClientId: "none" });
export const vaultUri = out.vaultUri;
export const issuer = out.issuer;
