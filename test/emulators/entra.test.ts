// Cluster OIDC issuer + Entra ID emulators: conformance with the unmodified
// WorkloadIdentityCredential (environment variables, CA, and the documented
// disableInstanceDiscovery option), then each federated-assertion rejection with Azure's code.
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WorkloadIdentityCredential } from "@azure/identity";
import { decodeProtectedHeader, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulators, type Emulators } from "../../sim/emulators";
import {
  AUDIENCE,
  claimsOf,
  ID,
  ISSUER,
  rawRequest,
  SA_NAME,
  SA_NAMESPACE,
  SA_SUBJECT,
  TENANT,
  testWorld,
} from "./fixture";

const VAULT_SCOPE = "https://vault.azure.net/.default";
const ENV_KEYS = [
  "AZURE_CLIENT_ID",
  "AZURE_TENANT_ID",
  "AZURE_FEDERATED_TOKEN_FILE",
  "AZURE_AUTHORITY_HOST",
] as const;

let emu: Emulators;
let dir: string;
const savedEnv: Partial<Record<(typeof ENV_KEYS)[number], string>> = {};

beforeAll(async () => {
  emu = await startEmulators(testWorld());
  dir = mkdtempSync(join(tmpdir(), "zerocred-entra-test-"));
  for (const k of ENV_KEYS) {
    savedEnv[k] = process.env[k];
  }
});

afterAll(async () => {
  for (const k of ENV_KEYS) {
    if (savedEnv[k] === undefined) {
      delete process.env[k];
    } else {
      process.env[k] = savedEnv[k];
    }
  }
  rmSync(dir, { recursive: true, force: true });
  await emu.close();
});

let fileCounter = 0;
function tokenFile(token: string): string {
  const path = join(dir, `token-${fileCounter++}`);
  writeFileSync(path, token);
  return path;
}

function credential(clientId: string, token: string): WorkloadIdentityCredential {
  return new WorkloadIdentityCredential({
    tenantId: TENANT,
    clientId,
    tokenFilePath: tokenFile(token),
    authorityHost: emu.authorityHost,
    disableInstanceDiscovery: true,
    tlsOptions: { ca: emu.caPem },
  });
}

function tokenRequest(clientId: string, assertion: string, tenant = TENANT) {
  const body = new URLSearchParams({
    grant_type: "client_credentials",
    client_id: clientId,
    scope: VAULT_SCOPE,
    client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
    client_assertion: assertion,
  }).toString();
  return rawRequest(`${emu.authorityHost}${tenant}/oauth2/v2.0/token`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body,
    ca: emu.caPem,
  });
}

interface EntraErrorBody {
  error: string;
  error_description: string;
  error_codes: number[];
  timestamp: string;
  trace_id: string;
  correlation_id: string;
  error_uri: string;
}

/** Status, error, code and the first line of the description (the rest is trace/correlation/timestamp). */
function summarize(res: { status: number; json: unknown }) {
  const body = res.json as EntraErrorBody;
  return {
    status: res.status,
    error: body.error,
    codes: body.error_codes,
    description: body.error_description.split("\r\n")[0],
  };
}

const WIF =
  "https://docs.microsoft.com/en-us/azure/active-directory/develop/workload-identity-federation";
const checkFic = `Please check your federated identity credential Subject, Audience and Issuer against the presented assertion. ${WIF}`;

describe("cluster OIDC issuer", () => {
  it("serves discovery and JWKS for the declared issuer and mints projected service-account tokens", async () => {
    const token = await emu.mintServiceAccountToken("aks1", SA_NAMESPACE, SA_NAME);
    const discovery = await rawRequest(
      `${emu.issuerEndpoint("aks1")}.well-known/openid-configuration`,
      {
        ca: emu.caPem,
      },
    );
    expect(discovery.json).toEqual({
      issuer: ISSUER,
      jwks_uri: `${ISSUER}openid/v1/jwks`,
      response_types_supported: ["id_token"],
      subject_types_supported: ["public"],
      id_token_signing_alg_values_supported: ["RS256"],
    });
    const jwks = await rawRequest(`${emu.issuerEndpoint("aks1")}openid/v1/jwks`, { ca: emu.caPem });
    const keys = (jwks.json as { keys: { kid: string; kty: string; alg: string; use: string }[] })
      .keys;
    const header = decodeProtectedHeader(token);
    expect(header.alg).toBe("RS256");
    expect(keys.map((k) => [k.kid, k.kty, k.alg, k.use])).toEqual([
      [header.kid, "RSA", "RS256", "sig"],
    ]);
    const claims = claimsOf(token);
    expect([claims.iss, claims.sub, claims.aud]).toEqual([ISSUER, SA_SUBJECT, [AUDIENCE]]);
    expect(claims.exp).toBe((claims.iat as number) + 3600);
    expect(claims.nbf).toBe(claims.iat);
    const k8s = claims["kubernetes.io"] as { namespace: string; serviceaccount: { name: string } };
    expect([k8s.namespace, k8s.serviceaccount.name]).toEqual([SA_NAMESPACE, SA_NAME]);
  });
});

describe("Entra ID metadata", () => {
  it("serves the authority's OpenID configuration on the authority's own origin", async () => {
    const res = await rawRequest(
      `${emu.authorityHost}${TENANT}/v2.0/.well-known/openid-configuration`,
      {
        ca: emu.caPem,
      },
    );
    const doc = res.json as Record<string, string>;
    expect([doc.issuer, doc.token_endpoint, doc.authorization_endpoint, doc.jwks_uri]).toEqual([
      `${emu.authorityHost}${TENANT}/v2.0`,
      `${emu.authorityHost}${TENANT}/oauth2/v2.0/token`,
      `${emu.authorityHost}${TENANT}/oauth2/v2.0/authorize`,
      `${emu.authorityHost}${TENANT}/discovery/v2.0/keys`,
    ]);
  });

  it("serves instance discovery naming itself", async () => {
    const host = new URL(emu.authorityHost).host;
    const res = await rawRequest(
      `${emu.authorityHost}common/discovery/instance?api-version=1.1&authorization_endpoint=${encodeURIComponent(`${emu.authorityHost}${TENANT}/oauth2/v2.0/authorize`)}`,
      { ca: emu.caPem },
    );
    expect(res.json).toEqual({
      tenant_discovery_endpoint: `${emu.authorityHost}${TENANT}/v2.0/.well-known/openid-configuration`,
      "api-version": "1.1",
      metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
    });
  });
});

describe("WorkloadIdentityCredential against the Entra emulator", () => {
  it("exchanges a projected token read from the webhook's environment variables", async () => {
    const token = await emu.mintServiceAccountToken("aks1", SA_NAMESPACE, SA_NAME);
    process.env.AZURE_CLIENT_ID = ID.app.clientId;
    process.env.AZURE_TENANT_ID = TENANT;
    process.env.AZURE_FEDERATED_TOKEN_FILE = tokenFile(token);
    process.env.AZURE_AUTHORITY_HOST = emu.authorityHost;
    const cred = new WorkloadIdentityCredential({
      disableInstanceDiscovery: true,
      tlsOptions: { ca: emu.caPem },
    });
    const access = await cred.getToken(VAULT_SCOPE);
    const claims = claimsOf(access.token);
    expect({
      aud: claims.aud,
      iss: claims.iss,
      oid: claims.oid,
      tid: claims.tid,
      appid: claims.appid,
      xms_mirid: claims.xms_mirid,
    }).toEqual({
      aud: "https://vault.azure.net",
      iss: `https://sts.windows.net/${TENANT}/`,
      oid: ID.app.principalId,
      tid: TENANT,
      appid: ID.app.clientId,
      xms_mirid: ID.app.resourceId,
    });
    expect(access.expiresOnTimestamp).toBeGreaterThan(Date.now());
  });

  it("surfaces AADSTS700213 for a service account no credential names", async () => {
    const token = await emu.mintServiceAccountToken("aks1", SA_NAMESPACE, "someone-else");
    await expect(credential(ID.app.clientId, token).getToken(VAULT_SCOPE)).rejects.toThrow(
      "AADSTS700213: No matching federated identity record found for presented assertion subject 'system:serviceaccount:zerocred:someone-else'.",
    );
  });

  it("surfaces AADSTS700211 when the assertion issuer lacks the trailing slash", async () => {
    const token = await emu.mintServiceAccountToken("aks1", SA_NAMESPACE, SA_NAME, {
      issuerOverride: ISSUER.replace(/\/$/, ""),
    });
    await expect(credential(ID.app.clientId, token).getToken(VAULT_SCOPE)).rejects.toThrow(
      `AADSTS700211: No matching federated identity record found for presented assertion issuer '${ISSUER.replace(/\/$/, "")}'.`,
    );
  });

  it("surfaces AADSTS700211 when the credential's issuer was typed without the trailing slash", async () => {
    const token = await emu.mintServiceAccountToken("aks1", SA_NAMESPACE, SA_NAME);
    await expect(credential(ID.noSlash.clientId, token).getToken(VAULT_SCOPE)).rejects.toThrow(
      `AADSTS700211: No matching federated identity record found for presented assertion issuer '${ISSUER}'.`,
    );
  });
});

describe("Entra token endpoint rejections", () => {
  it("returns 200 with numeric lifetimes for a valid assertion", async () => {
    const res = await tokenRequest(
      ID.app.clientId,
      await emu.mintServiceAccountToken("aks1", SA_NAMESPACE, SA_NAME),
    );
    expect(res.status).toBe(200);
    const body = res.json as Record<string, unknown>;
    expect([
      body.token_type,
      body.expires_in,
      body.ext_expires_in,
      typeof body.access_token,
    ]).toEqual(["Bearer", 3599, 3599, "string"]);
  });

  it("uses Entra's error shape", async () => {
    const res = await tokenRequest(
      ID.app.clientId,
      await emu.mintServiceAccountToken("aks1", SA_NAMESPACE, "x"),
    );
    const body = res.json as EntraErrorBody;
    expect(Object.keys(body).sort()).toEqual([
      "correlation_id",
      "error",
      "error_codes",
      "error_description",
      "error_uri",
      "timestamp",
      "trace_id",
    ]);
    expect(body.error_uri).toBe("https://login.microsoftonline.com/error?code=700213");
    expect(body.timestamp).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);
    expect(body.error_description).toMatch(
      /\r\nTrace ID: [0-9a-f-]{36}\r\nCorrelation ID: [0-9a-f-]{36}\r\nTimestamp: \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/,
    );
  });

  it("AADSTS700213: wrong subject", async () => {
    const res = await tokenRequest(
      ID.app.clientId,
      await emu.mintServiceAccountToken("aks1", "other-ns", SA_NAME),
    );
    expect(summarize(res)).toEqual({
      status: 401,
      error: "invalid_client",
      codes: [700213],
      description: `AADSTS700213: No matching federated identity record found for presented assertion subject 'system:serviceaccount:other-ns:verifier'. ${checkFic}`,
    });
  });

  it("AADSTS7002138: subject matches only case-insensitively", async () => {
    const res = await tokenRequest(
      ID.app.clientId,
      await emu.mintServiceAccountToken("aks1", "Zerocred", SA_NAME),
    );
    expect(summarize(res)).toEqual({
      status: 401,
      error: "invalid_client",
      codes: [7002138],
      description:
        "AADSTS7002138: No matching federated identity record found for presented assertion subject 'system:serviceaccount:Zerocred:verifier'. The subject matches with case-insensitive comparison, but not with case-sensitive comparison.",
    });
  });

  it("AADSTS700211: issuer with a trailing slash added", async () => {
    const res = await tokenRequest(
      ID.app.clientId,
      await emu.mintServiceAccountToken("aks1", SA_NAMESPACE, SA_NAME, {
        issuerOverride: `${ISSUER}/`,
      }),
    );
    expect(summarize(res)).toEqual({
      status: 401,
      error: "invalid_client",
      codes: [700211],
      description: `AADSTS700211: No matching federated identity record found for presented assertion issuer '${ISSUER}/'. ${checkFic}`,
    });
  });

  it("AADSTS700212: wrong audience", async () => {
    const res = await tokenRequest(
      ID.app.clientId,
      await emu.mintServiceAccountToken("aks1", SA_NAMESPACE, SA_NAME, {
        audience: "api://something-else",
      }),
    );
    expect(summarize(res)).toEqual({
      status: 401,
      error: "invalid_client",
      codes: [700212],
      description: `AADSTS700212: No matching federated identity record found for presented assertion audience 'api://something-else'. ${checkFic}`,
    });
  });

  it("AADSTS700024: expired assertion", async () => {
    const res = await tokenRequest(
      ID.app.clientId,
      await emu.mintServiceAccountToken("aks1", SA_NAMESPACE, SA_NAME, { expiresInSeconds: -60 }),
    );
    const s = summarize(res);
    expect([s.status, s.error, s.codes]).toEqual([401, "invalid_client", [700024]]);
    expect(s.description).toMatch(
      /^AADSTS700024: Client assertion is not within its valid time range\. Current time: /,
    );
  });

  it("AADSTS700024: assertion not yet valid", async () => {
    const res = await tokenRequest(
      ID.app.clientId,
      await emu.mintServiceAccountToken("aks1", SA_NAMESPACE, SA_NAME, {
        notBefore: Math.floor(Date.now() / 1000) + 600,
      }),
    );
    expect(summarize(res).codes).toEqual([700024]);
  });

  it("AADSTS50013: forged signature (right kid, wrong key)", async () => {
    const genuine = await emu.mintServiceAccountToken("aks1", SA_NAMESPACE, SA_NAME);
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const forged = await new SignJWT(claimsOf(genuine))
      .setProtectedHeader({ alg: "RS256", typ: "JWT", kid: decodeProtectedHeader(genuine).kid })
      .sign(privateKey);
    const res = await tokenRequest(ID.app.clientId, forged);
    expect(summarize(res)).toEqual({
      status: 401,
      error: "invalid_client",
      codes: [50013],
      description:
        "AADSTS50013: Assertion failed signature validation. [Reason - The provided signature value did not match the expected signature value.]",
    });
  });

  it("AADSTS7000272: signing key not in the issuer's JWKS", async () => {
    const genuine = await emu.mintServiceAccountToken("aks1", SA_NAMESPACE, SA_NAME);
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const forged = await new SignJWT(claimsOf(genuine))
      .setProtectedHeader({ alg: "RS256", typ: "JWT", kid: "attacker-key" })
      .sign(privateKey);
    const res = await tokenRequest(ID.app.clientId, forged);
    expect(summarize(res)).toEqual({
      status: 401,
      error: "invalid_client",
      codes: [7000272],
      description: `AADSTS7000272: The certificate with identifier attacker-key used to sign the federated credential could not be found in the metadata of identity provider ${ISSUER}. Please validate that your Identity Provider's metadata exposes the key used to sign the incoming token.`,
    });
  });

  it("AADSTS700016: unknown client id", async () => {
    const res = await tokenRequest(
      "c0000000-0000-4000-8000-0000000000ff",
      await emu.mintServiceAccountToken("aks1", SA_NAMESPACE, SA_NAME),
    );
    expect(summarize(res)).toEqual({
      status: 400,
      error: "unauthorized_client",
      codes: [700016],
      description: `AADSTS700016: Application with identifier 'c0000000-0000-4000-8000-0000000000ff' was not found in the directory '${TENANT}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
    });
  });

  it("AADSTS50027: malformed assertion", async () => {
    const res = await tokenRequest(ID.app.clientId, "not-a-jwt");
    expect(summarize(res)).toEqual({
      status: 400,
      error: "invalid_request",
      codes: [50027],
      description: "AADSTS50027: JWT token is invalid or malformed.",
    });
  });

  it("AADSTS90002: unknown tenant", async () => {
    const res = await tokenRequest(
      ID.app.clientId,
      await emu.mintServiceAccountToken("aks1", SA_NAMESPACE, SA_NAME),
      "00000000-0000-4000-8000-000000000000",
    );
    expect(summarize(res).codes).toEqual([90002]);
  });
});
