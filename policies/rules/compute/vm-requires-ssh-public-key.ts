import type * as pulumi from "@pulumi/pulumi";
import type * as compute from "@pulumi/azure-native/compute";
import { TYPES } from "../../lib/arm";
import { asArray, asRecord, defineResourceRule, unknownIn } from "../../lib/rule";

export const vmRequiresSshPublicKey = defineResourceRule<pulumi.Unwrap<compute.VirtualMachineArgs>>(
  {
    name: "vm-requires-ssh-public-key",
    description:
      "Linux virtual machines must declare at least one SSH public key (osProfile.linuxConfiguration.ssh.publicKeys).",
    severity: "high",
    sources: [
      {
        kind: "psrule",
        id: "Azure.VM.PublicKey",
        url: "https://azure.github.io/PSRule.Rules.Azure/en/rules/Azure.VM.PublicKey/",
      },
      { kind: "checkov", id: "CKV_AZURE_1" },
    ],
    enforcementLevel: "mandatory",
    remediationSteps:
      'Add osProfile.linuxConfiguration.ssh.publicKeys: [{ path: "/home/<admin>/.ssh/authorized_keys", keyData }].',
    resourceTypes: [TYPES.virtualMachine],
    check: (props, resource) => {
      const osProfile = props.osProfile;
      const ssh = osProfile?.linuxConfiguration?.ssh;
      if (unknownIn(osProfile, osProfile?.linuxConfiguration, ssh, ssh?.publicKeys)) {
        return [];
      }
      if (osProfile === undefined || osProfile.windowsConfiguration !== undefined) {
        return [];
      }
      const keys = asArray(osProfile.linuxConfiguration?.ssh?.publicKeys) ?? [];
      const withData = keys.filter((k) => {
        const data = asRecord(k)?.keyData;
        return typeof data === "string" && data.length > 0;
      });
      return withData.length > 0
        ? []
        : [
            `Virtual machine "${resource.name}" has no SSH public key with keyData in ` +
              `osProfile.linuxConfiguration.ssh.publicKeys; add one (the admin's key) so the VM is reachable ` +
              `without a password.`,
          ];
    },
  },
);
