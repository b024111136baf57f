// Catalogue: federated credential audience not api://AzureADTokenExchange.
import { deploy } from "./base";

const out = deploy({ audiences: ["api://AzureADTokenExchange/"] });
export const vaultUri = out.vaultUri;
export const issuer = out.issuer;
