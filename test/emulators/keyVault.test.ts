// Key Vault emulator: conformance with the unmodified SecretClient (CA + the documented
// disableChallengeResourceVerification option for a vault not on *.vault.azure.net), token
// validation, RBAC and access-policy denials with Azure's codes, and role propagation delay.
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ManagedIdentityCredential,
  WorkloadIdentityCredential,
  type TokenCredential,
} from "@azure/identity";
import { SecretClient } from "@azure/keyvault-secrets";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulators, type Emulators } from "../../sim/emulators";
import {
  CANARY_VALUE,
  claimsOf,
  fingerprint,
  ID,
  rawRequest,
  SA_NAME,
  SA_NAMESPACE,
  SECRETS_USER,
  TENANT,
  testWorld,
  VM_SYSTEM,
  vaultId,
} from "./fixture";

let emu: Emulators;
let dir: string;
let savedImds: string | undefined;

beforeAll(async () => {
  emu = await startEmulators(testWorld());
  dir = mkdtempSync(join(tmpdir(), "zerocred-kv-test-"));
  savedImds = process.env.AZURE_POD_IDENTITY_AUTHORITY_HOST;
  process.env.AZURE_POD_IDENTITY_AUTHORITY_HOST = emu.imdsEndpoint("vm1");
});

afterAll(async () => {
  if (savedImds === undefined) {
    delete process.env.AZURE_POD_IDENTITY_AUTHORITY_HOST;
  } else {
    process.env.AZURE_POD_IDENTITY_AUTHORITY_HOST = savedImds;
  }
  rmSync(dir, { recursive: true, force: true });
  await emu.close();
});

let fileCounter = 0;
async function workloadCredential(
  clientId: string,
  serviceAccount: string,
): Promise<TokenCredential> {
  const path = join(dir, `token-${fileCounter++}`);
  writeFileSync(path, await emu.mintServiceAccountToken("aks1", SA_NAMESPACE, serviceAccount));
  return new WorkloadIdentityCredential({
    tenantId: TENANT,
    clientId,
    tokenFilePath: path,
    authorityHost: emu.authorityHost,
    disableInstanceDiscovery: true,
    tlsOptions: { ca: emu.caPem },
  });
}

function secretClient(
  vault: string,
  credential: TokenCredential,
  e: Emulators = emu,
): SecretClient {
  return new SecretClient(e.vaultUrl(vault), credential, {
    tlsOptions: { ca: e.caPem },
    disableChallengeResourceVerification: true,
    retryOptions: { maxRetries: 0 },
  });
}

interface KvErrorBody {
  error: { code: string; message: string; innererror?: { code: string } };
}

interface SdkErrorDetails {
  error?: { code?: string; message?: string; innerError?: { code?: string } };
}

/** The RestError's status, code, inner error code and message, as the SDK surfaces them. */
async function denial(
  p: Promise<unknown>,
): Promise<{ status: number; code: string; inner: string | undefined; message: string }> {
  try {
    await p;
  } catch (err) {
    const e = err as { statusCode?: number; code?: string; details?: SdkErrorDetails };
    return {
      status: e.statusCode ?? 0,
      code: e.code ?? "",
      inner: e.details?.error?.innerError?.code,
      message: e.details?.error?.message ?? "",
    };
  }
  throw new Error("expected the request to be denied, but it succeeded");
}

async function imdsToken(vm: string, query: string): Promise<string> {
  const res = await rawRequest(
    `${emu.imdsEndpoint(vm)}/metadata/identity/oauth2/token?api-version=2018-02-01&${query}`,
    { headers: { Metadata: "true" } },
  );
  return (res.json as { access_token: string }).access_token;
}

function getSecretRaw(vault: string, path: string, token?: string, e: Emulators = emu) {
  return rawRequest(`${e.vaultUrl(vault)}${path}`, {
    headers: token === undefined ? {} : { Authorization: `Bearer ${token}` },
    ca: e.caPem,
  });
}

describe("SecretClient against the Key Vault emulator", () => {
  it("reads the secret with a workload identity (federated token exchange)", async () => {
    const secret = await secretClient(
      "kv1",
      await workloadCredential(ID.app.clientId, SA_NAME),
    ).getSecret("canary");
    expect(fingerprint(secret.value)).toBe(fingerprint(CANARY_VALUE));
    expect([secret.name, secret.properties.vaultUrl, secret.properties.enabled]).toEqual([
      "canary",
      emu.vaultUrl("kv1").replace(/\/$/, ""),
      true,
    ]);
    expect(secret.properties.version).toMatch(/^[0-9a-f]{32}$/);
  });

  it("reads the secret with the VM's system-assigned identity (vault-scoped grant)", async () => {
    const secret = await secretClient("kv1", new ManagedIdentityCredential()).getSecret("canary");
    expect(fingerprint(secret.value)).toBe(fingerprint(CANARY_VALUE));
  });

  it("reads the secret with a user-assigned identity granted at resource-group scope", async () => {
    const client = secretClient("kv1", new ManagedIdentityCredential({ clientId: ID.vm.clientId }));
    const latest = await client.getSecret("canary");
    const pinned = await client.getSecret("canary", { version: latest.properties.version ?? "" });
    expect(fingerprint(pinned.value)).toBe(fingerprint(CANARY_VALUE));
  });

  it("surfaces 403 ForbiddenByRbac for an identity with no role", async () => {
    const d = await denial(
      secretClient("kv1", await workloadCredential(ID.noRole.clientId, "norole")).getSecret(
        "canary",
      ),
    );
    expect([d.status, d.code, d.inner]).toEqual([403, "Forbidden", "ForbiddenByRbac"]);
    expect(d.message).toBe(
      "Caller is not authorized to perform action on resource.\r\n" +
        "If role assignments, deny assignments or role definitions were changed recently, please observe propagation time.\r\n" +
        `Caller: appid=${ID.noRole.clientId};oid=${ID.noRole.principalId};iss=https://sts.windows.net/${TENANT}/\r\n` +
        "Action: 'Microsoft.KeyVault/vaults/secrets/getSecret/action'\r\n" +
        `Resource: '${vaultId("kv1").toLowerCase()}/secrets/canary'\r\n` +
        "Assignment: (not found)\r\n" +
        "DenyAssignmentId: null\r\n" +
        "DecisionReason: 'DeniedWithNoValidRBAC' \r\n" +
        "Vault: kv1;location=local\r\n",
    );
  });

  it("denies an identity whose role is scoped to another vault", async () => {
    const d = await denial(
      secretClient("kv1", await workloadCredential(ID.otherVault.clientId, "othervault")).getSecret(
        "canary",
      ),
    );
    expect([d.status, d.code, d.inner]).toEqual([403, "Forbidden", "ForbiddenByRbac"]);
  });

  it("does not let a grant on vault 'kv1' cover vault 'kv12'", async () => {
    const d = await denial(
      secretClient("kv12", new ManagedIdentityCredential()).getSecret("canary"),
    );
    expect([d.status, d.code, d.inner]).toEqual([403, "Forbidden", "ForbiddenByRbac"]);
  });

  it("denies Key Vault Reader (metadata only, no secret values)", async () => {
    const d = await denial(
      secretClient("kv1", await workloadCredential(ID.reader.clientId, "reader")).getSecret(
        "canary",
      ),
    );
    expect([d.status, d.code, d.inner]).toEqual([403, "Forbidden", "ForbiddenByRbac"]);
  });

  it("denies everyone on an access-policy vault, role assignments notwithstanding", async () => {
    const d = await denial(
      secretClient("kv-ap", await workloadCredential(ID.app.clientId, SA_NAME)).getSecret("canary"),
    );
    expect([d.status, d.code, d.inner]).toEqual([403, "Forbidden", "AccessDenied"]);
    expect(d.message).toBe(
      `The user, group or application 'appid=${ID.app.clientId};oid=${ID.app.principalId};iss=https://sts.windows.net/${TENANT}/' does not have secrets get permission on key vault 'kv-ap;location=local'. ` +
        "For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125287",
    );
  });

  it("answers 404 SecretNotFound for a missing secret or version", async () => {
    const client = secretClient("kv1", new ManagedIdentityCredential({ clientId: ID.vm.clientId }));
    const missing = await denial(client.getSecret("absent"));
    const wrongVersion = await denial(client.getSecret("canary", { version: "0".repeat(32) }));
    expect([missing.status, missing.code, wrongVersion.status, wrongVersion.code]).toEqual([
      404,
      "SecretNotFound",
      404,
      "SecretNotFound",
    ]);
  });
});

describe("Key Vault wire protocol", () => {
  it("challenges a request without a token", async () => {
    const res = await getSecretRaw("kv1", "secrets/canary?api-version=7.5");
    expect(res.status).toBe(401);
    expect(res.headers["www-authenticate"]).toBe(
      `Bearer authorization="${emu.authorityHost}${TENANT}", resource="https://vault.azure.net"`,
    );
    expect(res.json).toEqual({
      error: {
        code: "Unauthorized",
        message: "AKV10000: Request is missing a Bearer or PoP token.",
      },
    });
  });

  it("answers the 7.5 REST shape to a plain bearer request", async () => {
    const res = await getSecretRaw(
      "kv1",
      "secrets/canary?api-version=7.5",
      await imdsToken("vm1", "resource=https://vault.azure.net"),
    );
    expect(res.status).toBe(200);
    const body = res.json as {
      value: string;
      id: string;
      attributes: Record<string, unknown>;
      tags: unknown;
    };
    expect(fingerprint(body.value)).toBe(fingerprint(CANARY_VALUE));
    expect(body.id).toMatch(new RegExp(`^${emu.vaultUrl("kv1")}secrets/canary/[0-9a-f]{32}$`));
    expect([
      body.attributes.enabled,
      body.attributes.recoveryLevel,
      body.attributes.recoverableDays,
      body.tags,
    ]).toEqual([true, "Recoverable+Purgeable", 7, {}]);
  });

  it("rejects a token for another audience with AKV10022", async () => {
    const token = await imdsToken("vm1", "resource=https://management.azure.com/");
    const res = await getSecretRaw("kv1", "secrets/canary?api-version=7.5", token);
    expect(res.status).toBe(401);
    expect(res.json).toEqual({
      error: {
        code: "Unauthorized",
        message:
          "AKV10022: Invalid audience. Expected https://vault.azure.net, found: https://management.azure.com/.",
      },
    });
  });

  it("rejects a token not signed by Entra", async () => {
    const genuine = await imdsToken("vm1", "resource=https://vault.azure.net");
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const forged = await new SignJWT(claimsOf(genuine))
      .setProtectedHeader({ alg: "RS256", typ: "JWT" })
      .sign(privateKey);
    const res = await getSecretRaw("kv1", "secrets/canary?api-version=7.5", forged);
    expect(res.status).toBe(401);
    expect((res.json as KvErrorBody).error.code).toBe("Unauthorized");
  });

  it("requires a known api-version", async () => {
    const token = await imdsToken("vm1", "resource=https://vault.azure.net");
    const missing = await getSecretRaw("kv1", "secrets/canary", token);
    const unknown = await getSecretRaw("kv1", "secrets/canary?api-version=1.0", token);
    expect([missing.status, (missing.json as KvErrorBody).error.code]).toEqual([
      400,
      "BadParameter",
    ]);
    expect([unknown.status, (unknown.json as KvErrorBody).error.code]).toEqual([
      400,
      "BadParameter",
    ]);
  });
});

describe("role propagation delay", () => {
  it("denies until an added assignment takes effect, then allows", async () => {
    const before = await imdsToken(
      "vm-multi",
      `resource=https://vault.azure.net&client_id=${ID.vm2.clientId}`,
    );
    const first = await getSecretRaw("kv12", "secrets/canary?api-version=7.5", before);
    emu.addRoleAssignment(
      {
        principalId: ID.vm2.principalId,
        roleDefinitionId: "Key Vault Secrets User",
        scope: vaultId("kv12"),
      },
      // Half a second: long enough for the next request (milliseconds), short enough to wait out.
      500,
    );
    const second = await getSecretRaw("kv12", "secrets/canary?api-version=7.5", before);
    await new Promise((r) => setTimeout(r, 550));
    const third = await getSecretRaw("kv12", "secrets/canary?api-version=7.5", before);
    expect([first.status, second.status, third.status]).toEqual([403, 403, 200]);
    expect((second.json as KvErrorBody).error.innererror?.code).toBe("ForbiddenByRbac");
  });

  it("applies propagationDelayMs to the world's assignments from start", async () => {
    const delayed = await startEmulators(testWorld(), { propagationDelayMs: 1000 });
    try {
      const res = await rawRequest(
        `${delayed.imdsEndpoint("vm1")}/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://vault.azure.net`,
        { headers: { Metadata: "true" } },
      );
      const token = (res.json as { access_token: string }).access_token;
      const early = await getSecretRaw("kv1", "secrets/canary?api-version=7.6", token, delayed);
      await new Promise((r) => setTimeout(r, 1050));
      const late = await getSecretRaw("kv1", "secrets/canary?api-version=7.6", token, delayed);
      expect([
        early.status,
        (early.json as KvErrorBody).error.innererror?.code,
        late.status,
      ]).toEqual([403, "ForbiddenByRbac", 200]);
      expect(claimsOf(token).oid).toBe(VM_SYSTEM.principalId);
    } finally {
      await delayed.close();
    }
  });

  it("resolves roles by GUID, name or ARM id", async () => {
    const token = await imdsToken(
      "vm-multi",
      `resource=https://vault.azure.net&client_id=${ID.vm2.clientId}`,
    );
    emu.addRoleAssignment(
      {
        principalId: ID.vm2.principalId,
        roleDefinitionId: `/subscriptions/x/providers/Microsoft.Authorization/roleDefinitions/${SECRETS_USER}`,
        scope: vaultId("kv1"),
      },
      0,
    );
    const res = await getSecretRaw("kv1", "secrets/canary?api-version=2025-07-01", token);
    expect(res.status).toBe(200);
  });
});
