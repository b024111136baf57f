import type * as pulumi from "@pulumi/pulumi";
import type * as compute from "@pulumi/azure-native/compute";
import { TYPES } from "../../lib/arm";
import { defineResourceRule, show, unknownIn } from "../../lib/rule";

export const vmDisablesPasswordAuthentication = defineResourceRule<
  pulumi.Unwrap<compute.VirtualMachineArgs>
>({
  name: "vm-disables-password-authentication",
  description:
    "Linux virtual machines must disable password authentication (osProfile.linuxConfiguration.disablePasswordAuthentication = true).",
  severity: "high",
  sources: [
    {
      kind: "psrule",
      id: "Azure.VM.PublicKey",
      url: "https://azure.github.io/PSRule.Rules.Azure/en/rules/Azure.VM.PublicKey/",
    },
    { kind: "checkov", id: "CKV_AZURE_1" },
    { kind: "checkov", id: "CKV_AZURE_149" },
  ],
  enforcementLevel: "mandatory",
  remediationSteps:
    "Set osProfile.linuxConfiguration.disablePasswordAuthentication: true and remove osProfile.adminPassword.",
  resourceTypes: [TYPES.virtualMachine],
  check: (props, resource) => {
    const osProfile = props.osProfile;
    const linux = osProfile?.linuxConfiguration;
    if (unknownIn(osProfile, linux, linux?.disablePasswordAuthentication)) {
      return [];
    }
    if (osProfile === undefined || osProfile.windowsConfiguration !== undefined) {
      return [];
    }
    const messages: string[] = [];
    const disabled = osProfile.linuxConfiguration?.disablePasswordAuthentication;
    if (disabled !== true) {
      messages.push(
        `Virtual machine "${resource.name}" has osProfile.linuxConfiguration.disablePasswordAuthentication ` +
          `= ${show(disabled)}; set it to true so only SSH keys can sign in.`,
      );
    }
    if (osProfile.adminPassword !== undefined) {
      messages.push(
        `Virtual machine "${resource.name}" sets osProfile.adminPassword; remove it and sign in with an SSH key.`,
      );
    }
    return messages;
  },
});
