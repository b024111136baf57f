import type * as pulumi from "@pulumi/pulumi";
import type * as containerservice from "@pulumi/azure-native/containerservice";
import { TYPES } from "../../lib/arm";
import { asString, defineResourceRule, show, unknownIn } from "../../lib/rule";

/** The channels PSRule's Azure.AKS.NodeAutoUpgrade accepts. */
export const NODE_OS_UPGRADE_CHANNELS: readonly string[] = ["SecurityPatch", "NodeImage"];

export const aksSetsNodeOsUpgradeChannel = defineResourceRule<
  pulumi.Unwrap<containerservice.ManagedClusterArgs>
>({
  name: "aks-sets-node-os-upgrade-channel",
  description:
    'AKS clusters must set the node OS upgrade channel (autoUpgradeProfile.nodeOSUpgradeChannel) to "SecurityPatch" or "NodeImage".',
  severity: "medium",
  sources: [
    {
      kind: "psrule",
      id: "Azure.AKS.NodeAutoUpgrade",
      url: "https://azure.github.io/PSRule.Rules.Azure/en/rules/Azure.AKS.NodeAutoUpgrade/",
    },
  ],
  enforcementLevel: "mandatory",
  remediationSteps:
    'Set autoUpgradeProfile.nodeOSUpgradeChannel to "NodeImage" or "SecurityPatch".',
  resourceTypes: [TYPES.managedCluster],
  check: (props, resource) => {
    const channel = props.autoUpgradeProfile?.nodeOSUpgradeChannel;
    if (unknownIn(props.autoUpgradeProfile, channel)) {
      return [];
    }
    const value = asString(channel)?.toLowerCase();
    return NODE_OS_UPGRADE_CHANNELS.some((c) => c.toLowerCase() === value)
      ? []
      : [
          `AKS cluster "${resource.name}" has autoUpgradeProfile.nodeOSUpgradeChannel = ` +
            `${show(channel)}; set it to "NodeImage" or "SecurityPatch" so node OS security updates ` +
            `are applied.`,
        ];
  },
});
