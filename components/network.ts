import * as pulumi from "@pulumi/pulumi";
import { checkRequiredArgs } from "./args";
import * as network from "@pulumi/azure-native/network";
import type * as azureInputs from "@pulumi/azure-native/types/input";
import { formatCidr, ipToString, parseCidr } from "./rules/ipRanges";

export {
  cidrContainsIp,
  cidrsOverlap,
  formatCidr,
  parseCidr,
  parseIpv4,
  type Ipv4Cidr,
} from "./rules/ipRanges";

/** The subnet layout carved from the VNet address space. */
export interface SubnetLayout {
  readonly addressSpace: string;
  /** First /24 of the address space (VM subnet). */
  readonly vmSubnetPrefix: string;
  /** The /20 starting 16 /24s into the address space (AKS node subnet). */
  readonly aksSubnetPrefix: string;
}

/** The smallest address space that holds the VM /24 at offset 0 and the AKS /20 at offset 4096. */
export const MIN_ADDRESS_SPACE_PREFIX = 19;
/** A /8 is the largest block we accept (Azure allows larger, but nothing here needs more). */
export const MAX_ADDRESS_SPACE_PREFIX = 8;

const VM_SUBNET_PREFIX = 24;
const AKS_SUBNET_PREFIX = 20;
const AKS_SUBNET_OFFSET = 16 * 256; // 10.x.16.0 in a /16

/**
 * Carves the `vm` and `aks` subnets from the VNet address space:
 * - `vm`: the first /24 (e.g. 10.42.0.0/24 in 10.42.0.0/16) — one VM needs few addresses;
 * - `aks`: the /20 at offset 16 × /24 (e.g. 10.42.16.0/20) — with Azure CNI overlay only nodes
 *   take VNet addresses, and a /20 (4,091 usable) leaves room for surge nodes during upgrades.
 * The address space must therefore be a /19 or larger (a smaller prefix number). Pure; throws
 * an `Error` naming `zerocred:network.addressSpace`, the value and the fix.
 */
export function carveSubnets(addressSpace: string): SubnetLayout {
  const setting = "zerocred:network.addressSpace";
  const space = parseCidr(addressSpace, setting);
  if (space.prefix > MIN_ADDRESS_SPACE_PREFIX) {
    throw new Error(
      `${setting}: "${addressSpace}" is too small: the vm /24 and the aks /20 need at least a ` +
        `/${MIN_ADDRESS_SPACE_PREFIX}. Use a /16 such as ${ipToString(space.base - (space.base % 65536))}/16.`,
    );
  }
  if (space.prefix < MAX_ADDRESS_SPACE_PREFIX) {
    throw new Error(
      `${setting}: "${addressSpace}" is larger than a /${MAX_ADDRESS_SPACE_PREFIX}. Use a /16 such as 10.42.0.0/16.`,
    );
  }
  return {
    addressSpace,
    vmSubnetPrefix: formatCidr({ base: space.base, prefix: VM_SUBNET_PREFIX, size: 256 }),
    aksSubnetPrefix: formatCidr({
      base: space.base + AKS_SUBNET_OFFSET,
      prefix: AKS_SUBNET_PREFIX,
      size: 4096,
    }),
  };
}

/**
 * Security rules of the VM subnet's NSG. Azure's default rules already deny inbound traffic from
 * the Internet (`DenyAllInBound`, priority 65500) while allowing the VNet and the Azure load
 * balancer; the explicit `DenyInternetInbound` rule makes that intent visible, survives someone
 * adding a broad allow rule at a lower priority number below 4096, and is what the policy pack checks.
 * The VM is reached with the managed run command (through the VM agent), never over SSH from the
 * Internet; to SSH in, use Azure Bastion or a peered network (`AllowVnetInBound` applies).
 */
export const VM_NSG_RULES: readonly azureInputs.network.SecurityRuleArgs[] = [
  {
    name: "DenyInternetInbound",
    description:
      "No inbound traffic from the Internet: the VM is managed through run command only.",
    priority: 4096,
    direction: "Inbound",
    access: "Deny",
    protocol: "*",
    sourceAddressPrefix: "Internet",
    sourcePortRange: "*",
    destinationAddressPrefix: "*",
    destinationPortRange: "*",
  },
];

/**
 * Security rules of the AKS subnet's NSG: none beyond Azure's defaults (VNet and load balancer in,
 * Internet in denied, all out allowed). AKS manages the NSG of its node NICs in the node resource
 * group itself (LoadBalancer services add their rules there); extra deny rules on the subnet can
 * break node-to-control-plane traffic, so this NSG only exists to make the posture explicit and
 * auditable.
 */
export const AKS_NSG_RULES: readonly azureInputs.network.SecurityRuleArgs[] = [];

export interface NetworkArgs {
  /** Required. Resource group that holds the VNet, the subnets and the NSGs. */
  readonly resourceGroupName: pulumi.Input<string>;
  /** Optional. Azure region. Defaults to the provider's `azure-native:location`. */
  readonly location?: pulumi.Input<string>;
  /**
   * Required. VNet address space, an IPv4 CIDR of /8 to /19 (plain value, validated before any
   * resource is registered). The `vm` /24 and `aks` /20 subnets are carved from it, see
   * {@link carveSubnets}.
   */
  readonly addressSpace: string;
  /** Optional. Physical VNet name. Defaults to an auto-name derived from `${name}-vnet`. */
  readonly vnetName?: pulumi.Input<string>;
  /** Optional. Tags on the VNet and NSGs. Defaults to none. */
  readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/**
 * One VNet with a `vm` and an `aks` subnet, each with its own NSG and a `Microsoft.KeyVault`
 * service endpoint (the vault firewall allows these subnets through virtual network rules).
 *
 * Subnets are separate `network.Subnet` resources and the VNet declares no `subnets` property.
 * Mixing inline and standalone subnets makes each PUT of the VNet delete the standalone ones
 * (pulumi/pulumi-azure-native#611, Azure/azure-quickstart-templates#2786; the VNet typings say
 * "Do not mix inline and standalone resource"). With the VNet API versions azure-native v3 uses
 * (2024-05-01), a VNet PUT that *omits* `subnets` leaves existing subnets alone, so standalone
 * subnets are stable — and each one is a resource with its own id and URN that the AKS
 * Network Contributor grant, the NIC and the vault rules can depend on. The second subnet
 * depends on the first: two concurrent subnet PUTs on one VNet can fail with
 * `AnotherOperationInProgress`.
 */
export class Network extends pulumi.ComponentResource {
  /** The virtual network child. */
  public readonly vnet: network.VirtualNetwork;
  /** The VM subnet child (`vm`, with the `Microsoft.KeyVault` service endpoint). */
  public readonly vmSubnet: network.Subnet;
  /** The AKS node subnet child (`aks`, with the `Microsoft.KeyVault` service endpoint). */
  public readonly aksSubnet: network.Subnet;
  /** The VM subnet's network security group child (no inbound from the internet). */
  public readonly vmNsg: network.NetworkSecurityGroup;
  /** The AKS subnet's network security group child. */
  public readonly aksNsg: network.NetworkSecurityGroup;
  /** ARM id of the virtual network. */
  public readonly vnetId: pulumi.Output<string>;
  /** Azure name of the virtual network. */
  public readonly vnetName: pulumi.Output<string>;
  /** ARM id of the VM subnet (`LinuxVirtualMachine.subnetId`, `KeyVault.allowedSubnetIds`). */
  public readonly vmSubnetId: pulumi.Output<string>;
  /** ARM id of the AKS node subnet (`AksCluster.subnetId`, `KeyVault.allowedSubnetIds`). */
  public readonly aksSubnetId: pulumi.Output<string>;
  /** The VNet address space (plain, validated). */
  public readonly addressSpace: string;
  /** CIDR of the VM subnet (plain, derived from `addressSpace`). */
  public readonly vmSubnetPrefix: string;
  /** CIDR of the AKS subnet (plain, derived from `addressSpace`). */
  public readonly aksSubnetPrefix: string;

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    checkRequiredArgs("Network", name, args, [
      { key: "resourceGroupName", fix: "pass the resource group's name (e.g. rg.name)" },
      { key: "addressSpace", fix: 'pass the VNet\'s IPv4 CIDR, e.g. "10.42.0.0/16"' },
    ]);
    super("zerocred:network:Network", name, {}, opts);

    let layout: SubnetLayout;
    try {
      layout = carveSubnets(args.addressSpace);
    } catch (err) {
      throw new pulumi.ResourceError((err as Error).message, this, true);
    }

    this.vnet = new network.VirtualNetwork(
      `${name}-vnet`,
      {
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        virtualNetworkName: args.vnetName,
        addressSpace: { addressPrefixes: [layout.addressSpace] },
        tags: args.tags,
        // No `subnets` here on purpose: see the class comment.
      },
      { parent: this },
    );

    this.vmNsg = new network.NetworkSecurityGroup(
      `${name}-vm-nsg`,
      {
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        securityRules: [...VM_NSG_RULES],
        tags: args.tags,
      },
      { parent: this },
    );
    this.aksNsg = new network.NetworkSecurityGroup(
      `${name}-aks-nsg`,
      {
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        securityRules: [...AKS_NSG_RULES],
        tags: args.tags,
      },
      { parent: this },
    );

    const keyVaultEndpoint = [{ service: "Microsoft.KeyVault" }];
    this.vmSubnet = new network.Subnet(
      `${name}-vm`,
      {
        resourceGroupName: args.resourceGroupName,
        virtualNetworkName: this.vnet.name,
        subnetName: "vm",
        addressPrefix: layout.vmSubnetPrefix,
        networkSecurityGroup: { id: this.vmNsg.id },
        serviceEndpoints: keyVaultEndpoint,
      },
      { parent: this },
    );
    this.aksSubnet = new network.Subnet(
      `${name}-aks`,
      {
        resourceGroupName: args.resourceGroupName,
        virtualNetworkName: this.vnet.name,
        subnetName: "aks",
        addressPrefix: layout.aksSubnetPrefix,
        networkSecurityGroup: { id: this.aksNsg.id },
        serviceEndpoints: keyVaultEndpoint,
      },
      { parent: this, dependsOn: [this.vmSubnet] },
    );

    this.vnetId = this.vnet.id;
    this.vnetName = this.vnet.name;
    this.vmSubnetId = this.vmSubnet.id;
    this.aksSubnetId = this.aksSubnet.id;
    this.addressSpace = layout.addressSpace;
    this.vmSubnetPrefix = layout.vmSubnetPrefix;
    this.aksSubnetPrefix = layout.aksSubnetPrefix;

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
