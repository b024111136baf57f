/**
 * Golden values for the names zerocred derives. Each literal was cross-checked with an independent
 * implementation (Python's uuid.uuid5 / hashlib.sha256), so changing ZEROCRED_UUID_NAMESPACE, the seed
 * format, the lowercasing or the hash length fails here — such a change would replace every deployed
 * vault and role assignment.
 */
import { describe, expect, it } from "vitest";
import {
  federatedCredentialName,
  roleAssignmentName,
  serviceAccountSubject,
  vaultName,
  ZEROCRED_UUID_NAMESPACE,
} from "../../components/naming";

const SUB = "3b9d2e71-5a4c-4f86-b1d0-7e2a6c9f4d18";
const VAULT = `/subscriptions/${SUB}/resourceGroups/zc-dev-rg/providers/Microsoft.KeyVault/vaults/zc-kv-2d9ce6231717`;
const SECRETS_USER = "4633458b-17de-408a-b874-0445c86b69e6";
const PRINCIPAL = "11111111-2222-3333-4444-555555555555";

describe("golden names", () => {
  it("the UUID namespace never changes", () => {
    expect(ZEROCRED_UUID_NAMESPACE).toBe("ec3af19a-c532-4d36-a6dd-4001eb55137a");
  });

  it("role assignment names (UUIDv5 of scope|role|principal, lowercased)", () => {
    expect(roleAssignmentName(VAULT, SECRETS_USER, PRINCIPAL)).toBe(
      "c2de557b-2074-5bc1-bf82-304a4a3cec7a",
    );
    expect(
      roleAssignmentName(VAULT.toUpperCase(), SECRETS_USER.toUpperCase(), PRINCIPAL.toUpperCase()),
    ).toBe("c2de557b-2074-5bc1-bf82-304a4a3cec7a");
    expect(
      roleAssignmentName(
        `/subscriptions/${SUB}/resourceGroups/zc-dev-rg`,
        "b86a8fe4-44ce-4948-aee5-eccb2c155cd7",
        "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
      ),
    ).toBe("34b0cffb-7029-59f3-b58b-44260d32b85e");
  });

  it("vault names (prefix-kv-12 hex of sha256(subscription|group|stack), lowercased)", () => {
    expect(vaultName("zc", SUB, "zc-dev-rg", "dev")).toBe("zc-kv-2d9ce6231717");
    expect(vaultName("zc", SUB.toUpperCase(), "ZC-DEV-RG", "Dev")).toBe("zc-kv-2d9ce6231717");
    expect(vaultName("acme", SUB, "rg-prod", "prod")).toBe("acme-kv-55e03f4fe8ff");
  });

  it("federated credential names and subjects", () => {
    expect(federatedCredentialName("shop", "orders")).toBe("shop_orders");
    expect(federatedCredentialName("shop", "orders.v2")).toBe("shop_orders-v2-14635382");
    expect(federatedCredentialName("a".repeat(63), "b".repeat(100))).toBe(
      `${"a".repeat(63)}_${"b".repeat(47)}-c216549b`,
    );
    expect(serviceAccountSubject("shop", "orders-sa")).toBe("system:serviceaccount:shop:orders-sa");
  });
});
