import { describe, expect, it } from "vitest";
import {
  BUILT_IN_ROLES,
  BUILT_IN_ROLE_NAMES,
  KEY_VAULT_GET_SECRET,
  closestRoleName,
  findRole,
  operationMatches,
  permits,
  resolveRoleGuid,
  roleDefinitionResourceId,
  roleGuidFromDefinitionId,
  type RoleDefinition,
} from "../../components/roles";

const SUB = "3b9d2e71-5a4c-4f86-b1d0-7e2a6c9f4d18";

function role(name: string): RoleDefinition {
  const r = findRole(name);
  if (r === undefined) {
    throw new Error(`role ${name} missing from the catalog`);
  }
  return r;
}

describe("BUILT_IN_ROLES catalog", () => {
  // GUIDs from the Azure built-in roles reference (MicrosoftDocs/azure-docs built-in-roles/*.md).
  it.each([
    ["Key Vault Secrets User", "4633458b-17de-408a-b874-0445c86b69e6"],
    ["Key Vault Secrets Officer", "b86a8fe4-44ce-4948-aee5-eccb2c155cd7"],
    ["Key Vault Reader", "21090545-7ca7-4776-b22c-e363652d74d2"],
    ["Key Vault Administrator", "00482a5a-887f-4fb3-b363-3b7fe8e74483"],
    ["Reader", "acdd72a7-3385-48ef-bd42-f606fba81ae7"],
    ["Contributor", "b24988ac-6180-42a0-ab88-20f7382dd24c"],
    ["Owner", "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"],
    ["User Access Administrator", "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"],
    ["Azure Kubernetes Service RBAC Cluster Admin", "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b"],
    ["Azure Kubernetes Service Cluster User Role", "4abbcc35-e782-43d8-92c5-2d3f1bd2253f"],
    ["Network Contributor", "4d97b98b-1d4f-4787-a291-c67834d212e7"],
    ["Role Based Access Control Administrator", "f58310d9-a9f6-439a-9e8d-f62e7b41a168"],
    // Grown for issue 14 (security.md, containers.md, storage.md of the same reference).
    ["Key Vault Certificate User", "db79e9a7-68ee-4b58-9aeb-b90e7c24fcba"],
    ["Key Vault Crypto User", "12338af0-0e69-4776-bea7-57ae8d297424"],
    ["AcrPull", "7f951dda-4ed3-4680-a7ca-43fe172d538d"],
    ["AcrPush", "8311e382-0749-4cb8-b61a-304f252e45ec"],
    ["Storage Blob Data Reader", "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"],
  ])("%s has definition GUID %s", (name, guid) => {
    expect(role(name).id).toBe(guid);
  });

  it("has unique names and lowercase GUIDs", () => {
    expect(new Set(BUILT_IN_ROLES.map((r) => r.roleName)).size).toBe(BUILT_IN_ROLES.length);
    expect(new Set(BUILT_IN_ROLES.map((r) => r.id)).size).toBe(BUILT_IN_ROLES.length);
    for (const r of BUILT_IN_ROLES) {
      expect(r.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    }
    expect(BUILT_IN_ROLE_NAMES).toHaveLength(17);
  });

  it("knows what the grown roles grant: a certificate user reads secret values, a crypto user does not", () => {
    expect(permits(role("Key Vault Certificate User"), KEY_VAULT_GET_SECRET, "dataAction")).toBe(
      true,
    );
    expect(permits(role("Key Vault Crypto User"), KEY_VAULT_GET_SECRET, "dataAction")).toBe(false);
    expect(
      permits(role("AcrPull"), "Microsoft.ContainerRegistry/registries/pull/read", "action"),
    ).toBe(true);
    expect(
      permits(role("AcrPull"), "Microsoft.ContainerRegistry/registries/push/write", "action"),
    ).toBe(false);
    expect(
      permits(
        role("Storage Blob Data Reader"),
        "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read",
        "dataAction",
      ),
    ).toBe(true);
    expect(
      permits(
        role("Storage Blob Data Reader"),
        "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write",
        "dataAction",
      ),
    ).toBe(false);
  });

  it("Key Vault Secrets User has exactly getSecret and readMetadata data actions", () => {
    const r = role("Key Vault Secrets User");
    expect(r.actions).toEqual([]);
    expect(r.dataActions).toEqual([
      "Microsoft.KeyVault/vaults/secrets/getSecret/action",
      "Microsoft.KeyVault/vaults/secrets/readMetadata/action",
    ]);
    expect(r.notDataActions).toEqual([]);
  });

  it("Key Vault Reader's data actions are metadata reads only", () => {
    expect(role("Key Vault Reader").dataActions).toEqual([
      "Microsoft.KeyVault/vaults/*/read",
      "Microsoft.KeyVault/vaults/secrets/readMetadata/action",
    ]);
  });

  it("Contributor subtracts authorization writes and deletes", () => {
    expect(role("Contributor").actions).toEqual(["*"]);
    expect(role("Contributor").notActions.slice(0, 3)).toEqual([
      "Microsoft.Authorization/*/Delete",
      "Microsoft.Authorization/*/Write",
      "Microsoft.Authorization/elevateAccess/Action",
    ]);
    expect(role("Contributor").notActions).toHaveLength(11);
  });

  it("AKS RBAC Cluster Admin grants every managedClusters data action", () => {
    expect(role("Azure Kubernetes Service RBAC Cluster Admin").dataActions).toEqual([
      "Microsoft.ContainerService/managedClusters/*",
    ]);
  });
});

describe("findRole / roleGuidFromDefinitionId / roleDefinitionResourceId", () => {
  it.each([
    ["Key Vault Secrets User", "Key Vault Secrets User"],
    ["key vault secrets user", "Key Vault Secrets User"],
    ["  Reader  ", "Reader"],
    ["4633458B-17DE-408A-B874-0445C86B69E6", "Key Vault Secrets User"],
    [
      `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7`,
      "Reader",
    ],
    [
      "/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
      "Owner",
    ],
  ])("finds %j as %s", (needle, name) => {
    expect(findRole(needle)?.roleName).toBe(name);
  });

  it.each([
    "Key Vault Secret User",
    "Storage Blob Data Owner",
    "00000000-0000-0000-0000-000000000000",
    "",
  ])("does not find %j", (needle) => {
    expect(findRole(needle)).toBeUndefined();
  });

  it.each([
    ["4633458b-17de-408a-b874-0445c86b69e6", "4633458b-17de-408a-b874-0445c86b69e6"],
    [
      `/subscriptions/${SUB}/providers/microsoft.authorization/roleDefinitions/4633458B-17DE-408A-B874-0445C86B69E6`,
      "4633458b-17de-408a-b874-0445c86b69e6",
    ],
    ["/subscriptions/x/resourceGroups/rg", undefined],
    ["not-a-guid", undefined],
  ])("roleGuidFromDefinitionId(%j) = %j", (input, expected) => {
    expect(roleGuidFromDefinitionId(input)).toBe(expected);
  });

  it("builds the subscription-scoped role definition id", () => {
    expect(roleDefinitionResourceId(SUB, "4633458B-17de-408a-b874-0445c86b69e6")).toBe(
      `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6`,
    );
  });

  it("resolves names and accepts custom role GUIDs", () => {
    expect(resolveRoleGuid("Key Vault Secrets User")).toBe("4633458b-17de-408a-b874-0445c86b69e6");
    expect(resolveRoleGuid("11111111-2222-3333-4444-555555555555")).toBe(
      "11111111-2222-3333-4444-555555555555",
    );
  });

  it("rejects an unknown role naming the setting, the value and a suggestion", () => {
    expect(() => resolveRoleGuid("Key Vault Secret User", "grants[0].role")).toThrow(
      'Invalid value for grants[0].role: "Key Vault Secret User" is neither a built-in role name known to zerocred nor a role definition GUID. Did you mean "Key Vault Secrets User"? Use one of: ' +
        BUILT_IN_ROLE_NAMES.join(", ") +
        "; or a role definition GUID.",
    );
  });

  it("offers no suggestion for a distant name", () => {
    expect(closestRoleName("Virtual Machine Contributor")).toBeUndefined();
    expect(closestRoleName("owner")).toBe("Owner");
  });
});

describe("operationMatches (Azure wildcard semantics)", () => {
  it.each([
    ["*", "Microsoft.KeyVault/vaults/read", true],
    ["*/read", "Microsoft.KeyVault/vaults/read", true],
    ["*/read", "Microsoft.KeyVault/vaults/write", false],
    ["Microsoft.KeyVault/vaults/*/read", "Microsoft.KeyVault/vaults/secrets/read", true],
    [
      "Microsoft.KeyVault/vaults/*/read",
      "Microsoft.KeyVault/vaults/secrets/getSecret/action",
      false,
    ],
    ["Microsoft.Authorization/*/Write", "microsoft.authorization/roleAssignments/write", true],
    ["Microsoft.KeyVault/vaults/secrets/*", KEY_VAULT_GET_SECRET, true],
    [
      "Microsoft.KeyVault/vaults/secrets/getSecret/action",
      KEY_VAULT_GET_SECRET.toUpperCase(),
      true,
    ],
    [
      "Microsoft.KeyVault/vaults/secrets/getSecret/action",
      "Microsoft.KeyVault/vaults/secrets/getSecretXaction",
      false,
    ],
  ])("%s matches %s: %s", (pattern, op, expected) => {
    expect(operationMatches(pattern, op)).toBe(expected);
  });
});

describe("permits", () => {
  it.each([
    ["Key Vault Secrets User", true],
    ["Key Vault Secrets Officer", true],
    ["Key Vault Administrator", true],
    ["Key Vault Reader", false],
    ["Reader", false],
    ["Contributor", false],
    ["Owner", false],
    ["User Access Administrator", false],
    ["Network Contributor", false],
    ["Azure Kubernetes Service RBAC Cluster Admin", false],
  ])("%s may read a secret value: %s", (name, expected) => {
    expect(permits(role(name), KEY_VAULT_GET_SECRET, "dataAction")).toBe(expected);
  });

  it("Owner and Contributor have no data actions at all", () => {
    expect(role("Owner").dataActions).toEqual([]);
    expect(role("Contributor").dataActions).toEqual([]);
    expect(
      permits(role("Owner"), "Microsoft.KeyVault/vaults/secrets/readMetadata/action", "dataAction"),
    ).toBe(false);
  });

  it("notActions subtract: Contributor cannot write role assignments, Owner can", () => {
    const op = "Microsoft.Authorization/roleAssignments/write";
    expect(permits(role("Contributor"), op, "action")).toBe(false);
    expect(permits(role("Owner"), op, "action")).toBe(true);
    expect(permits(role("User Access Administrator"), op, "action")).toBe(true);
    expect(permits(role("Role Based Access Control Administrator"), op, "action")).toBe(true);
    expect(permits(role("Reader"), op, "action")).toBe(false);
  });

  it("Contributor keeps other control-plane writes", () => {
    expect(permits(role("Contributor"), "Microsoft.KeyVault/vaults/write", "action")).toBe(true);
    expect(permits(role("Contributor"), "Microsoft.Subscription/cancel/action", "action")).toBe(
      false,
    );
  });

  it("notDataActions subtract", () => {
    const custom: RoleDefinition = {
      roleName: "Custom",
      id: "11111111-2222-3333-4444-555555555555",
      description: "test",
      actions: [],
      notActions: [],
      dataActions: ["Microsoft.KeyVault/vaults/secrets/*"],
      notDataActions: ["Microsoft.KeyVault/vaults/secrets/getSecret/action"],
    };
    expect(permits(custom, KEY_VAULT_GET_SECRET, "dataAction")).toBe(false);
    expect(
      permits(custom, "Microsoft.KeyVault/vaults/secrets/setSecret/action", "dataAction"),
    ).toBe(true);
  });

  it("data actions never satisfy control-plane checks and vice versa", () => {
    expect(permits(role("Key Vault Secrets User"), KEY_VAULT_GET_SECRET, "action")).toBe(false);
    expect(permits(role("Reader"), "Microsoft.KeyVault/vaults/read", "dataAction")).toBe(false);
    expect(permits(role("Reader"), "Microsoft.KeyVault/vaults/read", "action")).toBe(true);
  });

  it("AKS Cluster User may list user credentials but not admin credentials", () => {
    const r = role("Azure Kubernetes Service Cluster User Role");
    expect(
      permits(
        r,
        "Microsoft.ContainerService/managedClusters/listClusterUserCredential/action",
        "action",
      ),
    ).toBe(true);
    expect(
      permits(
        r,
        "Microsoft.ContainerService/managedClusters/listClusterAdminCredential/action",
        "action",
      ),
    ).toBe(false);
  });
});
