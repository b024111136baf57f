import { TYPES } from "../../lib/arm";
import {
  asArray,
  asRecord,
  asString,
  defineStackRule,
  type StackFinding,
  type StackResource,
} from "../../lib/rule";

const AUDIT_CATEGORIES = new Set(["auditevent"]);
const AUDIT_CATEGORY_GROUPS = new Set(["audit", "alllogs"]);

function sendsAuditLogs(setting: StackResource): boolean {
  return (asArray(setting.props.logs) ?? []).some((entry) => {
    const log = asRecord(entry);
    if (log === undefined || log.enabled !== true) {
      return false;
    }
    const category = asString(log.category)?.toLowerCase();
    const group = asString(log.categoryGroup)?.toLowerCase();
    return (
      (category !== undefined && AUDIT_CATEGORIES.has(category)) ||
      (group !== undefined && AUDIT_CATEGORY_GROUPS.has(group))
    );
  });
}

/** A diagnostic setting targets the vault when its resourceUri is the vault's id (or, in preview, is built from it). */
function targets(setting: StackResource, vault: StackResource): boolean {
  const uri = asString(setting.props.resourceUri);
  const id = asString(vault.props.id);
  if (uri !== undefined && id !== undefined) {
    return uri.toLowerCase() === id.toLowerCase();
  }
  return setting.dependencies.includes(vault.urn);
}

/** Every vault ships its AuditEvent log to a diagnostic destination. */
export const keyvaultSendsAuditLogs = defineStackRule({
  name: "keyvault-sends-audit-logs",
  description:
    "Key Vaults should have a diagnostic setting in the same stack that sends the AuditEvent log (or the audit / allLogs category group).",
  severity: "medium",
  sources: [
    {
      kind: "psrule",
      id: "Azure.KeyVault.Logs",
      url: "https://azure.github.io/PSRule.Rules.Azure/en/rules/Azure.KeyVault.Logs/",
    },
    { kind: "mcsb", id: "LT-4" },
  ],
  enforcementLevel: "advisory",
  remediationSteps:
    'Add a monitor.DiagnosticSetting with resourceUri = vault.id and logs [{ categoryGroup: "audit", enabled: true }] to a Log Analytics workspace.',
  check: (resources) => {
    const settings = resources.filter(
      (r) => r.type === TYPES.diagnosticSetting && sendsAuditLogs(r),
    );
    const findings: StackFinding[] = [];
    for (const vault of resources.filter((r) => r.type === TYPES.vault)) {
      if (!settings.some((s) => targets(s, vault))) {
        findings.push({
          urn: vault.urn,
          message:
            `Key Vault "${vault.name}" has no diagnostic setting in this stack that sends the ` +
            `AuditEvent log; add a monitor.DiagnosticSetting with resourceUri = the vault's id and ` +
            `logs [{ categoryGroup: "audit", enabled: true }].`,
        });
      }
    }
    return findings;
  },
});
