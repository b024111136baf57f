/**
 * The GitHub workflows: schema-valid (action-validator, SchemaStore schemas) and the security properties
 * zerocred promises — SHA-pinned actions, no stored Azure credential, least permissions, OIDC only where
 * a job signs in, no persisted git credentials, per-stack concurrency.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { validateWorkflow } from "@action-validator/core";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const ROOT = path.resolve(__dirname, "..", "..");
const DIR = path.join(ROOT, ".github", "workflows");
const FILES = ["destroy.yml", "main.yml", "pr.yml"];

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  id?: string;
  if?: string;
  with?: Record<string, unknown>;
  env?: Record<string, unknown>;
}
interface Job {
  "runs-on": string;
  if?: string;
  needs?: string | string[];
  environment?: string;
  permissions?: Record<string, string>;
  concurrency?: { group: string; "cancel-in-progress"?: boolean };
  env?: Record<string, string>;
  steps: Step[];
}
interface Workflow {
  name: string;
  on: Record<string, unknown>;
  permissions: Record<string, string>;
  concurrency: { group: string; "cancel-in-progress": boolean };
  jobs: Record<string, Job>;
}

const sources = Object.fromEntries(
  FILES.map((f) => [f, fs.readFileSync(path.join(DIR, f), "utf8")]),
) as Record<string, string>;
const workflows = Object.fromEntries(
  FILES.map((f) => [f, parse(sources[f]) as Workflow]),
) as Record<string, Workflow>;

const allJobs = FILES.flatMap((f) =>
  Object.entries(workflows[f].jobs).map(([id, job]) => ({ file: f, id, job })),
);
const signsIn = (job: Job) => job.steps.some((s) => s.uses?.startsWith("azure/login@"));
const comments = (job: Job) => job.steps.some((s) => s.run?.includes("gh pr comment"));
const runText = (job: Job) => job.steps.map((s) => s.run ?? "").join("\n");

describe("workflow files", () => {
  it("are exactly pr.yml, main.yml and destroy.yml", () => {
    expect(fs.readdirSync(DIR).sort()).toEqual(FILES);
  });

  it.each(FILES)("%s passes action-validator (workflow JSON schema)", (file) => {
    const state = validateWorkflow(sources[file]);
    expect(state.actionType).toBe("workflow");
    expect(state.errors).toEqual([]);
  });

  it("action-validator rejects a broken workflow (the check is live)", () => {
    const state = validateWorkflow("on: push\njobs:\n  x:\n    steps: 3\n");
    expect(state.errors.length).toBeGreaterThan(0);
  });
});

describe("supply chain: every action is pinned by full commit SHA", () => {
  const uses = FILES.flatMap((f) =>
    sources[f]
      .split("\n")
      .filter((l) => /^\s*(?:-\s+)?uses:/.test(l))
      .map((line) => ({ file: f, line: line.trim() })),
  );

  it("uses at least the expected actions", () => {
    const actions = new Set(uses.map((u) => u.line.replace(/^-?\s*uses:\s*/, "").split("@")[0]));
    expect([...actions].sort()).toEqual([
      "actions/checkout",
      "actions/setup-node",
      "azure/login",
      "azure/use-kubelogin",
      "pulumi/actions",
    ]);
  });

  it.each(uses.map((u) => [u.file, u.line]))("%s: %s", (_file, line) => {
    expect(line).toMatch(/^(?:-\s+)?uses:\s+[\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+(\.\d+){0,2}$/);
  });

  it("pins each action to one SHA and version everywhere", () => {
    const byAction = new Map<string, Set<string>>();
    for (const u of uses) {
      const ref = u.line.replace(/^-?\s*uses:\s*/, "");
      const action = ref.split("@")[0];
      byAction.set(action, new Set([...(byAction.get(action) ?? []), ref]));
    }
    for (const [action, refs] of byAction) {
      expect({ action, refs: [...refs] }).toEqual({ action, refs: [[...refs][0]] });
    }
  });
});

describe("no stored credentials", () => {
  it.each(FILES)("%s reads no secrets at all (OIDC + repository variables only)", (file) => {
    expect(sources[file]).not.toMatch(/secrets\./);
    expect(sources[file]).not.toMatch(
      /client-secret|CLIENT_SECRET|creds:|AZURE_STORAGE_KEY|SAS_TOKEN/,
    );
    expect(sources[file]).not.toMatch(/PULUMI_ACCESS_TOKEN|PULUMI_CONFIG_PASSPHRASE/);
  });

  it.each(allJobs.filter((j) => signsIn(j.job)).map((j) => [`${j.file}:${j.id}`, j.job]))(
    "%s logs in with azure/login OIDC from repository variables",
    (name, job) => {
      // PR previews sign in as the read-only previewer (test/cicd/ci-chain.test.ts).
      const id = name === "pr.yml:preview" ? "AZURE_PREVIEW_CLIENT_ID" : "AZURE_CLIENT_ID";
      const login = (job as Job).steps.find((s) => s.uses?.startsWith("azure/login@"));
      expect(login?.with).toEqual({
        "client-id": `\${{ vars.${id} }}`,
        "tenant-id": "${{ vars.AZURE_TENANT_ID }}",
        "subscription-id": "${{ vars.AZURE_SUBSCRIPTION_ID }}",
      });
      expect((job as Job).env).toMatchObject({
        ARM_USE_OIDC: "true",
        ARM_CLIENT_ID: `\${{ vars.${id} }}`,
        ARM_TENANT_ID: "${{ vars.AZURE_TENANT_ID }}",
        ARM_SUBSCRIPTION_ID: "${{ vars.AZURE_SUBSCRIPTION_ID }}",
        AZURE_CLIENT_ID: `\${{ vars.${id} }}`,
        AZURE_TENANT_ID: "${{ vars.AZURE_TENANT_ID }}",
        AZURE_STORAGE_ACCOUNT: "${{ vars.PULUMI_STATE_STORAGE_ACCOUNT }}",
      });
    },
  );
});

describe("least permissions", () => {
  it.each(FILES)("%s: top-level permissions are contents: read only", (file) => {
    expect(workflows[file].permissions).toEqual({ contents: "read" });
  });

  it.each(allJobs.map((j) => [`${j.file}:${j.id}`, j.job]))(
    "%s: id-token: write iff the job signs in; pull-requests: write iff it comments",
    (_name, j) => {
      const job = j as Job;
      const expected: Record<string, string> = { contents: "read" };
      if (signsIn(job)) {
        expected["id-token"] = "write";
      }
      if (comments(job)) {
        expected["pull-requests"] = "write";
      }
      if (!signsIn(job) && !comments(job)) {
        expect(job.permissions).toBeUndefined();
      } else {
        expect(job.permissions).toEqual(expected);
      }
    },
  );

  it("only the PR preview job comments on the PR", () => {
    expect(allJobs.filter((j) => comments(j.job)).map((j) => `${j.file}:${j.id}`)).toEqual([
      "pr.yml:preview",
    ]);
  });

  it.each(allJobs.map((j) => [`${j.file}:${j.id}`, j.job]))(
    "%s: every checkout has persist-credentials: false",
    (_name, j) => {
      const checkouts = (j as Job).steps.filter((s) => s.uses?.startsWith("actions/checkout@"));
      expect(checkouts.length).toBe(1);
      for (const c of checkouts) {
        expect(c.with?.["persist-credentials"]).toBe(false);
      }
    },
  );

  it("the PR preview never runs for fork PRs or an unconfigured repository", () => {
    expect(workflows["pr.yml"].jobs.preview.if).toBe(
      "vars.AZURE_PREVIEW_CLIENT_ID != '' && github.event.pull_request.head.repo.full_name == github.repository",
    );
  });

  it("deploy and destroy jobs run in the stack's GitHub environment (subject environment:<stack>)", () => {
    expect(workflows["main.yml"].jobs.deploy.environment).toBe("${{ vars.PULUMI_STACK || 'dev' }}");
    expect(workflows["destroy.yml"].jobs.destroy.environment).toBe("${{ inputs.stack }}");
    // The PR job must NOT use an environment: its token subject is then repo:<org>/<repo>:pull_request.
    expect(workflows["pr.yml"].jobs.preview.environment).toBeUndefined();
  });
});

describe("concurrency per stack", () => {
  it.each(FILES)("%s sets a concurrency group", (file) => {
    expect(workflows[file].concurrency.group).toMatch(/\S/);
  });

  it("main and destroy share the stack's group and never cancel a running update", () => {
    expect(workflows["main.yml"].concurrency).toEqual({
      group: "pulumi-${{ vars.PULUMI_STACK || 'dev' }}",
      "cancel-in-progress": false,
    });
    expect(workflows["destroy.yml"].concurrency).toEqual({
      group: "pulumi-${{ inputs.stack }}",
      "cancel-in-progress": false,
    });
  });

  it("the PR preview is grouped per stack and PR", () => {
    expect(workflows["pr.yml"].jobs.preview.concurrency).toEqual({
      group:
        "pulumi-preview-${{ vars.PULUMI_STACK || 'dev' }}-pr-${{ github.event.pull_request.number }}",
      "cancel-in-progress": true,
    });
  });
});

describe("what each pipeline does", () => {
  it.each(["pr.yml", "main.yml"])(
    "%s: offline checks run npm ci, typecheck, lint, test, start",
    (file) => {
      const runs = workflows[file].jobs.checks.steps.map((s) => s.run).filter(Boolean);
      expect(runs).toEqual([
        "npm ci --no-audit --no-fund",
        "npm run typecheck",
        "npm run lint",
        "npm test",
        "npm start",
      ]);
      expect(workflows[file].jobs.checks.permissions).toBeUndefined();
    },
  );

  it.each(allJobs.filter((j) => signsIn(j.job)).map((j) => [`${j.file}:${j.id}`, j.job]))(
    "%s installs kubelogin, logs in to the azblob backend and sets kubeloginMode workloadidentity",
    (_name, j) => {
      const job = j as Job;
      expect(job.steps.some((s) => s.uses?.startsWith("azure/use-kubelogin@"))).toBe(true);
      const text = runText(job);
      expect(text).toContain(
        'pulumi login "azblob://${PULUMI_STATE_CONTAINER}?storage_account=${PULUMI_STATE_STORAGE_ACCOUNT}"',
      );
      expect(text).toContain(
        "pulumi config set --path 'zerocred:deployer.kubeloginMode' workloadidentity",
      );
      expect(text).toContain(
        "pulumi config set --path 'zerocred:deployer.principalType' ServicePrincipal",
      );
    },
  );

  it("pr.yml previews with the policy pack and summarises it on the PR", () => {
    const text = runText(workflows["pr.yml"].jobs.preview);
    expect(text).toContain('pulumi preview --stack "$PULUMI_STACK" --policy-pack policies');
    expect(text).toContain('>> "$GITHUB_STEP_SUMMARY"');
    expect(text).toContain('gh pr comment "$PR_NUMBER" --body-file preview.md');
  });

  it("main.yml: up, verification check, Job logs, then --expect-no-changes, in that order", () => {
    const runs = workflows["main.yml"].jobs.deploy.steps.map((s) => s.run ?? "");
    const at = (needle: string) => runs.findIndex((r) => r.includes(needle));
    const order = [
      at("pulumi up --stack"),
      at('pulumi stack output --stack "$PULUMI_STACK" --json > outputs.json'),
      at("kubectl logs"),
      at("check-verification.ts outputs.json --require-all job-logs/*.log"),
      at("--expect-no-changes"),
    ];
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(runs.join("\n")).toContain("kubelogin convert-kubeconfig -l workloadidentity");
  });

  it("destroy.yml is manual-only, dev-only, confirmed, and purges the vault named by a stack output", () => {
    const wf = workflows["destroy.yml"];
    expect(Object.keys(wf.on)).toEqual(["workflow_dispatch"]);
    const inputs = (wf.on.workflow_dispatch as { inputs: Record<string, { options?: string[] }> })
      .inputs;
    expect(inputs.stack.options).toEqual(["dev"]);
    expect(wf.jobs.destroy.if).toBe("inputs.confirm == inputs.stack && vars.AZURE_CLIENT_ID != ''");
    const runs = wf.jobs.destroy.steps.map((s) => s.run ?? "");
    const output = runs.findIndex((r) => r.includes("pulumi stack output vaultName"));
    const destroy = runs.findIndex((r) => r.includes("pulumi destroy"));
    const purge = runs.findIndex((r) => r.includes('az keyvault purge --name "$VAULT_NAME"'));
    const guard = runs.findIndex((r) => r.includes("only destroys ephemeral (dev) stacks"));
    expect(guard).toBeGreaterThanOrEqual(0);
    expect(guard < output && output < destroy && destroy < purge).toBe(true);
  });

  it("untrusted values reach shell scripts through env, never ${{ }} inside run", () => {
    for (const { job } of allJobs) {
      for (const s of job.steps) {
        expect(s.run ?? "").not.toMatch(/\$\{\{/);
      }
    }
  });
});
