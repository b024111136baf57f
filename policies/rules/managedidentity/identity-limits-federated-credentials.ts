import {
  exceedsFederatedCredentialLimit,
  MAX_FEDERATED_CREDENTIALS_PER_IDENTITY,
} from "../../../components/rules/workloadIdentity";
import { credentialsByIdentity } from "../../lib/fic";
import { defineStackRule, type StackFinding } from "../../lib/rule";

export const identityLimitsFederatedCredentials = defineStackRule({
  name: "identity-limits-federated-credentials",
  description:
    "A user-assigned identity must not carry more than 20 federated identity credentials, Azure's limit.",
  severity: "medium",
  sources: [
    {
      kind: "microsoft-learn",
      id: "workload-identity-federation-considerations#general-federated-identity-credential-considerations",
      url: "https://learn.microsoft.com/entra/workload-id/workload-identity-federation-considerations",
    },
  ],
  enforcementLevel: "mandatory",
  remediationSteps: "Split the workloads across more user-assigned identities (one per workload).",
  check: (resources) => {
    const findings: StackFinding[] = [];
    for (const [identity, fics] of credentialsByIdentity(resources)) {
      if (exceedsFederatedCredentialLimit(fics.length)) {
        findings.push({
          urn: fics[MAX_FEDERATED_CREDENTIALS_PER_IDENTITY].urn,
          message:
            `User-assigned identity "${identity}" has ${fics.length} federated credentials in this ` +
            `stack; Azure allows at most ${MAX_FEDERATED_CREDENTIALS_PER_IDENTITY} per identity, so ` +
            `move workloads to another identity.`,
        });
      }
    }
    return findings;
  },
});
