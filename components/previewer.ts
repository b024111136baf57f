import * as pulumi from "@pulumi/pulumi";
import {
  GITHUB_ACTIONS_AUDIENCE,
  GITHUB_ACTIONS_ISSUER,
  KEY_VAULT_CRYPTO_USER_ROLE_ID,
  validateDeployerScope,
  validateGitHubOrganization,
  validateGitHubRepository,
} from "./deployer";
import { RoleAssignment } from "./roleAssignment";
import { resolveRoleGuid } from "./roles";
import { UserAssignedIdentity } from "./userAssignedIdentity";

/** "Storage Blob Data Reader", from the catalog in components/roles.ts (one home for role GUIDs). */
export const STORAGE_BLOB_DATA_READER_ROLE_ID: string = resolveRoleGuid("Storage Blob Data Reader");
/** "Azure Kubernetes Service RBAC Reader" (same page). */
export const AKS_RBAC_READER_ROLE_ID = "7f6c6a51-bcf8-42ba-9220-52d62157d7db";

/** One right the previewer holds: where, which role, and which step of `pulumi preview` needs it. */
export interface PreviewerRole {
  readonly role: string;
  readonly at: "scope" | "stateContainer" | "secretsKey";
  readonly why: string;
}

/**
 * Exactly what `pulumi preview` of the zerocred stack reads, and nothing it could write with:
 * - ARM reads (`getResourceGroup`, role assignments and definitions, `--refresh`): Reader (`*∕read`).
 * - The Kubernetes provider's kubeconfig: `listClusterUserCredential` (POST, not a read), in
 *   "Azure Kubernetes Service Cluster User Role".
 * - Kubernetes reads during preview: "Azure Kubernetes Service RBAC Reader" (no Secrets). A server-side
 *   dry-run of a create or update answers 403 to it, and pulumi-kubernetes then previews client-side
 *   instead of failing (provider/pkg/provider/provider.go: `if req.GetPreview() && apierrors.IsForbidden(
 *   awaitErr)` in Create and Update, pulumi/pulumi-kubernetes at 9497796, after v4.32.0).
 * - State: a preview on the azblob:// backend only reads (pulumi/pulumi v3.248.0
 *   pkg/backend/diy/backend.go: `Preview` takes no lock and persists nothing for a dry run):
 *   "Storage Blob Data Reader" on the container.
 * - Secrets: decrypting the state's secrets with the azurekeyvault:// key needs `keys/decrypt/action`;
 *   the narrowest built-in role holding it is "Key Vault Crypto User", on that key only.
 */
export const PREVIEWER_ROLES: readonly PreviewerRole[] = [
  { role: "Reader", at: "scope", why: "ARM reads, incl. role assignments" },
  {
    role: "Azure Kubernetes Service Cluster User Role",
    at: "scope",
    why: "listClusterUserCredential for the Kubernetes provider's kubeconfig",
  },
  {
    role: AKS_RBAC_READER_ROLE_ID,
    at: "scope",
    why: "Kubernetes reads (Azure RBAC Reader; dry-run writes are denied and previewed client-side)",
  },
  {
    role: STORAGE_BLOB_DATA_READER_ROLE_ID,
    at: "stateContainer",
    why: "read the azblob:// state",
  },
  {
    role: KEY_VAULT_CRYPTO_USER_ROLE_ID,
    at: "secretsKey",
    why: "decrypt the state's secrets (azurekeyvault://)",
  },
];

export interface GitHubPreviewerArgs {
  /** Required. GitHub organization or user owning the repository (exact case). */
  readonly organization: string;
  /** Required. Repository name (exact case). */
  readonly repository: string;
  /** Required. Resource group the identity itself lives in (the bootstrap group). */
  readonly resourceGroupName: pulumi.Input<string>;
  /** Optional. Azure region of the identity. Defaults to the provider's `azure-native:location`. */
  readonly location?: pulumi.Input<string>;
  /** Optional. Azure name of the identity. Defaults to the component's logical name. */
  readonly identityName?: string;
  /** Required. ARM id of the resource group the stack deploys into; the read roles are scoped to it. */
  readonly scope: pulumi.Input<string>;
  /** Optional. ARM id of the Pulumi state container (read only). Defaults to none. */
  readonly stateContainerId?: pulumi.Input<string>;
  /** Optional. ARM id of the azurekeyvault:// secrets key (decrypt). Defaults to none. */
  readonly secretsKeyId?: pulumi.Input<string>;
  /** Optional. Tags for the identity. Defaults to none. */
  readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/**
 * The PR previewer: a user-assigned identity trusted ONLY for `repo:<org>/<repo>:pull_request`, holding
 * only the read rights `pulumi preview` needs ({@link PREVIEWER_ROLES}). A pull request can change the
 * workflow it runs, so whatever this identity may do, any contributor may do before review: nothing here
 * writes, assigns roles or reads a secret value. The deployer (components/deployer.ts) never trusts
 * `pull_request`.
 */
export class GitHubPreviewer extends pulumi.ComponentResource {
  /** Client id: the `AZURE_PREVIEW_CLIENT_ID` repository variable. */
  public readonly clientId: pulumi.Output<string>;
  public readonly principalId: pulumi.Output<string>;
  public readonly tenantId: pulumi.Output<string>;
  /** The one federated credential subject. */
  public readonly subject: string;
  public readonly identity: UserAssignedIdentity;
  public readonly roleAssignments: RoleAssignment[];

  constructor(name: string, args: GitHubPreviewerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("zerocred:cicd:GitHubPreviewer", name, {}, opts);
    const issues: string[] = [];
    for (const check of [
      () => validateGitHubOrganization(args.organization),
      () => validateGitHubRepository(args.repository),
      () => (typeof args.scope === "string" ? validateDeployerScope(args.scope) : undefined),
    ]) {
      try {
        check();
      } catch (e) {
        issues.push((e as Error).message);
      }
    }
    if (issues.length > 0) {
      throw new pulumi.ResourceError(issues.join("\n"), this);
    }
    const repo = `${args.organization}/${args.repository}`;
    this.subject = `repo:${repo}:pull_request`;
    this.identity = new UserAssignedIdentity(
      `${name}-identity`,
      {
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        identityName: args.identityName ?? name,
        tags: args.tags,
        federatedCredentials: [
          {
            name: "github-pull-request",
            issuer: GITHUB_ACTIONS_ISSUER,
            subject: this.subject,
            audiences: [GITHUB_ACTIONS_AUDIENCE],
          },
        ],
      },
      { parent: this },
    );
    const scope = pulumi.output(args.scope).apply((s) => {
      validateDeployerScope(s);
      return s;
    });
    const scopes: Record<PreviewerRole["at"], pulumi.Input<string> | undefined> = {
      scope,
      stateContainer: args.stateContainerId,
      secretsKey: args.secretsKeyId,
    };
    const suffix: Record<string, string> = {
      Reader: "reader",
      "Azure Kubernetes Service Cluster User Role": "cluster-user",
      [AKS_RBAC_READER_ROLE_ID]: "cluster-reader",
      [STORAGE_BLOB_DATA_READER_ROLE_ID]: "state",
      [KEY_VAULT_CRYPTO_USER_ROLE_ID]: "secrets-key",
    };
    this.roleAssignments = PREVIEWER_ROLES.filter((r) => scopes[r.at] !== undefined).map(
      (r) =>
        new RoleAssignment(
          `${name}-${suffix[r.role]}`,
          {
            scope: scopes[r.at]!,
            role: r.role,
            principalId: this.identity.principalId,
            principalType: "ServicePrincipal",
            description: `zerocred PR previewer for ${repo}: ${r.why}`,
          },
          { parent: this },
        ),
    );
    this.clientId = this.identity.clientId;
    this.principalId = this.identity.principalId;
    this.tenantId = this.identity.tenantId;
    this.registerOutputs({
      clientId: this.clientId,
      principalId: this.principalId,
      tenantId: this.tenantId,
      subject: this.subject,
    });
  }
}
