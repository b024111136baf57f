import type * as pulumi from "@pulumi/pulumi";
import type * as compute from "@pulumi/azure-native/compute";
import { TYPES } from "../../lib/arm";
import { asString, defineResourceRule, show, unknownIn } from "../../lib/rule";

const SECURE_TYPES = ["trustedlaunch", "confidentialvm"];

export const vmEnablesTrustedLaunch = defineResourceRule<pulumi.Unwrap<compute.VirtualMachineArgs>>(
  {
    name: "vm-enables-trusted-launch",
    description:
      "Virtual machines must use Trusted Launch (or Confidential VM) with Secure Boot and vTPM enabled.",
    severity: "medium",
    sources: [
      {
        kind: "psrule",
        id: "Azure.VM.SecureBoot",
        url: "https://azure.github.io/PSRule.Rules.Azure/en/rules/Azure.VM.SecureBoot/",
      },
      {
        kind: "azure-policy",
        id: "[Preview]: vTPM should be enabled on supported virtual machines",
        url: "https://github.com/Azure/azure-policy/blob/master/built-in-policies/policyDefinitions/Security%20Center/ASC_EnableVTPM_Audit.json",
      },
    ],
    enforcementLevel: "mandatory",
    remediationSteps:
      'Set securityProfile: { securityType: "TrustedLaunch", uefiSettings: { secureBootEnabled: true, vTpmEnabled: true } } on a Gen2 image.',
    resourceTypes: [TYPES.virtualMachine],
    check: (props, resource) => {
      const profile = props.securityProfile;
      const uefi = profile?.uefiSettings;
      if (
        unknownIn(profile, profile?.securityType, uefi, uefi?.secureBootEnabled, uefi?.vTpmEnabled)
      ) {
        return [];
      }
      const messages: string[] = [];
      const securityType = profile?.securityType;
      if (!SECURE_TYPES.includes(asString(securityType)?.toLowerCase() ?? "")) {
        messages.push(
          `Virtual machine "${resource.name}" has securityProfile.securityType = ${show(securityType)}; ` +
            `set it to "TrustedLaunch" (Gen2 image) so boot integrity can be verified.`,
        );
      }
      const secureBoot = profile?.uefiSettings?.secureBootEnabled;
      if (secureBoot !== true) {
        messages.push(
          `Virtual machine "${resource.name}" has securityProfile.uefiSettings.secureBootEnabled = ` +
            `${show(secureBoot)}; set it to true.`,
        );
      }
      const vTpm = profile?.uefiSettings?.vTpmEnabled;
      if (vTpm !== true) {
        messages.push(
          `Virtual machine "${resource.name}" has securityProfile.uefiSettings.vTpmEnabled = ` +
            `${show(vTpm)}; set it to true.`,
        );
      }
      return messages;
    },
  },
);
