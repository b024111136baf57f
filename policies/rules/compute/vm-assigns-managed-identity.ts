import type * as pulumi from "@pulumi/pulumi";
import type * as compute from "@pulumi/azure-native/compute";
import { TYPES } from "../../lib/arm";
import { asString, defineResourceRule, show, unknownIn } from "../../lib/rule";

export const vmAssignsManagedIdentity = defineResourceRule<
  pulumi.Unwrap<compute.VirtualMachineArgs>
>({
  name: "vm-assigns-managed-identity",
  description:
    "Virtual machines must have a managed identity (identity.type SystemAssigned and/or UserAssigned) so workloads need no stored credentials.",
  severity: "medium",
  sources: [
    {
      kind: "microsoft-learn",
      id: "managed-identities-azure-resources/overview",
      url: "https://learn.microsoft.com/entra/identity/managed-identities-azure-resources/overview",
    },
  ],
  enforcementLevel: "mandatory",
  remediationSteps: 'Set identity: { type: "SystemAssigned" } (or "SystemAssigned, UserAssigned").',
  resourceTypes: [TYPES.virtualMachine],
  check: (props, resource) => {
    const type = props.identity?.type;
    if (unknownIn(props.identity, type)) {
      return [];
    }
    const value = asString(type)?.toLowerCase() ?? "";
    return value.includes("systemassigned") || value.includes("userassigned")
      ? []
      : [
          `Virtual machine "${resource.name}" has identity.type = ${show(type)}; set it to ` +
            `"SystemAssigned" (or "SystemAssigned, UserAssigned") so code on the VM gets tokens from IMDS.`,
        ];
  },
});
