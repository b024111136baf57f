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
