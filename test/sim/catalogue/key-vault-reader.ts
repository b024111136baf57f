// Catalogue: Key Vault Reader instead of Key Vault Secrets User.
import { deploy, KEY_VAULT_READER } from "./base";

const out = deploy({ ordersRole: KEY_VAULT_READER });
export const vaultUri = out.vaultUri;
export const issuer = out.issuer;
