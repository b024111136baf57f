// Catalogue: cluster without OIDC issuer and workload identity.
import { deploy } from "./base";

const out = deploy({ oidcIssuer: false, workloadIdentity: false });
export const vaultUri = out.vaultUri;
export const issuer = out.issuer;
