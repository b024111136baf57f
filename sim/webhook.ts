/**
 * The Azure Workload Identity mutating webhook's rules, reproduced as a pure function.
 *
 * Source: Azure/azure-workload-identity `pkg/webhook/webhook.go` and `pkg/webhook/consts.go`
 * (v1.x):
 * - The MutatingWebhookConfiguration selects only pods labelled `azure.workload.identity/use: "true"`
 *   (objectSelector, since v1.0 / PR #695). The label on the service account does nothing.
 * - The pod's `serviceAccountName` defaults to `default`. A service account that does not exist
 *   fails admission (`failurePolicy: Fail`): the pod is not created.
 * - Environment: `AZURE_CLIENT_ID` = the SA annotation `azure.workload.identity/client-id`;
 *   `AZURE_TENANT_ID` = the SA annotation `azure.workload.identity/tenant-id`, else the cluster's
 *   tenant; `AZURE_FEDERATED_TOKEN_FILE` = `/var/run/secrets/azure/tokens/azure-identity-token`;
 *   `AZURE_AUTHORITY_HOST` = the public cloud's `https://login.microsoftonline.com/`. A variable whose
 *   value would be empty is NOT injected (`addEnvironmentVariables` skips empty values), so a pod whose
 *   SA lacks the client-id annotation is mutated (token volume, tenant, authority) but gets no
 *   `AZURE_CLIENT_ID`.
 * - Projected token: audience `api://AzureADTokenExchange`, expiry from the pod or SA annotation
 *   `azure.workload.identity/service-account-token-expiration` (3600–86400 s, default 3600); a value out
 *   of range fails admission.
 */

import { WORKLOAD_IDENTITY_AUDIENCE } from "../components/rules/workloadIdentity";

export const USE_LABEL = "azure.workload.identity/use";
export const CLIENT_ID_ANNOTATION = "azure.workload.identity/client-id";
export const TENANT_ID_ANNOTATION = "azure.workload.identity/tenant-id";
export const TOKEN_EXPIRATION_ANNOTATION =
  "azure.workload.identity/service-account-token-expiration";
export const SKIP_CONTAINERS_ANNOTATION = "azure.workload.identity/skip-containers";
export const TOKEN_FILE_PATH = "/var/run/secrets/azure/tokens/azure-identity-token";
export const PUBLIC_AUTHORITY_HOST = "https://login.microsoftonline.com/";
export const TOKEN_AUDIENCE = WORKLOAD_IDENTITY_AUDIENCE;
export const MIN_TOKEN_EXPIRATION = 3600;
export const MAX_TOKEN_EXPIRATION = 86400;

/** The pod template as the webhook sees it. */
export interface WebhookPod {
  readonly namespace: string;
  /** Empty or undefined means `default`. */
  readonly serviceAccountName?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}
/** The service account, or undefined when the program declares none with that name. */
export interface WebhookServiceAccount {
  readonly namespace: string;
  readonly name: string;
  readonly annotations: Readonly<Record<string, string>>;
  readonly labels?: Readonly<Record<string, string>>;
}
export interface WebhookCluster {
  /** The cluster's tenant (the webhook's configured AZURE_TENANT_ID). */
  readonly tenantId: string;
  /** Defaults to `https://login.microsoftonline.com/` (the public cloud). */
  readonly authorityHost?: string;
}

export interface WebhookEnv {
  AZURE_CLIENT_ID?: string;
  AZURE_TENANT_ID?: string;
  AZURE_FEDERATED_TOKEN_FILE: string;
  AZURE_AUTHORITY_HOST: string;
}

export interface WebhookResult {
  /** The webhook mutated the pod (projected token volume + environment). */
  readonly injected: boolean;
  /** True when the admission would be rejected (the pod is never created). */
  readonly rejected?: boolean;
  /** The injected variables; only those with a non-empty value, as the webhook does. */
  readonly env?: WebhookEnv;
  readonly token?: {
    readonly path: string;
    readonly audience: string;
    readonly expirationSeconds: number;
  };
  /** Why nothing (or not everything) was injected, in the user's terms. */
  readonly reason?: string;
}

function expiration(
  pod: WebhookPod,
  sa: WebhookServiceAccount,
): { ok: true; value: number } | { ok: false; message: string } {
  const raw =
    pod.annotations?.[TOKEN_EXPIRATION_ANNOTATION] || sa.annotations[TOKEN_EXPIRATION_ANNOTATION];
  if (!raw) {
    return { ok: true, value: MIN_TOKEN_EXPIRATION };
  }
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < MIN_TOKEN_EXPIRATION || value > MAX_TOKEN_EXPIRATION) {
    return {
      ok: false,
      message: `token expiration ${raw} not valid. Expected value to be between 3600 and 86400`,
    };
  }
  return { ok: true, value };
}

/** Applies the webhook's rules to one pod template. Pure. */
export function mutatePod(
  pod: WebhookPod,
  serviceAccount: WebhookServiceAccount | undefined,
  cluster: WebhookCluster,
): WebhookResult {
  const saName = pod.serviceAccountName || "default";
  const labelValue = pod.labels[USE_LABEL];
  if (labelValue !== "true") {
    const labelled = serviceAccount?.labels?.[USE_LABEL] === "true";
    const where = labelled
      ? `the label ${USE_LABEL}: "true" is on the service account ${pod.namespace}/${saName}, not on the pod template`
      : labelValue === undefined
        ? `the pod template has no label ${USE_LABEL}: "true"`
        : `the pod template's label ${USE_LABEL} is ${JSON.stringify(labelValue)}, not "true"`;
    return {
      injected: false,
      reason: `not mutated: ${where}; the webhook selects pods by this label only`,
    };
  }
  if (serviceAccount === undefined) {
    return {
      injected: false,
      rejected: true,
      reason: `admission rejected: service account ${pod.namespace}/${saName} does not exist (declare it, or set serviceAccountName to an existing one)`,
    };
  }
  const exp = expiration(pod, serviceAccount);
  if (!exp.ok) {
    return { injected: false, rejected: true, reason: `admission rejected: ${exp.message}` };
  }
  const clientId = serviceAccount.annotations[CLIENT_ID_ANNOTATION] ?? "";
  const tenantId = Object.prototype.hasOwnProperty.call(
    serviceAccount.annotations,
    TENANT_ID_ANNOTATION,
  )
    ? (serviceAccount.annotations[TENANT_ID_ANNOTATION] ?? "")
    : cluster.tenantId;
  const env: WebhookEnv = {
    AZURE_FEDERATED_TOKEN_FILE: TOKEN_FILE_PATH,
    AZURE_AUTHORITY_HOST: cluster.authorityHost ?? PUBLIC_AUTHORITY_HOST,
  };
  if (clientId) {
    env.AZURE_CLIENT_ID = clientId;
  }
  if (tenantId) {
    env.AZURE_TENANT_ID = tenantId;
  }
  const missing: string[] = [];
  if (!clientId) {
    missing.push(
      `AZURE_CLIENT_ID is not injected: service account ${serviceAccount.namespace}/${serviceAccount.name} has no ${CLIENT_ID_ANNOTATION} annotation`,
    );
  }
  if (!tenantId) {
    missing.push(
      `AZURE_TENANT_ID is not injected: the ${TENANT_ID_ANNOTATION} annotation is empty`,
    );
  }
  return {
    injected: true,
    env,
    token: { path: TOKEN_FILE_PATH, audience: TOKEN_AUDIENCE, expirationSeconds: exp.value },
    ...(missing.length > 0 ? { reason: missing.join("; ") } : {}),
  };
}
