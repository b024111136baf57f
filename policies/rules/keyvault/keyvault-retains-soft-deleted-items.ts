import type * as pulumi from "@pulumi/pulumi";
import type * as keyvault from "@pulumi/azure-native/keyvault";
import { TYPES } from "../../lib/arm";
import { defineResourceRule, show, unknownIn } from "../../lib/rule";

/** The minimum soft-delete retention this pack accepts (Azure accepts 7 to 90 days). */
export const MIN_SOFT_DELETE_RETENTION_DAYS = 7;

/** Deleted vaults and secrets must stay recoverable for at least a week. */
export const keyvaultRetainsSoftDeletedItems = defineResourceRule<
  pulumi.Unwrap<keyvault.VaultArgs>
>({
  name: "keyvault-retains-soft-deleted-items",
  description:
    "Key Vaults must keep soft delete on with a retention of at least 7 days (properties.softDeleteRetentionInDays).",
  severity: "medium",
  sources: [
    {
      kind: "psrule",
      id: "Azure.KeyVault.SoftDelete",
      url: "https://azure.github.io/PSRule.Rules.Azure/en/rules/Azure.KeyVault.SoftDelete/",
    },
    { kind: "checkov", id: "CKV_AZURE_42" },
  ],
  enforcementLevel: "mandatory",
  remediationSteps:
    "Leave properties.enableSoftDelete unset (or true) and set softDeleteRetentionInDays between 7 and 90.",
  resourceTypes: [TYPES.vault],
  check: (props, resource) => {
    if (unknownIn(props.properties)) {
      return [];
    }
    const messages: string[] = [];
    const enabled = props.properties?.enableSoftDelete;
    if (enabled === false) {
      messages.push(
        `Key Vault "${resource.name}" has properties.enableSoftDelete = false; remove the setting ` +
          `(or set it to true) so deleted secrets stay recoverable.`,
      );
    }
    const days = props.properties?.softDeleteRetentionInDays;
    if (typeof days === "number" && days < MIN_SOFT_DELETE_RETENTION_DAYS) {
      messages.push(
        `Key Vault "${resource.name}" has properties.softDeleteRetentionInDays = ${show(days)}; ` +
          `set it to at least ${MIN_SOFT_DELETE_RETENTION_DAYS} (90 is Azure's default).`,
      );
    }
    return messages;
  },
});
