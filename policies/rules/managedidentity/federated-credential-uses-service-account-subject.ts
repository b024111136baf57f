import type * as pulumi from "@pulumi/pulumi";
import type * as managedidentity from "@pulumi/azure-native/managedidentity";
import { isAksIssuer, isServiceAccountSubject } from "../../../components/rules/workloadIdentity";
import { TYPES } from "../../lib/arm";
import { asString, defineResourceRule } from "../../lib/rule";

export const federatedCredentialUsesServiceAccountSubject = defineResourceRule<
  pulumi.Unwrap<managedidentity.FederatedIdentityCredentialArgs>
>({
  name: "federated-credential-uses-service-account-subject",
  description:
    "Federated identity credentials for an AKS issuer must use the subject system:serviceaccount:<namespace>:<service-account>.",
  severity: "high",
  sources: [
    {
      kind: "azure-workload-identity",
      id: "topics/federated-identity-credential",
      url: "https://azure.github.io/azure-workload-identity/docs/topics/federated-identity-credential.html",
    },
    {
      kind: "microsoft-learn",
      id: "workload-identity-federation-considerations",
      url: "https://learn.microsoft.com/entra/workload-id/workload-identity-federation-considerations",
    },
  ],
  enforcementLevel: "mandatory",
  remediationSteps:
    "Build the subject with serviceAccountSubject(namespace, serviceAccount) from components/naming.ts.",
  resourceTypes: [TYPES.federatedCredential],
  check: (props, resource) => {
    const issuer = asString(props.issuer);
    const subject = asString(props.subject);
    if (issuer === undefined || subject === undefined || !isAksIssuer(issuer)) {
      return [];
    }
    return isServiceAccountSubject(subject)
      ? []
      : [
          `Federated credential "${resource.name}" trusts AKS issuer ${JSON.stringify(issuer)} with ` +
            `subject ${JSON.stringify(subject)}; use system:serviceaccount:<namespace>:<service-account> ` +
            `(lowercase Kubernetes names, matched case-sensitively).`,
        ];
  },
});
