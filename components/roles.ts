/**
 * The Azure built-in roles zerocred uses, with their definition GUIDs and permissions exactly as Azure defines
 * them, plus Azure's action-matching semantics (`permits`).
 *
 * Source of every definition below: the generated Azure built-in roles reference, MicrosoftDocs/azure-docs
 * `articles/role-based-access-control/built-in-roles/<category>.md` (the JSON block of each role, which is
 * `az role definition list` output; https://learn.microsoft.com/azure/role-based-access-control/built-in-roles).
 * The category file is named on each entry. Descriptions are the JSON `description` field, verbatim.
 *
 * This module is pure (no Pulumi imports): policies and the emulators import it too.
 */
import { didYouMean } from "./rules/didYouMean";

/** One built-in Azure role definition (a single permission block, as all built-in roles here have). */
export interface RoleDefinition {
  /** Exact Azure built-in display name, e.g. `Key Vault Secrets User`. */
  readonly roleName: string;
  /** Role definition GUID, lowercase. */
  readonly id: string;
  /** Azure's description of the role. */
  readonly description: string;
  /** Control-plane operations granted (Azure wildcard syntax). */
  readonly actions: readonly string[];
  /** Control-plane operations subtracted from `actions`. */
  readonly notActions: readonly string[];
  /** Data-plane operations granted. */
  readonly dataActions: readonly string[];
  /** Data-plane operations subtracted from `dataActions`. */
  readonly notDataActions: readonly string[];
}

/** The data action a principal needs to read a Key Vault secret's value. */
export const KEY_VAULT_GET_SECRET = "Microsoft.KeyVault/vaults/secrets/getSecret/action";

/** Actions shared verbatim by the Key Vault Administrator / Reader / Secrets Officer roles. */
const KEY_VAULT_CONTROL_READ_ACTIONS = [
  "Microsoft.Authorization/*/read",
  "Microsoft.Insights/alertRules/*",
  "Microsoft.Resources/deployments/*",
  "Microsoft.Resources/subscriptions/resourceGroups/read",
  "Microsoft.Support/*",
  "Microsoft.KeyVault/checkNameAvailability/read",
  "Microsoft.KeyVault/deletedVaults/read",
  "Microsoft.KeyVault/locations/*/read",
  "Microsoft.KeyVault/vaults/*/read",
  "Microsoft.KeyVault/operations/read",
] as const;

/**
 * The catalog. Order: Key Vault data roles, the data roles workloads need around them (registry pull,
 * blob read), general/privileged roles, AKS, networking. Any other built-in role is accepted by its
 * role definition GUID (see resolveRoleGuid).
 */
export const BUILT_IN_ROLES = [
  // built-in-roles/security.md
  {
    roleName: "Key Vault Secrets User",
    id: "4633458b-17de-408a-b874-0445c86b69e6",
    description:
      "Read secret contents. Only works for key vaults that use the 'Azure role-based access control' permission model.",
    actions: [],
    notActions: [],
    dataActions: [
      "Microsoft.KeyVault/vaults/secrets/getSecret/action",
      "Microsoft.KeyVault/vaults/secrets/readMetadata/action",
    ],
    notDataActions: [],
  },
  // built-in-roles/security.md
  {
    roleName: "Key Vault Secrets Officer",
    id: "b86a8fe4-44ce-4948-aee5-eccb2c155cd7",
    description:
      "Perform any action on the secrets of a key vault, except manage permissions. Only works for key vaults that use the 'Azure role-based access control' permission model.",
    actions: KEY_VAULT_CONTROL_READ_ACTIONS,
    notActions: [],
    dataActions: ["Microsoft.KeyVault/vaults/secrets/*"],
    notDataActions: [],
  },
  // built-in-roles/security.md
  {
    roleName: "Key Vault Reader",
    id: "21090545-7ca7-4776-b22c-e363652d74d2",
    description:
      "Read metadata of key vaults and its certificates, keys, and secrets. Cannot read sensitive values such as secret contents or key material. Only works for key vaults that use the 'Azure role-based access control' permission model.",
    actions: KEY_VAULT_CONTROL_READ_ACTIONS,
    notActions: [],
    dataActions: [
      "Microsoft.KeyVault/vaults/*/read",
      "Microsoft.KeyVault/vaults/secrets/readMetadata/action",
    ],
    notDataActions: [],
  },
  // built-in-roles/security.md
  {
    roleName: "Key Vault Administrator",
    id: "00482a5a-887f-4fb3-b363-3b7fe8e74483",
    description:
      "Perform all data plane operations on a key vault and all objects in it, including certificates, keys, and secrets. Cannot manage key vault resources or manage role assignments. Only works for key vaults that use the 'Azure role-based access control' permission model.",
    actions: KEY_VAULT_CONTROL_READ_ACTIONS,
    notActions: [],
    dataActions: ["Microsoft.KeyVault/vaults/*"],
    notDataActions: [],
  },
  // built-in-roles/security.md. Note: it reads secret VALUES too (getSecret), as certificates' private
  // keys are secrets; granting it grants what Key Vault Secrets User grants on the same scope.
  {
    roleName: "Key Vault Certificate User",
    id: "db79e9a7-68ee-4b58-9aeb-b90e7c24fcba",
    description:
      "Read certificate contents. Only works for key vaults that use the 'Azure role-based access control' permission model.",
    actions: [],
    notActions: [],
    dataActions: [
      "Microsoft.KeyVault/vaults/certificates/read",
      "Microsoft.KeyVault/vaults/secrets/getSecret/action",
      "Microsoft.KeyVault/vaults/secrets/readMetadata/action",
      "Microsoft.KeyVault/vaults/keys/read",
    ],
    notDataActions: [],
  },
  // built-in-roles/security.md
  {
    roleName: "Key Vault Crypto User",
    id: "12338af0-0e69-4776-bea7-57ae8d297424",
    description:
      "Perform cryptographic operations using keys. Only works for key vaults that use the 'Azure role-based access control' permission model.",
    actions: [],
    notActions: [],
    dataActions: [
      "Microsoft.KeyVault/vaults/keys/read",
      "Microsoft.KeyVault/vaults/keys/update/action",
      "Microsoft.KeyVault/vaults/keys/backup/action",
      "Microsoft.KeyVault/vaults/keys/encrypt/action",
      "Microsoft.KeyVault/vaults/keys/decrypt/action",
      "Microsoft.KeyVault/vaults/keys/wrap/action",
      "Microsoft.KeyVault/vaults/keys/unwrap/action",
      "Microsoft.KeyVault/vaults/keys/sign/action",
      "Microsoft.KeyVault/vaults/keys/verify/action",
    ],
    notDataActions: [],
  },
  // built-in-roles/containers.md
  {
    roleName: "AcrPull",
    id: "7f951dda-4ed3-4680-a7ca-43fe172d538d",
    description: "acr pull",
    actions: ["Microsoft.ContainerRegistry/registries/pull/read"],
    notActions: [],
    dataActions: [],
    notDataActions: [],
  },
  // built-in-roles/containers.md
  {
    roleName: "AcrPush",
    id: "8311e382-0749-4cb8-b61a-304f252e45ec",
    description: "acr push",
    actions: [
      "Microsoft.ContainerRegistry/registries/pull/read",
      "Microsoft.ContainerRegistry/registries/push/write",
    ],
    notActions: [],
    dataActions: [],
    notDataActions: [],
  },
  // built-in-roles/storage.md
  {
    roleName: "Storage Blob Data Reader",
    id: "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
    description: "Allows for read access to Azure Storage blob containers and data",
    actions: [
      "Microsoft.Storage/storageAccounts/blobServices/containers/read",
      "Microsoft.Storage/storageAccounts/blobServices/generateUserDelegationKey/action",
    ],
    notActions: [],
    dataActions: ["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read"],
    notDataActions: [],
  },
  // built-in-roles/general.md
  {
    roleName: "Reader",
    id: "acdd72a7-3385-48ef-bd42-f606fba81ae7",
    description: "View all resources, but does not allow you to make any changes.",
    actions: ["*/read"],
    notActions: [],
    dataActions: [],
    notDataActions: [],
  },
  // built-in-roles/privileged.md
  {
    roleName: "Contributor",
    id: "b24988ac-6180-42a0-ab88-20f7382dd24c",
    description:
      "Grants full access to manage all resources, but does not allow you to assign roles in Azure RBAC, manage assignments in Azure Blueprints, or share image galleries.",
    actions: ["*"],
    notActions: [
      "Microsoft.Authorization/*/Delete",
      "Microsoft.Authorization/*/Write",
      "Microsoft.Authorization/elevateAccess/Action",
      "Microsoft.Blueprint/blueprintAssignments/write",
      "Microsoft.Blueprint/blueprintAssignments/delete",
      "Microsoft.Compute/galleries/share/action",
      "Microsoft.Purview/consents/write",
      "Microsoft.Purview/consents/delete",
      "Microsoft.Resources/deploymentStacks/manageDenySetting/action",
      "Microsoft.Subscription/cancel/action",
      "Microsoft.Subscription/enable/action",
    ],
    dataActions: [],
    notDataActions: [],
  },
  // built-in-roles/privileged.md
  {
    roleName: "Owner",
    id: "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
    description:
      "Grants full access to manage all resources, including the ability to assign roles in Azure RBAC.",
    actions: ["*"],
    notActions: [],
    dataActions: [],
    notDataActions: [],
  },
  // built-in-roles/privileged.md
  {
    roleName: "User Access Administrator",
    id: "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
    description: "Lets you manage user access to Azure resources.",
    actions: ["*/read", "Microsoft.Authorization/*", "Microsoft.Support/*"],
    notActions: [],
    dataActions: [],
    notDataActions: [],
  },
  // built-in-roles/privileged.md
  {
    roleName: "Role Based Access Control Administrator",
    id: "f58310d9-a9f6-439a-9e8d-f62e7b41a168",
    description:
      "Manage access to Azure resources by assigning roles using Azure RBAC. This role does not allow you to manage access using other ways, such as Azure Policy.",
    actions: [
      "Microsoft.Authorization/roleAssignments/write",
      "Microsoft.Authorization/roleAssignments/delete",
      "*/read",
      "Microsoft.Support/*",
    ],
    notActions: [],
    dataActions: [],
    notDataActions: [],
  },
  // built-in-roles/containers.md
  {
    roleName: "Azure Kubernetes Service RBAC Cluster Admin",
    id: "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b",
    description: "Lets you manage all resources in the cluster.",
    actions: [
      "Microsoft.Authorization/*/read",
      "Microsoft.Resources/subscriptions/operationresults/read",
      "Microsoft.Resources/subscriptions/read",
      "Microsoft.Resources/subscriptions/resourceGroups/read",
      "Microsoft.ContainerService/managedClusters/listClusterUserCredential/action",
    ],
    notActions: [],
    dataActions: ["Microsoft.ContainerService/managedClusters/*"],
    notDataActions: [],
  },
  // built-in-roles/containers.md
  {
    roleName: "Azure Kubernetes Service Cluster User Role",
    id: "4abbcc35-e782-43d8-92c5-2d3f1bd2253f",
    description: "List cluster user credential action.",
    actions: [
      "Microsoft.ContainerService/managedClusters/listClusterUserCredential/action",
      "Microsoft.ContainerService/managedClusters/read",
    ],
    notActions: [],
    dataActions: [],
    notDataActions: [],
  },
  // built-in-roles/networking.md
  {
    roleName: "Network Contributor",
    id: "4d97b98b-1d4f-4787-a291-c67834d212e7",
    description: "Lets you manage networks, but not access to them.",
    actions: [
      "Microsoft.Authorization/*/read",
      "Microsoft.Insights/alertRules/*",
      "Microsoft.Network/*",
      "Microsoft.ResourceHealth/availabilityStatuses/read",
      "Microsoft.Resources/deployments/*",
      "Microsoft.Resources/subscriptions/resourceGroups/read",
      "Microsoft.Support/*",
    ],
    notActions: [],
    dataActions: [],
    notDataActions: [],
  },
] as const satisfies readonly RoleDefinition[];

/** Exact display name of a role in the catalog. */
export type BuiltInRoleName = (typeof BUILT_IN_ROLES)[number]["roleName"];

/** All catalog display names, in catalog order. */
export const BUILT_IN_ROLE_NAMES: readonly BuiltInRoleName[] = BUILT_IN_ROLES.map(
  (r) => r.roleName,
);

const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DEFINITION_ID_RE =
  /^(?:\/subscriptions\/[^/]+)?\/providers\/Microsoft\.Authorization\/roleDefinitions\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

/** True when `value` is a GUID (any case). */
export function isGuid(value: string): boolean {
  return GUID_RE.test(value);
}

/**
 * The role GUID (lowercase) in a role definition id: a full ARM path
 * (`/subscriptions/<sub>/providers/Microsoft.Authorization/roleDefinitions/<guid>`), the tenant-level form
 * (`/providers/Microsoft.Authorization/roleDefinitions/<guid>`), or a bare GUID. `undefined` otherwise.
 */
export function roleGuidFromDefinitionId(roleDefinitionId: string): string | undefined {
  const trimmed = roleDefinitionId.trim();
  if (isGuid(trimmed)) {
    return trimmed.toLowerCase();
  }
  const m = DEFINITION_ID_RE.exec(trimmed);
  return m ? m[1].toLowerCase() : undefined;
}

/** The subscription-scoped role definition ARM id Azure expects in a role assignment. */
export function roleDefinitionResourceId(subscriptionId: string, roleGuid: string): string {
  return `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${roleGuid.toLowerCase()}`;
}

/**
 * A catalog role by display name (case-insensitive), by GUID, or by a role definition id (ARM path).
 * `undefined` when the role is not in the catalog.
 */
export function findRole(nameOrId: string): RoleDefinition | undefined {
  const needle = nameOrId.trim();
  const guid = roleGuidFromDefinitionId(needle);
  if (guid !== undefined) {
    return BUILT_IN_ROLES.find((r) => r.id === guid);
  }
  const lower = needle.toLowerCase();
  return BUILT_IN_ROLES.find((r) => r.roleName.toLowerCase() === lower);
}

/** The catalog role name `name` is most likely a typo of (for "did you mean" hints), if any. */
export function closestRoleName(name: string): BuiltInRoleName | undefined {
  return didYouMean(name.trim(), BUILT_IN_ROLE_NAMES) as BuiltInRoleName | undefined;
}

/**
 * Resolves a role reference (catalog display name, GUID or role definition id) to its lowercase GUID.
 * A GUID that is not in the catalog (a custom role) is accepted as is.
 * Throws an `Error` naming the setting, the value and the fix otherwise.
 */
export function resolveRoleGuid(nameOrId: string, setting = "role"): string {
  const role = findRole(nameOrId);
  if (role !== undefined) {
    return role.id;
  }
  const guid = roleGuidFromDefinitionId(nameOrId);
  if (guid !== undefined) {
    return guid;
  }
  const hint = closestRoleName(nameOrId);
  throw new Error(
    `Invalid value for ${setting}: ${JSON.stringify(nameOrId)} is neither a built-in role name known to ` +
      `zerocred nor a role definition GUID.${hint !== undefined ? ` Did you mean ${JSON.stringify(hint)}?` : ""} ` +
      `Use one of: ${BUILT_IN_ROLE_NAMES.join(", ")}; or a role definition GUID.`,
  );
}

function wildcardToRegExp(pattern: string): RegExp {
  const escaped = pattern
    .split("*")
    .map((part) => part.replace(/[.+?^${}()|[\]\\/]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${escaped}$`, "i");
}

/** True when an Azure permission pattern (with `*` wildcards, case-insensitive) matches `operation`. */
export function operationMatches(pattern: string, operation: string): boolean {
  return wildcardToRegExp(pattern).test(operation);
}

/**
 * Whether `role` grants `operation` under Azure RBAC semantics: matched case-insensitively against the
 * role's `actions` (or `dataActions`), where `*` matches any run of characters including `/`, minus any
 * match in `notActions` (or `notDataActions`). Control-plane and data-plane permissions never cross:
 * `actions: ["*"]` (Owner) grants no data action.
 */
export function permits(
  role: RoleDefinition,
  operation: string,
  kind: "action" | "dataAction",
): boolean {
  const allow = kind === "action" ? role.actions : role.dataActions;
  const deny = kind === "action" ? role.notActions : role.notDataActions;
  return (
    allow.some((p) => operationMatches(p, operation)) &&
    !deny.some((p) => operationMatches(p, operation))
  );
}
