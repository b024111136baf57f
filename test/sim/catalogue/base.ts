/**
 * The catalogue's healthy baseline, as a raw Pulumi program (azure-native sub-modules +
 * @pulumi/kubernetes, no zerocred components): an AKS cluster, an identity `orders` trusted by the
 * service account shop/orders, a Job running as that service account, a VM with a system-assigned
 * identity and a run command, an RBAC vault with one secret, and `Key Vault Secrets User` grants
 * for the VM and `orders`. Each catalogue program calls `deploy()` with ONE misconfiguration.
 */
import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as compute from "@pulumi/azure-native/compute";
import * as containerservice from "@pulumi/azure-native/containerservice";
import * as keyvault from "@pulumi/azure-native/keyvault";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import * as resources from "@pulumi/azure-native/resources";
import * as k8s from "@pulumi/kubernetes";

export const SECRETS_USER = "4633458b-17de-408a-b874-0445c86b69e6";
export const KEY_VAULT_READER = "21090545-7ca7-4776-b22c-e363652d74d2";
export const AUDIENCE = "api://AzureADTokenExchange";
export const USE_LABEL = "azure.workload.identity/use";
export const CLIENT_ID = "azure.workload.identity/client-id";

export interface Variant {
  /** Federated credential subjects on `orders` (default: the SA's subject). */
  readonly ficSubjects?: readonly string[];
  /** Rewrites the cluster issuer before it goes into the FIC (default: identity). */
  readonly issuer?: (clusterIssuer: string) => string;
  readonly audiences?: readonly string[];
  /** Chain the FICs with dependsOn (default true). */
  readonly chainFics?: boolean;
  /** Labels on the Job's pod template (default `{ use: "true" }`). */
  readonly podLabels?: Record<string, string>;
  readonly saLabels?: Record<string, string>;
  /** `orders` (default), `none`, or `other` (a second identity `other`). */
  readonly saClientId?: "orders" | "none" | "other";
  /** Role for `orders` (default Key Vault Secrets User). */
  readonly ordersRole?: string;
  /** Scope for `orders`' role: the vault (default), another resource group's vault, or another resource group. */
  readonly ordersScope?: "vault" | "other-vault" | "other-rg";
  readonly enableRbacAuthorization?: boolean;
  /** VM identity (default SystemAssigned). */
  readonly vmIdentity?: "system" | "none" | "two-user-assigned";
  readonly oidcIssuer?: boolean;
  readonly workloadIdentity?: boolean;
}

export function deploy(v: Variant = {}): Record<string, pulumi.Output<unknown>> {
  const client = authorization.getClientConfigOutput();
  const rg = new resources.ResourceGroup("rg", {
    resourceGroupName: "rg-cat",
    location: "westeurope",
  });
  const cluster = new containerservice.ManagedCluster("aks", {
    resourceGroupName: rg.name,
    resourceName: "aks-cat",
    dnsPrefix: "cat",
    agentPoolProfiles: [{ name: "system", mode: "System", count: 1, vmSize: "Standard_D2s_v5" }],
    identity: { type: "SystemAssigned" },
    oidcIssuerProfile: { enabled: v.oidcIssuer ?? true },
    securityProfile: { workloadIdentity: { enabled: v.workloadIdentity ?? true } },
  });
  const clusterIssuer = cluster.oidcIssuerProfile.apply((p) => p?.issuerURL ?? "");
  const issuer = clusterIssuer.apply((i) => (v.issuer ? v.issuer(i) : i));

  const orders = new managedidentity.UserAssignedIdentity("orders", {
    resourceGroupName: rg.name,
    resourceName: "orders",
  });
  const other = new managedidentity.UserAssignedIdentity("other", {
    resourceGroupName: rg.name,
    resourceName: "other",
  });
  const subjects = v.ficSubjects ?? ["system:serviceaccount:shop:orders"];
  let previous: pulumi.Resource | undefined;
  subjects.forEach((subject, i) => {
    const fic: pulumi.Resource = new managedidentity.FederatedIdentityCredential(
      `orders-fic-${i}`,
      {
        resourceGroupName: rg.name,
        resourceName: orders.name,
        federatedIdentityCredentialResourceName: `orders-fic-${i}`,
        issuer,
        subject,
        audiences: [...(v.audiences ?? [AUDIENCE])],
      },
      previous !== undefined && (v.chainFics ?? true) ? { dependsOn: [previous] } : {},
    );
    previous = fic;
  });

  const vault = new keyvault.Vault("kv", {
    resourceGroupName: rg.name,
    vaultName: "kv-cat",
    properties: {
      tenantId: client.tenantId,
      sku: { family: "A", name: "standard" },
      ...(v.enableRbacAuthorization === undefined
        ? { enableRbacAuthorization: true }
        : v.enableRbacAuthorization
          ? { enableRbacAuthorization: true }
          : {}),
    },
  });
  new keyvault.Secret("canary", {
    resourceGroupName: rg.name,
    vaultName: vault.name,
    secretName: "canary",
    properties: { value: pulumi.secret("catalogue-canary-value") },
  });
  const role = (guid: string) =>
    pulumi.interpolate`/subscriptions/${client.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${guid}`;
  const ordersScope =
    v.ordersScope === "other-vault"
      ? pulumi.interpolate`/subscriptions/${client.subscriptionId}/resourceGroups/rg-elsewhere/providers/Microsoft.KeyVault/vaults/kv-cat`
      : v.ordersScope === "other-rg"
        ? pulumi.interpolate`/subscriptions/${client.subscriptionId}/resourceGroups/rg-elsewhere`
        : vault.id;
  new authorization.RoleAssignment("orders-reads", {
    principalId: orders.principalId,
    principalType: "ServicePrincipal",
    roleDefinitionId: role(v.ordersRole ?? SECRETS_USER),
    scope: ordersScope,
  });

  const vmIdentity =
    v.vmIdentity === "none"
      ? undefined
      : v.vmIdentity === "two-user-assigned"
        ? { type: "UserAssigned" as const, userAssignedIdentities: [orders.id, other.id] }
        : { type: "SystemAssigned" as const };
  const vm = new compute.VirtualMachine("vm", {
    resourceGroupName: rg.name,
    vmName: "vm-cat",
    hardwareProfile: { vmSize: "Standard_B2s" },
    networkProfile: { networkInterfaces: [] },
    storageProfile: {
      imageReference: {
        publisher: "Canonical",
        offer: "ubuntu-24_04-lts",
        sku: "server",
        version: "latest",
      },
    },
    osProfile: {
      computerName: "vm-cat",
      adminUsername: "azureuser",
      linuxConfiguration: { disablePasswordAuthentication: true },
    },
    ...(vmIdentity !== undefined ? { identity: vmIdentity } : {}),
  });
  if (v.vmIdentity !== "none" && v.vmIdentity !== "two-user-assigned") {
    new authorization.RoleAssignment("vm-reads", {
      principalId: vm.identity.apply((i) => i?.principalId ?? ""),
      principalType: "ServicePrincipal",
      roleDefinitionId: role(SECRETS_USER),
      scope: vault.id,
    });
  }
  new compute.VirtualMachineRunCommandByVirtualMachine("verify", {
    resourceGroupName: rg.name,
    vmName: vm.name,
    runCommandName: "verify",
    source: {
      script: "curl -s -H Metadata:true http://169.254.169.254/metadata/identity/oauth2/token",
    },
  });

  const creds = containerservice.listManagedClusterUserCredentialsOutput({
    resourceGroupName: rg.name,
    resourceName: cluster.name,
    format: "exec",
  });
  const provider = new k8s.Provider("k8s", {
    kubeconfig: pulumi.secret(
      creds.kubeconfigs.apply((k) => Buffer.from(k[0]?.value ?? "", "base64").toString("utf8")),
    ),
  });
  const ns = new k8s.core.v1.Namespace("shop", { metadata: { name: "shop" } }, { provider });
  const clientId =
    v.saClientId === "none"
      ? undefined
      : v.saClientId === "other"
        ? other.clientId
        : orders.clientId;
  const sa = new k8s.core.v1.ServiceAccount(
    "orders-sa",
    {
      metadata: {
        name: "orders",
        namespace: ns.metadata.name,
        labels: v.saLabels ?? {},
        annotations: clientId !== undefined ? { [CLIENT_ID]: clientId } : {},
      },
    },
    { provider },
  );
  new k8s.batch.v1.Job(
    "orders-check",
    {
      metadata: { name: "orders-check", namespace: ns.metadata.name },
      spec: {
        backoffLimit: 1,
        template: {
          metadata: { labels: v.podLabels ?? { [USE_LABEL]: "true" } },
          spec: {
            serviceAccountName: sa.metadata.name,
            restartPolicy: "Never",
            containers: [{ name: "verify", image: "node:20-alpine", command: ["node", "-e", "0"] }],
          },
        },
      },
    },
    { provider },
  );
  return { vaultUri: vault.properties.vaultUri, issuer: clusterIssuer };
}
