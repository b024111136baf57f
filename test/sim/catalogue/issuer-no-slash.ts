// Catalogue: issuer typed without the trailing slash.
import { deploy } from "./base";

const out = deploy({ issuer: (i) => i.replace(/\/$/, "") });
export const vaultUri = out.vaultUri;
export const issuer = out.issuer;
