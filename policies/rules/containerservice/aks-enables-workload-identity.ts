import type * as pulumi from "@pulumi/pulumi";
import type * as containerservice from "@pulumi/azure-native/containerservice";
import { TYPES } from "../../lib/arm";
import { defineResourceRule, show, unknownIn } from "../../lib/rule";

/** Workload identity needs both the OIDC issuer and the workload identity webhook. */
export const aksEnablesWorkloadIdentity = defineResourceRule<
  pulumi.Unwrap<containerservice.ManagedClusterArgs>
>({
  name: "aks-enables-workload-identity",
  description:
    "AKS clusters must enable both the OIDC issuer (oidcIssuerProfile.enabled) and workload identity (securityProfile.workloadIdentity.enabled).",
  severity: "high",
  sources: [
    {
      kind: "microsoft-learn",
      id: "aks/workload-identity-deploy-cluster",
      url: "https://learn.microsoft.com/azure/aks/workload-identity-deploy-cluster",
    },
  ],
  enforcementLevel: "mandatory",
  remediationSteps:
    "Set oidcIssuerProfile.enabled and securityProfile.workloadIdentity.enabled to true.",
  resourceTypes: [TYPES.managedCluster],
  check: (props, resource) => {
    const messages: string[] = [];
    const oidc = props.oidcIssuerProfile?.enabled;
    const wiProfile = props.securityProfile?.workloadIdentity;
    if (
      unknownIn(props.oidcIssuerProfile, oidc, props.securityProfile, wiProfile, wiProfile?.enabled)
    ) {
      return [];
    }
    if (oidc !== true) {
      messages.push(
        `AKS cluster "${resource.name}" has oidcIssuerProfile.enabled = ${show(oidc)}; set it to ` +
          `true so the cluster issues service account tokens Entra ID can verify.`,
      );
    }
    const wi = props.securityProfile?.workloadIdentity?.enabled;
    if (wi !== true) {
      messages.push(
        `AKS cluster "${resource.name}" has securityProfile.workloadIdentity.enabled = ${show(wi)}; ` +
          `set it to true so labeled pods get a federated token and AZURE_* variables injected.`,
      );
    }
    return messages;
  },
});
