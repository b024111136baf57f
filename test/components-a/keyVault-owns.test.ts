/**
 * A vault that owns its secrets and grants: secrets supplied (kept secret) or generated, role
 * assignments at the vault or at one secret's scope (the principal passed as a component), any role by
 * name or GUID, and verification checks built from the vault's own fingerprints.
 */
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import {
  registered,
  unwrap,
  useCloud,
  type RecordedResource,
  type SimulatedCloud,
} from "../harness";

type KvMod = typeof import("../../components/keyVault");

const SECRETS_USER = "4633458b-17de-408a-b874-0445c86b69e6";
const CERT_USER = "db79e9a7-68ee-4b58-9aeb-b90e7c24fcba";
const APP_PRINCIPAL = "3c5e7a9b-1d2f-4a6c-8e0b-2d4f6a8c0e1a";
const OPS_PRINCIPAL = "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d";

let cloud: SimulatedCloud;
let kv: KvMod;

beforeAll(async () => {
  cloud = await useCloud();
  kv = await import("../../components/keyVault");
});

const one = (rs: readonly RecordedResource[], name: string) => {
  const found = rs.filter((r) => r.name === name);
  expect(found.map((r) => r.name)).toEqual([name]);
  return found[0]!;
};
const guidOf = (r: RecordedResource) => String(r.inputs.roleDefinitionId).split("/").pop();

describe("KeyVault secrets and roleAssignments", () => {
  it("creates supplied and generated secrets, grants at the vault and at one secret, and checks by fingerprint", async () => {
    const app = { principalId: pulumi.output(APP_PRINCIPAL) };
    const vault = new kv.KeyVault("kv-own", {
      resourceGroupName: "rg",
      vaultName: "zc-own-kv",
      tenantId: "8c3f1a52-7d4e-4b0a-9f6e-2d1c5b7a9e30",
      secrets: [
        { name: "db-password", value: "s3cr3t-from-config" },
        {
          name: "api-key",
          generatedLength: 48,
          roleAssignments: [{ role: "Key Vault Secrets User", principal: app }],
        },
      ],
      roleAssignments: [
        { role: "key vault certificate user", principalId: OPS_PRINCIPAL, name: "ops-certs" },
        { role: CERT_USER.toUpperCase(), principalId: APP_PRINCIPAL },
      ],
    });
    const rs = await registered(cloud);
    const vaultId = one(rs, "kv-own-vault").id;

    // Supplied value: stored as a secret, never generated.
    const db = one(rs, "kv-own-secret-db-password");
    expect(db.inputs).toMatchObject({ secretName: "db-password", vaultName: "zc-own-kv" });
    expect(db.secretInputPaths).toEqual(["properties.value"]);
    expect(rs.some((r) => r.name === "kv-own-secret-db-password-value")).toBe(false);
    // Generated value: its own RandomPassword, its length as asked.
    expect(one(rs, "kv-own-secret-api-key-value").inputs).toMatchObject({
      length: 48,
      special: false,
    });

    // The secret-scoped grant: at the secret, to the component's principal, after the secret exists.
    const secretGrant = one(rs, "kv-own-secret-api-key-ra-key-vault-secrets-user-0-assignment");
    expect(secretGrant.inputs.scope).toBe(`${vaultId}/secrets/api-key`);
    expect(secretGrant.inputs.principalId).toBe(APP_PRINCIPAL);
    expect(guidOf(secretGrant)).toBe(SECRETS_USER);
    expect(one(rs, "kv-own-secret-api-key-ra-key-vault-secrets-user-0").dependencies).toContain(
      one(rs, "kv-own-secret-api-key").urn,
    );
    // Vault-scoped grants: by name (any case) with a stable key, and by GUID.
    const ops = one(rs, "kv-own-ra-ops-certs-assignment");
    expect(ops.inputs.scope).toBe(vaultId);
    expect(guidOf(ops)).toBe(CERT_USER);
    expect(guidOf(one(rs, "kv-own-ra-key-vault-certificate-user-0-assignment"))).toBe(CERT_USER);
    expect(vault.roleAssignments).toHaveLength(3);

    // Checks: the generated secret and the canary have fingerprints; the supplied one does not.
    const check = vault.check("api-key", "allow");
    expect(await unwrap(pulumi.output(check.expectedSha256))).toMatch(/^[0-9a-f]{64}$/);
    expect(await unwrap(pulumi.output(check.vaultUrl))).toBe(await unwrap(vault.vaultUri));
    expect(await unwrap(pulumi.output(vault.check("canary", "deny").expectedSha256))).toBe(
      await unwrap(vault.canaryFingerprint),
    );
    expect(() => vault.check("db-password", "allow")).toThrow(
      'KeyVault "kv-own": check("db-password"): its value was supplied, so it has no fingerprint to verify against',
    );
    expect(() => vault.check("nope", "allow")).toThrow(
      'KeyVault "kv-own": check("nope"): the vault owns no such secret; use one of: canary, api-key.',
    );
  });

  it.each([
    [
      { secrets: [{ name: "canary" }] },
      'secrets[0].name "canary" is used twice (secret names are case-insensitive, the canary included)',
    ],
    [
      { roleAssignments: [{ role: "Key Vault Secret Reader", principalId: APP_PRINCIPAL }] },
      'For a role not in the catalogue, pass its role definition GUID, e.g. role: "acdd72a7-3385-48ef-bd42-f606fba81ae7" (Reader)',
    ],
    [
      { roleAssignments: [{ role: "Reader" }] },
      "roleAssignments[0]: principal or principalId is required",
    ],
    [
      { secrets: [{ name: "x", value: "v", generatedLength: 20 }] },
      "secrets[0] has both value and generatedLength: pass one",
    ],
    [
      { secrets: [{ name: "y", generatedLength: 8 }] },
      "Invalid value for secrets[0].generatedLength: 8. Use a whole number from 16 to 256.",
    ],
  ])("rejects %j before registering anything", (extra, message) => {
    const before = cloud.resources.length;
    expect(
      () =>
        new kv.KeyVault("kv-bad", {
          resourceGroupName: "rg",
          vaultName: "zc-bad-kv",
          tenantId: "t",
          ...(extra as object),
        }),
    ).toThrow(message);
    expect(cloud.resources.slice(before).filter((r) => r.custom)).toEqual([]);
  });
});
