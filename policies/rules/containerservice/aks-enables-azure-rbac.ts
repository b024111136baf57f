import type * as pulumi from "@pulumi/pulumi";
import type * as containerservice from "@pulumi/azure-native/containerservice";
import { TYPES } from "../../lib/arm";
import { defineResourceRule, show, unknownIn } from "../../lib/rule";

export const aksEnablesAzureRbac = defineResourceRule<
  pulumi.Unwrap<containerservice.ManagedClusterArgs>
>({
  name: "aks-enables-azure-rbac",
  description:
    "AKS clusters must authorize Kubernetes access with Azure RBAC (aadProfile.enableAzureRBAC = true, enableRBAC not false).",
  severity: "high",
  sources: [
    {
      kind: "psrule",
      id: "Azure.AKS.AzureRBAC",
      url: "https://azure.github.io/PSRule.Rules.Azure/en/rules/Azure.AKS.AzureRBAC/",
    },
    {
      kind: "psrule",
      id: "Azure.AKS.UseRBAC",
      url: "https://azure.github.io/PSRule.Rules.Azure/en/rules/Azure.AKS.UseRBAC/",
    },
    { kind: "checkov", id: "CKV_AZURE_5" },
  ],
  enforcementLevel: "mandatory",
  remediationSteps: "Set aadProfile.enableAzureRBAC: true and leave enableRBAC true.",
  resourceTypes: [TYPES.managedCluster],
  check: (props, resource) => {
    if (unknownIn(props.enableRBAC, props.aadProfile, props.aadProfile?.enableAzureRBAC)) {
      return [];
    }
    const messages: string[] = [];
    if (props.enableRBAC === false) {
      messages.push(
        `AKS cluster "${resource.name}" has enableRBAC = false; remove it (or set true) so Kubernetes ` +
          `authorization is enforced.`,
      );
    }
    const azureRbac = props.aadProfile?.enableAzureRBAC;
    if (azureRbac !== true) {
      messages.push(
        `AKS cluster "${resource.name}" has aadProfile.enableAzureRBAC = ${show(azureRbac)}; set it ` +
          `to true so Kubernetes permissions are Azure role assignments.`,
      );
    }
    return messages;
  },
});
