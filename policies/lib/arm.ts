/** ARM resource id and scope helpers shared by the rules. */
import { asRecord, asString } from "./rule";

export const TYPES = {
  vault: "azure-native:keyvault:Vault",
  accessPolicy: "azure-native:keyvault:AccessPolicy",
  roleAssignment: "azure-native:authorization:RoleAssignment",
  federatedCredential: "azure-native:managedidentity:FederatedIdentityCredential",
  userAssignedIdentity: "azure-native:managedidentity:UserAssignedIdentity",
  managedCluster: "azure-native:containerservice:ManagedCluster",
  virtualMachine: "azure-native:compute:VirtualMachine",
  networkInterface: "azure-native:network:NetworkInterface",
  diagnosticSetting: "azure-native:monitor:DiagnosticSetting",
} as const;

/** `/`, a management group, a subscription or a resource group: scopes broader than one resource. */
export function broadScopeKind(
  scope: string,
): "root" | "management group" | "subscription" | "resource group" | undefined {
  const s = scope.trim().replace(/\/+$/, "");
  if (s === "") {
    return "root";
  }
  if (/^\/providers\/Microsoft\.Management\/managementGroups\/[^/]+$/i.test(s)) {
    return "management group";
  }
  if (/^\/subscriptions\/[^/]+$/i.test(s)) {
    return "subscription";
  }
  if (/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+$/i.test(s)) {
    return "resource group";
  }
  return undefined;
}

/** The vault name when `scope` is a Key Vault or something inside one (a secret, key...). */
export function vaultNameInScope(scope: string): string | undefined {
  const m = /\/providers\/Microsoft\.KeyVault\/vaults\/([^/]+)(?:\/.*)?$/i.exec(scope.trim());
  return m ? m[1] : undefined;
}

/** AKS OIDC issuers: `https://<region>.oic.prod-aks.azure.com/<tenant>/<guid>/`. */
export const AKS_ISSUER_PATTERN = /^https:\/\/[^/]+\.oic\.prod-aks\.azure\.com\//i;

/**
 * The user-assigned identity a federated credential belongs to, as a lowercase key: parsed from the
 * credential's ARM id when known, else `<resourceGroupName>/<resourceName>` from its inputs.
 */
export function federatedCredentialOwner(props: Record<string, unknown>): string | undefined {
  const id = asString(props.id);
  if (id !== undefined) {
    const m =
      /\/resourceGroups\/([^/]+)\/providers\/Microsoft\.ManagedIdentity\/userAssignedIdentities\/([^/]+)\/federatedIdentityCredentials\//i.exec(
        id,
      );
    if (m) {
      return `${m[1]}/${m[2]}`.toLowerCase();
    }
  }
  const rg = asString(props.resourceGroupName);
  const identity = asString(props.resourceName);
  return rg !== undefined && identity !== undefined ? `${rg}/${identity}`.toLowerCase() : undefined;
}

/** The issuer URL a managed cluster reports (`oidcIssuerProfile.issuerURL`, an output). */
export function clusterIssuerUrl(props: Record<string, unknown>): string | undefined {
  return asString(asRecord(props.oidcIssuerProfile)?.issuerURL);
}
