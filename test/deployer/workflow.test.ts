/**
 * The workflow reader: GitHub's permission rules, the pulumi invocations and their flags as the shell
 * passes them, config sets, the kubelogin pin, SHA pinning, and the OIDC subject per trigger.
 */
import { describe, expect, it } from "vitest";
import { interpolate } from "../../sim/deployer/expressions";
import {
  jobEnvironment,
  runContext,
  subjectFor,
  unmodelledEvents,
  workflowRuns,
} from "../../sim/deployer/oidc";
import { isPinned, readWorkflow, shellCommands, WorkflowError } from "../../sim/deployer/workflow";

const SHA = "11bd71901bbe5b1630ceea73d27597364c9af683";

function wf(body: string) {
  return readWorkflow(body, "test.yml");
}

describe("permissions (job-level replaces workflow-level)", () => {
  it("a job without its own block inherits the workflow's id-token: write", () => {
    const w = wf(`on: push
permissions: { id-token: write, contents: read }
jobs: { a: { runs-on: x, steps: [] } }`);
    expect(w.jobs[0]!.idTokenWrite).toBe(true);
    expect(w.jobs[0]!.permissionsFrom).toBe("workflow");
  });
  it("a job-level block without id-token drops the workflow's id-token: write", () => {
    const w = wf(`on: push
permissions: { id-token: write, contents: read }
jobs: { a: { runs-on: x, permissions: { contents: read }, steps: [] } }`);
    expect(w.jobs[0]!.idTokenWrite).toBe(false);
    expect(w.jobs[0]!.permissions["id-token"]).toBe("none");
  });
  it("no permissions anywhere: the repository default, where id-token is none", () => {
    expect(wf(`on: push\njobs: { a: { runs-on: x, steps: [] } }`).jobs[0]!.idTokenWrite).toBe(
      false,
    );
  });
  it("read-all leaves id-token at none; write-all grants it", () => {
    expect(
      wf(`on: push\npermissions: read-all\njobs: { a: { steps: [] } }`).jobs[0]!.idTokenWrite,
    ).toBe(false);
    expect(
      wf(`on: push\npermissions: write-all\njobs: { a: { steps: [] } }`).jobs[0]!.idTokenWrite,
    ).toBe(true);
  });
});

describe("pulumi invocations", () => {
  const w = wf(`on: push
jobs:
  d:
    env: { PULUMI_STACK: dev }
    steps:
      - name: up
        run: |
          set +e
          pulumi up --stack "$PULUMI_STACK" --policy-pack policies \\
            --policy-pack-config "policies/config.\${PULUMI_STACK}.json" --yes > out.txt 2>&1
          pulumi preview -s dev --policy-pack=policies --expect-no-changes
          pulumi config set --path 'zerocred:deployer.principalType' ServicePrincipal
          pulumi config set zerocred:resourceGroupName "$RG" --stack dev
          kubelogin convert-kubeconfig -l workloadidentity --kubeconfig "$KUBECONFIG"
`);
  const job = w.jobs[0]!;
  it("reads commands across line continuations, with quotes removed and redirections dropped", () => {
    expect(job.pulumi.map((p) => p.command)).toEqual(["up", "preview"]);
    expect(job.pulumi[0]!.stack).toBe("$PULUMI_STACK");
    expect(job.pulumi[0]!.policyPacks).toEqual(["policies"]);
    expect(job.pulumi[0]!.policyPackConfigs).toEqual(["policies/config.${PULUMI_STACK}.json"]);
    expect(job.pulumi[0]!.args).not.toContain("out.txt");
    expect(job.pulumi[1]!).toMatchObject({
      stack: "dev",
      policyPacks: ["policies"],
      policyPackConfigs: [],
      expectNoChanges: true,
    });
  });
  it("reads config sets (with --path, and a --stack flag that is not the value)", () => {
    expect(job.configSets.map((c) => [c.key, c.value, c.path])).toEqual([
      ["zerocred:deployer.principalType", "ServicePrincipal", true],
      ["zerocred:resourceGroupName", "$RG", false],
    ]);
  });
  it("reads kubelogin calls outside pulumi", () => {
    expect(job.kubeloginModes.map((k) => k.mode)).toEqual(["workloadidentity"]);
  });
  it("splits on ; && || and keeps quoted separators", () => {
    expect(shellCommands(`a "x;y" && b || c; d 'e f'`)).toEqual([
      ["a", "x;y"],
      ["b"],
      ["c"],
      ["d", "e f"],
    ]);
  });
});

describe("actions", () => {
  it("only a 40-hex SHA (or a local action / digest image) is pinned", () => {
    expect(isPinned(`actions/checkout@${SHA}`)).toBe(true);
    expect(isPinned("actions/checkout@v4")).toBe(false);
    expect(isPinned(`actions/checkout@${SHA.slice(0, 39)}`)).toBe(false);
    expect(isPinned("./.github/actions/x")).toBe(true);
    expect(isPinned("docker://alpine:3")).toBe(false);
  });
  it("reads the azure/login inputs, the kubelogin pin and unpinned steps", () => {
    const w = wf(`on: push
jobs:
  d:
    steps:
      - uses: azure/use-kubelogin@${SHA}
        with: { kubelogin-version: v0.1.3 }
      - uses: azure/login@v2
        with: { client-id: "\${{ vars.AZURE_CLIENT_ID }}", creds: x }
`);
    expect(w.jobs[0]!.kubelogin?.version).toBe("v0.1.3");
    expect(w.jobs[0]!.azureLogins[0]).toMatchObject({
      clientId: "${{ vars.AZURE_CLIENT_ID }}",
      usesSecret: true,
    });
    expect(w.unpinned).toEqual([{ job: "d", step: "azure/login", uses: "azure/login@v2" }]);
  });
  it("rejects a file that is not a workflow, naming it", () => {
    expect(() => wf("name: x")).toThrow(WorkflowError);
    expect(() => wf("on: [")).toThrow(/^test\.yml: not valid YAML/);
  });
});

describe("GitHub OIDC subjects (docs.github.com, OpenID Connect reference, example subject claims)", () => {
  const w = wf(`on:
  push: { branches: [main, "release/*"], tags: [v1] }
  pull_request: { branches: [main] }
  workflow_dispatch: { inputs: { stack: { type: choice, options: [dev, prod] } } }
jobs: { a: { environment: "\${{ inputs.stack || 'dev' }}", steps: [] }, b: { steps: [] } }`);
  const runs = workflowRuns(w);
  it("enumerates the runs: literal branches, tags, pull_request, dispatch (globs are not guessed)", () => {
    expect(runs.map((r) => `${r.event} ${r.ref}`)).toEqual([
      "push refs/heads/main",
      "push refs/tags/v1",
      "pull_request refs/pull/1/merge",
      "workflow_dispatch refs/heads/main",
    ]);
  });
  it("golden subjects per event, environment taking precedence", () => {
    const repo = "Contoso/zero-cred";
    expect(runs.map((r) => subjectFor(repo, r))).toEqual([
      "repo:Contoso/zero-cred:ref:refs/heads/main",
      "repo:Contoso/zero-cred:ref:refs/tags/v1",
      "repo:Contoso/zero-cred:pull_request",
      "repo:Contoso/zero-cred:ref:refs/heads/main",
    ]);
    expect(subjectFor(repo, runs[2]!, "prod")).toBe("repo:Contoso/zero-cred:environment:prod");
  });
  it("evaluates the job's environment: dispatch input default (first option), vars with || fallback", () => {
    const dispatch = runContext(w, runs[3]!, "o/r", {});
    expect(jobEnvironment(w.jobs[0]!, dispatch)).toBe("dev");
    expect(jobEnvironment(w.jobs[1]!, dispatch)).toBeUndefined();
    expect(
      interpolate("${{ vars.PULUMI_STACK || 'dev' }}", { vars: { PULUMI_STACK: "prod" } }),
    ).toBe("prod");
    expect(interpolate("${{ vars.PULUMI_STACK || 'dev' }}", { vars: {} })).toBe("dev");
    expect(interpolate("${{ fromJSON(x) }}", { vars: {} })).toBeUndefined();
  });
  it("schedule runs on the default branch; other events are listed as not modelled", () => {
    const w2 = wf(`on: { schedule: [{ cron: "0 3 * * *" }], pull_request_target: {}, release: {} }
jobs: { a: { steps: [] } }`);
    expect(workflowRuns(w2).map((r) => subjectFor("o/r", r))).toEqual([
      "repo:o/r:ref:refs/heads/main",
    ]);
    expect(unmodelledEvents(w2)).toEqual(["pull_request_target", "release"]);
  });
  it("a secrets.<name> reference reads the id the bootstrap printed as a variable", () => {
    expect(interpolate("${{ secrets.AZURE_CLIENT_ID }}", { vars: { AZURE_CLIENT_ID: "c" } })).toBe(
      "c",
    );
  });
});
