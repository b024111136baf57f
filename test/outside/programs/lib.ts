/**
 * Building blocks for the outside-program catalogue, written the way the Azure walkthroughs do it
 * (plain @pulumi/azure-native sub-modules + @pulumi/kubernetes, no zerocred components):
 * https://learn.microsoft.com/azure/aks/workload-identity-deploy-cluster (cluster with OIDC issuer
 * and workload identity, a user-assigned identity, a service account annotated with its client id,
 * a federated credential for system:serviceaccount:<ns>:<sa>, a pod labelled
 * azure.workload.identity/use: "true", Key Vault Secrets User on the vault), and
 * https://learn.microsoft.com/entra/identity/managed-identities-azure-resources/tutorial-linux-managed-identities-vm-access
 * (a VM's system-assigned identity reading a vault).
 */
import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as containerservice from "@pulumi/azure-native/containerservice";
import * as keyvault from "@pulumi/azure-native/keyvault";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import * as resources from "@pulumi/azure-native/resources";
import * as k8s from "@pulumi/kubernetes";

/** Built-in role GUIDs: https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/security */
export const ROLES = {
  secretsUser: "4633458b-17de-408a-b874-0445c86b69e6",
  secretsOfficer: "b86a8fe4-44ce-4948-aee5-eccb2c155cd7",
  keyVaultReader: "21090545-7ca7-4776-b22c-e363652d74d2",
} as const;

export const client = () => authorization.getClientConfigOutput();

export function roleId(guid: pulumi.Input<string>): pulumi.Output<string> {
  return pulumi.interpolate`/subscriptions/${client().subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${guid}`;
}

export function resourceGroup(name = "rg-app"): resources.ResourceGroup {
  return new resources.ResourceGroup(name, { resourceGroupName: name, location: "westeurope" });
}

export function vault(
  rg: resources.ResourceGroup,
  name: string,
  secrets: string[],
  opts: { rbac?: boolean } = {},
): { vault: keyvault.Vault; secrets: Record<string, keyvault.Secret>; uri: pulumi.Output<string> } {
  const v = new keyvault.Vault(name, {
    resourceGroupName: rg.name,
    vaultName: name,
    properties: {
      tenantId: client().tenantId,
      sku: { family: "A", name: "standard" },
      ...(opts.rbac === false ? {} : { enableRbacAuthorization: true }),
    },
  });
  const out: Record<string, keyvault.Secret> = {};
  for (const s of secrets) {
    out[s] = new keyvault.Secret(`${name}-${s}`, {
      resourceGroupName: rg.name,
      vaultName: v.name,
      secretName: s,
      properties: { value: pulumi.secret(`value-of-${s}`) },
    });
  }
  return { vault: v, secrets: out, uri: v.properties.apply((p) => p.vaultUri ?? "") };
}

export function identity(
  rg: resources.ResourceGroup,
  name: string,
): managedidentity.UserAssignedIdentity {
  return new managedidentity.UserAssignedIdentity(name, {
    resourceGroupName: rg.name,
    resourceName: name,
  });
}

export function grant(
  name: string,
  principalId: pulumi.Input<string>,
  role: string,
  scope: pulumi.Input<string>,
): authorization.RoleAssignment {
  return new authorization.RoleAssignment(name, {
    principalId,
    principalType: "ServicePrincipal",
    roleDefinitionId: roleId(role),
    scope,
  });
}

export interface Cluster {
  name: string;
  cluster: containerservice.ManagedCluster;
  issuer: pulumi.Output<string>;
  provider: k8s.Provider;
}

export function cluster(rg: resources.ResourceGroup, name = "aks-app"): Cluster {
  const c = new containerservice.ManagedCluster(name, {
    resourceGroupName: rg.name,
    resourceName: name,
    dnsPrefix: name,
    agentPoolProfiles: [{ name: "system", mode: "System", count: 1, vmSize: "Standard_D2s_v5" }],
    identity: { type: "SystemAssigned" },
    oidcIssuerProfile: { enabled: true },
    securityProfile: { workloadIdentity: { enabled: true } },
  });
  const creds = containerservice.listManagedClusterUserCredentialsOutput({
    resourceGroupName: rg.name,
    resourceName: c.name,
  });
  const provider = new k8s.Provider(`${name}-k8s`, {
    kubeconfig: creds.kubeconfigs.apply((k) =>
      Buffer.from(k[0]?.value ?? "", "base64").toString("utf8"),
    ),
  });
  return {
    name,
    cluster: c,
    issuer: c.oidcIssuerProfile.apply((p) => p?.issuerURL ?? ""),
    provider,
  };
}

export function federate(
  rg: resources.ResourceGroup,
  id: managedidentity.UserAssignedIdentity,
  name: string,
  issuer: pulumi.Input<string>,
  namespace: string,
  serviceAccount: string,
  opts: pulumi.CustomResourceOptions = {},
): managedidentity.FederatedIdentityCredential {
  return new managedidentity.FederatedIdentityCredential(
    name,
    {
      resourceGroupName: rg.name,
      resourceName: id.name,
      federatedIdentityCredentialResourceName: name,
      issuer,
      subject: `system:serviceaccount:${namespace}:${serviceAccount}`,
      audiences: ["api://AzureADTokenExchange"],
    },
    opts,
  );
}

export function serviceAccount(
  c: Cluster,
  namespace: string,
  name: string,
  clientId: pulumi.Input<string> | undefined,
): k8s.core.v1.ServiceAccount {
  return new k8s.core.v1.ServiceAccount(
    `${c.name}-sa-${namespace}-${name}`,
    {
      metadata: {
        name,
        namespace,
        ...(clientId !== undefined
          ? { annotations: { "azure.workload.identity/client-id": clientId } }
          : {}),
      },
    },
    { provider: c.provider },
  );
}

/** A container reading `vaultUrl`/`secretName` the way the quick-start's sample app does. */
export function appContainer(
  vaultUrl: pulumi.Input<string>,
  secretName: string,
): k8s.types.input.core.v1.Container {
  return {
    name: "app",
    image: "ghcr.io/azure/azure-workload-identity/msal-go:latest",
    env: [
      { name: "KEYVAULT_URL", value: vaultUrl },
      { name: "SECRET_NAME", value: secretName },
    ],
  };
}

export const WI_LABELS = { "azure.workload.identity/use": "true" };

export function deployment(
  c: Cluster,
  namespace: string,
  name: string,
  serviceAccountName: string,
  container: k8s.types.input.core.v1.Container,
  labels: Record<string, string> = WI_LABELS,
  objectLabels: Record<string, string> = {},
): k8s.apps.v1.Deployment {
  return new k8s.apps.v1.Deployment(
    `${c.name}-${namespace}-${name}`,
    {
      metadata: { name, namespace, labels: objectLabels },
      spec: {
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name, ...labels } },
          spec: { serviceAccountName, containers: [container] },
        },
      },
    },
    { provider: c.provider },
  );
}
