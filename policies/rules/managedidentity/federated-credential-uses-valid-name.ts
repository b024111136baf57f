import type * as pulumi from "@pulumi/pulumi";
import type * as managedidentity from "@pulumi/azure-native/managedidentity";
import { federatedCredentialNameIssues } from "../../../components/naming";
import { TYPES } from "../../lib/arm";
import { asString, defineResourceRule } from "../../lib/rule";

export const federatedCredentialUsesValidName = defineResourceRule<
  pulumi.Unwrap<managedidentity.FederatedIdentityCredentialArgs>
>({
  name: "federated-credential-uses-valid-name",
  description:
    "Federated identity credential names must be 3 to 120 letters, digits, hyphens or underscores, starting with a letter or digit.",
  severity: "low",
  sources: [
    {
      kind: "microsoft-learn",
      id: "workload-identity-federation-considerations",
      url: "https://learn.microsoft.com/entra/workload-id/workload-identity-federation-considerations",
    },
  ],
  enforcementLevel: "mandatory",
  remediationSteps:
    "Use federatedCredentialName(namespace, serviceAccount) from components/naming.ts.",
  resourceTypes: [TYPES.federatedCredential],
  check: (props, resource) => {
    const name = asString(props.federatedIdentityCredentialResourceName);
    return name === undefined
      ? []
      : federatedCredentialNameIssues(name).map(
          (i) => `Federated credential "${resource.name}": ${i}`,
        );
  },
});
