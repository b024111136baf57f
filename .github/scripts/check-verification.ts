/**
 * CI gate after `pulumi up`: compares the access each principal ACTUALLY had (the verifiers' result lines:
 * the VM run command's output in the stack outputs, and `kubectl logs job/<name>` of each verification
 * Job) with the access the stack EXPECTS (`expectedAccess` output). Fails when any differs or is missing.
 *
 *   npx tsx .github/scripts/check-verification.ts outputs.json [--jobs <file>] [--require-all] [job-log-file ...]
 *
 * - `outputs.json`: `pulumi stack output --json` (secrets stay masked; nothing here needs them).
 * - `--jobs <file>`: write one `<namespace> <jobName>` line per verification Job (for `kubectl logs`).
 * - `--require-all` (implied by job log files): every expected principal must have a result; without it
 *   only the results present are checked (the VM step, before the Job logs are collected).
 *
 * A Markdown summary is printed and appended to `$GITHUB_STEP_SUMMARY` when set. Never prints tokens or
 * secret values: result lines carry only non-secret claims and a fingerprint verdict.
 */
import * as fs from "node:fs";
import { parseVerifierOutput } from "../../components/verification/results";

export type Access = "allow" | "deny";

/** One expected row (a subset of infra/access.ts AccessExpectation). */
export interface ExpectedAccess {
  readonly principal: string;
  readonly via?: string;
  readonly expected: Access;
}

/** One measured row (a subset of a verifier result line). */
export interface ActualAccess {
  readonly principal: string;
  readonly actual: string;
  readonly expected?: string;
  readonly status?: number;
  readonly diagnosis?: string;
  readonly source: string;
}

export interface VerificationJob {
  readonly namespace: string;
  readonly jobName: string;
}

export interface ExtractedVerification {
  readonly expected: ExpectedAccess[];
  readonly actual: ActualAccess[];
  readonly jobs: VerificationJob[];
  /** Problems with the outputs themselves (missing or malformed). */
  readonly problems: string[];
}

export interface ComparisonRow {
  readonly principal: string;
  /** `unexpected` when a verifier reported a principal the stack does not declare. */
  readonly expected: Access | "unexpected";
  readonly actual: string;
  readonly source: string;
  readonly ok: boolean;
  readonly diagnosis?: string;
}

export interface Comparison {
  readonly ok: boolean;
  readonly rows: ComparisonRow[];
  readonly problems: string[];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Result lines in verifier output text (one JSON object per line; other lines ignored). */
export function parseResultLines(text: string, source: string): ActualAccess[] {
  // The same parser the VmVerification component uses for the run command's output.
  return parseVerifierOutput(text)
    .results.filter((r) => typeof r.actual === "string")
    .map((r) => ({
      principal: r.principal,
      actual: r.actual,
      expected: typeof r.expected === "string" ? r.expected : undefined,
      status: typeof r.status === "number" ? r.status : undefined,
      diagnosis: typeof r.diagnosis === "string" ? r.diagnosis : undefined,
      source,
    }));
}

function vmOutputText(vm: unknown): string | undefined {
  if (typeof vm === "string") {
    return vm;
  }
  if (!isRecord(vm)) {
    return undefined;
  }
  for (const key of ["output", "stdout", "result"]) {
    if (typeof vm[key] === "string") {
      return vm[key];
    }
  }
  if (isRecord(vm.instanceView) && typeof vm.instanceView.output === "string") {
    return vm.instanceView.output;
  }
  if (Array.isArray(vm.results)) {
    return vm.results.map((r) => JSON.stringify(r)).join("\n");
  }
  return undefined;
}

function jobsFrom(pod: unknown): VerificationJob[] {
  const entries: unknown[] = Array.isArray(pod)
    ? pod
    : isRecord(pod) && Array.isArray(pod.jobs)
      ? pod.jobs
      : isRecord(pod)
        ? Object.values(pod)
        : [];
  const jobs: VerificationJob[] = [];
  for (const e of entries) {
    if (!isRecord(e)) {
      continue;
    }
    const jobName = [e.jobName, e.name].find((v): v is string => typeof v === "string");
    if (jobName !== undefined) {
      jobs.push({ namespace: typeof e.namespace === "string" ? e.namespace : "default", jobName });
    }
  }
  return jobs;
}

/** Reads the verification-related stack outputs (`pulumi stack output --json`). */
export function extractVerification(outputs: unknown): ExtractedVerification {
  const problems: string[] = [];
  if (!isRecord(outputs)) {
    return {
      expected: [],
      actual: [],
      jobs: [],
      problems: [
        "stack outputs are not a JSON object; pass the file written by `pulumi stack output --json`.",
      ],
    };
  }
  const expected: ExpectedAccess[] = [];
  if (!Array.isArray(outputs.expectedAccess)) {
    problems.push(
      "stack output expectedAccess is missing or not a list; the stack must export the expected access matrix.",
    );
  } else {
    for (const e of outputs.expectedAccess) {
      if (
        isRecord(e) &&
        typeof e.principal === "string" &&
        (e.expected === "allow" || e.expected === "deny")
      ) {
        expected.push({
          principal: e.principal,
          via: typeof e.via === "string" ? e.via : undefined,
          expected: e.expected,
        });
      } else {
        problems.push(
          `expectedAccess entry ${JSON.stringify(e)} has no principal or no expected "allow"/"deny".`,
        );
      }
    }
  }
  let actual: ActualAccess[] = [];
  if (outputs.vmVerification === undefined) {
    problems.push("stack output vmVerification is missing; was verification disabled?");
  } else {
    const text = vmOutputText(outputs.vmVerification);
    if (text === undefined) {
      problems.push(
        "stack output vmVerification has no verifier output (output, stdout or instanceView.output).",
      );
    } else {
      actual = parseResultLines(text, "vm");
    }
  }
  const jobs = jobsFrom(outputs.podVerification);
  if (outputs.podVerification === undefined) {
    problems.push("stack output podVerification is missing; was verification disabled?");
  }
  return { expected, actual, jobs, problems };
}

/**
 * Compares expected with actual per principal. A principal expected but never measured fails when
 * `requireAll` (all logs were collected); a measured result whose `actual` differs from the expectation
 * always fails; so does a measured principal the stack did not expect.
 */
export function compareAccess(
  expected: readonly ExpectedAccess[],
  actual: readonly ActualAccess[],
  options: { readonly requireAll: boolean },
): Comparison {
  const problems: string[] = [];
  const rows: ComparisonRow[] = [];
  const byPrincipal = new Map<string, ActualAccess[]>();
  for (const a of actual) {
    byPrincipal.set(a.principal, [...(byPrincipal.get(a.principal) ?? []), a]);
  }
  const expectedNames = new Set(expected.map((e) => e.principal));
  for (const e of expected) {
    const measured = byPrincipal.get(e.principal) ?? [];
    if (measured.length === 0) {
      if (options.requireAll) {
        rows.push({
          principal: e.principal,
          expected: e.expected,
          actual: "missing",
          source: "-",
          ok: false,
        });
        problems.push(`${e.principal}: expected ${e.expected} but no verifier reported it.`);
      }
      continue;
    }
    for (const m of measured) {
      const ok = m.actual === e.expected;
      rows.push({
        principal: e.principal,
        expected: e.expected,
        actual: m.actual,
        source: m.source,
        ok,
        diagnosis: m.diagnosis,
      });
      if (!ok) {
        problems.push(
          `${e.principal}: expected ${e.expected}, actual ${m.actual} (${m.source})` +
            (m.diagnosis ? `: ${m.diagnosis}` : "."),
        );
      }
    }
  }
  for (const a of actual) {
    if (!expectedNames.has(a.principal)) {
      rows.push({
        principal: a.principal,
        expected: "unexpected",
        actual: a.actual,
        source: a.source,
        ok: false,
      });
      problems.push(`${a.principal}: reported by ${a.source} but not in expectedAccess.`);
    }
  }
  if (expected.length === 0) {
    problems.push("expectedAccess is empty: nothing was verified.");
  }
  return { ok: problems.length === 0, rows, problems };
}

/** A Markdown table of the comparison (no secrets: principal names and verdicts only). */
export function renderSummary(comparison: Comparison): string {
  const lines = [
    `### Access verification: ${comparison.ok ? "PASSED" : "FAILED"}`,
    "",
    "| principal | expected | actual | source | result |",
    "| --- | --- | --- | --- | --- |",
    ...comparison.rows.map(
      (r) =>
        `| ${r.principal} | ${r.expected} | ${r.actual} | ${r.source} | ${r.ok ? "ok" : "MISMATCH"} |`,
    ),
  ];
  if (comparison.problems.length > 0) {
    lines.push("", ...comparison.problems.map((p) => `- ${p}`));
  }
  return `${lines.join("\n")}\n`;
}

/** CLI entry: returns the exit code. */
export function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): number {
  const args = [...argv];
  let jobsFile: string | undefined;
  const requireAllIndex = args.indexOf("--require-all");
  if (requireAllIndex >= 0) {
    args.splice(requireAllIndex, 1);
  }
  const jobsIndex = args.indexOf("--jobs");
  if (jobsIndex >= 0) {
    jobsFile = args[jobsIndex + 1];
    args.splice(jobsIndex, 2);
  }
  const [outputsFile, ...logFiles] = args;
  if (outputsFile === undefined || (jobsIndex >= 0 && jobsFile === undefined)) {
    process.stderr.write(
      "usage: check-verification.ts <outputs.json> [--jobs <file>] [--require-all] [job-log-file ...]\n",
    );
    return 2;
  }
  const extracted = extractVerification(
    JSON.parse(fs.readFileSync(outputsFile, "utf8")) as unknown,
  );
  if (jobsFile !== undefined) {
    fs.writeFileSync(jobsFile, extracted.jobs.map((j) => `${j.namespace} ${j.jobName}\n`).join(""));
  }
  const podResults = logFiles.flatMap((f) =>
    parseResultLines(
      fs.readFileSync(f, "utf8"),
      `job:${f.replace(/^.*[\\/]/, "").replace(/\.log$/, "")}`,
    ),
  );
  const comparison = compareAccess(extracted.expected, [...extracted.actual, ...podResults], {
    requireAll: requireAllIndex >= 0 || logFiles.length > 0,
  });
  const result: Comparison = {
    ...comparison,
    ok: comparison.ok && extracted.problems.length === 0,
    problems: [...extracted.problems, ...comparison.problems],
  };
  const summary = renderSummary(result);
  process.stdout.write(summary);
  if (env.GITHUB_STEP_SUMMARY) {
    fs.appendFileSync(env.GITHUB_STEP_SUMMARY, summary);
  }
  return result.ok ? 0 : 1;
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
