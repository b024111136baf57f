/**
 * The production knobs: AKS SKU tier, private cluster, outbound type, zones, extra (User) node pools and
 * the kubelet identity as an output; the VM's trusted-launch override. Each knob's default leaves the
 * registered inputs exactly as before (the dev stack's golden list pins that too).
 */
import * as crypto from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { SIM_DEPLOYER_OBJECT_ID, SIM_TENANT_ID, type SimulatedCloud } from "../../sim/cloud";
import { registered, unwrap, useCloud, type RecordedResource } from "../harness";
import * as aksMod from "../../components/aksCluster";
import * as vmMod from "../../components/virtualMachine";

const RG = "rg-knobs";
const SUBNET =
  "/subscriptions/00000000-0000-4000-8000-000000000000/resourceGroups/rg-knobs/providers/Microsoft.Network/virtualNetworks/v/subnets/aks";

function sshKey(): string {
  const jwk = crypto.generateKeyPairSync("ed25519").publicKey.export({ format: "jwk" });
  const field = (b: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, b.length]), b]);
  const body = Buffer.concat([
    field(Buffer.from("ssh-ed25519")),
    field(Buffer.from(jwk.x!, "base64url")),
  ]);
  return `ssh-ed25519 ${body.toString("base64")} ops@zerocred`;
}

let cloud: SimulatedCloud;
let rs: RecordedResource[];
let prod: aksMod.AksCluster;

const base = {
  resourceGroupName: RG,
  subnetId: SUBNET,
  tenantId: SIM_TENANT_ID,
  deployerObjectId: SIM_DEPLOYER_OBJECT_ID,
  deployerPrincipalType: "ServicePrincipal" as const,
};
interface ClusterInputs {
  sku?: unknown;
  apiServerAccessProfile: { enablePrivateCluster?: boolean };
  networkProfile: { outboundType: string };
  agentPoolProfiles: { availabilityZones?: string[] }[];
}
const one = (name: string) => {
  const found = rs.filter((r) => r.name === name);
  expect(found.map((r) => r.name)).toEqual([name]);
  return found[0]!;
};

beforeAll(async () => {
  cloud = await useCloud();
  prod = new aksMod.AksCluster("prod-aks", {
    ...base,
    skuTier: "Standard",
    privateCluster: true,
    outboundType: "userDefinedRouting",
    systemPoolZones: ["1", "2", "3"],
    nodePools: [
      { name: "apps", vmSize: "Standard_D4s_v5", count: 3, zones: ["1", "2", "3"] },
      { name: "gpu", count: 0, nodeTaints: ["sku=gpu:NoSchedule"], nodeLabels: { sku: "gpu" } },
    ],
  });
  new aksMod.AksCluster("plain-aks", base);
  new vmMod.LinuxVirtualMachine("legacy-vm", {
    resourceGroupName: RG,
    subnetId: SUBNET,
    adminUsername: "ops",
    sshPublicKey: sshKey(),
    trustedLaunch: false,
  });
  rs = await registered(cloud);
});

describe("AksCluster production knobs", () => {
  it("sends the SKU tier, private endpoint, outbound type and system-pool zones when set", () => {
    const c = one("prod-aks-cluster").inputs as unknown as ClusterInputs;
    expect(c.sku).toEqual({ name: "Base", tier: "Standard" });
    expect(c.apiServerAccessProfile).toMatchObject({
      enablePrivateCluster: true,
      disableRunCommand: true,
    });
    expect(c.networkProfile.outboundType).toBe("userDefinedRouting");
    expect(c.agentPoolProfiles[0]).toMatchObject({
      name: "system",
      mode: "System",
      availabilityZones: ["1", "2", "3"],
    });
  });

  it("leaves every one of them unsent (AKS defaults) when not set", () => {
    const c = one("plain-aks-cluster").inputs as unknown as ClusterInputs;
    expect(c.sku).toBeUndefined();
    expect(c.apiServerAccessProfile.enablePrivateCluster).toBeUndefined();
    expect(c.networkProfile.outboundType).toBe("loadBalancer");
    expect(c.agentPoolProfiles[0].availabilityZones).toBeUndefined();
    expect(
      rs.filter(
        (r) =>
          r.type === "azure-native:containerservice:AgentPool" && r.name.startsWith("plain-aks"),
      ),
    ).toEqual([]);
  });

  it("creates each extra pool as its own User-mode AgentPool in the node subnet, no public IPs", () => {
    const apps = one("prod-aks-pool-apps").inputs;
    expect(apps).toMatchObject({
      resourceGroupName: RG,
      agentPoolName: "apps",
      mode: "User",
      vmSize: "Standard_D4s_v5",
      count: 3,
      availabilityZones: ["1", "2", "3"],
      vnetSubnetID: SUBNET,
      enableNodePublicIP: false,
      osSKU: "AzureLinux",
    });
    expect(one("prod-aks-pool-gpu").inputs).toMatchObject({
      count: 0,
      nodeTaints: ["sku=gpu:NoSchedule"],
      nodeLabels: { sku: "gpu" },
      vmSize: "Standard_D2s_v5",
    });
    expect(prod.nodePools).toHaveLength(2);
  });

  it("exposes the kubelet identity (for AcrPull) as an output", async () => {
    const k = await unwrap(prod.kubeletIdentity);
    expect(Object.keys(k).sort()).toEqual(["clientId", "objectId", "resourceId"]);
    expect(await unwrap(prod.kubeletPrincipalId)).toBe(k.objectId);
  });

  it.each([
    [{ skuTier: "Gold" }, 'skuTier: "Gold" is not a tier. Use Free, Standard or Premium.'],
    [{ outboundType: "none" }, 'outboundType: "none" is not supported.'],
    [{ systemPoolZones: ["az1"] }, 'systemPoolZones: zone "az1" is not a zone number.'],
    [
      { nodePools: [{ name: "Apps-Pool" }] },
      'nodePools[0].name: "Apps-Pool" is not a valid Linux node pool name.',
    ],
    [{ nodePools: [{ name: "system" }] }, 'nodePools[0].name: "system" is used twice'],
    [
      { nodePools: [{ name: "sys2", mode: "System", count: 0 }] },
      "nodePools[0].count: a System pool needs at least 1 node.",
    ],
  ])("rejects %j with the setting and the fix", (extra, message) => {
    expect(() => new aksMod.AksCluster("bad-aks", { ...base, ...(extra as object) })).toThrow(
      message,
    );
  });
});

describe("LinuxVirtualMachine trustedLaunch override", () => {
  it("omits the trusted-launch security profile only when explicitly false", () => {
    expect(one("legacy-vm-vm").inputs.securityProfile).toBeUndefined();
  });
});
