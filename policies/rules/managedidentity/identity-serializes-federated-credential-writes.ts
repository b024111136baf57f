import {
  concurrentWrites,
  transitiveDependencies,
} from "../../../components/rules/workloadIdentity";
import { credentialsByIdentity } from "../../lib/fic";
import { defineStackRule, type StackFinding } from "../../lib/rule";

/**
 * Azure answers 409 ConcurrentFederatedIdentityCredentialsWritesForSingleManagedIdentity to parallel
 * writes under one identity; Pulumi creates independent resources in parallel. Every pair of
 * credentials on one identity must therefore be ordered by the dependency graph (a dependsOn chain).
 */
export const identitySerializesFederatedCredentialWrites = defineStackRule({
  name: "identity-serializes-federated-credential-writes",
  description:
    "Federated identity credentials on the same user-assigned identity must be ordered by dependsOn so they are written one at a time.",
  severity: "medium",
  sources: [
    {
      kind: "microsoft-learn",
      id: "workload-identity-federation-considerations#concurrent-updates-arent-supported-user-assigned-managed-identities",
      url: "https://learn.microsoft.com/entra/workload-id/workload-identity-federation-considerations",
    },
  ],
  enforcementLevel: "mandatory",
  remediationSteps:
    "Chain the credentials: each one dependsOn the previous one (UserAssignedIdentity does this).",
  check: (resources) => {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const dependenciesOf = transitiveDependencies((urn) => byUrn.get(urn)?.dependencies);
    const findings: StackFinding[] = [];
    for (const [identity, fics] of credentialsByIdentity(resources)) {
      for (const [unordered, b] of concurrentWrites(fics, (f) => f.urn, dependenciesOf)) {
        findings.push({
          urn: b.urn,
          message:
            `Federated credentials "${unordered.name}" and "${b.name}" on identity "${identity}" ` +
            `can be written concurrently (neither depends on the other); Azure rejects concurrent ` +
            `writes under one identity with 409, so chain them with dependsOn.`,
        });
      }
    }
    return findings;
  },
});
