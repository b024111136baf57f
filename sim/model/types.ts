/** The deployment model's types: what a program declared, in Azure's and Kubernetes' terms. */
import { v5 as uuidv5 } from "uuid";
import type { RoleDefinition } from "../../components/roles";

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
    /** Each check: ZC_EXPECTED/ZC_VAULT_URL/ZC_SECRET_NAME, or each entry of ZC_CHECKS (JSON). */
    readonly checks: readonly {
      readonly expected: string;
      readonly vaultUrl: string;
      readonly secretName: string;
    }[];
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

/** Records a secret's value beside the model (extraction only). */
export function setSecretValue(secret: SecretModel, value: string): void {
  SECRET_VALUES.set(secret, value);
}

/** The secret's recorded value, if the program's inputs held it. Never print it. */
export function secretValueOf(secret: SecretModel): string | undefined {
  return SECRET_VALUES.get(secret);
}

/** Deterministic GUID for values Azure computes but ARM does not report (a VM system identity's client id). */
const MODEL_NAMESPACE = "0b7f3c2a-6e1d-4a5b-9c8d-7e6f5a4b3c2d";
export function derivedGuid(seed: string): string {
  return uuidv5(seed, MODEL_NAMESPACE);
}
