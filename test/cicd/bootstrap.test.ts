/**
 * The bootstrap program (bootstrap/): config parsing with exact messages, the `gh variable set` output,
 * and the resources it declares in the simulated cloud (deployer, target group, state backend).
 */
import { beforeAll, describe, expect, it } from "vitest";
import type * as ProgramModule from "../../bootstrap/program";
import type * as StateModule from "../../bootstrap/stateBackend";
import {
  named,
  registered,
  unwrap,
  useCloud,
  type RecordedResource,
  type SimulatedCloud,
} from "../harness";

const SUB = "3b9d2e71-5a4c-4f86-b1d0-7e2a6c9f4d18";
const TENANT = "8c3f1a52-7d4e-4b0a-9f6e-2d1c5b7a9e30";
const OPERATOR = "5e7c9a13-2b4d-4e6f-8a1c-3d5b7f9e1a24";

let program: typeof ProgramModule;
let state: typeof StateModule;
let cloud: SimulatedCloud;
let resources: RecordedResource[];
let outputs: ProgramModule.BootstrapOutputs;

beforeAll(async () => {
  cloud = await useCloud({ project: "zerocred-bootstrap", stack: "cicd" });
  program = await import("../../bootstrap/program");
  state = await import("../../bootstrap/stateBackend");
  const settings = program.parseBootstrapConfig(
    {
      github: JSON.stringify({
        organization: "contoso",
        repository: "zerocred",
        environments: ["dev"],
      }),
      allowVaultPurge: "true",
    },
    "westeurope",
  );
  outputs = program.createBootstrap(settings);
  resources = await registered(cloud);
});

describe("parseBootstrapConfig", () => {
  it("applies defaults (deterministic state names from the repository and group)", () => {
    const s = program.parseBootstrapConfig({
      github: { organization: "contoso", repository: "zerocred" },
    });
    expect(s).toMatchObject({
      organization: "contoso",
      repository: "zerocred",
      branches: ["main"],
      environments: [],
      pullRequests: true,
      resourceGroupName: "zerocred-cicd",
      targetResourceGroupName: "zerocred-dev",
      stateBackend: true,
      stateContainerName: "pulumi-state",
      allowVaultPurge: false,
      grantOperator: true,
      operatorPrincipalType: "User",
    });
    expect(s.stateStorageAccountName).toMatch(/^zcstate[0-9a-f]{12}$/);
    expect(s.stateVaultName).toMatch(/^zcstate-[0-9a-f]{12}$/);
    expect(
      program.parseBootstrapConfig({ github: { organization: "contoso", repository: "zerocred" } }),
    ).toEqual(s);
  });

  it("reports every problem at once, each naming the key, the value and the fix", () => {
    expect(() =>
      program.parseBootstrapConfig({
        githb: "x",
        resourceGroupName: "same",
        targetResourceGroupName: "same",
        stateStorageAccountName: "Bad_Name",
        allowVaultPurge: "yes",
        operatorPrincipalType: "MSI",
      }),
    ).toThrow(
      [
        "Unknown config key zerocred-bootstrap:githb. Known keys: github, resourceGroupName, targetResourceGroupName, stateBackend, stateStorageAccountName, stateContainerName, stateVaultName, allowVaultPurge, grantOperator, operatorPrincipalType, assignableRoles.",
        "Missing zerocred-bootstrap:github. Set it to { organization: <owner>, repository: <name> } exactly as in the repository URL.",
        'Invalid value for zerocred-bootstrap:targetResourceGroupName: "same" is also the bootstrap resource group. Use a separate group, so the deployer cannot modify its own identity.',
        'Invalid value for zerocred-bootstrap:stateStorageAccountName: "Bad_Name". Use 3 to 24 lowercase letters and digits (globally unique across Azure).',
        'Invalid value for zerocred-bootstrap:operatorPrincipalType: "MSI". Use User, Group or ServicePrincipal (the type of the principal running the bootstrap).',
        'Invalid value for zerocred-bootstrap:allowVaultPurge: "yes". Use true or false.',
      ].join("\n"),
    );
  });

  it("passes the GitHub subject validators' messages through", () => {
    expect(() =>
      program.parseBootstrapConfig({ github: { organization: "contoso", repository: "a b" } }),
    ).toThrow(
      'Invalid value for github.repository: "a b". Use the repository name exactly as in its URL (without the owner): 1 to 100 letters, digits, ".", "-" or "_".',
    );
  });
});

describe("state backend URLs and names", () => {
  it("builds the azblob:// login URL and the azurekeyvault:// provider", () => {
    expect(state.azblobBackendUrl("zcstate1", "pulumi-state")).toBe(
      "azblob://pulumi-state?storage_account=zcstate1",
    );
    expect(state.azureKeyVaultSecretsProvider("ZcState-1", "pulumi-secrets")).toBe(
      "azurekeyvault://zcstate-1.vault.azure.net/keys/pulumi-secrets",
    );
  });

  it.each([
    [
      () => state.validateContainerName("Pulumi_State"),
      'Invalid value for stateContainerName: "Pulumi_State". Use 3 to 63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit.',
    ],
    [
      () => state.validateStateVaultName("1vault"),
      'Invalid value for stateVaultName: "1vault". Use 3 to 24 letters, digits and single hyphens, starting with a letter and ending with a letter or digit (globally unique across Azure).',
    ],
    [
      () => state.validateStorageAccountName("ab"),
      'Invalid value for stateStorageAccountName: "ab". Use 3 to 24 lowercase letters and digits (globally unique across Azure).',
    ],
  ])("validator %# has an exact message", (fn, message) => {
    expect(fn).toThrow(message);
  });
});

describe("ghVariableCommands", () => {
  it("prints one gh command per non-empty variable", () => {
    expect(
      program.ghVariableCommands("contoso/zerocred", {
        AZURE_CLIENT_ID: "c",
        AZURE_TENANT_ID: "t",
        AZURE_SUBSCRIPTION_ID: "s",
        AZURE_RESOURCE_GROUP: "zerocred-dev",
        PULUMI_STATE_STORAGE_ACCOUNT: undefined,
      }),
    ).toBe(
      [
        'gh variable set AZURE_CLIENT_ID --repo contoso/zerocred --body "c"',
        'gh variable set AZURE_TENANT_ID --repo contoso/zerocred --body "t"',
        'gh variable set AZURE_SUBSCRIPTION_ID --repo contoso/zerocred --body "s"',
        'gh variable set AZURE_RESOURCE_GROUP --repo contoso/zerocred --body "zerocred-dev"',
      ].join("\n"),
    );
  });
});

describe("createBootstrap in the simulated cloud", () => {
  it("outputs the exact gh commands for the deployer and the backend", async () => {
    const identity = named(resources, "deployer-identity-identity");
    const s = program.parseBootstrapConfig({
      github: { organization: "contoso", repository: "zerocred" },
    });
    expect(await unwrap(outputs.ghVariableCommands)).toBe(
      [
        `gh variable set AZURE_CLIENT_ID --repo contoso/zerocred --body "${String(identity.outputs.clientId)}"`,
        `gh variable set AZURE_PREVIEW_CLIENT_ID --repo contoso/zerocred --body "${String(named(resources, "previewer-identity-identity").outputs.clientId)}"`,
        `gh variable set AZURE_TENANT_ID --repo contoso/zerocred --body "${TENANT}"`,
        `gh variable set AZURE_SUBSCRIPTION_ID --repo contoso/zerocred --body "${SUB}"`,
        `gh variable set AZURE_RESOURCE_GROUP --repo contoso/zerocred --body "zerocred-dev"`,
        `gh variable set PULUMI_STATE_STORAGE_ACCOUNT --repo contoso/zerocred --body "${s.stateStorageAccountName}"`,
        `gh variable set PULUMI_STATE_CONTAINER --repo contoso/zerocred --body "pulumi-state"`,
        `gh variable set PULUMI_SECRETS_PROVIDER --repo contoso/zerocred --body "azurekeyvault://${s.stateVaultName}.vault.azure.net/keys/pulumi-secrets"`,
      ].join("\n"),
    );
    expect(outputs.subjects).toEqual([
      "repo:contoso/zerocred:ref:refs/heads/main",
      "repo:contoso/zerocred:environment:dev",
    ]);
    expect(outputs.previewSubject).toBe("repo:contoso/zerocred:pull_request");
    expect(await unwrap(outputs.clientId)).toBe(identity.outputs.clientId);
  });

  it("creates the bootstrap group and the stack's target group", () => {
    expect(named(resources, "cicd").inputs).toMatchObject({
      resourceGroupName: "zerocred-cicd",
      location: "westeurope",
    });
    expect(named(resources, "target").inputs).toMatchObject({
      resourceGroupName: "zerocred-dev",
      location: "westeurope",
    });
    expect(named(resources, "target").options.protect).toBe(true);
  });

  it("the deployer's roles are scoped to the target group, its identity lives in the bootstrap group", () => {
    expect(named(resources, "deployer-identity-identity").inputs).toMatchObject({
      resourceGroupName: "zerocred-cicd",
      resourceName: "zerocred-deployer",
    });
    for (const n of ["deployer-contributor-assignment", "deployer-rbac-admin-assignment"]) {
      expect(named(resources, n).inputs.scope).toBe(
        `/subscriptions/${SUB}/resourceGroups/zerocred-dev`,
      );
    }
  });

  it("the state account accepts Entra ID only, over TLS 1.2, with no public blobs", () => {
    expect(named(resources, "state-account").inputs).toMatchObject({
      resourceGroupName: "zerocred-cicd",
      kind: "StorageV2",
      minimumTlsVersion: "TLS1_2",
      enableHttpsTrafficOnly: true,
      allowBlobPublicAccess: false,
      allowSharedKeyAccess: false,
      defaultToOAuthAuthentication: true,
    });
    expect(named(resources, "state-account").options.protect).toBe(true);
    expect(named(resources, "state-blob-service").inputs).toMatchObject({
      isVersioningEnabled: true,
      deleteRetentionPolicy: { enabled: true, days: 30 },
    });
    expect(named(resources, "state-container").inputs).toMatchObject({
      containerName: "pulumi-state",
      publicAccess: "None",
    });
  });

  it("the secrets vault is RBAC-mode with purge protection; the key is RSA 3072", () => {
    expect(named(resources, "state-vault").inputs).toMatchObject({
      properties: {
        tenantId: TENANT,
        enableRbacAuthorization: true,
        enableSoftDelete: true,
        softDeleteRetentionInDays: 90,
        enablePurgeProtection: true,
      },
    });
    expect(named(resources, "state-key").inputs).toMatchObject({
      keyName: "pulumi-secrets",
      properties: { kty: "RSA", keySize: 3072 },
    });
  });

  it("the deployer and the operator get data access to exactly the container and the key", () => {
    const container = named(resources, "state-container").id;
    const key = named(resources, "state-key").id;
    expect(named(resources, "deployer-state-assignment").inputs).toMatchObject({
      scope: container,
      principalType: "ServicePrincipal",
    });
    expect(named(resources, "deployer-secrets-key-assignment").inputs).toMatchObject({
      scope: key,
      principalType: "ServicePrincipal",
    });
    expect(named(resources, "operator-state-assignment").inputs).toMatchObject({
      scope: container,
      principalId: OPERATOR,
      principalType: "User",
      roleDefinitionId: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/ba92f5b4-2d11-453d-a403-e96b0029c9fe`,
    });
    expect(named(resources, "operator-secrets-key-assignment").inputs).toMatchObject({
      scope: key,
      principalId: OPERATOR,
      principalType: "User",
      roleDefinitionId: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/12338af0-0e69-4776-bea7-57ae8d297424`,
    });
  });

  it("allowVaultPurge creates the purge role", () => {
    expect(named(resources, "deployer-vault-purger").type).toBe(
      "azure-native:authorization:RoleDefinition",
    );
  });
});

describe("the PR previewer: its own identity, pull_request only, read-only rights", () => {
  const role = (guid: string) =>
    `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${guid}`;
  const TARGET = `/subscriptions/${SUB}/resourceGroups/zerocred-dev`;

  it("trusts exactly repo:<org>/<repo>:pull_request, and the deployer does not", () => {
    const fics = resources.filter(
      (r) => r.type === "azure-native:managedidentity:FederatedIdentityCredential",
    );
    const subjectsOf = (prefix: string) =>
      fics.filter((r) => r.name.startsWith(prefix)).map((r) => r.inputs.subject);
    expect(subjectsOf("previewer-")).toEqual(["repo:contoso/zerocred:pull_request"]);
    expect(subjectsOf("deployer-")).not.toContain("repo:contoso/zerocred:pull_request");
    expect(named(resources, "previewer-identity-identity").inputs).toMatchObject({
      resourceGroupName: "zerocred-cicd",
      resourceName: "zerocred-previewer",
    });
  });

  it("holds only Reader, Cluster User, AKS RBAC Reader, state read and key decrypt", () => {
    const previewerId = named(resources, "previewer-identity-identity").outputs.principalId;
    const mine = resources.filter(
      (r) =>
        r.type === "azure-native:authorization:RoleAssignment" &&
        r.inputs.principalId === previewerId,
    );
    expect(mine.map((r) => [r.name, r.inputs.roleDefinitionId, r.inputs.scope]).sort()).toEqual(
      [
        [
          "previewer-cluster-reader-assignment",
          role("7f6c6a51-bcf8-42ba-9220-52d62157d7db"),
          TARGET,
        ],
        ["previewer-cluster-user-assignment", role("4abbcc35-e782-43d8-92c5-2d3f1bd2253f"), TARGET],
        ["previewer-reader-assignment", role("acdd72a7-3385-48ef-bd42-f606fba81ae7"), TARGET],
        [
          "previewer-secrets-key-assignment",
          role("12338af0-0e69-4776-bea7-57ae8d297424"),
          named(resources, "state-key").id,
        ],
        [
          "previewer-state-assignment",
          role("2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"),
          named(resources, "state-container").id,
        ],
      ].sort(),
    );
    for (const r of mine) {
      expect(r.inputs.principalType).toBe("ServicePrincipal");
      expect(r.inputs.condition).toBeUndefined();
    }
  });

  it("github.pullRequests: false creates no previewer", () => {
    const s = program.parseBootstrapConfig({
      github: { organization: "contoso", repository: "zerocred", pullRequests: false },
    });
    expect(s.pullRequests).toBe(false);
  });
});

describe("AKS data-plane access is granted ahead of time (issue 10 item 3)", () => {
  it("the operator gets AKS RBAC Cluster Admin on the target group, before any cluster exists", () => {
    expect(named(resources, "operator-cluster-admin-assignment").inputs).toMatchObject({
      scope: `/subscriptions/${SUB}/resourceGroups/zerocred-dev`,
      principalId: OPERATOR,
      principalType: "User",
      roleDefinitionId: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b`,
    });
    expect(named(resources, "deployer-cluster-admin-assignment").inputs.scope).toBe(
      `/subscriptions/${SUB}/resourceGroups/zerocred-dev`,
    );
  });
});
