// Catalogue: federated credential subject typo (shop:order).
import { deploy } from "./base";

const out = deploy({ ficSubjects: ["system:serviceaccount:shop:order"] });
export const vaultUri = out.vaultUri;
export const issuer = out.issuer;
