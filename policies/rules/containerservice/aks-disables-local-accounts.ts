import type * as pulumi from "@pulumi/pulumi";
import type * as containerservice from "@pulumi/azure-native/containerservice";
import { TYPES } from "../../lib/arm";
import { defineResourceRule, show, unknownIn } from "../../lib/rule";

export const aksDisablesLocalAccounts = defineResourceRule<
  pulumi.Unwrap<containerservice.ManagedClusterArgs>
>({
  name: "aks-disables-local-accounts",
  description:
    "AKS clusters must disable local accounts (disableLocalAccounts = true) so every access is an Entra ID identity.",
  severity: "high",
  sources: [
    {
      kind: "psrule",
      id: "Azure.AKS.LocalAccounts",
      url: "https://azure.github.io/PSRule.Rules.Azure/en/rules/Azure.AKS.LocalAccounts/",
    },
    { kind: "checkov", id: "CKV_AZURE_141" },
  ],
  enforcementLevel: "mandatory",
  remediationSteps: "Set disableLocalAccounts: true (needs managed Entra ID integration).",
  resourceTypes: [TYPES.managedCluster],
  check: (props, resource) =>
    props.disableLocalAccounts === true || unknownIn(props.disableLocalAccounts)
      ? []
      : [
          `AKS cluster "${resource.name}" has disableLocalAccounts = ${show(props.disableLocalAccounts)}; ` +
            `set it to true so no static admin credential can be listed.`,
        ],
});
