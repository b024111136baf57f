// Catalogue: VM with two user-assigned identities and no client id.
import { deploy } from "./base";

const out = deploy({ vmIdentity: "two-user-assigned" });
export const vaultUri = out.vaultUri;
export const issuer = out.issuer;
