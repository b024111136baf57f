import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
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
  public readonly controlPlaneIdentity: managedidentity.UserAssignedIdentity;
  public readonly subnetGrant: RoleAssignment;
  public readonly cluster: containerservice.ManagedCluster;
  /** The deployer's RBAC Cluster Admin assignment; `undefined` when `grantDeployerClusterAdmin` is false. */
  public readonly deployerGrant?: RoleAssignment;
  public readonly id: pulumi.Output<string>;
  public readonly name: pulumi.Output<string>;
  /** The cluster's OIDC issuer URL exactly as Azure reports it (trailing slash included). */
  public readonly oidcIssuerUrl: pulumi.Output<string>;
  /** User kubeconfig with the kubelogin mode rewritten; a Pulumi secret. */
  public readonly kubeconfig: pulumi.Output<string>;
  public readonly provider: k8s.Provider;
  public readonly controlPlanePrincipalId: pulumi.Output<string>;

  constructor(name: string, args: AksClusterArgs, opts?: pulumi.ComponentResourceOptions) {
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
    const issues = validateAksSettings(settings);
    if (issues.length > 0) {
      throw new pulumi.ResourceError(issues.join("\n"), this);
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
        apiServerAccessProfile: {
          disableRunCommand: args.disableRunCommand ?? true,
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
          outboundType: "loadBalancer",
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
    this.provider = new k8s.Provider(
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
    });
  }
}
