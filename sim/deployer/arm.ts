/**
 * Azure Resource Manager authorization for the deployer: for each ARM operation a `pulumi up`,
 * `preview` or `destroy` of the stack makes, decide whether the signed-in identity may perform it —
 * role actions / notActions (components/roles.ts, Azure's wildcard semantics), scope inheritance, the
 * ABAC condition on role-assignment writes — and whether the resource provider is registered.
 *
 * Azure's messages, verbatim formats:
 * - 403 `AuthorizationFailed`: "The client '<client id>' with object id '<object id>' does not have
 *   authorization to perform action '<action>' over scope '<scope>' or the scope is invalid. If access
 *   was recently granted, please refresh your credentials."
 *   (https://learn.microsoft.com/azure/azure-resource-manager/troubleshooting/error-register-resource-provider
 *   and the RBAC troubleshooting guide, https://learn.microsoft.com/azure/role-based-access-control/troubleshooting)
 * - 409 `MissingSubscriptionRegistration`: "The subscription is not registered to use namespace
 *   '<namespace>'. See https://aka.ms/rps-not-found for how to register subscriptions."
 *   (https://learn.microsoft.com/azure/azure-resource-manager/troubleshooting/error-register-resource-provider)
 * Registering a provider needs the `<namespace>/register/action` permission at the subscription (Contributor
 * or Owner there);
 * `Microsoft.Resources` and `Microsoft.Authorization` are registered in every subscription
 * (https://learn.microsoft.com/azure/azure-resource-manager/management/resource-providers-and-types).
 */
import {
  BUILT_IN_ROLES,
  findRole,
  operationMatches,
  permits,
  roleGuidFromDefinitionId,
  type RoleDefinition,
} from "../../components/roles";
import type { RecordedInvoke, RecordedResource } from "../cloud";
import { guidsEqual, scopeCovers } from "../../components/rules/armIds";
import type { CustomRole, DeployerRoleAssignment } from "./bootstrap";
import { conditionAllows, evaluateCondition } from "./condition";

export type Operation = "write" | "read" | "delete";

/** Namespaces every subscription has registered. */
export const ALWAYS_REGISTERED = ["microsoft.resources", "microsoft.authorization"];

export interface ArmCheck {
  /** Pulumi logical name (or the invoke token). */
  readonly resource: string;
  readonly type: string;
  readonly action: string;
  readonly scope: string;
  readonly allowed: boolean;
  /** Role (and its scope) that grants the action. */
  readonly grantedBy?: string;
  /** Why it is denied: `AuthorizationFailed` or `MissingSubscriptionRegistration`, and the message. */
  readonly error?: {
    readonly code: "AuthorizationFailed" | "MissingSubscriptionRegistration";
    readonly message: string;
    readonly fix: string;
  };
}

/** The ARM resource type of an id: `Microsoft.Network/virtualNetworks/subnets`. */
export function armResourceType(id: string): string | undefined {
  const segments = id.split("/").filter((s) => s !== "");
  const last = segments.map((s) => s.toLowerCase()).lastIndexOf("providers");
  if (last < 0) {
    if (segments.length === 4 && segments[2]!.toLowerCase() === "resourcegroups") {
      return "Microsoft.Resources/subscriptions/resourceGroups";
    }
    return segments.length === 2 ? "Microsoft.Resources/subscriptions" : undefined;
  }
  const namespace = segments[last + 1];
  const rest = segments.slice(last + 2);
  if (namespace === undefined || rest.length === 0) {
    return undefined;
  }
  const types = rest.filter((_, i) => i % 2 === 0);
  return [namespace, ...types].join("/");
}

/** The role definitions behind an identity's assignments (built-in catalog + bootstrap's custom roles). */
export function roleOf(
  roleDefinitionId: string,
  customRoles: readonly CustomRole[],
): RoleDefinition | undefined {
  const builtIn = findRole(roleDefinitionId);
  if (builtIn !== undefined) {
    return builtIn;
  }
  const guid = roleGuidFromDefinitionId(roleDefinitionId);
  const custom = customRoles.find((r) => r.guid === guid);
  return custom === undefined
    ? undefined
    : { ...custom, id: custom.guid, description: custom.roleName };
}

/**
 * The narrowest built-in role that grants `action`: the one whose matching pattern is most specific
 * (fewest wildcard characters covered: `Microsoft.Network/*` beats `*`), then the one with fewest
 * actions; never a privileged role.
 */
export function suggestRole(action: string): string | undefined {
  if (/\/read$/i.test(action)) {
    return "Reader";
  }
  const privileged = new Set(["Owner", "User Access Administrator"]);
  const specificity = (r: RoleDefinition) =>
    Math.max(
      ...r.actions
        .filter((p) => operationMatches(p, action))
        .map((p) => p.replace(/\*/g, "").length),
    );
  return [...BUILT_IN_ROLES]
    .filter((r) => !privileged.has(r.roleName) && permits(r, action, "action"))
    .sort((a, b) => specificity(b) - specificity(a) || a.actions.length - b.actions.length)[0]
    ?.roleName;
}

export interface Caller {
  /** The identity's name, for messages. */
  readonly name?: string;
  readonly principalId: string;
  readonly clientId: string;
  readonly assignments: readonly DeployerRoleAssignment[];
  readonly customRoles: readonly CustomRole[];
}

/** Whether `caller` may perform `action` at `scope` (and, for role assignments, this request). */
export function authorize(
  caller: Caller,
  action: string,
  scope: string,
  roleAssignmentRequest?: { roleGuid: string; principalType?: string },
): { allowed: boolean; grantedBy?: string; conditionReason?: string } {
  let conditionReason: string | undefined;
  for (const a of caller.assignments) {
    if (!guidsEqual(a.principalId, caller.principalId) || !scopeCovers(a.scope, scope)) {
      continue;
    }
    const role = roleOf(a.roleDefinitionId, caller.customRoles);
    if (role === undefined || !permits(role, action, "action")) {
      continue;
    }
    const label = `${role.roleName} @ ${a.scope}`;
    if (a.condition === undefined || roleAssignmentRequest === undefined) {
      return { allowed: true, grantedBy: label };
    }
    const verdict = evaluateCondition(a.condition, {
      action: action.toLowerCase().endsWith("/delete") ? "delete" : "write",
      ...roleAssignmentRequest,
    });
    if (verdict.allowed === true) {
      return { allowed: true, grantedBy: `${label} (condition satisfied)` };
    }
    conditionReason = verdict.reason;
  }
  return { allowed: false, conditionReason };
}

function authorizationFailed(caller: Caller, action: string, scope: string): string {
  return (
    `AuthorizationFailed: The client '${caller.clientId}' with object id '${caller.principalId}' does not have ` +
    `authorization to perform action '${action}' over scope '${scope}' or the scope is invalid. ` +
    `If access was recently granted, please refresh your credentials.`
  );
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

/** `Microsoft.ManagedIdentity/userAssignedIdentities/assign/action` and subnet joins a write implies. */
function linkedActions(r: RecordedResource): { action: string; scope: string; what: string }[] {
  const out: { action: string; scope: string; what: string }[] = [];
  const identity = r.inputs.identity as { userAssignedIdentities?: unknown } | undefined;
  const uais = identity?.userAssignedIdentities;
  const ids = Array.isArray(uais)
    ? uais.map(String)
    : uais && typeof uais === "object"
      ? Object.keys(uais)
      : [];
  // Assigning a user-assigned identity to a resource needs assign/action on the identity
  // (https://learn.microsoft.com/entra/identity/managed-identities-azure-resources/how-manage-user-assigned-managed-identities, "Managed Identity Operator").
  for (const id of ids) {
    out.push({
      action: "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action",
      scope: id,
      what: "assign the user-assigned identity",
    });
  }
  // Placing a NIC or node pool in a subnet needs join/action on the subnet.
  const subnets = new Set<string>();
  const visit = (v: unknown, key?: string) => {
    if (typeof v === "string" && key !== undefined && /^(vnetSubnetID|subnet|id)$/.test(key)) {
      if (
        /\/virtualNetworks\/[^/]+\/subnets\/[^/]+$/i.test(v) &&
        r.type !== "azure-native:network:Subnet"
      ) {
        subnets.add(v);
      }
    } else if (Array.isArray(v)) {
      v.forEach((x) => visit(x, key));
    } else if (v && typeof v === "object") {
      for (const [k, x] of Object.entries(v)) {
        visit(x, k === "subnet" ? "subnet" : k);
      }
    }
  };
  if (
    r.type === "azure-native:network:NetworkInterface" ||
    r.type === "azure-native:containerservice:ManagedCluster"
  ) {
    visit(r.inputs);
  }
  for (const s of subnets) {
    out.push({
      action: "Microsoft.Network/virtualNetworks/subnets/join/action",
      scope: s,
      what: "place the resource in the subnet",
    });
  }
  return out;
}

export interface ArmPlanOptions {
  readonly operation: Operation;
  readonly registeredProviders: readonly string[];
  readonly subscriptionId: string;
  /**
   * Read every resource too (`pulumi preview --refresh`, `pulumi refresh`). A plain preview reads no
   * resource from ARM (the engine diffs against the state); only its invokes call ARM.
   */
  readonly refresh?: boolean;
}

/** One check per ARM operation, in deployment order (`resources` must already be in that order). */
export function checkArmOperations(
  caller: Caller,
  resources: readonly RecordedResource[],
  invokes: readonly RecordedInvoke[],
  opts: ArmPlanOptions,
): ArmCheck[] {
  const checks: ArmCheck[] = [];
  const registered = new Set([
    ...ALWAYS_REGISTERED,
    ...opts.registeredProviders.map((p) => p.toLowerCase()),
  ]);
  const verb = opts.operation;
  const check = (
    resource: string,
    type: string,
    action: string,
    scope: string,
    request?: { roleGuid: string; principalType?: string; principalId?: string },
  ): ArmCheck => {
    const result = authorize(caller, action, scope, request);
    if (result.allowed) {
      return { resource, type, action, scope, allowed: true, grantedBy: result.grantedBy };
    }
    let fix: string;
    if (result.conditionReason !== undefined && request !== undefined) {
      const allows = conditionAllows(
        caller.assignments.find((a) => a.condition !== undefined)?.condition ?? "",
      );
      const role = findRole(request.roleGuid)?.roleName ?? request.roleGuid;
      const toItself =
        request.principalId !== undefined && guidsEqual(request.principalId, caller.principalId);
      fix =
        toItself && request.principalType !== "ServicePrincipal"
          ? `${result.conditionReason}: the stack assigns "${role}" to the signed-in identity itself with principalType ` +
            `${request.principalType ?? "(none)"}. In CI set \`pulumi config set --path 'zerocred:deployer.principalType' ServicePrincipal\` ` +
            `(and \`zerocred:deployer.clusterAdmin preassigned\` when bootstrap/ assigns the cluster role ahead of time).`
          : `${result.conditionReason}. Either assign "${role}" to a principal type the condition allows ` +
            `(${allows.principalTypes.join(", ") || "any"}), or add it to the deployer's assignableRoles / ` +
            `assignablePrincipalTypes in bootstrap/ and run the bootstrap again.`;
    } else if (action.toLowerCase() === "microsoft.resources/subscriptions/resourcegroups/write") {
      fix =
        `The stack creates resource group '${scope.split("/").pop()}', but the deployer's rights stop at the group ` +
        `bootstrap/ created for it. Set zerocred:resourceGroupName to that group (the AZURE_RESOURCE_GROUP ` +
        `variable the bootstrap prints) in Pulumi.<stack>.yaml or with pulumi config set in the workflow.`;
    } else {
      const role = suggestRole(action);
      fix =
        `Grant ${caller.name ?? "the identity"} a role with '${action}' at '${scope}' or a scope above it` +
        (role !== undefined ? ` (the narrowest built-in one is "${role}")` : "") +
        ` in bootstrap/, and run the bootstrap again.`;
    }
    return {
      resource,
      type,
      action,
      scope,
      allowed: false,
      error: {
        code: "AuthorizationFailed",
        message: authorizationFailed(caller, action, scope),
        fix,
      },
    };
  };

  for (const r of resources) {
    if (!r.custom || !r.type.startsWith("azure-native:") || r.id === "") {
      continue;
    }
    if (verb === "read" && opts.refresh !== true) {
      continue;
    }
    const armType = armResourceType(r.id);
    if (armType === undefined) {
      continue;
    }
    const isAssignment = armType.toLowerCase() === "microsoft.authorization/roleassignments";
    const scope = r.id;
    const action = `${armType}/${verb}`;
    const request = isAssignment
      ? {
          roleGuid: roleGuidFromDefinitionId(str(r.inputs.roleDefinitionId) ?? "") ?? "",
          principalType: str(r.inputs.principalType),
          principalId: str(r.inputs.principalId),
        }
      : undefined;
    const c = check(r.name, r.type, action, scope, request);
    checks.push(c);
    if (!c.allowed) {
      continue;
    }
    if (verb === "write") {
      for (const linked of linkedActions(r)) {
        checks.push(check(`${r.name} (${linked.what})`, r.type, linked.action, linked.scope));
      }
      const namespace = armType.split("/")[0]!.toLowerCase();
      if (!registered.has(namespace)) {
        const ns = armType.split("/")[0]!;
        checks.push({
          resource: r.name,
          type: r.type,
          action,
          scope,
          allowed: false,
          error: {
            code: "MissingSubscriptionRegistration",
            message:
              `MissingSubscriptionRegistration: The subscription is not registered to use namespace '${ns}'. ` +
              `See https://aka.ms/rps-not-found for how to register subscriptions.`,
            fix:
              `Register ${ns} once per subscription: bootstrap/ should declare the registration (it runs as a ` +
              `subscription Owner/Contributor), or run \`az provider register --namespace ${ns}\` as one; the ` +
              `resource-group-scoped deployer cannot (it needs */register/action at the subscription).`,
          },
        });
        registered.add(namespace); // one finding per namespace
      }
    }
  }
  for (const inv of invokes) {
    if (inv.token === "azure-native:resources:getResourceGroup") {
      const name = str(inv.args.resourceGroupName) ?? "";
      const scope = `/subscriptions/${opts.subscriptionId}/resourceGroups/${name}`;
      checks.push(
        check(inv.token, inv.token, "Microsoft.Resources/subscriptions/resourceGroups/read", scope),
      );
    } else if (inv.token === "azure-native:containerservice:listManagedClusterUserCredentials") {
      const cluster = resources.find(
        (r) =>
          r.type === "azure-native:containerservice:ManagedCluster" &&
          (r.outputs.name === inv.args.resourceName ||
            r.inputs.resourceName === inv.args.resourceName),
      );
      if (cluster !== undefined) {
        checks.push(
          check(
            inv.token,
            inv.token,
            "Microsoft.ContainerService/managedClusters/listClusterUserCredential/action",
            cluster.id,
          ),
        );
      }
    }
  }
  return checks;
}

/**
 * Actions that change nothing: reads, listing cluster user credentials, support tickets, and minting a
 * user delegation key ("Storage Blob Data Reader" holds it; a SAS signed with it grants at most what the
 * holder's own roles grant: https://learn.microsoft.com/rest/api/storageservices/create-user-delegation-sas).
 */
const READ_ONLY_ACTION =
  /(\/read|^Microsoft\.Support\/\*|\/listClusterUserCredential\/action|\/generateUserDelegationKey\/action)$/i;

/**
 * The caller's rights that change Azure or the cluster: any control-plane action other than reads (and
 * listing cluster user credentials), and any AKS data action other than reads. A preview identity must
 * hold none.
 */
export function writeRights(caller: Caller): string[] {
  const out: string[] = [];
  for (const a of caller.assignments) {
    const role = roleOf(a.roleDefinitionId, caller.customRoles);
    if (role === undefined) {
      continue;
    }
    const writes = role.actions.filter((x) => !READ_ONLY_ACTION.test(x));
    const k8sWrites = role.dataActions.filter(
      (x) => /^Microsoft\.ContainerService\//i.test(x) && !/\/read$/i.test(x),
    );
    if (writes.length > 0 || k8sWrites.length > 0) {
      out.push(
        `${role.roleName} @ ${a.scope} (${[...writes, ...k8sWrites].slice(0, 2).join(", ")})`,
      );
    }
  }
  return out;
}
