import type * as pulumi from "@pulumi/pulumi";
import type * as authorization from "@pulumi/azure-native/authorization";
import { isGuid } from "../../../components/roles";
import { TYPES } from "../../lib/arm";
import { asString, defineResourceRule, isUnknown, show } from "../../lib/rule";

/**
 * An unset roleAssignmentName is auto-named with a random GUID: stable in state, but lost with the
 * state and unrelated to the (scope, role, principal) triple, which turns re-deploys into
 * RoleAssignmentExists conflicts.
 *
 * ADVISORY, not mandatory (decided for issue 9): azure-native autonames roleAssignmentName with a
 * GUID (pulumi/pulumi-azure-native#582, closed as fixed), and Pulumi generates an autoname once and
 * keeps it in the stack's state, so updates find the same assignment
 * (https://www.pulumi.com/docs/iac/concepts/resources/names/#autonaming). An autonamed assignment
 * therefore deploys, grants and updates correctly: the identity chain is right. What a
 * deterministic name buys is operational — a lost state, an import or a second stack managing the
 * same (scope, role, principal) gets the existing assignment instead of 409 RoleAssignmentExists.
 * Failing every correctly wired outside program on that opinion would make `npm start`'s red
 * meaningless, so the rule advises. zerocred's own components always set a deterministic name.
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
  enforcementLevel: "advisory",
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
