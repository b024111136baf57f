// IMDS managed-identity token endpoint (plain HTTP, one listener per VM), as documented in
// "How to use managed identities for Azure resources on an Azure VM to acquire an access token".
import type http from "node:http";
import { requestUrl, sendJson, type Handler } from "./server";
import { mintAccessToken, resourceFromScope, type SigningKey } from "./tokens";

export const IMDS_TOKEN_PATH = "/metadata/identity/oauth2/token";
/** Managed-identity tokens from IMDS live about 24 hours. */
const IMDS_TOKEN_LIFETIME_SECONDS = 86_399;

export interface ImdsIdentity {
  readonly principalId: string;
  readonly clientId: string;
  /** ARM resource ID used for `msi_res_id` and the `xms_mirid` claim. */
  readonly resourceId: string;
}

export interface ImdsVm {
  readonly name: string;
  readonly tenantId: string;
  readonly systemAssigned?: ImdsIdentity;
  readonly userAssigned: readonly ImdsIdentity[];
  /** Pending injected failures, consumed one per token request. */
  readonly faults: number[];
}

function imdsError(
  res: http.ServerResponse,
  status: number,
  error: string,
  description: string,
): void {
  sendJson(res, status, { error, error_description: description });
}

const FAULT_BODIES: Record<number, { error: string; error_description: string }> = {
  404: {
    error: "not_found",
    error_description: "IMDS is being updated; the identity endpoint is not available yet",
  },
  410: {
    error: "gone",
    error_description: "IMDS is being updated; retry, the endpoint is available within 70 seconds",
  },
  429: { error: "too_many_requests", error_description: "IMDS request rate limit exceeded" },
  500: { error: "unknown_error", error_description: "Internal error" },
  502: { error: "bad_gateway", error_description: "Bad gateway" },
  503: { error: "service_unavailable", error_description: "IMDS is temporarily unavailable" },
  504: { error: "gateway_timeout", error_description: "Gateway timeout" },
};

function sendFault(res: http.ServerResponse, status: number): void {
  const body = FAULT_BODIES[status] ?? {
    error: "injected_fault",
    error_description: `Injected status ${status}`,
  };
  // Throttling and unavailability carry Retry-After, as Azure front ends do.
  const headers: Record<string, string> =
    status === 429 || status === 503 ? { "Retry-After": "1" } : {};
  sendJson(res, status, body, headers);
}

/** Which identity a token request means, or the IMDS error to answer with. */
export function selectIdentity(
  vm: ImdsVm,
  query: URLSearchParams,
): { identity: ImdsIdentity } | { error: string } {
  const clientId = query.get("client_id");
  const objectId = query.get("object_id");
  const resId = query.get("msi_res_id");
  const selectors = [clientId, objectId, resId].filter((v) => v !== null);
  const all = [...(vm.systemAssigned ? [vm.systemAssigned] : []), ...vm.userAssigned];
  if (selectors.length > 1) {
    return { error: "Only one of client_id, object_id or msi_res_id may be specified" };
  }
  if (selectors.length === 0) {
    if (vm.systemAssigned) {
      return { identity: vm.systemAssigned };
    }
    if (vm.userAssigned.length === 1) {
      return { identity: vm.userAssigned[0]! };
    }
    if (vm.userAssigned.length > 1) {
      return {
        error:
          "Multiple user assigned identities exist, please specify the clientId / resourceId of the identity in the token request",
      };
    }
    return { error: "Identity not found" };
  }
  const lower = (v: string): string => v.toLowerCase();
  const found = all.find((i) =>
    clientId !== null
      ? lower(i.clientId) === lower(clientId)
      : objectId !== null
        ? lower(i.principalId) === lower(objectId)
        : lower(i.resourceId) === lower(resId ?? ""),
  );
  return found ? { identity: found } : { error: "Identity not found" };
}

/** Request handler for one VM's IMDS endpoint; `onRequest` counts requests for tests/benchmarks. */
export function imdsHandler(
  vm: ImdsVm,
  tokenKey: SigningKey,
  onRequest?: (selector: string) => void,
): Handler {
  return async (req, res) => {
    const url = requestUrl(req);
    // msal-node normalizes the endpoint with a trailing slash; IMDS accepts both forms.
    if (url.pathname.replace(/\/$/, "") !== IMDS_TOKEN_PATH) {
      imdsError(res, 404, "not_found", `The requested path ${url.pathname} was not found`);
      return;
    }
    onRequest?.(
      url.searchParams.get("client_id") ??
        url.searchParams.get("object_id") ??
        url.searchParams.get("msi_res_id") ??
        "",
    );
    const fault = vm.faults.shift();
    if (fault !== undefined) {
      sendFault(res, fault);
      return;
    }
    if (req.method !== "GET") {
      imdsError(res, 405, "invalid_request", `Method ${req.method ?? ""} is not allowed`);
      return;
    }
    if (req.headers["x-forwarded-for"] !== undefined) {
      // IMDS refuses anything that looks proxied (SSRF protection).
      imdsError(
        res,
        400,
        "invalid_request",
        "Requests with the X-Forwarded-For header are not allowed",
      );
      return;
    }
    const metadata = req.headers["metadata"];
    if (typeof metadata !== "string" || metadata.toLowerCase() !== "true") {
      imdsError(res, 400, "invalid_request", "Required metadata header not specified");
      return;
    }
    const apiVersion = url.searchParams.get("api-version");
    if (!apiVersion) {
      imdsError(res, 400, "invalid_request", "Required api-version parameter not specified");
      return;
    }
    const resourceParam = url.searchParams.get("resource");
    if (!resourceParam) {
      imdsError(res, 400, "invalid_request", "Required audience parameter not specified");
      return;
    }
    const selected = selectIdentity(vm, url.searchParams);
    if ("error" in selected) {
      imdsError(res, 400, "invalid_request", selected.error);
      return;
    }
    const resource = resourceFromScope(resourceParam);
    const { token, iat, exp } = await mintAccessToken(
      tokenKey,
      {
        tenantId: vm.tenantId,
        principalId: selected.identity.principalId,
        clientId: selected.identity.clientId,
        miResourceId: selected.identity.resourceId,
      },
      resource,
      IMDS_TOKEN_LIFETIME_SECONDS,
    );
    // IMDS sends every number as a string.
    sendJson(res, 200, {
      access_token: token,
      client_id: selected.identity.clientId,
      expires_in: String(exp - iat),
      expires_on: String(exp),
      ext_expires_in: String(exp - iat),
      not_before: String(iat),
      resource,
      token_type: "Bearer",
    });
  };
}
