/**
 * Hand-built RecordedResource lists: a healthy workload-identity deployment and helpers to break it
 * one way at a time. Shapes follow what sim/cloud.ts records (resolved inputs + Azure-computed outputs).
 */
import type { RecordedResourceLike } from "../../sim/model";

export const SUB = "/subscriptions/11111111-1111-1111-1111-111111111111";
export const RG = `${SUB}/resourceGroups/rg1`;
export const ISSUER = "https://westeurope.oic.prod-aks.azure.com/tenant-1/cluster-guid/";
export const TENANT = "22222222-2222-2222-2222-222222222222";
export const SECRETS_USER = "4633458b-17de-408a-b874-0445c86b69e6";
export const KV_READER = "21090545-7ca7-4776-b22c-e363652d74d2";
export const READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7";
export const roleDef = (guid: string) =>
  `${SUB}/providers/Microsoft.Authorization/roleDefinitions/${guid}`;
export const uaiId = (name: string) =>
  `${RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${name}`;
export const vaultId = (name: string, rg = RG) =>
  `${rg}/providers/Microsoft.KeyVault/vaults/${name}`;

let order = 0;
const urn = (type: string, name: string) => `urn:pulumi:dev::proj::${type}::${name}`;

export function res(
  type: string,
  name: string,
  inputs: Record<string, unknown>,
  outputs: Record<string, unknown> = {},
  extra: Partial<RecordedResourceLike> = {},
): RecordedResourceLike {
  const id = typeof outputs.id === "string" ? outputs.id : `${name}-id`;
  return {
    type,
    name,
    urn: urn(type, name),
    custom: true,
    id,
    order: order++,
    inputs,
    outputs: { ...inputs, ...outputs, id },
    dependencies: [],
    ...extra,
  };
}

export function uai(name: string): RecordedResourceLike {
  return res(
    "azure-native:managedidentity:UserAssignedIdentity",
    name,
    { resourceGroupName: "rg1", resourceName: name },
    { id: uaiId(name), principalId: `p-${name}`, clientId: `c-${name}` },
  );
}

export function fic(
  name: string,
  identity: string,
  subject: string,
  opts: { issuer?: string; audiences?: string[]; dependencies?: string[] } = {},
): RecordedResourceLike {
  return res(
    "azure-native:managedidentity:FederatedIdentityCredential",
    name,
    {
      resourceGroupName: "rg1",
      resourceName: identity,
      federatedIdentityCredentialResourceName: name,
      issuer: opts.issuer ?? ISSUER,
      subject,
      audiences: opts.audiences ?? ["api://AzureADTokenExchange"],
    },
    { id: `${uaiId(identity)}/federatedIdentityCredentials/${name}` },
    { dependencies: opts.dependencies ?? [] },
  );
}

export function vault(
  name: string,
  properties: Record<string, unknown> = { enableRbacAuthorization: true },
  rg = "rg1",
): RecordedResourceLike {
  const id = vaultId(name, `${SUB}/resourceGroups/${rg}`);
  return res(
    "azure-native:keyvault:Vault",
    name,
    {
      resourceGroupName: rg,
      vaultName: name,
      properties: { tenantId: TENANT, sku: { family: "A", name: "standard" }, ...properties },
    },
    { id, properties: { vaultUri: `https://${name}.vault.azure.net/` } },
  );
}

export function secret(
  vaultName: string,
  name: string,
  value = "s3cr3t-value",
): RecordedResourceLike {
  return res(
    "azure-native:keyvault:Secret",
    `${vaultName}-${name}`,
    { resourceGroupName: "rg1", vaultName, secretName: name, properties: { value } },
    { id: `${vaultId(vaultName)}/secrets/${name}`, properties: {} },
  );
}

export function ra(
  name: string,
  principalId: string,
  roleGuid: string,
  scope: string,
): RecordedResourceLike {
  return res("azure-native:authorization:RoleAssignment", name, {
    principalId,
    principalType: "ServicePrincipal",
    roleDefinitionId: roleDef(roleGuid),
    scope,
  });
}

export function vm(
  name: string,
  identity?: Record<string, unknown>,
  principalId?: string,
): RecordedResourceLike {
  return res(
    "azure-native:compute:VirtualMachine",
    name,
    { resourceGroupName: "rg1", vmName: name, ...(identity !== undefined ? { identity } : {}) },
    {
      id: `${RG}/providers/Microsoft.Compute/virtualMachines/${name}`,
      ...(identity !== undefined
        ? { identity: { ...identity, ...(principalId !== undefined ? { principalId } : {}) } }
        : {}),
    },
  );
}

export function cluster(
  name: string,
  opts: { issuer?: string; oidc?: boolean; wi?: boolean } = {},
): RecordedResourceLike {
  return res(
    "azure-native:containerservice:ManagedCluster",
    name,
    {
      resourceGroupName: "rg1",
      resourceName: name,
      oidcIssuerProfile: { enabled: opts.oidc ?? true },
      securityProfile: { workloadIdentity: { enabled: opts.wi ?? true } },
    },
    {
      id: `${RG}/providers/Microsoft.ContainerService/managedClusters/${name}`,
      oidcIssuerProfile: { enabled: opts.oidc ?? true, issuerURL: opts.issuer ?? ISSUER },
    },
  );
}

export function sa(
  ns: string,
  name: string,
  annotations: Record<string, string>,
  labels: Record<string, string> = {},
): RecordedResourceLike {
  return res("kubernetes:core/v1:ServiceAccount", `sa-${ns}-${name}`, {
    metadata: { namespace: ns, name, annotations, labels },
  });
}

export function job(
  ns: string,
  name: string,
  serviceAccountName: string,
  labels: Record<string, string> = { "azure.workload.identity/use": "true" },
  objectLabels: Record<string, string> = {},
): RecordedResourceLike {
  return res("kubernetes:batch/v1:Job", `job-${ns}-${name}`, {
    metadata: { namespace: ns, name, labels: objectLabels },
    spec: {
      template: {
        metadata: { labels },
        spec: { serviceAccountName, containers: [{ name: "c", image: "x" }] },
      },
    },
  });
}

export const WI = "azure.workload.identity/client-id";

/** A healthy deployment: VM (system identity) and a pod (identity `orders`) may read kv1/canary. */
export function healthy(): RecordedResourceLike[] {
  return [
    cluster("aks1"),
    uai("orders"),
    fic("orders-fic", "orders", "system:serviceaccount:shop:orders"),
    vault("kv1"),
    secret("kv1", "canary"),
    ra("orders-reads", "p-orders", SECRETS_USER, vaultId("kv1")),
    vm("vm1", { type: "SystemAssigned" }, "p-vm1"),
    ra("vm-reads", "p-vm1", SECRETS_USER, vaultId("kv1")),
    sa("shop", "orders", { [WI]: "c-orders" }),
    job("shop", "orders-check", "orders"),
  ];
}

/** Replaces the resource with logical name `name` (or appends when absent). */
export function replace(
  list: RecordedResourceLike[],
  name: string,
  next: RecordedResourceLike | undefined,
): RecordedResourceLike[] {
  const i = list.findIndex((r) => r.name === name);
  if (i < 0) {
    return next === undefined ? list : [...list, next];
  }
  const copy = [...list];
  if (next === undefined) {
    copy.splice(i, 1);
  } else {
    copy[i] = next;
  }
  return copy;
}
