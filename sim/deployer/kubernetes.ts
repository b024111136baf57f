/**
 * The AKS Kubernetes API as the deployer meets it: Azure RBAC for Kubernetes authorization with a
 * propagation delay, and the stack's Kubernetes resources applied in dependency order the way
 * pulumi-kubernetes 4.34.2 applies them.
 *
 * - Authorization: a request is allowed when an Azure role assignment of the caller, in effect at that
 *   moment, at a scope covering the cluster, grants the data action
 *   `Microsoft.ContainerService/managedClusters/[<group>/]<resource>/<write|delete|read>` (the dataActions
 *   of the AKS RBAC built-in roles, components/roles.ts; https://learn.microsoft.com/azure/aks/manage-azure-rbac).
 *   A new assignment is in effect only after propagation: Microsoft documents it can take minutes
 *   (the same page; issue 10 uses ~5 minutes), the default delay below.
 * - Apply: with server-side apply (zerocred's provider sets enableServerSideApply) each create is a
 *   PATCH (ApplyPatchType), authorized as the `write` data action. (`pulumi preview` is not applied here:
 *   the provider turns a 403 on its dry run into a client-side preview, see chain.ts.)
 * - Retries: `await.Creation` retries the request only while `apierrors.IsNotFound` or
 *   `meta.IsNoMatchError` holds, 5 retries after 1 s, doubling (pulumi/pulumi-kubernetes
 *   provider/pkg/await/await.go `Creation`, provider/pkg/retry/retry.go `SleepingRetry`); a 403 fails
 *   the resource at once.
 * - A batch/v1 Job without `pulumi.com/replaceUnready: "true"` is awaited again, not replaced, on every
 *   later update once it failed (Pulumi registry, kubernetes provider "Resource annotations").
 */
import { findRole, permits } from "../../components/roles";
import type { RecordedResource } from "../cloud";
import { guidsEqual, scopeCovers } from "../../components/rules/armIds";
import { roleOf } from "./arm";
import type { CustomRole } from "./bootstrap";
import type { Scheduled } from "./order";

/** Default propagation delay of a new Azure role assignment for the Kubernetes data plane. */
export const DEFAULT_AKS_RBAC_PROPAGATION_MS = 5 * 60 * 1000;

/** pulumi-kubernetes' create retry: waits before retry 1..5 (1 s doubling). */
export const CREATE_RETRY_WAITS_MS = [1000, 2000, 4000, 8000, 16000];

/** Namespaces every cluster has. */
const BUILT_IN_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease"];

export interface DataPlaneAssignment {
  readonly principalId: string;
  readonly roleDefinitionId: string;
  readonly scope: string;
  /** Virtual time from which the data plane honours it (−Infinity: made before this run). */
  readonly effectiveAtMs: number;
  readonly source: string;
}

export interface KubernetesRequest {
  readonly resource: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  readonly dataAction: string;
  readonly atMs: number;
  readonly outcome: "ok" | "forbidden" | "not-found";
  readonly attempts: number;
  readonly message?: string;
}

export interface KubernetesFinding {
  readonly code: "K8S-FORBIDDEN" | "K8S-NAMESPACE-NOT-FOUND" | "K8S-JOB-NOT-REPLACED";
  readonly resource: string;
  readonly message: string;
  readonly fix: string;
}

/** `kubernetes:batch/v1:Job` → group `batch`, resource `jobs`. */
export function kubernetesResourceOf(type: string): {
  group: string;
  resource: string;
  kind: string;
} {
  const m = /^kubernetes:([^:]+):(\w+)$/.exec(type);
  const gv = m?.[1] ?? "";
  const kind = m?.[2] ?? type;
  const group = gv.includes("/") ? gv.split("/")[0]! : "";
  const lower = kind.toLowerCase();
  const resource = /(s|x|ch|sh)$/.test(lower)
    ? `${lower}es`
    : /[^aeiou]y$/.test(lower)
      ? `${lower.slice(0, -1)}ies`
      : `${lower}s`;
  return { group: group === "core" ? "" : group, resource, kind };
}

/** The AKS data action for a verb on a Kubernetes type. */
export function dataActionFor(type: string, verb: "write" | "delete" | "read"): string {
  const { group, resource } = kubernetesResourceOf(type);
  return `Microsoft.ContainerService/managedClusters/${group !== "" ? `${group}/` : ""}${resource}/${verb}`;
}

function metadataOf(r: RecordedResource): {
  name: string;
  namespace?: string;
  annotations: Record<string, unknown>;
} {
  const md = {
    ...(r.inputs.metadata as Record<string, unknown> | undefined),
    ...(r.outputs.metadata as Record<string, unknown> | undefined),
  };
  const idParts = r.id.split("/");
  return {
    name: typeof md.name === "string" ? md.name : (idParts.pop() ?? r.name),
    namespace:
      typeof md.namespace === "string" ? md.namespace : idParts.length > 0 ? idParts[0] : undefined,
    annotations: (md.annotations as Record<string, unknown> | undefined) ?? {},
  };
}

function allowedAt(
  assignments: readonly DataPlaneAssignment[],
  customRoles: readonly CustomRole[],
  principalId: string,
  clusterId: string,
  dataAction: string,
  atMs: number,
): DataPlaneAssignment | undefined {
  return assignments.find((a) => {
    if (!guidsEqual(a.principalId, principalId) || a.effectiveAtMs > atMs) {
      return false;
    }
    if (!scopeCovers(a.scope, clusterId)) {
      return false;
    }
    const role = roleOf(a.roleDefinitionId, customRoles) ?? findRole(a.roleDefinitionId);
    return role !== undefined && permits(role, dataAction, "dataAction");
  });
}

export interface ApplyOptions {
  readonly principalId: string;
  /** The user name AKS reports for the caller (its object id for a service principal). */
  readonly userName: string;
  readonly clusterId: string;
  readonly assignments: readonly DataPlaneAssignment[];
  readonly customRoles: readonly CustomRole[];
  readonly verb: "write" | "delete";
  /** Whether the requests are server-side dry runs (`pulumi preview`). */
  readonly dryRun: boolean;
}

/**
 * Applies the scheduled Kubernetes resources: each request at its start time, retried on not-found,
 * failed on 403. Returns every request and the first failure.
 */
export function applyKubernetes(
  scheduled: readonly Scheduled[],
  opts: ApplyOptions,
): { requests: KubernetesRequest[]; findings: KubernetesFinding[] } {
  const k8s = scheduled.filter(
    (s) => s.resource.custom && s.resource.type.startsWith("kubernetes:"),
  );
  const namespaceReady = new Map<string, number>(BUILT_IN_NAMESPACES.map((n) => [n, -Infinity]));
  for (const s of k8s) {
    if (s.resource.type === "kubernetes:core/v1:Namespace") {
      namespaceReady.set(metadataOf(s.resource).name, s.endMs);
    }
  }
  const requests: KubernetesRequest[] = [];
  const findings: KubernetesFinding[] = [];
  const ordered = opts.verb === "delete" ? [...k8s].reverse() : k8s;
  for (const s of ordered) {
    const r = s.resource;
    const md = metadataOf(r);
    const { kind, group, resource } = kubernetesResourceOf(r.type);
    const dataAction = dataActionFor(r.type, opts.verb);
    const namespaced =
      r.type !== "kubernetes:core/v1:Namespace" &&
      md.namespace !== undefined &&
      md.namespace !== "";
    let at = s.startMs;
    let attempts = 0;
    let outcome: KubernetesRequest["outcome"] = "ok";
    let message: string | undefined;
    for (let i = 0; i <= CREATE_RETRY_WAITS_MS.length; i++) {
      attempts++;
      if (
        !allowedAt(
          opts.assignments,
          opts.customRoles,
          opts.principalId,
          opts.clusterId,
          dataAction,
          at,
        )
      ) {
        outcome = "forbidden";
        const k8sVerb = opts.verb === "delete" ? "delete" : "patch";
        message =
          `${resource}${group ? `.${group}` : ""} "${md.name}" is forbidden: User "${opts.userName}" cannot ${k8sVerb} ` +
          `resource "${resource}" in API group "${group}" ${namespaced ? `in the namespace "${md.namespace}"` : "at the cluster scope"}`;
        break; // 403 is not retried
      }
      const nsReady =
        namespaced && opts.verb === "write"
          ? (namespaceReady.get(md.namespace!) ?? Infinity)
          : -Infinity;
      if (nsReady > at) {
        outcome = "not-found";
        message = `namespaces "${md.namespace}" not found`;
        if (i < CREATE_RETRY_WAITS_MS.length) {
          at += CREATE_RETRY_WAITS_MS[i]!;
          continue;
        }
        break;
      }
      outcome = "ok";
      message = undefined;
      break;
    }
    requests.push({
      resource: r.name,
      kind,
      namespace: md.namespace,
      name: md.name,
      dataAction,
      atMs: at,
      outcome,
      attempts,
      message,
    });
    if (outcome === "forbidden" && findings.every((f) => f.code !== "K8S-FORBIDDEN")) {
      const pending = opts.assignments.filter(
        (a) =>
          guidsEqual(a.principalId, opts.principalId) &&
          scopeCovers(a.scope, opts.clusterId) &&
          a.effectiveAtMs > at &&
          permits(
            roleOf(a.roleDefinitionId, opts.customRoles) ?? findRole(a.roleDefinitionId)!,
            dataAction,
            "dataAction",
          ),
      );
      findings.push({
        code: "K8S-FORBIDDEN",
        resource: r.name,
        message:
          `${opts.dryRun ? "pulumi preview" : "pulumi up"} fails at ${r.name} (${kind}) with 403: ${message}.` +
          (pending.length > 0
            ? ` The granting assignment ${pending[0]!.source} exists but has not propagated: at this request it still needs up to ${Math.round((pending[0]!.effectiveAtMs - at) / 1000)} s (Azure RBAC for Kubernetes can take minutes), and pulumi-kubernetes does not retry a 403.`
            : ` No role assignment of the deployer grants ${dataAction} on the cluster${opts.dryRun ? " (a server-side dry run needs the same right as the write)" : ""}.`),
        fix:
          pending.length > 0
            ? "Make the deployer's AKS RBAC assignment ahead of time (bootstrap/, at a scope covering the cluster), or put a readiness gate that polls authorization between the assignment and the first Kubernetes resource."
            : `Grant the identity a role with ${dataAction} (e.g. "Azure Kubernetes Service RBAC Writer" or "Cluster Admin") at a scope covering the cluster, ahead of time.`,
      });
    }
    if (outcome === "not-found") {
      findings.push({
        code: "K8S-NAMESPACE-NOT-FOUND",
        resource: r.name,
        message: `${r.name} (${kind}) fails after ${attempts} attempts: ${message} (pulumi-kubernetes retries a not-found ${CREATE_RETRY_WAITS_MS.length} times over ${CREATE_RETRY_WAITS_MS.reduce((a, b) => a + b, 0) / 1000} s).`,
        fix: `Declare the namespace ${md.namespace} in the program (and depend on it), or create it before the stack.`,
      });
    }
  }
  return { requests, findings };
}

/** Jobs that a failed run would leave awaited forever (no `pulumi.com/replaceUnready: "true"`). */
export function jobsWithoutReplaceUnready(
  resources: readonly RecordedResource[],
): KubernetesFinding[] {
  return resources
    .filter((r) => r.custom && r.type === "kubernetes:batch/v1:Job")
    .filter((r) => String(metadataOf(r).annotations["pulumi.com/replaceUnready"]) !== "true")
    .map((r) => ({
      code: "K8S-JOB-NOT-REPLACED" as const,
      resource: r.name,
      message:
        `Job ${r.name} has no pulumi.com/replaceUnready: "true" annotation: once it fails, every later ` +
        `pulumi up waits on the same failed Job instead of running it again, so re-running the workflow cannot recover.`,
      fix: 'Annotate the Job with pulumi.com/replaceUnready: "true" (components/verification).',
    }));
}

/**
 * components/clusterAccessGate.ts's check resource: it polls a SelfSubjectAccessReview for `verb` on
 * `resource` (5 s, doubling, at most 30 s between probes) until allowed, for at most `timeoutSeconds`.
 */
export function isAccessGate(r: RecordedResource): boolean {
  const i = r.inputs;
  return (
    r.custom &&
    typeof i.verb === "string" &&
    typeof i.resource === "string" &&
    typeof i.timeoutSeconds === "number" &&
    typeof i.server === "string"
  );
}

/** How long the gate waits from `startMs`, and whether it gives up (its timeout) first. */
export function gateWait(
  gate: RecordedResource,
  startMs: number,
  opts: Omit<ApplyOptions, "verb" | "dryRun" | "userName">,
): { waitMs: number; timedOut: boolean } {
  const verb = String(gate.inputs.verb);
  const group = typeof gate.inputs.group === "string" ? gate.inputs.group : "";
  const dataVerb = ["get", "list", "watch"].includes(verb)
    ? "read"
    : verb === "delete"
      ? "delete"
      : "write";
  const dataAction = `Microsoft.ContainerService/managedClusters/${group !== "" ? `${group}/` : ""}${String(gate.inputs.resource)}/${dataVerb}`;
  const timeoutMs = Number(gate.inputs.timeoutSeconds) * 1000;
  let t = startMs;
  let delay = 5000;
  for (;;) {
    if (
      allowedAt(opts.assignments, opts.customRoles, opts.principalId, opts.clusterId, dataAction, t)
    ) {
      return { waitMs: t - startMs, timedOut: false };
    }
    const left = startMs + timeoutMs - t;
    if (left <= 0) {
      return { waitMs: timeoutMs, timedOut: true };
    }
    t += Math.min(delay, left);
    delay = Math.min(delay * 2, 30_000);
  }
}
