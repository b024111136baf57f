import * as pulumi from "@pulumi/pulumi";
import * as keyvault from "@pulumi/azure-native/keyvault";
import * as storage from "@pulumi/azure-native/storage";

/** Storage account names: 3–24 lowercase letters and digits, globally unique. */
export const STORAGE_ACCOUNT_NAME_PATTERN = /^[a-z0-9]{3,24}$/;
/** Blob container names: 3–63 of lowercase letters, digits and single hyphens, alphanumeric ends. */
export const CONTAINER_NAME_PATTERN = /^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62}$/;
/** Key Vault names: 3–24 of letters, digits and single hyphens, starting with a letter. */
export const STATE_VAULT_NAME_PATTERN = /^[A-Za-z](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){2,23}$/;

/** Throws when `name` is not a valid storage account name. */
export function validateStorageAccountName(name: string): void {
  if (!STORAGE_ACCOUNT_NAME_PATTERN.test(name)) {
    throw new Error(
      `Invalid value for stateStorageAccountName: ${JSON.stringify(name)}. Use 3 to 24 lowercase letters and ` +
        `digits (globally unique across Azure).`,
    );
  }
}

/** Throws when `name` is not a valid blob container name. */
export function validateContainerName(name: string): void {
  if (!CONTAINER_NAME_PATTERN.test(name)) {
    throw new Error(
      `Invalid value for stateContainerName: ${JSON.stringify(name)}. Use 3 to 63 lowercase letters, digits and ` +
        `single hyphens, starting and ending with a letter or digit.`,
    );
  }
}

/** Throws when `name` is not a valid Key Vault name. */
export function validateStateVaultName(name: string): void {
  if (!STATE_VAULT_NAME_PATTERN.test(name)) {
    throw new Error(
      `Invalid value for stateVaultName: ${JSON.stringify(name)}. Use 3 to 24 letters, digits and single hyphens, ` +
        `starting with a letter and ending with a letter or digit (globally unique across Azure).`,
    );
  }
}

/** The `pulumi login` URL for a blob container (storage account in the URL, as `az login` auth needs). */
export function azblobBackendUrl(storageAccountName: string, containerName: string): string {
  return `azblob://${containerName}?storage_account=${storageAccountName}`;
}

/** The `--secrets-provider` URL for a Key Vault key. */
export function azureKeyVaultSecretsProvider(vaultName: string, keyName: string): string {
  return `azurekeyvault://${vaultName.toLowerCase()}.vault.azure.net/keys/${keyName}`;
}

export interface StateBackendArgs {
  /** Required. Resource group for the storage account and the vault. */
  readonly resourceGroupName: pulumi.Input<string>;
  /** Optional. Azure region. Defaults to the provider's `azure-native:location`. */
  readonly location?: pulumi.Input<string>;
  /** Required. Entra tenant of the vault. */
  readonly tenantId: pulumi.Input<string>;
  /** Required. Storage account name (3–24 lowercase letters and digits, globally unique). */
  readonly storageAccountName: string;
  /** Optional. Blob container holding the state. Defaults to `pulumi-state`. */
  readonly containerName?: string;
  /** Required. Key Vault name for the secrets-provider key (3–24 chars, globally unique). */
  readonly vaultName: string;
  /** Optional. Name of the RSA key that wraps stack secrets. Defaults to `pulumi-secrets`. */
  readonly keyName?: string;
  /**
   * Optional. Vault soft-delete retention in days (7–90). Defaults to `90`: losing this key makes every
   * stack's secrets unreadable, so the vault also has purge protection (not configurable).
   */
  readonly softDeleteRetentionInDays?: number;
  /** Optional. Tags for both resources. Defaults to none. */
  readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/**
 * A team backend for Pulumi state and secrets: a storage account that accepts Entra ID only (shared keys
 * disabled, TLS 1.2, no public blobs, versioned blobs with 30-day soft delete) with one private container, and an RBAC-mode Key
 * Vault with purge protection holding an RSA key for the `azurekeyvault://` secrets provider.
 *
 * Network access stays public on both (GitHub-hosted runners have no fixed addresses); every data request
 * still needs an Entra token and a data-plane role on the container or the key.
 */
export class StateBackend extends pulumi.ComponentResource {
  /** ARM id of the storage account. */
  public readonly storageAccountId: pulumi.Output<string>;
  /** ARM id of the state container: the scope for "Storage Blob Data Contributor". */
  public readonly containerId: pulumi.Output<string>;
  /** ARM id of the secrets key: the scope for "Key Vault Crypto User". */
  public readonly keyId: pulumi.Output<string>;
  /** `pulumi login` URL. */
  public readonly backendUrl: string;
  /** `--secrets-provider` URL. */
  public readonly secretsProvider: string;
  public readonly storageAccountName: string;
  public readonly containerName: string;
  public readonly vaultName: string;
  public readonly keyName: string;

  constructor(name: string, args: StateBackendArgs, opts?: pulumi.ComponentResourceOptions) {
    super("zerocred:cicd:StateBackend", name, {}, opts);
    const containerName = args.containerName ?? "pulumi-state";
    const keyName = args.keyName ?? "pulumi-secrets";
    const retention = args.softDeleteRetentionInDays ?? 90;
    try {
      validateStorageAccountName(args.storageAccountName);
      validateContainerName(containerName);
      validateStateVaultName(args.vaultName);
      if (!Number.isInteger(retention) || retention < 7 || retention > 90) {
        throw new Error(
          `Invalid value for softDeleteRetentionInDays: ${JSON.stringify(retention)}. Use a whole number of days ` +
            `from 7 to 90.`,
        );
      }
    } catch (e) {
      throw new pulumi.ResourceError((e as Error).message, this);
    }

    const account = new storage.StorageAccount(
      `${name}-account`,
      {
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        accountName: args.storageAccountName,
        kind: "StorageV2",
        sku: { name: "Standard_ZRS" },
        minimumTlsVersion: "TLS1_2",
        enableHttpsTrafficOnly: true,
        allowBlobPublicAccess: false,
        allowSharedKeyAccess: false,
        defaultToOAuthAuthentication: true,
        allowCrossTenantReplication: false,
        tags: args.tags,
      },
      { parent: this, protect: true },
    );
    // State history: every checkpoint write keeps the previous version; deleted blobs and containers are
    // recoverable for 30 days.
    new storage.BlobServiceProperties(
      `${name}-blob-service`,
      {
        resourceGroupName: args.resourceGroupName,
        accountName: account.name,
        blobServicesName: "default",
        isVersioningEnabled: true,
        deleteRetentionPolicy: { enabled: true, days: 30 },
        containerDeleteRetentionPolicy: { enabled: true, days: 30 },
      },
      { parent: this },
    );
    const container = new storage.BlobContainer(
      `${name}-container`,
      {
        resourceGroupName: args.resourceGroupName,
        accountName: account.name,
        containerName,
        publicAccess: "None",
      },
      { parent: this, protect: true },
    );
    const vault = new keyvault.Vault(
      `${name}-vault`,
      {
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        vaultName: args.vaultName,
        properties: {
          tenantId: args.tenantId,
          sku: { family: "A", name: "standard" },
          enableRbacAuthorization: true,
          enableSoftDelete: true,
          softDeleteRetentionInDays: retention,
          enablePurgeProtection: true,
        },
        tags: args.tags,
      },
      { parent: this, protect: true },
    );
    const key = new keyvault.Key(
      `${name}-key`,
      {
        resourceGroupName: args.resourceGroupName,
        vaultName: vault.name,
        keyName,
        properties: {
          kty: "RSA",
          keySize: 3072,
          keyOps: ["encrypt", "decrypt", "wrapKey", "unwrapKey"],
        },
      },
      { parent: this, protect: true },
    );

    this.storageAccountId = account.id;
    this.containerId = container.id;
    this.keyId = key.id;
    this.storageAccountName = args.storageAccountName;
    this.containerName = containerName;
    this.vaultName = args.vaultName;
    this.keyName = keyName;
    this.backendUrl = azblobBackendUrl(args.storageAccountName, containerName);
    this.secretsProvider = azureKeyVaultSecretsProvider(args.vaultName, keyName);
    this.registerOutputs({
      storageAccountId: this.storageAccountId,
      containerId: this.containerId,
      keyId: this.keyId,
      backendUrl: this.backendUrl,
      secretsProvider: this.secretsProvider,
    });
  }
}
