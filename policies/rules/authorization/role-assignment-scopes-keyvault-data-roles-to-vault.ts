import type * as pulumi from "@pulumi/pulumi";
import type * as authorization from "@pulumi/azure-native/authorization";
import { findRole, type RoleDefinition } from "../../../components/roles";
import { vaultNameInScope } from "../../../components/rules/armIds";
import { TYPES } from "../../lib/arm";
import { asString, defineResourceRule } from "../../lib/rule";

/** A Key Vault data role: a built-in role with data actions on Microsoft.KeyVault. */
export function isKeyVaultDataRole(role: RoleDefinition): boolean {
  return role.dataActions.some((a) => a.toLowerCase().startsWith("microsoft.keyvault/"));
}

export const roleAssignmentScopesKeyvaultDataRolesToVault = defineResourceRule<
  pulumi.Unwrap<authorization.RoleAssignmentArgs>
>({
  name: "role-assignment-scopes-keyvault-data-roles-to-vault",
  description:
    "Key Vault data roles must be assigned at a vault scope or narrower (a secret, key or certificate), never at a resource group or above.",
  severity: "high",
  sources: [
    { kind: "mcsb", id: "PA-7" },
    {
      kind: "microsoft-learn",
      id: "key-vault-rbac-guide#best-practices",
      url: "https://learn.microsoft.com/azure/key-vault/general/rbac-guide",
    },
  ],
  enforcementLevel: "mandatory",
  remediationSteps: "Set scope to the vault's id (or a secret's id inside it).",
  resourceTypes: [TYPES.roleAssignment],
  check: (props, resource) => {
    const roleId = asString(props.roleDefinitionId);
    const scope = asString(props.scope);
    if (roleId === undefined || scope === undefined) {
      return [];
    }
    const role = findRole(roleId);
    if (role === undefined || !isKeyVaultDataRole(role) || vaultNameInScope(scope) !== undefined) {
      return [];
    }
    return [
      `Role assignment "${resource.name}" grants Key Vault data role "${role.roleName}" at scope ` +
        `${JSON.stringify(scope)}; assign it at the vault (/providers/Microsoft.KeyVault/vaults/<name>) ` +
        `or a secret inside it.`,
    ];
  },
});
