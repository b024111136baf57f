/**
 * The bootstrap program: run ONCE, locally, by someone allowed to create role assignments in the
 * subscription (Owner or User Access Administrator + Contributor), with `az login`. It creates what CI
 * needs and cannot create for itself: the deployer identity (GitHub OIDC, no secret), the stack's resource
 * group with the deployer's roles on it, and optionally the team state backend (blob container + Key
 * Vault key). Its outputs include the exact `gh variable set` commands to run.
 */
import * as crypto from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as resources from "@pulumi/azure-native/resources";
import {
  DEPLOYER_CLUSTER_DATA_ROLE,
  GitHubDeployer,
  KEY_VAULT_CRYPTO_USER_ROLE_ID,
  STORAGE_BLOB_DATA_CONTRIBUTOR_ROLE_ID,
  gitHubCredentials,
} from "../components/deployer";
import { GitHubPreviewer } from "../components/previewer";
import { RoleAssignment } from "../components/roleAssignment";
import {
  StateBackend,
  validateContainerName,
  validateStateVaultName,
  validateStorageAccountName,
} from "./stateBackend";

/** The bootstrap stack's settings, validated, defaults applied. */
export interface BootstrapSettings {
  readonly organization: string;
  readonly repository: string;
  readonly branches: readonly string[];
  readonly environments: readonly string[];
  /**
   * Create the read-only PR previewer (its own identity, subject `pull_request`). The deployer itself
   * never trusts `pull_request` (components/deployer.ts DEPLOYER_PULL_REQUEST_ERROR).
   */
  readonly pullRequests: boolean;
  /** Resource group for the deployer identity and the state backend. */
  readonly resourceGroupName: string;
  /** Resource group the zerocred stack deploys into (created here; the deployer's roles are scoped to it). */
  readonly targetResourceGroupName: string;
  readonly location?: string;
  readonly stateBackend: boolean;
  readonly stateStorageAccountName: string;
  readonly stateContainerName: string;
  readonly stateVaultName: string;
  readonly allowVaultPurge: boolean;
  /**
   * Grant the person running the bootstrap data access to the state backend and AKS RBAC Cluster Admin on
   * the target group ahead of time (to deploy the same stack from a laptop without waiting for a fresh
   * data-plane assignment to propagate).
   */
  readonly grantOperator: boolean;
  readonly operatorPrincipalType: "User" | "Group" | "ServicePrincipal";
  readonly assignableRoles?: readonly string[];
}

const RG_PATTERN = /^[-\w._()]{1,89}[-\w_()]$/;

function shortHash(value: string, length: number): string {
  return crypto.createHash("sha256").update(value, "utf8").digest("hex").slice(0, length);
}

function stringList(value: unknown, key: string, issues: string[]): string[] | undefined {
  if (value === undefined) {
    return undefined;
  }
  if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) {
    issues.push(
      `Invalid value for zerocred-bootstrap:${key}: ${JSON.stringify(value)}. Use a list of strings.`,
    );
    return undefined;
  }
  return value as string[];
}

function optionalString(value: unknown, key: string, issues: string[]): string | undefined {
  if (value === undefined) {
    return undefined;
  }
  if (typeof value !== "string" || value === "") {
    issues.push(
      `Invalid value for zerocred-bootstrap:${key}: ${JSON.stringify(value)}. Use a non-empty string.`,
    );
    return undefined;
  }
  return value;
}

function optionalBoolean(value: unknown, key: string, issues: string[]): boolean | undefined {
  if (value === undefined) {
    return undefined;
  }
  if (typeof value === "boolean") {
    return value;
  }
  if (value === "true" || value === "false") {
    return value === "true";
  }
  issues.push(
    `Invalid value for zerocred-bootstrap:${key}: ${JSON.stringify(value)}. Use true or false.`,
  );
  return undefined;
}

/** The bootstrap project's config keys (without the `zerocred-bootstrap:` prefix). */
export const BOOTSTRAP_CONFIG_KEYS: readonly string[] = [
  "github",
  "resourceGroupName",
  "targetResourceGroupName",
  "stateBackend",
  "stateStorageAccountName",
  "stateContainerName",
  "stateVaultName",
  "allowVaultPurge",
  "grantOperator",
  "operatorPrincipalType",
  "assignableRoles",
];

/**
 * Parses the bootstrap config (keys without the `zerocred-bootstrap:` prefix; YAML objects may arrive as
 * JSON strings, as `pulumi.Config` stores them). Throws an `Error` listing every problem at once.
 */
export function parseBootstrapConfig(
  raw: Record<string, unknown>,
  location?: string,
): BootstrapSettings {
  const issues: string[] = [];
  const decode = (v: unknown): unknown => {
    if (typeof v === "string" && (v.startsWith("{") || v.startsWith("["))) {
      try {
        return JSON.parse(v) as unknown;
      } catch {
        return v;
      }
    }
    return v;
  };
  for (const key of Object.keys(raw)) {
    if (!BOOTSTRAP_CONFIG_KEYS.includes(key)) {
      issues.push(
        `Unknown config key zerocred-bootstrap:${key}. Known keys: ${BOOTSTRAP_CONFIG_KEYS.join(", ")}.`,
      );
    }
  }
  const github = decode(raw.github);
  let organization = "";
  let repository = "";
  let branches: string[] = ["main"];
  let environments: string[] = [];
  let pullRequests = true;
  if (
    github === undefined ||
    typeof github !== "object" ||
    github === null ||
    Array.isArray(github)
  ) {
    issues.push(
      `Missing zerocred-bootstrap:github. Set it to { organization: <owner>, repository: <name> } exactly as in ` +
        `the repository URL.`,
    );
  } else {
    const g = github as Record<string, unknown>;
    organization = typeof g.organization === "string" ? g.organization : "";
    repository = typeof g.repository === "string" ? g.repository : "";
    branches = stringList(g.branches, "github.branches", issues) ?? branches;
    environments = stringList(g.environments, "github.environments", issues) ?? environments;
    pullRequests = optionalBoolean(g.pullRequests, "github.pullRequests", issues) ?? pullRequests;
    try {
      // The deployer's subjects (never pull_request: that is the previewer's).
      gitHubCredentials({ organization, repository, branches, environments, pullRequests: false });
    } catch (e) {
      issues.push(...(e as Error).message.split("\n"));
    }
  }

  const resourceGroupName =
    optionalString(raw.resourceGroupName, "resourceGroupName", issues) ?? "zerocred-cicd";
  const targetResourceGroupName =
    optionalString(raw.targetResourceGroupName, "targetResourceGroupName", issues) ??
    "zerocred-dev";
  for (const [key, value] of [
    ["resourceGroupName", resourceGroupName],
    ["targetResourceGroupName", targetResourceGroupName],
  ] as const) {
    if (!RG_PATTERN.test(value)) {
      issues.push(
        `Invalid value for zerocred-bootstrap:${key}: ${JSON.stringify(value)}. Use 1 to 90 letters, digits, ` +
          `".", "-", "_" or parentheses, not ending with ".".`,
      );
    }
  }
  if (resourceGroupName === targetResourceGroupName) {
    issues.push(
      `Invalid value for zerocred-bootstrap:targetResourceGroupName: ${JSON.stringify(targetResourceGroupName)} is ` +
        `also the bootstrap resource group. Use a separate group, so the deployer cannot modify its own identity.`,
    );
  }

  const seed = `${organization.toLowerCase()}/${repository.toLowerCase()}|${resourceGroupName.toLowerCase()}`;
  const stateStorageAccountName =
    optionalString(raw.stateStorageAccountName, "stateStorageAccountName", issues) ??
    `zcstate${shortHash(seed, 12)}`;
  const stateContainerName =
    optionalString(raw.stateContainerName, "stateContainerName", issues) ?? "pulumi-state";
  const stateVaultName =
    optionalString(raw.stateVaultName, "stateVaultName", issues) ??
    `zcstate-${shortHash(seed, 12)}`;
  for (const check of [
    () => validateStorageAccountName(stateStorageAccountName),
    () => validateContainerName(stateContainerName),
    () => validateStateVaultName(stateVaultName),
  ]) {
    try {
      check();
    } catch (e) {
      issues.push(
        (e as Error).message.replace("Invalid value for ", "Invalid value for zerocred-bootstrap:"),
      );
    }
  }

  const operatorPrincipalType =
    optionalString(raw.operatorPrincipalType, "operatorPrincipalType", issues) ?? "User";
  if (!["User", "Group", "ServicePrincipal"].includes(operatorPrincipalType)) {
    issues.push(
      `Invalid value for zerocred-bootstrap:operatorPrincipalType: ${JSON.stringify(operatorPrincipalType)}. ` +
        `Use User, Group or ServicePrincipal (the type of the principal running the bootstrap).`,
    );
  }
  const assignableRoles = stringList(decode(raw.assignableRoles), "assignableRoles", issues);

  const settings: BootstrapSettings = {
    organization,
    repository,
    branches,
    environments,
    pullRequests,
    resourceGroupName,
    targetResourceGroupName,
    location,
    stateBackend: optionalBoolean(raw.stateBackend, "stateBackend", issues) ?? true,
    stateStorageAccountName,
    stateContainerName,
    stateVaultName,
    allowVaultPurge: optionalBoolean(raw.allowVaultPurge, "allowVaultPurge", issues) ?? false,
    grantOperator: optionalBoolean(raw.grantOperator, "grantOperator", issues) ?? true,
    operatorPrincipalType: operatorPrincipalType as BootstrapSettings["operatorPrincipalType"],
    assignableRoles,
  };
  if (issues.length > 0) {
    throw new Error(issues.join("\n"));
  }
  return settings;
}

/** The repository variables CI reads, in the order `ghVariableCommands` prints them. */
export interface RepositoryVariables {
  readonly AZURE_CLIENT_ID: string;
  /** The read-only PR previewer's client id (pr.yml signs in with it). */
  readonly AZURE_PREVIEW_CLIENT_ID?: string;
  readonly AZURE_TENANT_ID: string;
  readonly AZURE_SUBSCRIPTION_ID: string;
  readonly AZURE_RESOURCE_GROUP: string;
  readonly PULUMI_STATE_STORAGE_ACCOUNT?: string;
  readonly PULUMI_STATE_CONTAINER?: string;
  readonly PULUMI_SECRETS_PROVIDER?: string;
}

/** The exact `gh variable set` commands (one per line) that configure the repository for CI. */
export function ghVariableCommands(repo: string, vars: RepositoryVariables): string {
  return Object.entries(vars)
    .filter((e): e is [string, string] => typeof e[1] === "string" && e[1] !== "")
    .map(([k, v]) => `gh variable set ${k} --repo ${repo} --body "${v}"`)
    .join("\n");
}

/** What the bootstrap program exports. */
export interface BootstrapOutputs {
  clientId: pulumi.Output<string>;
  tenantId: pulumi.Output<string>;
  subscriptionId: pulumi.Output<string>;
  principalId: pulumi.Output<string>;
  targetResourceGroupId: pulumi.Output<string>;
  /** The deployer's federated subjects (branches and environments). */
  subjects: string[];
  /** The PR previewer's client id, when `pullRequests`. */
  previewClientId?: pulumi.Output<string>;
  /** The PR previewer's subject (`repo:<org>/<repo>:pull_request`), when `pullRequests`. */
  previewSubject?: string;
  backendUrl?: string;
  secretsProvider?: string;
  ghVariableCommands: pulumi.Output<string>;
}

/** Declares the bootstrap resources for validated settings. */
export function createBootstrap(settings: BootstrapSettings): BootstrapOutputs {
  const client = authorization.getClientConfigOutput();
  const tags = { "managed-by": "zerocred-bootstrap" };
  const group = new resources.ResourceGroup("cicd", {
    resourceGroupName: settings.resourceGroupName,
    location: settings.location,
    tags,
  });
  // Protected: destroying the bootstrap must never delete the group holding the stack's resources.
  const target = new resources.ResourceGroup(
    "target",
    {
      resourceGroupName: settings.targetResourceGroupName,
      location: settings.location,
      tags,
    },
    { protect: true },
  );

  const backend = settings.stateBackend
    ? new StateBackend("state", {
        resourceGroupName: group.name,
        location: settings.location,
        tenantId: client.tenantId,
        storageAccountName: settings.stateStorageAccountName,
        containerName: settings.stateContainerName,
        vaultName: settings.stateVaultName,
        tags,
      })
    : undefined;

  const deployer = new GitHubDeployer("deployer", {
    organization: settings.organization,
    repository: settings.repository,
    branches: settings.branches,
    environments: settings.environments,
    resourceGroupName: group.name,
    location: settings.location,
    identityName: "zerocred-deployer",
    scope: target.id,
    assignableRoles: settings.assignableRoles,
    stateContainerId: backend?.containerId,
    secretsKeyId: backend?.keyId,
    allowVaultPurge: settings.allowVaultPurge,
    clusterAdmin: true,
    tags,
  });

  const previewer = settings.pullRequests
    ? new GitHubPreviewer("previewer", {
        organization: settings.organization,
        repository: settings.repository,
        resourceGroupName: group.name,
        location: settings.location,
        identityName: "zerocred-previewer",
        scope: target.id,
        stateContainerId: backend?.containerId,
        secretsKeyId: backend?.keyId,
        tags,
      })
    : undefined;

  if (settings.grantOperator) {
    // Ahead of time, like the deployer's: a laptop `pulumi up` of the stack then never meets a fresh
    // data-plane assignment (components/deployer.ts DEPLOYER_CLUSTER_DATA_ROLE).
    new RoleAssignment("operator-cluster-admin", {
      scope: target.id,
      role: DEPLOYER_CLUSTER_DATA_ROLE,
      principalId: client.objectId,
      principalType: settings.operatorPrincipalType,
      description:
        "zerocred operator: Kubernetes objects in the stack's clusters, granted ahead of time",
    });
  }
  if (backend !== undefined && settings.grantOperator) {
    new RoleAssignment("operator-state", {
      scope: backend.containerId,
      role: STORAGE_BLOB_DATA_CONTRIBUTOR_ROLE_ID,
      principalId: client.objectId,
      principalType: settings.operatorPrincipalType,
      description: "zerocred operator: use the team state backend from a laptop",
    });
    new RoleAssignment("operator-secrets-key", {
      scope: backend.keyId,
      role: KEY_VAULT_CRYPTO_USER_ROLE_ID,
      principalId: client.objectId,
      principalType: settings.operatorPrincipalType,
      description: "zerocred operator: encrypt and decrypt stack secrets from a laptop",
    });
  }

  const repo = `${settings.organization}/${settings.repository}`;
  const commands = pulumi
    .all([deployer.clientId, deployer.tenantId, client.subscriptionId, previewer?.clientId])
    .apply(([clientId, tenantId, subscriptionId, previewClientId]) =>
      ghVariableCommands(repo, {
        AZURE_CLIENT_ID: clientId,
        AZURE_PREVIEW_CLIENT_ID: previewClientId,
        AZURE_TENANT_ID: tenantId,
        AZURE_SUBSCRIPTION_ID: subscriptionId,
        AZURE_RESOURCE_GROUP: settings.targetResourceGroupName,
        PULUMI_STATE_STORAGE_ACCOUNT: backend?.storageAccountName,
        PULUMI_STATE_CONTAINER: backend?.containerName,
        PULUMI_SECRETS_PROVIDER: backend?.secretsProvider,
      }),
    );

  return {
    clientId: deployer.clientId,
    tenantId: deployer.tenantId,
    subscriptionId: client.subscriptionId,
    principalId: deployer.principalId,
    targetResourceGroupId: target.id,
    subjects: deployer.subjects,
    previewClientId: previewer?.clientId,
    previewSubject: previewer?.subject,
    backendUrl: backend?.backendUrl,
    secretsProvider: backend?.secretsProvider,
    ghVariableCommands: commands,
  };
}
