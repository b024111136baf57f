import type * as pulumi from "@pulumi/pulumi";
import type * as containerservice from "@pulumi/azure-native/containerservice";
import { TYPES } from "../../lib/arm";
import { defineResourceRule, show, unknownIn } from "../../lib/rule";

export const aksUsesManagedEntraId = defineResourceRule<
  pulumi.Unwrap<containerservice.ManagedClusterArgs>
>({
  name: "aks-uses-managed-entra-id",
  description:
    "AKS clusters must use AKS-managed Entra ID integration (aadProfile.managed = true).",
  severity: "high",
  sources: [
    {
      kind: "psrule",
      id: "Azure.AKS.ManagedAAD",
      url: "https://azure.github.io/PSRule.Rules.Azure/en/rules/Azure.AKS.ManagedAAD/",
    },
  ],
  enforcementLevel: "mandatory",
  remediationSteps: "Set aadProfile.managed: true (and aadProfile.enableAzureRBAC: true).",
  resourceTypes: [TYPES.managedCluster],
  check: (props, resource) => {
    const managed = props.aadProfile?.managed;
    if (unknownIn(props.aadProfile, managed)) {
      return [];
    }
    return managed === true
      ? []
      : [
          `AKS cluster "${resource.name}" has aadProfile.managed = ${show(managed)}; set it to true ` +
            `so users and deployers sign in with Entra ID.`,
        ];
  },
});
