// Azure RBAC evaluation for the Key Vault data plane, as the emulator applies it.
import { guidsEqual, scopeCovers } from "../../components/rules/armIds";
import { findRole, KEY_VAULT_GET_SECRET, permits } from "../../components/roles";

export interface TimedRoleAssignment {
  readonly principalId: string;
  readonly roleDefinitionId: string;
  readonly scope: string;
  /** Epoch milliseconds from which the assignment is visible to the data plane. */
  readonly effectiveAt: number;
  /** A custom role's data permissions (Azure evaluates them like a built-in role's, wildcards included). */
  readonly customRole?: {
    readonly dataActions: readonly string[];
    readonly notDataActions: readonly string[];
  };
}

/** True when the role named by `roleDefinitionId` (GUID, ARM path or name) grants the data action. */
export function roleGrants(roleDefinitionId: string, dataAction: string): boolean {
  const role = findRole(roleDefinitionId);
  return role !== undefined && permits(role, dataAction, "dataAction");
}

/** The first assignment in effect at `now` that lets `principalId` read the secret, if any. */
export function findGrantingAssignment(
  assignments: readonly TimedRoleAssignment[],
  principalId: string,
  secretResourceId: string,
  now: number,
  dataAction: string = KEY_VAULT_GET_SECRET,
): TimedRoleAssignment | undefined {
  return assignments.find(
    (a) =>
      a.effectiveAt <= now &&
      guidsEqual(a.principalId, principalId) &&
      scopeCovers(a.scope, secretResourceId) &&
      (a.customRole !== undefined
        ? permits(
            { roleName: "", id: "", description: "", actions: [], notActions: [], ...a.customRole },
            dataAction,
            "dataAction",
          )
        : roleGrants(a.roleDefinitionId, dataAction)),
  );
}
