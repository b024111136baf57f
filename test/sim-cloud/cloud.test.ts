import { beforeAll, describe, expect, it } from "vitest";
import * as pulumi from "@pulumi/pulumi";
import {
  SIM_DEPLOYER_OBJECT_ID,
  SIM_SUBSCRIPTION_ID,
  SIM_TENANT_ID,
  type SimulatedCloud,
} from "../../sim/cloud";
import { isSecretOutput, named, registered, unwrap, useCloud } from "../harness";

let cloud: SimulatedCloud;
let out: Record<string, pulumi.Output<unknown>>;

beforeAll(async () => {
  cloud = await useCloud();
  const resources = await import("@pulumi/azure-native/resources");
  const managedidentity = await import("@pulumi/azure-native/managedidentity");
  const keyvault = await import("@pulumi/azure-native/keyvault");
  const containerservice = await import("@pulumi/azure-native/containerservice");
  const compute = await import("@pulumi/azure-native/compute");
  const authorization = await import("@pulumi/azure-native/authorization");
  const random = await import("@pulumi/random");

  const rg = new resources.ResourceGroup("rg", { resourceGroupName: "zc-dev" });
  const uai = new managedidentity.UserAssignedIdentity("orders", {
    resourceGroupName: rg.name,
    resourceName: "zc-orders",
  });
  const cluster = new containerservice.ManagedCluster("aks", {
    resourceGroupName: rg.name,
    resourceName: "zc-aks",
    dnsPrefix: "zc",
    oidcIssuerProfile: { enabled: true },
    aadProfile: { managed: true, enableAzureRBAC: true },
  });
  const fic1 = new managedidentity.FederatedIdentityCredential(
    "fic-a",
    {
      resourceGroupName: rg.name,
      resourceName: uai.name,
      federatedIdentityCredentialResourceName: "shop-orders",
      issuer: cluster.oidcIssuerProfile.apply((p) => p!.issuerURL!),
      subject: "system:serviceaccount:shop:orders",
      audiences: ["api://AzureADTokenExchange"],
    },
    { parent: uai, deleteBeforeReplace: true },
  );
  const password = new random.RandomPassword("canary-value", { length: 32, special: false });
  const vault = new keyvault.Vault("kv", {
    resourceGroupName: rg.name,
    vaultName: "zc-kv-1234",
    properties: {
      tenantId: SIM_TENANT_ID,
      sku: { family: "A", name: "standard" },
      enableRbacAuthorization: true,
    },
  });
  new keyvault.Secret("canary", {
    resourceGroupName: rg.name,
    vaultName: vault.name,
    secretName: "canary",
    properties: { value: password.result },
  });
  const vm = new compute.VirtualMachine("vm", {
    resourceGroupName: rg.name,
    vmName: "zc-vm",
    identity: { type: "SystemAssigned, UserAssigned", userAssignedIdentities: [uai.id] },
  });
  new authorization.RoleAssignment(
    "ra",
    {
      scope: vault.id,
      principalId: uai.principalId,
      principalType: "ServicePrincipal",
      roleDefinitionId: `/subscriptions/${SIM_SUBSCRIPTION_ID}/providers/Microsoft.Authorization/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6`,
      roleAssignmentName: "0f8fad5b-d9cb-469f-a165-70867728950e",
    },
    { dependsOn: [fic1] },
  );
  const client = authorization.getClientConfigOutput();
  const creds = containerservice.listManagedClusterUserCredentialsOutput({
    resourceGroupName: rg.name,
    resourceName: cluster.name,
    format: "exec",
  });
  out = {
    issuer: cluster.oidcIssuerProfile.apply((p) => p?.issuerURL),
    vaultUri: vault.properties.vaultUri,
    vmPrincipal: vm.identity.apply((i) => i?.principalId),
    vmUais: vm.identity.apply((i) => i?.userAssignedIdentities),
    uaiPrincipal: uai.principalId,
    password: password.result,
    objectId: client.objectId,
    kubeconfig: creds.kubeconfigs.apply((k) => Buffer.from(k[0]!.value, "base64").toString()),
  };
  await unwrap(out.kubeconfig);
});

describe("SimulatedCloud", () => {
  it("returns AKS's issuer URL format, with its trailing slash", async () => {
    expect(await unwrap(out.issuer)).toMatch(
      new RegExp(
        `^https://westeurope\\.oic\\.prod-aks\\.azure\\.com/${SIM_TENANT_ID}/[0-9a-f-]{36}/$`,
      ),
    );
  });

  it("returns ARM ids, vault URIs and GUID principals that are stable across runs", async () => {
    expect(await unwrap(out.vaultUri)).toBe("https://zc-kv-1234.vault.azure.net/");
    const rs = await registered(cloud);
    expect(named(rs, "orders").id).toBe(
      `/subscriptions/${SIM_SUBSCRIPTION_ID}/resourceGroups/zc-dev/providers/Microsoft.ManagedIdentity/userAssignedIdentities/zc-orders`,
    );
    expect(await unwrap(out.uaiPrincipal)).toBe(
      cloud.guid(named(rs, "orders").urn + "#principalId"),
    );
    expect(await unwrap(out.vmPrincipal)).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("maps a VM's user-assigned identities to their principal and client ids, as ARM does", async () => {
    const uais = (await unwrap(out.vmUais)) as Record<string, { principalId: string }>;
    const rs = await registered(cloud);
    expect(Object.keys(uais)).toEqual([named(rs, "orders").id]);
    expect(uais[named(rs, "orders").id]!.principalId).toBe(await unwrap(out.uaiPrincipal));
  });

  it("records parent, dependsOn, property dependencies and deleteBeforeReplace", async () => {
    const rs = await registered(cloud);
    const fic = named(rs, "fic-a");
    expect(fic.parent).toBe(named(rs, "orders").urn);
    expect(fic.urn).toContain(
      "azure-native:managedidentity:UserAssignedIdentity$azure-native:managedidentity:FederatedIdentityCredential",
    );
    expect(fic.options.deleteBeforeReplace).toBe(true);
    expect(fic.propertyDependencies.issuer).toEqual([named(rs, "aks").urn]);
    expect(named(rs, "ra").dependsOn).toEqual([fic.urn]);
    expect(named(rs, "ra").dependencies).toContain(named(rs, "kv").urn);
  });

  it("never echoes a secret's value back and records which inputs were secret", async () => {
    const rs = await registered(cloud);
    const secret = named(rs, "canary-value");
    const kvSecret = named(rs, "canary");
    expect(kvSecret.type).toBe("azure-native:keyvault:Secret");
    expect(secret.type).toBe("random:index/randomPassword:RandomPassword");
    expect(kvSecret.secretInputPaths).toEqual(["properties.value"]);
    expect((kvSecret.outputs.properties as Record<string, unknown>).value).toBeUndefined();
    expect(await isSecretOutput(out.password)).toBe(true);
    expect(await unwrap(out.password)).toMatch(/^[A-Za-z0-9]{32}$/);
  });

  it("answers getClientConfig and an exec kubeconfig for an Entra ID cluster", async () => {
    expect(await unwrap(out.objectId)).toBe(SIM_DEPLOYER_OBJECT_ID);
    const kubeconfig = (await unwrap(out.kubeconfig)) as string;
    expect(kubeconfig).toContain("command: kubelogin");
    expect(kubeconfig).toContain("- 6dae42f8-4368-4678-94ff-3960e28e3630");
    expect(kubeconfig).toContain("- devicecode");
  });

  it("throws on an invoke it does not simulate, naming the token", () => {
    expect(() => cloud.call({ token: "azure-native:foo:getBar", inputs: {} })).toThrow(
      "the program calls azure-native:foo:getBar({}), which reads a resource the program does not declare: declare that resource in the program, or supply its result with --invoke-result azure-native:foo:getBar=<file.json>",
    );
  });
});
