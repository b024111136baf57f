import { duplicateIssuerSubjects } from "../../../components/rules/workloadIdentity";
import { credentialsByIdentity } from "../../lib/fic";
import { asString, defineStackRule, type StackFinding } from "../../lib/rule";

export const identityRequiresUniqueIssuerSubject = defineStackRule({
  name: "identity-requires-unique-issuer-subject",
  description:
    "The federated identity credentials of one user-assigned identity must have distinct issuer and subject pairs.",
  severity: "medium",
  sources: [
    {
      kind: "microsoft-learn",
      id: "workload-identity-federation-considerations#errors",
      url: "https://learn.microsoft.com/entra/workload-id/workload-identity-federation-considerations",
    },
  ],
  enforcementLevel: "mandatory",
  remediationSteps:
    "Remove the duplicate credential; one issuer+subject pair needs one credential.",
  check: (resources) => {
    const findings: StackFinding[] = [];
    for (const [identity, fics] of credentialsByIdentity(resources)) {
      const duplicates = duplicateIssuerSubjects(
        fics,
        (f) => asString(f.props.issuer),
        (f) => asString(f.props.subject),
      );
      for (const [first, fic] of duplicates) {
        findings.push({
          urn: fic.urn,
          message:
            `Federated credentials "${first.name}" and "${fic.name}" on identity "${identity}" both trust ` +
            `issuer ${JSON.stringify(fic.props.issuer)} with subject ${JSON.stringify(fic.props.subject)}; Azure rejects ` +
            `the second ("Issuer and subject combination already exists"), so remove one.`,
        });
      }
    }
    return findings;
  },
});
