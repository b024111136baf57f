/**
 * What a real CI run needs beyond valid YAML: the pinned kubelogin gets every input its login mode
 * requires (issue 10 item 1), and the policy pack runs with the stack's own environment (item 2).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { AKS_AAD_SERVER_ID } from "../../components/kubeconfig";
import { kubeloginInvocationError, KUBELOGIN_VERSION } from "../../components/kubelogin";
import {
  environmentDependentRules,
  policyPackConfigPath,
  policyPackConfigProblem,
} from "../../.github/scripts/policy-pack-config";
import { resourceGroupProblem } from "../../.github/scripts/resource-group";

const ROOT = path.resolve(__dirname, "..", "..");
const DIR = path.join(ROOT, ".github", "workflows");

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
interface Job {
  env?: Record<string, string>;
  permissions?: Record<string, string>;
  steps: Step[];
}
const workflows = Object.fromEntries(
  ["destroy.yml", "main.yml", "pr.yml"].map((f) => [
    f,
    parse(fs.readFileSync(path.join(DIR, f), "utf8")) as { jobs: Record<string, Job> },
  ]),
);
const jobs = Object.entries(workflows).flatMap(([file, wf]) =>
  Object.entries(wf.jobs).map(([id, job]) => ({ name: `${file}:${id}`, job })),
);
const kubeloginJobs = jobs.filter(({ job }) =>
  job.steps.some((s) => s.uses?.startsWith("azure/use-kubelogin@")),
);

/**
 * The environment kubelogin sees in a job: the job's `env:` (expressions stand for non-empty repository
 * variables) plus the OIDC request pair GitHub injects when the job has `id-token: write`.
 */
function kubeloginEnv(job: Job): Record<string, string> {
  return {
    ...(job.env ?? {}),
    ...(job.permissions?.["id-token"] === "write"
      ? {
          ACTIONS_ID_TOKEN_REQUEST_TOKEN: "opaque",
          ACTIONS_ID_TOKEN_REQUEST_URL: "https://pipelines.actions.example/idtoken",
        }
      : {}),
  };
}

describe("kubelogin in CI (Azure/kubelogin@v0.1.3)", () => {
  it("every job that installs kubelogin pins the version the requirement table models", () => {
    expect(kubeloginJobs.map((j) => j.name).sort()).toEqual([
      "destroy.yml:destroy",
      "main.yml:deploy",
      "pr.yml:preview",
    ]);
    for (const { job } of kubeloginJobs) {
      const step = job.steps.find((s) => s.uses?.startsWith("azure/use-kubelogin@"));
      expect(step?.with?.["kubelogin-version"]).toBe(KUBELOGIN_VERSION);
    }
  });

  // `kubelogin convert-kubeconfig -l workloadidentity` (main.yml's Job-log step) writes only the flags
  // given to it (pkg/internal/converter/convert.go): no --authority-host, so the job env must carry it.
  const converted = ["get-token", "--login", "workloadidentity", "--server-id", AKS_AAD_SERVER_ID];

  it.each(kubeloginJobs.map((j) => [j.name, j.job] as const))(
    "%s gives workloadidentity every input (a converted kubeconfig has no --authority-host)",
    (_name, job) => {
      expect(kubeloginInvocationError(converted, kubeloginEnv(job))).toBeUndefined();
      expect(job.env?.AZURE_AUTHORITY_HOST).toBe("https://login.microsoftonline.com/");
    },
  );

  it("the job env as it was (no AZURE_AUTHORITY_HOST) fails as v0.1.3 does", () => {
    const { AZURE_AUTHORITY_HOST: _dropped, ...before } = kubeloginEnv(
      workflows["main.yml"].jobs.deploy,
    );
    expect(kubeloginInvocationError(converted, before)).toBe(
      "kubelogin v0.1.3 -l workloadidentity: authorityHost cannot be empty (set --authority-host or AZURE_AUTHORITY_HOST).",
    );
  });
});

describe("the CI policy gate runs the pack with the stack's environment", () => {
  const FLAG = '--policy-pack policies --policy-pack-config "policies/config.${PULUMI_STACK}.json"';
  const pulumiRuns = jobs.flatMap(({ name, job }) =>
    job.steps
      .map((s, i) => ({ name, job, i, run: s.run ?? "" }))
      .filter((s) => /pulumi (preview|up)\b/.test(s.run)),
  );

  it("finds the preview and up commands", () => {
    expect(pulumiRuns.map((r) => r.name)).toEqual([
      "main.yml:deploy",
      "main.yml:deploy",
      "pr.yml:preview",
    ]);
  });

  it.each(pulumiRuns.map((r) => [`${r.name} step ${r.i}`, r] as const))(
    "%s passes the stack's --policy-pack-config, after the step that checks it",
    (_label, r) => {
      expect(r.run).toContain(FLAG);
      const check = r.job.steps.findIndex((s) =>
        (s.run ?? "").includes('npx tsx .github/scripts/policy-pack-config.ts "$PULUMI_STACK"'),
      );
      expect(check).toBeGreaterThanOrEqual(0);
      expect(check).toBeLessThan(r.i);
    },
  );

  it("the committed dev stack has its config, and it makes purge protection advisory", () => {
    expect(policyPackConfigPath("dev")).toBe("policies/config.dev.json");
    expect(policyPackConfigProblem(ROOT, "dev")).toBeUndefined();
    expect(environmentDependentRules()).toEqual(["keyvault-enables-purge-protection"]);
  });

  function repo(files: Record<string, string>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zc-policy-config-"));
    for (const [name, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      fs.writeFileSync(path.join(dir, name), text);
    }
    return dir;
  }

  it.each<[string, Record<string, string>, string | undefined]>([
    [
      "a dev stack without its config file (the flag would fail, no flag = prod level)",
      { "Pulumi.dev.yaml": "config:\n  zerocred:environment: dev\n" },
      'policies/config.dev.json is missing or not JSON, and CI passes it as --policy-pack-config: commit policies/config.dev.json with {"keyvault-enables-purge-protection":{"environment":"dev"}}.',
    ],
    [
      "a config that says prod for a dev stack",
      {
        "Pulumi.dev.yaml": "config:\n  zerocred:environment: dev\n",
        "policies/config.dev.json": "{}",
      },
      'policies/config.dev.json gives keyvault-enables-purge-protection environment "prod", but Pulumi.dev.yaml sets zerocred:environment "dev": commit policies/config.dev.json with {"keyvault-enables-purge-protection":{"environment":"dev"}}.',
    ],
    [
      "a config that says dev for a prod stack (would make purge protection advisory in prod)",
      {
        "Pulumi.prod.yaml": "config:\n  zerocred:environment: prod\n",
        "policies/config.prod.json": '{"keyvault-enables-purge-protection":{"environment":"dev"}}',
      },
      'policies/config.prod.json gives keyvault-enables-purge-protection environment "dev", but Pulumi.prod.yaml sets zerocred:environment "prod": commit policies/config.prod.json with {"keyvault-enables-purge-protection":{"environment":"prod"}}.',
    ],
    [
      "a prod stack (environment unset = Pulumi.yaml's default prod) with an empty config",
      { "Pulumi.prod.yaml": "config:\n  zerocred:prefix: zc\n", "policies/config.prod.json": "{}" },
      undefined,
    ],
    [
      "a stack file that is missing",
      {},
      "Pulumi.prod.yaml is missing or not YAML: commit the stack's config (docs/ci.md, step 8).",
    ],
  ])("%s", (_label, files, expected) => {
    const stack = Object.keys(files)[0]?.match(/^Pulumi\.(\w+)\.yaml$/)?.[1] ?? "prod";
    expect(policyPackConfigProblem(repo(files), stack)).toBe(expected);
  });
});

describe("PR previews sign in as the read-only previewer, never as the deployer (item 6)", () => {
  const pr = workflows["pr.yml"].jobs.preview;
  const idsOf = (job: Job) => {
    const login = job.steps.find((s) => s.uses?.startsWith("azure/login@"));
    return [job.env?.ARM_CLIENT_ID, job.env?.AZURE_CLIENT_ID, login?.with?.["client-id"]];
  };
  it("pr.yml (runs the PR's own workflow file) uses AZURE_PREVIEW_CLIENT_ID everywhere", () => {
    expect(idsOf(pr)).toEqual([
      "${{ vars.AZURE_PREVIEW_CLIENT_ID }}",
      "${{ vars.AZURE_PREVIEW_CLIENT_ID }}",
      "${{ vars.AZURE_PREVIEW_CLIENT_ID }}",
    ]);
    expect(fs.readFileSync(path.join(DIR, "pr.yml"), "utf8")).not.toMatch(
      /\$\{\{\s*vars\.AZURE_CLIENT_ID\s*\}\}/,
    );
  });
  it.each([
    ["main.yml", "deploy"],
    ["destroy.yml", "destroy"],
  ])("%s:%s signs in as the deployer, inside the stack's environment", (file, id) => {
    const job = workflows[file].jobs[id] as Job & { environment?: string };
    expect(idsOf(job)).toEqual([
      "${{ vars.AZURE_CLIENT_ID }}",
      "${{ vars.AZURE_CLIENT_ID }}",
      "${{ vars.AZURE_CLIENT_ID }}",
    ]);
    expect(job.environment).toBeDefined();
  });
});

describe("CI deploys into the bootstrap's resource group (item 9)", () => {
  it("the committed dev stack names the bootstrap's default target group", () => {
    expect(resourceGroupProblem(ROOT, "dev", "zerocred-dev")).toBeUndefined();
  });
  it("a stack that would create its own group fails before pulumi runs, naming the fix", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zc-rg-"));
    fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), "config:\n  zerocred:environment: dev\n");
    expect(resourceGroupProblem(dir, "dev", "zerocred-dev")).toBe(
      'Pulumi.dev.yaml: zerocred:resourceGroupName is unset (the stack would create its own group), but the CI deployer may deploy only into "zerocred-dev" (AZURE_RESOURCE_GROUP, the bootstrap\'s targetResourceGroupName) and cannot create groups: run `pulumi config set zerocred:resourceGroupName zerocred-dev --stack dev` and commit Pulumi.dev.yaml.',
    );
    expect(resourceGroupProblem(dir, "dev", undefined)).toBeUndefined();
  });
  it.each([
    ["main.yml", "deploy"],
    ["pr.yml", "preview"],
  ])("%s:%s checks it before the first pulumi preview/up", (file, id) => {
    const steps = workflows[file].jobs[id].steps;
    const check = steps.findIndex((s) =>
      (s.run ?? "").includes('npx tsx .github/scripts/resource-group.ts "$PULUMI_STACK"'),
    );
    const first = steps.findIndex((s) => /pulumi (preview|up)\b/.test(s.run ?? ""));
    expect(check).toBeGreaterThanOrEqual(0);
    expect(check).toBeLessThan(first);
  });
});
