/**
 * zerocred's components for every Pulumi language. Each class here is what a Python, Go, .NET, Java
 * or YAML program constructs (type `zerocred:index:<Name>`); it creates the npm library's component
 * of the same name as its only child and exposes its outputs.
 *
 * Why wrappers, not the library classes themselves: Pulumi's schema analyzer (the TypeScript
 * compiler API, @pulumi/pulumi 3.248.0 provider/experimental/analyzer.js) requires the component's
 * type token to be `<package>:index:<Name>` (ComponentProvider.validateResourceType), the class to
 * extend ComponentResource directly, and every arg to be a string, number, boolean, array, map,
 * named string enum, typed object or a resource of an @pulumi package. The library's args use
 * inline literal unions (`"standard" | "premium"`), readonly arrays and a `pulumi.Resource`
 * (WorkloadIdentity.federatedCredential), which it rejects. The args below are the same settings
 * in the forms the schema can express: ids and names, string enums by name, plain arrays.
 *
 * Every input description states required/optional and the default; `ZerocredComponentProvider`
 * turns each "Defaults to `X`." into the schema's `default`, so generated SDKs show it too.
 */
import * as pulumi from "@pulumi/pulumi";
import { main as serveProvider } from "@pulumi/pulumi/provider";
import { ComponentProvider } from "@pulumi/pulumi/provider/experimental";
import * as zerocred from "zerocred";

/** The package name: component types are `zerocred:index:<Name>`; the generated SDKs are named after it. */
export const PACKAGE_NAME = "zerocred";

// String enums in the `as const` form the analyzer turns into schema enums (a bare literal union is
// rejected). The constant comes first: the analyzer reads the enum's members from its declaration.

/** Key Vault SKU. */
export const KeyVaultSku = { Standard: "standard", Premium: "premium" } as const;
export type KeyVaultSku = (typeof KeyVaultSku)[keyof typeof KeyVaultSku];
/** Key Vault firewall action when no rule matches. */
export const NetworkDefaultAction = { Deny: "Deny", Allow: "Allow" } as const;
export type NetworkDefaultAction = (typeof NetworkDefaultAction)[keyof typeof NetworkDefaultAction];
/** Key Vault public network access. */
export const PublicNetworkAccess = { Enabled: "Enabled", Disabled: "Disabled" } as const;
export type PublicNetworkAccess = (typeof PublicNetworkAccess)[keyof typeof PublicNetworkAccess];
/** Type of a principal receiving a role. */
export const PrincipalType = {
  ServicePrincipal: "ServicePrincipal",
  User: "User",
  Group: "Group",
} as const;
export type PrincipalType = (typeof PrincipalType)[keyof typeof PrincipalType];

export interface KeyVaultArgs {
  /** Required. Resource group to create the vault in. */
  resourceGroupName: pulumi.Input<string>;
  /** Required. Globally unique vault name, 3–24 characters of letters, digits and hyphens. */
  vaultName: pulumi.Input<string>;
  /** Optional. Azure region. Defaults to the provider's `azure-native:location`. */
  location?: pulumi.Input<string>;
  /** Optional. Entra tenant that authenticates requests to the vault. Defaults to the deployer's tenant. */
  tenantId?: pulumi.Input<string>;
  /** Optional. SKU name. Defaults to `standard`. */
  skuName?: KeyVaultSku;
  /** Optional. Days a deleted vault and its objects stay recoverable (7–90). Defaults to `90`. */
  softDeleteRetentionInDays?: number;
  /** Optional. Purge protection (irreversible once on; ephemeral stacks pass false). Defaults to `true`. */
  enablePurgeProtection?: boolean;
  /** Optional. Subnet ARM ids allowed through the firewall (Microsoft.KeyVault service endpoint). Defaults to none. */
  allowedSubnetIds?: pulumi.Input<string>[];
  /** Optional. Public IPv4 addresses or CIDR ranges allowed through the firewall. Defaults to none. */
  allowedIpRanges?: string[];
  /** Optional. Firewall action when no rule matches. Defaults to `Deny`. */
  networkDefaultAction?: NetworkDefaultAction;
  /** Optional. Let trusted Azure services bypass the firewall. Defaults to `true`. */
  bypassAzureServices?: boolean;
  /** Optional. `Disabled` blocks all public traffic (private endpoints only). Defaults to `Enabled`. */
  publicNetworkAccess?: PublicNetworkAccess;
  /** Optional. Name of the random canary secret the verifiers read. Defaults to `canary`. */
  canarySecretName?: string;
  /** Optional. Log Analytics workspace ARM id receiving the vault's AuditEvent logs. Defaults to none. */
  logAnalyticsWorkspaceId?: pulumi.Input<string>;
  /** Optional. Keep the vault and canary secret in Azure when deleted from the stack. Defaults to `false`. */
  retainOnDelete?: boolean;
  /** Optional. Resource tags on the vault. Defaults to none. */
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** An Azure Key Vault in RBAC mode with a firewall, soft delete, purge protection and a canary secret. */
export class KeyVault extends pulumi.ComponentResource {
  /** ARM id of the vault. */
  public readonly vaultId: pulumi.Output<string>;
  /** Name of the vault. */
  public readonly vaultName: pulumi.Output<string>;
  /** Data-plane URI, e.g. https://<name>.vault.azure.net/. */
  public readonly vaultUri: pulumi.Output<string>;
  /** Name of the canary secret. */
  public readonly canarySecretName: pulumi.Output<string>;
  /** ARM id of the canary secret (the narrowest scope to grant read access at). */
  public readonly canarySecretId: pulumi.Output<string>;
  /** SHA-256 fingerprint of the canary value (never the value itself). */
  public readonly canaryFingerprint: pulumi.Output<string>;

  constructor(name: string, args: KeyVaultArgs, opts?: pulumi.ComponentResourceOptions) {
    super(`${PACKAGE_NAME}:index:KeyVault`, name, {}, opts);
    const vault = new zerocred.KeyVault(name, args, { parent: this });
    this.vaultId = vault.id;
    this.vaultName = vault.name;
    this.vaultUri = vault.vaultUri;
    this.canarySecretName = vault.canarySecretName;
    this.canarySecretId = vault.canarySecretId;
    this.canaryFingerprint = vault.canaryFingerprint;
    this.registerOutputs({
      vaultId: this.vaultId,
      vaultName: this.vaultName,
      vaultUri: this.vaultUri,
      canarySecretName: this.canarySecretName,
      canarySecretId: this.canarySecretId,
      canaryFingerprint: this.canaryFingerprint,
    });
  }
}

/** A federated identity credential: tokens from `issuer` with `subject` may act as the identity. */
export interface FederatedCredential {
  /** Required. Credential name: 3–120 of letters, digits, `-`, `_`; unique per identity. */
  name: string;
  /** Required. Issuer URL, byte for byte as the token's iss (AKS: the cluster's OIDC issuer URL, trailing slash included). */
  issuer: pulumi.Input<string>;
  /** Required. Token subject, e.g. system:serviceaccount:<namespace>:<serviceAccount> (case-sensitive). */
  subject: string;
  /** Optional. Token audiences; Entra ID supports exactly one. Defaults to `["api://AzureADTokenExchange"]`. */
  audiences?: string[];
}

export interface UserAssignedIdentityArgs {
  /** Required. Resource group to create the identity in. */
  resourceGroupName: pulumi.Input<string>;
  /** Optional. Azure region. Defaults to the provider's `azure-native:location`. */
  location?: pulumi.Input<string>;
  /** Optional. Azure name of the identity. Defaults to the component's name. */
  identityName?: string;
  /** Optional. Resource tags. Defaults to none. */
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Optional. Federated identity credentials (at most 20, written one at a time). Defaults to none. */
  federatedCredentials?: FederatedCredential[];
  /** Optional. Allow audiences other than api://AzureADTokenExchange. Defaults to `false`. */
  allowCustomAudiences?: boolean;
}

/** A user-assigned managed identity and its federated identity credentials. */
export class UserAssignedIdentity extends pulumi.ComponentResource {
  /** ARM id of the identity. */
  public readonly identityId: pulumi.Output<string>;
  /** Name of the identity. */
  public readonly identityName: pulumi.Output<string>;
  /** Object (principal) id: what role assignments name. */
  public readonly principalId: pulumi.Output<string>;
  /** Client (application) id: what a workload's azure.workload.identity/client-id annotation names. */
  public readonly clientId: pulumi.Output<string>;
  /** Entra tenant id of the identity. */
  public readonly tenantId: pulumi.Output<string>;

  constructor(
    name: string,
    args: UserAssignedIdentityArgs,
    opts?: pulumi.ComponentResourceOptions,
  ) {
    super(`${PACKAGE_NAME}:index:UserAssignedIdentity`, name, {}, opts);
    const identity = new zerocred.UserAssignedIdentity(name, args, { parent: this });
    this.identityId = identity.id;
    this.identityName = identity.name;
    this.principalId = identity.principalId;
    this.clientId = identity.clientId;
    this.tenantId = identity.tenantId;
    this.registerOutputs({
      identityId: this.identityId,
      identityName: this.identityName,
      principalId: this.principalId,
      clientId: this.clientId,
      tenantId: this.tenantId,
    });
  }
}

export interface RoleAssignmentArgs {
  /** Required. ARM id of the scope: the narrowest that works (a secret, a vault), not a group or subscription. */
  scope: pulumi.Input<string>;
  /** Required. Built-in role name (e.g. Key Vault Secrets User), role definition GUID or role definition ARM id. */
  role: string;
  /** Required. Object (principal) id of the identity receiving the role. */
  principalId: pulumi.Input<string>;
  /** Optional. Type of the principal. Defaults to `ServicePrincipal`. */
  principalType?: PrincipalType;
  /** Optional. Human-readable reason for the assignment. Defaults to none. */
  description?: pulumi.Input<string>;
  /** Optional. ABAC condition limiting the assignment (conditionVersion 2.0). Defaults to none. */
  condition?: pulumi.Input<string>;
}

/** A role assignment with a deterministic name, at the scope given. */
export class RoleAssignment extends pulumi.ComponentResource {
  /** ARM id of the role assignment. */
  public readonly roleAssignmentId: pulumi.Output<string>;
  /** Name (a UUIDv5 of scope, role and principal). */
  public readonly roleAssignmentName: pulumi.Output<string>;
  /** ARM id of the role definition. */
  public readonly roleDefinitionId: pulumi.Output<string>;
  /** The scope. */
  public readonly scope: pulumi.Output<string>;
  /** The principal's object id. */
  public readonly principalId: pulumi.Output<string>;

  constructor(name: string, args: RoleAssignmentArgs, opts?: pulumi.ComponentResourceOptions) {
    super(`${PACKAGE_NAME}:index:RoleAssignment`, name, {}, opts);
    const assignment = new zerocred.RoleAssignment(name, args, { parent: this });
    this.roleAssignmentId = assignment.id;
    this.roleAssignmentName = assignment.roleAssignmentName;
    this.roleDefinitionId = assignment.roleDefinitionId;
    this.scope = assignment.scope;
    this.principalId = assignment.principalId;
    this.registerOutputs({
      roleAssignmentId: this.roleAssignmentId,
      roleAssignmentName: this.roleAssignmentName,
      roleDefinitionId: this.roleDefinitionId,
      scope: this.scope,
      principalId: this.principalId,
    });
  }
}

export interface WorkloadIdentityArgs {
  /** Required. Kubernetes namespace (DNS-1123 label). */
  namespace: string;
  /** Required. Service account name (DNS-1123 subdomain). */
  serviceAccountName: string;
  /** Required. Client id of the user-assigned identity the service account acts as. */
  clientId: pulumi.Input<string>;
  /** Required. Entra tenant id of the identity. */
  tenantId: pulumi.Input<string>;
  /** Optional. Create the namespace (false when it exists or another workload creates it). Defaults to `true`. */
  createNamespace?: boolean;
  /** Optional. Projected token lifetime in seconds (3600–86400). Defaults to `3600`. */
  tokenExpirationSeconds?: number;
  /** Optional. Extra labels on the namespace and service account. Defaults to none. */
  labels?: Record<string, string>;
}

/**
 * A Kubernetes service account bound to a user-assigned identity for Entra workload identity. Pass the
 * cluster's Kubernetes provider in the resource options, and `dependsOn` the identity's federated
 * credential so no pod runs before it exists.
 */
export class WorkloadIdentity extends pulumi.ComponentResource {
  /** Token subject: system:serviceaccount:<namespace>:<serviceAccount>. */
  public readonly subject: pulumi.Output<string>;
  /** Service account name. */
  public readonly serviceAccountName: pulumi.Output<string>;
  /** Namespace name. */
  public readonly namespace: pulumi.Output<string>;
  /** Labels every pod template using this identity must carry. */
  public readonly podTemplateLabels: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: WorkloadIdentityArgs, opts?: pulumi.ComponentResourceOptions) {
    super(`${PACKAGE_NAME}:index:WorkloadIdentity`, name, {}, opts);
    const workload = new zerocred.WorkloadIdentity(name, args, { parent: this });
    this.subject = pulumi.output(workload.subject);
    this.serviceAccountName = workload.serviceAccountName;
    this.namespace = workload.namespace;
    this.podTemplateLabels = pulumi.output({ ...workload.podTemplateLabels });
    this.registerOutputs({
      subject: this.subject,
      serviceAccountName: this.serviceAccountName,
      namespace: this.namespace,
      podTemplateLabels: this.podTemplateLabels,
    });
  }
}

/** The components this package serves. */
export const COMPONENTS = [KeyVault, UserAssignedIdentity, RoleAssignment, WorkloadIdentity];

type PropertySpec = { type?: string; $ref?: string; description?: string; default?: unknown };
type ResourceSpec = { inputProperties?: Record<string, PropertySpec> };
type TypeSpec = { type?: string; enum?: { value: unknown }[] };

/**
 * The value of a description's "Defaults to `X`." for a property of a primitive or string-enum type
 * (`types`: the schema's type definitions), if any.
 */
export function documentedDefault(
  property: PropertySpec,
  types: Record<string, TypeSpec> = {},
): unknown {
  const match = /Defaults to `([^`]+)`/.exec(property.description ?? "");
  if (match === null) {
    return undefined;
  }
  const raw = match[1]!;
  if (property.$ref !== undefined) {
    const enumType = types[property.$ref.replace(/^#\/types\//, "")];
    return enumType?.enum?.some((member) => member.value === raw) ? raw : undefined;
  }
  switch (property.type) {
    case "boolean":
      return raw === "true" ? true : raw === "false" ? false : undefined;
    case "integer":
    case "number":
      return /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : undefined;
    case "string":
      return raw.includes(":") ? undefined : raw;
    default:
      return undefined;
  }
}

/**
 * Pulumi's component provider, whose schema also carries each documented default (the analyzer
 * reads types and descriptions only).
 */
export class ZerocredComponentProvider extends ComponentProvider {
  override async getSchema(): Promise<string> {
    const schema = JSON.parse(await super.getSchema()) as {
      resources: Record<string, ResourceSpec>;
      types?: Record<string, TypeSpec>;
    };
    for (const resource of Object.values(schema.resources)) {
      for (const property of Object.values(resource.inputProperties ?? {})) {
        const value = documentedDefault(property, schema.types);
        if (value !== undefined) {
          property.default = value;
        }
      }
    }
    return JSON.stringify(schema);
  }
}

/** The provider for this directory (package.json, tsconfig.json and the sources the analyzer reads). */
export function createProvider(dirname: string = __dirname): ZerocredComponentProvider {
  return new ZerocredComponentProvider({ components: COMPONENTS, name: PACKAGE_NAME, dirname });
}

/** Serves the components over Pulumi's provider protocol (what componentProviderHost does). */
export function hostComponents(): Promise<void> {
  return serveProvider(createProvider(), process.argv.slice(2));
}
