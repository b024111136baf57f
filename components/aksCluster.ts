import * as pulumi from "@pulumi/pulumi";
import { checkRequiredArgs } from "./args";
// The provider module only, never the package root: the root's declarations pull in every Kubernetes
// API group (~1,800 .d.ts files) for every consumer's tsc. `Provider` is the same class: the root
// re-exports it from ./provider (@pulumi/kubernetes v4.34.2 sdk/nodejs/index.ts: lazyLoad(exports,
// ["Provider"], () => require("./provider"))), as the other components import core/v1 and batch/v1.
import { Provider as KubernetesProvider } from "@pulumi/kubernetes/provider";
import * as containerservice from "@pulumi/azure-native/containerservice";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import { ClusterAccessGate } from "./clusterAccessGate";
import { RoleAssignment } from "./roleAssignment";
import {
  decodeCredentialKubeconfig,
  KUBELOGIN_MODES,
  rewriteKubeconfigLogin,
  type KubeloginMode,
} from "./kubeconfig";
import {
  allowedIpRangeProblem,
  allowedIpRangeReason,
  cidrContainsIp,
  cidrsOverlap,
  parseCidr,
  parseIpv4,
  type Ipv4Cidr,
} from "./rules/ipRanges";

/**
 * Network policy engines offered with Azure CNI overlay: `cilium` (Azure CNI powered by Cilium,
 * `networkDataplane: cilium`, which the `cilium` policy requires) or `azure` (Azure Network Policy
 * Manager on the Azure dataplane).
 */
export const AKS_NETWORK_POLICIES = ["cilium", "azure"] as const;
export type AksNetworkPolicy = (typeof AKS_NETWORK_POLICIES)[number];

export const AKS_OS_SKUS = ["AzureLinux", "Ubuntu"] as const;
export type AksOsSku = (typeof AKS_OS_SKUS)[number];

/**
 * Default overlay pod CIDR and service CIDR: private ranges outside the usual `10.x` VNet space
 * and outside the ranges AKS reserves (169.254.0.0/16, 172.30.0.0/16, 172.31.0.0/16, 192.0.2.0/24).
 */
export const DEFAULT_POD_CIDR = "192.168.0.0/16";
export const DEFAULT_SERVICE_CIDR = "172.16.0.0/16";
export const DEFAULT_DNS_SERVICE_IP = "172.16.0.10";

/** Ranges AKS does not allow for the pod or service CIDR. */
export const AKS_RESERVED_CIDRS: readonly string[] = [
  "169.254.0.0/16",
  "172.30.0.0/16",
  "172.31.0.0/16",
  "192.0.2.0/24",
];

/** Built-in role the control-plane identity needs on a bring-your-own subnet. */
export const CONTROL_PLANE_SUBNET_ROLE = "Network Contributor";
/** Built-in role the deployer receives on the cluster (Kubernetes data plane through Azure RBAC). */
export const DEPLOYER_CLUSTER_ROLE = "Azure Kubernetes Service RBAC Cluster Admin";

/** Plain (non-Output) settings of the cluster, validated by {@link validateAksSettings}. */
export interface AksSettings {
  readonly nodeCount: number;
  readonly nodeSize: string;
  readonly kubernetesVersion: string;
  readonly authorizedIpRanges: readonly string[];
  readonly networkPolicy: string;
  readonly osSku: string;
  readonly podCidr: string;
  readonly serviceCidr: string;
  readonly dnsServiceIp: string;
  readonly kubeloginMode: string;
  readonly dnsPrefix: string;
  /** The VNet address space, when known, to check the overlay ranges do not overlap it. */
  readonly vnetAddressSpace?: string;
}

function tryCidr(value: string, setting: string, issues: string[]): Ipv4Cidr | undefined {
  try {
    return parseCidr(value, setting);
  } catch (err) {
    issues.push((err as Error).message);
    return undefined;
  }
}

/**
 * Validates the plain AKS settings and returns every problem found (empty when valid), each
 * message naming the setting, the value and the fix. Pure.
 */
export function validateAksSettings(s: AksSettings): string[] {
  const issues: string[] = [];
  if (!Number.isInteger(s.nodeCount) || s.nodeCount < 1 || s.nodeCount > 100) {
    issues.push(`nodeCount: ${JSON.stringify(s.nodeCount)} must be an integer from 1 to 100.`);
  }
  if (!/^Standard_[A-Za-z0-9_]+$/.test(s.nodeSize)) {
    issues.push(
      `nodeSize: ${JSON.stringify(s.nodeSize)} is not an Azure VM size. Use e.g. Standard_D2s_v5.`,
    );
  }
  if (s.kubernetesVersion !== "" && !/^[1-9][0-9]*\.[0-9]+(\.[0-9]+)?$/.test(s.kubernetesVersion)) {
    issues.push(
      `kubernetesVersion: ${JSON.stringify(s.kubernetesVersion)} is not a Kubernetes version. Use ` +
        `"<major>.<minor>" or "<major>.<minor>.<patch>" (e.g. 1.33), or "" for the region's default.`,
    );
  }
  if (!(AKS_NETWORK_POLICIES as readonly string[]).includes(s.networkPolicy)) {
    issues.push(
      `networkPolicy: ${JSON.stringify(s.networkPolicy)} is not supported with Azure CNI overlay. ` +
        `Allowed values are: ${AKS_NETWORK_POLICIES.join(", ")}.`,
    );
  }
  if (!(AKS_OS_SKUS as readonly string[]).includes(s.osSku)) {
    issues.push(
      `osSku: ${JSON.stringify(s.osSku)} is not supported. Allowed values are: ${AKS_OS_SKUS.join(", ")}.`,
    );
  }
  if (!(KUBELOGIN_MODES as readonly string[]).includes(s.kubeloginMode)) {
    issues.push(
      `kubeloginMode: ${JSON.stringify(s.kubeloginMode)} is not supported. Allowed values are: ` +
        `${KUBELOGIN_MODES.join(", ")} (non-interactive modes only).`,
    );
  }
  if (!/^[A-Za-z0-9]([A-Za-z0-9-]{0,52}[A-Za-z0-9])?$/.test(s.dnsPrefix)) {
    issues.push(
      `dnsPrefix: ${JSON.stringify(s.dnsPrefix)} must be 1–54 letters, digits or "-", starting and ending ` +
        `with a letter or digit.`,
    );
  }
  s.authorizedIpRanges.forEach((range, i) => {
    const problem = allowedIpRangeProblem(range);
    if (problem?.kind === "syntax" || problem?.kind === "host-bits") {
      tryCidr(range, `authorizedIpRanges[${i}]`, issues);
    } else if (problem !== undefined) {
      issues.push(
        `authorizedIpRanges[${i}]: ${JSON.stringify(range)} ${allowedIpRangeReason(problem)}. Use a ` +
          `public IPv4 address or CIDR block, e.g. 203.0.113.0/24.`,
      );
    }
  });

  const pod = tryCidr(s.podCidr, "podCidr", issues);
  const service = tryCidr(s.serviceCidr, "serviceCidr", issues);
  const vnet =
    s.vnetAddressSpace !== undefined
      ? tryCidr(s.vnetAddressSpace, "vnetAddressSpace", issues)
      : undefined;
  for (const [setting, value, block] of [
    ["podCidr", s.podCidr, pod],
    ["serviceCidr", s.serviceCidr, service],
  ] as const) {
    if (block === undefined) {
      continue;
    }
    if (vnet !== undefined && cidrsOverlap(block, vnet)) {
      issues.push(
        `${setting}: "${value}" overlaps the VNet address space "${s.vnetAddressSpace}". Choose a range ` +
          `outside the VNet (defaults: podCidr ${DEFAULT_POD_CIDR}, serviceCidr ${DEFAULT_SERVICE_CIDR}).`,
      );
    }
    for (const reserved of AKS_RESERVED_CIDRS) {
      if (cidrsOverlap(block, parseCidr(reserved))) {
        issues.push(
          `${setting}: "${value}" overlaps ${reserved}, which AKS reserves. Choose another range.`,
        );
      }
    }
  }
  if (pod !== undefined && service !== undefined && cidrsOverlap(pod, service)) {
    issues.push(
      `serviceCidr: "${s.serviceCidr}" overlaps podCidr "${s.podCidr}". Use two disjoint ranges.`,
    );
  }
  const dns = parseIpv4(s.dnsServiceIp);
  if (dns === undefined) {
    issues.push(
      `dnsServiceIp: ${JSON.stringify(s.dnsServiceIp)} is not an IPv4 address. Use e.g. ${DEFAULT_DNS_SERVICE_IP}.`,
    );
  } else if (service !== undefined) {
    if (!cidrContainsIp(service, dns)) {
      issues.push(
        `dnsServiceIp: "${s.dnsServiceIp}" is outside serviceCidr "${s.serviceCidr}". Pick an address inside ` +
          `it, e.g. its .10 address.`,
      );
    } else if (
      dns === service.base ||
      dns === service.base + 1 ||
      dns === service.base + service.size - 1
    ) {
      issues.push(
        `dnsServiceIp: "${s.dnsServiceIp}" is the network, first or broadcast address of serviceCidr ` +
          `"${s.serviceCidr}" (the first is the kubernetes service). Use e.g. its .10 address.`,
      );
    }
  }
  return issues;
}

/**
 * Normalises an authorized IP range: a bare IPv4 address becomes `/32` (AKS documents
 * `authorizedIPRanges` in CIDR form); anything else is returned unchanged for validation. Pure.
 */
export function normalizeIpRange(value: string): string {
  return parseIpv4(value) !== undefined ? `${value}/32` : value;
}

/** A valid AKS DNS prefix derived from a logical name (pure). */
export function defaultDnsPrefix(name: string): string {
  const cleaned = name
    .replace(/[^A-Za-z0-9-]/g, "-")
    .replace(/^-+/, "")
    .slice(0, 54)
    .replace(/-+$/, "");
  return cleaned === "" ? "aks" : cleaned;
}

export interface AksClusterArgs {
  /** Required. Resource group of the cluster and its control-plane identity. */
  readonly resourceGroupName: pulumi.Input<string>;
  /** Optional. Azure region. Defaults to the provider's `azure-native:location`. */
  readonly location?: pulumi.Input<string>;
  /** Optional. Physical cluster name. Defaults to an auto-name derived from `${name}-cluster`. */
  readonly clusterName?: pulumi.Input<string>;
  /** Optional. DNS prefix of the API server FQDN. Defaults to the logical name, sanitised. */
  readonly dnsPrefix?: string;
  /** Required. ARM id of the AKS node subnet (the Network component's `aksSubnetId`). */
  readonly subnetId: pulumi.Input<string>;
  /**
   * Optional. VNet address space (plain), used to check the overlay pod and service CIDRs do not
   * overlap it. Defaults to no check.
   */
  readonly vnetAddressSpace?: string;
  /** Required. Entra tenant id of the cluster's managed Entra ID integration. */
  readonly tenantId: pulumi.Input<string>;
  /** Required. Object id of the principal running `pulumi up`; granted RBAC Cluster Admin on the cluster. */
  readonly deployerObjectId: pulumi.Input<string>;
  /** Required. Type of the deployer principal: `User` locally, `ServicePrincipal` in CI. */
  readonly deployerPrincipalType: pulumi.Input<"User" | "ServicePrincipal">;
  /**
   * Optional. Grant the deployer RBAC Cluster Admin on the cluster here. Set `false` when it already holds
   * the role at a scope covering the cluster, made ahead of time (bootstrap/: the resource group), so the
   * first Kubernetes call never waits for a fresh assignment to propagate (components/deployer.ts
   * DEPLOYER_CLUSTER_DATA_ROLE). Defaults to `true`.
   */
  readonly grantDeployerClusterAdmin?: boolean;
  /**
   * Optional. When this component grants the deployer's role (`grantDeployerClusterAdmin`), make the
   * Kubernetes provider wait, during `pulumi up`, until the API server authorizes the deployer
   * (components/clusterAccessGate.ts: SelfSubjectAccessReview polled with a bound), instead of failing the
   * first Namespace with 403 while the assignment propagates. Defaults to `false`.
   */
  readonly awaitDeployerAccess?: boolean;
  /** Optional. kubelogin login mode written into the provider's kubeconfig. Defaults to `azurecli`. */
  readonly kubeloginMode?: KubeloginMode;
  /** Optional. `--tenant-id` for kubelogin (see `KubeconfigLoginOptions`). Defaults to none. */
  readonly kubeloginTenantId?: pulumi.Input<string>;
  /** Optional. `--client-id` for kubelogin (see `KubeconfigLoginOptions`). Defaults to none. */
  readonly kubeloginClientId?: pulumi.Input<string>;
  /** Optional. VM size of the system node pool. Defaults to `Standard_D2s_v5`. */
  readonly nodeSize?: string;
  /** Optional. Node count of the system pool, 1–100. Defaults to `1`. */
  readonly nodeCount?: number;
  /** Optional. Kubernetes version; empty means the region's default. Defaults to `""`. */
  readonly kubernetesVersion?: string;
  /**
   * Optional. Public IPv4 CIDRs (or bare addresses, sent as `/32`) allowed to reach the API server:
   * network addresses, at most a /8, no private ranges (the vault firewall's rule, `rules/ipRanges.ts`).
   * For security reasons, give the operator and CI egress ranges in production. Defaults to `[]` (no
   * restriction).
   */
  readonly authorizedIpRanges?: readonly string[];
  /**
   * Optional. Network policy engine: `cilium` (with the Cilium dataplane) or `azure`.
   * Defaults to `cilium`.
   */
  readonly networkPolicy?: AksNetworkPolicy;
  /**
   * Optional. Disable AKS run command (`az aks command invoke`), which runs kubectl inside the
   * cluster through ARM and so sidesteps the authorized IP ranges. For security reasons it is
   * disabled unless this is explicitly `false`. Defaults to `true`.
   */
  readonly disableRunCommand?: boolean;
  /** Optional. Node OS. Defaults to `AzureLinux`. */
  readonly osSku?: AksOsSku;
  /** Optional. Overlay pod CIDR. Defaults to `192.168.0.0/16`. */
  readonly podCidr?: string;
  /** Optional. Service CIDR. Defaults to `172.16.0.0/16`. */
  readonly serviceCidr?: string;
  /** Optional. Cluster DNS service IP, inside `serviceCidr`. Defaults to `172.16.0.10`. */
  readonly dnsServiceIp?: string;
  /** Optional. Tags on the cluster and its identity. Defaults to none. */
  readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /**
   * Optional. Pricing tier: `Free`, `Standard` (uptime SLA, recommended for production) or `Premium`.
   * Defaults to AKS's own default (`Free`; the property is not sent).
   */
  readonly skuTier?: "Free" | "Standard" | "Premium";
  /**
   * Optional. Availability zones of the system node pool (e.g. `["1", "2", "3"]`). Defaults to none
   * (regional placement). Set in production where the region has zones.
   */
  readonly systemPoolZones?: readonly string[];
  /**
   * Optional. A private API server (no public endpoint; reach it from the VNet, a peered one or a jump
   * host). Defaults to `false`: `pulumi up` from a laptop or a hosted CI runner needs the public endpoint,
   * restricted by `authorizedIpRanges` (the aks-restricts-api-server-access policy asks for one of the two).
   */
  readonly privateCluster?: boolean;
  /**
   * Optional. Egress path of the nodes: `loadBalancer`, `managedNATGateway`, `userAssignedNATGateway` or
   * `userDefinedRouting` (through your firewall; the subnet's route table must exist). Defaults to
   * `loadBalancer`.
   */
  readonly outboundType?: AksOutboundType;
  /**
   * Optional. Extra node pools, created as their own `AgentPool` children (`<name>-pool-<pool name>`) in the
   * same subnet, `User` mode by default so application pods stay off the system pool. Defaults to none.
   */
  readonly nodePools?: readonly AksNodePoolArgs[];
}

/** Node egress types AKS accepts (azure-native 3.x `containerservice.OutboundType`, minus `none`). */
export type AksOutboundType =
  "loadBalancer" | "managedNATGateway" | "userAssignedNATGateway" | "userDefinedRouting";
const OUTBOUND_TYPES: readonly AksOutboundType[] = [
  "loadBalancer",
  "managedNATGateway",
  "userAssignedNATGateway",
  "userDefinedRouting",
];

/** One extra node pool. */
export interface AksNodePoolArgs {
  /**
   * Required. Pool name: 1–12 lowercase letters and digits, starting with a letter (AKS's rule for Linux
   * pools, https://learn.microsoft.com/azure/aks/use-system-pools#limitations); not `system`.
   */
  readonly name: string;
  /** Optional. VM size. Defaults to the system pool's `nodeSize`. */
  readonly vmSize?: string;
  /** Optional. Node count, 0–1000 (a `User` pool may scale to 0). Defaults to `1`. */
  readonly count?: number;
  /** Optional. `User` (application pods) or `System`. Defaults to `User`. */
  readonly mode?: "User" | "System";
  /** Optional. Availability zones, e.g. `["1", "2", "3"]`. Defaults to none. */
  readonly zones?: readonly string[];
  /** Optional. Kubernetes node labels. Defaults to none. */
  readonly nodeLabels?: Readonly<Record<string, string>>;
  /** Optional. Node taints, e.g. `["sku=gpu:NoSchedule"]`. Defaults to none. */
  readonly nodeTaints?: readonly string[];
}

/** AKS Linux node pool names (see AksNodePoolArgs.name). */
export const NODE_POOL_NAME: RegExp = /^[a-z][a-z0-9]{0,11}$/;

/** Problems with the production knobs (empty when valid). Pure. */
export function aksProductionIssues(args: AksClusterArgs): string[] {
  const issues: string[] = [];
  if (args.skuTier !== undefined && !["Free", "Standard", "Premium"].includes(args.skuTier)) {
    issues.push(
      `skuTier: ${JSON.stringify(args.skuTier)} is not a tier. Use Free, Standard or Premium.`,
    );
  }
  if (args.outboundType !== undefined && !OUTBOUND_TYPES.includes(args.outboundType)) {
    issues.push(
      `outboundType: ${JSON.stringify(args.outboundType)} is not supported. Use one of: ${OUTBOUND_TYPES.join(", ")}.`,
    );
  }
  const zoneIssue = (zones: readonly string[] | undefined, where: string) => {
    for (const z of zones ?? []) {
      if (!/^[1-9]$/.test(z)) {
        issues.push(
          `${where}: zone ${JSON.stringify(z)} is not a zone number. Use "1", "2" or "3".`,
        );
      }
    }
  };
  zoneIssue(args.systemPoolZones, "systemPoolZones");
  const seen = new Set<string>(["system"]);
  (args.nodePools ?? []).forEach((pool, i) => {
    const at = `nodePools[${i}]`;
    if (typeof pool.name !== "string" || !NODE_POOL_NAME.test(pool.name)) {
      issues.push(
        `${at}.name: ${JSON.stringify(pool.name)} is not a valid Linux node pool name. Use 1 to 12 lowercase letters or digits, starting with a letter.`,
      );
    } else if (seen.has(pool.name)) {
      issues.push(
        `${at}.name: ${JSON.stringify(pool.name)} is used twice (the system pool is "system"). Give each pool a unique name.`,
      );
    } else {
      seen.add(pool.name);
    }
    const count = pool.count ?? 1;
    if (!Number.isInteger(count) || count < 0 || count > 1000) {
      issues.push(`${at}.count: ${count} must be a whole number from 0 to 1000.`);
    }
    if (pool.mode !== undefined && pool.mode !== "User" && pool.mode !== "System") {
      issues.push(`${at}.mode: ${JSON.stringify(pool.mode)} must be User or System.`);
    }
    if ((pool.mode ?? "User") === "System" && count < 1) {
      issues.push(`${at}.count: a System pool needs at least 1 node.`);
    }
    zoneIssue(pool.zones, `${at}.zones`);
  });
  return issues;
}

/**
 * An AKS cluster for workload identity: OIDC issuer + workload identity, managed Entra ID with
 * Azure RBAC, local accounts disabled, auto-upgrade channels, Azure CNI overlay on a
 * bring-your-own subnet with a network policy, a user-assigned control-plane identity granted
 * Network Contributor on that subnet before the cluster exists, the deployer granted RBAC Cluster
 * Admin on the cluster, and a Kubernetes provider whose kubeconfig comes from
 * `listClusterUserCredential` (exec format, kubelogin rewritten to a non-interactive mode,
 * secret). Admin credentials are never requested.
 */
export class AksCluster extends pulumi.ComponentResource {
  /** The control plane's user-assigned identity child (granted Network Contributor on the subnet). */
  public readonly controlPlaneIdentity: managedidentity.UserAssignedIdentity;
  /** The control plane's Network Contributor assignment on the node subnet. */
  public readonly subnetGrant: RoleAssignment;
  /** The managed cluster child. */
  public readonly cluster: containerservice.ManagedCluster;
  /** The deployer's RBAC Cluster Admin assignment; `undefined` when `grantDeployerClusterAdmin` is false. */
  public readonly deployerGrant?: RoleAssignment;
  /** The extra node pools (`nodePools`), in order. */
  public readonly nodePools: readonly containerservice.AgentPool[];
  /**
   * The kubelet's identity (`identityProfile.kubeletidentity`): grant it `AcrPull` on a registry so nodes
   * pull images without credentials (`new RoleAssignment(…, { principalId: cluster.kubeletPrincipalId, role: "AcrPull", scope: acr.id })`).
   */
  public readonly kubeletIdentity: pulumi.Output<{
    clientId: string;
    objectId: string;
    resourceId: string;
  }>;
  /** Object id of the kubelet identity (`kubeletIdentity.objectId`), what a role assignment grants to. */
  public readonly kubeletPrincipalId: pulumi.Output<string>;
  /** ARM id of the cluster. */
  public readonly id: pulumi.Output<string>;
  /** Azure name of the cluster. */
  public readonly name: pulumi.Output<string>;
  /** The cluster's OIDC issuer URL exactly as Azure reports it (trailing slash included). */
  public readonly oidcIssuerUrl: pulumi.Output<string>;
  /** User kubeconfig with the kubelogin mode rewritten; a Pulumi secret. */
  public readonly kubeconfig: pulumi.Output<string>;
  /** Kubernetes provider for the cluster (user credentials via kubelogin): pass it to Kubernetes resources. */
  public readonly provider: KubernetesProvider;
  /** Object id of the control plane's identity. */
  public readonly controlPlanePrincipalId: pulumi.Output<string>;

  constructor(name: string, args: AksClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    checkRequiredArgs("AksCluster", name, args, [
      { key: "resourceGroupName", fix: "pass the resource group's name (e.g. rg.name)" },
      { key: "subnetId", fix: "pass the ARM id of the node subnet (e.g. network.aksSubnetId)" },
      {
        key: "tenantId",
        fix: "pass the Entra tenant id (e.g. authorization.getClientConfigOutput().tenantId)",
      },
      {
        key: "deployerObjectId",
        fix: "pass the object id of the principal running pulumi up (getClientConfigOutput().objectId)",
      },
      { key: "deployerPrincipalType", fix: 'pass "User" (a person) or "ServicePrincipal" (CI)' },
    ]);
    super("zerocred:containerservice:AksCluster", name, {}, opts);

    const settings: AksSettings = {
      nodeCount: args.nodeCount ?? 1,
      nodeSize: args.nodeSize ?? "Standard_D2s_v5",
      kubernetesVersion: args.kubernetesVersion ?? "",
      authorizedIpRanges: (args.authorizedIpRanges ?? []).map(normalizeIpRange),
      networkPolicy: args.networkPolicy ?? "cilium",
      osSku: args.osSku ?? "AzureLinux",
      podCidr: args.podCidr ?? DEFAULT_POD_CIDR,
      serviceCidr: args.serviceCidr ?? DEFAULT_SERVICE_CIDR,
      dnsServiceIp: args.dnsServiceIp ?? DEFAULT_DNS_SERVICE_IP,
      kubeloginMode: args.kubeloginMode ?? "azurecli",
      dnsPrefix: args.dnsPrefix ?? defaultDnsPrefix(name),
      vnetAddressSpace: args.vnetAddressSpace,
    };
    const issues = [...validateAksSettings(settings), ...aksProductionIssues(args)];
    if (issues.length > 0) {
      throw new pulumi.ResourceError(
        `AksCluster ${JSON.stringify(name)}: ${issues.join(" ")}`,
        this,
        true,
      );
    }
    const loginMode = settings.kubeloginMode as KubeloginMode;

    // BYO subnet: the control-plane identity must be able to join and read the subnet (and manage
    // load balancers in it). A user-assigned identity lets us grant that BEFORE the cluster exists
    // (with a system-assigned one the first create would race the grant).
    this.controlPlaneIdentity = new managedidentity.UserAssignedIdentity(
      `${name}-control-plane`,
      { resourceGroupName: args.resourceGroupName, location: args.location, tags: args.tags },
      { parent: this },
    );
    this.subnetGrant = new RoleAssignment(
      `${name}-control-plane-network`,
      {
        scope: args.subnetId,
        role: CONTROL_PLANE_SUBNET_ROLE,
        principalId: this.controlPlaneIdentity.principalId,
        principalType: "ServicePrincipal",
        description: "AKS control plane manages the node subnet (bring-your-own VNet).",
      },
      { parent: this },
    );

    const cilium = settings.networkPolicy === "cilium";
    this.cluster = new containerservice.ManagedCluster(
      `${name}-cluster`,
      {
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        resourceName: args.clusterName,
        dnsPrefix: settings.dnsPrefix,
        kubernetesVersion:
          settings.kubernetesVersion === "" ? undefined : settings.kubernetesVersion,
        identity: {
          type: containerservice.ResourceIdentityType.UserAssigned,
          userAssignedIdentities: [this.controlPlaneIdentity.id],
        },
        enableRBAC: true,
        disableLocalAccounts: true,
        aadProfile: { managed: true, enableAzureRBAC: true, tenantID: args.tenantId },
        oidcIssuerProfile: { enabled: true },
        securityProfile: { workloadIdentity: { enabled: true } },
        ...(args.skuTier !== undefined ? { sku: { name: "Base", tier: args.skuTier } } : {}),
        apiServerAccessProfile: {
          disableRunCommand: args.disableRunCommand ?? true,
          ...(args.privateCluster === true ? { enablePrivateCluster: true } : {}),
          ...(settings.authorizedIpRanges.length > 0
            ? { authorizedIPRanges: [...settings.authorizedIpRanges] }
            : {}),
        },
        autoUpgradeProfile: { upgradeChannel: "stable", nodeOSUpgradeChannel: "NodeImage" },
        networkProfile: {
          networkPlugin: "azure",
          networkPluginMode: "overlay",
          networkPolicy: settings.networkPolicy,
          networkDataplane: cilium ? "cilium" : "azure",
          podCidr: settings.podCidr,
          serviceCidr: settings.serviceCidr,
          dnsServiceIP: settings.dnsServiceIp,
          loadBalancerSku: "standard",
          outboundType: args.outboundType ?? "loadBalancer",
        },
        agentPoolProfiles: [
          {
            name: "system",
            mode: "System",
            type: "VirtualMachineScaleSets",
            osType: "Linux",
            osSKU: settings.osSku,
            vmSize: settings.nodeSize,
            count: settings.nodeCount,
            vnetSubnetID: args.subnetId,
            enableNodePublicIP: false,
            ...(args.systemPoolZones !== undefined && args.systemPoolZones.length > 0
              ? { availabilityZones: [...args.systemPoolZones] }
              : {}),
          },
        ],
        tags: args.tags,
      },
      { parent: this, dependsOn: [this.subnetGrant.assignment] },
    );

    this.deployerGrant =
      (args.grantDeployerClusterAdmin ?? true)
        ? new RoleAssignment(
            `${name}-deployer-admin`,
            {
              scope: this.cluster.id,
              role: DEPLOYER_CLUSTER_ROLE,
              principalId: args.deployerObjectId,
              principalType: args.deployerPrincipalType,
              description:
                "Deployer manages Kubernetes objects through Azure RBAC (no local accounts).",
            },
            { parent: this },
          )
        : undefined;

    // Extra pools: their own AgentPool resources (the agentPoolProfiles list is read at creation only).
    this.nodePools = (args.nodePools ?? []).map(
      (pool) =>
        new containerservice.AgentPool(
          `${name}-pool-${pool.name}`,
          {
            resourceGroupName: args.resourceGroupName,
            resourceName: this.cluster.name,
            agentPoolName: pool.name,
            mode: pool.mode ?? "User",
            type: "VirtualMachineScaleSets",
            osType: "Linux",
            osSKU: settings.osSku,
            vmSize: pool.vmSize ?? settings.nodeSize,
            count: pool.count ?? 1,
            vnetSubnetID: args.subnetId,
            enableNodePublicIP: false,
            ...(pool.zones !== undefined && pool.zones.length > 0
              ? { availabilityZones: [...pool.zones] }
              : {}),
            ...(pool.nodeLabels !== undefined ? { nodeLabels: { ...pool.nodeLabels } } : {}),
            ...(pool.nodeTaints !== undefined ? { nodeTaints: [...pool.nodeTaints] } : {}),
          },
          { parent: this },
        ),
    );

    this.kubeletIdentity = this.cluster.identityProfile.apply((profile) => {
      const k = profile?.["kubeletidentity"];
      return {
        clientId: k?.clientId ?? "",
        objectId: k?.objectId ?? "",
        resourceId: k?.resourceId ?? "",
      };
    });
    this.kubeletPrincipalId = this.kubeletIdentity.apply((k) => k.objectId);

    this.oidcIssuerUrl = this.cluster.oidcIssuerProfile.apply((p) => {
      if (!p?.issuerURL) {
        throw new Error(
          `AKS cluster ${name} reports no oidcIssuerProfile.issuerURL: is the OIDC issuer enabled?`,
        );
      }
      return p.issuerURL;
    });

    const credentials = containerservice.listManagedClusterUserCredentialsOutput(
      {
        resourceGroupName: args.resourceGroupName,
        resourceName: this.cluster.name,
        format: "exec",
      },
      { parent: this },
    );
    this.kubeconfig = pulumi.secret(
      pulumi
        .all([credentials, args.kubeloginTenantId, args.kubeloginClientId])
        .apply(([creds, tenantId, clientId]) =>
          rewriteKubeconfigLogin(decodeCredentialKubeconfig(creds), {
            loginMode,
            tenantId,
            clientId,
          }),
        ),
    );

    const accessGate =
      this.deployerGrant !== undefined && args.awaitDeployerAccess === true
        ? new ClusterAccessGate(
            `${name}-deployer-access`,
            { kubeconfig: this.kubeconfig },
            { parent: this, dependsOn: [this.deployerGrant.assignment] },
          )
        : undefined;
    this.provider = new KubernetesProvider(
      `${name}-k8s`,
      { kubeconfig: this.kubeconfig, enableServerSideApply: true, deleteUnreachable: false },
      // Kubernetes calls need the deployer's data-plane role first (and, with the gate, its propagation).
      {
        parent: this,
        dependsOn: [
          ...(this.deployerGrant ? [this.deployerGrant.assignment] : []),
          ...(accessGate ? [accessGate] : []),
        ],
      },
    );

    this.id = this.cluster.id;
    this.name = this.cluster.name;
    this.controlPlanePrincipalId = this.controlPlaneIdentity.principalId;

    this.registerOutputs({
      id: this.id,
      name: this.name,
      oidcIssuerUrl: this.oidcIssuerUrl,
      kubeconfig: this.kubeconfig,
      controlPlanePrincipalId: this.controlPlanePrincipalId,
      kubeletIdentity: this.kubeletIdentity,
    });
  }
}
