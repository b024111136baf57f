import {
  podTemplateOf,
  POD_TEMPLATE_TYPES,
  SERVICE_ACCOUNT_TYPE,
  WORKLOAD_IDENTITY_CLIENT_ID_ANNOTATION,
  WORKLOAD_IDENTITY_USE_LABEL,
} from "../../lib/k8s";
import { asRecord, asString, defineStackRule, isUnknown, type StackFinding } from "../../lib/rule";

/**
 * The workload identity webhook only mutates pods labeled `azure.workload.identity/use: "true"`; a pod
 * that runs as a workload-identity service account without the label gets no token file and fails.
 */
export const podTemplateLabelsWorkloadIdentity = defineStackRule({
  name: "pod-template-labels-workload-identity",
  description:
    'Pod templates that run as a service account annotated azure.workload.identity/client-id must carry the label azure.workload.identity/use: "true".',
  severity: "high",
  sources: [
    {
      kind: "azure-workload-identity",
      id: "topics/service-account-labels-and-annotations",
      url: "https://azure.github.io/azure-workload-identity/docs/topics/service-account-labels-and-annotations.html",
    },
    {
      kind: "microsoft-learn",
      id: "aks/workload-identity-overview#pod-labels",
      url: "https://learn.microsoft.com/azure/aks/workload-identity-overview",
    },
  ],
  enforcementLevel: "mandatory",
  remediationSteps:
    "Spread WorkloadIdentity.podTemplateLabels into the pod template's metadata.labels.",
  check: (resources) => {
    const wiAccounts = new Set<string>();
    for (const sa of resources.filter((r) => r.type === SERVICE_ACCOUNT_TYPE)) {
      const metadata = asRecord(sa.props.metadata);
      const clientId = asRecord(metadata?.annotations)?.[WORKLOAD_IDENTITY_CLIENT_ID_ANNOTATION];
      const name = asString(metadata?.name);
      if (clientId === undefined || name === undefined) {
        continue;
      }
      wiAccounts.add(`${asString(metadata?.namespace) ?? "default"}/${name}`);
    }
    const findings: StackFinding[] = [];
    for (const workload of resources.filter((r) => POD_TEMPLATE_TYPES.includes(r.type))) {
      const template = podTemplateOf(workload.type, workload.props);
      if (template?.serviceAccountName === undefined) {
        continue;
      }
      const key = `${template.namespace}/${template.serviceAccountName}`;
      const label = template.labels[WORKLOAD_IDENTITY_USE_LABEL];
      if (!wiAccounts.has(key) || label === "true" || isUnknown(label)) {
        continue;
      }
      findings.push({
        urn: workload.urn,
        message:
          `"${workload.name}" runs pods as service account "${key}", which is annotated ` +
          `${WORKLOAD_IDENTITY_CLIENT_ID_ANNOTATION}, but its pod template has label ` +
          `${WORKLOAD_IDENTITY_USE_LABEL} = ${label === undefined ? "unset" : JSON.stringify(label)}; ` +
          `add ${WORKLOAD_IDENTITY_USE_LABEL}: "true" so the webhook injects the federated token.`,
      });
    }
    return findings;
  },
});
