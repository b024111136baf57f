// Entra ID (Microsoft identity platform) as MSAL / @azure/identity see it: authority metadata,
// instance discovery, signing keys, and the v2.0 token endpoint for the client-credentials grant
// with a federated client assertion (workload identity federation).
import { randomUUID } from "node:crypto";
import type http from "node:http";
import {
  createLocalJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  errors as joseErrors,
  jwtVerify,
  type JSONWebKeySet,
  type JWTPayload,
} from "jose";
import { armIdsEqual } from "../../components/rules/armIds";
import {
  issuerMatches,
  subjectMatches,
  subjectsDifferOnlyInCase,
} from "../../components/rules/workloadIdentity";
import { JWKS_PATH } from "./oidcIssuer";
import { fetchJsonTls, readBody, requestUrl, sendJson, type Handler } from "./server";
import { mintAccessToken, nowSeconds, resourceFromScope, type SigningKey } from "./tokens";

export const JWT_BEARER_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
const WIF_DOC =
  "https://docs.microsoft.com/en-us/azure/active-directory/develop/workload-identity-federation";
/** App-only tokens from Entra live a little under an hour. */
const ACCESS_TOKEN_LIFETIME_SECONDS = 3599;

export interface EntraIdentity {
  readonly resourceId: string;
  readonly principalId: string;
  readonly clientId: string;
}
export interface EntraFederatedCredential {
  readonly identityResourceId: string;
  readonly name: string;
  readonly issuer: string;
  readonly subject: string;
  readonly audiences: readonly string[];
}

export interface EntraState {
  readonly tenantId: string;
  readonly identities: readonly EntraIdentity[];
  readonly federatedCredentials: readonly EntraFederatedCredential[];
  readonly tokenKey: SigningKey;
  /** CA that signs the local issuer servers' certificates. */
  readonly caPem: string;
  /** Maps a declared issuer URL (or any URL below it) to the local server that serves it. */
  resolveIssuerUrl(url: string): string | undefined;
  /** `https://127.0.0.1:<port>` once listening. */
  origin(): string;
}

interface EntraErrorSpec {
  readonly status: number;
  readonly error: string;
  readonly code: number;
  readonly description: string;
}

function entraTimestamp(d: Date): string {
  // Entra prints "2024-05-14 00:40:08Z".
  return `${d.toISOString().slice(0, 19).replace("T", " ")}Z`;
}

/** Sends an error in Entra's JSON shape (`AADSTSnnnn: ...` plus trace/correlation/timestamp). */
export function sendEntraError(
  res: http.ServerResponse,
  spec: EntraErrorSpec,
  correlationId?: string,
): void {
  const traceId = randomUUID();
  const correlation = correlationId ?? randomUUID();
  const timestamp = entraTimestamp(new Date());
  sendJson(res, spec.status, {
    error: spec.error,
    error_description:
      `AADSTS${spec.code}: ${spec.description}\r\nTrace ID: ${traceId}\r\n` +
      `Correlation ID: ${correlation}\r\nTimestamp: ${timestamp}`,
    error_codes: [spec.code],
    timestamp,
    trace_id: traceId,
    correlation_id: correlation,
    error_uri: `https://login.microsoftonline.com/error?code=${spec.code}`,
  });
}

function wifMismatch(code: number, what: string, value: string): EntraErrorSpec {
  return {
    status: 401,
    error: "invalid_client",
    code,
    description:
      `No matching federated identity record found for presented assertion ${what} '${value}'. ` +
      `Please check your federated identity credential Subject, Audience and Issuer against the presented assertion. ${WIF_DOC}`,
  };
}

function isoSeconds(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, ".0000000Z");
}

function audiencesOf(payload: JWTPayload): string[] {
  if (typeof payload.aud === "string") {
    return [payload.aud];
  }
  return Array.isArray(payload.aud)
    ? payload.aud.filter((a): a is string => typeof a === "string")
    : [];
}

/** Fetches the issuer's discovery document and JWKS through the local issuer server. */
async function fetchIssuerKeys(
  state: EntraState,
  issuer: string,
): Promise<JSONWebKeySet | undefined> {
  const discoveryUrl = state.resolveIssuerUrl(
    `${issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`,
  );
  if (discoveryUrl === undefined) {
    return undefined;
  }
  try {
    const discovery = await fetchJsonTls(discoveryUrl, state.caPem);
    const doc = discovery.body as { jwks_uri?: unknown };
    const jwksUri =
      discovery.status === 200 && typeof doc.jwks_uri === "string"
        ? state.resolveIssuerUrl(doc.jwks_uri)
        : state.resolveIssuerUrl(`${issuer.replace(/\/+$/, "")}${JWKS_PATH}`);
    if (jwksUri === undefined) {
      return undefined;
    }
    const jwks = await fetchJsonTls(jwksUri, state.caPem);
    const body = jwks.body as { keys?: unknown };
    return jwks.status === 200 && Array.isArray(body.keys) ? (body as JSONWebKeySet) : undefined;
  } catch {
    return undefined;
  }
}

/** Validates a federated client-credentials request; returns the identity or the error to send. */
export async function validateFederatedRequest(
  state: EntraState,
  tenant: string,
  form: URLSearchParams,
): Promise<{ identity: EntraIdentity; resource: string } | { error: EntraErrorSpec }> {
  const missing = (param: string): { error: EntraErrorSpec } => ({
    error: {
      status: 400,
      error: "invalid_request",
      code: 900144,
      description: `The request body must contain the following parameter: '${param}'.`,
    },
  });
  if (tenant.toLowerCase() !== state.tenantId.toLowerCase()) {
    return {
      error: {
        status: 400,
        error: "invalid_tenant",
        code: 90002,
        description: `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
      },
    };
  }
  const grantType = form.get("grant_type");
  if (!grantType) {
    return missing("grant_type");
  }
  if (grantType !== "client_credentials") {
    return {
      error: {
        status: 400,
        error: "unsupported_grant_type",
        code: 70003,
        description: `The app requested an unsupported grant type '${grantType}'.`,
      },
    };
  }
  const clientId = form.get("client_id");
  if (!clientId) {
    return missing("client_id");
  }
  const scope = form.get("scope");
  if (!scope) {
    return missing("scope");
  }
  const resources = scope.split(" ").filter((s) => s.endsWith("/.default"));
  if (resources.length !== 1) {
    return {
      error: {
        status: 400,
        error: "invalid_scope",
        code: 1002012,
        description: `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
      },
    };
  }
  const identity = state.identities.find(
    (i) => i.clientId.toLowerCase() === clientId.toLowerCase(),
  );
  if (!identity) {
    return {
      error: {
        status: 400,
        error: "unauthorized_client",
        code: 700016,
        description:
          `Application with identifier '${clientId}' was not found in the directory '${state.tenantId}'. ` +
          "This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. " +
          "You may have sent your authentication request to the wrong tenant.",
      },
    };
  }
  const assertion = form.get("client_assertion");
  if (!assertion || form.get("client_assertion_type") !== JWT_BEARER_ASSERTION_TYPE) {
    return {
      error: {
        status: 401,
        error: "invalid_client",
        code: 7000218,
        description:
          "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
      },
    };
  }
  let payload: JWTPayload;
  let kid: string | undefined;
  try {
    payload = decodeJwt(assertion);
    const header = decodeProtectedHeader(assertion);
    kid = header.kid;
    if (
      header.alg !== "RS256" ||
      typeof payload.iss !== "string" ||
      typeof payload.sub !== "string"
    ) {
      throw new Error("unsupported token");
    }
  } catch {
    return {
      error: {
        status: 400,
        error: "invalid_request",
        code: 50027,
        description: "JWT token is invalid or malformed.",
      },
    };
  }
  const iss = payload.iss;
  const sub = payload.sub;
  const fics = state.federatedCredentials.filter((f) =>
    armIdsEqual(f.identityResourceId, identity.resourceId),
  );
  // Issuer: compared byte for byte (a missing or extra trailing slash is a different issuer).
  const byIssuer = fics.filter((f) => issuerMatches(f.issuer, iss));
  if (byIssuer.length === 0) {
    return { error: wifMismatch(700211, "issuer", iss) };
  }
  // Subject: case-sensitive; a case-insensitive-only match has its own code.
  const bySubject = byIssuer.filter((f) => subjectMatches(f.subject, sub));
  if (bySubject.length === 0) {
    if (byIssuer.some((f) => subjectsDifferOnlyInCase(f.subject, sub))) {
      return {
        error: {
          ...wifMismatch(7002138, "subject", sub),
          description:
            `No matching federated identity record found for presented assertion subject '${sub}'. ` +
            "The subject matches with case-insensitive comparison, but not with case-sensitive comparison.",
        },
      };
    }
    return { error: wifMismatch(700213, "subject", sub) };
  }
  const auds = audiencesOf(payload);
  const match = bySubject.find((f) => f.audiences.some((a) => auds.includes(a)));
  if (!match) {
    return { error: wifMismatch(700212, "audience", auds.join(",")) };
  }
  const now = nowSeconds();
  const exp = typeof payload.exp === "number" ? payload.exp : undefined;
  const nbf = typeof payload.nbf === "number" ? payload.nbf : (payload.iat ?? now);
  if (exp === undefined || exp <= now || nbf > now) {
    return {
      error: {
        status: 401,
        error: "invalid_client",
        code: 700024,
        description:
          `Client assertion is not within its valid time range. Current time: ${isoSeconds(now)}, ` +
          `assertion valid from ${isoSeconds(nbf)}, expiry time of assertion ${exp === undefined ? "(none)" : isoSeconds(exp)}. ` +
          "Review the documentation at https://docs.microsoft.com/azure/active-directory/develop/active-directory-certificate-credentials .",
      },
    };
  }
  const jwks = await fetchIssuerKeys(state, iss);
  if (!jwks) {
    return {
      error: {
        status: 401,
        error: "invalid_client",
        code: 50166,
        description: `Request to External OIDC endpoint failed. Issuer: '${iss}'.`,
      },
    };
  }
  if (!jwks.keys.some((k) => k.kid === kid)) {
    return {
      error: {
        status: 401,
        error: "invalid_client",
        code: 7000272,
        description:
          `The certificate with identifier ${kid ?? "(none)"} used to sign the federated credential could not be found in the metadata of identity provider ${iss}. ` +
          "Please validate that your Identity Provider's metadata exposes the key used to sign the incoming token.",
      },
    };
  }
  try {
    // Time and audience were checked above against the matching credential; verify the signature.
    await jwtVerify(assertion, createLocalJWKSet(jwks), {
      algorithms: ["RS256"],
      clockTolerance: 31_536_000,
    });
  } catch (err) {
    if (
      err instanceof joseErrors.JWSSignatureVerificationFailed ||
      err instanceof joseErrors.JWKSNoMatchingKey
    ) {
      return {
        error: {
          status: 401,
          error: "invalid_client",
          code: 50013,
          description:
            "Assertion failed signature validation. [Reason - The provided signature value did not match the expected signature value.]",
        },
      };
    }
    return {
      error: {
        status: 400,
        error: "invalid_request",
        code: 50027,
        description: "JWT token is invalid or malformed.",
      },
    };
  }
  return { identity, resource: resourceFromScope(resources[0]!) };
}

function openIdConfiguration(origin: string, tenant: string): Record<string, unknown> {
  const base = `${origin}/${tenant}`;
  return {
    token_endpoint: `${base}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: [
      "client_secret_post",
      "private_key_jwt",
      "client_secret_basic",
    ],
    jwks_uri: `${base}/discovery/v2.0/keys`,
    response_modes_supported: ["query", "fragment", "form_post"],
    subject_types_supported: ["pairwise"],
    id_token_signing_alg_values_supported: ["RS256"],
    response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
    scopes_supported: ["openid", "profile", "email", "offline_access"],
    issuer: `${base}/v2.0`,
    request_uri_parameter_supported: false,
    userinfo_endpoint: `${origin}/oidc/userinfo`,
    authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${base}/oauth2/v2.0/logout`,
    claims_supported: ["sub", "iss", "aud", "exp", "iat", "nbf", "oid", "tid", "ver"],
    kerberos_endpoint: `${base}/kerberos`,
    tenant_region_scope: "NA",
    cloud_instance_name: "microsoftonline.com",
    cloud_graph_host_name: "graph.windows.net",
    msgraph_host: "graph.microsoft.com",
    rbac_url: "https://pas.windows.net",
  };
}

const KNOWN_TENANT_ALIASES = new Set(["common", "organizations"]);

export function entraHandler(
  state: EntraState,
  onTokenRequest?: (clientId: string) => void,
): Handler {
  return async (req, res) => {
    const url = requestUrl(req);
    const segments = url.pathname.split("/").filter((s) => s !== "");
    const origin = state.origin();
    const tenantOk = (t: string): boolean =>
      t.toLowerCase() === state.tenantId.toLowerCase() || KNOWN_TENANT_ALIASES.has(t.toLowerCase());

    if (req.method === "GET" && segments.join("/") === "common/discovery/instance") {
      const host = new URL(origin).host;
      sendJson(res, 200, {
        tenant_discovery_endpoint: `${origin}/${state.tenantId}/v2.0/.well-known/openid-configuration`,
        "api-version": "1.1",
        metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
      });
      return;
    }
    const [tenant, ...rest] = segments;
    const tail = rest.join("/");
    if (tenant === undefined) {
      sendJson(res, 404, { error: "not_found" });
      return;
    }
    if (
      req.method === "GET" &&
      (tail === "v2.0/.well-known/openid-configuration" ||
        tail === ".well-known/openid-configuration")
    ) {
      if (!tenantOk(tenant)) {
        sendEntraError(res, {
          status: 400,
          error: "invalid_tenant",
          code: 90002,
          description: `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
        });
        return;
      }
      sendJson(
        res,
        200,
        openIdConfiguration(
          origin,
          tenant === "common" || tenant === "organizations" ? "{tenantid}" : tenant,
        ),
      );
      return;
    }
    if (req.method === "GET" && (tail === "discovery/v2.0/keys" || tail === "discovery/keys")) {
      sendJson(res, 200, { keys: [state.tokenKey.publicJwk] });
      return;
    }
    if (tail === "oauth2/v2.0/token") {
      if (req.method !== "POST") {
        sendEntraError(res, {
          status: 405,
          error: "invalid_request",
          code: 900561,
          description: "The endpoint only accepts POST requests.",
        });
        return;
      }
      const form = new URLSearchParams(await readBody(req));
      onTokenRequest?.(form.get("client_id") ?? "");
      const correlationId = req.headers["client-request-id"];
      const result = await validateFederatedRequest(state, tenant, form);
      if ("error" in result) {
        sendEntraError(
          res,
          result.error,
          typeof correlationId === "string" ? correlationId : undefined,
        );
        return;
      }
      const { token, iat, exp } = await mintAccessToken(
        state.tokenKey,
        {
          tenantId: state.tenantId,
          principalId: result.identity.principalId,
          clientId: result.identity.clientId,
          miResourceId: result.identity.resourceId,
        },
        result.resource,
        ACCESS_TOKEN_LIFETIME_SECONDS,
      );
      // The v2.0 endpoint sends numbers as numbers.
      sendJson(res, 200, {
        token_type: "Bearer",
        expires_in: exp - iat,
        ext_expires_in: exp - iat,
        access_token: token,
      });
      return;
    }
    sendJson(res, 404, { error: "not_found", error_description: `No route for ${url.pathname}` });
  };
}
