// Catalogue: 21 federated credentials on one identity.
import { deploy } from "./base";

const out = deploy({
  ficSubjects: [
    "system:serviceaccount:shop:orders",
    ...Array.from({ length: 20 }, (_, i) => `system:serviceaccount:team${i}:app`),
  ],
});
export const vaultUri = out.vaultUri;
export const issuer = out.issuer;
