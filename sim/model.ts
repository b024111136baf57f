/**
 * The deployment model: what a Pulumi program declared, rebuilt from the RAW recorded resources
 * (type tokens + resolved inputs/outputs), so it works for any program, with or without zerocred's
 * components. Then: the emulator world it seeds, and the principals × secrets to verify.
 */
import { v5 as uuidv5 } from "uuid";
import { findRole, KEY_VAULT_GET_SECRET, permits, type RoleDefinition } from "../components/roles";
import { parseArmId, scopeCovers } from "../components/rules/armIds";
import { serviceAccountSubject } from "../components/rules/workloadIdentity";
import type { EmulatorWorld } from "./emulators";
import {
  declaredIntent,
  inferredIntent,
  verifierIntent,
  type IntentRule,
  type IntentSubject,
  type VerifierProblem,
} from "./model/intent";
import { CLIENT_ID_ANNOTATION, mutatePod, type WebhookResult } from "./webhook";

export { parseArmId, scopeCovers, type ParsedArmId } from "../components/rules/armIds";

/** The fields of sim/cloud.ts `RecordedResource` that the analysis reads. */
export interface RecordedResourceLike {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  readonly parent?: string;
  readonly custom: boolean;
  readonly provider?: string;
  readonly id: string;
  readonly order: number;
  readonly inputs: Record<string, unknown>;
  readonly outputs: Record<string, unknown>;
  /** URNs the engine orders this resource after (`dependsOn` ∪ property dependencies). */
  readonly dependencies?: readonly string[];
}

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

export interface IdentityModel {
  readonly urn: string;
  readonly logicalName: string;
  readonly name: string;
  readonly resourceGroupName?: string;
  readonly resourceId: string;
  readonly principalId?: string;
  readonly clientId?: string;
}
export interface FederatedCredentialModel {
  readonly urn: string;
  readonly logicalName: string;
  readonly name: string;
  /** The parent identity's name (`resourceName`). */
  readonly identityName: string;
  readonly resourceGroupName?: string;
  /** The parent identity, when the program declares it. */
  readonly identityUrn?: string;
  readonly identityResourceId?: string;
  readonly issuer?: string;
  readonly subject?: string;
  readonly audiences: string[];
  /** URNs this credential's write waits for, when the cloud recorded them. */
  readonly dependencies?: readonly string[];
}
export interface VmModel {
  readonly urn: string;
  readonly logicalName: string;
  readonly name: string;
  readonly resourceId: string;
  /** `None` when no identity block is declared. */
  readonly identityType: string;
  readonly systemAssigned?: { readonly principalId: string; readonly clientId: string };
  readonly userAssignedIdentityIds: string[];
  /** Subnets of its network interfaces (when the NICs are declared in the program). */
  readonly subnetIds: string[];
  /** Its customData/userData, decoded (scripts that may name a vault URI). */
  readonly bootText: string;
}
export type ScopeKind =
  "subscription" | "resourceGroup" | "vault" | "secret" | "resource" | "other";
export interface RoleAssignmentModel {
  readonly urn: string;
  readonly logicalName: string;
  readonly principalId: string;
  /** A readable name: an identity name, `<vm> (system-assigned)`, or the GUID. */
  readonly principalName: string;
  readonly principalKind: "user-assigned" | "vm-system" | "unknown";
  readonly principalType?: string;
  readonly roleDefinitionId: string;
  readonly role?: RoleDefinition;
  /** Whether the role is known: built-in, or a RoleDefinition declared in the program. */
  readonly roleKnown: boolean;
  /** A RoleDefinition the program declares (evaluated by its own dataActions/notDataActions). */
  readonly customRole: boolean;
  /** The role's display name, or the definition id when it is not a known built-in role. */
  readonly roleName: string;
  readonly scope: string;
  readonly scopeKind: ScopeKind;
  /** A readable scope: `vault kv1`, `secret kv1/canary`, `resource group rg1`, `subscription …`. */
  readonly scopeName: string;
  readonly grantsGetSecret: boolean;
}
export interface SecretModel {
  readonly urn: string;
  readonly logicalName: string;
  readonly vaultName: string;
  readonly name: string;
  readonly resourceId: string;
  /** Whether the program's recorded inputs hold the value (the value itself is never in the model). */
  readonly valueRecorded: boolean;
}
export interface VaultModel {
  readonly urn: string;
  readonly logicalName: string;
  readonly name: string;
  readonly resourceGroupName?: string;
  readonly resourceId: string;
  /** Azure's default when unset is false (access-policy mode). */
  readonly enableRbacAuthorization: boolean;
  readonly rbacSetExplicitly: boolean;
  readonly accessPolicyCount: number;
  readonly publicNetworkAccess?: string;
  readonly networkAcls?: {
    readonly defaultAction?: string;
    readonly bypass?: string;
    readonly ipRules: string[];
    readonly virtualNetworkRules: string[];
  };
  readonly vaultUri?: string;
  readonly secrets: SecretModel[];
}
export interface ClusterModel {
  readonly urn: string;
  readonly logicalName: string;
  readonly name: string;
  readonly resourceId: string;
  readonly issuerUrl?: string;
  readonly oidcIssuerEnabled: boolean;
  readonly workloadIdentityEnabled: boolean;
  /** Subnets of its agent pools (`vnetSubnetID`). */
  readonly subnetIds: string[];
}
export interface ServiceAccountModel {
  readonly urn: string;
  readonly logicalName: string;
  readonly cluster?: string;
  readonly namespace: string;
  readonly name: string;
  readonly annotations: Record<string, string>;
  readonly labels: Record<string, string>;
}
export interface PodTemplateModel {
  readonly urn: string;
  readonly logicalName: string;
  /** Kubernetes kind: Job, Deployment, StatefulSet, DaemonSet, ReplicaSet, Pod, CronJob. */
  readonly kind: string;
  readonly name: string;
  readonly cluster?: string;
  readonly namespace: string;
  /** As written; empty means `default`. */
  readonly serviceAccountName: string;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  /** Labels on the workload object itself (not the template). */
  readonly objectLabels: Record<string, string>;
  /** Environment of its containers (plain values and ConfigMap references). */
  readonly env: EnvVarModel[];
  /** ConfigMaps its containers take whole (`envFrom.configMapRef`). */
  readonly envFromConfigMaps: string[];
  /**
   * The parameters of a zerocred pod verifier (ZC_PRINCIPAL, ZC_EXPECTED, ZC_VAULT_URL,
   * ZC_SECRET_NAME), when this pod runs one.
   */
  readonly verifier?: {
    readonly principal: string;
    readonly expected: string;
    readonly vaultUrl: string;
    readonly secretName: string;
  };
}
export interface EnvVarModel {
  readonly container: string;
  readonly name: string;
  readonly value?: string;
  readonly configMap?: { readonly name: string; readonly key: string };
}
export interface ConfigMapModel {
  readonly urn: string;
  readonly cluster?: string;
  readonly namespace: string;
  readonly name: string;
  readonly data: Record<string, string>;
}
export interface RunCommandModel {
  readonly urn: string;
  readonly logicalName: string;
  readonly name: string;
  readonly vmName: string;
  /** Whether its script or parameters mention a client id (`client_id`, `clientId`, `msi_res_id`, or a declared identity's client id). */
  readonly selectsIdentity: boolean;
  /** Its script (`source.script`), as written. */
  readonly script: string;
  /** Its parameters, `name → value` (protected parameters excluded). */
  readonly parameters: Record<string, string>;
}
export interface DeploymentModel {
  readonly identities: IdentityModel[];
  readonly federatedCredentials: FederatedCredentialModel[];
  readonly vms: VmModel[];
  readonly roleAssignments: RoleAssignmentModel[];
  readonly vaults: VaultModel[];
  readonly clusters: ClusterModel[];
  readonly serviceAccounts: ServiceAccountModel[];
  readonly podTemplates: PodTemplateModel[];
  readonly runCommands: RunCommandModel[];
  readonly configMaps: ConfigMapModel[];
  /**
   * Principal (object) ids the program's own resources report — identities, VM and cluster
   * identities, kubelet identities, the deployer (getClientConfig): anything else a role
   * assignment names is outside the program.
   */
  readonly knownPrincipalIds: string[];
  /** Whether the recorded resources carry `dependencies` (needed to judge FIC write serialization). */
  readonly dependenciesRecorded: boolean;
  /** URN → the URNs it waits for (recorded `dependencies`), for every resource. */
  readonly dependencyGraph: Readonly<Record<string, readonly string[]>>;
}

// Secret values stay out of the (JSON-printable) model; read them with secretValueOf.
const SECRET_VALUES = new WeakMap<SecretModel, string>();

/** The secret's recorded value, if the program's inputs held it. Never print it. */
export function secretValueOf(secret: SecretModel): string | undefined {
  return SECRET_VALUES.get(secret);
}

// ---------------------------------------------------------------------------------------------
// helpers

const PULUMI_SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
const PULUMI_SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

function unsecret(v: unknown): unknown {
  if (v !== null && typeof v === "object" && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    if (o[PULUMI_SECRET_SIG_KEY] === PULUMI_SECRET_SIG) {
      return unsecret(o.value);
    }
  }
  return v;
}
function obj(v: unknown): Record<string, unknown> {
  const u = unsecret(v);
  return u !== null && typeof u === "object" && !Array.isArray(u)
    ? (u as Record<string, unknown>)
    : {};
}
function str(v: unknown): string | undefined {
  const u = unsecret(v);
  return typeof u === "string" && u.length > 0 ? u : undefined;
}
function bool(v: unknown): boolean | undefined {
  const u = unsecret(v);
  return typeof u === "boolean" ? u : undefined;
}
function strings(v: unknown): string[] {
  const u = unsecret(v);
  return Array.isArray(u) ? u.map((x) => str(x)).filter((x): x is string => x !== undefined) : [];
}
function arr(v: unknown): unknown[] {
  const u = unsecret(v);
  return Array.isArray(u) ? u : [];
}
function stringMap(v: unknown): Record<string, string> {
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
function pick(r: RecordedResourceLike, ...paths: string[]): string | undefined {
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
function eqi(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();
}

/** Deterministic GUID for values Azure computes but ARM does not report (a VM system identity's client id). */
const MODEL_NAMESPACE = "0b7f3c2a-6e1d-4a5b-9c8d-7e6f5a4b3c2d";
export function derivedGuid(seed: string): string {
  return uuidv5(seed, MODEL_NAMESPACE);
}

function rgOfId(id: string): string | undefined {
  return parseArmId(id).resourceGroup;
}

// ---------------------------------------------------------------------------------------------
// buildModel

function clusterResolver(
  resources: readonly RecordedResourceLike[],
  clusters: readonly ClusterModel[],
): (r: RecordedResourceLike) => string | undefined {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  return (r) => {
    if (clusters.length === 0) {
      return undefined;
    }
    const providerUrn = r.provider?.split("::").slice(0, -1).join("::");
    const provider = providerUrn !== undefined ? byUrn.get(providerUrn) : undefined;
    if (provider !== undefined) {
      const deps = new Set(provider.dependencies ?? []);
      const byDep = clusters.find((c) => deps.has(c.urn));
      if (byDep !== undefined) {
        return byDep.name;
      }
      const kubeconfig = JSON.stringify(provider.inputs.kubeconfig ?? "");
      const byText = clusters.find((c) => kubeconfig.includes(c.name));
      if (byText !== undefined) {
        return byText.name;
      }
    }
    return clusters.length === 1 ? clusters[0]!.name : undefined;
  };
}

const POD_TEMPLATE_PATHS: Record<string, string[]> = {
  [T.job]: ["spec", "template"],
  [T.deployment]: ["spec", "template"],
  [T.statefulSet]: ["spec", "template"],
  [T.daemonSet]: ["spec", "template"],
  [T.replicaSet]: ["spec", "template"],
  [T.cronJob]: ["spec", "jobTemplate", "spec", "template"],
  [T.pod]: [],
};

function k8sKind(type: string): string {
  return type.split(":").pop() ?? type;
}

/** `customData`/`userData` are base64 in ARM; decode when they are, keep the text when not. */
function decodedText(value: string | undefined): string {
  if (value === undefined) {
    return "";
  }
  if (/^[A-Za-z0-9+/=\s]+$/.test(value) && value.replace(/\s/g, "").length % 4 === 0) {
    const decoded = Buffer.from(value, "base64").toString("utf8");
    // eslint-disable-next-line no-control-regex -- printable text check
    if (!/[\x00-\x08\x0e-\x1f]/.test(decoded)) {
      return decoded;
    }
  }
  return value;
}

/** Principal/object ids found anywhere in a resource's outputs (depth-limited). */
function principalIdsIn(value: unknown, out: Set<string>, depth = 0): void {
  const u = unsecret(value);
  if (depth > 6 || u === null || typeof u !== "object") {
    return;
  }
  for (const [k, v] of Object.entries(u as Record<string, unknown>)) {
    const sv = unsecret(v);
    if (typeof sv === "string" && /^(principalId|objectId)$/i.test(k)) {
      out.add(sv.toLowerCase());
    } else {
      principalIdsIn(sv, out, depth + 1);
    }
  }
}

export interface BuildModelOptions {
  /** Principals outside the recorded resources that are known (the deployer's object id). */
  readonly knownPrincipalIds?: readonly string[];
}

/** Builds the deployment model from raw recorded resources. Pure. */
export function buildModel(
  resources: readonly RecordedResourceLike[],
  options: BuildModelOptions = {},
): DeploymentModel {
  const of = (type: string) => resources.filter((r) => r.type === type);

  const identities: IdentityModel[] = of(T.uai).map((r) => ({
    urn: r.urn,
    logicalName: r.name,
    name: pick(r, "resourceName", "name") ?? r.name,
    resourceGroupName: pick(r, "resourceGroupName"),
    resourceId: str(r.outputs.id) ?? r.id,
    principalId: pick(r, "principalId"),
    clientId: pick(r, "clientId"),
  }));

  const federatedCredentials: FederatedCredentialModel[] = of(T.fic).map((r) => {
    const identityName = pick(r, "resourceName") ?? "";
    const rg = pick(r, "resourceGroupName");
    const parent =
      identities.find(
        (i) =>
          i.name === identityName &&
          (rg === undefined || i.resourceGroupName === undefined || eqi(i.resourceGroupName, rg)),
      ) ?? undefined;
    const audiences = strings(r.inputs.audiences ?? r.outputs.audiences);
    return {
      urn: r.urn,
      logicalName: r.name,
      name: pick(r, "federatedIdentityCredentialResourceName", "name") ?? r.name,
      identityName,
      resourceGroupName: rg,
      identityUrn: parent?.urn,
      identityResourceId: parent?.resourceId,
      issuer: pick(r, "issuer"),
      subject: pick(r, "subject"),
      audiences,
      dependencies: r.dependencies,
    };
  });

  const nicSubnets = new Map<string, string[]>();
  for (const nic of of(T.nic)) {
    const subnets = arr(nic.inputs.ipConfigurations)
      .map((c) => str(obj(obj(c).subnet).id))
      .filter((id): id is string => id !== undefined);
    nicSubnets.set((str(nic.outputs.id) ?? nic.id).toLowerCase(), subnets);
  }
  const vms: VmModel[] = of(T.vm).map((r) => {
    const identityIn = obj(r.inputs.identity);
    const identityOut = obj(r.outputs.identity);
    const identityType = str(identityIn.type) ?? str(identityOut.type) ?? "None";
    const uaiIn = unsecret(identityIn.userAssignedIdentities);
    const uaiOut = unsecret(identityOut.userAssignedIdentities);
    const ids = Array.isArray(uaiIn)
      ? strings(uaiIn)
      : uaiIn !== undefined
        ? Object.keys(obj(uaiIn))
        : Array.isArray(uaiOut)
          ? strings(uaiOut)
          : Object.keys(obj(uaiOut));
    const hasSystem = /systemassigned/i.test(identityType.replace(/\s/g, ""));
    const principalId = str(identityOut.principalId);
    const resourceId = str(r.outputs.id) ?? r.id;
    return {
      urn: r.urn,
      logicalName: r.name,
      name: pick(r, "vmName", "name") ?? r.name,
      resourceId,
      identityType,
      ...(hasSystem && principalId !== undefined
        ? { systemAssigned: { principalId, clientId: derivedGuid(`${principalId}#clientId`) } }
        : {}),
      userAssignedIdentityIds: /userassigned/i.test(identityType) ? ids : [],
      subnetIds: arr(obj(r.inputs.networkProfile).networkInterfaces)
        .map((n) => str(obj(n).id))
        .filter((id): id is string => id !== undefined)
        .flatMap((id) => nicSubnets.get(id.toLowerCase()) ?? []),
      bootText: [
        decodedText(str(obj(r.inputs.osProfile).customData)),
        decodedText(str(r.inputs.userData)),
      ]
        .filter((t) => t.length > 0)
        .join("\n"),
    };
  });

  const secrets: SecretModel[] = of(T.secret).map((r) => {
    const vaultName = pick(r, "vaultName") ?? "";
    const name = pick(r, "secretName", "name") ?? r.name;
    const value = str(obj(r.inputs.properties).value);
    const model: SecretModel = {
      urn: r.urn,
      logicalName: r.name,
      vaultName,
      name,
      resourceId: str(r.outputs.id) ?? r.id,
      valueRecorded: value !== undefined,
    };
    if (value !== undefined) {
      SECRET_VALUES.set(model, value);
    }
    return model;
  });

  const vaults: VaultModel[] = of(T.vault).map((r) => {
    const props = obj(r.inputs.properties);
    const outProps = obj(r.outputs.properties);
    const name = pick(r, "vaultName", "name") ?? r.name;
    const rbac = bool(props.enableRbacAuthorization) ?? bool(outProps.enableRbacAuthorization);
    const acls = obj(props.networkAcls ?? outProps.networkAcls);
    const hasAcls = Object.keys(acls).length > 0;
    const rg = pick(r, "resourceGroupName");
    return {
      urn: r.urn,
      logicalName: r.name,
      name,
      resourceGroupName: rg,
      resourceId: str(r.outputs.id) ?? r.id,
      enableRbacAuthorization: rbac ?? false,
      rbacSetExplicitly: rbac !== undefined,
      accessPolicyCount: Array.isArray(unsecret(props.accessPolicies))
        ? (unsecret(props.accessPolicies) as unknown[]).length
        : 0,
      publicNetworkAccess: str(props.publicNetworkAccess) ?? str(outProps.publicNetworkAccess),
      ...(hasAcls
        ? {
            networkAcls: {
              defaultAction: str(acls.defaultAction),
              bypass: str(acls.bypass),
              ipRules: (Array.isArray(unsecret(acls.ipRules))
                ? (unsecret(acls.ipRules) as unknown[])
                : []
              ).map((x) => str(obj(x).value) ?? ""),
              virtualNetworkRules: (Array.isArray(unsecret(acls.virtualNetworkRules))
                ? (unsecret(acls.virtualNetworkRules) as unknown[])
                : []
              ).map((x) => str(obj(x).id) ?? ""),
            },
          }
        : {}),
      vaultUri: str(outProps.vaultUri) ?? str(props.vaultUri),
      secrets: secrets.filter(
        (s) =>
          s.vaultName.toLowerCase() === name.toLowerCase() &&
          (rg === undefined || rgOfId(s.resourceId) === undefined || eqi(rgOfId(s.resourceId), rg)),
      ),
    };
  });

  const clusters: ClusterModel[] = of(T.cluster).map((r) => {
    const oidc = obj(r.outputs.oidcIssuerProfile);
    const oidcIn = obj(r.inputs.oidcIssuerProfile);
    const wi = obj(obj(r.inputs.securityProfile).workloadIdentity);
    return {
      urn: r.urn,
      logicalName: r.name,
      name: pick(r, "resourceName", "name") ?? r.name,
      resourceId: str(r.outputs.id) ?? r.id,
      issuerUrl: str(oidc.issuerURL) ?? str(oidcIn.issuerURL),
      oidcIssuerEnabled: bool(oidcIn.enabled) ?? bool(oidc.enabled) ?? false,
      workloadIdentityEnabled:
        bool(wi.enabled) ??
        bool(obj(obj(r.outputs.securityProfile).workloadIdentity).enabled) ??
        false,
      subnetIds: arr(r.inputs.agentPoolProfiles)
        .map((p) => str(obj(p).vnetSubnetID))
        .filter((id): id is string => id !== undefined),
    };
  });

  const clusterOf = clusterResolver(resources, clusters);

  const serviceAccounts: ServiceAccountModel[] = of(T.serviceAccount).map((r) => {
    const meta = { ...obj(r.outputs.metadata), ...obj(r.inputs.metadata) };
    return {
      urn: r.urn,
      logicalName: r.name,
      cluster: clusterOf(r),
      namespace: str(meta.namespace) ?? "default",
      name: str(meta.name) ?? str(obj(r.outputs.metadata).name) ?? r.name,
      annotations: stringMap(meta.annotations),
      labels: stringMap(meta.labels),
    };
  });

  const podTemplates: PodTemplateModel[] = [];
  for (const r of resources) {
    const path = POD_TEMPLATE_PATHS[r.type];
    if (path === undefined) {
      continue;
    }
    const meta = { ...obj(r.outputs.metadata), ...obj(r.inputs.metadata) };
    let template: Record<string, unknown> = r.inputs;
    for (const key of path) {
      template = obj(template[key]);
    }
    const tmeta = obj(template.metadata);
    const spec = obj(template.spec);
    const containers = [...arr(spec.initContainers), ...arr(spec.containers)].map(obj);
    const env: EnvVarModel[] = containers.flatMap((c) =>
      arr(c.env).map((e): EnvVarModel => {
        const o = obj(e);
        const ref = obj(obj(o.valueFrom).configMapKeyRef);
        const cmName = str(ref.name);
        const cmKey = str(ref.key);
        return {
          container: str(c.name) ?? "",
          name: str(o.name) ?? "",
          ...(str(o.value) !== undefined ? { value: str(o.value)! } : {}),
          ...(cmName !== undefined && cmKey !== undefined
            ? { configMap: { name: cmName, key: cmKey } }
            : {}),
        };
      }),
    );
    const envValue = (name: string) => env.find((e) => e.name === name)?.value;
    const zcVault = envValue("ZC_VAULT_URL");
    const zcSecret = envValue("ZC_SECRET_NAME");
    const zcExpected = envValue("ZC_EXPECTED");
    podTemplates.push({
      urn: r.urn,
      logicalName: r.name,
      kind: k8sKind(r.type),
      name: str(meta.name) ?? str(obj(r.outputs.metadata).name) ?? r.name,
      cluster: clusterOf(r),
      namespace: str(meta.namespace) ?? "default",
      serviceAccountName: str(spec.serviceAccountName) ?? str(spec.serviceAccount) ?? "",
      labels: stringMap(tmeta.labels),
      annotations: stringMap(tmeta.annotations),
      objectLabels: stringMap(meta.labels),
      env,
      envFromConfigMaps: containers.flatMap((c) =>
        arr(c.envFrom)
          .map((e) => str(obj(obj(e).configMapRef).name))
          .filter((n): n is string => n !== undefined),
      ),
      ...(zcVault !== undefined && zcSecret !== undefined && zcExpected !== undefined
        ? {
            verifier: {
              principal: envValue("ZC_PRINCIPAL") ?? "",
              expected: zcExpected,
              vaultUrl: zcVault,
              secretName: zcSecret,
            },
          }
        : {}),
    });
  }

  const configMaps: ConfigMapModel[] = of(T.configMap).map((r) => {
    const meta = { ...obj(r.outputs.metadata), ...obj(r.inputs.metadata) };
    return {
      urn: r.urn,
      cluster: clusterOf(r),
      namespace: str(meta.namespace) ?? "default",
      name: str(meta.name) ?? r.name,
      data: stringMap(r.inputs.data ?? r.outputs.data),
    };
  });

  // Custom roles the program declares: evaluated by their own permissions, like built-in ones.
  const customRoles = of(T.roleDefinition).map((r) => {
    const perms = arr(r.inputs.permissions).map(obj);
    const id = str(r.outputs.id) ?? r.id;
    const role: RoleDefinition = {
      roleName: pick(r, "roleName") ?? r.name,
      id: (id.split("/").pop() ?? id).toLowerCase(),
      description: pick(r, "description") ?? "",
      actions: perms.flatMap((p) => strings(p.actions)),
      notActions: perms.flatMap((p) => strings(p.notActions)),
      dataActions: perms.flatMap((p) => strings(p.dataActions)),
      notDataActions: perms.flatMap((p) => strings(p.notDataActions)),
    };
    return { resourceId: id, role };
  });
  const roleOf = (
    roleDefinitionId: string,
  ): { role?: RoleDefinition; known: boolean; custom: boolean } => {
    if (roleDefinitionId === "") {
      return { known: false, custom: false };
    }
    const guid = roleDefinitionId.split("/").pop() ?? roleDefinitionId;
    const custom = customRoles.find(
      (c) => eqi(c.resourceId, roleDefinitionId) || eqi(c.role.id, guid),
    );
    if (custom !== undefined) {
      return { role: custom.role, known: true, custom: true };
    }
    const builtIn = findRole(roleDefinitionId);
    return {
      ...(builtIn !== undefined ? { role: builtIn } : {}),
      known: builtIn !== undefined,
      custom: false,
    };
  };

  const principalName = (
    principalId: string,
  ): { name: string; kind: RoleAssignmentModel["principalKind"] } => {
    const uai = identities.find((i) => eqi(i.principalId, principalId));
    if (uai !== undefined) {
      return { name: uai.name, kind: "user-assigned" };
    }
    const vm = vms.find((v) => eqi(v.systemAssigned?.principalId, principalId));
    if (vm !== undefined) {
      return { name: `${vm.name} (system-assigned)`, kind: "vm-system" };
    }
    return { name: principalId, kind: "unknown" };
  };

  const describeScope = (scope: string): { kind: ScopeKind; name: string } => {
    const parsed = parseArmId(scope);
    const last = parsed.segments[parsed.segments.length - 1];
    const vault = vaults.find((v) => eqi(v.resourceId, scope));
    if (vault !== undefined) {
      return { kind: "vault", name: `vault ${vault.name}` };
    }
    const secret = secrets.find((s) => eqi(s.resourceId, scope));
    if (secret !== undefined) {
      return { kind: "secret", name: `secret ${secret.vaultName}/${secret.name}` };
    }
    if (last === undefined) {
      if (parsed.resourceGroup !== undefined) {
        return { kind: "resourceGroup", name: `resource group ${parsed.resourceGroup}` };
      }
      if (parsed.subscriptionId !== undefined) {
        return { kind: "subscription", name: `subscription ${parsed.subscriptionId}` };
      }
      return { kind: "other", name: scope };
    }
    const segs = parsed.segments;
    if (eqi(parsed.provider, "Microsoft.KeyVault") && eqi(segs[0]?.type, "vaults")) {
      const where =
        parsed.resourceGroup !== undefined ? ` in resource group ${parsed.resourceGroup}` : "";
      if (segs.length >= 2 && eqi(segs[1]?.type, "secrets")) {
        return { kind: "secret", name: `secret ${segs[0]!.name}/${segs[1]!.name}${where}` };
      }
      return { kind: "vault", name: `vault ${segs[0]!.name}${where}` };
    }
    return { kind: "resource", name: `${last.type}/${last.name}` };
  };

  const roleAssignments: RoleAssignmentModel[] = of(T.roleAssignment).map((r) => {
    const principalId = pick(r, "principalId") ?? "";
    const roleDefinitionId = pick(r, "roleDefinitionId") ?? "";
    const scope = pick(r, "scope") ?? "";
    const { role, known, custom } = roleOf(roleDefinitionId);
    const p = principalName(principalId);
    const s = describeScope(scope);
    return {
      urn: r.urn,
      logicalName: r.name,
      principalId,
      principalName: p.name,
      principalKind: p.kind,
      principalType: pick(r, "principalType"),
      roleDefinitionId,
      ...(role !== undefined ? { role } : {}),
      roleKnown: known,
      customRole: custom,
      roleName: role?.roleName ?? roleDefinitionId,
      scope,
      scopeKind: s.kind,
      scopeName: s.name,
      grantsGetSecret: role !== undefined && permits(role, KEY_VAULT_GET_SECRET, "dataAction"),
    };
  });

  const runCommands: RunCommandModel[] = of(T.runCommand).map((r) => {
    const text = JSON.stringify([
      r.inputs.source ?? null,
      r.inputs.parameters ?? null,
      r.inputs.protectedParameters ?? null,
    ]);
    const parameters: Record<string, string> = {};
    for (const p of arr(r.inputs.parameters)) {
      const name = str(obj(p).name);
      const value = str(obj(p).value);
      if (name !== undefined && value !== undefined) {
        parameters[name] = value;
      }
    }
    return {
      urn: r.urn,
      logicalName: r.name,
      name: pick(r, "runCommandName", "name") ?? r.name,
      vmName: pick(r, "vmName") ?? "",
      script: str(obj(r.inputs.source).script) ?? "",
      parameters,
      selectsIdentity:
        /client_id|clientid|msi_res_id|object_id/i.test(text) ||
        identities.some((i) => i.clientId !== undefined && text.includes(i.clientId)),
    };
  });

  const known = new Set((options.knownPrincipalIds ?? []).map((id) => id.toLowerCase()));
  for (const r of resources) {
    if (r.type !== T.roleAssignment) {
      principalIdsIn(r.outputs, known);
    }
  }

  return {
    identities,
    federatedCredentials,
    vms,
    runCommands,
    configMaps,
    knownPrincipalIds: [...known],
    roleAssignments,
    vaults,
    clusters,
    serviceAccounts,
    podTemplates,
    dependenciesRecorded: resources.some((r) => Array.isArray(r.dependencies)),
    dependencyGraph: Object.fromEntries(resources.map((r) => [r.urn, [...(r.dependencies ?? [])]])),
  };
}

// ---------------------------------------------------------------------------------------------
// lookups shared by the other analyses

export function serviceAccountSubjectOf(namespace: string, name: string): string {
  return serviceAccountSubject(namespace, name);
}
export function effectiveServiceAccount(pod: PodTemplateModel): string {
  return pod.serviceAccountName || "default";
}
export function findServiceAccount(
  model: DeploymentModel,
  pod: PodTemplateModel,
): ServiceAccountModel | undefined {
  const name = effectiveServiceAccount(pod);
  return model.serviceAccounts.find(
    (sa) =>
      sa.name === name &&
      sa.namespace === pod.namespace &&
      (sa.cluster === pod.cluster || sa.cluster === undefined || pod.cluster === undefined),
  );
}
export function identityByClientId(
  model: DeploymentModel,
  clientId: string | undefined,
): IdentityModel | undefined {
  return clientId === undefined
    ? undefined
    : model.identities.find((i) => eqi(i.clientId, clientId));
}
export function identityByResourceId(
  model: DeploymentModel,
  id: string,
): IdentityModel | undefined {
  return model.identities.find((i) => eqi(i.resourceId, id));
}
export function ficsOf(
  model: DeploymentModel,
  identity: IdentityModel,
): FederatedCredentialModel[] {
  return model.federatedCredentials.filter((f) => f.identityUrn === identity.urn);
}
export function clusterByName(
  model: DeploymentModel,
  name: string | undefined,
): ClusterModel | undefined {
  return name === undefined ? undefined : model.clusters.find((c) => c.name === name);
}
/** Federated credentials whose subject is this pod's service account (any identity). */
export function ficsForSubject(
  model: DeploymentModel,
  subject: string,
): FederatedCredentialModel[] {
  return model.federatedCredentials.filter((f) => f.subject === subject);
}

/** The webhook's verdict for a pod template, in the model's terms. */
export function webhookFor(
  model: DeploymentModel,
  pod: PodTemplateModel,
  tenantId: string,
): WebhookResult {
  const sa = findServiceAccount(model, pod);
  return mutatePod(
    {
      namespace: pod.namespace,
      serviceAccountName: pod.serviceAccountName,
      labels: pod.labels,
      annotations: pod.annotations,
    },
    sa,
    { tenantId },
  );
}

/**
 * The identity a pod INTENDS to use: the one its service account's client-id annotation names, else
 * the identity holding a federated credential for its subject (declared intent, even when the
 * annotation is missing).
 */
export function intendedIdentityOfPod(
  model: DeploymentModel,
  pod: PodTemplateModel,
): IdentityModel | undefined {
  const sa = findServiceAccount(model, pod);
  const byAnnotation = identityByClientId(model, sa?.annotations[CLIENT_ID_ANNOTATION]);
  const subject = serviceAccountSubjectOf(pod.namespace, effectiveServiceAccount(pod));
  const fics = ficsForSubject(model, subject).filter((f) => f.identityUrn !== undefined);
  if (
    byAnnotation !== undefined &&
    (fics.length === 0 || fics.some((f) => f.identityUrn === byAnnotation.urn))
  ) {
    return byAnnotation;
  }
  const fic = fics[0];
  return fic === undefined ? byAnnotation : model.identities.find((i) => i.urn === fic.identityUrn);
}

/** Role assignments of a principal that apply to a resource id (scope covers it). */
export function assignmentsCovering(
  model: DeploymentModel,
  principalId: string | undefined,
  resourceId: string,
): RoleAssignmentModel[] {
  if (principalId === undefined) {
    return [];
  }
  return model.roleAssignments.filter(
    (a) => eqi(a.principalId, principalId) && a.scope !== "" && scopeCovers(a.scope, resourceId),
  );
}

// ---------------------------------------------------------------------------------------------
// emulator world

/** The emulator world the model declares. Secrets without a recorded value get a deterministic placeholder. */
export function toEmulatorWorld(model: DeploymentModel, tenantId: string): EmulatorWorld {
  return {
    tenantId,
    identities: model.identities
      .filter((i) => i.principalId !== undefined && i.clientId !== undefined)
      .map((i) => ({
        name: i.name,
        resourceId: i.resourceId,
        principalId: i.principalId!,
        clientId: i.clientId!,
      })),
    federatedCredentials: model.federatedCredentials
      .filter(
        (f) =>
          f.identityResourceId !== undefined && f.issuer !== undefined && f.subject !== undefined,
      )
      .map((f) => ({
        identityResourceId: f.identityResourceId!,
        name: f.name,
        issuer: f.issuer!,
        subject: f.subject!,
        audiences: [...f.audiences],
      })),
    vms: model.vms.map((v) => ({
      name: v.name,
      resourceId: v.resourceId,
      ...(v.systemAssigned !== undefined ? { systemAssigned: { ...v.systemAssigned } } : {}),
      userAssignedIdentityIds: [...v.userAssignedIdentityIds],
    })),
    clusters: model.clusters
      .filter((c) => c.issuerUrl !== undefined && c.oidcIssuerEnabled)
      .map((c) => ({ name: c.name, issuerUrl: c.issuerUrl! })),
    vaults: model.vaults.map((v) => ({
      name: v.name,
      resourceId: v.resourceId,
      enableRbacAuthorization: v.enableRbacAuthorization,
      secrets: v.secrets.map((s) => ({
        name: s.name,
        value: secretValueOf(s) ?? `simulated-${derivedGuid(`${s.resourceId}#value`)}`,
      })),
    })),
    roleAssignments: model.roleAssignments
      .filter((a) => a.principalId !== "" && a.roleDefinitionId !== "" && a.scope !== "")
      .map((a) => ({
        principalId: a.principalId,
        roleDefinitionId: a.roleDefinitionId,
        scope: a.scope,
        ...(a.customRole && a.role !== undefined
          ? {
              customRole: {
                dataActions: [...a.role.dataActions],
                notDataActions: [...a.role.notDataActions],
              },
            }
          : {}),
      })),
  };
}

// ---------------------------------------------------------------------------------------------
// what to verify

export type ExpectationSource = "declared" | "inferred" | "verifier" | "derived";

export interface VerificationTarget {
  /** Stable key: `vm:<vm>:<system|identity>` or `pod:<cluster>/<ns>/<kind>/<name>`, then `→<vault>/<secret>`. */
  readonly key: string;
  /** Readable principal: `vm1 (system-assigned)`, `vm1 → shared`, `Job shop/orders-check (sa orders)`. */
  readonly principal: string;
  readonly via: "vm" | "workload";
  /** The identity the principal uses (or intends to use). */
  readonly identity?: {
    readonly kind: "system" | "user";
    readonly name: string;
    readonly principalId?: string;
    readonly clientId?: string;
  };
  /** How to test it from a VM: IMDS of `vm`, with `clientId` (empty = the default identity). */
  readonly vm?: { readonly name: string; readonly clientId: string };
  /** How to test it from a pod: token minted by `cluster`'s issuer for ns/serviceAccount, env from the webhook. */
  readonly pod?: {
    readonly cluster?: string;
    readonly namespace: string;
    readonly serviceAccount: string;
    readonly kind: string;
    readonly name: string;
    readonly webhook: WebhookResult;
    /** Why the pod is never created (its service account does not exist in its namespace). */
    readonly notCreated?: string;
  };
  readonly vault: {
    readonly name: string;
    readonly resourceId: string;
    readonly vaultUri?: string;
  };
  readonly secret: { readonly name: string; readonly resourceId: string };
  /** The intended result: declared > inferred > the deployed verifier's own parameter > derived. */
  readonly expected: "allow" | "deny";
  readonly expectedSource: ExpectationSource;
  /** Where the expectation comes from (`expectedAccess[0]`, `from env KEYVAULT_URL of …`, …). */
  readonly expectedFrom: string;
  /** A deployed zerocred verifier checks this principal × secret, expecting this (what `pulumi up` enforces). */
  readonly verifierExpected?: "allow" | "deny";
  /** That verifier, readable. */
  readonly verifierName?: string;
  /** The assignment that grants access, when one does. */
  readonly grantedBy?: { readonly role: string; readonly scope: string };
}

interface Candidate extends IntentSubject {
  key: string;
  principal: string;
  identity?: VerificationTarget["identity"];
  vm?: VerificationTarget["vm"];
  podTarget?: VerificationTarget["pod"];
  principalId?: string;
  /** Whether the workload-identity analysis concerns it without any intent naming it. */
  concerned: boolean;
  /** A zerocred pod verifier: checks only its own parameters. */
  isVerifier: boolean;
}

/** Where a pod's service account exists when not in its own namespace (same cluster). */
export function serviceAccountElsewhere(
  model: DeploymentModel,
  pod: PodTemplateModel,
): ServiceAccountModel[] {
  const name = effectiveServiceAccount(pod);
  if (name === "default" || findServiceAccount(model, pod) !== undefined) {
    return [];
  }
  return model.serviceAccounts.filter(
    (sa) =>
      sa.name === name &&
      sa.namespace !== pod.namespace &&
      (sa.cluster === pod.cluster || sa.cluster === undefined || pod.cluster === undefined),
  );
}

function candidates(model: DeploymentModel, tenantId: string): Candidate[] {
  const out: Candidate[] = [];
  for (const vm of model.vms) {
    if (
      vm.systemAssigned !== undefined ||
      vm.identityType === "None" ||
      vm.userAssignedIdentityIds.length === 0
    ) {
      out.push({
        key: `vm:${vm.name}:system`,
        principal: `${vm.name} (system-assigned)`,
        via: "vm",
        vmName: vm.name,
        identityKind: "system",
        identityName: `${vm.name} (system-assigned)`,
        ...(vm.systemAssigned !== undefined
          ? {
              identityClientId: vm.systemAssigned.clientId,
              identity: {
                kind: "system",
                name: `${vm.name} (system-assigned)`,
                principalId: vm.systemAssigned.principalId,
                clientId: vm.systemAssigned.clientId,
              },
            }
          : {}),
        vm: { name: vm.name, clientId: "" },
        principalId: vm.systemAssigned?.principalId,
        concerned: false,
        isVerifier: false,
      });
    }
    for (const uaiId of vm.userAssignedIdentityIds) {
      const uai = identityByResourceId(model, uaiId);
      const name = uai?.name ?? parseArmId(uaiId).segments.pop()?.name ?? uaiId;
      out.push({
        key: `vm:${vm.name}:${name}`,
        principal: `${vm.name} → ${name}`,
        via: "vm",
        vmName: vm.name,
        identityKind: "user",
        identityName: name,
        ...(uai?.clientId !== undefined ? { identityClientId: uai.clientId } : {}),
        identity: { kind: "user", name, principalId: uai?.principalId, clientId: uai?.clientId },
        vm: { name: vm.name, clientId: uai?.clientId ?? "" },
        principalId: uai?.principalId,
        concerned: true,
        isVerifier: false,
      });
    }
  }
  for (const pod of model.podTemplates) {
    const sa = findServiceAccount(model, pod);
    const subject = serviceAccountSubjectOf(pod.namespace, effectiveServiceAccount(pod));
    const concerned =
      pod.labels["azure.workload.identity/use"] !== undefined ||
      sa?.annotations[CLIENT_ID_ANNOTATION] !== undefined ||
      sa?.labels["azure.workload.identity/use"] !== undefined ||
      ficsForSubject(model, subject).length > 0;
    const identity = intendedIdentityOfPod(model, pod);
    const saName = effectiveServiceAccount(pod);
    const elsewhere = serviceAccountElsewhere(model, pod);
    out.push({
      key: `pod:${pod.cluster ?? "?"}/${pod.namespace}/${pod.kind}/${pod.name}`,
      principal: `${pod.kind} ${pod.namespace}/${pod.name} (sa ${saName})`,
      via: "workload",
      ...(identity !== undefined
        ? {
            identityKind: "user" as const,
            identityName: identity.name,
            ...(identity.clientId !== undefined ? { identityClientId: identity.clientId } : {}),
            identity: {
              kind: "user",
              name: identity.name,
              principalId: identity.principalId,
              clientId: identity.clientId,
            },
          }
        : {}),
      pod: {
        cluster: pod.cluster,
        namespace: pod.namespace,
        serviceAccount: saName,
        kind: pod.kind,
        name: pod.name,
      },
      podTarget: {
        cluster: pod.cluster,
        namespace: pod.namespace,
        serviceAccount: saName,
        kind: pod.kind,
        name: pod.name,
        webhook: webhookFor(model, pod, tenantId),
        ...(elsewhere.length > 0
          ? {
              notCreated: `serviceaccount "${saName}" not found in namespace ${pod.namespace} (it exists in ${elsewhere.map((e) => e.namespace).join(", ")}): the ${pod.kind === "Pod" ? "API server rejects the pod" : `${pod.kind} controller cannot create its pods`}`,
            }
          : {}),
      },
      principalId: identity?.principalId,
      concerned,
      isVerifier: pod.verifier !== undefined,
    });
  }
  return out;
}

export interface VerificationPlan {
  readonly targets: VerificationTarget[];
  /** The weakest source any target's expectation has: `derived` when nothing but grants speak. */
  readonly expectationSource: "declared" | "inferred" | "derived" | "mixed";
  /** Deployed verifiers whose vault or secret is not in the program. */
  readonly verifierProblems: VerifierProblem[];
  /** Deployed verifiers that expect something else than the declared or inferred intent. */
  readonly disagreements: {
    readonly target: VerificationTarget;
    readonly intent: "declared" | "inferred";
  }[];
}

/**
 * Every principal × vault secret that a grant, an intent or a verifier concerns, each with how to
 * test it and the expected result: declared (`expectedAccess`, validated — throws IntentError) >
 * inferred (the apps' own configuration) > the deployed verifier's parameter > derived (allow iff
 * an RBAC role assignment permits getSecret at a covering scope).
 */
export function principalsToVerify(
  model: DeploymentModel,
  options: { tenantId: string; expectedAccess?: unknown },
): VerificationPlan {
  const all = candidates(model, options.tenantId);
  const declared = declaredIntent(model, options.expectedAccess, all) ?? [];
  const inferred = inferredIntent(model);
  const verifiers = verifierIntent(model);
  const targets: VerificationTarget[] = [];
  const disagreements: VerificationPlan["disagreements"][number][] = [];
  const sources = new Set<ExpectationSource>();
  for (const vault of model.vaults) {
    for (const secret of vault.secrets) {
      for (const c of all) {
        const about = (r: IntentRule) => r.secret === secret && r.matches(c);
        const dec = declared.find(about);
        const inf = inferred.find(about);
        const ver = verifiers.rules.find(about);
        if (c.isVerifier && ver === undefined) {
          // A verifier Job checks exactly its own vault and secret.
          continue;
        }
        const granting = assignmentsCovering(model, c.principalId, secret.resourceId);
        const grant = granting.find((a) => a.grantsGetSecret);
        const concerned =
          dec !== undefined ||
          inf !== undefined ||
          ver !== undefined ||
          (c.via === "workload"
            ? c.concerned
            : granting.length > 0 ||
              c.identityKind === "user" ||
              model.roleAssignments.some((a) => eqi(a.principalId, c.principalId)));
        if (!concerned) {
          continue;
        }
        const intent = dec ?? inf;
        const chosen = intent ?? ver;
        const expected = chosen?.expected ?? (grant !== undefined ? "allow" : "deny");
        const expectedSource: ExpectationSource = chosen?.source ?? "derived";
        sources.add(expectedSource);
        const target: VerificationTarget = {
          key: `${c.key}→${vault.name}/${secret.name}`,
          principal: c.principal,
          via: c.via,
          ...(c.identity !== undefined ? { identity: c.identity } : {}),
          ...(c.vm !== undefined ? { vm: c.vm } : {}),
          ...(c.podTarget !== undefined ? { pod: c.podTarget } : {}),
          vault: {
            name: vault.name,
            resourceId: vault.resourceId,
            ...(vault.vaultUri !== undefined ? { vaultUri: vault.vaultUri } : {}),
          },
          secret: { name: secret.name, resourceId: secret.resourceId },
          expected,
          expectedSource,
          expectedFrom:
            chosen?.from ??
            (grant !== undefined
              ? `derived from ${grant.logicalName} (${grant.roleName})`
              : "derived: no grant reads it"),
          ...(ver !== undefined ? { verifierExpected: ver.expected, verifierName: ver.from } : {}),
          ...(grant !== undefined
            ? { grantedBy: { role: grant.roleName, scope: grant.scope } }
            : {}),
        };
        targets.push(target);
        if (ver !== undefined && intent !== undefined && ver.expected !== intent.expected) {
          disagreements.push({ target, intent: intent.source as "declared" | "inferred" });
        }
      }
    }
  }
  const intentSources = [...sources].filter((x) => x !== "derived" && x !== "verifier");
  const expectationSource: VerificationPlan["expectationSource"] =
    intentSources.length === 0
      ? "derived"
      : sources.has("derived") || intentSources.length > 1
        ? "mixed"
        : (intentSources[0] as "declared" | "inferred");
  return { targets, expectationSource, verifierProblems: verifiers.problems, disagreements };
}
