import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import { roleAssignmentName } from "./naming";
import { findRole, resolveRoleGuid, roleDefinitionResourceId } from "./roles";
import { checkRequiredArgs } from "./args";

/** Anything that has an Entra object id: a `UserAssignedIdentity`, a `LinuxVirtualMachine`, an AKS kubelet identity. */
export interface RolePrincipal {
  readonly principalId: pulumi.Input<string>;
}

/**
 * The hint added to an unknown role name: any built-in or custom role works by its GUID
 * (`az role definition list --name "<role name>" --query "[].name" -o tsv` prints it).
 */
export const ROLE_GUID_HINT =
  'For a role not in the catalogue, pass its role definition GUID, e.g. role: "acdd72a7-3385-48ef-bd42-f606fba81ae7" (Reader); `az role definition list --name "<role name>" --query "[].name" -o tsv` prints it.';

/** Principal types zerocred assigns roles to. Managed identities are `ServicePrincipal` (never `MSI`). */
export type AssignablePrincipalType = "ServicePrincipal" | "User" | "Group";

const PRINCIPAL_TYPES: readonly AssignablePrincipalType[] = ["ServicePrincipal", "User", "Group"];

const SUBSCRIPTION_IN_SCOPE = /^\/subscriptions\/([0-9a-fA-F-]{36})(?:\/|$)/;

export interface RoleAssignmentArgs {
  /**
   * Required. ARM id of the scope to grant the role at — the narrowest one that works (a vault, a secret,
   * a cluster), not a resource group or subscription. The subscription id is parsed from it.
   */
  readonly scope: pulumi.Input<string>;
  /**
   * Required. Built-in role display name from `components/roles.ts` (e.g. `Key Vault Secrets User`), a role
   * definition GUID, or a role definition ARM id. Plain value, validated before anything is registered.
   */
  readonly role: string;
  /**
   * Required (or `principal`). Object (principal) id of the identity receiving the role, for a principal
   * made elsewhere.
   */
  readonly principalId?: pulumi.Input<string>;
  /**
   * Optional (or `principalId`). The principal as a component: a `UserAssignedIdentity`, a
   * `LinuxVirtualMachine` (its system-assigned identity), or anything with a `principalId`.
   */
  readonly principal?: RolePrincipal;
  /**
   * Optional. Type of the principal. Setting it lets ARM skip the directory lookup that fails with
   * `PrincipalNotFound` right after an identity is created. Defaults to `ServicePrincipal` (managed identities).
   */
  readonly principalType?: pulumi.Input<AssignablePrincipalType>;
  /** Optional. Human-readable reason for the assignment. Defaults to none. */
  readonly description?: pulumi.Input<string>;
  /**
   * Optional. ABAC condition limiting the assignment; `conditionVersion` is then set to `2.0`.
   * Defaults to no condition.
   */
  readonly condition?: pulumi.Input<string>;
}

/** The subscription id in an ARM scope, or `undefined` when the scope is not subscription-rooted. */
export function subscriptionIdFromScope(scope: string): string | undefined {
  const m = SUBSCRIPTION_IN_SCOPE.exec(scope);
  return m ? m[1].toLowerCase() : undefined;
}

/** Throws an `Error` naming the setting, the value and the fix when `scope` is not a subscription-rooted ARM id. */
export function validateScope(scope: string): void {
  if (subscriptionIdFromScope(scope) === undefined) {
    throw new Error(
      `Invalid value for scope: ${JSON.stringify(scope)}. Use the ARM id of the resource to grant access to, ` +
        `starting with /subscriptions/<subscription-guid>/ (e.g. a vault's id).`,
    );
  }
}

/** Throws an `Error` naming the setting, the value and the fix when `principalType` is not supported. */
export function validatePrincipalType(principalType: string): void {
  if (!(PRINCIPAL_TYPES as readonly string[]).includes(principalType)) {
    throw new Error(
      `Invalid value for principalType: ${JSON.stringify(principalType)}. Allowed values are: ` +
        `${PRINCIPAL_TYPES.join(", ")} (use ServicePrincipal for managed identities).`,
    );
  }
}

/** The resource options zerocred gives every role assignment child (exported for tests and reuse). */
export function roleAssignmentChildOptions(parent: pulumi.Resource): pulumi.CustomResourceOptions {
  // A changed deterministic name replaces the assignment; deleting first avoids 409 RoleAssignmentExists
  // (same principal, role and scope under two names).
  return { parent, deleteBeforeReplace: true };
}

/**
 * One Azure role assignment at a given scope, with a deterministic UUIDv5 name computed from
 * (scope, role definition id, principal id), `principalType` set, and delete-before-replace.
 */
export class RoleAssignment extends pulumi.ComponentResource {
  /** ARM id of the role assignment. */
  public readonly id: pulumi.Output<string>;
  /** The deterministic GUID name of the assignment. */
  public readonly roleAssignmentName: pulumi.Output<string>;
  /** Subscription-scoped role definition id (`/subscriptions/…/roleDefinitions/<guid>`). */
  public readonly roleDefinitionId: pulumi.Output<string>;
  /** The scope the role is granted at. */
  public readonly scope: pulumi.Output<string>;
  /** The principal receiving the role. */
  public readonly principalId: pulumi.Output<string>;
  /** Display name of the role when it is a catalog role, otherwise its GUID. */
  public readonly roleName: string;
  /** The `authorization.RoleAssignment` child, for `dependsOn`. */
  public readonly assignment: authorization.RoleAssignment;

  constructor(name: string, args: RoleAssignmentArgs, opts?: pulumi.ComponentResourceOptions) {
    checkRequiredArgs("RoleAssignment", name, args, [
      { key: "scope", fix: "pass the ARM id of what to grant access to (e.g. vault.id)" },
      {
        key: "role",
        fix: 'pass a built-in role name (e.g. "Key Vault Secrets User") or a role definition GUID',
      },
      {
        key: "principal|principalId",
        fix: "pass principal (a UserAssignedIdentity or LinuxVirtualMachine), or the principalId of an identity made elsewhere",
      },
    ]);
    super("zerocred:authorization:RoleAssignment", name, {}, opts);

    let roleGuid: string;
    try {
      try {
        roleGuid = resolveRoleGuid(args.role, "role");
      } catch (e) {
        throw new Error(`${(e as Error).message} ${ROLE_GUID_HINT}`);
      }
      if (typeof args.scope === "string") {
        validateScope(args.scope);
      }
      if (typeof args.principalType === "string") {
        validatePrincipalType(args.principalType);
      }
    } catch (e) {
      throw new pulumi.ResourceError((e as Error).message, this, true);
    }
    this.roleName = findRole(roleGuid)?.roleName ?? roleGuid;

    const scope = pulumi.output(args.scope);
    const principalId = pulumi.output(args.principal?.principalId ?? args.principalId!);
    const roleDefinitionId = scope.apply((s) => {
      validateScope(s);
      return roleDefinitionResourceId(subscriptionIdFromScope(s) as string, roleGuid);
    });
    const assignmentName = pulumi
      .all([scope, roleDefinitionId, principalId])
      .apply(([s, r, p]) => roleAssignmentName(s, r, p));

    this.assignment = new authorization.RoleAssignment(
      `${name}-assignment`,
      {
        scope,
        roleAssignmentName: assignmentName,
        roleDefinitionId,
        principalId,
        principalType: args.principalType ?? "ServicePrincipal",
        description: args.description,
        condition: args.condition,
        conditionVersion: args.condition !== undefined ? "2.0" : undefined,
      },
      roleAssignmentChildOptions(this),
    );

    this.id = this.assignment.id;
    this.roleAssignmentName = assignmentName;
    this.roleDefinitionId = roleDefinitionId;
    this.scope = scope;
    this.principalId = principalId;
    this.registerOutputs({
      id: this.id,
      roleAssignmentName: this.roleAssignmentName,
      roleDefinitionId: this.roleDefinitionId,
      scope: this.scope,
      principalId: this.principalId,
    });
  }
}
