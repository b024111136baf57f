import type * as pulumi from "@pulumi/pulumi";
import type * as keyvault from "@pulumi/azure-native/keyvault";
import { TYPES } from "../../lib/arm";
import { defineResourceRule, show, unknownIn } from "../../lib/rule";

/**
 * Purge protection stops anyone from hard-deleting the vault during retention. Ephemeral dev stacks
 * leave it off (a purge-protected name stays taken for the whole retention), so the rule is advisory
 * when the pack config sets `environment: dev`.
 */
export const keyvaultEnablesPurgeProtection = defineResourceRule<pulumi.Unwrap<keyvault.VaultArgs>>(
  {
    name: "keyvault-enables-purge-protection",
    description:
      "Key Vaults must enable purge protection (properties.enablePurgeProtection = true); advisory in dev stacks.",
    severity: "medium",
    sources: [
      {
        kind: "psrule",
        id: "Azure.KeyVault.PurgeProtect",
        url: "https://azure.github.io/PSRule.Rules.Azure/en/rules/Azure.KeyVault.PurgeProtect/",
      },
      { kind: "checkov", id: "CKV_AZURE_110" },
      { kind: "checkov", id: "CKV_AZURE_42" },
    ],
    enforcementLevel: "mandatory",
    environmentLevels: { dev: "advisory", prod: "mandatory" },
    remediationSteps:
      "Set properties.enablePurgeProtection to true (irreversible); only ephemeral dev stacks may leave it off.",
    resourceTypes: [TYPES.vault],
    check: (props, resource) => {
      const value = props.properties?.enablePurgeProtection;
      if (unknownIn(props.properties, value)) {
        return [];
      }
      return value === true
        ? []
        : [
            `Key Vault "${resource.name}" has properties.enablePurgeProtection = ${show(value)}; set it ` +
              `to true so a deleted vault cannot be purged during its retention period.`,
          ];
    },
  },
);
