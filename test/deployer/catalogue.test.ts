/**
 * The deployer catalogue: each entry is a modified copy of a committed workflow and/or of the bootstrap
 * config (or, where bootstrap/ offers no setting, of what bootstrap/ declares), run through the whole CI
 * chain, and must fail with exactly its own cause and fix. The committed workflows with the committed
 * bootstrap example must pass.
 *
 * One bootstrap evaluation, one Entra emulator and one stack evaluation per distinct config are shared.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { newCiCache, runCiChain, type CiCache, type CiFinding } from "../../sim/deployer/chain";
import {
  DEFAULT_BOOTSTRAP_CONFIG,
  evaluateBootstrap,
  type BootstrapWorld,
} from "../../sim/deployer/bootstrap";
import { startExchanger, type TokenExchanger } from "../../sim/deployer/exchange";
import { jobsWithoutReplaceUnready } from "../../sim/deployer/kubernetes";

const ROOT = path.resolve(__dirname, "..", "..");
const WORKFLOWS = path.join(ROOT, ".github", "workflows");
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), "zerocred-deployer-catalogue-"));

const base: CiCache = newCiCache();
const exchangers: Promise<TokenExchanger>[] = [];
const baseWorld = (): Promise<BootstrapWorld> => (base.bootstrap ??= evaluateBootstrap());
const baseExchanger = (): Promise<TokenExchanger> => {
  if (base.exchanger === undefined) {
    base.exchanger = baseWorld().then((w) =>
      startExchanger(w.tenantId, w.identities, w.credentials),
    );
    exchangers.push(base.exchanger);
  }
  return base.exchanger;
};

afterAll(async () => {
  for (const e of exchangers) {
    await (await e).close();
  }
  fs.rmSync(TMP, { recursive: true, force: true });
});

/** Replaces `from` with `to` in `text`; throws when `from` is absent (the entry must not go stale). */
function edit(text: string, from: string | RegExp, to: string): string {
  const next = text.replace(from, to);
  if (next === text) {
    throw new Error(`catalogue entry is stale: ${String(from)} not found`);
  }
  return next;
}

function workflow(name: string, ...edits: [string | RegExp, string][]): string {
  let text = fs.readFileSync(path.join(WORKFLOWS, `${name}.yml`), "utf8");
  for (const [from, to] of edits) {
    text = edit(text, from, to);
  }
  const file = path.join(TMP, `${name}-${Math.random().toString(36).slice(2)}.yml`);
  fs.writeFileSync(file, text);
  return file;
}

function bootstrapConfig(...edits: [string | RegExp, string][]): string {
  let text = fs.readFileSync(DEFAULT_BOOTSTRAP_CONFIG, "utf8");
  for (const [from, to] of edits) {
    text = edit(text, from, to);
  }
  const file = path.join(TMP, `Pulumi.${Math.random().toString(36).slice(2)}.yaml`);
  fs.writeFileSync(file, text);
  return file;
}

/** A cache whose bootstrap world is the base one transformed (a bootstrap/ change with no setting). */
function transformed(f: (w: BootstrapWorld) => BootstrapWorld): CiCache {
  return {
    bootstrap: baseWorld().then(f),
    stacks: base.stacks,
    stackConfigs: new Map(),
    exchanger: baseExchanger(),
  };
}

function fromConfig(file: string): CiCache {
  const bootstrap = evaluateBootstrap(file);
  const cache: CiCache = { bootstrap, stacks: base.stacks, stackConfigs: new Map() };
  cache.exchanger = bootstrap.then((w) => startExchanger(w.tenantId, w.identities, w.credentials));
  exchangers.push(cache.exchanger);
  return cache;
}

async function findings(file: string, cache?: CiCache): Promise<CiFinding[]> {
  if (cache === undefined) {
    await baseExchanger();
  }
  return (await runCiChain(file, { cache: cache ?? base })).findings;
}

/**
 * Findings the committed workflows themselves have (none once every fix has landed): an entry must add
 * exactly its own cause to them.
 */
let baseline: Promise<Set<string>> | undefined;
const baselineKeys = (): Promise<Set<string>> =>
  (baseline ??= Promise.all(
    ["main", "pr", "destroy"].map((w) => findings(path.join(WORKFLOWS, `${w}.yml`))),
  ).then((all) => new Set(all.flat().map((f) => `${f.code}|${f.message}`))));

/** Exactly one cause beyond the baseline, with Azure's / the tool's message and the fix. */
async function expectOnly(
  all: CiFinding[],
  code: string,
  message: string | RegExp,
  fix: string | RegExp,
): Promise<void> {
  const known = await baselineKeys();
  const found = all.filter((f) => !known.has(`${f.code}|${f.message}`));
  expect([...new Set(found.map((f) => f.code))]).toEqual([code]);
  const f = found[0]!;
  expect(f.message).toMatch(message);
  expect(f.fix).toMatch(fix);
}

const DEPLOY_ENV = "    environment: ${{ vars.PULUMI_STACK || 'dev' }}\n";

describe("the committed workflows with the bootstrap example", () => {
  it.each(["main", "pr", "destroy"])("%s passes the chain", async (name) => {
    expect(await findings(path.join(WORKFLOWS, `${name}.yml`))).toEqual([]);
  });
});

describe("deployer catalogue: each miswiring fails with its cause and fix", () => {
  it("1. push from a branch the deployer does not trust (subject for the wrong branch)", async () => {
    const file = workflow("main", ["branches: [main]", "branches: [release]"], [DEPLOY_ENV, ""]);
    await expectOnly(
      await findings(file),
      "OIDC-EXCHANGE-FAILED",
      /push to release: Entra rejects deploy's token \(sub repo:my-org\/zerocred:ref:refs\/heads\/release\).*AADSTS700213: No matching federated identity record found for presented assertion subject 'repo:my-org\/zerocred:ref:refs\/heads\/release'/,
      'Add "release" to zerocred-bootstrap:github.branches',
    );
  });

  it("2. the job's environment is not federated (bootstrap without the environment)", async () => {
    const cfg = bootstrapConfig([/environments: \[dev\]/, "environments: []"]);
    await expectOnly(
      await findings(path.join(WORKFLOWS, "main.yml"), fromConfig(cfg)),
      "OIDC-EXCHANGE-FAILED",
      /AADSTS700213: .*'repo:my-org\/zerocred:environment:dev'.* The identity trusts only: repo:my-org\/zerocred:ref:refs\/heads\/main\./,
      'Add "dev" to zerocred-bootstrap:github.environments',
    );
  });

  it("3. id-token: write missing — a job-level block replaces the workflow's", async () => {
    const file = workflow(
      "main",
      ["permissions:\n  contents: read\n", "permissions:\n  contents: read\n  id-token: write\n"],
      [/\n\s+id-token: write # GitHub OIDC token[^\n]*/, ""],
    );
    await expectOnly(
      await findings(file),
      "GH-ID-TOKEN-MISSING",
      "the job's permissions block does not grant id-token: write",
      "a job-level block replaces the workflow's",
    );
  });

  it("4. the PR preview signs in with the write identity", async () => {
    const file = workflow("pr", [/vars\.AZURE_PREVIEW_CLIENT_ID \}\}/g, "vars.AZURE_CLIENT_ID }}"]);
    await expectOnly(
      await findings(file),
      "PR-WRITE-IDENTITY",
      /signs in as zerocred-deployer, the identity with write rights \(Contributor @ .*AADSTS700213/,
      "read-only previewer",
    );
  });

  it("5a. kubelogin v0.1.3 without an authority host (an empty variable overrides the kubeconfig flag)", async () => {
    const file = workflow("main", [
      /AZURE_AUTHORITY_HOST: https:\/\/login\.microsoftonline\.com\//,
      "AZURE_AUTHORITY_HOST: ${{ vars.AZURE_AUTHORITY_HOST }}",
    ]);
    await expectOnly(
      await findings(file),
      "KUBELOGIN-FAILS",
      "kubelogin v0.1.3 -l workloadidentity: authorityHost cannot be empty",
      "AZURE_AUTHORITY_HOST: https://login.microsoftonline.com/",
    );
  });

  it("5b. an authority host without its trailing slash", async () => {
    const file = workflow("main", [
      /AZURE_AUTHORITY_HOST: https:\/\/login\.microsoftonline\.com\//,
      "AZURE_AUTHORITY_HOST: https://login.microsoftonline.com",
    ]);
    await expectOnly(await findings(file), "KUBELOGIN-FAILS", /has no trailing "\/"/, "trailing");
  });

  it("6. the policy pack config is not passed", async () => {
    const file = workflow("main", [
      /pulumi up (.*) --policy-pack-config "policies\/config\.\$\{PULUMI_STACK\}\.json"/,
      "pulumi up $1",
    ]);
    await expectOnly(
      await findings(file),
      "POLICY-GATE",
      /pulumi up --policy-pack policies \(no --policy-pack-config\) fails: \[mandatory\] keyvault-enables-purge-protection/,
      "Pass --policy-pack-config",
    );
  });

  it("7. the deployer lacks a role for a resource type (bootstrap/ without Contributor)", async () => {
    const cache = transformed((w) => ({
      ...w,
      roleAssignments: w.roleAssignments.map((a) =>
        a.name === "deployer-contributor-assignment"
          ? {
              ...a,
              roleDefinitionId: a.roleDefinitionId.replace(
                /[0-9a-f-]{36}$/,
                "4d97b98b-1d4f-4787-a291-c67834d212e7",
              ),
            }
          : a,
      ),
    }));
    await expectOnly(
      await findings(path.join(WORKFLOWS, "main.yml"), cache),
      "ARM-AUTHORIZATION-FAILED",
      /pulumi up fails at aks-control-plane \(azure-native:managedidentity:UserAssignedIdentity\): AuthorizationFailed: The client '[0-9a-f-]+' with object id '[0-9a-f-]+' does not have authorization to perform action 'Microsoft\.ManagedIdentity\/userAssignedIdentities\/write' over scope/,
      /Grant zerocred-deployer a role with 'Microsoft\.ManagedIdentity\/userAssignedIdentities\/write'/,
    );
  });

  it("8. the ABAC condition forbids a role the stack assigns (assignableRoles without Secrets User)", async () => {
    const cfg = bootstrapConfig([
      "  zerocred-bootstrap:stateBackend: true\n",
      '  zerocred-bootstrap:stateBackend: true\n  zerocred-bootstrap:assignableRoles: ["Key Vault Secrets Officer", "Azure Kubernetes Service RBAC Cluster Admin", "Network Contributor"]\n',
    ]);
    await expectOnly(
      await findings(path.join(WORKFLOWS, "main.yml"), fromConfig(cfg)),
      "ARM-ABAC-FORBIDS",
      /AuthorizationFailed: .*'Microsoft\.Authorization\/roleAssignments\/write'/,
      /ABAC condition on the grant does not allow role 4633458b-17de-408a-b874-0445c86b69e6.*assignableRoles/,
    );
  });

  it("9. the deployer's AKS RBAC role is not propagated before the first Kubernetes write", async () => {
    // bootstrap/ without the ahead-of-time cluster role: only the stack's own assignment remains.
    const cache = transformed((w) => ({
      ...w,
      roleAssignments: w.roleAssignments.filter(
        (a) => !a.roleDefinitionId.endsWith("b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b"),
      ),
    }));
    // …and the workflow no longer says the role is preassigned, so the stack assigns it in the same run.
    const file = workflow("main", [
      "          pulumi config set --path 'zerocred:deployer.clusterAdmin' preassigned\n",
      "",
    ]);
    const found = await findings(file, cache);
    await expectOnly(
      found,
      "K8S-FORBIDDEN",
      /pulumi up fails at wl-orders-namespace \(Namespace\) with 403: namespaces "shop" is forbidden: User "[0-9a-f-]+" cannot patch resource "namespaces" in API group "" at the cluster scope\. The granting assignment aks-deployer-admin-assignment \(made by this pulumi up\) exists but has not propagated/,
      "ahead of time",
    );
  });

  it("10. a verification Job without pulumi.com/replaceUnready", async () => {
    const stack = await [...base.stacks.values()][0]!;
    const job = stack.resources.find((r) => r.type === "kubernetes:batch/v1:Job")!;
    const md = job.inputs.metadata as Record<string, unknown>;
    const stripped = {
      ...job,
      inputs: { ...job.inputs, metadata: { ...md, annotations: {} } },
      outputs: {},
    };
    const f = jobsWithoutReplaceUnready([stripped]);
    expect(f.map((x) => x.code)).toEqual(["K8S-JOB-NOT-REPLACED"]);
    expect(f[0]!.message).toContain("waits on the same failed Job");
    expect(f[0]!.fix).toContain('pulumi.com/replaceUnready: "true"');
  });

  it("11. a resource provider the bootstrap procedure does not register", async () => {
    const cache = transformed((w) => ({
      ...w,
      registeredProviders: w.registeredProviders.filter((p) => p !== "microsoft.containerservice"),
    }));
    await expectOnly(
      await findings(path.join(WORKFLOWS, "main.yml"), cache),
      "ARM-PROVIDER-UNREGISTERED",
      "MissingSubscriptionRegistration: The subscription is not registered to use namespace 'Microsoft.ContainerService'. See https://aka.ms/rps-not-found for how to register subscriptions.",
      "az provider register --namespace Microsoft.ContainerService",
    );
  });

  it("12. the stack creates its own resource group, which the deployer cannot", async () => {
    const file = workflow("main", [
      "pulumi config set --path 'zerocred:deployer.kubeloginMode' workloadidentity\n",
      "pulumi config set --path 'zerocred:deployer.kubeloginMode' workloadidentity\n          pulumi config rm zerocred:resourceGroupName\n",
    ]);
    await expectOnly(
      await findings(file),
      "ARM-RESOURCE-GROUP",
      /fails at rg \(azure-native:resources:ResourceGroup\): AuthorizationFailed: .*'Microsoft\.Resources\/subscriptions\/resourceGroups\/write' over scope '\/subscriptions\/[0-9a-f-]+\/resourceGroups\/zc-dev-rg'/,
      "Set zerocred:resourceGroupName to that group",
    );
  });

  it("13. an action not pinned by full commit SHA", async () => {
    const file = workflow("main", [/actions\/checkout@[0-9a-f]{40}/g, "actions/checkout@v4"]);
    const known = await baselineKeys();
    const found = (await findings(file)).filter((f) => !known.has(`${f.code}|${f.message}`));
    expect([...new Set(found.map((f) => f.code))]).toEqual(["GH-UNPINNED-ACTION"]);
    expect(found.map((f) => f.job)).toEqual(["checks", "deploy"]);
    expect(found[0]!.fix).toContain("actions/checkout@<40-hex commit SHA>");
  });

  it("14. a tag push the deployer does not trust", async () => {
    const file = workflow("main", ["branches: [main]", "tags: [v1.0.0]"], [DEPLOY_ENV, ""]);
    const known = await baselineKeys();
    const found = (await findings(file)).filter((f) => !known.has(`${f.code}|${f.message}`));
    expect([...new Set(found.map((f) => f.code))]).toEqual(["OIDC-EXCHANGE-FAILED"]);
    expect(found[0]!.message).toContain("'repo:my-org/zerocred:ref:refs/tags/v1.0.0'");
  });

  it("15. a kubelogin version the requirement table does not model", async () => {
    const file = workflow("main", ["kubelogin-version: v0.1.3", "kubelogin-version: v0.2.0"]);
    await expectOnly(
      await findings(file),
      "KUBELOGIN-FAILS",
      "kubelogin v0.2.0 is pinned",
      "Pin kubelogin-version: v0.1.3",
    );
  });

  it("16. the deployer signs in with a stored secret", async () => {
    const file = workflow("main", [
      "          subscription-id: ${{ vars.AZURE_SUBSCRIPTION_ID }}\n      - name: Pulumi state login",
      "          subscription-id: ${{ vars.AZURE_SUBSCRIPTION_ID }}\n          creds: ${{ secrets.AZURE_CREDENTIALS }}\n      - name: Pulumi state login",
    ]);
    await expectOnly(await findings(file), "GH-STORED-SECRET", "stored secret", "uses OIDC");
  });

  it("17. azure-native signs in as another identity than azure/login (ARM_CLIENT_ID of the previewer)", async () => {
    const file = workflow("main", [
      "      ARM_CLIENT_ID: ${{ vars.AZURE_CLIENT_ID }}",
      "      ARM_CLIENT_ID: ${{ vars.AZURE_PREVIEW_CLIENT_ID }}",
    ]);
    await expectOnly(
      await findings(file),
      "OIDC-EXCHANGE-FAILED",
      /azure-native \(ARM_CLIENT_ID\) signs in as client [0-9a-f-]+ with sub repo:my-org\/zerocred:environment:dev, and Entra rejects it: AADSTS700213/,
      "the same client id as azure/login",
    );
  });

  it("18. a trigger whose OIDC subject is not modelled is reported, never passed silently", async () => {
    const file = workflow("main", [
      "  workflow_dispatch:\n",
      "  workflow_dispatch:\n  pull_request_target:\n",
    ]);
    const found = await findings(file);
    expect(found.map((f) => f.code)).toContain("GH-TRIGGER-UNMODELLED");
    expect(found.find((f) => f.code === "GH-TRIGGER-UNMODELLED")!.message).toContain(
      "on: pull_request_target starts jobs that sign in to Azure (deploy)",
    );
  });

  it("19. azure/login asks for another audience", async () => {
    const file = workflow("main", [
      "          subscription-id: ${{ vars.AZURE_SUBSCRIPTION_ID }}\n      - name: Pulumi state login",
      "          subscription-id: ${{ vars.AZURE_SUBSCRIPTION_ID }}\n          audience: api://custom\n      - name: Pulumi state login",
    ]);
    await expectOnly(
      await findings(file),
      "OIDC-EXCHANGE-FAILED",
      "AADSTS700212: No matching federated identity record found for presented assertion audience 'api://custom'",
      "Remove azure/login's audience input",
    );
  });

  it("20. an environment name that differs only in case", async () => {
    const file = workflow("main", [DEPLOY_ENV, "    environment: Dev\n"]);
    await expectOnly(
      await findings(file),
      "OIDC-EXCHANGE-FAILED",
      /AADSTS7002138: .*'repo:my-org\/zerocred:environment:Dev'.*case-insensitive comparison, but not with case-sensitive/,
      "Match the case exactly",
    );
  });
});
