/**
 * zerocred pod verifier: runs in an AKS pod (a Job) and proves that the pod's workload identity
 * gets exactly the Key Vault access it was granted. Node 20 built-ins only (bundled into a
 * ConfigMap by `bundle.ts`).
 *
 * Flow: read the projected service-account token from `AZURE_FEDERATED_TOKEN_FILE` (re-read on
 * every exchange: kubelet rotates it), exchange it at Entra ID
 * (`{AZURE_AUTHORITY_HOST}{AZURE_TENANT_ID}/oauth2/v2.0/token`, client credentials with a
 * federated client assertion) for a Key Vault token, read the canary secret and compare its
 * SHA-256 with `ZC_EXPECTED_SHA256`. Prints one JSON result line and a summary line; never a
 * token or a secret value. Exit code 0 iff the outcome is the expected one.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as http from "node:http";
import * as https from "node:https";

export type Expectation = "allow" | "deny";
export type Outcome = Expectation | "error";

export interface TokenClaims {
  readonly aud: string | null;
  readonly iss: string | null;
  readonly oid: string | null;
  readonly tid: string | null;
  readonly exp: number | null;
}

/** One result line (the contract shared with the VM verifier). */
export interface VerificationResult {
  readonly principal: string;
  readonly clientId: string | null;
  readonly tokenClaims: TokenClaims | null;
  /** Vault URI of the check, with its trailing slash. */
  readonly vault?: string;
  readonly secret: string;
  readonly expected: Expectation;
  readonly actual: Outcome;
  readonly status: number;
  readonly attempts: number;
  readonly elapsedMs: number;
  readonly diagnosis: string;
}

/** One (vault, secret, expected) check of `ZC_CHECKS`. */
export interface PodCheck {
  readonly vaultUrl: string;
  readonly secretName: string;
  readonly expectedSha256: string;
  readonly expected: Expectation;
}

export interface PodVerifierConfig {
  readonly clientId: string;
  readonly tenantId: string;
  readonly tokenFile: string;
  readonly authorityHost: string;
  readonly principal: string;
  readonly expected: Expectation;
  readonly vaultUrl: string;
  readonly secretName: string;
  readonly expectedSha256: string;
  readonly timeoutSeconds: number;
  /** Every check to run, in order (the single-secret variables make one); shares one retry budget. */
  readonly checks?: readonly PodCheck[];
}

export type EnvCheck =
  | { readonly ok: true; readonly config: PodVerifierConfig }
  | { readonly ok: false; readonly diagnosis: string; readonly principal: string };

/** Variables the workload identity webhook injects into a mutated pod. */
export const WEBHOOK_ENV = [
  "AZURE_CLIENT_ID",
  "AZURE_TENANT_ID",
  "AZURE_FEDERATED_TOKEN_FILE",
  "AZURE_AUTHORITY_HOST",
] as const;

/**
 * Variables the PodVerification Job sets itself: `ZC_PRINCIPAL`, `ZC_TIMEOUT_SECONDS` and either
 * `ZC_CHECKS` (a JSON array of `{vaultUrl, secretName, expectedSha256, expected}`) or the single-secret
 * `ZC_EXPECTED`, `ZC_VAULT_URL`, `ZC_SECRET_NAME`, `ZC_EXPECTED_SHA256`.
 */
export const JOB_ENV = [
  "ZC_PRINCIPAL",
  "ZC_EXPECTED",
  "ZC_VAULT_URL",
  "ZC_SECRET_NAME",
  "ZC_EXPECTED_SHA256",
  "ZC_TIMEOUT_SECONDS",
] as const;

/** Entra error codes that also occur while a new federated credential propagates. */
export const PROPAGATION_AADSTS = [70021, 700211, 700212, 700213] as const;
/**
 * Entra error codes a just-created identity returns while it replicates through the directory:
 * `AADSTS700016` (application with this client id not found in the directory) and `AADSTS70025`
 * ("The client '…' has no configured federated identity credentials"). Both are listed in Entra's
 * error code reference (https://learn.microsoft.com/entra/identity-platform/reference-error-codes).
 * Retried, but only for REPLICATION_RETRY_BUDGET_MS from the first one seen: a wrong client id or
 * an identity without any credential fails with its own diagnosis instead of using the whole budget.
 */
export const REPLICATION_AADSTS = [700016, 70025] as const;
/** How long replication errors are retried (from the first one), bounded by ZC_TIMEOUT_SECONDS too. */
export const REPLICATION_RETRY_BUDGET_MS = 5 * 60 * 1000;
/** Assertion outside its validity window: the next attempt re-reads the (rotated) token file. */
export const AADSTS_ASSERTION_EXPIRED = 700024;
const MAX_EXPIRED_ASSERTION_ATTEMPTS = 3;
/** Consecutive network failures reaching Entra ID before giving up (not a propagation issue). */
const MAX_NETWORK_ERRORS = 3;
const KEY_VAULT_SCOPE = "https://vault.azure.net/.default";
const KEY_VAULT_API_VERSION = "7.5";
const BACKOFF_BASE_MS = 1000;
const BACKOFF_CAP_MS = 8000;
const REQUEST_TIMEOUT_MS = 30_000;
/** The largest ZC_TIME_SCALE (the VM script applies the same bound). */
export const MAX_TIME_SCALE = 1000;

/** Validates the environment; a missing webhook variable names the likely cause. */
export function readEnv(env: Readonly<Record<string, string | undefined>>): EnvCheck {
  const principal = env.ZC_PRINCIPAL?.trim() || "workload";
  const scale = timeScaleOf(env.ZC_TIME_SCALE);
  if (typeof scale === "string") {
    return { ok: false, principal, diagnosis: scale };
  }
  const missingWebhook = WEBHOOK_ENV.filter((k) => !env[k]?.trim());
  if (missingWebhook.length > 0) {
    return {
      ok: false,
      principal,
      diagnosis:
        `Missing ${missingWebhook.join(", ")}: the workload identity webhook did not mutate this pod. ` +
        `Likely cause: the pod template lacks the label azure.workload.identity/use: "true", or the ` +
        `service account lacks the annotation azure.workload.identity/client-id ` +
        `(or the cluster does not have workload identity enabled).`,
    };
  }
  if (env.ZC_CHECKS?.trim()) {
    return readChecksEnv(env, principal);
  }
  const missingJob = JOB_ENV.filter((k) => !env[k]?.trim());
  if (missingJob.length > 0) {
    return {
      ok: false,
      principal,
      diagnosis: `Missing ${missingJob.join(", ")}: the verification Job's container env is incomplete.`,
    };
  }
  const expected = env.ZC_EXPECTED?.trim();
  if (expected !== "allow" && expected !== "deny") {
    return {
      ok: false,
      principal,
      diagnosis: `ZC_EXPECTED is '${expected}': set it to 'allow' or 'deny'.`,
    };
  }
  const timeoutSeconds = Number(env.ZC_TIMEOUT_SECONDS);
  if (!Number.isInteger(timeoutSeconds) || timeoutSeconds <= 0) {
    return {
      ok: false,
      principal,
      diagnosis: `ZC_TIMEOUT_SECONDS is '${env.ZC_TIMEOUT_SECONDS}': set a positive whole number of seconds.`,
    };
  }
  const expectedSha256 = (env.ZC_EXPECTED_SHA256 ?? "").trim();
  if (!/^[0-9a-f]{64}$/.test(expectedSha256)) {
    return {
      ok: false,
      principal,
      diagnosis: "ZC_EXPECTED_SHA256 must be the lowercase hex SHA-256 of the canary value.",
    };
  }
  const vaultUrl = (env.ZC_VAULT_URL ?? "").trim();
  if (!vaultUrl.startsWith("https://")) {
    return {
      ok: false,
      principal,
      diagnosis: `ZC_VAULT_URL '${vaultUrl}' is not an https URL: pass the vault's vaultUri.`,
    };
  }
  const secretName = (env.ZC_SECRET_NAME ?? "").trim();
  if (!/^[0-9A-Za-z-]{1,127}$/.test(secretName)) {
    return {
      ok: false,
      principal,
      diagnosis: `ZC_SECRET_NAME '${secretName}' is not a valid secret name: use letters, digits and hyphens.`,
    };
  }
  return {
    ok: true,
    config: {
      clientId: (env.AZURE_CLIENT_ID ?? "").trim(),
      tenantId: (env.AZURE_TENANT_ID ?? "").trim(),
      tokenFile: (env.AZURE_FEDERATED_TOKEN_FILE ?? "").trim(),
      authorityHost: (env.AZURE_AUTHORITY_HOST ?? "").trim(),
      principal,
      expected,
      vaultUrl,
      secretName,
      expectedSha256,
      timeoutSeconds,
    },
  };
}

/** The one check's problem (empty when valid). */
function checkIssue(c: PodCheck, where: string): string | undefined {
  if (c.expected !== "allow" && c.expected !== "deny") {
    return `${where}expected is '${String(c.expected)}': set it to 'allow' or 'deny'.`;
  }
  if (!/^[0-9a-f]{64}$/.test(c.expectedSha256)) {
    return `${where}expectedSha256 must be the lowercase hex SHA-256 of the secret's value.`;
  }
  if (!c.vaultUrl.startsWith("https://")) {
    return `${where}vaultUrl '${c.vaultUrl}' is not an https URL: pass the vault's vaultUri.`;
  }
  if (!/^[0-9A-Za-z-]{1,127}$/.test(c.secretName)) {
    return `${where}secretName '${c.secretName}' is not a valid secret name: use letters, digits and hyphens.`;
  }
  return undefined;
}

function readChecksEnv(
  env: Readonly<Record<string, string | undefined>>,
  principal: string,
): EnvCheck {
  const timeoutSeconds = Number(env.ZC_TIMEOUT_SECONDS);
  if (!Number.isInteger(timeoutSeconds) || timeoutSeconds <= 0) {
    return {
      ok: false,
      principal,
      diagnosis: `ZC_TIMEOUT_SECONDS is '${env.ZC_TIMEOUT_SECONDS}': set a positive whole number of seconds.`,
    };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(env.ZC_CHECKS ?? "");
  } catch {
    raw = undefined;
  }
  if (!Array.isArray(raw) || raw.length === 0) {
    return {
      ok: false,
      principal,
      diagnosis:
        "ZC_CHECKS is not a non-empty JSON array of {vaultUrl, secretName, expectedSha256, expected}.",
    };
  }
  const checks: PodCheck[] = [];
  for (const [i, item] of raw.entries()) {
    const o = (typeof item === "object" && item !== null ? item : {}) as Record<string, unknown>;
    const c: PodCheck = {
      vaultUrl: String(o.vaultUrl ?? "").trim(),
      secretName: String(o.secretName ?? "").trim(),
      expectedSha256: String(o.expectedSha256 ?? "").trim(),
      expected: o.expected as Expectation,
    };
    const issue = checkIssue(c, `ZC_CHECKS[${i}].`);
    if (issue !== undefined) {
      return { ok: false, principal, diagnosis: issue };
    }
    checks.push(c);
  }
  const first = checks[0]!;
  return {
    ok: true,
    config: {
      clientId: (env.AZURE_CLIENT_ID ?? "").trim(),
      tenantId: (env.AZURE_TENANT_ID ?? "").trim(),
      tokenFile: (env.AZURE_FEDERATED_TOKEN_FILE ?? "").trim(),
      authorityHost: (env.AZURE_AUTHORITY_HOST ?? "").trim(),
      principal,
      ...first,
      timeoutSeconds,
      checks,
    },
  };
}

/** `{authorityHost}{tenant}/oauth2/v2.0/token`, joined as URLs (the host may lack its trailing slash). */
export function tokenUrl(authorityHost: string, tenantId: string): string {
  const base = authorityHost.endsWith("/") ? authorityHost : authorityHost + "/";
  return new URL(`${encodeURIComponent(tenantId)}/oauth2/v2.0/token`, base).toString();
}

/** `{vault}/secrets/{name}?api-version=7.5`. */
export function secretUrl(vaultUrl: string, secretName: string): string {
  const base = vaultUrl.endsWith("/") ? vaultUrl : vaultUrl + "/";
  const url = new URL(`secrets/${encodeURIComponent(secretName)}`, base);
  url.searchParams.set("api-version", KEY_VAULT_API_VERSION);
  return url.toString();
}

/** The form body of the federated client-credentials exchange. */
export function tokenRequestBody(clientId: string, assertion: string): string {
  return new URLSearchParams({
    grant_type: "client_credentials",
    client_id: clientId,
    scope: KEY_VAULT_SCOPE,
    client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
    client_assertion: assertion,
  }).toString();
}

/** Non-secret claims of a JWT (no signature check: the vault validates the token). */
export function decodeClaims(jwt: string): TokenClaims | null {
  const parts = jwt.split(".");
  if (parts.length !== 3) {
    return null;
  }
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8"));
  } catch {
    return null;
  }
  if (typeof payload !== "object" || payload === null) {
    return null;
  }
  const p = payload as Record<string, unknown>;
  const s = (v: unknown) =>
    typeof v === "string" ? v : Array.isArray(v) && typeof v[0] === "string" ? v[0] : null;
  return {
    aud: s(p.aud),
    iss: s(p.iss),
    oid: s(p.oid),
    tid: s(p.tid),
    exp: typeof p.exp === "number" ? p.exp : null,
  };
}

/** Lowercase hex SHA-256 of a string's UTF-8 bytes. */
export function fingerprint(value: string): string {
  return crypto.createHash("sha256").update(value, "utf8").digest("hex");
}

/** Equal-jitter exponential backoff before retry `retry` (1-based). */
export function backoffMs(retry: number, random: () => number = Math.random): number {
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, retry - 1));
  return Math.floor(ceiling / 2 + random() * (ceiling / 2));
}

export interface TokenErrorClass {
  readonly retriable: boolean;
  readonly aadsts?: number;
  readonly diagnosis: string;
}

/** The AADSTS code of an Entra error body (`error_codes[0]`, or `AADSTSnnnn` in the description). */
export function aadstsCode(body: unknown): number | undefined {
  if (typeof body !== "object" || body === null) {
    return undefined;
  }
  const b = body as Record<string, unknown>;
  if (Array.isArray(b.error_codes) && typeof b.error_codes[0] === "number") {
    return b.error_codes[0];
  }
  const m = /AADSTS(\d+)/.exec(typeof b.error_description === "string" ? b.error_description : "");
  return m ? Number(m[1]) : undefined;
}

/** Classifies a failed token-endpoint answer. */
export function classifyTokenError(status: number, body: unknown): TokenErrorClass {
  const code = aadstsCode(body);
  const short =
    typeof body === "object" &&
    body !== null &&
    typeof (body as Record<string, unknown>).error_description === "string"
      ? String((body as Record<string, unknown>).error_description)
          .split(/\r?\n/)[0]
          .slice(0, 200)
      : `HTTP ${status}`;
  if (code !== undefined && (PROPAGATION_AADSTS as readonly number[]).includes(code)) {
    return {
      retriable: true,
      aadsts: code,
      diagnosis:
        `${short} (retried: also returned while a new federated credential propagates; if it persists, ` +
        `the federated credential's issuer, subject or audience does not match the token exactly).`,
    };
  }
  if (code !== undefined && (REPLICATION_AADSTS as readonly number[]).includes(code)) {
    return {
      retriable: true,
      aadsts: code,
      diagnosis:
        `${short} (retried: a just-created identity or federated credential replicates for a few minutes; ` +
        `if it persists, the service account's azure.workload.identity/client-id is not the identity's clientId, ` +
        `or the identity has no federated credential for this cluster).`,
    };
  }
  if (code === AADSTS_ASSERTION_EXPIRED) {
    return {
      retriable: true,
      aadsts: code,
      diagnosis: `${short} (the projected token file was stale; it is re-read on each attempt).`,
    };
  }
  if (status === 429 || status >= 500) {
    return { retriable: true, aadsts: code, diagnosis: `Entra ID answered ${status}: ${short}` };
  }
  return { retriable: false, aadsts: code, diagnosis: `Entra ID rejected the exchange: ${short}` };
}

export interface VaultClass {
  readonly actual: Outcome;
  readonly retriable: boolean;
  readonly diagnosis: string;
}

/** Classifies a Key Vault answer for a principal expected to be `expected`. */
export function classifyVaultResponse(
  status: number,
  body: unknown,
  expected: Expectation,
  expectedSha256: string,
): VaultClass {
  const error =
    typeof body === "object" && body !== null
      ? ((body as Record<string, unknown>).error as Record<string, unknown> | undefined)
      : undefined;
  const code = typeof error?.code === "string" ? error.code : "";
  const inner =
    typeof error?.innererror === "object" && error.innererror !== null
      ? (error.innererror as Record<string, unknown>).code
      : undefined;
  if (status === 200) {
    const value =
      typeof body === "object" && body !== null
        ? (body as Record<string, unknown>).value
        : undefined;
    if (expected === "deny") {
      return {
        actual: "allow",
        retriable: false,
        diagnosis:
          "Read the secret although access should be denied: remove the role assignment that grants it.",
      };
    }
    if (typeof value === "string" && fingerprint(value) === expectedSha256) {
      return {
        actual: "allow",
        retriable: false,
        diagnosis: "Read the secret; its SHA-256 matches the expected fingerprint.",
      };
    }
    return {
      actual: "error",
      retriable: false,
      diagnosis:
        "Read a secret whose SHA-256 does not match ZC_EXPECTED_SHA256: wrong vault or secret version.",
    };
  }
  if (status === 403) {
    if (inner === "ForbiddenByRbac") {
      return expected === "allow"
        ? {
            actual: "deny",
            retriable: true,
            diagnosis:
              "403 ForbiddenByRbac: no effective role assignment yet (RBAC propagation can take up to 10 minutes).",
          }
        : { actual: "deny", retriable: false, diagnosis: "403 ForbiddenByRbac, as expected." };
    }
    return {
      actual: "error",
      retriable: false,
      diagnosis: `403 ${typeof inner === "string" ? inner : code || "Forbidden"} is not an RBAC denial (vault firewall, private endpoint or policy): fix the network path.`,
    };
  }
  if (status === 429 || status >= 500) {
    return {
      actual: "error",
      retriable: true,
      diagnosis: `Key Vault answered ${status} (throttled or unavailable).`,
    };
  }
  const message =
    typeof error?.message === "string" ? error.message.split(/\r?\n/)[0].slice(0, 160) : "";
  if (status === 401) {
    return {
      actual: "error",
      retriable: false,
      diagnosis: `401 ${code}: the vault rejected the token: ${message}`,
    };
  }
  if (status === 404) {
    return {
      actual: "error",
      retriable: false,
      diagnosis: `404 ${code}: the secret does not exist in the vault.`,
    };
  }
  return { actual: "error", retriable: false, diagnosis: `Key Vault answered ${status} ${code}.` };
}

interface HttpAnswer {
  readonly status: number;
  readonly body: unknown;
}

class NetworkError extends Error {}

function request(
  url: string,
  options: { method: string; headers: Record<string, string>; body?: string; timeoutMs: number },
): Promise<HttpAnswer> {
  const target = new URL(url);
  const mod = target.protocol === "http:" ? http : https;
  return new Promise((resolve, reject) => {
    const req = mod.request(
      target,
      { method: options.method, headers: options.headers, timeout: options.timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let body: unknown = undefined;
          try {
            body = text ? JSON.parse(text) : undefined;
          } catch {
            body = undefined;
          }
          resolve({ status: res.statusCode ?? 0, body });
        });
        res.on("error", (e) => reject(new NetworkError(e.message)));
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer within ${options.timeoutMs} ms`)));
    req.on("error", (e) => reject(new NetworkError(`${target.host}: ${e.message}`)));
    if (options.body !== undefined) {
      req.write(options.body);
    }
    req.end();
  });
}

export interface VerifyDeps {
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

/** Runs the whole proof for one principal. Never throws; never returns a token or value. */
export async function verify(
  config: PodVerifierConfig,
  deps: VerifyDeps = {},
): Promise<VerificationResult> {
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const random = deps.random ?? Math.random;
  const start = now();
  const deadline = start + config.timeoutSeconds * 1000;
  let attempts = 0;
  let status = 0;
  let claims: TokenClaims | null = null;
  let accessToken: string | undefined;
  let accessTokenExp = 0;
  let expiredAssertions = 0;
  /** When the first replication error (700016 / 70025) was seen. */
  let replicationSince: number | undefined;
  let networkErrors = 0;
  let retry = 0;

  const done = (actual: Outcome, diagnosis: string): VerificationResult => ({
    principal: config.principal,
    clientId: config.clientId,
    tokenClaims: claims,
    vault: config.vaultUrl.endsWith("/") ? config.vaultUrl : `${config.vaultUrl}/`,
    secret: config.secretName,
    expected: config.expected,
    actual,
    status,
    attempts,
    elapsedMs: now() - start,
    diagnosis,
  });
  /** Waits before the next attempt; false when that would pass the deadline. */
  const backoff = async (): Promise<boolean> => {
    retry += 1;
    const wait = backoffMs(retry, random);
    if (now() + wait >= deadline) {
      return false;
    }
    await sleep(wait);
    return true;
  };
  const remaining = () => Math.max(1000, Math.min(REQUEST_TIMEOUT_MS, deadline - now()));
  const gaveUp = (d: string) =>
    `${d} Gave up after ${attempts} attempts: ZC_TIMEOUT_SECONDS (${config.timeoutSeconds}) reached.`;

  for (;;) {
    // 1. Token exchange (unless the previous access token is still good for a minute).
    if (accessToken === undefined || accessTokenExp * 1000 - now() < 60_000) {
      let assertion: string;
      try {
        assertion = fs.readFileSync(config.tokenFile, "utf8").trim();
      } catch (e) {
        return done(
          "error",
          `Cannot read AZURE_FEDERATED_TOKEN_FILE (${config.tokenFile}): ${(e as NodeJS.ErrnoException).code ?? "error"}. ` +
            `The projected service-account token volume is missing: check the pod label azure.workload.identity/use.`,
        );
      }
      attempts += 1;
      let answer: HttpAnswer;
      try {
        answer = await request(tokenUrl(config.authorityHost, config.tenantId), {
          method: "POST",
          headers: {
            "content-type": "application/x-www-form-urlencoded",
            accept: "application/json",
          },
          body: tokenRequestBody(config.clientId, assertion),
          timeoutMs: remaining(),
        });
      } catch (e) {
        status = 0;
        networkErrors += 1;
        const d = `Entra ID unreachable at ${config.authorityHost} (network error): ${(e as Error).message}.`;
        if (networkErrors >= MAX_NETWORK_ERRORS) {
          return done("error", `${d} Check the cluster's egress to the authority host.`);
        }
        if (await backoff()) {
          continue;
        }
        return done("error", gaveUp(d));
      }
      status = answer.status;
      const body = answer.body as Record<string, unknown> | undefined;
      if (status === 200 && typeof body?.access_token === "string") {
        accessToken = body.access_token;
        claims = decodeClaims(accessToken);
        accessTokenExp =
          claims?.exp ??
          Math.floor(now() / 1000) + (typeof body.expires_in === "number" ? body.expires_in : 300);
        expiredAssertions = 0;
        networkErrors = 0;
      } else {
        const c = classifyTokenError(status, answer.body);
        if (c.aadsts === AADSTS_ASSERTION_EXPIRED) {
          expiredAssertions += 1;
        }
        let replicationOver = false;
        if (
          c.aadsts !== undefined &&
          (REPLICATION_AADSTS as readonly number[]).includes(c.aadsts)
        ) {
          replicationSince ??= now();
          replicationOver = now() - replicationSince >= REPLICATION_RETRY_BUDGET_MS;
        }
        if (replicationOver) {
          return done(
            "error",
            `${c.diagnosis} Gave up after ${attempts} attempts: still failing ${Math.round(REPLICATION_RETRY_BUDGET_MS / 60000)} minutes after the first one.`,
          );
        }
        const retriable = c.retriable && expiredAssertions < MAX_EXPIRED_ASSERTION_ATTEMPTS;
        if (retriable && (await backoff())) {
          continue;
        }
        return done("error", retriable ? gaveUp(c.diagnosis) : c.diagnosis);
      }
    }
    // 2. Key Vault read.
    attempts += 1;
    let answer: HttpAnswer;
    try {
      answer = await request(secretUrl(config.vaultUrl, config.secretName), {
        method: "GET",
        headers: { authorization: `Bearer ${accessToken}`, accept: "application/json" },
        timeoutMs: remaining(),
      });
    } catch (e) {
      status = 0;
      return done(
        "error",
        `Key Vault unreachable (network error, not a denial): ${(e as Error).message}. Check DNS, the vault firewall / service endpoint and egress.`,
      );
    }
    status = answer.status;
    const c = classifyVaultResponse(status, answer.body, config.expected, config.expectedSha256);
    if (c.retriable && (await backoff())) {
      continue;
    }
    return done(c.actual, c.retriable ? gaveUp(c.diagnosis) : c.diagnosis);
  }
}

/** One JSON line per result. */
export function formatResult(result: VerificationResult): string {
  return JSON.stringify({
    principal: result.principal,
    clientId: result.clientId,
    tokenClaims: result.tokenClaims,
    ...(result.vault !== undefined ? { vault: result.vault } : {}),
    secret: result.secret,
    expected: result.expected,
    actual: result.actual,
    status: result.status,
    attempts: result.attempts,
    elapsedMs: result.elapsedMs,
    diagnosis: result.diagnosis,
  });
}

/** The summary line. */
export function formatSummary(results: readonly VerificationResult[]): string {
  const passed = results.filter((r) => r.actual === r.expected).length;
  return JSON.stringify({
    summary: { total: results.length, passed, failed: results.length - passed },
    ok: results.length > 0 && passed === results.length,
  });
}

/**
 * `ZC_TIME_SCALE` (simulation and tests only; the components never set it): a whole factor from 1
 * to 1000 by which the verifier's clock runs fast — every wait takes 1/scale of its time and the
 * clock (deadline, elapsedMs, the replication budget) advances scale times as fast, so the same
 * attempts happen in the same order against emulators whose propagation delay is scaled alike.
 * Returns the factor (1 when unset) or the diagnosis of a bad value.
 */
export function timeScaleOf(
  value: string | undefined,
  name: string = "ZC_TIME_SCALE",
): number | string {
  const raw = value?.trim();
  if (raw === undefined || raw === "") {
    return 1;
  }
  const scale = Number(raw);
  return /^[1-9][0-9]*$/.test(raw) && scale <= MAX_TIME_SCALE
    ? scale
    : `${name} '${raw}' is not a whole number from 1 to ${MAX_TIME_SCALE} (leave it unset outside the simulation).`;
}

/** A clock running `scale` times as fast as real time from now, and its sleep. */
export function scaledClock(scale: number): Required<Pick<VerifyDeps, "now" | "sleep">> {
  const origin = Date.now();
  return {
    now: () => origin + (Date.now() - origin) * scale,
    sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms / scale)),
  };
}

/** Entry point: returns the exit code (0 iff the outcome is the expected one). */
export async function main(
  env: Readonly<Record<string, string | undefined>> = process.env,
  write: (line: string) => void = (line) => process.stdout.write(line + "\n"),
  deps: VerifyDeps = {},
): Promise<number> {
  const checked = readEnv(env);
  // readEnv refused a bad ZC_TIME_SCALE; a valid one other than 1 runs the verifier's clock fast.
  const scale = timeScaleOf(env.ZC_TIME_SCALE);
  if (checked.ok && typeof scale === "number" && scale !== 1 && !deps.now && !deps.sleep) {
    deps = { ...deps, ...scaledClock(scale) };
  }
  const results: VerificationResult[] = [];
  if (!checked.ok) {
    const expected = env.ZC_EXPECTED === "deny" ? "deny" : "allow";
    results.push({
      principal: checked.principal,
      clientId: env.AZURE_CLIENT_ID?.trim() || null,
      tokenClaims: null,
      secret: env.ZC_SECRET_NAME?.trim() ?? "",
      expected,
      actual: "error",
      status: 0,
      attempts: 0,
      elapsedMs: 0,
      diagnosis: checked.diagnosis,
    });
  } else {
    const config = checked.config;
    const checks = config.checks ?? [config];
    // The checks share one retry budget: each gets what is left of ZC_TIMEOUT_SECONDS.
    const now = deps.now ?? Date.now;
    const deadline = now() + config.timeoutSeconds * 1000;
    for (const check of checks) {
      const left = Math.max(1, Math.ceil((deadline - now()) / 1000));
      const result = await verify(
        {
          ...config,
          vaultUrl: check.vaultUrl,
          secretName: check.secretName,
          expectedSha256: check.expectedSha256,
          expected: check.expected,
          timeoutSeconds: left,
        },
        deps,
      );
      results.push(result);
      write(formatResult(result));
    }
  }
  if (!checked.ok) {
    write(formatResult(results[0]!));
  }
  write(formatSummary(results));
  return results.every((r) => r.actual === r.expected) ? 0 : 1;
}

// Guarded so that importing the module (tests, bundler) never runs it.
if (typeof require !== "undefined" && typeof module !== "undefined" && require.main === module) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stdout.write(
        JSON.stringify({
          summary: { total: 0, passed: 0, failed: 0 },
          ok: false,
          diagnosis: `verifier crashed: ${(e as Error).message}`,
        }) + "\n",
      );
      process.exitCode = 2;
    },
  );
}
