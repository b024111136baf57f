/**
 * GitHubDeployer: pure validators (exact messages), the ABAC condition, and — in the simulated cloud —
 * the exact inputs of every child: GitHub issuer without trailing slash, subjects, audience, roles,
 * scope, principalType, condition and conditionVersion.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type * as DeployerModule from "../../components/deployer";
import {
  named,
  registered,
  useCloud,
  type RecordedResource,
  type SimulatedCloud,
} from "../harness";

let mod: typeof DeployerModule;
let cloud: SimulatedCloud;
let resources: RecordedResource[];

const SUB = "3b9d2e71-5a4c-4f86-b1d0-7e2a6c9f4d18";
const TARGET = `/subscriptions/${SUB}/resourceGroups/zerocred-dev`;
const CONTAINER = `/subscriptions/${SUB}/resourceGroups/zerocred-cicd/providers/Microsoft.Storage/storageAccounts/zcstate1/blobServices/default/containers/pulumi-state`;
const KEY = `/subscriptions/${SUB}/resourceGroups/zerocred-cicd/providers/Microsoft.KeyVault/vaults/zcstate-1/keys/pulumi-secrets`;

const GUIDS = {
  kvSecretsUser: "4633458b-17de-408a-b874-0445c86b69e6",
  kvSecretsOfficer: "b86a8fe4-44ce-4948-aee5-eccb2c155cd7",
  kvReader: "21090545-7ca7-4776-b22c-e363652d74d2",
  aksRbacClusterAdmin: "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b",
  aksClusterUser: "4abbcc35-e782-43d8-92c5-2d3f1bd2253f",
  networkContributor: "4d97b98b-1d4f-4787-a291-c67834d212e7",
  contributor: "b24988ac-6180-42a0-ab88-20f7382dd24c",
  rbacAdmin: "f58310d9-a9f6-439a-9e8d-f62e7b41a168",
};
const DEFAULT_GUID_LIST = [
  GUIDS.kvReader,
  GUIDS.kvSecretsUser,
  GUIDS.aksClusterUser,
  GUIDS.networkContributor,
  GUIDS.aksRbacClusterAdmin,
  GUIDS.kvSecretsOfficer,
].join(", ");

beforeAll(async () => {
  cloud = await useCloud({ project: "zerocred-bootstrap", stack: "cicd" });
  mod = await import("../../components/deployer");
  new mod.GitHubDeployer("ghd", {
    organization: "contoso",
    repository: "zerocred",
    branches: ["main"],
    environments: ["dev"],
    resourceGroupName: "zerocred-cicd",
    location: "westeurope",
    scope: TARGET,
    stateContainerId: CONTAINER,
    secretsKeyId: KEY,
    allowVaultPurge: true,
  });
  resources = await registered(cloud);
});

describe("constants", () => {
  it("GitHub's issuer has no trailing slash", () => {
    expect(mod.GITHUB_ACTIONS_ISSUER).toBe("https://token.actions.githubusercontent.com");
    expect(mod.GITHUB_ACTIONS_ISSUER.endsWith("/")).toBe(false);
  });

  it("role GUIDs missing from the catalog are the documented built-ins", () => {
    expect(mod.STORAGE_BLOB_DATA_CONTRIBUTOR_ROLE_ID).toBe("ba92f5b4-2d11-453d-a403-e96b0029c9fe");
    expect(mod.KEY_VAULT_CRYPTO_USER_ROLE_ID).toBe("12338af0-0e69-4776-bea7-57ae8d297424");
  });
});

describe("validators (exact messages)", () => {
  it.each(["contoso", "a", "my-org-1", "A1b2", "x".repeat(39)])("organization %s is valid", (v) => {
    expect(() => mod.validateGitHubOrganization(v)).not.toThrow();
  });

  it.each(["", "-org", "org-", "my--org", "my_org", "my.org", "x".repeat(40), "org/repo"])(
    "organization %j is rejected",
    (v) => {
      expect(() => mod.validateGitHubOrganization(v)).toThrow(
        `Invalid value for github.organization: ${JSON.stringify(v)}. Use the GitHub owner exactly as in the repository URL: 1 to 39 letters, digits or single hyphens, not starting or ending with a hyphen.`,
      );
    },
  );

  it.each(["zerocred", "my.repo", "a_b-c", ".github", "x".repeat(100)])(
    "repository %s is valid",
    (v) => {
      expect(() => mod.validateGitHubRepository(v)).not.toThrow();
    },
  );

  it.each(["", ".", "..", "my repo", "org/repo", "x".repeat(101), "répo"])(
    "repository %j is rejected",
    (v) => {
      expect(() => mod.validateGitHubRepository(v)).toThrow(
        `Invalid value for github.repository: ${JSON.stringify(v)}. Use the repository name exactly as in its URL (without the owner): 1 to 100 letters, digits, ".", "-" or "_".`,
      );
    },
  );

  it.each(["main", "release/1.2", "feature/x_y", "v1"])("branch %s is valid", (v) => {
    expect(() => mod.validateGitHubBranch(v)).not.toThrow();
  });

  it.each([
    "",
    "refs/heads/main",
    "feature/*",
    "a..b",
    "a b",
    "/main",
    "main/",
    "x.lock",
    "a:b",
    "a~1",
    "@",
    "a@{b",
    "dot.",
    "a//b",
  ])("branch %j is rejected", (v) => {
    expect(() => mod.validateGitHubBranch(v)).toThrow(
      `Invalid value for github.branches: ${JSON.stringify(v)}. Use a short git branch name such as "main" (no "refs/heads/" prefix, no spaces, "..", "~", "^", ":", "?", "*", "[" or "\\"); federated credential subjects are matched exactly, so wildcards are not supported.`,
    );
  });

  it.each(["dev", "prod", "staging-eu", "Prod_2"])("environment %s is valid", (v) => {
    expect(() => mod.validateGitHubEnvironment(v)).not.toThrow();
  });

  it.each(["", "my env", "a:b", "-dev", "x".repeat(256)])("environment %j is rejected", (v) => {
    expect(() => mod.validateGitHubEnvironment(v)).toThrow(
      `Invalid value for github.environments: ${JSON.stringify(v)}. Use 1 to 255 letters, digits, ".", "-" or "_", starting with a letter or digit, exactly as the environment is named in the repository settings.`,
    );
  });

  it("scope must be a resource group, never a subscription or a resource", () => {
    expect(() => mod.validateDeployerScope(TARGET)).not.toThrow();
    for (const bad of [
      `/subscriptions/${SUB}`,
      `${TARGET}/providers/Microsoft.KeyVault/vaults/v`,
      "zerocred-dev",
    ]) {
      expect(() => mod.validateDeployerScope(bad)).toThrow(
        `Invalid value for scope: ${JSON.stringify(bad)}. Use the ARM id of the resource group the stack deploys into, /subscriptions/<subscription-guid>/resourceGroups/<name>; the deployer is never granted a subscription.`,
      );
    }
  });

  it("assignable roles resolve to sorted unique GUIDs", () => {
    expect(
      mod.resolveAssignableRoles(["Key Vault Secrets User", GUIDS.kvSecretsUser, "reader"]),
    ).toEqual(["4633458b-17de-408a-b874-0445c86b69e6", "acdd72a7-3385-48ef-bd42-f606fba81ae7"]);
  });

  it.each([
    "Owner",
    "User Access Administrator",
    "Role Based Access Control Administrator",
    GUIDS.rbacAdmin,
  ])("assignable role %s is rejected as privilege escalation", (role) => {
    expect(() => mod.resolveAssignableRoles(["Key Vault Secrets User", role])).toThrow(
      `Invalid value for assignableRoles: ${JSON.stringify(role)} lets its holder grant any permission (privilege escalation). Remove it; the deployer may only assign the data and cluster roles the stack grants.`,
    );
  });

  it("an empty assignable role list is rejected", () => {
    expect(() => mod.resolveAssignableRoles([])).toThrow(
      `Invalid value for assignableRoles: []. List the roles the stack assigns (e.g. "Key Vault Secrets User"); an empty list would make the "Role Based Access Control Administrator" assignment useless.`,
    );
  });

  it("an unknown role names the setting", () => {
    expect(() => mod.resolveAssignableRoles(["Key Vault Secret User"])).toThrow(
      /^Invalid value for assignableRoles: "Key Vault Secret User" is neither a built-in role name known to zerocred nor a role definition GUID\. Did you mean "Key Vault Secrets User"\?/,
    );
  });
});

describe("gitHubCredentials", () => {
  it("builds the three subject kinds with valid credential names", () => {
    expect(
      mod.gitHubCredentials({
        organization: "contoso",
        repository: "zerocred",
        branches: ["main", "release/1.2"],
        environments: ["dev", "prod"],
      }),
    ).toEqual([
      { name: "github-branch-main", subject: "repo:contoso/zerocred:ref:refs/heads/main" },
      {
        name: "github-branch-release-1-2",
        subject: "repo:contoso/zerocred:ref:refs/heads/release/1.2",
      },
      { name: "github-env-dev", subject: "repo:contoso/zerocred:environment:dev" },
      { name: "github-env-prod", subject: "repo:contoso/zerocred:environment:prod" },
      { name: "github-pull-request", subject: "repo:contoso/zerocred:pull_request" },
    ]);
  });

  it("defaults to the main branch and pull requests; keeps the owner's exact case", () => {
    expect(mod.gitHubCredentials({ organization: "Contoso", repository: "ZeroCred" })).toEqual([
      { name: "github-branch-main", subject: "repo:Contoso/ZeroCred:ref:refs/heads/main" },
      { name: "github-pull-request", subject: "repo:Contoso/ZeroCred:pull_request" },
    ]);
  });

  it("reports every problem at once", () => {
    expect(() =>
      mod.gitHubCredentials({
        organization: "-bad",
        repository: "ok",
        branches: ["refs/heads/main"],
        environments: ["a b"],
      }),
    ).toThrow(
      [
        `Invalid value for github.organization: "-bad". Use the GitHub owner exactly as in the repository URL: 1 to 39 letters, digits or single hyphens, not starting or ending with a hyphen.`,
        `Invalid value for github.branches: "refs/heads/main". Use a short git branch name such as "main" (no "refs/heads/" prefix, no spaces, "..", "~", "^", ":", "?", "*", "[" or "\\"); federated credential subjects are matched exactly, so wildcards are not supported.`,
        `Invalid value for github.environments: "a b". Use 1 to 255 letters, digits, ".", "-" or "_", starting with a letter or digit, exactly as the environment is named in the repository settings.`,
      ].join("\n"),
    );
  });

  it("rejects no subjects, duplicates, name collisions and more than 20", () => {
    expect(() =>
      mod.gitHubCredentials({
        organization: "o",
        repository: "r",
        branches: [],
        pullRequests: false,
      }),
    ).toThrow(
      "Invalid GitHub subjects: no branch, environment or pull_request subject is enabled, so no workflow could sign in. Set github.branches, github.environments or github.pullRequests.",
    );
    expect(() =>
      mod.gitHubCredentials({ organization: "o", repository: "r", branches: ["main", "main"] }),
    ).toThrow(
      'Invalid GitHub subjects: "repo:o/r:ref:refs/heads/main" is listed twice. Remove the duplicate.',
    );
    expect(() =>
      mod.gitHubCredentials({ organization: "o", repository: "r", branches: ["a/b", "a-b"] }),
    ).toThrow(
      'Invalid GitHub subjects: "repo:o/r:ref:refs/heads/a/b" and "repo:o/r:ref:refs/heads/a-b" map to the same credential name "github-branch-a-b". Rename one branch or environment.',
    );
    expect(() =>
      mod.gitHubCredentials({
        organization: "o",
        repository: "r",
        branches: Array.from({ length: 20 }, (_, i) => `b${i}`),
      }),
    ).toThrow(
      "Invalid GitHub subjects: 21 federated credentials requested; Azure allows at most 20 per identity. Use fewer branches or environments.",
    );
  });
});

describe("roleAssignmentCondition", () => {
  it("matches Microsoft's 'Constrain roles' example byte for byte", () => {
    // https://learn.microsoft.com/azure/role-based-access-control/delegate-role-assignments-examples
    expect(
      mod.roleAssignmentCondition([
        "a795c7a0-d4a2-40c1-ae25-d81f01202912",
        "5e467623-bb1f-42f4-a55d-6e525e11384b",
      ]),
    ).toBe(
      "((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})) OR (@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {5e467623-bb1f-42f4-a55d-6e525e11384b, a795c7a0-d4a2-40c1-ae25-d81f01202912})) AND ((!(ActionMatches{'Microsoft.Authorization/roleAssignments/delete'})) OR (@Resource[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {5e467623-bb1f-42f4-a55d-6e525e11384b, a795c7a0-d4a2-40c1-ae25-d81f01202912}))",
    );
  });

  it("matches the 'Constrain roles and principal types' example byte for byte", () => {
    expect(
      mod.roleAssignmentCondition(
        ["5e467623-bb1f-42f4-a55d-6e525e11384b", "A795C7A0-D4A2-40C1-AE25-D81F01202912"],
        ["User", "Group"],
      ),
    ).toBe(
      "((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})) OR (@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {5e467623-bb1f-42f4-a55d-6e525e11384b, a795c7a0-d4a2-40c1-ae25-d81f01202912} AND @Request[Microsoft.Authorization/roleAssignments:PrincipalType] ForAnyOfAnyValues:StringEqualsIgnoreCase {'User', 'Group'})) AND ((!(ActionMatches{'Microsoft.Authorization/roleAssignments/delete'})) OR (@Resource[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {5e467623-bb1f-42f4-a55d-6e525e11384b, a795c7a0-d4a2-40c1-ae25-d81f01202912} AND @Resource[Microsoft.Authorization/roleAssignments:PrincipalType] ForAnyOfAnyValues:StringEqualsIgnoreCase {'User', 'Group'}))",
    );
  });
});

describe("GitHubDeployer in the simulated cloud", () => {
  const children = () => resources.filter((r) => r.urn.includes("ghd"));

  it("registers exactly the identity, its credentials, the role definition and the assignments", () => {
    expect(children().map((r) => `${r.type} ${r.name}`)).toEqual(
      expect.arrayContaining([
        "zerocred:cicd:GitHubDeployer ghd",
        "zerocred:identity:UserAssignedIdentity ghd-identity",
        "azure-native:managedidentity:UserAssignedIdentity ghd-identity-identity",
        "azure-native:managedidentity:FederatedIdentityCredential ghd-identity-fic-github-branch-main",
        "azure-native:managedidentity:FederatedIdentityCredential ghd-identity-fic-github-env-dev",
        "azure-native:authorization:RoleDefinition ghd-vault-purger",
        "azure-native:authorization:RoleAssignment ghd-contributor-assignment",
        "azure-native:authorization:RoleAssignment ghd-rbac-admin-assignment",
        "azure-native:authorization:RoleAssignment ghd-cluster-admin-assignment",
        "azure-native:authorization:RoleAssignment ghd-state-assignment",
        "azure-native:authorization:RoleAssignment ghd-secrets-key-assignment",
        "azure-native:authorization:RoleAssignment ghd-vault-purge-assignment",
      ]),
    );
    expect(children().filter((r) => r.custom).length).toBe(10);
    // Never a pull_request credential: PR workflows run the PR's own workflow file.
    expect(children().some((r) => r.name.includes("pull-request"))).toBe(false);
  });

  it("the identity has the configured name and group", () => {
    expect(named(resources, "ghd-identity-identity").inputs).toMatchObject({
      resourceGroupName: "zerocred-cicd",
      resourceName: "ghd",
      location: "westeurope",
    });
  });

  it.each([
    ["github-branch-main", "repo:contoso/zerocred:ref:refs/heads/main"],
    ["github-env-dev", "repo:contoso/zerocred:environment:dev"],
  ])("credential %s trusts GitHub's issuer (no trailing slash) for %s", (name, subject) => {
    expect(named(resources, `ghd-identity-fic-${name}`).inputs).toEqual({
      resourceGroupName: "zerocred-cicd",
      resourceName: "ghd",
      federatedIdentityCredentialResourceName: name,
      issuer: "https://token.actions.githubusercontent.com",
      subject,
      audiences: ["api://AzureADTokenExchange"],
    });
  });

  it("credentials are written one at a time (dependsOn chain, sorted by name)", () => {
    const fic = (n: string) => named(resources, `ghd-identity-fic-${n}`);
    expect(fic("github-branch-main").dependsOn).toEqual([]);
    expect(fic("github-env-dev").dependsOn).toEqual([fic("github-branch-main").urn]);
  });

  it("AKS RBAC Cluster Admin on the target group, made ahead of any cluster (no propagation race)", () => {
    const a = named(resources, "ghd-cluster-admin-assignment");
    expect(a.inputs).toMatchObject({
      scope: TARGET,
      principalType: "ServicePrincipal",
      principalId: named(resources, "ghd-identity-identity").outputs.principalId,
      roleDefinitionId: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${GUIDS.aksRbacClusterAdmin}`,
    });
    expect(a.inputs.condition).toBeUndefined();
  });

  it("Contributor on the target resource group, as a ServicePrincipal, no condition", () => {
    const a = named(resources, "ghd-contributor-assignment");
    const identity = named(resources, "ghd-identity-identity");
    expect(a.inputs).toMatchObject({
      scope: TARGET,
      roleDefinitionId: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${GUIDS.contributor}`,
      principalId: identity.outputs.principalId,
      principalType: "ServicePrincipal",
    });
    expect(a.inputs.condition).toBeUndefined();
    expect(a.inputs.conditionVersion).toBeUndefined();
    expect(a.options.deleteBeforeReplace).toBe(true);
  });

  it("RBAC Administrator on the target group, conditioned to exactly the stack's roles and ServicePrincipals", () => {
    const a = named(resources, "ghd-rbac-admin-assignment");
    const condition =
      `((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})) OR (@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {${DEFAULT_GUID_LIST}} AND @Request[Microsoft.Authorization/roleAssignments:PrincipalType] ForAnyOfAnyValues:StringEqualsIgnoreCase {'ServicePrincipal'}))` +
      ` AND ((!(ActionMatches{'Microsoft.Authorization/roleAssignments/delete'})) OR (@Resource[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {${DEFAULT_GUID_LIST}} AND @Resource[Microsoft.Authorization/roleAssignments:PrincipalType] ForAnyOfAnyValues:StringEqualsIgnoreCase {'ServicePrincipal'}))`;
    expect(a.inputs).toMatchObject({
      scope: TARGET,
      roleDefinitionId: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${GUIDS.rbacAdmin}`,
      principalType: "ServicePrincipal",
      condition,
      conditionVersion: "2.0",
    });
  });

  it("the condition never lets the deployer assign Owner, UAA, RBAC Admin or Contributor", () => {
    const condition = String(named(resources, "ghd-rbac-admin-assignment").inputs.condition);
    for (const guid of [
      "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
      "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
      GUIDS.rbacAdmin,
      GUIDS.contributor,
    ]) {
      expect(condition).not.toContain(guid);
    }
  });

  it("state access is data-plane on the container and the key only", () => {
    expect(named(resources, "ghd-state-assignment").inputs).toMatchObject({
      scope: CONTAINER,
      roleDefinitionId: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/ba92f5b4-2d11-453d-a403-e96b0029c9fe`,
      principalType: "ServicePrincipal",
    });
    expect(named(resources, "ghd-secrets-key-assignment").inputs).toMatchObject({
      scope: KEY,
      roleDefinitionId: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/12338af0-0e69-4776-bea7-57ae8d297424`,
      principalType: "ServicePrincipal",
    });
  });

  it("no Key Vault secrets data role is granted to the deployer", () => {
    const roleIds = resources
      .filter(
        (r) => r.type === "azure-native:authorization:RoleAssignment" && r.name.startsWith("ghd-"),
      )
      .map((r) => String(r.inputs.roleDefinitionId));
    expect(
      roleIds.some((id) => id.endsWith(GUIDS.kvSecretsUser) || id.endsWith(GUIDS.kvSecretsOfficer)),
    ).toBe(false);
  });

  it("the vault purge role has only the purge actions, at the subscription", () => {
    const def = named(resources, "ghd-vault-purger");
    expect(def.inputs).toMatchObject({
      scope: `/subscriptions/${SUB}`,
      roleName: "zerocred deleted vault purger (contoso/zerocred)",
      roleType: "CustomRole",
      permissions: [
        {
          actions: [
            "Microsoft.KeyVault/locations/deletedVaults/read",
            "Microsoft.KeyVault/locations/deletedVaults/purge/action",
          ],
        },
      ],
      assignableScopes: [`/subscriptions/${SUB}`],
    });
    const a = named(resources, "ghd-vault-purge-assignment");
    expect(a.inputs.roleDefinitionId).toBe(
      `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${String(def.inputs.roleDefinitionId)}`,
    );
    expect(a.inputs.scope).toBe(`/subscriptions/${SUB}`);
    expect(a.dependencies).toContain(def.urn);
  });

  it("every child is parented inside the component", () => {
    const component = named(resources, "ghd");
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const root = (r: RecordedResource): string => {
      let current = r;
      while (current.parent !== undefined && byUrn.has(current.parent)) {
        current = byUrn.get(current.parent) as RecordedResource;
      }
      return current.urn;
    };
    for (const r of children().filter((x) => x.name !== "ghd")) {
      expect({ name: r.name, root: root(r) }).toEqual({ name: r.name, root: component.urn });
    }
    expect(component.parent).toBeUndefined();
  });
});

describe("GitHubDeployer validation before registration", () => {
  it("refuses a pull_request subject: previews belong to the read-only previewer", () => {
    expect(
      () =>
        new mod.GitHubDeployer("ghd-pr", {
          organization: "contoso",
          repository: "zerocred",
          pullRequests: true as unknown as false,
          resourceGroupName: "zerocred-cicd",
          scope: TARGET,
        }),
    ).toThrow(
      "Invalid value for pullRequests: true. The deployer holds write rights, and a pull_request workflow runs the workflow file as the pull request wrote it, so anyone with push access could use those rights before review. Remove pullRequests from the deployer and give PR previews the read-only GitHubPreviewer (components/previewer.ts).",
    );
  });

  it("throws a ResourceError with every subject problem", () => {
    expect(
      () =>
        new mod.GitHubDeployer("bad", {
          organization: "-x",
          repository: "r",
          resourceGroupName: "g",
          scope: TARGET,
        }),
    ).toThrow(
      `Invalid value for github.organization: "-x". Use the GitHub owner exactly as in the repository URL: 1 to 39 letters, digits or single hyphens, not starting or ending with a hyphen.`,
    );
  });

  it("rejects a subscription scope", () => {
    expect(
      () =>
        new mod.GitHubDeployer("bad2", {
          organization: "o",
          repository: "r",
          resourceGroupName: "g",
          scope: `/subscriptions/${SUB}`,
        }),
    ).toThrow(/^Invalid value for scope: /);
  });

  it("rejects privileged assignable roles", () => {
    expect(
      () =>
        new mod.GitHubDeployer("bad3", {
          organization: "o",
          repository: "r",
          resourceGroupName: "g",
          scope: TARGET,
          assignableRoles: ["Owner"],
        }),
    ).toThrow(/^Invalid value for assignableRoles: "Owner" lets its holder grant any permission/);
  });
});
