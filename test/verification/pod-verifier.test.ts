/**
 * The pod verifier: its pure parts, and the bundled artifact (exactly what the Job runs) against the
 * Entra, cluster-issuer and Key Vault emulators. Every output is scanned: no token, no secret value.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulators, type Emulators } from "../../sim/emulators/index";
import { POD_VERIFIER_FILE_NAME, podVerifierBundle } from "../../components/verification/bundle";
import {
  backoffMs,
  classifyTokenError,
  classifyVaultResponse,
  decodeClaims,
  main,
  readEnv,
  scaledClock,
  timeScaleOf,
  secretUrl,
  tokenRequestBody,
  tokenUrl,
} from "../../components/verification/pod-verifier";
import {
  APP,
  CANARY,
  CANARY_SHA256,
  OTHER,
  SECRETS_USER,
  TENANT,
  VAULT_ID,
  baseEnv,
  run,
  tempDir,
  until,
  world,
  type RunOutput,
} from "./world";
import { TEST_TIME_SCALE } from "../harness/time-scale";

const transcripts: string[] = [];
const minted: string[] = [];
let emu: Emulators;
let tmp: { dir: string; remove: () => void };
let verifierJs: string;
let fileCounter = 0;

beforeAll(async () => {
  emu = await startEmulators(world());
  tmp = tempDir();
  verifierJs = path.join(tmp.dir, POD_VERIFIER_FILE_NAME);
  fs.writeFileSync(verifierJs, podVerifierBundle());
});

afterAll(async () => {
  await emu?.close();
  tmp?.remove();
});

async function tokenFile(
  e: Emulators,
  serviceAccount: string,
  opts?: Parameters<Emulators["mintServiceAccountToken"]>[3],
): Promise<string> {
  const token = await e.mintServiceAccountToken("aks", "apps", serviceAccount, opts);
  minted.push(token);
  const file = path.join(tmp.dir, `token-${fileCounter++}`);
  fs.writeFileSync(file, token, { mode: 0o600 });
  return file;
}

function podEnv(
  e: Emulators,
  file: string,
  clientId: string,
  principal: string,
  expected: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return baseEnv({
    AZURE_CLIENT_ID: clientId,
    AZURE_TENANT_ID: TENANT,
    AZURE_FEDERATED_TOKEN_FILE: file,
    // Without its trailing slash: the verifier must join URLs properly either way.
    AZURE_AUTHORITY_HOST: e.authorityHost.replace(/\/$/, ""),
    NODE_EXTRA_CA_CERTS: e.caFile,
    ZC_PRINCIPAL: principal,
    ZC_EXPECTED: expected,
    ZC_VAULT_URL: e.vaultUrl("zc-kv"),
    ZC_SECRET_NAME: "canary",
    ZC_EXPECTED_SHA256: CANARY_SHA256,
    ZC_TIMEOUT_SECONDS: "20",
    ZC_TIME_SCALE: String(TEST_TIME_SCALE),
    ...extra,
  });
}

async function verify(env: Record<string, string>): Promise<RunOutput> {
  const out = await run(process.execPath, [verifierJs], env);
  transcripts.push(out.stdout, out.stderr);
  return out;
}

describe("pure parts", () => {
  it.each([
    [
      "https://login.microsoftonline.com/",
      `https://login.microsoftonline.com/${TENANT}/oauth2/v2.0/token`,
    ],
    [
      "https://login.microsoftonline.com",
      `https://login.microsoftonline.com/${TENANT}/oauth2/v2.0/token`,
    ],
    ["https://127.0.0.1:4443/", `https://127.0.0.1:4443/${TENANT}/oauth2/v2.0/token`],
  ])("tokenUrl(%j) joins without a double slash", (host, url) => {
    expect(tokenUrl(host, TENANT)).toBe(url);
  });

  it("secretUrl joins the vault URI with or without its trailing slash", () => {
    expect(secretUrl("https://x.vault.azure.net/", "canary")).toBe(
      "https://x.vault.azure.net/secrets/canary?api-version=7.5",
    );
    expect(secretUrl("https://x.vault.azure.net", "canary")).toBe(
      "https://x.vault.azure.net/secrets/canary?api-version=7.5",
    );
  });

  it("builds the client-credentials form with the federated assertion", () => {
    expect(
      Object.fromEntries(new URLSearchParams(tokenRequestBody(APP.clientId, "a.b.c"))),
    ).toEqual({
      grant_type: "client_credentials",
      client_id: APP.clientId,
      scope: "https://vault.azure.net/.default",
      client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
      client_assertion: "a.b.c",
    });
  });

  it("names the likely cause when the webhook variables are missing", () => {
    expect(readEnv({ ZC_PRINCIPAL: "app", AZURE_CLIENT_ID: APP.clientId })).toEqual({
      ok: false,
      principal: "app",
      diagnosis:
        "Missing AZURE_TENANT_ID, AZURE_FEDERATED_TOKEN_FILE, AZURE_AUTHORITY_HOST: the workload identity " +
        'webhook did not mutate this pod. Likely cause: the pod template lacks the label azure.workload.identity/use: "true", ' +
        "or the service account lacks the annotation azure.workload.identity/client-id (or the cluster does not have " +
        "workload identity enabled).",
    });
  });

  it("names the Job's missing variables separately", () => {
    const r = readEnv({
      AZURE_CLIENT_ID: "c",
      AZURE_TENANT_ID: "t",
      AZURE_FEDERATED_TOKEN_FILE: "/f",
      AZURE_AUTHORITY_HOST: "https://h/",
      ZC_PRINCIPAL: "app",
    });
    expect(r).toEqual({
      ok: false,
      principal: "app",
      diagnosis:
        "Missing ZC_EXPECTED, ZC_VAULT_URL, ZC_SECRET_NAME, ZC_EXPECTED_SHA256, ZC_TIMEOUT_SECONDS: the verification Job's container env is incomplete.",
    });
  });

  it.each([
    [undefined, 1],
    ["", 1],
    ["1", 1],
    ["2", 2],
    ["1000", 1000],
  ])("ZC_TIME_SCALE %j is the factor %d", (raw, factor) => {
    expect(timeScaleOf(raw)).toBe(factor);
  });

  it.each(["0", "1001", "2.5", "-3", "010", "fast", "1e2"])(
    "ZC_TIME_SCALE %j is refused, naming the variable and the bound",
    (raw) => {
      expect(timeScaleOf(raw)).toBe(
        `ZC_TIME_SCALE '${raw}' is not a whole number from 1 to 1000 (leave it unset outside the simulation).`,
      );
      expect(timeScaleOf(raw, "ZEROCRED_TIME_SCALE")).toMatch(/^ZEROCRED_TIME_SCALE '/);
    },
  );

  it("a scaled clock sleeps 1/scale of the time and advances scale times as fast", async () => {
    const clock = scaledClock(100);
    const realStart = Date.now();
    const worldStart = clock.now();
    await clock.sleep(5000);
    const real = Date.now() - realStart;
    // 5 s of the clock took about 50 ms; the clock counts the real time 100 times over.
    expect(real).toBeLessThan(1000);
    expect(clock.now() - worldStart).toBeGreaterThanOrEqual(4900);
    expect(clock.now() - worldStart).toBeGreaterThanOrEqual(real * 100 - 100);
  });

  it("a bad ZC_TIME_SCALE is an error result before any request (exit 1, the setting named)", async () => {
    const lines: string[] = [];
    const code = await main(
      { ZC_PRINCIPAL: "app", ZC_EXPECTED: "deny", ZC_TIME_SCALE: "0" },
      (line) => lines.push(line),
    );
    expect(code).toBe(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      principal: "app",
      expected: "deny",
      actual: "error",
      attempts: 0,
      diagnosis:
        "ZC_TIME_SCALE '0' is not a whole number from 1 to 1000 (leave it unset outside the simulation).",
    });
  });

  it.each([70021, 700211, 700212, 700213])(
    "retries AADSTS%i (federated credential propagation)",
    (code) => {
      const c = classifyTokenError(400, {
        error: "invalid_client",
        error_codes: [code],
        error_description: `AADSTS${code}: x`,
      });
      expect(c.retriable).toBe(true);
      expect(c.aadsts).toBe(code);
    },
  );

  it.each([70025, 700016])(
    "retries AADSTS%i (a just-created identity replicating), naming the likely mistake",
    (code) => {
      const c = classifyTokenError(400, {
        error: "invalid_client",
        error_codes: [code],
        error_description: `AADSTS${code}: x`,
      });
      expect(c).toMatchObject({ retriable: true, aadsts: code });
      expect(c.diagnosis).toContain("is not the identity's clientId");
    },
  );

  it.each([
    [401, 50027],
    [400, 7002138],
  ])("fails fast on HTTP %i AADSTS%i", (status, code) => {
    const c = classifyTokenError(status, {
      error_codes: [code],
      error_description: `AADSTS${code}: nope`,
    });
    expect(c).toEqual({
      retriable: false,
      aadsts: code,
      diagnosis: `Entra ID rejected the exchange: AADSTS${code}: nope`,
    });
  });

  it("retries ForbiddenByRbac only when access is expected", () => {
    const body = { error: { code: "Forbidden", innererror: { code: "ForbiddenByRbac" } } };
    expect(classifyVaultResponse(403, body, "allow", CANARY_SHA256).retriable).toBe(true);
    expect(classifyVaultResponse(403, body, "deny", CANARY_SHA256)).toEqual({
      actual: "deny",
      retriable: false,
      diagnosis: "403 ForbiddenByRbac, as expected.",
    });
    expect(
      classifyVaultResponse(
        403,
        { error: { code: "Forbidden", innererror: { code: "ForbiddenByFirewall" } } },
        "deny",
        CANARY_SHA256,
      ),
    ).toMatchObject({ actual: "error", retriable: false });
  });

  it("compares the value's fingerprint, never the value", () => {
    expect(classifyVaultResponse(200, { value: CANARY }, "allow", CANARY_SHA256).actual).toBe(
      "allow",
    );
    expect(classifyVaultResponse(200, { value: "other" }, "allow", CANARY_SHA256).actual).toBe(
      "error",
    );
  });

  it("decodes only the non-secret claims", () => {
    const payload = Buffer.from(
      JSON.stringify({
        aud: "https://vault.azure.net",
        iss: "i",
        oid: "o",
        tid: "t",
        exp: 5,
        appid: "x",
      }),
    ).toString("base64url");
    expect(decodeClaims(`h.${payload}.s`)).toEqual({
      aud: "https://vault.azure.net",
      iss: "i",
      oid: "o",
      tid: "t",
      exp: 5,
    });
    expect(decodeClaims("not-a-jwt")).toBeNull();
  });

  it("keeps jittered backoff within [ceiling/2, ceiling] capped at 8 s", () => {
    expect(backoffMs(1, () => 0)).toBe(500);
    expect(backoffMs(1, () => 0.999999)).toBe(999);
    expect(backoffMs(3, () => 0)).toBe(2000);
    expect(backoffMs(10, () => 0.999999)).toBe(7999);
  });
});

describe("bundled pod verifier against the emulators", () => {
  it("proves the allowed workload reads the canary", async () => {
    const out = await verify(
      podEnv(emu, await tokenFile(emu, "app"), APP.clientId, "app", "allow"),
    );
    expect(out.stderr).toBe("");
    expect(out.code).toBe(0);
    expect(out.lines).toEqual([
      {
        principal: "app",
        clientId: APP.clientId,
        tokenClaims: {
          aud: "https://vault.azure.net",
          iss: `https://sts.windows.net/${TENANT}/`,
          oid: APP.principalId,
          tid: TENANT,
          exp: expect.any(Number),
        },
        vault: emu.vaultUrl("zc-kv"),
        secret: "canary",
        expected: "allow",
        actual: "allow",
        status: 200,
        attempts: 2,
        elapsedMs: expect.any(Number),
        diagnosis: "Read the secret; its SHA-256 matches the expected fingerprint.",
      },
      { summary: { total: 1, passed: 1, failed: 0 }, ok: true },
    ]);
  });

  it("runs every ZC_CHECKS entry under one identity: one result line per (vault, secret)", async () => {
    const env = podEnv(emu, await tokenFile(emu, "app"), APP.clientId, "app", "allow", {
      ZC_CHECKS: JSON.stringify([
        {
          vaultUrl: emu.vaultUrl("zc-kv"),
          secretName: "canary",
          expectedSha256: CANARY_SHA256,
          expected: "allow",
        },
        {
          vaultUrl: emu.vaultUrl("zc-kv"),
          secretName: "missing",
          expectedSha256: CANARY_SHA256,
          expected: "deny",
        },
      ]),
    });
    for (const k of ["ZC_EXPECTED", "ZC_VAULT_URL", "ZC_SECRET_NAME", "ZC_EXPECTED_SHA256"]) {
      delete env[k];
    }
    const out = await verify(env);
    expect(out.lines.map((l) => [l.secret, l.expected, l.actual, l.status])).toEqual([
      ["canary", "allow", "allow", 200],
      // A missing secret is an error, never mistaken for the expected denial.
      ["missing", "deny", "error", 404],
      [undefined, undefined, undefined, undefined],
    ]);
    expect(out.lines[2]).toEqual({ summary: { total: 2, passed: 1, failed: 1 }, ok: false });
    expect(out.code).toBe(1);
  });

  it("rejects a malformed ZC_CHECKS entry before any request, naming it", async () => {
    const out = await verify(
      podEnv(emu, "/nonexistent", APP.clientId, "app", "allow", {
        ZC_CHECKS: JSON.stringify([
          {
            vaultUrl: "http://x",
            secretName: "a",
            expectedSha256: CANARY_SHA256,
            expected: "allow",
          },
        ]),
      }),
    );
    expect(out.code).toBe(1);
    expect(out.lines[0]!.diagnosis).toBe(
      "ZC_CHECKS[0].vaultUrl 'http://x' is not an https URL: pass the vault's vaultUri.",
    );
  });

  it("proves the expected denial with a 403 from the vault", async () => {
    const out = await verify(
      podEnv(emu, await tokenFile(emu, "other"), OTHER.clientId, "other", "deny"),
    );
    expect(out.code).toBe(0);
    expect(out.lines[0]).toMatchObject({
      actual: "deny",
      status: 403,
      attempts: 2,
      diagnosis: "403 ForbiddenByRbac, as expected.",
    });
  });

  it("treats an unreachable vault as an error, not as the expected denial", async () => {
    const out = await verify(
      podEnv(emu, await tokenFile(emu, "other"), OTHER.clientId, "other", "deny", {
        ZC_VAULT_URL: "https://127.0.0.1:9/",
      }),
    );
    expect(out.code).toBe(1);
    expect(out.lines[0]).toMatchObject({ expected: "deny", actual: "error", status: 0 });
    expect(String(out.lines[0].diagnosis)).toMatch(
      /^Key Vault unreachable \(network error, not a denial\)/,
    );
  });

  it("gives up after 3 network failures reaching Entra ID", async () => {
    const out = await verify(
      podEnv(emu, await tokenFile(emu, "app"), APP.clientId, "app", "allow", {
        AZURE_AUTHORITY_HOST: "https://127.0.0.1:9/",
      }),
    );
    expect(out.code).toBe(1);
    expect(out.lines[0]).toMatchObject({
      actual: "error",
      status: 0,
      attempts: 3,
      tokenClaims: null,
    });
    expect(String(out.lines[0].diagnosis)).toMatch(
      /^Entra ID unreachable at https:\/\/127\.0\.0\.1:9\/ \(network error\): .* Check the cluster's egress to the authority host\.$/,
    );
  });

  it("fails with a diagnosis naming the pod label and SA annotation when not mutated", async () => {
    const env = podEnv(emu, "/nonexistent", APP.clientId, "app", "allow");
    for (const k of [
      "AZURE_CLIENT_ID",
      "AZURE_TENANT_ID",
      "AZURE_FEDERATED_TOKEN_FILE",
      "AZURE_AUTHORITY_HOST",
    ]) {
      delete env[k];
    }
    const out = await verify(env);
    expect(out.code).toBe(1);
    expect(out.lines[0]).toMatchObject({
      principal: "app",
      actual: "error",
      attempts: 0,
      tokenClaims: null,
    });
    expect(String(out.lines[0].diagnosis)).toContain(
      'the pod template lacks the label azure.workload.identity/use: "true", or the service account lacks the annotation azure.workload.identity/client-id',
    );
  });

  it("re-reads the token file on every attempt (kubelet rotation replaces a stale token)", async () => {
    const file = await tokenFile(emu, "app", {
      expiresInSeconds: -120,
      notBefore: Math.floor(Date.now() / 1000) - 3720,
    });
    const fresh = await emu.mintServiceAccountToken("aks", "apps", "app");
    minted.push(fresh);
    const before = emu.requestCounts().entraToken;
    const pending = verify(podEnv(emu, file, APP.clientId, "app", "allow"));
    // Rotate once the stale token has been presented (the retry waits >= 500 ms on the verifier's
    // clock, a tenth of that in real time at TEST_TIME_SCALE).
    await until(() => emu.requestCounts().entraToken !== before);
    fs.writeFileSync(file, fresh);
    const out = await pending;
    expect(out.code).toBe(0);
    expect(out.lines[0]).toMatchObject({ actual: "allow", status: 200, attempts: 3 });
  });

  it("fails on an expired assertion that is never rotated (AADSTS700024)", async () => {
    const file = await tokenFile(emu, "app", {
      expiresInSeconds: -120,
      notBefore: Math.floor(Date.now() / 1000) - 3720,
    });
    const out = await verify(podEnv(emu, file, APP.clientId, "app", "allow"));
    expect(out.code).toBe(1);
    expect(out.lines[0]).toMatchObject({
      actual: "error",
      status: 401,
      attempts: 3,
      tokenClaims: null,
    });
    expect(String(out.lines[0].diagnosis)).toMatch(
      /^AADSTS700024: Client assertion is not within its valid time range/,
    );
  });

  it("retries a subject mismatch (AADSTS700213) within the budget, then fails with the cause", async () => {
    const out = await verify(
      // 10 s of the verifier's clock (1 s real): room for a retry however slow the machine.
      podEnv(emu, await tokenFile(emu, "intruder"), APP.clientId, "app", "allow", {
        ZC_TIMEOUT_SECONDS: "10",
      }),
    );
    expect(out.code).toBe(1);
    expect(out.lines[0]).toMatchObject({ actual: "error", tokenClaims: null });
    expect(out.lines[0].attempts).toBeGreaterThanOrEqual(2);
    expect(String(out.lines[0].diagnosis)).toMatch(
      /^AADSTS700213: .*the federated credential's issuer, subject or audience does not match the token exactly\)\. Gave up after \d+ attempts: ZC_TIMEOUT_SECONDS \(10\) reached\.$/,
    );
  });

  it("retries a mismatched issuer (AADSTS700211) and reports it", async () => {
    const out = await verify(
      podEnv(
        emu,
        await tokenFile(emu, "app", {
          issuerOverride: "https://westeurope.oic.prod-aks.azure.com/other/",
        }),
        APP.clientId,
        "app",
        "allow",
        { ZC_TIMEOUT_SECONDS: "2" },
      ),
    );
    expect(out.code).toBe(1);
    expect(String(out.lines[0].diagnosis)).toMatch(/^AADSTS700211: /);
  });

  it("waits out RBAC propagation for an allowed workload, then succeeds", async () => {
    const e = await startEmulators(world({ grantApp: false }));
    try {
      const pending = verify(podEnv(e, await tokenFile(e, "app"), APP.clientId, "app", "allow"));
      // The role is assigned once the verifier has been denied — whatever the machine's load, it
      // has seen a 403 — and takes effect 2 s later on the verifier's clock.
      await until(() => (e.requestCounts().vaultByPrincipal[APP.principalId] ?? 0) > 0);
      e.addRoleAssignment(
        { principalId: APP.principalId, roleDefinitionId: SECRETS_USER, scope: VAULT_ID },
        2000 / TEST_TIME_SCALE,
      );
      const out = await pending;
      expect(out.code).toBe(0);
      expect(out.lines[0]).toMatchObject({ actual: "allow", status: 200 });
      expect(out.lines[0].attempts).toBeGreaterThanOrEqual(3);
      expect(out.lines[0].elapsedMs).toBeGreaterThanOrEqual(1000);
    } finally {
      await e.close();
    }
  });
});

// Output hygiene: after every run of this file (in any order), no token or secret value was printed.
// (Runs with a -t filter may capture little; a full run must have scanned real transcripts.)
afterAll(() => {
  const all = transcripts.join("\n");
  expect(all.length).toBeGreaterThan(transcripts.length >= 6 ? 1000 : 0);
  expect(all).not.toContain(CANARY);
  for (const t of minted) {
    expect(all).not.toContain(t.split(".")[1]);
  }
  expect(all).not.toMatch(/eyJ[A-Za-z0-9_-]{8,}/);
});

describe("retry of a just-created identity (AADSTS700016 / AADSTS70025)", () => {
  it("retries for REPLICATION_RETRY_BUDGET_MS from the first one, then fails naming the cause", async () => {
    const http = await import("node:http");
    const { verify: verifyInProcess, REPLICATION_RETRY_BUDGET_MS } =
      await import("../../components/verification/pod-verifier");
    let calls = 0;
    const server = http.createServer((_req, res) => {
      calls += 1;
      res.writeHead(400, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          error: "unauthorized_client",
          error_codes: [700016],
          error_description: "AADSTS700016: Application with identifier 'x' was not found.",
        }),
      );
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    const file = path.join(tmp.dir, "token-replication");
    fs.writeFileSync(file, "a.b.c");
    let clock = 1_000_000;
    try {
      const result = await verifyInProcess(
        {
          clientId: APP.clientId,
          tenantId: TENANT,
          tokenFile: file,
          authorityHost: `http://127.0.0.1:${port}/`,
          principal: "app",
          expected: "allow",
          vaultUrl: "https://zc-kv.vault.azure.net/",
          secretName: "canary",
          expectedSha256: CANARY_SHA256,
          timeoutSeconds: 3600,
        },
        {
          now: () => clock,
          sleep: async (ms) => {
            clock += ms;
          },
          random: () => 0.5,
        },
      );
      expect(result.actual).toBe("error");
      expect(result.diagnosis).toMatch(
        /^AADSTS700016: .*Gave up after \d+ attempts: still failing 5 minutes after the first one\.$/,
      );
      // Bounded by the replication budget, far below the hour-long ZC_TIMEOUT_SECONDS.
      expect(result.elapsedMs).toBeGreaterThanOrEqual(REPLICATION_RETRY_BUDGET_MS);
      expect(result.elapsedMs).toBeLessThan(REPLICATION_RETRY_BUDGET_MS + 10_000);
      expect(calls).toBeGreaterThan(10);
    } finally {
      server.close();
    }
  });
});
