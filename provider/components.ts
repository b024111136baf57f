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

/** Managed OS disk type of a VM. */
export const OsDiskType = {
  StandardSSD_LRS: "StandardSSD_LRS",
  Premium_LRS: "Premium_LRS",
} as const;
export type OsDiskType = (typeof OsDiskType)[keyof typeof OsDiskType];
/** Type of the principal running `pulumi up` (granted RBAC Cluster Admin on a cluster). */
export const DeployerPrincipalType = {
  User: "User",
  ServicePrincipal: "ServicePrincipal",
} as const;
export type DeployerPrincipalType =
  (typeof DeployerPrincipalType)[keyof typeof DeployerPrincipalType];
/** kubelogin login mode (non-interactive modes only). */
export const KubeloginMode = {
  AzureCli: "azurecli",
  WorkloadIdentity: "workloadidentity",
  Spn: "spn",
  Msi: "msi",
} as const;
export type KubeloginMode = (typeof KubeloginMode)[keyof typeof KubeloginMode];
/** AKS network policy engine. */
export const AksNetworkPolicy = { Cilium: "cilium", Azure: "azure" } as const;
export type AksNetworkPolicy = (typeof AksNetworkPolicy)[keyof typeof AksNetworkPolicy];
/** AKS node OS. */
export const AksOsSku = { AzureLinux: "AzureLinux", Ubuntu: "Ubuntu" } as const;
export type AksOsSku = (typeof AksOsSku)[keyof typeof AksOsSku];
/** AKS pricing tier. */
export const AksSkuTier = { Free: "Free", Standard: "Standard", Premium: "Premium" } as const;
export type AksSkuTier = (typeof AksSkuTier)[keyof typeof AksSkuTier];
/** Egress path of AKS nodes. */
export const AksOutboundType = {
  LoadBalancer: "loadBalancer",
  ManagedNATGateway: "managedNATGateway",
  UserAssignedNATGateway: "userAssignedNATGateway",
  UserDefinedRouting: "userDefinedRouting",
} as const;
export type AksOutboundType = (typeof AksOutboundType)[keyof typeof AksOutboundType];
/** Mode of an AKS node pool. */
export const AksNodePoolMode = { User: "User", System: "System" } as const;
export type AksNodePoolMode = (typeof AksNodePoolMode)[keyof typeof AksNodePoolMode];
/** Whether a principal must read a secret (`allow`) or be refused (`deny`). */
export const Expectation = { Allow: "allow", Deny: "deny" } as const;
export type Expectation = (typeof Expectation)[keyof typeof Expectation];

export interface NetworkArgs {
  /** Required. Resource group that holds the VNet, the subnets and the NSGs. */
  resourceGroupName: pulumi.Input<string>;
  /** Optional. Azure region. Defaults to the provider's `azure-native:location`. */
  location?: pulumi.Input<string>;
  /** Required. VNet address space, an IPv4 CIDR of /8 to /19; the `vm` /24 and `aks` /20 subnets are carved from it. */
  addressSpace: string;
  /** Optional. Physical VNet name. Defaults to an auto-name derived from `<name>-vnet`. */
  vnetName?: pulumi.Input<string>;
  /** Optional. Tags on the VNet and NSGs. Defaults to none. */
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** A VNet with a VM subnet and an AKS node subnet (Key Vault service endpoints, NSGs with no inbound from the internet). */
export class Network extends pulumi.ComponentResource {
  /** ARM id of the virtual network. */
  public readonly vnetId: pulumi.Output<string>;
  /** Azure name of the virtual network. */
  public readonly vnetName: pulumi.Output<string>;
  /** ARM id of the VM subnet (LinuxVirtualMachine's subnetId, KeyVault's allowedSubnetIds). */
  public readonly vmSubnetId: pulumi.Output<string>;
  /** ARM id of the AKS node subnet (AksCluster's subnetId, KeyVault's allowedSubnetIds). */
  public readonly aksSubnetId: pulumi.Output<string>;
  /** The VNet address space. */
  public readonly addressSpace: pulumi.Output<string>;
  /** CIDR of the VM subnet. */
  public readonly vmSubnetPrefix: pulumi.Output<string>;
  /** CIDR of the AKS node subnet. */
  public readonly aksSubnetPrefix: pulumi.Output<string>;

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super(`${PACKAGE_NAME}:index:Network`, name, {}, opts);
    const net = new zerocred.Network(name, args, { parent: this });
    this.vnetId = net.vnetId;
    this.vnetName = net.vnetName;
    this.vmSubnetId = net.vmSubnetId;
    this.aksSubnetId = net.aksSubnetId;
    this.addressSpace = pulumi.output(net.addressSpace);
    this.vmSubnetPrefix = pulumi.output(net.vmSubnetPrefix);
    this.aksSubnetPrefix = pulumi.output(net.aksSubnetPrefix);
    this.registerOutputs({
      vnetId: this.vnetId,
      vnetName: this.vnetName,
      vmSubnetId: this.vmSubnetId,
      aksSubnetId: this.aksSubnetId,
      addressSpace: this.addressSpace,
      vmSubnetPrefix: this.vmSubnetPrefix,
      aksSubnetPrefix: this.aksSubnetPrefix,
    });
  }
}

/** A Marketplace image. */
export interface ImageReference {
  /** Required. Image publisher, e.g. `Canonical`. */
  publisher: pulumi.Input<string>;
  /** Required. Image offer, e.g. `ubuntu-24_04-lts`. */
  offer: pulumi.Input<string>;
  /** Required. Image SKU, e.g. `server`. */
  sku: pulumi.Input<string>;
  /** Required. Image version, e.g. `latest`. */
  version: pulumi.Input<string>;
}

export interface LinuxVirtualMachineArgs {
  /** Required. Resource group of the VM, its NIC and disk. */
  resourceGroupName: pulumi.Input<string>;
  /** Optional. Azure region. Defaults to the provider's `azure-native:location`. */
  location?: pulumi.Input<string>;
  /** Required. ARM id of the subnet the NIC joins (the Network component's vmSubnetId). */
  subnetId: pulumi.Input<string>;
  /** Optional. VM size. Defaults to `Standard_B2s`. */
  size?: pulumi.Input<string>;
  /** Required. Linux admin user name. */
  adminUsername: string;
  /** Required. OpenSSH public key of the admin user; password authentication is always disabled. */
  sshPublicKey: string;
  /** Optional. ARM ids of user-assigned identities attached besides the system-assigned one. Defaults to none. */
  userAssignedIdentityIds?: pulumi.Input<string>[];
  /** Optional. Trusted launch (Secure Boot + vTPM); false only for a size or image without support. Defaults to `true`. */
  trustedLaunch?: boolean;
  /** Optional. Attach a Standard static public IP to the NIC (the VM is operated through run command). Defaults to `false`. */
  publicIp?: boolean;
  /** Optional. Managed OS disk type. Defaults to `StandardSSD_LRS`. */
  osDiskType?: OsDiskType;
  /** Optional. OS disk size in GiB. Defaults to the image size (30 GiB for Ubuntu). */
  osDiskSizeGb?: pulumi.Input<number>;
  /** Optional. Marketplace image (gen2 for trusted launch). Defaults to Ubuntu 24.04 LTS gen2 (Canonical, ubuntu-24_04-lts, server, latest). */
  imageReference?: ImageReference;
  /** Optional. Physical VM name. Defaults to an auto-name derived from `<name>-vm`. */
  vmName?: pulumi.Input<string>;
  /** Optional. Linux host name (immutable after creation). Defaults to the component's name, sanitised. */
  computerName?: pulumi.Input<string>;
  /** Optional. Tags on the VM, NIC and public IP. Defaults to none. */
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** A Linux VM with a system-assigned identity, SSH keys only, trusted launch and no public IP by default. */
export class LinuxVirtualMachine extends pulumi.ComponentResource {
  /** ARM id of the VM. */
  public readonly vmId: pulumi.Output<string>;
  /** Azure name of the VM (VmVerification's vmName). */
  public readonly vmName: pulumi.Output<string>;
  /** Resource group of the VM. */
  public readonly resourceGroupName: pulumi.Output<string>;
  /** Azure region of the VM. */
  public readonly location: pulumi.Output<string>;
  /** Object id of the VM's system-assigned identity: what role assignments name. */
  public readonly principalId: pulumi.Output<string>;
  /** Private IPv4 address of the NIC. */
  public readonly privateIpAddress: pulumi.Output<string>;
  /** ARM ids of the user-assigned identities attached (empty when none). */
  public readonly userAssignedIdentityIds: pulumi.Output<string[]>;

  constructor(name: string, args: LinuxVirtualMachineArgs, opts?: pulumi.ComponentResourceOptions) {
    super(`${PACKAGE_NAME}:index:LinuxVirtualMachine`, name, {}, opts);
    const vm = new zerocred.LinuxVirtualMachine(name, args, { parent: this });
    this.vmId = vm.id;
    this.vmName = vm.name;
    this.resourceGroupName = vm.resourceGroupName;
    this.location = vm.location;
    this.principalId = vm.principalId;
    this.privateIpAddress = vm.privateIpAddress;
    this.userAssignedIdentityIds = vm.userAssignedIdentityIds;
    this.registerOutputs({
      vmId: this.vmId,
      vmName: this.vmName,
      resourceGroupName: this.resourceGroupName,
      location: this.location,
      principalId: this.principalId,
      privateIpAddress: this.privateIpAddress,
      userAssignedIdentityIds: this.userAssignedIdentityIds,
    });
  }
}

/** An extra AKS node pool. */
export interface AksNodePool {
  /** Required. Pool name: 1–12 lowercase letters and digits, starting with a letter. */
  name: string;
  /** Optional. VM size. Defaults to the system pool's nodeSize. */
  vmSize?: string;
  /** Optional. Node count, 0–1000 (a User pool may scale to 0). Defaults to `1`. */
  count?: number;
  /** Optional. User (application pods) or System. Defaults to `User`. */
  mode?: AksNodePoolMode;
  /** Optional. Availability zones, e.g. ["1", "2", "3"]. Defaults to none. */
  zones?: string[];
  /** Optional. Kubernetes node labels. Defaults to none. */
  nodeLabels?: Record<string, string>;
  /** Optional. Node taints, e.g. sku=gpu:NoSchedule. Defaults to none. */
  nodeTaints?: string[];
}

export interface AksClusterArgs {
  /** Required. Resource group of the cluster and its control-plane identity. */
  resourceGroupName: pulumi.Input<string>;
  /** Optional. Azure region. Defaults to the provider's `azure-native:location`. */
  location?: pulumi.Input<string>;
  /** Optional. Physical cluster name. Defaults to an auto-name derived from `<name>-cluster`. */
  clusterName?: pulumi.Input<string>;
  /** Optional. DNS prefix of the API server FQDN. Defaults to the component's name, sanitised. */
  dnsPrefix?: string;
  /** Required. ARM id of the AKS node subnet (the Network component's aksSubnetId). */
  subnetId: pulumi.Input<string>;
  /** Optional. VNet address space, to check the overlay pod and service CIDRs do not overlap it. Defaults to no check. */
  vnetAddressSpace?: string;
  /** Required. Entra tenant id of the cluster's managed Entra ID integration. */
  tenantId: pulumi.Input<string>;
  /** Required. Object id of the principal running `pulumi up`; granted RBAC Cluster Admin on the cluster. */
  deployerObjectId: pulumi.Input<string>;
  /** Required. Type of the deployer principal: User locally, ServicePrincipal in CI. */
  deployerPrincipalType: DeployerPrincipalType;
  /** Optional. Grant the deployer RBAC Cluster Admin here (false when it already holds it at a covering scope). Defaults to `true`. */
  grantDeployerClusterAdmin?: boolean;
  /** Optional. Make Kubernetes calls wait until the API server authorizes the deployer. Defaults to `false`. */
  awaitDeployerAccess?: boolean;
  /** Optional. kubelogin login mode written into the kubeconfig output. Defaults to `azurecli`. */
  kubeloginMode?: KubeloginMode;
  /** Optional. `--tenant-id` for kubelogin. Defaults to none. */
  kubeloginTenantId?: pulumi.Input<string>;
  /** Optional. `--client-id` for kubelogin. Defaults to none. */
  kubeloginClientId?: pulumi.Input<string>;
  /** Optional. VM size of the system node pool. Defaults to `Standard_D2s_v5`. */
  nodeSize?: string;
  /** Optional. Node count of the system pool, 1–100. Defaults to `1`. */
  nodeCount?: number;
  /** Optional. Kubernetes version. Defaults to the region's default version. */
  kubernetesVersion?: string;
  /** Optional. Public IPv4 CIDRs allowed to reach the API server (give the operator and CI ranges in production). Defaults to none (no restriction). */
  authorizedIpRanges?: string[];
  /** Optional. Network policy engine. Defaults to `cilium`. */
  networkPolicy?: AksNetworkPolicy;
  /** Optional. Disable AKS run command (it sidesteps the authorized IP ranges). Defaults to `true`. */
  disableRunCommand?: boolean;
  /** Optional. Node OS. Defaults to `AzureLinux`. */
  osSku?: AksOsSku;
  /** Optional. Overlay pod CIDR. Defaults to `192.168.0.0/16`. */
  podCidr?: string;
  /** Optional. Service CIDR. Defaults to `172.16.0.0/16`. */
  serviceCidr?: string;
  /** Optional. Cluster DNS service IP, inside serviceCidr. Defaults to `172.16.0.10`. */
  dnsServiceIp?: string;
  /** Optional. Tags on the cluster and its identity. Defaults to none. */
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Optional. Pricing tier (Standard for production's uptime SLA). Defaults to AKS's own default (Free; not sent). */
  skuTier?: AksSkuTier;
  /** Optional. Availability zones of the system node pool. Defaults to none (regional placement). */
  systemPoolZones?: string[];
  /** Optional. A private API server (no public endpoint). Defaults to `false`. */
  privateCluster?: boolean;
  /** Optional. Egress path of the nodes. Defaults to `loadBalancer`. */
  outboundType?: AksOutboundType;
  /** Optional. Extra node pools in the same subnet. Defaults to none. */
  nodePools?: AksNodePool[];
}

/**
 * An AKS cluster with the OIDC issuer, workload identity, managed Entra ID, Azure RBAC for Kubernetes
 * and local accounts disabled. The library component's Kubernetes provider (`provider`, a resource
 * object) is not an output here: the schema cannot carry a provider instance, so a program in another
 * language builds its own Kubernetes provider from the `kubeconfig` output (kubelogin on its PATH).
 */
export class AksCluster extends pulumi.ComponentResource {
  /** ARM id of the cluster. */
  public readonly clusterId: pulumi.Output<string>;
  /** Azure name of the cluster. */
  public readonly clusterName: pulumi.Output<string>;
  /** The cluster's OIDC issuer URL exactly as Azure reports it (trailing slash included). */
  public readonly oidcIssuerUrl: pulumi.Output<string>;
  /** User kubeconfig with the kubelogin mode rewritten (a secret): build a Kubernetes provider from it. */
  public readonly kubeconfig: pulumi.Output<string>;
  /** Object id of the kubelet identity (grant it AcrPull on a registry). */
  public readonly kubeletPrincipalId: pulumi.Output<string>;
  /** Object id of the control plane's identity. */
  public readonly controlPlanePrincipalId: pulumi.Output<string>;

  constructor(name: string, args: AksClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super(`${PACKAGE_NAME}:index:AksCluster`, name, {}, opts);
    const cluster = new zerocred.AksCluster(name, args, { parent: this });
    this.clusterId = cluster.id;
    this.clusterName = cluster.name;
    this.oidcIssuerUrl = cluster.oidcIssuerUrl;
    this.kubeconfig = cluster.kubeconfig;
    this.kubeletPrincipalId = cluster.kubeletPrincipalId;
    this.controlPlanePrincipalId = cluster.controlPlanePrincipalId;
    this.registerOutputs({
      clusterId: this.clusterId,
      clusterName: this.clusterName,
      oidcIssuerUrl: this.oidcIssuerUrl,
      kubeconfig: this.kubeconfig,
      kubeletPrincipalId: this.kubeletPrincipalId,
      controlPlanePrincipalId: this.controlPlanePrincipalId,
    });
  }
}

/** One (vault, secret, expected) check. */
export interface VerificationCheck {
  /** Required. Vault URI, e.g. https://x.vault.azure.net/ (the KeyVault component's vaultUri). */
  vaultUrl: pulumi.Input<string>;
  /** Required. Name of the secret to read. */
  secretName: pulumi.Input<string>;
  /** Required. Lowercase hex SHA-256 of the secret's value (the KeyVault component's canaryFingerprint). */
  expectedSha256: pulumi.Input<string>;
  /** Required. Whether the principal must read the secret or be refused. */
  expected: Expectation;
}

/** An identity tested on the VM. */
export interface VmVerificationPrincipal {
  /** Required. Label in the results: 1–64 of letters, digits, `.`, `_`, `-`; unique. */
  name: string;
  /** Optional. Client id of a user-assigned identity attached to the VM. Defaults to the VM's system-assigned identity. */
  clientId?: pulumi.Input<string>;
  /** Required. The checks this principal must pass, at least one. */
  checks: VerificationCheck[];
}

/** One check's result (never a secret value or token). */
export interface VerificationResult {
  /** The principal's label. */
  principal: string;
  /** Vault URI the check read. */
  vault?: string;
  /** Name of the secret. */
  secret: string;
  /** allow or deny. */
  expected: string;
  /** allow, deny or error. */
  actual: string;
  /** HTTP status of the last Key Vault response. */
  status: number;
  /** Attempts made. */
  attempts: number;
  /** Diagnosis of a mismatch (empty when it passed). */
  diagnosis: string;
}

/** The `dependsOn` of the wrapper's resource options as the library's plain resource list. */
function dependencies(opts?: pulumi.ComponentResourceOptions): pulumi.Resource[] {
  const deps: unknown = opts?.dependsOn;
  const list: unknown[] = Array.isArray(deps) ? deps : deps === undefined ? [] : [deps];
  return list.filter((d): d is pulumi.Resource => pulumi.Resource.isInstance(d));
}

export interface VmVerificationArgs {
  /** Required. Resource group of the VM (the LinuxVirtualMachine component's resourceGroupName). */
  resourceGroupName: pulumi.Input<string>;
  /** Required. Azure name of the VM (the LinuxVirtualMachine component's vmName). */
  vmName: pulumi.Input<string>;
  /** Required. Azure region of the VM (the run command is a tracked child resource). */
  location: pulumi.Input<string>;
  /** Required. The identities to test, at least one, names unique; at most 90 checks in all. */
  principals: VmVerificationPrincipal[];
  /** Optional. Retry budget of the verifier script, in seconds (30–3600). Defaults to `600`. */
  timeoutSeconds?: number;
}

/**
 * Proves on the VM, through a managed run command, that each identity reads exactly the secrets it
 * was granted and is refused the rest; a failed proof fails the deployment. Pass the role assignments
 * and federated credentials it must wait for as `dependsOn` in the resource options.
 */
export class VmVerification extends pulumi.ComponentResource {
  /** The run command's name (carries the content hash). */
  public readonly runCommandName: pulumi.Output<string>;
  /** SHA-256 of the script and its parameters. */
  public readonly contentSha256: pulumi.Output<string>;
  /** One entry per check, parsed from the run command's output. */
  public readonly results: pulumi.Output<VerificationResult[]>;
  /** True iff the script succeeded and every principal got exactly the expected access. */
  public readonly ok: pulumi.Output<boolean>;
  /** The run command's execution state (Succeeded, Failed, TimedOut…). */
  public readonly executionState: pulumi.Output<string>;

  constructor(name: string, args: VmVerificationArgs, opts?: pulumi.ComponentResourceOptions) {
    super(`${PACKAGE_NAME}:index:VmVerification`, name, {}, opts);
    const verification = new zerocred.VmVerification(
      name,
      { ...args, dependsOn: dependencies(opts) },
      { parent: this },
    );
    this.runCommandName = verification.runCommandName;
    this.contentSha256 = verification.contentSha256;
    this.results = verification.results.apply((lines) =>
      lines.map((r) => ({
        principal: r.principal,
        ...(r.vault === undefined ? {} : { vault: r.vault }),
        secret: r.secret,
        expected: r.expected,
        actual: r.actual,
        status: r.status,
        attempts: r.attempts,
        diagnosis: r.diagnosis,
      })),
    );
    this.ok = verification.ok;
    this.executionState = verification.executionState;
    this.registerOutputs({
      runCommandName: this.runCommandName,
      contentSha256: this.contentSha256,
      results: this.results,
      ok: this.ok,
      executionState: this.executionState,
    });
  }
}

export interface PodVerificationArgs {
  /** Required. Namespace of the workload (and of the verifier's ConfigMap and Job). */
  namespace: pulumi.Input<string>;
  /** Required. The workload's service account (annotated azure.workload.identity/client-id). */
  serviceAccountName: pulumi.Input<string>;
  /** Required. Label of the principal in the results: 1–64 of letters, digits, `.`, `_`, `-`. */
  principal: string;
  /** Required. The checks to run in order under the workload's identity, at least one. */
  checks: VerificationCheck[];
  /** Optional. Retry budget of the verifier, in seconds (30–3600). Defaults to `600`. */
  timeoutSeconds?: number;
  /** Optional. Container image, pinned by digest or exact tag. Defaults to zerocred's pinned Azure Linux distroless Node.js image. */
  image?: string;
  /** Optional. Pod retries of the Job (0–6). Defaults to `2`. */
  backoffLimit?: number;
}

/**
 * Proves in the cluster, with a Kubernetes Job running as the workload's service account, that the
 * workload identity reads exactly the secrets it was granted. Pass the cluster's Kubernetes provider
 * in the resource options, and the federated credential and role assignments as `dependsOn`.
 */
export class PodVerification extends pulumi.ComponentResource {
  /** The Job's name: kubectl logs job/<jobName> -n <namespace>. */
  public readonly jobName: pulumi.Output<string>;
  /** The ConfigMap's name. */
  public readonly configMapName: pulumi.Output<string>;
  /** SHA-256 of the bundle, image and env (the pod-template annotation). */
  public readonly contentSha256: pulumi.Output<string>;

  constructor(name: string, args: PodVerificationArgs, opts?: pulumi.ComponentResourceOptions) {
    super(`${PACKAGE_NAME}:index:PodVerification`, name, {}, opts);
    const verification = new zerocred.PodVerification(
      name,
      { ...args, dependsOn: dependencies(opts) },
      { parent: this },
    );
    this.jobName = verification.jobName;
    this.configMapName = verification.configMapName;
    this.contentSha256 = verification.contentSha256;
    this.registerOutputs({
      jobName: this.jobName,
      configMapName: this.configMapName,
      contentSha256: this.contentSha256,
    });
  }
}

/** The components this package serves. */
export const COMPONENTS = [
  KeyVault,
  UserAssignedIdentity,
  RoleAssignment,
  WorkloadIdentity,
  Network,
  LinuxVirtualMachine,
  AksCluster,
  VmVerification,
  PodVerification,
];

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
