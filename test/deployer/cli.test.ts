/**
 * `npm start -- --ci <workflow>`: the verdict's exit codes (0 the chain holds, 1 a finding, 2 bad input
 * in one line), the report a user reads, and the CI section of the normal report.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../../sim/cli";
import type { CiReport } from "../../sim/deployer/chain";
import { formatCiSummary } from "../../sim/deployer/report";

const TMP = fs.mkdtempSync(path.join(os.tmpdir(), "zerocred-ci-cli-"));
afterAll(() => fs.rmSync(TMP, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const f = path.join(TMP, name);
  fs.writeFileSync(f, text);
  return f;
}

function oneLine(stderr: string): void {
  expect(stderr.endsWith("\n")).toBe(true);
  expect(stderr.trimEnd()).not.toContain("\n");
  expect(stderr).not.toMatch(/\n\s+at /);
}

describe("--ci input errors: exit 2, one line naming the input and the fix", () => {
  it("an unknown workflow name lists the workflows there are", async () => {
    const r = await runCli(["--ci", "deploy"]);
    expect(r.code).toBe(2);
    oneLine(r.stderr);
    expect(r.stderr).toBe(
      "--ci deploy: no such workflow. Workflows in .github/workflows: destroy, main, pr; or pass a path to a workflow file.\n",
    );
  });
  it("a file that is not YAML, or not a workflow", async () => {
    const bad = await runCli(["--ci", file("bad.yml", "on: [push\njobs: {}\n")]);
    expect(bad.code).toBe(2);
    oneLine(bad.stderr);
    expect(bad.stderr).toMatch(/bad\.yml: not valid YAML/);
    const notWorkflow = await runCli(["--ci", file("x.yml", "name: x\n")]);
    expect(notWorkflow).toMatchObject({ code: 2 });
    expect(notWorkflow.stderr).toMatch(
      /x\.yml: not a GitHub Actions workflow \(no "on:" triggers\)\.\n$/,
    );
  });
  it("a missing value or bootstrap config file", async () => {
    expect((await runCli(["--ci"])).code).toBe(2);
    const r = await runCli(["--ci", "pr", "--bootstrap-config", "nope.yaml"]);
    expect(r.code).toBe(2);
    oneLine(r.stderr);
    expect(r.stderr).toContain("--bootstrap-config nope.yaml: no such file");
  });
  it("a bootstrap config the bootstrap program rejects", async () => {
    const cfg = file(
      "Pulumi.bad.yaml",
      "config:\n  zerocred-bootstrap:github:\n    organization: -bad-\n    repository: zerocred\n",
    );
    const wf = file(
      "signin.yml",
      "on: push\npermissions: { id-token: write }\njobs:\n  a:\n    steps:\n      - uses: azure/login@a457da9ea143d694b1b9c7c869ebb04ebe844ef5\n        with: { client-id: x, tenant-id: y }\n",
    );
    const r = await runCli(["--ci", wf, "--bootstrap-config", cfg]);
    expect(r.code).toBe(2);
    oneLine(r.stderr);
    expect(r.stderr).toMatch(
      /^The bootstrap program failed to run: Invalid value for github\.organization: "-bad-"/,
    );
  });
});

describe("--ci verdicts", () => {
  it("exit 1 with the finding, its fix and kubelogin's requirements per mode", async () => {
    const wf = file(
      "lint.yml",
      "on: pull_request\njobs:\n  lint:\n    steps:\n      - uses: actions/checkout@v4\n      - run: npm ci\n",
    );
    const r = await runCli(["--ci", wf]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("No job signs in to Azure.");
    expect(r.stdout).toContain("error GH-UNPINNED-ACTION — lint / actions/checkout");
    expect(r.stdout).toContain("fix: Pin it: uses: actions/checkout@<40-hex commit SHA> # <tag>");
    expect(r.stdout).toContain(
      "kubelogin v0.1.3 -l workloadidentity: clientId (--client-id | AAD_SERVICE_PRINCIPAL_CLIENT_ID | AZURE_CLIENT_ID), tenantId (--tenant-id | AZURE_TENANT_ID), federatedToken (--federated-token-file | AZURE_FEDERATED_TOKEN_FILE | ACTIONS_ID_TOKEN_REQUEST_TOKEN+ACTIONS_ID_TOKEN_REQUEST_URL), authorityHost (--authority-host | AZURE_AUTHORITY_HOST), serverId (--server-id)",
    );
    expect(r.stdout).toContain("Result: the deployment would fail in CI");
  });
  it("the committed pr workflow: exit 0, the previewer's whole chain shown", async () => {
    const r = await runCli(["--ci", "pr"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("zerocred CI chain — .github/workflows/pr.yml");
    expect(r.stdout).toContain("✓ job preview (pull_request into main) as zerocred-previewer");
    expect(r.stdout).toContain("GitHub OIDC token: sub repo:my-org/zerocred:pull_request");
    expect(r.stdout).toContain(
      "policy pack with policies/config.dev.json: 0 mandatory violation(s)",
    );
    expect(r.stdout).toContain("Result: the deployer's chain holds for every job.");
  });
});

describe("the CI section of the normal report", () => {
  it("one line per workflow, then each finding with its fix, then kubelogin per mode", () => {
    const reports: CiReport[] = [
      {
        workflow: "pr",
        file: ".github/workflows/pr.yml",
        jobs: [{ job: "preview", run: "pull_request into main", chain: [], ok: true }],
        findings: [],
        ms: 1,
      },
      {
        workflow: "main",
        file: ".github/workflows/main.yml",
        jobs: [{ job: "deploy", run: "push to main", chain: [], ok: false }],
        findings: [
          {
            code: "POLICY-GATE",
            workflow: "main",
            job: "deploy",
            step: "up",
            message: "m",
            fix: "f",
          },
        ],
        ms: 1,
      },
    ];
    const lines = formatCiSummary(reports);
    expect(lines.slice(0, 4)).toEqual([
      "✓ .github/workflows/pr.yml: jobs preview",
      "✗ .github/workflows/main.yml: jobs deploy — 1 finding(s)",
      "    POLICY-GATE — deploy / up: m",
      "      fix: f",
    ]);
    expect(lines.some((l) => l.startsWith("kubelogin v0.1.3 -l azurecli:"))).toBe(true);
  });
});
