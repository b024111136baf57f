// Key Vault secrets data plane (HTTPS, one listener per vault): the bearer challenge, token
// validation, RBAC / access-policy authorization and `GET /secrets/{name}[/{version}]`.
import { createHash } from "node:crypto";
import type http from "node:http";
import { createLocalJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from "jose";
import { KEY_VAULT_GET_SECRET } from "../../components/roles";
import { findGrantingAssignment, type TimedRoleAssignment } from "./rbac";
import { requestUrl, sendJson, type Handler } from "./server";
import { nowSeconds, v1Issuer, type SigningKey } from "./tokens";

export const KEY_VAULT_RESOURCE = "https://vault.azure.net";
/** Key Vault's first-party application ID, also accepted as a token audience. */
const KEY_VAULT_APP_ID = "cfa8b339-82a2-471a-a3c9-0fc0be7a4093";
const ACCEPTED_AUDIENCES = [KEY_VAULT_RESOURCE, `${KEY_VAULT_RESOURCE}/`, KEY_VAULT_APP_ID];
/** Data-plane API versions the emulator answers (the 7.x line plus the SDK's current date version). */
export const SUPPORTED_API_VERSIONS: readonly string[] = [
  "7.0",
  "7.1",
  "7.2",
  "7.3",
  "7.4",
  "7.5",
  "7.6",
  "2025-07-01",
];

export interface VaultSecret {
  readonly name: string;
  readonly value: string;
}

export interface VaultState {
  readonly name: string;
  readonly resourceId: string;
  readonly enableRbacAuthorization: boolean;
  readonly secrets: readonly VaultSecret[];
  readonly tenantId: string;
  readonly tokenKey: SigningKey;
  /** Entra emulator origin + tenant, for the challenge's `authorization` parameter. */
  readonly authorityUrl: string;
  /** Live view of all role assignments (the emulator can add some at run time). */
  roleAssignments(): readonly TimedRoleAssignment[];
  /** Epoch ms the secrets were "created" (the emulator's start). */
  readonly createdAt: number;
}

function kvError(
  res: http.ServerResponse,
  status: number,
  code: string,
  message: string,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): void {
  sendJson(res, status, { error: { code, message, ...extra } }, headers);
}

/** Deterministic version ID for a secret (32 hex chars, like Key Vault's). */
export function secretVersion(vaultName: string, secretName: string): string {
  return createHash("sha256").update(`${vaultName}/${secretName}`).digest("hex").slice(0, 32);
}

export function challengeHeader(authorityUrl: string): string {
  return `Bearer authorization="${authorityUrl}", resource="${KEY_VAULT_RESOURCE}"`;
}

type TokenCheck = { claims: JWTPayload } | { message: string };

async function validateBearer(state: VaultState, header: string | undefined): Promise<TokenCheck> {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? "");
  if (!match) {
    return { message: "AKV10000: Request is missing a Bearer or PoP token." };
  }
  const token = match[1]!;
  let claims: JWTPayload;
  try {
    const verified = await jwtVerify(
      token,
      createLocalJWKSet({ keys: [state.tokenKey.publicJwk] }),
      {
        algorithms: ["RS256"],
        // Lifetime is checked below so the message can say which bound failed.
        clockTolerance: 31_536_000,
      },
    );
    claims = verified.payload;
  } catch (err) {
    if (
      err instanceof joseErrors.JWSSignatureVerificationFailed ||
      err instanceof joseErrors.JWKSNoMatchingKey
    ) {
      return { message: "AKV10031: Invalid token signature." };
    }
    return { message: "AKV10002: Invalid token format." };
  }
  const auds = typeof claims.aud === "string" ? [claims.aud] : (claims.aud ?? []);
  if (!auds.some((a) => ACCEPTED_AUDIENCES.includes(a))) {
    return {
      message: `AKV10022: Invalid audience. Expected ${KEY_VAULT_RESOURCE}, found: ${auds.join(",")}.`,
    };
  }
  const expectedIssuer = v1Issuer(state.tenantId);
  if (claims.iss !== expectedIssuer) {
    return {
      message: `AKV10032: Invalid issuer. Expected one of ${expectedIssuer}, found ${String(claims.iss)}.`,
    };
  }
  const now = nowSeconds();
  if (typeof claims.exp !== "number" || claims.exp <= now) {
    return { message: "AKV10020: Invalid token lifetime. The token expired." };
  }
  if (typeof claims.nbf === "number" && claims.nbf > now + 300) {
    return { message: "AKV10020: Invalid token lifetime. The token is not yet valid." };
  }
  return { claims };
}

function callerDescription(claims: JWTPayload): string {
  return `appid=${String(claims.appid ?? "")};oid=${String(claims.oid ?? "")};iss=${String(claims.iss ?? "")}`;
}

export function vaultHandler(
  state: VaultState,
  onRequest?: (principalId: string) => void,
): Handler {
  return async (req, res) => {
    const url = requestUrl(req);
    const challenge = { "WWW-Authenticate": challengeHeader(state.authorityUrl) };
    const auth = await validateBearer(state, req.headers.authorization);
    onRequest?.("claims" in auth && typeof auth.claims.oid === "string" ? auth.claims.oid : "");
    if ("message" in auth) {
      kvError(res, 401, "Unauthorized", auth.message, {}, challenge);
      return;
    }
    const apiVersion = url.searchParams.get("api-version");
    if (!apiVersion) {
      kvError(res, 400, "BadParameter", "The 'api-version' query parameter is missing.");
      return;
    }
    if (!SUPPORTED_API_VERSIONS.includes(apiVersion)) {
      kvError(
        res,
        400,
        "BadParameter",
        `The specified version (${apiVersion}) is not recognized. Consider using the latest supported version (7.6).`,
      );
      return;
    }
    const segments = url.pathname.split("/").filter((s) => s !== "");
    if (segments[0] !== "secrets" || segments.length < 2 || segments.length > 3) {
      kvError(res, 404, "NotFound", `The requested resource ${url.pathname} was not found.`);
      return;
    }
    if (req.method !== "GET") {
      kvError(
        res,
        405,
        "BadParameter",
        `The HTTP method '${req.method ?? ""}' is not supported by the emulator.`,
      );
      return;
    }
    const secretName = decodeURIComponent(segments[1]!);
    const requestedVersion =
      segments[2] !== undefined ? decodeURIComponent(segments[2]) : undefined;
    const claims = auth.claims;
    const vaultLabel = `${state.name};location=local`;
    if (!state.enableRbacAuthorization) {
      // Access-policy mode: role assignments grant nothing on the data plane, and the emulated
      // vault has no access policies.
      kvError(
        res,
        403,
        "Forbidden",
        `The user, group or application '${callerDescription(claims)}' does not have secrets get permission on key vault '${vaultLabel}'. ` +
          "For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125287",
        { innererror: { code: "AccessDenied" } },
      );
      return;
    }
    const secretResourceId = `${state.resourceId}/secrets/${secretName}`;
    const oid = typeof claims.oid === "string" ? claims.oid : "";
    const grant = findGrantingAssignment(
      state.roleAssignments(),
      oid,
      secretResourceId,
      Date.now(),
      KEY_VAULT_GET_SECRET,
    );
    if (!grant) {
      kvError(
        res,
        403,
        "Forbidden",
        "Caller is not authorized to perform action on resource.\r\n" +
          "If role assignments, deny assignments or role definitions were changed recently, please observe propagation time.\r\n" +
          `Caller: ${callerDescription(claims)}\r\n` +
          `Action: '${KEY_VAULT_GET_SECRET}'\r\n` +
          `Resource: '${secretResourceId.toLowerCase()}'\r\n` +
          "Assignment: (not found)\r\n" +
          "DenyAssignmentId: null\r\n" +
          "DecisionReason: 'DeniedWithNoValidRBAC' \r\n" +
          `Vault: ${vaultLabel}\r\n`,
        { innererror: { code: "ForbiddenByRbac" } },
      );
      return;
    }
    const secret = state.secrets.find((s) => s.name.toLowerCase() === secretName.toLowerCase());
    const version = secret ? secretVersion(state.name, secret.name) : undefined;
    if (!secret || (requestedVersion !== undefined && requestedVersion !== version)) {
      const what =
        requestedVersion === undefined ? secretName : `${secretName}/${requestedVersion}`;
      kvError(
        res,
        404,
        "SecretNotFound",
        `A secret with (name/id) ${what} was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command. ` +
          "For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182",
      );
      return;
    }
    // The id uses the host the caller addressed, so SDKs parse vault URL, name and version from it.
    const host = req.headers.host ?? "127.0.0.1";
    const created = Math.floor(state.createdAt / 1000);
    sendJson(res, 200, {
      value: secret.value,
      id: `https://${host}/secrets/${secret.name}/${version}`,
      attributes: {
        enabled: true,
        created,
        updated: created,
        recoveryLevel: "Recoverable+Purgeable",
        recoverableDays: 7,
      },
      tags: {},
    });
  };
}
