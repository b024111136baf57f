import type * as pulumi from "@pulumi/pulumi";
import type * as network from "@pulumi/azure-native/network";
import { TYPES } from "../../lib/arm";
import { asArray, asRecord, asString, defineResourceRule } from "../../lib/rule";

export const nicAvoidsPublicIp = defineResourceRule<pulumi.Unwrap<network.NetworkInterfaceArgs>>({
  name: "nic-avoids-public-ip",
  description:
    "Network interfaces should not attach a public IP address (ipConfigurations[].publicIPAddress); reach VMs through Bastion, a VPN or run commands.",
  severity: "medium",
  sources: [
    {
      kind: "psrule",
      id: "Azure.VM.PublicIPAttached",
      url: "https://azure.github.io/PSRule.Rules.Azure/en/rules/Azure.VM.PublicIPAttached/",
    },
    { kind: "checkov", id: "CKV_AZURE_119" },
  ],
  enforcementLevel: "advisory",
  remediationSteps: "Remove publicIPAddress from the NIC's ipConfigurations.",
  resourceTypes: [TYPES.networkInterface],
  check: (props, resource) =>
    (asArray(props.ipConfigurations) ?? []).flatMap((entry, i) => {
      const config = asRecord(entry);
      if (config?.publicIPAddress === undefined || config.publicIPAddress === null) {
        return [];
      }
      const name = asString(config.name) ?? String(i);
      return [
        `Network interface "${resource.name}" attaches a public IP address in ipConfigurations ` +
          `"${name}"; remove publicIPAddress and reach the VM through Bastion, a VPN or run commands.`,
      ];
    }),
});
