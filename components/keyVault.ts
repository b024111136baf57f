import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as keyvault from "@pulumi/azure-native/keyvault";
import * as monitor from "@pulumi/azure-native/monitor";
import * as random from "@pulumi/random";
import type * as inputs from "@pulumi/azure-native/types/input";
import { sha256Hex, vaultNameIssues } from "./naming";
import { RoleAssignment, type AssignablePrincipalType, type RolePrincipal } from "./roleAssignment";
import { findRole, resolveRoleGuid } from "./roles";
import type { VerificationCheck } from "./verification/vmVerification";
import { ComponentArgsError, checkRequiredArgs } from "./args";
import { allowedIpRangeProblem, allowedIpRangeReason } from "./rules/ipRanges";

/** Key Vault object (secret) names: 1–127 letters, digits and hyphens. */
export const SECRET_NAME_PATTERN: RegExp = /^[0-9A-Za-z-]{1,127}$/;

/** Length of the random canary value (alphanumeric, ~190 bits of entropy). */
export const CANARY_LENGTH = 32;

/** Shortest and longest generated secret value. */
export const MIN_GENERATED_LENGTH = 16;
export const MAX_GENERATED_LENGTH = 256;

/**
 * One role assignment a KeyVault makes, at the vault or at one of its secrets (the narrowest scope that
 * works: a workload that reads one secret gets the role on that secret).
 */
export interface KeyVaultRoleAssignment {
  /**
   * Required. A built-in role name from components/roles.ts (e.g. `Key Vault Secrets User`), or the role
   * definition GUID of any other built-in or custom role.
   */
  readonly role: string;
  /** Optional (or `principalId`). The principal: a `UserAssignedIdentity`, a `LinuxVirtualMachine`, … */
  readonly principal?: RolePrincipal;
  /** Optional (or `principal`). Object id of a principal made elsewhere. */
  readonly principalId?: pulumi.Input<string>;
  /** Optional. `ServicePrincipal` (managed identities), `User` or `Group`. Defaults to `ServicePrincipal`. */
  readonly principalType?: AssignablePrincipalType;
  /**
   * Optional. Stable key of the assignment in child names (`<vault>-ra-<key>` or
   * `<vault>-secret-<secret>-ra-<key>`; letters, digits, `-`). Defaults to the role's name in lowercase
   * with hyphens plus its position among assignments of the same role (`key-vault-secrets-user-0`): set it
   * when you may reorder the list, so no assignment is replaced.
   */
  readonly name?: string;
  /** Optional. Description on the assignment. Defaults to none. */
  readonly description?: pulumi.Input<string>;
}

/** One secret a KeyVault owns. */
export interface KeyVaultSecret {
  /** Required. Secret name: 1–127 letters, digits and hyphens, unique in the vault. */
  readonly name: string;
  /**
   * Optional. The value — pass a Pulumi secret (e.g. `config.requireSecret("dbPassword")`); it is stored
   * as a secret either way. Defaults to a generated random alphanumeric value (`generatedLength` long),
   * which is what verification can check (`KeyVault.check`).
   */
  readonly value?: pulumi.Input<string>;
  /** Optional. Length of a generated value, 16–256. Defaults to `32`. */
  readonly generatedLength?: number;
  /** Optional. Content type of the secret. Defaults to `text/plain`. */
  readonly contentType?: string;
  /** Optional. Role assignments at this secret's scope only. Defaults to none. */
  readonly roleAssignments?: readonly KeyVaultRoleAssignment[];
}

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
  /** Optional. Secrets the vault owns, besides the canary. Defaults to none. */
  readonly secrets?: readonly KeyVaultSecret[];
  /** Optional. Role assignments at the vault's scope (every secret, key and certificate). Defaults to none. */
  readonly roleAssignments?: readonly KeyVaultRoleAssignment[];
}

/** Child-name key of a role assignment: its `name`, else `<role slug>-<n>`. */
function assignmentKeys(list: readonly KeyVaultRoleAssignment[]): string[] {
  const seen = new Map<string, number>();
  return list.map((ra) => {
    if (ra.name !== undefined) {
      return ra.name;
    }
    const base = (findRole(ra.role)?.roleName ?? ra.role)
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "");
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    return `${base}-${n}`;
  });
}

/** Problems with a list of role assignments (`where` prefixes each message). */
function roleAssignmentIssues(list: readonly KeyVaultRoleAssignment[], where: string): string[] {
  const issues: string[] = [];
  const keys = assignmentKeys(list);
  list.forEach((ra, i) => {
    const at = `${where}[${i}]`;
    if (typeof ra.role !== "string" || ra.role.trim() === "") {
      issues.push(
        `${at}.role is required but missing: pass a built-in role name (e.g. "Key Vault Secrets User") or a role definition GUID.`,
      );
    } else {
      try {
        resolveRoleGuid(ra.role, `${at}.role`);
      } catch (e) {
        issues.push(
          `${(e as Error).message} For a role not in the catalogue, pass its role definition GUID, e.g. role: "acdd72a7-3385-48ef-bd42-f606fba81ae7" (Reader); \`az role definition list --name "<role name>" --query "[].name" -o tsv\` prints it.`,
        );
      }
    }
    if (ra.principal === undefined && (ra.principalId === undefined || ra.principalId === "")) {
      issues.push(
        `${at}: principal or principalId is required: pass principal (a UserAssignedIdentity or LinuxVirtualMachine) or the principalId of an identity made elsewhere.`,
      );
    }
    if (!/^[a-z0-9][a-z0-9-]{0,62}$/i.test(keys[i]!)) {
      issues.push(
        `${at}.name ${JSON.stringify(keys[i])} is invalid: use 1 to 63 letters, digits or "-" (it is part of the child resource's name).`,
      );
    }
  });
  const dup = keys.find((k, i) => keys.indexOf(k) !== i);
  if (dup !== undefined) {
    issues.push(
      `${where}: name ${JSON.stringify(dup)} is used twice; give each assignment a unique name.`,
    );
  }
  return issues;
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
  const names = new Set([secretName.toLowerCase()]);
  (args.secrets ?? []).forEach((secret, i) => {
    if (typeof secret.name !== "string" || !SECRET_NAME_PATTERN.test(secret.name)) {
      issues.push(
        `Invalid value for secrets[${i}].name: ${JSON.stringify(secret.name)}. Use 1 to 127 letters, digits or hyphens.`,
      );
    } else if (names.has(secret.name.toLowerCase())) {
      issues.push(
        `secrets[${i}].name ${JSON.stringify(secret.name)} is used twice (secret names are case-insensitive, the canary included): give each secret a unique name.`,
      );
    } else {
      names.add(secret.name.toLowerCase());
    }
    const length = secret.generatedLength;
    if (
      length !== undefined &&
      (!Number.isInteger(length) || length < MIN_GENERATED_LENGTH || length > MAX_GENERATED_LENGTH)
    ) {
      issues.push(
        `Invalid value for secrets[${i}].generatedLength: ${length}. Use a whole number from ${MIN_GENERATED_LENGTH} to ${MAX_GENERATED_LENGTH}.`,
      );
    }
    if (length !== undefined && secret.value !== undefined) {
      issues.push(
        `secrets[${i}] has both value and generatedLength: pass one (a value to store, or the length of a generated one).`,
      );
    }
    issues.push(
      ...roleAssignmentIssues(secret.roleAssignments ?? [], `secrets[${i}].roleAssignments`),
    );
  });
  issues.push(...roleAssignmentIssues(args.roleAssignments ?? [], "roleAssignments"));
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
  private readonly componentName: string;
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
  /** The `secrets` children, by secret name. */
  public readonly secrets: Readonly<Record<string, keyvault.Secret>>;
  /**
   * ARM ids of the `secrets` (and the canary), by secret name: the scope for a secret-level role
   * assignment made elsewhere.
   */
  public readonly secretIds: Readonly<Record<string, pulumi.Output<string>>>;
  /**
   * Lowercase hex SHA-256 of each GENERATED secret's value (and the canary's), by name. Not secret: a hash
   * of a long random value reveals nothing. Values you supply have no fingerprint (an unsalted hash of a
   * chosen value could be brute-forced), so they cannot be verified.
   */
  public readonly fingerprints: Readonly<Record<string, pulumi.Output<string>>>;
  /** Every role assignment the vault made (vault scope first, then per secret), in declaration order. */
  public readonly roleAssignments: readonly RoleAssignment[];

  constructor(name: string, args: KeyVaultArgs, opts?: pulumi.ComponentResourceOptions) {
    checkRequiredArgs("KeyVault", name, args, [
      { key: "resourceGroupName", fix: "pass the resource group's name (e.g. rg.name)" },
      {
        key: "vaultName",
        fix: "pass a globally unique name of 3-24 characters, e.g. vaultName(prefix, subscriptionId, resourceGroupName, stack)",
      },
    ]);
    super("zerocred:keyvault:KeyVault", name, {}, opts);
    this.componentName = name;

    const issues = keyVaultArgsIssues(args);
    if (issues.length > 0) {
      throw new pulumi.ResourceError(
        `KeyVault ${JSON.stringify(name)}: ${issues.join(" ")}`,
        this,
        true,
      );
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

    // The vault's own secrets, each with its role assignments at its own scope.
    const secrets: Record<string, keyvault.Secret> = {};
    const secretIds: Record<string, pulumi.Output<string>> = {
      [secretName]: this.canarySecret.id,
    };
    const fingerprints: Record<string, pulumi.Output<string>> = {
      [secretName]: pulumi.unsecret(canaryValue.result.apply((v) => sha256Hex(v))),
    };
    const assignments: RoleAssignment[] = [];
    const assign = (
      list: readonly KeyVaultRoleAssignment[],
      scope: pulumi.Input<string>,
      prefix: string,
      what: string,
      after: pulumi.Resource,
    ) => {
      const keys = assignmentKeys(list);
      list.forEach((ra, i) => {
        assignments.push(
          new RoleAssignment(
            `${prefix}-ra-${keys[i]}`,
            {
              scope,
              role: ra.role,
              principal: ra.principal,
              principalId: ra.principalId,
              principalType: ra.principalType ?? "ServicePrincipal",
              description: ra.description ?? `zerocred: ${ra.role} on ${what}`,
            },
            // A secret-scoped assignment needs the secret to exist first.
            { parent: this, dependsOn: [after] },
          ),
        );
      });
    };
    assign(args.roleAssignments ?? [], this.vault.id, name, "the vault", this.vault);
    for (const secret of args.secrets ?? []) {
      const child = `${name}-secret-${secret.name}`;
      let value: pulumi.Input<string>;
      if (secret.value !== undefined) {
        value = pulumi.secret(secret.value);
      } else {
        const generated = new random.RandomPassword(
          `${child}-value`,
          {
            length: secret.generatedLength ?? CANARY_LENGTH,
            special: false,
            minLower: 1,
            minUpper: 1,
            minNumeric: 1,
          },
          { parent: this },
        );
        value = generated.result;
        fingerprints[secret.name] = pulumi.unsecret(generated.result.apply((v) => sha256Hex(v)));
      }
      const created = new keyvault.Secret(
        child,
        {
          resourceGroupName: args.resourceGroupName,
          vaultName: this.vault.name,
          secretName: secret.name,
          properties: { value, contentType: secret.contentType ?? "text/plain" },
        },
        keyVaultChildOptions(this, args),
      );
      secrets[secret.name] = created;
      secretIds[secret.name] = created.id;
      assign(
        secret.roleAssignments ?? [],
        pulumi.interpolate`${this.vault.id}/secrets/${secret.name}`,
        child,
        `secret ${secret.name}`,
        created,
      );
    }
    this.secrets = secrets;
    this.secretIds = secretIds;
    this.fingerprints = fingerprints;
    this.roleAssignments = assignments;

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

  /**
   * A verification check of one of this vault's generated secrets (or the canary): what
   * `VmVerification` principals' and `PodVerification`'s `checks` take.
   *
   *     checks: [vault.check("db-password", "allow"), other.check("canary", "deny")]
   *
   * Throws for a secret the vault does not own or whose value you supplied (it has no fingerprint).
   */
  public check(secretName: string, expected: "allow" | "deny"): VerificationCheck {
    const fingerprint = this.fingerprints[secretName];
    if (fingerprint === undefined) {
      const known = Object.keys(this.fingerprints);
      throw new ComponentArgsError("KeyVault", this.componentName, [
        this.secrets[secretName] !== undefined
          ? `check(${JSON.stringify(secretName)}): its value was supplied, so it has no fingerprint to verify against (an unsalted hash of a chosen value could be brute-forced); verify a generated secret instead: ${known.join(", ")}.`
          : `check(${JSON.stringify(secretName)}): the vault owns no such secret; use one of: ${known.join(", ")}.`,
      ]);
    }
    return { vaultUrl: this.vaultUri, secretName, expectedSha256: fingerprint, expected };
  }
}
