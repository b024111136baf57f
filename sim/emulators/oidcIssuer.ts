// An AKS cluster's OIDC issuer (discovery document + JWKS) and the projected service-account
// tokens kubelet would write for a pod. One HTTPS listener per cluster.
import { createHash, randomUUID } from "node:crypto";
import { requestUrl, sendJson, type Handler } from "./server";
import {
  serviceAccountSubject,
  WORKLOAD_IDENTITY_AUDIENCE,
} from "../../components/rules/workloadIdentity";
import { nowSeconds, signJwt, type SigningKey } from "./tokens";

export { WORKLOAD_IDENTITY_AUDIENCE } from "../../components/rules/workloadIdentity";
export const DISCOVERY_PATH = "/.well-known/openid-configuration";
export const JWKS_PATH = "/openid/v1/jwks";

export interface ClusterIssuer {
  readonly name: string;
  /** Declared issuer URL, exactly as Azure reports it (normally with a trailing slash). */
  readonly issuerUrl: string;
  readonly key: SigningKey;
}

export interface MintOptions {
  /** Defaults to `api://AzureADTokenExchange`. */
  audience?: string;
  /** Lifetime from now; negative values mint an already expired token. Defaults to 3600. */
  expiresInSeconds?: number;
  /** Absolute `nbf` (Unix seconds). Defaults to now. */
  notBefore?: number;
  /** Replaces `iss` (the token is still signed by the cluster's key). */
  issuerOverride?: string;
}

/** `issuerUrl` joined with a path, whether or not the issuer ends with `/`. */
export function joinIssuer(issuerUrl: string, path: string): string {
  return `${issuerUrl.replace(/\/+$/, "")}${path}`;
}

export function discoveryDocument(issuerUrl: string): Record<string, unknown> {
  return {
    issuer: issuerUrl,
    jwks_uri: joinIssuer(issuerUrl, JWKS_PATH),
    response_types_supported: ["id_token"],
    subject_types_supported: ["public"],
    id_token_signing_alg_values_supported: ["RS256"],
  };
}

export function issuerHandler(cluster: ClusterIssuer): Handler {
  return (req, res) => {
    const path = requestUrl(req).pathname;
    if (req.method !== "GET") {
      sendJson(res, 405, { error: "method not allowed" });
    } else if (path === DISCOVERY_PATH) {
      sendJson(res, 200, discoveryDocument(cluster.issuerUrl));
    } else if (path === JWKS_PATH) {
      sendJson(res, 200, { keys: [cluster.key.publicJwk] });
    } else {
      sendJson(res, 404, { error: "not found" });
    }
  };
}

function stableUid(...parts: string[]): string {
  const h = createHash("sha256").update(parts.join("\0")).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** A projected service-account token as kubelet writes it for `namespace/serviceAccount`. */
export async function mintServiceAccountToken(
  cluster: ClusterIssuer,
  namespace: string,
  serviceAccount: string,
  opts: MintOptions = {},
): Promise<string> {
  const iat = nowSeconds();
  const podName = `${serviceAccount}-verifier`;
  return signJwt(cluster.key, {
    aud: [opts.audience ?? WORKLOAD_IDENTITY_AUDIENCE],
    exp: iat + (opts.expiresInSeconds ?? 3600),
    iat,
    iss: opts.issuerOverride ?? cluster.issuerUrl,
    nbf: opts.notBefore ?? iat,
    sub: serviceAccountSubject(namespace, serviceAccount),
    "kubernetes.io": {
      namespace,
      pod: { name: podName, uid: randomUUID() },
      serviceaccount: {
        name: serviceAccount,
        uid: stableUid(cluster.name, namespace, serviceAccount),
      },
    },
  });
}
