import type * as pulumi from "@pulumi/pulumi";
import type * as containerservice from "@pulumi/azure-native/containerservice";
import { TYPES } from "../../lib/arm";
import { asArray, defineResourceRule, unknownIn } from "../../lib/rule";

export const aksRestrictsApiServerAccess = defineResourceRule<
  pulumi.Unwrap<containerservice.ManagedClusterArgs>
>({
  name: "aks-restricts-api-server-access",
  description:
    "AKS clusters should limit API server access with authorized IP ranges or a private cluster.",
  severity: "medium",
  sources: [
    {
      kind: "psrule",
      id: "Azure.AKS.AuthorizedIPs",
      url: "https://azure.github.io/PSRule.Rules.Azure/en/rules/Azure.AKS.AuthorizedIPs/",
    },
    { kind: "checkov", id: "CKV_AZURE_6" },
    { kind: "checkov", id: "CKV_AZURE_115" },
  ],
  enforcementLevel: "advisory",
  remediationSteps:
    "Set apiServerAccessProfile.authorizedIPRanges (CI runner and admin ranges) or enablePrivateCluster: true.",
  resourceTypes: [TYPES.managedCluster],
  check: (props, resource) => {
    const profile = props.apiServerAccessProfile;
    if (unknownIn(profile, profile?.enablePrivateCluster, profile?.authorizedIPRanges)) {
      return [];
    }
    if (
      profile?.enablePrivateCluster === true ||
      (asArray(profile?.authorizedIPRanges)?.length ?? 0) > 0
    ) {
      return [];
    }
    return [
      `AKS cluster "${resource.name}" exposes its API server to every address: set ` +
        `apiServerAccessProfile.authorizedIPRanges or apiServerAccessProfile.enablePrivateCluster = true.`,
    ];
  },
});
