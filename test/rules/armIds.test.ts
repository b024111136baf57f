/** ARM ids and scopes: one scopeCovers, the root scope, case and segment boundaries (pinned rows). */
import { describe, expect, it } from "vitest";
import {
  armIdsEqual,
  broadScopeKind,
  guidsEqual,
  isRootScope,
  parseArmId,
  scopeCovers,
  vaultNameInScope,
} from "../../components/rules/armIds";

const SUB = "/subscriptions/11111111-1111-1111-1111-111111111111";
const RG = `${SUB}/resourceGroups/rg1`;
const KV = `${RG}/providers/Microsoft.KeyVault/vaults/kv1`;
const SECRET = `${KV}/secrets/canary`;
const MG = "/providers/Microsoft.Management/managementGroups/platform";

describe("parseArmId", () => {
  it("splits a secret id into subscription, group, provider and type/name segments", () => {
    expect(parseArmId(SECRET)).toEqual({
      subscriptionId: "11111111-1111-1111-1111-111111111111",
      resourceGroup: "rg1",
      provider: "Microsoft.KeyVault",
      segments: [
        { type: "vaults", name: "kv1" },
        { type: "secrets", name: "canary" },
      ],
    });
  });
  it("reads the keywords case-insensitively and tolerates odd shapes", () => {
    expect(parseArmId("/SUBSCRIPTIONS/s/RESOURCEGROUPS/g")).toEqual({
      subscriptionId: "s",
      resourceGroup: "g",
      provider: undefined,
      segments: [],
    });
    expect(parseArmId("")).toEqual({
      subscriptionId: undefined,
      resourceGroup: undefined,
      provider: undefined,
      segments: [],
    });
  });
});

describe("scopeCovers: one rule for the model, the diagnoses and the RBAC emulator", () => {
  it.each([
    ["the root scope /", "/", SECRET, true],
    ["the root scope with doubled slash", "//", SECRET, true],
    ["the subscription", SUB, SECRET, true],
    ["the resource group, upper-cased", RG.toUpperCase(), SECRET, true],
    ["the vault, trailing slash", `${KV}/`, SECRET, true],
    ["the secret itself", SECRET, SECRET, true],
    ["the vault covers itself", KV, KV, true],
    ["an empty scope", "", SECRET, false],
    ["whitespace only", "  ", SECRET, false],
    ["a child does not cover its parent", SECRET, KV, false],
    ["a sibling group with a common prefix", `${RG}2`, `${KV}`, false],
    ["a vault with a common prefix", `${RG}/providers/Microsoft.KeyVault/vaults/kv`, SECRET, false],
    ["another subscription", "/subscriptions/11111111-1111-1111-1111-111111111112", SECRET, false],
    ["a management group (hierarchy unknown offline)", MG, SECRET, false],
  ] as const)("%s: scopeCovers(%j, …) = %s", (_label, scope, id, covers) => {
    expect(scopeCovers(scope, id)).toBe(covers);
  });
});

describe("broadScopeKind", () => {
  it.each([
    ["/", "root"],
    [" / ", "root"],
    [MG, "management group"],
    [MG.toLowerCase(), "management group"],
    [`${MG}/`, "management group"],
    [SUB, "subscription"],
    [`${SUB}/`, "subscription"],
    [RG, "resource group"],
    [RG.toUpperCase(), "resource group"],
    [KV, undefined],
    [SECRET, undefined],
    [`${MG}/subscriptions/x`, undefined],
    ["", undefined],
  ] as const)("%j → %s", (scope, kind) => {
    expect(broadScopeKind(scope)).toBe(kind);
  });
});

describe("id equality", () => {
  it("compares ARM ids case-insensitively, ignoring trailing slashes", () => {
    expect(armIdsEqual(KV, `${KV.toUpperCase()}/`)).toBe(true);
    expect(armIdsEqual(KV, `${KV}2`)).toBe(false);
    expect(armIdsEqual(undefined, undefined)).toBe(false);
  });
  it("compares GUIDs case-insensitively", () => {
    expect(
      guidsEqual("ABCDEF01-2345-6789-ABCD-EF0123456789", "abcdef01-2345-6789-abcd-ef0123456789"),
    ).toBe(true);
    expect(
      guidsEqual("abcdef01-2345-6789-abcd-ef0123456789", "abcdef01-2345-6789-abcd-ef012345678a"),
    ).toBe(false);
    expect(guidsEqual(undefined, "x")).toBe(false);
  });
  it("recognises only / as the root scope", () => {
    expect([isRootScope("/"), isRootScope(""), isRootScope(SUB)]).toEqual([true, false, false]);
  });
  it("finds the vault in a vault or secret scope only", () => {
    expect([vaultNameInScope(SECRET), vaultNameInScope(KV), vaultNameInScope(RG)]).toEqual([
      "kv1",
      "kv1",
      undefined,
    ]);
  });
});
