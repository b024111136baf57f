import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as keyvault from "@pulumi/azure-native/keyvault";
import * as monitor from "@pulumi/azure-native/monitor";
import * as random from "@pulumi/random";
import type * as inputs from "@pulumi/azure-native/types/input";
import { sha256Hex, vaultNameIssues } from "./naming";
import { allowedIpRangeProblem, allowedIpRangeReason } from "./rules/ipRanges";

/** Key Vault object (secret) names: 1–127 letters, digits and hyphens. */
export const SECRET_NAME_PATTERN = /^[0-9A-Za-z-]{1,127}$/;

/** Length of the random canary value (alphanumeric, ~190 bits of entropy). */
export const CANARY_LENGTH = 32;

export interface KeyVaultArgs {
  /** Required. Resource group to create the vault in. */
  readonly resourceGroupName: pulumi.Input<string>;
  /**
   * Required. Globally unique vault name, 3–24 characters (use `vaultName()` from `naming.ts` for a
   * deterministic one). Validated when plain.
   */
  readonly vaultName: pulumi.Input<string>;
  /** Optional. Azure region. Defaults to the provider's `azure-native:location`. */
  readonly location?: pulumi.Input<string>;
  /** Optional. Entra tenant that authenticates requests to the vault. Defaults to the deployer's tenant (`getClientConfig`). */
  readonly tenantId?: pulumi.Input<string>;
  /** Optional. SKU name. Defaults to `standard`. */
  readonly skuName?: "standard" | "premium";
  /**
   * Optional. Days a deleted vault and its objects are kept recoverable (7–90; soft delete itself cannot be
   * turned off). Defaults to `90`. Ephemeral stacks pass `7`.
   */
  readonly softDeleteRetentionInDays?: number;
  /**
   * Optional. Purge protection: deleted objects cannot be purged before the retention ends. Irreversible once
   * on, and Azure rejects `false`, so when disabled the property is omitted. Defaults to `true` (for security
   * reasons); ephemeral dev stacks pass `false` so names can be purged and reused.
   */
  readonly enablePurgeProtection?: boolean;
  /**
   * Optional. Subnet ARM ids allowed through the firewall (they need the `Microsoft.KeyVault` service
   * endpoint). Defaults to none.
   */
  readonly allowedSubnetIds?: readonly pulumi.Input<string>[];
  /**
   * Optional. Public IPv4 addresses or CIDR ranges (network address, at most a /8) allowed through the
   * firewall; private and other non-public ranges are rejected (see `rules/ipRanges.ts`). Defaults to none.
   */
  readonly allowedIpRanges?: readonly string[];
  /**
   * Optional. Firewall action when no rule matches. Defaults to `Deny` (for security reasons: only the listed
   * subnets and IP ranges reach the vault).
   */
  readonly networkDefaultAction?: "Deny" | "Allow";
  /** Optional. Let trusted Azure services bypass the firewall. Defaults to `true` (`AzureServices`). */
  readonly bypassAzureServices?: boolean;
  /**
   * Optional. `Disabled` blocks all public traffic, firewall rules included (private endpoints only).
   * Defaults to `Enabled`, which the service-endpoint and IP firewall rules need.
   */
  readonly publicNetworkAccess?: "Enabled" | "Disabled";
  /** Optional. Name of the random canary secret the verifiers read. Defaults to `canary`. */
  readonly canarySecretName?: string;
  /**
   * Optional. Log Analytics workspace ARM id: when set, a diagnostic setting sends the vault's `AuditEvent`
   * logs and `AllMetrics` there. Defaults to none (no diagnostic setting).
   */
  readonly logAnalyticsWorkspaceId?: pulumi.Input<string>;
  /**
   * Optional. Keep the vault and the canary secret in Azure when they are deleted from the stack
   * (`retainOnDelete`), so a prod vault with purge protection is never soft-deleted by a `pulumi destroy`.
   * Defaults to `false` (ephemeral stacks delete and purge them).
   */
  readonly retainOnDelete?: boolean;
  /** Optional. Resource tags on the vault. Defaults to none. */
  readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/**
 * Every problem with the plain Key Vault settings (empty when valid). Each message names the setting, the
 * value and the fix.
 */
export function keyVaultArgsIssues(args: KeyVaultArgs): string[] {
  const issues: string[] = [];
  if (typeof args.vaultName === "string") {
    issues.push(...vaultNameIssues(args.vaultName).map((m) => `vaultName: ${m}`));
  }
  const days = args.softDeleteRetentionInDays;
  if (days !== undefined && (!Number.isInteger(days) || days < 7 || days > 90)) {
    issues.push(
      `Invalid value for softDeleteRetentionInDays: ${days}. Use a whole number of days from 7 to 90.`,
    );
  }
  for (const range of args.allowedIpRanges ?? []) {
    const problem = allowedIpRangeProblem(range);
    if (problem !== undefined) {
      const reason = problem.kind === "syntax" ? "" : ` ${allowedIpRangeReason(problem)}`;
      issues.push(
        `Invalid value in allowedIpRanges: ${JSON.stringify(range)}${reason}. Use a public IPv4 address or CIDR range such as "203.0.113.0/24".`,
      );
    }
  }
  const secretName = args.canarySecretName ?? "canary";
  if (!SECRET_NAME_PATTERN.test(secretName)) {
    issues.push(
      `Invalid value for canarySecretName: ${JSON.stringify(secretName)}. Use 1 to 127 letters, digits or hyphens.`,
    );
  }
  return issues;
}

/**
 * The vault `properties` zerocred sends. Pure, so tests and policies can check the secure defaults.
 * `enablePurgeProtection` is present only when `true` (Azure rejects `false`).
 */
export function vaultProperties(
  args: KeyVaultArgs,
  tenantId: pulumi.Input<string>,
): inputs.keyvault.VaultPropertiesArgs {
  const properties: inputs.keyvault.VaultPropertiesArgs = {
    tenantId,
    sku: { family: "A", name: args.skuName ?? "standard" },
    enableRbacAuthorization: true,
    enableSoftDelete: true,
    softDeleteRetentionInDays: args.softDeleteRetentionInDays ?? 90,
    enabledForDeployment: false,
    enabledForDiskEncryption: false,
    enabledForTemplateDeployment: false,
    publicNetworkAccess: args.publicNetworkAccess ?? "Enabled",
    networkAcls: {
      bypass: (args.bypassAzureServices ?? true) ? "AzureServices" : "None",
      defaultAction: args.networkDefaultAction ?? "Deny",
      ipRules: (args.allowedIpRanges ?? []).map((value) => ({ value })),
      virtualNetworkRules: (args.allowedSubnetIds ?? []).map((id) => ({ id })),
    },
  };
  if (args.enablePurgeProtection ?? true) {
    properties.enablePurgeProtection = true;
  }
  return properties;
}

/** Options for the vault and the canary secret: parent, plus `retainOnDelete` when asked. */
export function keyVaultChildOptions(
  parent: pulumi.Resource,
  args: Pick<KeyVaultArgs, "retainOnDelete">,
): pulumi.CustomResourceOptions {
  return args.retainOnDelete ? { parent, retainOnDelete: true } : { parent };
}

/**
 * An RBAC-authorized Key Vault with soft delete, purge protection (per environment), a default-deny firewall,
 * and a random canary secret whose SHA-256 fingerprint (never its value) is an output.
 */
export class KeyVault extends pulumi.ComponentResource {
  /** ARM id of the vault (the scope for data-plane role assignments). */
  public readonly id: pulumi.Output<string>;
  /** Vault name. */
  public readonly name: pulumi.Output<string>;
  /** Data-plane URI, e.g. `https://<name>.vault.azure.net/` (with the trailing slash). */
  public readonly vaultUri: pulumi.Output<string>;
  /** Name of the canary secret. */
  public readonly canarySecretName: pulumi.Output<string>;
  /** ARM id of the canary secret (scope for a secret-level role assignment). */
  public readonly canarySecretId: pulumi.Output<string>;
  /** Lowercase hex SHA-256 of the canary value's UTF-8 bytes. Not secret: a hash of 32 random chars reveals nothing. */
  public readonly canaryFingerprint: pulumi.Output<string>;
  /** The canary value, as a Pulumi secret (for seeding emulators; never print it). */
  public readonly canaryValue: pulumi.Output<string>;
  /** The vault child resource. */
  public readonly vault: keyvault.Vault;
  /** The canary secret child resource. */
  public readonly canarySecret: keyvault.Secret;
  /** The diagnostic setting child, when a workspace was given. */
  public readonly diagnosticSetting?: monitor.DiagnosticSetting;

  constructor(name: string, args: KeyVaultArgs, opts?: pulumi.ComponentResourceOptions) {
    super("zerocred:keyvault:KeyVault", name, {}, opts);

    const issues = keyVaultArgsIssues(args);
    if (issues.length > 0) {
      throw new pulumi.ResourceError(`KeyVault ${JSON.stringify(name)}: ${issues.join(" ")}`, this);
    }
    const secretName = args.canarySecretName ?? "canary";
    const tenantId =
      args.tenantId ?? authorization.getClientConfigOutput({ parent: this }).tenantId;

    const checkedVaultName = pulumi.output(args.vaultName).apply((n) => {
      const problems = vaultNameIssues(n);
      if (problems.length > 0) {
        throw new Error(`KeyVault ${JSON.stringify(name)}: vaultName: ${problems.join(" ")}`);
      }
      return n;
    });

    this.vault = new keyvault.Vault(
      `${name}-vault`,
      {
        resourceGroupName: args.resourceGroupName,
        vaultName: checkedVaultName,
        location: args.location,
        tags: args.tags,
        properties: vaultProperties(args, tenantId),
      },
      keyVaultChildOptions(this, args),
    );

    const canaryValue = new random.RandomPassword(
      `${name}-canary-value`,
      { length: CANARY_LENGTH, special: false, minLower: 1, minUpper: 1, minNumeric: 1 },
      { parent: this },
    );

    this.canarySecret = new keyvault.Secret(
      `${name}-canary`,
      {
        resourceGroupName: args.resourceGroupName,
        vaultName: this.vault.name,
        secretName,
        properties: { value: canaryValue.result, contentType: "text/plain" },
      },
      keyVaultChildOptions(this, args),
    );

    if (args.logAnalyticsWorkspaceId !== undefined) {
      this.diagnosticSetting = new monitor.DiagnosticSetting(
        `${name}-diagnostics`,
        {
          name: "zerocred-audit",
          resourceUri: this.vault.id,
          workspaceId: args.logAnalyticsWorkspaceId,
          logs: [{ category: "AuditEvent", enabled: true }],
          metrics: [{ category: "AllMetrics", enabled: true }],
        },
        { parent: this },
      );
    }

    this.id = this.vault.id;
    this.name = this.vault.name;
    this.vaultUri = this.vault.properties.apply((p) => p.vaultUri ?? "");
    this.canarySecretName = this.canarySecret.name;
    this.canarySecretId = this.canarySecret.id;
    this.canaryValue = pulumi.secret(canaryValue.result);
    this.canaryFingerprint = pulumi.unsecret(canaryValue.result.apply((v) => sha256Hex(v)));
    this.registerOutputs({
      id: this.id,
      name: this.name,
      vaultUri: this.vaultUri,
      canarySecretName: this.canarySecretName,
      canarySecretId: this.canarySecretId,
      canaryFingerprint: this.canaryFingerprint,
    });
  }
}
