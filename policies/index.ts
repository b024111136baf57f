/**
 * The zerocred CrossGuard policy pack: `pulumi preview --policy-pack policies`.
 * Kept tiny on purpose: constructing a PolicyPack starts the analyzer server, so tests and `npm start`
 * import `./registry` (or `./evaluate`) instead of this file.
 */
import { PolicyPack } from "@pulumi/policy";
import { buildPolicies } from "./registry";

new PolicyPack("zerocred", {
  description:
    "zerocred: zero-stored-credential access on Azure — Key Vault, RBAC, federated credentials, AKS, VM and Kubernetes rules.",
  policies: buildPolicies(),
  enforcementLevel: "mandatory",
});
