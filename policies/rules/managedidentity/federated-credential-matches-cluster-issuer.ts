import {
  isAksIssuer,
  issuerMatches,
  looksLikeServiceAccountSubject,
} from "../../../components/rules/workloadIdentity";
import { clusterIssuerUrl, TYPES } from "../../lib/arm";
import { asRecord, asString, defineStackRule, unknownIn, type StackFinding } from "../../lib/rule";

/**
 * Entra compares a token's `iss` with the credential's issuer byte for byte (trailing slash included),
 * so the issuer must be the cluster's reported `oidcIssuerProfile.issuerURL`, never hand-typed.
 */
export const federatedCredentialMatchesClusterIssuer = defineStackRule({
  name: "federated-credential-matches-cluster-issuer",
  description:
    "Federated identity credentials for Kubernetes service accounts must use an issuer exactly equal to the oidcIssuerProfile.issuerURL of a managed cluster in the same stack.",
  severity: "high",
  sources: [
    {
      kind: "microsoft-learn",
      id: "workload-identity-federation-considerations",
      url: "https://learn.microsoft.com/entra/workload-id/workload-identity-federation-considerations",
    },
    {
      kind: "azure-workload-identity",
      id: "topics/federated-identity-credential",
      url: "https://azure.github.io/azure-workload-identity/docs/topics/federated-identity-credential.html",
    },
  ],
  enforcementLevel: "mandatory",
  remediationSteps:
    "Feed the credential's issuer from cluster.oidcIssuerProfile.apply(p => p.issuerURL) (AksCluster.oidcIssuerUrl).",
  check: (resources) => {
    const clusters = resources.filter((r) => r.type === TYPES.managedCluster);
    const issuers = clusters.map((c) => clusterIssuerUrl(c.props));
    const anyUnknownCluster = clusters.some((c) =>
      unknownIn(c.props.oidcIssuerProfile, asRecord(c.props.oidcIssuerProfile)?.issuerURL),
    );
    const known = issuers.filter((i): i is string => i !== undefined);
    const findings: StackFinding[] = [];
    for (const fic of resources.filter((r) => r.type === TYPES.federatedCredential)) {
      const issuer = asString(fic.props.issuer);
      const subject = asString(fic.props.subject) ?? "";
      if (issuer === undefined || anyUnknownCluster) {
        continue;
      }
      const forKubernetes = isAksIssuer(issuer) || looksLikeServiceAccountSubject(subject);
      if (!forKubernetes || known.some((k) => issuerMatches(issuer, k))) {
        continue;
      }
      findings.push({
        urn: fic.urn,
        message:
          `Federated credential "${fic.name}" has issuer ${JSON.stringify(issuer)}, which is not ` +
          `the oidcIssuerProfile.issuerURL of any managed cluster in this stack ` +
          `(${known.length === 0 ? "none has one" : known.map((i) => JSON.stringify(i)).join(", ")}); ` +
          `take the issuer from the cluster's output so it matches byte for byte, trailing slash included.`,
      });
    }
    return findings;
  },
});
