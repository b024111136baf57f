// IMDS emulator: conformance with the unmodified @azure/identity ManagedIdentityCredential (only the
// documented AZURE_POD_IDENTITY_AUTHORITY_HOST override), plus Azure's error bodies and faults.
import { ManagedIdentityCredential } from "@azure/identity";
import { resetManagedIdentityState } from "../harness/msal";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulators, type Emulators } from "../../sim/emulators";
import { claimsOf, ID, rawRequest, TENANT, testWorld, VM_SYSTEM, vmId } from "./fixture";

const VAULT_SCOPE = "https://vault.azure.net/.default";
const TOKEN_PATH =
  "/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https%3A%2F%2Fvault.azure.net";

let emu: Emulators;
let savedEnv: string | undefined;

beforeAll(async () => {
  emu = await startEmulators(testWorld());
  savedEnv = process.env.AZURE_POD_IDENTITY_AUTHORITY_HOST;
  // Read by msal-node's Imds source: `${AZURE_POD_IDENTITY_AUTHORITY_HOST}/metadata/identity/oauth2/token`.
  process.env.AZURE_POD_IDENTITY_AUTHORITY_HOST = emu.imdsEndpoint("vm1");
  // MSAL's per-process IMDS endpoint and token cache start fresh for this file's emulator.
  resetManagedIdentityState();
});

afterAll(async () => {
  if (savedEnv === undefined) {
    delete process.env.AZURE_POD_IDENTITY_AUTHORITY_HOST;
  } else {
    process.env.AZURE_POD_IDENTITY_AUTHORITY_HOST = savedEnv;
  }
  await emu.close();
});

describe("ManagedIdentityCredential against the IMDS emulator", () => {
  it("gets a v1 Key Vault token for a user-assigned identity selected by client id", async () => {
    const before = emu.requestCounts().imds.vm1 ?? 0;
    const token = await new ManagedIdentityCredential({ clientId: ID.vm.clientId }).getToken(
      VAULT_SCOPE,
    );
    // From this file's emulator, not a token MSAL cached for the process earlier.
    expect((emu.requestCounts().imds.vm1 ?? 0) - before).toBe(1);
    expect(token.tokenType).toBe("Bearer");
    const claims = claimsOf(token.token);
    expect({
      aud: claims.aud,
      iss: claims.iss,
      oid: claims.oid,
      tid: claims.tid,
      appid: claims.appid,
      xms_mirid: claims.xms_mirid,
      ver: claims.ver,
    }).toEqual({
      aud: "https://vault.azure.net",
      iss: `https://sts.windows.net/${TENANT}/`,
      oid: ID.vm.principalId,
      tid: TENANT,
      appid: ID.vm.clientId,
      xms_mirid: ID.vm.resourceId,
      ver: "1.0",
    });
    expect(claims.exp).toBe((claims.iat as number) + 86_399);
  });

  it("gets the system-assigned identity's token when no identity is named", async () => {
    const token = await new ManagedIdentityCredential().getToken(VAULT_SCOPE);
    const claims = claimsOf(token.token);
    expect([claims.oid, claims.appid, claims.xms_mirid]).toEqual([
      VM_SYSTEM.principalId,
      VM_SYSTEM.clientId,
      vmId("vm1"),
    ]);
  });

  it("selects a user-assigned identity by resource id (msi_res_id)", async () => {
    const token = await new ManagedIdentityCredential({ resourceId: ID.vm2.resourceId }).getToken(
      VAULT_SCOPE,
    );
    expect(claimsOf(token.token).oid).toBe(ID.vm2.principalId);
  });

  it("survives injected 503, 429 and 404 answers (SDK retry policies)", async () => {
    const before = emu.requestCounts().imds.vm1 ?? 0;
    emu.injectImdsFaults("vm1", [503, 429, 404]);
    const token = await new ManagedIdentityCredential({ objectId: ID.vm2.principalId }).getToken(
      VAULT_SCOPE,
    );
    expect(claimsOf(token.token).oid).toBe(ID.vm2.principalId);
    expect((emu.requestCounts().imds.vm1 ?? 0) - before).toBe(4);
  });

  it("surfaces 'Identity not found' for an identity not attached to the VM", async () => {
    const cred = new ManagedIdentityCredential({ clientId: ID.app.clientId });
    await expect(cred.getToken(VAULT_SCOPE)).rejects.toThrow(/Identity not found/);
  });
});

describe("IMDS wire protocol", () => {
  it("answers 200 with every number as a string", async () => {
    const res = await rawRequest(
      `${emu.imdsEndpoint("vm1")}${TOKEN_PATH}&client_id=${ID.vm.clientId}`,
      {
        headers: { Metadata: "true" },
      },
    );
    expect(res.status).toBe(200);
    const body = res.json as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual([
      "access_token",
      "client_id",
      "expires_in",
      "expires_on",
      "ext_expires_in",
      "not_before",
      "resource",
      "token_type",
    ]);
    expect([body.client_id, body.resource, body.token_type, body.expires_in]).toEqual([
      ID.vm.clientId,
      "https://vault.azure.net",
      "Bearer",
      "86399",
    ]);
    expect(typeof body.expires_on).toBe("string");
    expect(typeof body.not_before).toBe("string");
  });

  it("rejects a request without the Metadata header with 400 invalid_request", async () => {
    const res = await rawRequest(`${emu.imdsEndpoint("vm1")}${TOKEN_PATH}`);
    expect(res.status).toBe(400);
    expect(res.json).toEqual({
      error: "invalid_request",
      error_description: "Required metadata header not specified",
    });
  });

  it("rejects a request carrying X-Forwarded-For", async () => {
    const res = await rawRequest(`${emu.imdsEndpoint("vm1")}${TOKEN_PATH}`, {
      headers: { Metadata: "true", "X-Forwarded-For": "10.0.0.4" },
    });
    expect(res.status).toBe(400);
    expect(res.json).toEqual({
      error: "invalid_request",
      error_description: "Requests with the X-Forwarded-For header are not allowed",
    });
  });

  it("refuses to guess between several user-assigned identities", async () => {
    const res = await rawRequest(`${emu.imdsEndpoint("vm-multi")}${TOKEN_PATH}`, {
      headers: { Metadata: "true" },
    });
    expect(res.status).toBe(400);
    expect(res.json).toEqual({
      error: "invalid_request",
      error_description:
        "Multiple user assigned identities exist, please specify the clientId / resourceId of the identity in the token request",
    });
  });

  it("answers 'Identity not found' for a selector naming an identity the VM does not have", async () => {
    const res = await rawRequest(
      `${emu.imdsEndpoint("vm-multi")}${TOKEN_PATH}&object_id=${ID.app.principalId}`,
      {
        headers: { Metadata: "true" },
      },
    );
    expect(res.status).toBe(400);
    expect(res.json).toEqual({ error: "invalid_request", error_description: "Identity not found" });
  });

  it("selects by msi_res_id on a VM without a system identity", async () => {
    const res = await rawRequest(
      `${emu.imdsEndpoint("vm-multi")}${TOKEN_PATH}&msi_res_id=${encodeURIComponent(ID.vm2.resourceId)}`,
      { headers: { Metadata: "true" } },
    );
    expect(res.status).toBe(200);
    expect(claimsOf((res.json as { access_token: string }).access_token).oid).toBe(
      ID.vm2.principalId,
    );
  });

  it("requires the resource parameter", async () => {
    const res = await rawRequest(
      `${emu.imdsEndpoint("vm1")}/metadata/identity/oauth2/token?api-version=2018-02-01`,
      {
        headers: { Metadata: "true" },
      },
    );
    expect(res.status).toBe(400);
    expect(res.json).toEqual({
      error: "invalid_request",
      error_description: "Required audience parameter not specified",
    });
  });

  it("answers injected faults in order, 429 and 503 with Retry-After, then recovers", async () => {
    emu.injectImdsFaults("vm-multi", [429, 500, 503, 410]);
    const url = `${emu.imdsEndpoint("vm-multi")}${TOKEN_PATH}&client_id=${ID.vm.clientId}`;
    const seen: [number, string | undefined][] = [];
    for (let i = 0; i < 5; i++) {
      const res = await rawRequest(url, { headers: { Metadata: "true" } });
      const retryAfter = res.headers["retry-after"];
      seen.push([res.status, typeof retryAfter === "string" ? retryAfter : undefined]);
    }
    expect(seen).toEqual([
      [429, "1"],
      [500, undefined],
      [503, "1"],
      [410, undefined],
      [200, undefined],
    ]);
  });
});
