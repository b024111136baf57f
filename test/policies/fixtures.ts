/**
 * Compliant fixtures: one resource per type and one whole stack. Tests clone them, change one field and
 * assert the exact violation message.
 */
import { roleAssignmentName, WORKLOAD_IDENTITY_AUDIENCE } from "../../components/naming";
import type { PolicyInputResource } from "../../policies/evaluate";

/** Pulumi's preview marker for an unknown value. */
export const UNKNOWN_VALUE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
export const TENANT = "8c3f1a52-7d4e-4b0a-9f6e-2d1c5b7a9e30";
export const SUB = "3b9d2e71-5a4c-4f86-b1d0-7e2a6c9f4d18";
export const RG = "rg-zc-dev";
export const RG_ID = `/subscriptions/${SUB}/resourceGroups/${RG}`;
export const VAULT_NAME = "zc-dev-kv-7f3a2c";
export const VAULT_ID = `${RG_ID}/providers/Microsoft.KeyVault/vaults/${VAULT_NAME}`;
export const ISSUER = `https://westeurope.oic.prod-aks.azure.com/${TENANT}/0d6f5a3e-1b2c-4d5e-8f90-a1b2c3d4e5f6/`;
export const PRINCIPAL = "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d";
export const SECRETS_USER = "4633458b-17de-408a-b874-0445c86b69e6";
export const OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";
export const roleDefId = (guid: string) =>
  `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${guid}`;

const urn = (type: string, name: string) => `urn:pulumi:dev::zerocred::${type}::${name}`;

export function resource(
  type: string,
  name: string,
  props: Record<string, unknown>,
  extra: Partial<PolicyInputResource> = {},
): PolicyInputResource {
  return { type, name, urn: urn(type, name), props, ...extra };
}

export const vaultProps = () => ({
  resourceGroupName: RG,
  vaultName: VAULT_NAME,
  location: "westeurope",
  properties: {
    tenantId: TENANT,
    sku: { family: "A", name: "standard" },
    enableRbacAuthorization: true,
    enableSoftDelete: true,
    softDeleteRetentionInDays: 90,
    enablePurgeProtection: true,
    networkAcls: {
      defaultAction: "Deny",
      bypass: "AzureServices",
      virtualNetworkRules: [
        { id: `${RG_ID}/providers/Microsoft.Network/virtualNetworks/vnet/subnets/vm` },
      ],
      ipRules: [],
    },
  },
});

export const roleAssignmentProps = () => ({
  scope: VAULT_ID,
  roleDefinitionId: roleDefId(SECRETS_USER),
  principalId: PRINCIPAL,
  principalType: "ServicePrincipal",
  roleAssignmentName: roleAssignmentName(VAULT_ID, roleDefId(SECRETS_USER), PRINCIPAL),
});

export const ficProps = (
  name = "zerocred_reader",
  subject = "system:serviceaccount:zerocred:reader",
) => ({
  resourceGroupName: RG,
  resourceName: "id-zc-workload",
  federatedIdentityCredentialResourceName: name,
  issuer: ISSUER,
  subject,
  audiences: [WORKLOAD_IDENTITY_AUDIENCE],
});

export const clusterProps = () => ({
  resourceGroupName: RG,
  resourceName: "aks-zc-dev",
  dnsPrefix: "aks-zc-dev",
  oidcIssuerProfile: { enabled: true },
  securityProfile: { workloadIdentity: { enabled: true } },
  disableLocalAccounts: true,
  enableRBAC: true,
  aadProfile: { managed: true, enableAzureRBAC: true, tenantID: TENANT },
  apiServerAccessProfile: { authorizedIPRanges: ["203.0.113.0/24"] },
  autoUpgradeProfile: { upgradeChannel: "patch", nodeOSUpgradeChannel: "NodeImage" },
  networkProfile: { networkPlugin: "azure", networkPluginMode: "overlay", networkPolicy: "azure" },
});

export const vmProps = () => ({
  resourceGroupName: RG,
  vmName: "vm-zc-dev",
  osProfile: {
    computerName: "vm-zc-dev",
    adminUsername: "azureuser",
    linuxConfiguration: {
      disablePasswordAuthentication: true,
      ssh: {
        publicKeys: [
          { path: "/home/azureuser/.ssh/authorized_keys", keyData: "ssh-ed25519 AAAAC3Nza test" },
        ],
      },
    },
  },
  identity: { type: "SystemAssigned, UserAssigned" },
  securityProfile: {
    securityType: "TrustedLaunch",
    uefiSettings: { secureBootEnabled: true, vTpmEnabled: true },
  },
  diagnosticsProfile: { bootDiagnostics: { enabled: true } },
});

export const nicProps = () => ({
  resourceGroupName: RG,
  ipConfigurations: [
    {
      name: "ipconfig1",
      privateIPAllocationMethod: "Dynamic",
      subnet: { id: `${RG_ID}/providers/Microsoft.Network/virtualNetworks/vnet/subnets/vm` },
    },
  ],
});

export const jobProps = () => ({
  metadata: { namespace: "zerocred", labels: { "app.kubernetes.io/part-of": "zerocred" } },
  spec: {
    backoffLimit: 2,
    template: {
      metadata: { labels: { "azure.workload.identity/use": "true" } },
      spec: {
        serviceAccountName: "reader",
        restartPolicy: "Never",
        containers: [{ name: "verify", image: "node:20-alpine" }],
      },
    },
  },
});

export const serviceAccountProps = () => ({
  metadata: {
    name: "reader",
    namespace: "zerocred",
    annotations: { "azure.workload.identity/client-id": "1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9" },
  },
});

export const T = {
  vault: "azure-native:keyvault:Vault",
  accessPolicy: "azure-native:keyvault:AccessPolicy",
  roleAssignment: "azure-native:authorization:RoleAssignment",
  fic: "azure-native:managedidentity:FederatedIdentityCredential",
  identity: "azure-native:managedidentity:UserAssignedIdentity",
  cluster: "azure-native:containerservice:ManagedCluster",
  vm: "azure-native:compute:VirtualMachine",
  nic: "azure-native:network:NetworkInterface",
  diag: "azure-native:monitor:DiagnosticSetting",
  job: "kubernetes:batch/v1:Job",
  deployment: "kubernetes:apps/v1:Deployment",
  sa: "kubernetes:core/v1:ServiceAccount",
} as const;

/** A compliant stack: every rule passes. FIC "b" depends on FIC "a" (the serialized chain). */
export function compliantStack(): PolicyInputResource[] {
  const vault = resource(T.vault, "kv", vaultProps(), {
    outputs: { id: VAULT_ID, name: VAULT_NAME },
  });
  const identity = resource(T.identity, "wl-identity", {
    resourceGroupName: RG,
    resourceName: "id-zc-workload",
  });
  const cluster = resource(T.cluster, "aks", clusterProps(), {
    outputs: { oidcIssuerProfile: { enabled: true, issuerURL: ISSUER } },
  });
  const ficA = resource(T.fic, "wl-fic-a", ficProps("zerocred_reader"), {
    dependencies: [identity.urn, cluster.urn],
  });
  const ficB = resource(
    T.fic,
    "wl-fic-b",
    ficProps("zerocred_denied", "system:serviceaccount:zerocred:denied"),
    {
      dependencies: [identity.urn, cluster.urn, ficA.urn],
    },
  );
  return [
    vault,
    resource(
      T.diag,
      "kv-logs",
      { resourceUri: VAULT_ID, logs: [{ categoryGroup: "audit", enabled: true }] },
      { dependencies: [vault.urn] },
    ),
    identity,
    cluster,
    ficA,
    ficB,
    resource(T.roleAssignment, "reader-secrets-user", roleAssignmentProps(), {
      dependencies: [vault.urn],
    }),
    resource(T.vm, "vm", vmProps()),
    resource(T.nic, "vm-nic", nicProps()),
    resource(T.sa, "reader-sa", serviceAccountProps()),
    resource(T.job, "verify-reader", jobProps()),
  ];
}

/** Sets a dotted path (`a.b.0.c`, or a key list) inside a fixture; `undefined` deletes the key. */
export function setPath(target: object, path: string | readonly string[], value: unknown): void {
  const keys = typeof path === "string" ? path.split(".") : path;
  let cur = target as Record<string, unknown>;
  for (const key of keys.slice(0, -1)) {
    cur = cur[key] as Record<string, unknown>;
  }
  const last = keys[keys.length - 1];
  if (value === undefined) {
    delete cur[last];
  } else {
    cur[last] = value;
  }
}

/** Reads a dotted path inside a fixture. */
export function getPathOf(target: object, path: string): unknown {
  return path
    .split(".")
    .reduce<unknown>((cur, key) => (cur as Record<string, unknown> | undefined)?.[key], target);
}
