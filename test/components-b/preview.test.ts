import { beforeAll, describe, expect, it } from "vitest";
import type * as pulumi from "@pulumi/pulumi";
import { SIM_DEPLOYER_OBJECT_ID, SIM_TENANT_ID, type SimulatedCloud } from "../../sim/cloud";
import { isSecretOutput, named, registered, unwrap, useCloud } from "../harness";
// Static imports are safe: these modules only declare classes; resources are constructed in
// beforeAll, after the simulated cloud is installed.
import { Network } from "../../components/network";
import { LinuxVirtualMachine } from "../../components/virtualMachine";
import { AksCluster } from "../../components/aksCluster";

// A first `pulumi preview`: Azure-computed outputs (principal ids, issuer URL) are unknown.
let cloud: SimulatedCloud;
let vm: LinuxVirtualMachine;
let aks: AksCluster;

beforeAll(async () => {
  cloud = await useCloud({ preview: true, unknownComputedOutputs: true });
  const net = new Network("pv-net", { resourceGroupName: "rg-pv", addressSpace: "10.50.0.0/16" });
  vm = new LinuxVirtualMachine("pv", {
    resourceGroupName: "rg-pv",
    subnetId: net.vmSubnetId,
    adminUsername: "azureuser",
    sshPublicKey:
      "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFrTMvGdJ3Mq9kQvwQfQKx1b9mY2n1p5yYQZk3vXh8Zs dev@zerocred",
  });
  aks = new AksCluster("pv-aks", {
    resourceGroupName: "rg-pv",
    subnetId: net.aksSubnetId,
    vnetAddressSpace: net.addressSpace,
    tenantId: SIM_TENANT_ID,
    deployerObjectId: SIM_DEPLOYER_OBJECT_ID,
    deployerPrincipalType: "User",
  });
  await registered(cloud);
});

describe("preview with unknown Azure-computed outputs", () => {
  it("does not crash and leaves the principal id and issuer URL unknown", async () => {
    expect(await unwrap(vm.principalId)).toBeUndefined();
    expect(await unwrap(aks.oidcIssuerUrl)).toBeUndefined();
    expect(await isSecretOutput(aks.kubeconfig)).toBe(true);
  });

  it("still registers every child, including the grant that waits on the unknown principal", async () => {
    const rs = await registered(cloud);
    // Each child is parented to ITS component (not merely to something).
    const children: [string, { readonly urn: pulumi.Output<string> }][] = [
      ["pv-vm", vm],
      ["pv-nic", vm],
      ["pv-aks-control-plane", aks],
      ["pv-aks-control-plane-network", aks],
      ["pv-aks-control-plane-network-assignment", aks.subnetGrant],
      ["pv-aks-cluster", aks],
      ["pv-aks-deployer-admin", aks],
      // Granted by default (grantDeployerClusterAdmin defaults to true).
      ["pv-aks-deployer-admin-assignment", aks.deployerGrant!],
      ["pv-aks-k8s", aks],
    ];
    for (const [name, component] of children) {
      expect([name, named(rs, name).parent]).toEqual([name, await unwrap(component.urn)]);
    }
  });
});
