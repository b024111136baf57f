import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import { v5 as uuidv5 } from "uuid";
import { MAX_FEDERATED_CREDENTIALS_PER_IDENTITY, ZEROCRED_UUID_NAMESPACE } from "./naming";
import { WORKLOAD_IDENTITY_AUDIENCE } from "./rules/workloadIdentity";
import { RoleAssignment, subscriptionIdFromScope } from "./roleAssignment";
import { findRole, resolveRoleGuid } from "./roles";
import { UserAssignedIdentity, type FederatedCredentialSpec } from "./userAssignedIdentity";

/**
 * GitHub Actions' OIDC issuer, exactly as the `iss` claim of its tokens: **no trailing slash**
 * (MicrosoftDocs/azure-docs#97699, #105462). Entra compares it byte for byte with the credential's issuer.
 */
export const GITHUB_ACTIONS_ISSUER = "https://token.actions.githubusercontent.com";

/**
 * Audience GitHub tokens are requested for by azure/login, azure-native and kubelogin: Entra's token
 * exchange audience, the same one Kubernetes workload identity uses.
 */
export const GITHUB_ACTIONS_AUDIENCE: typeof WORKLOAD_IDENTITY_AUDIENCE =
  WORKLOAD_IDENTITY_AUDIENCE;

/**
 * "Storage Blob Data Contributor": not in the catalog in components/roles.ts (its documented data
 * actions disagree between doc versions), GUID from Azure's built-in roles reference
 * (https://learn.microsoft.com/azure/role-based-access-control/built-in-roles).
 */
export const STORAGE_BLOB_DATA_CONTRIBUTOR_ROLE_ID = "ba92f5b4-2d11-453d-a403-e96b0029c9fe";
/** "Key Vault Crypto User", from the catalog in components/roles.ts (one home for role GUIDs). */
export const KEY_VAULT_CRYPTO_USER_ROLE_ID: string = resolveRoleGuid("Key Vault Crypto User");

/**
 * Roles the zerocred stack program itself assigns (grants to identities, the deployer's AKS data-plane
 * role, the cluster's network role). The deployer's "Role Based Access Control Administrator" assignment
 * is conditioned to exactly these.
 */
export const DEFAULT_ASSIGNABLE_ROLES: readonly string[] = [
  "Key Vault Secrets User",
  "Key Vault Secrets Officer",
  "Key Vault Reader",
  "Azure Kubernetes Service RBAC Cluster Admin",
  "Azure Kubernetes Service Cluster User Role",
  "Network Contributor",
];

/** Roles that would let the deployer escalate its own (or anyone's) privileges: never assignable. */
export const PRIVILEGED_ROLES: readonly string[] = [
  "Owner",
  "User Access Administrator",
  "Role Based Access Control Administrator",
];

/** Actions of the optional subscription-scope custom role that lets CI purge a soft-deleted vault. */
export const VAULT_PURGE_ACTIONS: readonly string[] = [
  "Microsoft.KeyVault/locations/deletedVaults/read",
  "Microsoft.KeyVault/locations/deletedVaults/purge/action",
];

const ORG_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
const REPO_PATTERN = /^[A-Za-z0-9._-]{1,100}$/;
const ENVIRONMENT_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/;
const RESOURCE_GROUP_SCOPE =
  /^\/subscriptions\/[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\/resourceGroups\/[-\w._()]{1,90}$/;

/** Throws when `organization` is not a valid GitHub user or organization name. */
export function validateGitHubOrganization(organization: string): void {
  if (!ORG_PATTERN.test(organization)) {
    throw new Error(
      `Invalid value for github.organization: ${JSON.stringify(organization)}. Use the GitHub owner exactly as in ` +
        `the repository URL: 1 to 39 letters, digits or single hyphens, not starting or ending with a hyphen.`,
    );
  }
}

/** Throws when `repository` is not a valid GitHub repository name. */
export function validateGitHubRepository(repository: string): void {
  if (!REPO_PATTERN.test(repository) || repository === "." || repository === "..") {
    throw new Error(
      `Invalid value for github.repository: ${JSON.stringify(repository)}. Use the repository name exactly as in ` +
        `its URL (without the owner): 1 to 100 letters, digits, ".", "-" or "_".`,
    );
  }
}

/**
 * Throws when `branch` is not a short branch name usable in a federated credential subject
 * (`repo:<org>/<repo>:ref:refs/heads/<branch>`). Subjects are matched exactly: no wildcards.
 */
export function validateGitHubBranch(branch: string): void {
  const problems =
    branch === "" ||
    branch.startsWith("refs/") ||
    branch.startsWith("/") ||
    branch.endsWith("/") ||
    branch.endsWith(".") ||
    branch.endsWith(".lock") ||
    branch.includes("..") ||
    branch.includes("//") ||
    branch.includes("@{") ||
    branch === "@" ||
    // eslint-disable-next-line no-control-regex
    /[\s~^:?*[\\\u0000-\u001f\u007f]/.test(branch);
  if (problems) {
    throw new Error(
      `Invalid value for github.branches: ${JSON.stringify(branch)}. Use a short git branch name such as "main" ` +
        `(no "refs/heads/" prefix, no spaces, "..", "~", "^", ":", "?", "*", "[" or "\\"); federated credential ` +
        `subjects are matched exactly, so wildcards are not supported.`,
    );
  }
}

/** Throws when `environment` is not a GitHub environment name zerocred accepts in a subject. */
export function validateGitHubEnvironment(environment: string): void {
  if (!ENVIRONMENT_PATTERN.test(environment)) {
    throw new Error(
      `Invalid value for github.environments: ${JSON.stringify(environment)}. Use 1 to 255 letters, digits, ".", ` +
        `"-" or "_", starting with a letter or digit, exactly as the environment is named in the repository settings.`,
    );
  }
}

/** Throws when `scope` is not a resource group ARM id (the deployer's narrowest workable scope). */
export function validateDeployerScope(scope: string): void {
  if (!RESOURCE_GROUP_SCOPE.test(scope)) {
    throw new Error(
      `Invalid value for scope: ${JSON.stringify(scope)}. Use the ARM id of the resource group the stack deploys ` +
        `into, /subscriptions/<subscription-guid>/resourceGroups/<name>; the deployer is never granted a subscription.`,
    );
  }
}

/**
 * Resolves the roles the deployer may assign to lowercase GUIDs (sorted, unique). Throws when the list is
 * empty, a role is unknown, or a role would allow privilege escalation.
 */
export function resolveAssignableRoles(roles: readonly string[]): string[] {
  if (roles.length === 0) {
    throw new Error(
      `Invalid value for assignableRoles: []. List the roles the stack assigns (e.g. "Key Vault Secrets User"); ` +
        `an empty list would make the "Role Based Access Control Administrator" assignment useless.`,
    );
  }
  const privileged = new Set(PRIVILEGED_ROLES.map((r) => findRole(r)?.id));
  const guids = new Set<string>();
  for (const role of roles) {
    const guid = resolveRoleGuid(role, "assignableRoles");
    if (privileged.has(guid)) {
      throw new Error(
        `Invalid value for assignableRoles: ${JSON.stringify(role)} lets its holder grant any permission ` +
          `(privilege escalation). Remove it; the deployer may only assign the data and cluster roles the stack grants.`,
      );
    }
    guids.add(guid);
  }
  return [...guids].sort();
}

/**
 * The ABAC condition (version 2.0) that limits a "Role Based Access Control Administrator" assignment to
 * creating and deleting assignments of exactly `roleGuids` (and, when given, only to `principalTypes`).
 * Format from "Examples to delegate Azure role assignment management with conditions" (Constrain roles /
 * Constrain roles and principal types), https://learn.microsoft.com/azure/role-based-access-control/delegate-role-assignments-examples.
 */
export function roleAssignmentCondition(
  roleGuids: readonly string[],
  principalTypes: readonly string[] = [],
): string {
  const guids = [...new Set(roleGuids.map((g) => g.toLowerCase()))].sort().join(", ");
  const types = principalTypes.map((t) => `'${t}'`).join(", ");
  const clause = (source: "Request" | "Resource") =>
    `@${source}[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {${guids}}` +
    (principalTypes.length > 0
      ? ` AND @${source}[Microsoft.Authorization/roleAssignments:PrincipalType] ForAnyOfAnyValues:StringEqualsIgnoreCase {${types}}`
      : "");
  return (
    `((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})) OR (${clause("Request")}))` +
    ` AND ` +
    `((!(ActionMatches{'Microsoft.Authorization/roleAssignments/delete'})) OR (${clause("Resource")}))`
  );
}

/** The GitHub repository and the workflow contexts allowed to sign in as the deployer. */
export interface GitHubSubjectSettings {
  /** Required. GitHub organization or user owning the repository (exact case). */
  readonly organization: string;
  /** Required. Repository name (exact case). */
  readonly repository: string;
  /** Optional. Branches whose push workflows (jobs without an environment) may sign in. Defaults to `["main"]`. */
  readonly branches?: readonly string[];
  /** Optional. GitHub environments whose jobs may sign in. Defaults to none. */
  readonly environments?: readonly string[];
  /** Optional. Whether `pull_request` workflows may sign in (for `pulumi preview`). Defaults to `true`. */
  readonly pullRequests?: boolean;
}

/** One federated credential for GitHub Actions: its name and exact subject. */
export interface GitHubCredential {
  readonly name: string;
  readonly subject: string;
}

function credentialNameFor(kind: string, value: string): string {
  return `github-${kind}-${value.replace(/[^A-Za-z0-9_-]/g, "-")}`.slice(0, 120);
}

/**
 * Validates the settings and returns the federated credentials (name + subject) for them, in declaration
 * order. Throws an `Error` listing every problem at once.
 */
export function gitHubCredentials(settings: GitHubSubjectSettings): GitHubCredential[] {
  const issues: string[] = [];
  const attempt = (check: () => void) => {
    try {
      check();
    } catch (e) {
      issues.push((e as Error).message);
    }
  };
  attempt(() => validateGitHubOrganization(settings.organization));
  attempt(() => validateGitHubRepository(settings.repository));
  const branches = settings.branches ?? ["main"];
  const environments = settings.environments ?? [];
  branches.forEach((b) => attempt(() => validateGitHubBranch(b)));
  environments.forEach((e) => attempt(() => validateGitHubEnvironment(e)));

  const repo = `repo:${settings.organization}/${settings.repository}`;
  const credentials: GitHubCredential[] = [
    ...branches.map((b) => ({
      name: credentialNameFor("branch", b),
      subject: `${repo}:ref:refs/heads/${b}`,
    })),
    ...environments.map((e) => ({
      name: credentialNameFor("env", e),
      subject: `${repo}:environment:${e}`,
    })),
    ...((settings.pullRequests ?? true)
      ? [{ name: "github-pull-request", subject: `${repo}:pull_request` }]
      : []),
  ];
  if (credentials.length === 0) {
    issues.push(
      `Invalid GitHub subjects: no branch, environment or pull_request subject is enabled, so no workflow could ` +
        `sign in. Set github.branches, github.environments or github.pullRequests.`,
    );
  }
  if (credentials.length > MAX_FEDERATED_CREDENTIALS_PER_IDENTITY) {
    issues.push(
      `Invalid GitHub subjects: ${credentials.length} federated credentials requested; Azure allows at most ` +
        `${MAX_FEDERATED_CREDENTIALS_PER_IDENTITY} per identity. Use fewer branches or environments.`,
    );
  }
  const seen = new Map<string, string>();
  for (const c of credentials) {
    const previous = seen.get(c.name);
    if (previous !== undefined && previous !== c.subject) {
      issues.push(
        `Invalid GitHub subjects: ${JSON.stringify(previous)} and ${JSON.stringify(c.subject)} map to the same ` +
          `credential name ${JSON.stringify(c.name)}. Rename one branch or environment.`,
      );
    } else if (previous !== undefined) {
      issues.push(
        `Invalid GitHub subjects: ${JSON.stringify(c.subject)} is listed twice. Remove the duplicate.`,
      );
    }
    seen.set(c.name, c.subject);
  }
  if (issues.length > 0) {
    throw new Error(issues.join("\n"));
  }
  return credentials;
}

/**
 * Why the deployer never trusts `pull_request`: such workflows run the workflow file as the pull request
 * wrote it (GitHub Docs, "Events that trigger workflows" → pull_request: GITHUB_SHA is the PR's merge
 * commit), so anyone who can push a branch could run arbitrary commands with the deployer's write rights
 * before any review; branch protection and CODEOWNERS only gate the merge. PR previews sign in as the
 * read-only {@link GitHubPreviewer} (components/previewer.ts) instead.
 */
export const DEPLOYER_PULL_REQUEST_ERROR: string =
  "Invalid value for pullRequests: true. The deployer holds write rights, and a pull_request workflow runs the " +
  "workflow file as the pull request wrote it, so anyone with push access could use those rights before review. " +
  "Remove pullRequests from the deployer and give PR previews the read-only GitHubPreviewer (components/previewer.ts).";

/**
 * Data-plane role the deployer gets on the stack's resource group AHEAD of time, so that every AKS cluster
 * the stack creates there already authorizes it: Azure RBAC for Kubernetes role assignments at a resource
 * group apply to its clusters, and a new assignment takes up to ~5 minutes to propagate to the cluster's
 * authorization webhook ("Use Azure RBAC for Kubernetes authorization",
 * https://learn.microsoft.com/azure/aks/manage-azure-rbac). pulumi-kubernetes retries a failed create only
 * on NotFound/NoMatch, never on 403 (pulumi/pulumi-kubernetes provider/pkg/await/await.go `retrier.Do(
 * apierrors.IsNotFound, meta.IsNoMatchError)`, 5 tries, backoff ×2 from 1 s, at 9497796 after v4.32.0), so
 * an assignment made in the same `pulumi up` as the first Namespace fails that update.
 */
export const DEPLOYER_CLUSTER_DATA_ROLE = "Azure Kubernetes Service RBAC Cluster Admin";

export interface GitHubDeployerArgs extends Omit<GitHubSubjectSettings, "pullRequests"> {
  /**
   * Optional, and only `false`: the deployer never trusts `pull_request` ({@link DEPLOYER_PULL_REQUEST_ERROR});
   * PR previews sign in as the read-only GitHubPreviewer. Defaults to `false`.
   */
  readonly pullRequests?: false;
  /** Required. Resource group the deployer identity itself lives in (a bootstrap group, not the stack's). */
  readonly resourceGroupName: pulumi.Input<string>;
  /** Optional. Azure region of the identity. Defaults to the provider's `azure-native:location`. */
  readonly location?: pulumi.Input<string>;
  /** Optional. Azure name of the identity. Defaults to the component's logical name. */
  readonly identityName?: string;
  /**
   * Required. ARM id of the resource group the stack deploys into. The deployer gets Contributor and a
   * conditioned "Role Based Access Control Administrator" here, and nowhere broader.
   */
  readonly scope: pulumi.Input<string>;
  /**
   * Optional. Roles (built-in names or GUIDs) the deployer may assign and remove inside `scope`; the
   * ABAC condition allows exactly these. Owner, User Access Administrator and RBAC Administrator are
   * rejected. Defaults to `DEFAULT_ASSIGNABLE_ROLES`.
   */
  readonly assignableRoles?: readonly string[];
  /**
   * Optional. Principal types the deployer may assign those roles to. Defaults to `["ServicePrincipal"]`
   * (managed identities and the deployer itself), so CI can never grant a role to a user or group.
   */
  readonly assignablePrincipalTypes?: readonly ("ServicePrincipal" | "User" | "Group")[];
  /**
   * Optional. ARM id of the Pulumi state blob container; the deployer gets "Storage Blob Data Contributor"
   * on that container only. Defaults to none (no state access granted).
   */
  readonly stateContainerId?: pulumi.Input<string>;
  /**
   * Optional. ARM id of the Key Vault key used by the `azurekeyvault://` secrets provider; the deployer
   * gets "Key Vault Crypto User" on that key only. Defaults to none.
   */
  readonly secretsKeyId?: pulumi.Input<string>;
  /**
   * Optional. Create a custom role with only `VAULT_PURGE_ACTIONS` and assign it to the deployer at the
   * subscription (deleted vaults are subscription-level resources), so the destroy workflow can purge an
   * ephemeral stack's soft-deleted vault. Defaults to `false`.
   */
  readonly allowVaultPurge?: boolean;
  /**
   * Optional. Grant {@link DEPLOYER_CLUSTER_DATA_ROLE} on `scope` now, before any cluster exists, so the
   * stack's Kubernetes resources never wait for a fresh assignment to propagate (set the stack's
   * `zerocred:deployer.clusterAdmin` to `preassigned`). Defaults to `true`.
   */
  readonly clusterAdmin?: boolean;
  /** Optional. Tags for the identity. Defaults to none. */
  readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/**
 * The CI deployer: a user-assigned identity trusted by GitHub Actions' OIDC issuer for the given
 * branch and environment subjects (never `pull_request`: {@link DEPLOYER_PULL_REQUEST_ERROR}), with
 * Contributor plus a role-assignment right limited (ABAC) to the roles the stack assigns, and (by default)
 * AKS RBAC Cluster Admin made ahead of time, all on the stack's resource group only. No client secret
 * exists anywhere.
 *
 * It is deliberately given no Key Vault data-plane role: the stack writes the canary secret through ARM
 * (`Microsoft.KeyVault/vaults/secrets/write`, a control-plane action that Contributor covers) and never
 * reads secret values.
 */
export class GitHubDeployer extends pulumi.ComponentResource {
  /** Client id: the `AZURE_CLIENT_ID` repository variable. */
  public readonly clientId: pulumi.Output<string>;
  /** Object id of the deployer's service principal. */
  public readonly principalId: pulumi.Output<string>;
  /** Tenant id: the `AZURE_TENANT_ID` repository variable. */
  public readonly tenantId: pulumi.Output<string>;
  /** ARM id of the identity. */
  public readonly identityId: pulumi.Output<string>;
  /** The exact federated credential subjects, in declaration order. */
  public readonly subjects: string[];
  /** The ABAC condition on the RBAC Administrator assignment. */
  public readonly condition: string;
  /** The identity component (with its federated credentials). */
  public readonly identity: UserAssignedIdentity;
  /** Every role assignment made for the deployer, for `dependsOn`. */
  public readonly roleAssignments: RoleAssignment[];

  constructor(name: string, args: GitHubDeployerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("zerocred:cicd:GitHubDeployer", name, {}, opts);

    let credentials: GitHubCredential[];
    let roleGuids: string[];
    try {
      if ((args.pullRequests as boolean | undefined) === true) {
        throw new Error(DEPLOYER_PULL_REQUEST_ERROR);
      }
      credentials = gitHubCredentials({ ...args, pullRequests: false });
      roleGuids = resolveAssignableRoles(args.assignableRoles ?? DEFAULT_ASSIGNABLE_ROLES);
      if (typeof args.scope === "string") {
        validateDeployerScope(args.scope);
      }
    } catch (e) {
      throw new pulumi.ResourceError((e as Error).message, this);
    }
    const principalTypes = args.assignablePrincipalTypes ?? ["ServicePrincipal"];
    this.condition = roleAssignmentCondition(roleGuids, principalTypes);
    this.subjects = credentials.map((c) => c.subject);

    const federatedCredentials: FederatedCredentialSpec[] = credentials.map((c) => ({
      name: c.name,
      issuer: GITHUB_ACTIONS_ISSUER,
      subject: c.subject,
      audiences: [GITHUB_ACTIONS_AUDIENCE],
    }));
    this.identity = new UserAssignedIdentity(
      `${name}-identity`,
      {
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        identityName: args.identityName ?? name,
        tags: args.tags,
        federatedCredentials,
      },
      { parent: this },
    );

    const scope = pulumi.output(args.scope).apply((s) => {
      validateDeployerScope(s);
      return s;
    });
    const principalId = this.identity.principalId;
    const repo = `${args.organization}/${args.repository}`;
    const assignments: RoleAssignment[] = [
      new RoleAssignment(
        `${name}-contributor`,
        {
          scope,
          role: "Contributor",
          principalId,
          principalType: "ServicePrincipal",
          description: `zerocred CI deployer for ${repo}: manage the stack's resources`,
        },
        { parent: this },
      ),
      new RoleAssignment(
        `${name}-rbac-admin`,
        {
          scope,
          role: "Role Based Access Control Administrator",
          principalId,
          principalType: "ServicePrincipal",
          description: `zerocred CI deployer for ${repo}: assign only the roles the stack grants`,
          condition: this.condition,
        },
        { parent: this },
      ),
    ];
    if (args.clusterAdmin ?? true) {
      assignments.push(
        new RoleAssignment(
          `${name}-cluster-admin`,
          {
            scope,
            role: DEPLOYER_CLUSTER_DATA_ROLE,
            principalId,
            principalType: "ServicePrincipal",
            description: `zerocred CI deployer for ${repo}: Kubernetes objects in the group's clusters, granted ahead of time`,
          },
          { parent: this },
        ),
      );
    }
    if (args.stateContainerId !== undefined) {
      assignments.push(
        new RoleAssignment(
          `${name}-state`,
          {
            scope: args.stateContainerId,
            role: STORAGE_BLOB_DATA_CONTRIBUTOR_ROLE_ID,
            principalId,
            principalType: "ServicePrincipal",
            description: `zerocred CI deployer for ${repo}: read and write Pulumi state blobs`,
          },
          { parent: this },
        ),
      );
    }
    if (args.secretsKeyId !== undefined) {
      assignments.push(
        new RoleAssignment(
          `${name}-secrets-key`,
          {
            scope: args.secretsKeyId,
            role: KEY_VAULT_CRYPTO_USER_ROLE_ID,
            principalId,
            principalType: "ServicePrincipal",
            description: `zerocred CI deployer for ${repo}: encrypt and decrypt Pulumi stack secrets`,
          },
          { parent: this },
        ),
      );
    }
    if (args.allowVaultPurge === true) {
      const purgeRoleGuid = uuidv5(
        `${repo.toLowerCase()}|deleted-vault-purge`,
        ZEROCRED_UUID_NAMESPACE,
      );
      const subscriptionScope = scope.apply(
        (s) => `/subscriptions/${subscriptionIdFromScope(s) as string}`,
      );
      const purgeRole = new authorization.RoleDefinition(
        `${name}-vault-purger`,
        {
          scope: subscriptionScope,
          roleDefinitionId: purgeRoleGuid,
          roleName: `zerocred deleted vault purger (${repo})`,
          description: `Lets the zerocred CI deployer of ${repo} purge soft-deleted Key Vaults after destroying an ephemeral stack.`,
          roleType: "CustomRole",
          permissions: [{ actions: [...VAULT_PURGE_ACTIONS] }],
          assignableScopes: [subscriptionScope],
        },
        { parent: this },
      );
      // The assignment's scope carries a dependency on the role definition (a component's dependsOn
      // would not reach its child), so the definition exists before it is assigned.
      const purgeScope = pulumi.all([subscriptionScope, purgeRole.id]).apply(([s]) => s);
      assignments.push(
        new RoleAssignment(
          `${name}-vault-purge`,
          {
            scope: purgeScope,
            role: purgeRoleGuid,
            principalId,
            principalType: "ServicePrincipal",
            description: `zerocred CI deployer for ${repo}: purge soft-deleted vaults of ephemeral stacks`,
          },
          { parent: this },
        ),
      );
    }

    this.roleAssignments = assignments;
    this.clientId = this.identity.clientId;
    this.principalId = this.identity.principalId;
    this.tenantId = this.identity.tenantId;
    this.identityId = this.identity.id;
    this.registerOutputs({
      clientId: this.clientId,
      principalId: this.principalId,
      tenantId: this.tenantId,
      identityId: this.identityId,
      subjects: this.subjects,
      condition: this.condition,
    });
  }
}
