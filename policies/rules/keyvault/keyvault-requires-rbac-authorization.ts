import type * as pulumi from "@pulumi/pulumi";
import type * as keyvault from "@pulumi/azure-native/keyvault";
import { TYPES } from "../../lib/arm";
import { defineResourceRule, show, unknownIn } from "../../lib/rule";

/** Key Vault data-plane access must be authorized by Azure RBAC, not by access policies. */
export const keyvaultRequiresRbacAuthorization = defineResourceRule<
  pulumi.Unwrap<keyvault.VaultArgs>
>({
  name: "keyvault-requires-rbac-authorization",
  description:
    "Key Vaults must authorize data-plane access with Azure RBAC (properties.enableRbacAuthorization = true).",
  severity: "high",
  sources: [
    {
      kind: "psrule",
      id: "Azure.KeyVault.RBAC",
      url: "https://azure.github.io/PSRule.Rules.Azure/en/rules/Azure.KeyVault.RBAC/",
    },
    { kind: "mcsb", id: "IM-1" },
  ],
  enforcementLevel: "mandatory",
  remediationSteps:
    "Set properties.enableRbacAuthorization to true and grant Key Vault data roles with role assignments.",
  resourceTypes: [TYPES.vault],
  check: (props, resource) => {
    const value = props.properties?.enableRbacAuthorization;
    if (unknownIn(props.properties, value)) {
      return [];
    }
    return value === true
      ? []
      : [
          `Key Vault "${resource.name}" has properties.enableRbacAuthorization = ${show(value)} ` +
            `(Azure's default is false: access policies); set it to true so data-plane access is ` +
            `granted only by Azure RBAC role assignments.`,
        ];
  },
});
