/**
 * RBAC seams the simulation must get right, in the static model AND in the Key Vault emulator:
 * principal ids in another case, the root scope `/`, an empty scope. Each row names the plausible bug.
 */
import { describe, expect, it } from "vitest";
import { findGrantingAssignment, type TimedRoleAssignment } from "../../sim/emulators/rbac";
import { assignmentsCovering, buildModel } from "../../sim/model";
import * as f from "../sim/fixtures";

const PRINCIPAL = "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d";
const SECRET = `${f.vaultId("kv1")}/secrets/canary`;

function assignment(scope: string, principalId = PRINCIPAL): TimedRoleAssignment {
  return { principalId, roleDefinitionId: f.SECRETS_USER, scope, effectiveAt: 0 };
}

describe("Key Vault RBAC emulator", () => {
  it("matches a principal id given in another case (GUIDs are case-insensitive)", () => {
    const upper = assignment(f.vaultId("kv1"), PRINCIPAL.toUpperCase());
    expect(findGrantingAssignment([upper], PRINCIPAL, SECRET, 1)).toBe(upper);
    expect(
      findGrantingAssignment([assignment(f.vaultId("kv1"))], PRINCIPAL.toUpperCase(), SECRET, 1),
    ).toBeDefined();
  });
  it("honours an assignment at the root scope /", () => {
    const root = assignment("/");
    expect(findGrantingAssignment([root], PRINCIPAL, SECRET, 1)).toBe(root);
  });
  it("grants nothing for an empty scope, another principal, or before the assignment is effective", () => {
    expect(findGrantingAssignment([assignment("")], PRINCIPAL, SECRET, 1)).toBeUndefined();
    expect(
      findGrantingAssignment([assignment(f.vaultId("kv1"), f.TENANT)], PRINCIPAL, SECRET, 1),
    ).toBeUndefined();
    expect(
      findGrantingAssignment(
        [{ ...assignment(f.vaultId("kv1")), effectiveAt: 5 }],
        PRINCIPAL,
        SECRET,
        4,
      ),
    ).toBeUndefined();
  });
});

describe("static model", () => {
  const resources = [
    f.vault("kv1"),
    f.secret("kv1", "canary"),
    f.ra("root", PRINCIPAL.toUpperCase(), f.SECRETS_USER, "/"),
    f.ra("empty", PRINCIPAL, f.SECRETS_USER, ""),
  ];
  it("an assignment at / covers the secret, whatever the principal id's case", () => {
    const model = buildModel(resources);
    expect(
      assignmentsCovering(model, PRINCIPAL, SECRET).map((a) => [a.logicalName, a.grantsGetSecret]),
    ).toEqual([["root", true]]);
  });
});
