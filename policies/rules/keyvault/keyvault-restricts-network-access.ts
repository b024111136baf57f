import type * as pulumi from "@pulumi/pulumi";
import type * as keyvault from "@pulumi/azure-native/keyvault";
import { TYPES } from "../../lib/arm";
import { asString, defineResourceRule, show, unknownIn } from "../../lib/rule";

/** The vault firewall denies by default (named subnets / IP ranges allowed), or public access is off. */
export const keyvaultRestrictsNetworkAccess = defineResourceRule<pulumi.Unwrap<keyvault.VaultArgs>>(
  {
    name: "keyvault-restricts-network-access",
    description:
      'Key Vaults must deny public traffic by default (networkAcls.defaultAction = "Deny") or disable public network access.',
    severity: "high",
    sources: [
      {
        kind: "psrule",
        id: "Azure.KeyVault.Firewall",
        url: "https://azure.github.io/PSRule.Rules.Azure/en/rules/Azure.KeyVault.Firewall/",
      },
      { kind: "checkov", id: "CKV_AZURE_109" },
      { kind: "checkov", id: "CKV_AZURE_189" },
    ],
    enforcementLevel: "mandatory",
    remediationSteps:
      'Set properties.networkAcls.defaultAction to "Deny" with bypass "AzureServices" and the allowed subnets or IP ranges, or set publicNetworkAccess to "Disabled".',
    resourceTypes: [TYPES.vault],
    check: (props, resource) => {
      const defaultAction = props.properties?.networkAcls?.defaultAction;
      const publicAccess = props.properties?.publicNetworkAccess;
      if (unknownIn(props.properties, props.properties?.networkAcls, defaultAction, publicAccess)) {
        return [];
      }
      if (
        asString(defaultAction)?.toLowerCase() === "deny" ||
        asString(publicAccess)?.toLowerCase() === "disabled"
      ) {
        return [];
      }
      return [
        `Key Vault "${resource.name}" accepts public traffic: properties.networkAcls.defaultAction = ` +
          `${show(defaultAction)} and properties.publicNetworkAccess = ${show(publicAccess)}; set ` +
          `networkAcls.defaultAction to "Deny" (allowing named subnets or IP ranges) or ` +
          `publicNetworkAccess to "Disabled".`,
      ];
    },
  },
);
