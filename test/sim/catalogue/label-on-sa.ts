// Catalogue: workload identity label on the service account only.
import { deploy, USE_LABEL } from "./base";

const out = deploy({ podLabels: {}, saLabels: { [USE_LABEL]: "true" } });
export const vaultUri = out.vaultUri;
export const issuer = out.issuer;
