import type * as pulumi from "@pulumi/pulumi";
import type * as containerservice from "@pulumi/azure-native/containerservice";
import { TYPES } from "../../lib/arm";
import { asString, defineResourceRule, show, unknownIn } from "../../lib/rule";

export const aksSetsAutoUpgradeChannel = defineResourceRule<
  pulumi.Unwrap<containerservice.ManagedClusterArgs>
>({
  name: "aks-sets-auto-upgrade-channel",
  description:
    'AKS clusters must set a cluster auto-upgrade channel (autoUpgradeProfile.upgradeChannel other than "none").',
  severity: "medium",
  sources: [
    {
      kind: "psrule",
      id: "Azure.AKS.AutoUpgrade",
      url: "https://azure.github.io/PSRule.Rules.Azure/en/rules/Azure.AKS.AutoUpgrade/",
    },
    { kind: "checkov", id: "CKV_AZURE_171" },
  ],
  enforcementLevel: "mandatory",
  remediationSteps: 'Set autoUpgradeProfile.upgradeChannel to "patch" or "stable".',
  resourceTypes: [TYPES.managedCluster],
  check: (props, resource) => {
    const channel = props.autoUpgradeProfile?.upgradeChannel;
    if (unknownIn(props.autoUpgradeProfile, channel)) {
      return [];
    }
    const value = asString(channel);
    return value !== undefined && value.toLowerCase() !== "none"
      ? []
      : [
          `AKS cluster "${resource.name}" has autoUpgradeProfile.upgradeChannel = ${show(channel)}; ` +
            `set it to "patch" or "stable" so Kubernetes patches are applied.`,
        ];
  },
});
