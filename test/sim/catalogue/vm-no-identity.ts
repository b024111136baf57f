// Catalogue: VM without a managed identity.
import { deploy } from "./base";

const out = deploy({ vmIdentity: "none" });
export const vaultUri = out.vaultUri;
export const issuer = out.issuer;
