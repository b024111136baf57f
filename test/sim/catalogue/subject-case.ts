// Catalogue: federated credential subject differs in case.
import { deploy } from "./base";

const out = deploy({ ficSubjects: ["system:serviceaccount:Shop:orders"] });
export const vaultUri = out.vaultUri;
export const issuer = out.issuer;
