import type * as pulumi from "@pulumi/pulumi";
import type * as compute from "@pulumi/azure-native/compute";
import { TYPES } from "../../lib/arm";
import { defineResourceRule, show, unknownIn } from "../../lib/rule";

export const vmEnablesBootDiagnostics = defineResourceRule<
  pulumi.Unwrap<compute.VirtualMachineArgs>
>({
  name: "vm-enables-boot-diagnostics",
  description:
    "Virtual machines must enable boot diagnostics (diagnosticsProfile.bootDiagnostics.enabled = true), preferably with managed storage.",
  severity: "low",
  sources: [
    {
      kind: "microsoft-learn",
      id: "virtual-machines/boot-diagnostics",
      url: "https://learn.microsoft.com/azure/virtual-machines/boot-diagnostics",
    },
    { kind: "mcsb", id: "LT-4" },
  ],
  enforcementLevel: "mandatory",
  remediationSteps:
    "Set diagnosticsProfile.bootDiagnostics.enabled: true and leave storageUri unset (managed storage).",
  resourceTypes: [TYPES.virtualMachine],
  check: (props, resource) => {
    const boot = props.diagnosticsProfile?.bootDiagnostics;
    const enabled = boot?.enabled;
    if (unknownIn(props.diagnosticsProfile, boot, enabled)) {
      return [];
    }
    return enabled === true
      ? []
      : [
          `Virtual machine "${resource.name}" has diagnosticsProfile.bootDiagnostics.enabled = ` +
            `${show(enabled)}; set it to true so boot failures can be diagnosed from the serial log.`,
        ];
  },
});
