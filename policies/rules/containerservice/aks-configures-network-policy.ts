import type * as pulumi from "@pulumi/pulumi";
import type * as containerservice from "@pulumi/azure-native/containerservice";
import { TYPES } from "../../lib/arm";
import { asString, defineResourceRule, show, unknownIn } from "../../lib/rule";

export const aksConfiguresNetworkPolicy = defineResourceRule<
  pulumi.Unwrap<containerservice.ManagedClusterArgs>
>({
  name: "aks-configures-network-policy",
  description:
    'AKS clusters must configure a network policy engine (networkProfile.networkPolicy other than "none").',
  severity: "medium",
  sources: [
    {
      kind: "psrule",
      id: "Azure.AKS.NetworkPolicy",
      url: "https://azure.github.io/PSRule.Rules.Azure/en/rules/Azure.AKS.NetworkPolicy/",
    },
    { kind: "checkov", id: "CKV_AZURE_7" },
  ],
  enforcementLevel: "mandatory",
  remediationSteps: 'Set networkProfile.networkPolicy to "azure", "calico" or "cilium".',
  resourceTypes: [TYPES.managedCluster],
  check: (props, resource) => {
    const policy = props.networkProfile?.networkPolicy;
    if (unknownIn(props.networkProfile, policy)) {
      return [];
    }
    const value = asString(policy);
    return value !== undefined && value.toLowerCase() !== "none"
      ? []
      : [
          `AKS cluster "${resource.name}" has networkProfile.networkPolicy = ${show(policy)}; set it ` +
            `to "azure", "calico" or "cilium" so Kubernetes NetworkPolicies are enforced.`,
        ];
  },
});
