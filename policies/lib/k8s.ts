/** Kubernetes helpers: where each workload kind keeps its pod template. */
import { asRecord, asString } from "./rule";

export const WORKLOAD_IDENTITY_CLIENT_ID_ANNOTATION = "azure.workload.identity/client-id";
export const WORKLOAD_IDENTITY_USE_LABEL = "azure.workload.identity/use";
/**
 * Labels that mark a zerocred verification Job (`verification-job-omits-ttl` matches either):
 * `app.kubernetes.io/name: zerocred-verifier` (what PodVerification sets) or
 * `app.kubernetes.io/part-of: zerocred`.
 */
export const VERIFICATION_JOB_LABELS: Readonly<Record<string, string>> = {
  "app.kubernetes.io/name": "zerocred-verifier",
  "app.kubernetes.io/part-of": "zerocred",
};

export function isVerificationJob(labels: unknown): boolean {
  const rec = asRecord(labels);
  return (
    rec !== undefined &&
    Object.entries(VERIFICATION_JOB_LABELS).some(([key, value]) => rec[key] === value)
  );
}

export const SERVICE_ACCOUNT_TYPE = "kubernetes:core/v1:ServiceAccount";
export const JOB_TYPE = "kubernetes:batch/v1:Job";

/** Pod template path per workload type (`""` = the resource is a Pod itself). */
const POD_TEMPLATE_PATHS: Record<string, readonly string[]> = {
  "kubernetes:core/v1:Pod": [],
  "kubernetes:batch/v1:Job": ["spec", "template"],
  "kubernetes:batch/v1:CronJob": ["spec", "jobTemplate", "spec", "template"],
  "kubernetes:apps/v1:Deployment": ["spec", "template"],
  "kubernetes:apps/v1:StatefulSet": ["spec", "template"],
  "kubernetes:apps/v1:DaemonSet": ["spec", "template"],
  "kubernetes:apps/v1:ReplicaSet": ["spec", "template"],
  "kubernetes:core/v1:ReplicationController": ["spec", "template"],
};

export const POD_TEMPLATE_TYPES = Object.keys(POD_TEMPLATE_PATHS);

export interface PodTemplate {
  readonly namespace: string;
  readonly serviceAccountName?: string;
  readonly labels: Record<string, unknown>;
}

/** The pod template of a workload resource, or undefined when the type has none. */
export function podTemplateOf(
  type: string,
  props: Record<string, unknown>,
): PodTemplate | undefined {
  const path = POD_TEMPLATE_PATHS[type];
  if (path === undefined) {
    return undefined;
  }
  let template: Record<string, unknown> | undefined = props;
  for (const key of path) {
    template = asRecord(template?.[key]);
  }
  const metadata = asRecord(props.metadata);
  const templateMetadata = asRecord(template?.metadata);
  const spec = asRecord(template?.spec);
  return {
    namespace: asString(metadata?.namespace) ?? asString(templateMetadata?.namespace) ?? "default",
    serviceAccountName: asString(spec?.serviceAccountName) ?? asString(spec?.serviceAccount),
    labels: asRecord(templateMetadata?.labels) ?? {},
  };
}
