/**
 * Every rule of the zerocred pack. Tests and `evaluate.ts` import this module (not `index.ts`, whose
 * PolicyPack constructor starts the analyzer server).
 */
import type { Policies } from "@pulumi/policy";
import { toPolicy } from "./lib/crossguard";
import type { Rule } from "./lib/rule";
import { keyvaultForbidsAccessPoliciesAlongsideRbac } from "./rules/authorization/keyvault-forbids-access-policies-alongside-rbac";
import { roleAssignmentAvoidsPrivilegedRolesAtBroadScope } from "./rules/authorization/role-assignment-avoids-privileged-roles-at-broad-scope";
import { roleAssignmentScopesKeyvaultDataRolesToVault } from "./rules/authorization/role-assignment-scopes-keyvault-data-roles-to-vault";
import { roleAssignmentSetsPrincipalType } from "./rules/authorization/role-assignment-sets-principal-type";
import { roleAssignmentUsesDeterministicName } from "./rules/authorization/role-assignment-uses-deterministic-name";
import { vmAssignsManagedIdentity } from "./rules/compute/vm-assigns-managed-identity";
import { vmDisablesPasswordAuthentication } from "./rules/compute/vm-disables-password-authentication";
import { vmEnablesBootDiagnostics } from "./rules/compute/vm-enables-boot-diagnostics";
import { vmEnablesTrustedLaunch } from "./rules/compute/vm-enables-trusted-launch";
import { vmRequiresSshPublicKey } from "./rules/compute/vm-requires-ssh-public-key";
import { aksConfiguresNetworkPolicy } from "./rules/containerservice/aks-configures-network-policy";
import { aksDisablesLocalAccounts } from "./rules/containerservice/aks-disables-local-accounts";
import { aksDisablesPodIdentity } from "./rules/containerservice/aks-disables-pod-identity";
import { aksEnablesAzureRbac } from "./rules/containerservice/aks-enables-azure-rbac";
import { aksEnablesWorkloadIdentity } from "./rules/containerservice/aks-enables-workload-identity";
import { aksRestrictsApiServerAccess } from "./rules/containerservice/aks-restricts-api-server-access";
import { aksSetsAutoUpgradeChannel } from "./rules/containerservice/aks-sets-auto-upgrade-channel";
import { aksSetsNodeOsUpgradeChannel } from "./rules/containerservice/aks-sets-node-os-upgrade-channel";
import { aksUsesManagedEntraId } from "./rules/containerservice/aks-uses-managed-entra-id";
import { keyvaultEnablesPurgeProtection } from "./rules/keyvault/keyvault-enables-purge-protection";
import { keyvaultForbidsInlineAccessPolicies } from "./rules/keyvault/keyvault-forbids-inline-access-policies";
import { keyvaultRequiresRbacAuthorization } from "./rules/keyvault/keyvault-requires-rbac-authorization";
import { keyvaultRestrictsNetworkAccess } from "./rules/keyvault/keyvault-restricts-network-access";
import { keyvaultRetainsSoftDeletedItems } from "./rules/keyvault/keyvault-retains-soft-deleted-items";
import { keyvaultSendsAuditLogs } from "./rules/keyvault/keyvault-sends-audit-logs";
import { keyvaultUsesValidName } from "./rules/keyvault/keyvault-uses-valid-name";
import { podTemplateLabelsWorkloadIdentity } from "./rules/kubernetes/pod-template-labels-workload-identity";
import { verificationJobOmitsTtl } from "./rules/kubernetes/verification-job-omits-ttl";
import { federatedCredentialMatchesClusterIssuer } from "./rules/managedidentity/federated-credential-matches-cluster-issuer";
import { federatedCredentialUsesServiceAccountSubject } from "./rules/managedidentity/federated-credential-uses-service-account-subject";
import { federatedCredentialUsesTokenExchangeAudience } from "./rules/managedidentity/federated-credential-uses-token-exchange-audience";
import { federatedCredentialUsesValidName } from "./rules/managedidentity/federated-credential-uses-valid-name";
import { identityLimitsFederatedCredentials } from "./rules/managedidentity/identity-limits-federated-credentials";
import { identityRequiresUniqueIssuerSubject } from "./rules/managedidentity/identity-requires-unique-issuer-subject";
import { identitySerializesFederatedCredentialWrites } from "./rules/managedidentity/identity-serializes-federated-credential-writes";
import { nicAvoidsPublicIp } from "./rules/network/nic-avoids-public-ip";

/** All rules, grouped by resource folder. */
export const rules: readonly Rule[] = [
  keyvaultForbidsAccessPoliciesAlongsideRbac,
  roleAssignmentAvoidsPrivilegedRolesAtBroadScope,
  roleAssignmentScopesKeyvaultDataRolesToVault,
  roleAssignmentSetsPrincipalType,
  roleAssignmentUsesDeterministicName,
  vmAssignsManagedIdentity,
  vmDisablesPasswordAuthentication,
  vmEnablesBootDiagnostics,
  vmEnablesTrustedLaunch,
  vmRequiresSshPublicKey,
  aksConfiguresNetworkPolicy,
  aksDisablesLocalAccounts,
  aksDisablesPodIdentity,
  aksEnablesAzureRbac,
  aksEnablesWorkloadIdentity,
  aksRestrictsApiServerAccess,
  aksSetsAutoUpgradeChannel,
  aksSetsNodeOsUpgradeChannel,
  aksUsesManagedEntraId,
  keyvaultEnablesPurgeProtection,
  keyvaultForbidsInlineAccessPolicies,
  keyvaultRequiresRbacAuthorization,
  keyvaultRestrictsNetworkAccess,
  keyvaultRetainsSoftDeletedItems,
  keyvaultSendsAuditLogs,
  keyvaultUsesValidName,
  podTemplateLabelsWorkloadIdentity,
  verificationJobOmitsTtl,
  federatedCredentialMatchesClusterIssuer,
  federatedCredentialUsesServiceAccountSubject,
  federatedCredentialUsesTokenExchangeAudience,
  federatedCredentialUsesValidName,
  identityLimitsFederatedCredentials,
  identityRequiresUniqueIssuerSubject,
  identitySerializesFederatedCredentialWrites,
  nicAvoidsPublicIp,
];

/** The rule with this name, if registered. */
export function ruleByName(name: string): Rule | undefined {
  return rules.find((r) => r.name === name);
}

/** The CrossGuard policies for every rule. */
export function buildPolicies(): Policies {
  return rules.map(toPolicy);
}
