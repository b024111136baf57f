import type * as pulumi from "@pulumi/pulumi";
import type * as keyvault from "@pulumi/azure-native/keyvault";
import { vaultNameIssues } from "../../../components/naming";
import { TYPES } from "../../lib/arm";
import { asString, defineResourceRule } from "../../lib/rule";

/** Vault names are global DNS labels: 3–24 letters, digits and single hyphens. */
export const keyvaultUsesValidName = defineResourceRule<pulumi.Unwrap<keyvault.VaultArgs>>({
  name: "keyvault-uses-valid-name",
  description:
    "Key Vault names must meet Azure's naming rules (3 to 24 letters, digits and hyphens, starting with a letter).",
  severity: "low",
  sources: [
    {
      kind: "psrule",
      id: "Azure.KeyVault.Name",
      url: "https://azure.github.io/PSRule.Rules.Azure/en/rules/Azure.KeyVault.Name/",
    },
  ],
  enforcementLevel: "mandatory",
  remediationSteps: "Derive the vault name with components/naming.ts vaultName().",
  resourceTypes: [TYPES.vault],
  check: (props, resource) => {
    const name = asString(props.vaultName);
    return name === undefined
      ? []
      : vaultNameIssues(name).map((issue) => `Key Vault "${resource.name}": ${issue}`);
  },
});
