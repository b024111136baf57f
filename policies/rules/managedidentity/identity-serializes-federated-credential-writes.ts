import { credentialsByIdentity } from "../../lib/fic";
import { defineStackRule, type StackFinding, type StackResource } from "../../lib/rule";

/** URNs reachable from `urn` through the dependency graph. */
function reachable(urn: string, byUrn: ReadonlyMap<string, StackResource>): Set<string> {
  const seen = new Set<string>();
  const stack = [urn];
  while (stack.length > 0) {
    const current = byUrn.get(stack.pop() as string);
    for (const dep of current?.dependencies ?? []) {
      if (!seen.has(dep)) {
        seen.add(dep);
        stack.push(dep);
      }
    }
  }
  return seen;
}

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
    const findings: StackFinding[] = [];
    for (const [identity, fics] of credentialsByIdentity(resources)) {
      const deps = new Map(fics.map((f) => [f.urn, reachable(f.urn, byUrn)]));
      for (let i = 1; i < fics.length; i++) {
        const b = fics[i];
        const unordered = fics
          .slice(0, i)
          .find((a) => !deps.get(b.urn)?.has(a.urn) && !deps.get(a.urn)?.has(b.urn));
        if (unordered !== undefined) {
          findings.push({
            urn: b.urn,
            message:
              `Federated credentials "${unordered.name}" and "${b.name}" on identity "${identity}" ` +
              `can be written concurrently (neither depends on the other); Azure rejects concurrent ` +
              `writes under one identity with 409, so chain them with dependsOn.`,
          });
        }
      }
    }
    return findings;
  },
});
