import type * as pulumi from "@pulumi/pulumi";
import type * as keyvault from "@pulumi/azure-native/keyvault";
import { TYPES } from "../../lib/arm";
import { asArray, defineResourceRule, unknownIn } from "../../lib/rule";

/** Access policies are the legacy Key Vault permission model; an RBAC vault declares none. */
export const keyvaultForbidsInlineAccessPolicies = defineResourceRule<
  pulumi.Unwrap<keyvault.VaultArgs>
>({
  name: "keyvault-forbids-inline-access-policies",
  description: "Key Vaults must not declare access policies (properties.accessPolicies).",
  severity: "high",
  sources: [
    {
      kind: "psrule",
      id: "Azure.KeyVault.RBAC",
      url: "https://azure.github.io/PSRule.Rules.Azure/en/rules/Azure.KeyVault.RBAC/",
    },
    { kind: "mcsb", id: "PA-7" },
  ],
  enforcementLevel: "mandatory",
  remediationSteps:
    "Remove properties.accessPolicies and grant Key Vault data roles at the vault scope instead.",
  resourceTypes: [TYPES.vault],
  check: (props, resource) => {
    if (unknownIn(props.properties, props.properties?.accessPolicies)) {
      return [];
    }
    const count = asArray(props.properties?.accessPolicies)?.length ?? 0;
    return count === 0
      ? []
      : [
          `Key Vault "${resource.name}" declares ${count} access polic${count === 1 ? "y" : "ies"} in ` +
            `properties.accessPolicies; remove them and grant a Key Vault data role (e.g. ` +
            `"Key Vault Secrets User") with a role assignment at the vault scope instead.`,
        ];
  },
});
