/**
 * The CI gate that compares the deployed access matrix (verifier result lines) with `expectedAccess`.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  compareAccess,
  extractVerification,
  main,
  parseResultLines,
  renderSummary,
} from "../../.github/scripts/check-verification";

const line = (principal: string, expected: string, actual: string, extra: object = {}) =>
  JSON.stringify({
    principal,
    clientId: null,
    tokenClaims: null,
    secret: "canary",
    expected,
    actual,
    status: actual === "allow" ? 200 : 403,
    attempts: 1,
    elapsedMs: 12,
    diagnosis: actual === expected ? "" : "ForbiddenByRbac",
    ...extra,
  });

const VM_OUTPUT = [
  "starting verifier",
  line("vm", "allow", "allow"),
  line("vm/shared", "deny", "deny"),
  JSON.stringify({ summary: { total: 2, passed: 2, failed: 0 }, ok: true }),
].join("\n");

const OUTPUTS = {
  expectedAccess: [
    { principal: "vm", via: "vm", identity: "vm", secret: "canary", expected: "allow" },
    { principal: "vm/shared", via: "vm", identity: "shared", secret: "canary", expected: "deny" },
    {
      principal: "orders",
      via: "workload",
      identity: "orders",
      secret: "canary",
      expected: "allow",
    },
  ],
  vmVerification: { exitCode: 0, output: VM_OUTPUT },
  podVerification: [{ principal: "orders", namespace: "shop", jobName: "verify-orders-1a2b" }],
};

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "zc-cicd-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("parseResultLines", () => {
  it("keeps result lines and drops logs and the summary", () => {
    expect(parseResultLines(VM_OUTPUT, "vm")).toEqual([
      {
        principal: "vm",
        actual: "allow",
        expected: "allow",
        status: 200,
        diagnosis: "",
        source: "vm",
      },
      {
        principal: "vm/shared",
        actual: "deny",
        expected: "deny",
        status: 403,
        diagnosis: "",
        source: "vm",
      },
    ]);
  });

  it("ignores malformed JSON", () => {
    expect(parseResultLines('{"principal": "x", \n{not json}\n[]', "vm")).toEqual([]);
  });
});

describe("extractVerification", () => {
  it("reads expected rows, VM results and Job names", () => {
    const x = extractVerification(OUTPUTS);
    expect(x.problems).toEqual([]);
    expect(x.expected).toEqual([
      { principal: "vm", via: "vm", expected: "allow" },
      { principal: "vm/shared", via: "vm", expected: "deny" },
      { principal: "orders", via: "workload", expected: "allow" },
    ]);
    expect(x.actual.map((a) => a.principal)).toEqual(["vm", "vm/shared"]);
    expect(x.jobs).toEqual([{ namespace: "shop", jobName: "verify-orders-1a2b" }]);
  });

  it("accepts the VM output as a string or an instance view, and jobs as a map", () => {
    expect(extractVerification({ ...OUTPUTS, vmVerification: VM_OUTPUT }).actual.length).toBe(2);
    expect(
      extractVerification({ ...OUTPUTS, vmVerification: { instanceView: { output: VM_OUTPUT } } })
        .actual.length,
    ).toBe(2);
    expect(
      extractVerification({ ...OUTPUTS, podVerification: { orders: { name: "job-a" } } }).jobs,
    ).toEqual([{ namespace: "default", jobName: "job-a" }]);
  });

  it("names every missing or malformed output", () => {
    expect(
      extractVerification({ expectedAccess: [{ principal: "vm", expected: "maybe" }] }).problems,
    ).toEqual([
      'expectedAccess entry {"principal":"vm","expected":"maybe"} has no principal or no expected "allow"/"deny".',
      "stack output vmVerification is missing; was verification disabled?",
      "stack output podVerification is missing; was verification disabled?",
    ]);
    expect(extractVerification([]).problems).toEqual([
      "stack outputs are not a JSON object; pass the file written by `pulumi stack output --json`.",
    ]);
    expect(
      extractVerification({ vmVerification: { exitCode: 1 }, podVerification: [] }).problems,
    ).toEqual([
      "stack output expectedAccess is missing or not a list; the stack must export the expected access matrix.",
      "stack output vmVerification has no verifier output (output, stdout or instanceView.output).",
    ]);
  });
});

describe("compareAccess", () => {
  const expected = extractVerification(OUTPUTS).expected;

  it("passes when every measured principal matches (partial check before the Job logs)", () => {
    const c = compareAccess(expected, parseResultLines(VM_OUTPUT, "vm"), { requireAll: false });
    expect(c.ok).toBe(true);
    expect(c.problems).toEqual([]);
  });

  it("fails a missing principal once all results are required", () => {
    const c = compareAccess(expected, parseResultLines(VM_OUTPUT, "vm"), { requireAll: true });
    expect(c.ok).toBe(false);
    expect(c.problems).toEqual(["orders: expected allow but no verifier reported it."]);
  });

  it("fails a principal that could read what it must not (least privilege both ways)", () => {
    const leaked = parseResultLines(line("vm/shared", "deny", "allow", { diagnosis: "" }), "vm");
    const c = compareAccess(expected, leaked, { requireAll: false });
    expect(c.ok).toBe(false);
    expect(c.problems).toEqual(["vm/shared: expected deny, actual allow (vm)."]);
  });

  it("fails a principal that was denied what it was granted, with the diagnosis", () => {
    const denied = parseResultLines(line("orders", "allow", "deny"), "job:verify-orders");
    const c = compareAccess(expected, denied, { requireAll: false });
    expect(c.problems).toEqual([
      "orders: expected allow, actual deny (job:verify-orders): ForbiddenByRbac",
    ]);
  });

  it("fails an error result and an unexpected principal", () => {
    const c = compareAccess(
      expected,
      [
        ...parseResultLines(line("vm", "allow", "error"), "vm"),
        ...parseResultLines(line("intruder", "deny", "deny"), "vm"),
      ],
      { requireAll: false },
    );
    expect(c.problems).toEqual([
      "vm: expected allow, actual error (vm): ForbiddenByRbac",
      "intruder: reported by vm but not in expectedAccess.",
    ]);
  });

  it("an empty expectation verifies nothing and fails", () => {
    expect(compareAccess([], [], { requireAll: true }).problems).toEqual([
      "expectedAccess is empty: nothing was verified.",
    ]);
  });
});

describe("renderSummary", () => {
  it("renders a Markdown table without any secret material", () => {
    const c = compareAccess(
      extractVerification(OUTPUTS).expected,
      parseResultLines(VM_OUTPUT, "vm"),
      { requireAll: true },
    );
    expect(renderSummary(c)).toBe(
      [
        "### Access verification: FAILED",
        "",
        "| principal | expected | actual | source | result |",
        "| --- | --- | --- | --- | --- |",
        "| vm | allow | allow | vm | ok |",
        "| vm/shared | deny | deny | vm | ok |",
        "| orders | allow | missing | - | MISMATCH |",
        "",
        "- orders: expected allow but no verifier reported it.",
        "",
      ].join("\n"),
    );
  });
});

describe("main (the CLI used by main.yml)", () => {
  const outputsFile = path.join(tmp, "outputs.json");
  fs.writeFileSync(outputsFile, JSON.stringify(OUTPUTS));

  it("step 1: VM check passes and writes the Job list", () => {
    const jobs = path.join(tmp, "jobs.txt");
    const summary = path.join(tmp, "summary.md");
    expect(main([outputsFile, "--jobs", jobs], { GITHUB_STEP_SUMMARY: summary })).toBe(0);
    expect(fs.readFileSync(jobs, "utf8")).toBe("shop verify-orders-1a2b\n");
    expect(fs.readFileSync(summary, "utf8")).toContain("### Access verification: PASSED");
  });

  it("step 2: with the Job log, every principal matches", () => {
    const log = path.join(tmp, "verify-orders-1a2b.log");
    fs.writeFileSync(
      log,
      `${line("orders", "allow", "allow")}\n{"summary":{"total":1,"passed":1,"failed":0},"ok":true}\n`,
    );
    expect(main([outputsFile, "--require-all", log], {})).toBe(0);
  });

  it("step 2 fails when no Job log was collected", () => {
    expect(main([outputsFile, "--require-all"], {})).toBe(1);
  });

  it("usage error exits 2", () => {
    expect(main([], {})).toBe(2);
    expect(main([outputsFile, "--jobs"], {})).toBe(2);
  });
});
