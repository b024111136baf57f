// Catalogue: federated credential writes on one identity not chained.
import { deploy } from "./base";

const out = deploy({
  ficSubjects: ["system:serviceaccount:shop:orders", "system:serviceaccount:shop:reports"],
  chainFics: false,
});
export const vaultUri = out.vaultUri;
export const issuer = out.issuer;
