// Catalogue: nothing: the baseline.
import { deploy } from "./base";

const out = deploy({});
export const vaultUri = out.vaultUri;
export const issuer = out.issuer;
