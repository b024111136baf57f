import type * as pulumi from "@pulumi/pulumi";
import type * as authorization from "@pulumi/azure-native/authorization";
import { isGuid } from "../../../components/roles";
import { TYPES } from "../../lib/arm";
import { asString, defineResourceRule, isUnknown, show } from "../../lib/rule";

/**
 * An unset roleAssignmentName is auto-named with a random GUID: stable in state, but lost with the
 * state and unrelated to the (scope, role, principal) triple, which turns re-deploys into
 * RoleAssignmentExists conflicts.
 */
export const roleAssignmentUsesDeterministicName = defineResourceRule<
  pulumi.Unwrap<authorization.RoleAssignmentArgs>
>({
  name: "role-assignment-uses-deterministic-name",
  description:
    "Role assignments must set roleAssignmentName to a GUID derived from scope, role and principal (components/naming.ts roleAssignmentName) instead of a random name.",
  severity: "medium",
  sources: [
    {
      kind: "microsoft-learn",
      id: "role-assignments-rest#assign-an-azure-role",
      url: "https://learn.microsoft.com/azure/role-based-access-control/role-assignments-rest",
    },
  ],
  enforcementLevel: "mandatory",
  remediationSteps:
    "Set roleAssignmentName = roleAssignmentName(scope, roleDefinitionId, principalId) from components/naming.ts.",
  resourceTypes: [TYPES.roleAssignment],
  check: (props, resource) => {
    const name = props.roleAssignmentName;
    if (isUnknown(name)) {
      return [];
    }
    const known = asString(name);
    if (known !== undefined && isGuid(known)) {
      return [];
    }
    return [
      `Role assignment "${resource.name}" has roleAssignmentName = ${show(name)}; set it to a GUID ` +
        `derived from scope, role and principal (roleAssignmentName() in components/naming.ts) so ` +
        `re-deployments find the same assignment.`,
    ];
  },
});
