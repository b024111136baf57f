import { beforeAll, describe, expect, it } from "vitest";
import * as pulumi from "@pulumi/pulumi";
import { named, registered, unwrap, useCloud, type SimulatedCloud } from "../harness";
import { roleAssignmentName } from "../../components/naming";

type Mod = typeof import("../../components/roleAssignment");

const SUB = "3b9d2e71-5a4c-4f86-b1d0-7e2a6c9f4d18";
const VAULT = `/subscriptions/${SUB}/resourceGroups/zc-dev/providers/Microsoft.KeyVault/vaults/zc-kv-0123456789ab`;
const PRINCIPAL = "0f6a8c2e-4b1d-4e3f-9a7c-5d2b8e1f3a6c";
const KVSU = `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6`;

let cloud: SimulatedCloud;
let mod: Mod;

beforeAll(async () => {
  cloud = await useCloud();
  mod = await import("../../components/roleAssignment");
});

describe("pure validators", () => {
  it.each([
    [VAULT, SUB],
    [`/subscriptions/${SUB.toUpperCase()}`, SUB],
    [`/subscriptions/${SUB}/resourceGroups/rg`, SUB],
    ["/providers/Microsoft.Management/managementGroups/mg", undefined],
    ["vault", undefined],
  ])("subscriptionIdFromScope(%j) = %j", (scope, sub) => {
    expect(mod.subscriptionIdFromScope(scope)).toBe(sub);
  });

  it("validateScope names the value and the fix", () => {
    expect(() => mod.validateScope("vault")).toThrow(
      'Invalid value for scope: "vault". Use the ARM id of the resource to grant access to, starting with /subscriptions/<subscription-guid>/ (e.g. a vault\'s id).',
    );
    expect(() => mod.validateScope(VAULT)).not.toThrow();
  });

  it.each(["ServicePrincipal", "User", "Group"])("accepts principalType %s", (t) => {
    expect(() => mod.validatePrincipalType(t)).not.toThrow();
  });

  it.each(["MSI", "serviceprincipal", ""])("rejects principalType %j", (t) => {
    expect(() => mod.validatePrincipalType(t)).toThrow(
      `Invalid value for principalType: ${JSON.stringify(t)}. Allowed values are: ServicePrincipal, User, Group (use ServicePrincipal for managed identities).`,
    );
  });
});

describe("RoleAssignment component", () => {
  it("registers one authorization.RoleAssignment with a deterministic name, GUID role id and ServicePrincipal", async () => {
    const ra = new mod.RoleAssignment("grant-vm", {
      scope: VAULT,
      role: "Key Vault Secrets User",
      principalId: PRINCIPAL,
    });
    expect(await unwrap(ra.roleDefinitionId)).toBe(KVSU);
    expect(await unwrap(ra.roleAssignmentName)).toBe(roleAssignmentName(VAULT, KVSU, PRINCIPAL));
    const expectedName = roleAssignmentName(VAULT, KVSU, PRINCIPAL);
    expect(await unwrap(ra.id)).toBe(
      `${VAULT}/providers/Microsoft.Authorization/roleAssignments/${expectedName}`,
    );
    const resources = await registered(cloud);
    const child = named(resources, "grant-vm-assignment");
    expect(child.type).toBe("azure-native:authorization:RoleAssignment");
    expect(child.inputs).toEqual({
      scope: VAULT,
      roleAssignmentName: expectedName,
      roleDefinitionId: KVSU,
      principalId: PRINCIPAL,
      principalType: "ServicePrincipal",
    });
    expect(child.options.deleteBeforeReplace).toBe(true);
    expect(child.parent).toBe(named(resources, "grant-vm").urn);
    expect(child.urn).toContain(
      "zerocred:authorization:RoleAssignment$azure-native:authorization:RoleAssignment::grant-vm-assignment",
    );
    expect(ra.roleName).toBe("Key Vault Secrets User");
  });

  it("accepts a GUID role, a User principal, a description and a condition (conditionVersion 2.0)", async () => {
    const ra = new mod.RoleAssignment("grant-deployer", {
      scope: VAULT,
      role: "00482A5A-887F-4FB3-B363-3B7FE8E74483",
      principalId: PRINCIPAL,
      principalType: "User",
      description: "deployer writes the canary",
      condition: "@Resource[Microsoft.KeyVault/vaults/secrets:name] StringEquals 'canary'",
    });
    await unwrap(ra.id);
    const child = named(await registered(cloud), "grant-deployer-assignment");
    const roleId = `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/00482a5a-887f-4fb3-b363-3b7fe8e74483`;
    expect(child.inputs).toEqual({
      scope: VAULT,
      roleAssignmentName: roleAssignmentName(VAULT, roleId, PRINCIPAL),
      roleDefinitionId: roleId,
      principalId: PRINCIPAL,
      principalType: "User",
      description: "deployer writes the canary",
      condition: "@Resource[Microsoft.KeyVault/vaults/secrets:name] StringEquals 'canary'",
      conditionVersion: "2.0",
    });
    expect(ra.roleName).toBe("Key Vault Administrator");
  });

  it("works with Output scope and principal (identity created in the same run)", async () => {
    const ra = new mod.RoleAssignment("grant-output", {
      scope: pulumi.output(`${VAULT}/secrets/canary`),
      role: "Key Vault Secrets User",
      principalId: pulumi.output(PRINCIPAL),
    });
    expect(await unwrap(ra.scope)).toBe(`${VAULT}/secrets/canary`);
    expect(await unwrap(ra.roleAssignmentName)).toBe(
      roleAssignmentName(`${VAULT}/secrets/canary`, KVSU, PRINCIPAL),
    );
  });

  it("is deterministic: the same triple gives the same name", async () => {
    const a = new mod.RoleAssignment("det-a", {
      scope: VAULT,
      role: "Reader",
      principalId: PRINCIPAL,
    });
    const b = new mod.RoleAssignment("det-b", {
      scope: VAULT,
      role: "reader",
      principalId: PRINCIPAL,
    });
    expect(await unwrap(a.roleAssignmentName)).toBe(await unwrap(b.roleAssignmentName));
  });

  it("rejects an unknown role before registering any child", async () => {
    expect(
      () =>
        new mod.RoleAssignment("bad-role", {
          scope: VAULT,
          role: "Key Vault Secret User",
          principalId: PRINCIPAL,
        }),
    ).toThrow(
      /^Invalid value for role: "Key Vault Secret User" is neither a built-in role name known to zerocred nor a role definition GUID\. Did you mean "Key Vault Secrets User"\?/,
    );
    const names = (await registered(cloud)).map((r) => r.name);
    expect(names).not.toContain("bad-role-assignment");
  });

  it("rejects a plain scope that is not an ARM id and an unsupported principalType", async () => {
    expect(
      () =>
        new mod.RoleAssignment("bad-scope", {
          scope: "vault",
          role: "Reader",
          principalId: PRINCIPAL,
        }),
    ).toThrow('Invalid value for scope: "vault".');
    expect(
      () =>
        new mod.RoleAssignment("bad-type", {
          scope: VAULT,
          role: "Reader",
          principalId: PRINCIPAL,
          principalType: "MSI" as "User",
        }),
    ).toThrow('Invalid value for principalType: "MSI".');
    const names = (await registered(cloud)).map((r) => r.name);
    expect(names).not.toContain("bad-scope-assignment");
    expect(names).not.toContain("bad-type-assignment");
  });

  it("roleAssignmentChildOptions sets parent and deleteBeforeReplace", () => {
    const parent = new pulumi.ComponentResource("zerocred:test:Parent", "opts-parent");
    expect(mod.roleAssignmentChildOptions(parent)).toEqual({ parent, deleteBeforeReplace: true });
  });
});
