import type * as pulumi from "@pulumi/pulumi";
import type * as authorization from "@pulumi/azure-native/authorization";
import { findRole } from "../../../components/roles";
import { broadScopeKind } from "../../../components/rules/armIds";
import { TYPES } from "../../lib/arm";
import { asString, defineResourceRule } from "../../lib/rule";

/** Roles that can change anything (or grant anything) — never from this program at a broad scope. */
export const PRIVILEGED_ROLE_NAMES: readonly string[] = [
  "Owner",
  "User Access Administrator",
  "Contributor",
];

export const roleAssignmentAvoidsPrivilegedRolesAtBroadScope = defineResourceRule<
  pulumi.Unwrap<authorization.RoleAssignmentArgs>
>({
  name: "role-assignment-avoids-privileged-roles-at-broad-scope",
  description:
    "Role assignments must not grant Owner, User Access Administrator or Contributor at a subscription, resource group, management group or root scope.",
  severity: "critical",
  sources: [
    {
      kind: "psrule",
      id: "Azure.RBAC.LimitOwner",
      url: "https://azure.github.io/PSRule.Rules.Azure/en/rules/Azure.RBAC.LimitOwner/",
    },
    {
      kind: "psrule",
      id: "Azure.RBAC.UseRGDelegation",
      url: "https://azure.github.io/PSRule.Rules.Azure/en/rules/Azure.RBAC.UseRGDelegation/",
    },
    { kind: "mcsb", id: "PA-7" },
  ],
  enforcementLevel: "mandatory",
  remediationSteps:
    "Grant a narrower role (e.g. a Key Vault data role) at the resource that needs it.",
  resourceTypes: [TYPES.roleAssignment],
  check: (props, resource) => {
    const roleId = asString(props.roleDefinitionId);
    const scope = asString(props.scope);
    if (roleId === undefined || scope === undefined) {
      return [];
    }
    const role = findRole(roleId);
    const kind = broadScopeKind(scope);
    if (
      role === undefined ||
      kind === undefined ||
      !PRIVILEGED_ROLE_NAMES.includes(role.roleName)
    ) {
      return [];
    }
    return [
      `Role assignment "${resource.name}" grants "${role.roleName}" at ${kind} scope ` +
        `${JSON.stringify(scope)}; grant a narrower role at the resource that needs it instead.`,
    ];
  },
});
