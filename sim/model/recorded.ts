/**
 * What the model is built from: the resources a Pulumi program registered, as the simulated cloud
 * recorded them (type token, resolved inputs, Azure-computed outputs), Pulumi's secret signature,
 * and the tolerant readers every extraction uses.
 */
import type { RecordedResource } from "../cloud";

// eslint-disable-next-line @typescript-eslint/no-require-imports -- the constants are not in the public typings
const rpc = require("@pulumi/pulumi/runtime/rpc") as {
  specialSigKey: string;
  specialSecretSig: string;
};

/**
 * The fields of sim/cloud.ts `RecordedResource` (the one recorded-resource type) that the analysis
 * reads; hand-built test fixtures may omit the engine-only fields.
 */
export type RecordedResourceLike = Pick<
  RecordedResource,
  "type" | "name" | "urn" | "parent" | "custom" | "provider" | "id" | "order" | "inputs"
> & {
  readonly outputs: Record<string, unknown>;
  /** URNs the engine orders this resource after (`dependsOn` ∪ property dependencies). */
  readonly dependencies?: readonly string[];
};

export const T = {
  uai: "azure-native:managedidentity:UserAssignedIdentity",
  fic: "azure-native:managedidentity:FederatedIdentityCredential",
  roleAssignment: "azure-native:authorization:RoleAssignment",
  roleDefinition: "azure-native:authorization:RoleDefinition",
  configMap: "kubernetes:core/v1:ConfigMap",
  vault: "azure-native:keyvault:Vault",
  secret: "azure-native:keyvault:Secret",
  vm: "azure-native:compute:VirtualMachine",
  runCommand: "azure-native:compute:VirtualMachineRunCommandByVirtualMachine",
  nic: "azure-native:network:NetworkInterface",
  cluster: "azure-native:containerservice:ManagedCluster",
  serviceAccount: "kubernetes:core/v1:ServiceAccount",
  pod: "kubernetes:core/v1:Pod",
  job: "kubernetes:batch/v1:Job",
  cronJob: "kubernetes:batch/v1:CronJob",
  deployment: "kubernetes:apps/v1:Deployment",
  statefulSet: "kubernetes:apps/v1:StatefulSet",
  daemonSet: "kubernetes:apps/v1:DaemonSet",
  replicaSet: "kubernetes:apps/v1:ReplicaSet",
} as const;

/**
 * Pulumi's secret signature in serialized property values: `{ [PULUMI_SECRET_SIG_KEY]:
 * PULUMI_SECRET_SIG, value }` — taken from @pulumi/pulumi's own runtime (runtime/rpc.ts
 * `specialSigKey`, `specialSecretSig`), not retyped.
 */
export const PULUMI_SECRET_SIG_KEY: string = rpc.specialSigKey;
export const PULUMI_SECRET_SIG: string = rpc.specialSecretSig;

export function unsecret(v: unknown): unknown {
  if (v !== null && typeof v === "object" && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    if (o[PULUMI_SECRET_SIG_KEY] === PULUMI_SECRET_SIG) {
      return unsecret(o.value);
    }
  }
  return v;
}
export function obj(v: unknown): Record<string, unknown> {
  const u = unsecret(v);
  return u !== null && typeof u === "object" && !Array.isArray(u)
    ? (u as Record<string, unknown>)
    : {};
}
export function str(v: unknown): string | undefined {
  const u = unsecret(v);
  return typeof u === "string" && u.length > 0 ? u : undefined;
}
export function bool(v: unknown): boolean | undefined {
  const u = unsecret(v);
  return typeof u === "boolean" ? u : undefined;
}
export function strings(v: unknown): string[] {
  const u = unsecret(v);
  return Array.isArray(u) ? u.map((x) => str(x)).filter((x): x is string => x !== undefined) : [];
}
export function arr(v: unknown): unknown[] {
  const u = unsecret(v);
  return Array.isArray(u) ? u : [];
}
export function stringMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(obj(v))) {
    const s = unsecret(val);
    if (typeof s === "string") {
      out[k] = s;
    }
  }
  return out;
}
/** First defined string among input/output paths. */
export function pick(r: RecordedResourceLike, ...paths: string[]): string | undefined {
  for (const path of paths) {
    for (const bag of [r.inputs, r.outputs]) {
      let cur: unknown = bag;
      for (const key of path.split(".")) {
        cur = obj(cur)[key];
      }
      const s = str(cur);
      if (s !== undefined) {
        return s;
      }
    }
  }
  return undefined;
}
export function eqi(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();
}
