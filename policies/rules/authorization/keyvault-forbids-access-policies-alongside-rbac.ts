import { vaultNameInScope } from "../../../components/rules/armIds";
import { TYPES } from "../../lib/arm";
import {
  asRecord,
  asString,
  defineStackRule,
  type StackFinding,
  type StackResource,
} from "../../lib/rule";

function vaultName(vault: StackResource): string | undefined {
  return asString(vault.props.vaultName) ?? asString(vault.props.name);
}

/**
 * Standalone `keyvault.AccessPolicy` resources grant the legacy permission model; next to RBAC
 * (an RBAC vault or a role assignment at a vault scope in the same stack) they split who-can-read-what
 * across two systems, and on an RBAC vault they are silently ignored.
 */
export const keyvaultForbidsAccessPoliciesAlongsideRbac = defineStackRule({
  name: "keyvault-forbids-access-policies-alongside-rbac",
  description:
    "A stack that grants Key Vault access with Azure RBAC must not also declare classic Key Vault access policies (keyvault.AccessPolicy).",
  severity: "high",
  sources: [
    {
      kind: "psrule",
      id: "Azure.KeyVault.RBAC",
      url: "https://azure.github.io/PSRule.Rules.Azure/en/rules/Azure.KeyVault.RBAC/",
    },
    { kind: "mcsb", id: "PA-7" },
  ],
  enforcementLevel: "mandatory",
  remediationSteps:
    "Delete the keyvault.AccessPolicy resources and grant Key Vault data roles with role assignments.",
  check: (resources) => {
    const rbacVaults = new Set<string>();
    for (const vault of resources.filter((r) => r.type === TYPES.vault)) {
      const name = vaultName(vault);
      if (
        name !== undefined &&
        asRecord(vault.props.properties)?.enableRbacAuthorization === true
      ) {
        rbacVaults.add(name.toLowerCase());
      }
    }
    for (const ra of resources.filter((r) => r.type === TYPES.roleAssignment)) {
      const scope = asString(ra.props.scope);
      const name = scope === undefined ? undefined : vaultNameInScope(scope);
      if (name !== undefined) {
        rbacVaults.add(name.toLowerCase());
      }
    }
    const findings: StackFinding[] = [];
    for (const policy of resources.filter((r) => r.type === TYPES.accessPolicy)) {
      const target = asString(policy.props.vaultName);
      if (target === undefined ? rbacVaults.size > 0 : rbacVaults.has(target.toLowerCase())) {
        findings.push({
          urn: policy.urn,
          message:
            `Access policy "${policy.name}" grants access to Key Vault ${JSON.stringify(target ?? "(unknown)")}, ` +
            `which this stack governs with Azure RBAC; delete the access policy and grant a Key Vault ` +
            `data role with a role assignment at the vault scope instead.`,
        });
      }
    }
    return findings;
  },
});
