import type * as pulumi from "@pulumi/pulumi";
import type * as authorization from "@pulumi/azure-native/authorization";
import { TYPES } from "../../lib/arm";
import { defineResourceRule, unknownIn } from "../../lib/rule";

/**
 * Without principalType, ARM looks the principal up in Entra ID and fails with PrincipalNotFound while a
 * new managed identity is still replicating.
 */
export const roleAssignmentSetsPrincipalType = defineResourceRule<
  pulumi.Unwrap<authorization.RoleAssignmentArgs>
>({
  name: "role-assignment-sets-principal-type",
  description:
    'Role assignments must set principalType (use "ServicePrincipal" for managed identities) so new principals are not looked up before they replicate.',
  severity: "medium",
  sources: [
    {
      kind: "microsoft-learn",
      id: "role-assignments-rest#new-service-principal",
      url: "https://learn.microsoft.com/azure/role-based-access-control/role-assignments-rest",
    },
  ],
  enforcementLevel: "mandatory",
  remediationSteps: 'Set principalType: "ServicePrincipal" for managed identities and apps.',
  resourceTypes: [TYPES.roleAssignment],
  check: (props, resource) =>
    (props.principalType === undefined || props.principalType === "") &&
    !unknownIn(props.principalType)
      ? [
          `Role assignment "${resource.name}" has principalType unset; set it ("ServicePrincipal" ` +
            `for managed identities) so Azure does not fail with PrincipalNotFound while a new ` +
            `principal replicates.`,
        ]
      : [],
});
