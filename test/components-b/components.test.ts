import * as crypto from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import {
  SIM_DEPLOYER_OBJECT_ID,
  SIM_SUBSCRIPTION_ID,
  SIM_TENANT_ID,
  type SimulatedCloud,
} from "../../sim/cloud";
import {
  isSecretOutput,
  named,
  registered,
  unwrap,
  useCloud,
  type RecordedResource,
} from "../harness";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
// Static imports are safe here: these modules only declare classes; every resource is
// constructed in beforeAll, after the simulated cloud is installed as the mock monitor.
import * as networkMod from "../../components/network";
import * as vmMod from "../../components/virtualMachine";
import * as aksMod from "../../components/aksCluster";

const RG = "rg-zc-dev";
const RG_ID = `/subscriptions/${SIM_SUBSCRIPTION_ID}/resourceGroups/${RG}`;
const NETWORK_CONTRIBUTOR = "4d97b98b-1d4f-4787-a291-c67834d212e7";
const AKS_RBAC_CLUSTER_ADMIN = "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b";
const roleDefinitionId = (guid: string) =>
  `/subscriptions/${SIM_SUBSCRIPTION_ID}/providers/Microsoft.Authorization/roleDefinitions/${guid}`;

function sshEd25519(): string {
  const jwk = crypto.generateKeyPairSync("ed25519").publicKey.export({ format: "jwk" });
  const field = (b: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(b.length);
    return Buffer.concat([len, b]);
  };
  const body = Buffer.concat([
    field(Buffer.from("ssh-ed25519")),
    field(Buffer.from(jwk.x!, "base64url")),
  ]);
  return `ssh-ed25519 ${body.toString("base64")} dev@zerocred`;
}
const SSH_KEY = sshEd25519();

let cloud: SimulatedCloud;
let rs: RecordedResource[];
let net: networkMod.Network;
let vm: vmMod.LinuxVirtualMachine;
let vmPublic: vmMod.LinuxVirtualMachine;
let aks: aksMod.AksCluster;
let aks2: aksMod.AksCluster;
let uaiIds: string[];

beforeAll(async () => {
  cloud = await useCloud();

  net = new networkMod.Network("zc-dev-net", {
    resourceGroupName: RG,
    addressSpace: "10.42.0.0/16",
  });
  const shared = new managedidentity.UserAssignedIdentity("shared", {
    resourceGroupName: RG,
    resourceName: "zc-shared",
  });
  const orders = new managedidentity.UserAssignedIdentity("orders", {
    resourceGroupName: RG,
    resourceName: "zc-orders",
  });
  vm = new vmMod.LinuxVirtualMachine("zc-dev", {
    resourceGroupName: RG,
    subnetId: net.vmSubnetId,
    adminUsername: "azureuser",
    sshPublicKey: SSH_KEY,
    userAssignedIdentityIds: [shared.id, orders.id],
    vmName: "zc-dev-vm",
  });
  vmPublic = new vmMod.LinuxVirtualMachine("zc-jump", {
    resourceGroupName: RG,
    subnetId: net.vmSubnetId,
    adminUsername: "ops",
    sshPublicKey: SSH_KEY,
    publicIp: true,
    osDiskType: "Premium_LRS",
  });
  aks = new aksMod.AksCluster("zc-dev-aks", {
    resourceGroupName: RG,
    clusterName: "zc-dev-aks",
    subnetId: net.aksSubnetId,
    vnetAddressSpace: net.addressSpace,
    tenantId: SIM_TENANT_ID,
    deployerObjectId: SIM_DEPLOYER_OBJECT_ID,
    deployerPrincipalType: "User",
    kubeloginMode: "azurecli",
    authorizedIpRanges: ["203.0.113.0/24", "198.51.100.7"],
  });
  aks2 = new aksMod.AksCluster("zc-ci-aks", {
    resourceGroupName: RG,
    clusterName: "zc-ci-aks",
    subnetId: net.aksSubnetId,
    tenantId: SIM_TENANT_ID,
    deployerObjectId: "2c4e6a8b-0d1f-4a3c-8e5b-7d9f1a3c5e7b",
    deployerPrincipalType: "ServicePrincipal",
    kubeloginMode: "workloadidentity",
    kubeloginClientId: "0a1b2c3d-4e5f-4061-8273-9a8b7c6d5e4f",
    kubeloginTenantId: SIM_TENANT_ID,
    kubernetesVersion: "1.33",
    networkPolicy: "azure",
    osSku: "Ubuntu",
    nodeCount: 2,
    nodeSize: "Standard_D4s_v5",
    disableRunCommand: false,
  });
  await Promise.all([
    unwrap(vm.principalId),
    unwrap(vmPublic.privateIpAddress),
    unwrap(aks.kubeconfig),
    unwrap(aks2.kubeconfig),
    unwrap(aks.provider.urn),
    unwrap(aks2.provider.urn),
  ]);
  uaiIds = [await unwrap(shared.id), await unwrap(orders.id)];
  rs = await registered(cloud);
});

const child = (name: string) => named(rs, name);
const VNET_ID = `${RG_ID}/providers/Microsoft.Network/virtualNetworks`;

describe("Network", () => {
  it("registers the VNet, two NSGs and two standalone subnets under the component", () => {
    const component = child("zc-dev-net");
    expect(component.type).toBe("zerocred:network:Network");
    for (const name of [
      "zc-dev-net-vnet",
      "zc-dev-net-vm-nsg",
      "zc-dev-net-aks-nsg",
      "zc-dev-net-vm",
      "zc-dev-net-aks",
    ]) {
      expect(child(name).parent).toBe(component.urn);
    }
    expect(child("zc-dev-net-vnet").type).toBe("azure-native:network:VirtualNetwork");
    expect(child("zc-dev-net-vm").type).toBe("azure-native:network:Subnet");
  });

  it("declares the address space and no inline subnets on the VNet", () => {
    const vnet = child("zc-dev-net-vnet");
    expect(vnet.inputs.addressSpace).toEqual({ addressPrefixes: ["10.42.0.0/16"] });
    expect(vnet.inputs).not.toHaveProperty("subnets");
  });

  it.each([
    ["zc-dev-net-vm", "vm", "10.42.0.0/24", "zc-dev-net-vm-nsg"],
    ["zc-dev-net-aks", "aks", "10.42.16.0/20", "zc-dev-net-aks-nsg"],
  ])(
    "subnet %s: prefix, Key Vault service endpoint, its own NSG",
    (name, subnetName, prefix, nsg) => {
      const subnet = child(name);
      const vnetName = child("zc-dev-net-vnet").outputs.name;
      expect(subnet.inputs).toEqual({
        resourceGroupName: RG,
        virtualNetworkName: vnetName,
        subnetName,
        addressPrefix: prefix,
        networkSecurityGroup: { id: child(nsg).id },
        serviceEndpoints: [{ service: "Microsoft.KeyVault" }],
        // azure-native's SDK defaults for Subnet (the API's defaults), sent as-is.
        privateEndpointNetworkPolicies: "Disabled",
        privateLinkServiceNetworkPolicies: "Enabled",
      });
    },
  );

  it("creates the aks subnet after the vm subnet (no concurrent subnet PUTs on one VNet)", () => {
    expect(child("zc-dev-net-aks").dependsOn).toEqual([child("zc-dev-net-vm").urn]);
  });

  it("denies inbound Internet traffic on the VM subnet explicitly and keeps Azure defaults on AKS", () => {
    expect(child("zc-dev-net-vm-nsg").inputs.securityRules).toEqual([
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
    ]);
    expect(child("zc-dev-net-aks-nsg").inputs.securityRules).toEqual([]);
  });

  it("outputs the ids and prefixes", async () => {
    const vnetName = String(child("zc-dev-net-vnet").outputs.name);
    expect(await unwrap(net.vnetId)).toBe(`${VNET_ID}/${vnetName}`);
    expect(await unwrap(net.vmSubnetId)).toBe(`${VNET_ID}/${vnetName}/subnets/vm`);
    expect(await unwrap(net.aksSubnetId)).toBe(`${VNET_ID}/${vnetName}/subnets/aks`);
    expect([net.addressSpace, net.vmSubnetPrefix, net.aksSubnetPrefix]).toEqual([
      "10.42.0.0/16",
      "10.42.0.0/24",
      "10.42.16.0/20",
    ]);
  });

  it("rejects a too-small address space before registering any child", () => {
    const before = cloud.resources.length;
    expect(
      () =>
        new networkMod.Network("zc-small", { resourceGroupName: RG, addressSpace: "10.42.0.0/24" }),
    ).toThrow(
      'zerocred:network.addressSpace: "10.42.0.0/24" is too small: the vm /24 and the aks /20 need at least a /19. Use a /16 such as 10.42.0.0/16.',
    );
    expect(cloud.resources.slice(before).filter((r) => r.custom)).toEqual([]);
  });
});

describe("LinuxVirtualMachine", () => {
  it("is SSH-key only, with the VM agent, on Ubuntu 24.04 gen2, trusted launch and boot diagnostics", () => {
    const v = child("zc-dev-vm");
    expect(v.type).toBe("azure-native:compute:VirtualMachine");
    expect(v.parent).toBe(child("zc-dev").urn);
    expect(v.inputs.osProfile).toEqual({
      computerName: "zc-dev",
      adminUsername: "azureuser",
      linuxConfiguration: {
        disablePasswordAuthentication: true,
        provisionVMAgent: true,
        ssh: { publicKeys: [{ path: "/home/azureuser/.ssh/authorized_keys", keyData: SSH_KEY }] },
      },
    });
    expect(v.inputs.securityProfile).toEqual({
      securityType: "TrustedLaunch",
      uefiSettings: { secureBootEnabled: true, vTpmEnabled: true },
    });
    expect(v.inputs.diagnosticsProfile).toEqual({ bootDiagnostics: { enabled: true } });
    expect(v.inputs.storageProfile).toEqual({
      imageReference: {
        publisher: "Canonical",
        offer: "ubuntu-24_04-lts",
        sku: "server",
        version: "latest",
      },
      osDisk: {
        createOption: "FromImage",
        caching: "ReadWrite",
        deleteOption: "Delete",
        managedDisk: { storageAccountType: "StandardSSD_LRS" },
      },
    });
    expect(v.inputs.hardwareProfile).toEqual({ vmSize: "Standard_B2s" });
  });

  it("has a system-assigned identity plus the given user-assigned identity ids", () => {
    expect(child("zc-dev-vm").inputs.identity).toEqual({
      type: "SystemAssigned, UserAssigned",
      userAssignedIdentities: uaiIds,
    });
    expect(child("zc-jump-vm").inputs.identity).toEqual({ type: "SystemAssigned" });
  });

  it("has no public IP by default: the NIC joins the VM subnet only", () => {
    const nic = child("zc-dev-nic");
    expect(nic.parent).toBe(child("zc-dev").urn);
    expect(nic.inputs.ipConfigurations).toEqual([
      {
        name: "primary",
        primary: true,
        subnet: { id: child("zc-dev-net-vm").id },
        privateIPAllocationMethod: "Dynamic",
      },
    ]);
    expect(
      rs.filter((r) => r.type === "azure-native:network:PublicIPAddress").map((r) => r.name),
    ).toEqual(["zc-jump-pip"]);
    expect(child("zc-dev-vm").inputs.networkProfile).toEqual({
      networkInterfaces: [{ id: nic.id, primary: true, deleteOption: "Delete" }],
    });
  });

  it("attaches a Standard static public IP only when publicIp is true", () => {
    const pip = child("zc-jump-pip");
    expect(pip.inputs).toEqual({
      resourceGroupName: RG,
      sku: { name: "Standard" },
      publicIPAllocationMethod: "Static",
    });
    const [config] = child("zc-jump-nic").inputs.ipConfigurations as Record<string, unknown>[];
    expect(config!.publicIPAddress).toEqual({ id: pip.id });
    expect((child("zc-jump-vm").inputs.storageProfile as { osDisk: unknown }).osDisk).toEqual({
      createOption: "FromImage",
      caching: "ReadWrite",
      deleteOption: "Delete",
      managedDisk: { storageAccountType: "Premium_LRS" },
    });
  });

  it("outputs id, name, the system identity's principalId and the private IP", async () => {
    const v = child("zc-dev-vm");
    expect(await unwrap(vm.id)).toBe(
      `${RG_ID}/providers/Microsoft.Compute/virtualMachines/zc-dev-vm`,
    );
    expect(await unwrap(vm.name)).toBe("zc-dev-vm");
    expect(await unwrap(vm.principalId)).toBe(
      (v.outputs.identity as { principalId: string }).principalId,
    );
    expect(await unwrap(vm.principalId)).toBe(cloud.guid(`${v.urn}#systemPrincipalId`));
    expect(await unwrap(vm.privateIpAddress)).toBe("10.42.0.4");
    expect(await unwrap(vm.userAssignedIdentityIds)).toEqual(uaiIds);
  });

  it.each([
    [
      { sshPublicKey: "ssh-dss AAAA" },
      'sshPublicKey "ssh-dss AAAA" has unsupported key type "ssh-dss": use ssh-ed25519 (recommended), ssh-rsa (≥ 2048 bits) or ecdsa-sha2-nistp256/384/521.',
    ],
    [
      { adminUsername: "root" },
      'adminUsername "root" is reserved by Azure: choose another name (e.g. azureuser).',
    ],
  ])("rejects invalid plain args before registering children: %j", (change, message) => {
    const before = cloud.resources.length;
    expect(
      () =>
        new vmMod.LinuxVirtualMachine(`zc-bad-${Object.keys(change)[0]}`, {
          resourceGroupName: RG,
          subnetId: "/subscriptions/x/subnets/vm",
          adminUsername: "azureuser",
          sshPublicKey: SSH_KEY,
          ...change,
        }),
    ).toThrow(message);
    expect(cloud.resources.slice(before).filter((r) => r.custom)).toEqual([]);
  });
});

describe("AksCluster", () => {
  it("enables OIDC issuer, workload identity, managed Entra ID with Azure RBAC, and disables local accounts", () => {
    const c = child("zc-dev-aks-cluster");
    expect(c.type).toBe("azure-native:containerservice:ManagedCluster");
    expect(c.parent).toBe(child("zc-dev-aks").urn);
    expect(c.inputs.oidcIssuerProfile).toEqual({ enabled: true });
    expect(c.inputs.securityProfile).toEqual({ workloadIdentity: { enabled: true } });
    expect(c.inputs.aadProfile).toEqual({
      managed: true,
      enableAzureRBAC: true,
      tenantID: SIM_TENANT_ID,
    });
    expect(c.inputs.disableLocalAccounts).toBe(true);
    expect(c.inputs.enableRBAC).toBe(true);
    expect(c.inputs).not.toHaveProperty("podIdentityProfile");
    expect(c.inputs).not.toHaveProperty("kubernetesVersion");
    expect(c.inputs.autoUpgradeProfile).toEqual({
      upgradeChannel: "stable",
      nodeOSUpgradeChannel: "NodeImage",
    });
    expect(c.inputs.apiServerAccessProfile).toEqual({
      disableRunCommand: true,
      authorizedIPRanges: ["203.0.113.0/24", "198.51.100.7/32"],
    });
  });

  it("uses Azure CNI overlay with Cilium on the AKS subnet, ranges outside the VNet", () => {
    const c = child("zc-dev-aks-cluster");
    expect(c.inputs.networkProfile).toEqual({
      networkPlugin: "azure",
      networkPluginMode: "overlay",
      networkPolicy: "cilium",
      networkDataplane: "cilium",
      podCidr: "192.168.0.0/16",
      serviceCidr: "172.16.0.0/16",
      dnsServiceIP: "172.16.0.10",
      loadBalancerSku: "standard",
      outboundType: "loadBalancer",
    });
    expect(c.inputs.agentPoolProfiles).toEqual([
      {
        name: "system",
        mode: "System",
        type: "VirtualMachineScaleSets",
        osType: "Linux",
        osSKU: "AzureLinux",
        vmSize: "Standard_D2s_v5",
        count: 1,
        vnetSubnetID: child("zc-dev-net-aks").id,
        enableNodePublicIP: false,
      },
    ]);
  });

  it("runs as a user-assigned control-plane identity granted Network Contributor on the subnet first", () => {
    const identity = child("zc-dev-aks-control-plane");
    expect(identity.type).toBe("azure-native:managedidentity:UserAssignedIdentity");
    const c = child("zc-dev-aks-cluster");
    expect(c.inputs.identity).toEqual({
      type: "UserAssigned",
      userAssignedIdentities: [identity.id],
    });
    const grant = child("zc-dev-aks-control-plane-network-assignment");
    expect(grant.type).toBe("azure-native:authorization:RoleAssignment");
    expect(grant.inputs.scope).toBe(child("zc-dev-net-aks").id);
    expect(grant.inputs.roleDefinitionId).toBe(roleDefinitionId(NETWORK_CONTRIBUTOR));
    expect(grant.inputs.principalId).toBe(identity.outputs.principalId);
    expect(grant.inputs.principalType).toBe("ServicePrincipal");
    expect(c.dependencies).toContain(grant.urn);
    expect(grant.order).toBeLessThan(c.order);
  });

  it("grants the deployer Azure Kubernetes Service RBAC Cluster Admin at the cluster scope", () => {
    const grant = child("zc-dev-aks-deployer-admin-assignment");
    expect(grant.inputs.scope).toBe(child("zc-dev-aks-cluster").id);
    expect(grant.inputs.roleDefinitionId).toBe(roleDefinitionId(AKS_RBAC_CLUSTER_ADMIN));
    expect(grant.inputs.principalId).toBe(SIM_DEPLOYER_OBJECT_ID);
    expect(grant.inputs.principalType).toBe("User");
    const ci = child("zc-ci-aks-deployer-admin-assignment");
    expect(ci.inputs.principalType).toBe("ServicePrincipal");
    expect(ci.inputs.scope).toBe(child("zc-ci-aks-cluster").id);
  });

  it("outputs the issuer URL exactly as the cluster reports it", async () => {
    const c = child("zc-dev-aks-cluster");
    const issuer = await unwrap(aks.oidcIssuerUrl);
    expect(issuer).toBe((c.outputs.oidcIssuerProfile as { issuerURL: string }).issuerURL);
    expect(issuer).toMatch(
      new RegExp(
        `^https://westeurope\\.oic\\.prod-aks\\.azure\\.com/${SIM_TENANT_ID}/[0-9a-f-]{36}/$`,
      ),
    );
    expect(await unwrap(aks.id)).toBe(
      `${RG_ID}/providers/Microsoft.ContainerService/managedClusters/zc-dev-aks`,
    );
    expect(await unwrap(aks.name)).toBe("zc-dev-aks");
  });

  it("builds the kubeconfig from user credentials in exec format, never admin credentials", () => {
    const tokens = cloud.invokes.map((i) => i.token);
    expect(tokens.filter((t) => /Admin|Monitoring/i.test(t))).toEqual([]);
    const calls = cloud.invokes.filter(
      (i) => i.token === "azure-native:containerservice:listManagedClusterUserCredentials",
    );
    const args = calls.map((c) => c.args);
    args.sort((a, b) => String(a.resourceName).localeCompare(String(b.resourceName)));
    expect(args).toEqual([
      { resourceGroupName: RG, resourceName: "zc-ci-aks", format: "exec" },
      { resourceGroupName: RG, resourceName: "zc-dev-aks", format: "exec" },
    ]);
  });

  it("keeps the kubeconfig secret and rewrites the kubelogin login mode", async () => {
    expect(await isSecretOutput(aks.kubeconfig)).toBe(true);
    const doc = parse(await unwrap(aks.kubeconfig));
    expect(doc.users[0].user.exec.args).toEqual([
      "get-token",
      "--login",
      "azurecli",
      "--server-id",
      "6dae42f8-4368-4678-94ff-3960e28e3630",
    ]);
    const ci = parse(await unwrap(aks2.kubeconfig));
    expect(ci.users[0].user.exec.args).toEqual([
      "get-token",
      "--login",
      "workloadidentity",
      "--server-id",
      "6dae42f8-4368-4678-94ff-3960e28e3630",
      "--client-id",
      "0a1b2c3d-4e5f-4061-8273-9a8b7c6d5e4f",
      "--tenant-id",
      SIM_TENANT_ID,
      // kubelogin v0.1.3 workloadidentity has no default authority host (components/kubelogin.ts).
      "--authority-host",
      "https://login.microsoftonline.com/",
    ]);
  });

  it("creates the Kubernetes provider with the secret kubeconfig, after the deployer's grant", () => {
    const provider = child("zc-dev-aks-k8s");
    expect(provider.type).toBe("pulumi:providers:kubernetes");
    expect(provider.parent).toBe(child("zc-dev-aks").urn);
    expect(provider.secretInputPaths).toContain("kubeconfig");
    expect(provider.dependencies).toContain(child("zc-dev-aks-deployer-admin-assignment").urn);
    expect(aks.provider).toBeInstanceOf(pulumi.ProviderResource);
  });

  it("honours the overrides: version, azure network policy, Ubuntu, node count and size, run command, no IP ranges", () => {
    const c = child("zc-ci-aks-cluster");
    expect(c.inputs.kubernetesVersion).toBe("1.33");
    expect(c.inputs.apiServerAccessProfile).toEqual({ disableRunCommand: false });
    expect((c.inputs.networkProfile as Record<string, unknown>).networkPolicy).toBe("azure");
    expect((c.inputs.networkProfile as Record<string, unknown>).networkDataplane).toBe("azure");
    const [pool] = c.inputs.agentPoolProfiles as Record<string, unknown>[];
    expect([pool!.osSKU, pool!.count, pool!.vmSize]).toEqual(["Ubuntu", 2, "Standard_D4s_v5"]);
  });

  it("rejects invalid settings with every issue before registering any child", () => {
    const before = cloud.resources.length;
    expect(
      () =>
        new aksMod.AksCluster("zc-bad-aks", {
          resourceGroupName: RG,
          subnetId: "/subscriptions/x/subnets/aks",
          vnetAddressSpace: "10.42.0.0/16",
          tenantId: SIM_TENANT_ID,
          deployerObjectId: SIM_DEPLOYER_OBJECT_ID,
          deployerPrincipalType: "User",
          nodeCount: 0,
          podCidr: "10.42.0.0/17",
        }),
    ).toThrow(
      'AksCluster "zc-bad-aks": nodeCount: 0 must be an integer from 1 to 100. ' +
        'podCidr: "10.42.0.0/17" overlaps the VNet address space "10.42.0.0/16". Choose a range outside the VNet (defaults: podCidr 192.168.0.0/16, serviceCidr 172.16.0.0/16).',
    );
    expect(cloud.resources.slice(before).filter((r) => r.custom)).toEqual([]);
  });
});
