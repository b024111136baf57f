import { describe, expect, it } from "vitest";
import { v5 as uuidv5, validate as uuidValidate, version as uuidVersion } from "uuid";
import {
  FEDERATED_CREDENTIAL_NAME_PATTERN,
  WORKLOAD_IDENTITY_AUDIENCE,
  ZEROCRED_UUID_NAMESPACE,
  federatedCredentialName,
  federatedCredentialNameIssues,
  isDns1123Label,
  isDns1123Subdomain,
  roleAssignmentName,
  serviceAccountSubject,
  sha256Hex,
  validateVaultName,
  vaultName,
  vaultNameIssues,
} from "../../components/naming";

const SUB = "3b9d2e71-5a4c-4f86-b1d0-7e2a6c9f4d18";
const VAULT_SCOPE = `/subscriptions/${SUB}/resourceGroups/zc-dev/providers/Microsoft.KeyVault/vaults/zc-kv-0123`;
const ROLE_ID = `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6`;
const PRINCIPAL = "5e7c9a13-2b4d-4e6f-8a1c-3d5b7f9e1a24";

describe("constants", () => {
  it("uses the Entra token exchange audience and a fixed UUID namespace", () => {
    expect(WORKLOAD_IDENTITY_AUDIENCE).toBe("api://AzureADTokenExchange");
    expect(uuidValidate(ZEROCRED_UUID_NAMESPACE)).toBe(true);
  });
});

describe("sha256Hex", () => {
  it("hashes UTF-8 bytes to lowercase hex", () => {
    expect(sha256Hex("abc")).toBe(
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
    expect(sha256Hex("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  });
});

describe("roleAssignmentName", () => {
  it("is the UUIDv5 of the lowercased scope|role|principal", () => {
    const name = roleAssignmentName(VAULT_SCOPE, ROLE_ID, PRINCIPAL);
    expect(name).toBe(
      uuidv5(
        `${VAULT_SCOPE.toLowerCase()}|${ROLE_ID.toLowerCase()}|${PRINCIPAL}`,
        ZEROCRED_UUID_NAMESPACE,
      ),
    );
    expect(uuidValidate(name)).toBe(true);
    expect(uuidVersion(name)).toBe(5);
  });

  it("is deterministic and case-insensitive (ARM ids are)", () => {
    const a = roleAssignmentName(VAULT_SCOPE, ROLE_ID, PRINCIPAL);
    expect(roleAssignmentName(VAULT_SCOPE, ROLE_ID, PRINCIPAL)).toBe(a);
    expect(
      roleAssignmentName(VAULT_SCOPE.toUpperCase(), ROLE_ID.toUpperCase(), PRINCIPAL.toUpperCase()),
    ).toBe(a);
  });

  it("differs when any of scope, role or principal differs", () => {
    const a = roleAssignmentName(VAULT_SCOPE, ROLE_ID, PRINCIPAL);
    expect(roleAssignmentName(`${VAULT_SCOPE}/secrets/canary`, ROLE_ID, PRINCIPAL)).not.toBe(a);
    expect(
      roleAssignmentName(VAULT_SCOPE, ROLE_ID.replace("4633458b", "21090545"), PRINCIPAL),
    ).not.toBe(a);
    expect(roleAssignmentName(VAULT_SCOPE, ROLE_ID, PRINCIPAL.replace("5e7c", "5e7d"))).not.toBe(a);
  });
});

describe("vaultName", () => {
  it("is prefix-kv-<12 hex> of the lowercased subscription|group|stack", () => {
    const expected = `zc-kv-${sha256Hex(`${SUB}|zc-dev|dev`).slice(0, 12)}`;
    expect(vaultName("zc", SUB, "zc-dev", "dev")).toBe(expected);
    expect(vaultName("zc", SUB.toUpperCase(), "ZC-DEV", "Dev")).toBe(expected);
  });

  it("is deterministic and changes with each input", () => {
    const a = vaultName("zc", SUB, "zc-dev", "dev");
    expect(vaultName("zc", SUB, "zc-dev", "dev")).toBe(a);
    expect(vaultName("zc", SUB, "zc-dev", "prod")).not.toBe(a);
    expect(vaultName("zc", SUB, "zc-prod", "dev")).not.toBe(a);
    expect(vaultName("zc", SUB.replace("3b9d", "3b9e"), "zc-dev", "dev")).not.toBe(a);
  });

  it.each(["zc", "ab", "a1", "zerocred", "abcdefg8"])(
    "prefix %s gives a valid name ≤ 24",
    (prefix) => {
      const name = vaultName(
        prefix,
        SUB,
        "a-very-long-resource-group-name-indeed",
        "production-stack",
      );
      expect(name.length).toBeLessThanOrEqual(24);
      expect(vaultNameIssues(name)).toEqual([]);
      expect(name.startsWith(`${prefix}-kv-`)).toBe(true);
    },
  );

  it.each(["", "z", "Zc", "1zc", "zc-", "toolongpre", "z_c"])("rejects prefix %j", (prefix) => {
    expect(() => vaultName(prefix, SUB, "rg", "dev")).toThrow(
      `Invalid value for prefix: ${JSON.stringify(prefix)}. Use 2 to 8 lowercase letters or digits, starting with a letter (e.g. "zc").`,
    );
  });
});

describe("vaultNameIssues", () => {
  it.each([
    ["abc", []],
    ["a-b-c", []],
    ["A1234567890123456789012Z", []],
    ["ab", ['Key Vault name "ab" is 2 characters long; use 3 to 24 characters.']],
    [
      "a1234567890123456789012345",
      [
        'Key Vault name "a1234567890123456789012345" is 26 characters long; use 3 to 24 characters.',
      ],
    ],
    ["1abc", ['Key Vault name "1abc" must start with a letter.']],
    ["abc-", ['Key Vault name "abc-" must end with a letter or digit.']],
    ["ab--c", ['Key Vault name "ab--c" contains consecutive hyphens; use single hyphens.']],
    [
      "ab_c",
      [
        'Key Vault name "ab_c" contains characters other than letters, digits and hyphens; remove them.',
      ],
    ],
  ])("%j -> %j", (name, issues) => {
    expect(vaultNameIssues(name)).toEqual(issues);
  });

  it("reports every problem at once and throws them joined", () => {
    expect(vaultNameIssues("-")).toEqual([
      'Key Vault name "-" is 1 characters long; use 3 to 24 characters.',
      'Key Vault name "-" must start with a letter.',
      'Key Vault name "-" must end with a letter or digit.',
    ]);
    expect(() => validateVaultName("-")).toThrow(vaultNameIssues("-").join(" "));
    expect(() => validateVaultName("zc-kv-abc")).not.toThrow();
  });
});

describe("Kubernetes names and subjects", () => {
  it.each([
    ["shop", true],
    ["a", true],
    ["my-ns-1", true],
    ["Shop", false],
    ["-shop", false],
    ["shop-", false],
    ["sh.op", false],
    ["a".repeat(63), true],
    ["a".repeat(64), false],
  ])("isDns1123Label(%j) = %s", (v, ok) => {
    expect(isDns1123Label(v)).toBe(ok);
  });

  it.each([
    ["orders", true],
    ["orders.v1", true],
    ["orders..v1", false],
    ["Orders", false],
    ["orders_", false],
  ])("isDns1123Subdomain(%j) = %s", (v, ok) => {
    expect(isDns1123Subdomain(v)).toBe(ok);
  });

  it("builds the service account subject", () => {
    expect(serviceAccountSubject("shop", "orders")).toBe("system:serviceaccount:shop:orders");
  });

  it("rejects invalid namespace and service account names with the fix", () => {
    expect(() => serviceAccountSubject("Shop", "orders")).toThrow(
      'Invalid value for namespace: "Shop". Use a DNS-1123 label: at most 63 lowercase letters, digits or "-", starting and ending with a letter or digit.',
    );
    expect(() => serviceAccountSubject("shop", "Orders")).toThrow(
      'Invalid value for serviceAccount: "Orders". Use a DNS-1123 subdomain: at most 253 lowercase letters, digits, "-" or ".", starting and ending with a letter or digit.',
    );
  });
});

describe("federatedCredentialName", () => {
  it("is namespace_serviceAccount when that is valid", () => {
    expect(federatedCredentialName("shop", "orders")).toBe("shop_orders");
    expect(federatedCredentialName("a", "b")).toBe("a_b");
  });

  it("does not collide where a hyphen join would", () => {
    expect(federatedCredentialName("a-b", "c")).not.toBe(federatedCredentialName("a", "b-c"));
  });

  it("replaces dots and appends a hash of the exact pair", () => {
    const name = federatedCredentialName("shop", "orders.v1");
    expect(name).toBe(`shop_orders-v1-${sha256Hex("shop:orders.v1").slice(0, 8)}`);
    expect(name).not.toBe(federatedCredentialName("shop", "orders-v1"));
    expect(name).toMatch(FEDERATED_CREDENTIAL_NAME_PATTERN);
  });

  it("shortens long names to ≤ 120 chars, keeping them valid and distinct", () => {
    const ns = "n".repeat(63);
    const a = federatedCredentialName(ns, "s".repeat(100));
    const b = federatedCredentialName(ns, `${"s".repeat(99)}t`);
    expect(a.length).toBe(120);
    expect(a).toMatch(FEDERATED_CREDENTIAL_NAME_PATTERN);
    expect(a).not.toBe(b);
  });

  it.each([
    ["abc", []],
    ["a_b-c", []],
    [
      "ab",
      [
        'Federated credential name "ab" is invalid: use 3 to 120 characters of letters, digits, "-" and "_", starting with a letter or digit.',
      ],
    ],
    [
      "_abc",
      [
        'Federated credential name "_abc" is invalid: use 3 to 120 characters of letters, digits, "-" and "_", starting with a letter or digit.',
      ],
    ],
    [
      "a.bc",
      [
        'Federated credential name "a.bc" is invalid: use 3 to 120 characters of letters, digits, "-" and "_", starting with a letter or digit.',
      ],
    ],
    [
      "a".repeat(121),
      [
        `Federated credential name "${"a".repeat(121)}" is invalid: use 3 to 120 characters of letters, digits, "-" and "_", starting with a letter or digit.`,
      ],
    ],
  ])("federatedCredentialNameIssues(%j)", (name, issues) => {
    expect(federatedCredentialNameIssues(name)).toEqual(issues);
  });
});
