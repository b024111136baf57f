import type * as pulumi from "@pulumi/pulumi";
import type * as containerservice from "@pulumi/azure-native/containerservice";
import { TYPES } from "../../lib/arm";
import { defineResourceRule } from "../../lib/rule";

/**
 * AAD pod identity was deprecated on 2022-10-24 in favour of workload identity. (PSRule's older
 * Azure.AKS.PodIdentity recommended enabling it; this rule implements the deprecation instead.)
 */
export const aksDisablesPodIdentity = defineResourceRule<
  pulumi.Unwrap<containerservice.ManagedClusterArgs>
>({
  name: "aks-disables-pod-identity",
  description:
    "AKS clusters must not enable the deprecated AAD pod identity add-on (podIdentityProfile.enabled); use workload identity.",
  severity: "medium",
  sources: [
    {
      kind: "microsoft-learn",
      id: "aks/use-azure-ad-pod-identity#deprecation",
      url: "https://learn.microsoft.com/azure/aks/use-azure-ad-pod-identity",
    },
    {
      kind: "microsoft-learn",
      id: "aks/workload-identity-migrate-from-pod-identity",
      url: "https://learn.microsoft.com/azure/aks/workload-identity-migrate-from-pod-identity",
    },
  ],
  enforcementLevel: "mandatory",
  remediationSteps:
    "Remove podIdentityProfile and use workload identity (WorkloadIdentity component).",
  resourceTypes: [TYPES.managedCluster],
  check: (props, resource) =>
    props.podIdentityProfile?.enabled === true
      ? [
          `AKS cluster "${resource.name}" has podIdentityProfile.enabled = true; remove the ` +
            `deprecated pod identity add-on and use workload identity instead.`,
        ]
      : [],
});
