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
      const seen = new Map<string, string>();
      for (const fic of fics) {
        const issuer = asString(fic.props.issuer);
        const subject = asString(fic.props.subject);
        if (issuer === undefined || subject === undefined) {
          continue;
        }
        const key = JSON.stringify([issuer, subject]);
        const first = seen.get(key);
        if (first === undefined) {
          seen.set(key, fic.name);
          continue;
        }
        findings.push({
          urn: fic.urn,
          message:
            `Federated credentials "${first}" and "${fic.name}" on identity "${identity}" both trust ` +
            `issuer ${JSON.stringify(issuer)} with subject ${JSON.stringify(subject)}; Azure rejects ` +
            `the second ("Issuer and subject combination already exists"), so remove one.`,
        });
      }
    }
    return findings;
  },
});
