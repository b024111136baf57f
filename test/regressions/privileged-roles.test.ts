/**
 * The policy pack's privileged-role rule, row by row: each privileged role at each broad scope kind
 * (root, management group, subscription, resource group) is refused, the same roles at a resource are
 * not, and a non-privileged role is never. Catches a role dropped from the list or a scope kind lost.
 */
import { describe, expect, it } from "vitest";
import { evaluatePolicies } from "../../policies/evaluate";
import { ruleByName } from "../../policies/registry";
import { PRIVILEGED_ROLE_NAMES } from "../../policies/rules/authorization/role-assignment-avoids-privileged-roles-at-broad-scope";
import {
  resource,
  RG_ID,
  roleAssignmentProps,
  roleDefId,
  SUB,
  VAULT_ID,
} from "../policies/fixtures";

const POLICY = "role-assignment-avoids-privileged-roles-at-broad-scope";
// Built-in role definition GUIDs (https://learn.microsoft.com/azure/role-based-access-control/built-in-roles).
const ROLES = {
  Owner: "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
  "User Access Administrator": "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
  Contributor: "b24988ac-6180-42a0-ab88-20f7382dd24c",
  Reader: "acdd72a7-3385-48ef-bd42-f606fba81ae7",
} as const;
const MG = "/providers/Microsoft.Management/managementGroups/platform";

function messages(role: string, scope: string): string[] {
  const rule = ruleByName(POLICY);
  if (rule === undefined) {
    throw new Error(`rule ${POLICY} is not registered`);
  }
  const props = { ...roleAssignmentProps(), roleDefinitionId: roleDefId(role), scope };
  return evaluatePolicies(
    [resource("azure-native:authorization:RoleAssignment", "ra", props)],
    {},
    [rule],
  ).map((v) => v.message);
}

describe("privileged roles at broad scopes", () => {
  it("the list is exactly Owner, User Access Administrator and Contributor", () => {
    expect([...PRIVILEGED_ROLE_NAMES].sort()).toEqual([
      "Contributor",
      "Owner",
      "User Access Administrator",
    ]);
  });

  const scopes = [
    ["root", "/"],
    ["management group", MG],
    ["subscription", `/subscriptions/${SUB}`],
    ["resource group", RG_ID],
  ] as const;
  const privileged = ["Owner", "User Access Administrator", "Contributor"] as const;

  it.each(
    privileged.flatMap((role) => scopes.map(([kind, scope]) => [role, kind, scope] as const)),
  )("refuses %s at %s scope", (role, kind, scope) => {
    expect(messages(ROLES[role], scope)).toEqual([
      `Role assignment "ra" grants "${role}" at ${kind} scope ${JSON.stringify(scope)}; grant a narrower role at the resource that needs it instead.`,
    ]);
  });

  it.each(privileged)("allows %s at a single resource (the vault)", (role) => {
    expect(messages(ROLES[role], VAULT_ID)).toEqual([]);
  });

  it.each(scopes)("never flags Reader, even at %s scope", (_kind, scope) => {
    expect(messages(ROLES.Reader, scope)).toEqual([]);
  });
});
