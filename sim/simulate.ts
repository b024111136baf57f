/**
 * The offline simulation of an identity chain: evaluate a Pulumi program in the simulated cloud,
 * model what it declared, seed the emulators from that model, run the real verifiers against
 * them, and explain every mismatch — before any `pulumi up`.
 */
import * as os from "node:os";
import * as path from "node:path";
import { evaluatePolicies, fromRecorded, type PolicyViolation } from "../policies/evaluate";
import { SIM_TENANT_ID } from "./cloud";
import {
  diagnoseModel,
  interpretResults,
  verdictOf,
  type Diagnosis,
  type VerifierResult,
} from "./diagnose";
import { prepareEmulatorKeys, startEmulators, type EmulatorKeys } from "./emulators";
import {
  compareRuns,
  formatIdempotency,
  IdempotencyRunError,
  startIdempotencyWorker,
  type IdempotencyReport,
  type IdempotencyRun,
} from "./idempotency";
import {
  buildModel,
  principalsToVerify,
  toEmulatorWorld,
  type DeploymentModel,
  type VerificationTarget,
} from "./model";
import { accessGraph, mermaidFlowchart, type AccessGraph } from "./picture";
import { buildPlan, formatPlan, type Plan } from "./plan";
import { DEFAULT_TIMEOUT_MS, ProgramError } from "./program";
import { borrowedPackages, evaluateRun } from "./evaluate";
import { buildTimeline, formatTimeline, type Timeline } from "./timeline";
import { runVerifiers } from "./verifiers";
import { timeScaleOf } from "../components/verification/pod-verifier";
import type { CiOptions, CiReport } from "./deployer/chain";
import { ciExitCode, formatCiSummary, runAllWorkflows } from "./deployer/report";

export const DEFAULT_PROGRAM = path.join(__dirname, "..", "infra", "index.ts");
export { borrowedPackages, freshRequire } from "./evaluate";

export interface SimulateOptions {
  /** Flat stack config (`{ "zerocred:prefix": "zc", … }`). */
  readonly config: Record<string, unknown>;
  readonly stack: string;
  /** A Pulumi TypeScript program; defaults to zerocred's infra/index.ts. */
  readonly program?: string;
  readonly configFile?: string;
  /** Run the emulators and verifiers (default true). */
  readonly verify?: boolean;
  /** RBAC propagation delay applied by the vault emulator. */
  readonly propagationDelayMs?: number;
  /**
   * How many times as fast the simulated clock runs (default: ZEROCRED_TIME_SCALE, else 1): the
   * verifiers' backoff and retry budget (ZC_TIME_SCALE) and the emulators' propagation delay are
   * scaled alike, so the same attempts happen in the same order, sooner. Times in the report are
   * the verifiers' clock (world time).
   */
  readonly timeScale?: number;
  /** Evaluate the policy pack and fail on mandatory violations (default true). */
  readonly policies?: boolean;
  /** Simulate the deployer's chain of each workflow in .github/workflows (sim/deployer); default off. */
  readonly ci?: CiOptions | false;
  readonly progress?: (line: string) => void;
  /** The Pulumi project name (Pulumi.yaml `name`); default `zerocred`. */
  readonly project?: string;
  /** Settle timeout for the program (default DEFAULT_TIMEOUT_MS). */
  readonly timeoutMs?: number;
  /** Results for invokes reading resources outside the program, by invoke token. */
  readonly invokeResults?: Readonly<Record<string, Record<string, unknown>>>;
  /** Outputs of referenced stacks, by `org/project/stack`. */
  readonly stackOutputs?: Readonly<Record<string, Record<string, unknown>>>;
  /** Where the config came from, for the report (`--config`, beside the program, or none). */
  readonly configSource?: string;
  /**
   * Whether mandatory policy violations fail the run (exit 1). Default: true for zerocred's own
   * stack, false for `--program` (the pack is zerocred's hardening opinion; see README).
   */
  readonly enforcePolicies?: boolean;
  /**
   * Evaluate the program the second time (idempotency) on a worker thread, beside the first
   * evaluation, instead of after it on this thread: `true`, `false` (the default), or `"auto"` — only
   * when a core is idle now ({@link spareCore}; `npm start` uses it). The verdict is the same either way.
   */
  readonly parallel?: boolean | "auto";
  /**
   * Keep the emulators' keys in this file between runs and reuse them while valid
   * (sim/emulators/keyStore.ts; the CLI passes node_modules/.cache/zerocred/emulator-keys.json).
   * Default: fresh keys for every run.
   */
  readonly keyFile?: string;
}

export interface AccessRow {
  readonly principal: string;
  readonly via: "vm" | "workload";
  readonly identity?: string;
  readonly vault: string;
  readonly secret: string;
  readonly expected: "allow" | "deny";
  readonly expectedSource: "declared" | "inferred" | "verifier" | "derived";
  /** Where the expectation comes from, e.g. `from env KEYVAULT_URL of Deployment shop/orders`. */
  readonly expectedFrom: string;
  /** What a deployed zerocred verifier expects here (what `pulumi up` enforces). */
  readonly verifierExpected?: "allow" | "deny";
  /** `allow`, `deny` or `error` (never a read unless it read). */
  readonly actual?: "allow" | "deny" | "error";
  readonly ok?: boolean;
  readonly oid?: string;
  readonly grantedBy?: { readonly role: string; readonly scope: string };
  readonly attempts?: number;
  readonly elapsedMs?: number;
  readonly status?: string;
  readonly diagnosis?: string;
}

export interface SimulationReport {
  readonly stack: string;
  readonly program: string;
  readonly configFile?: string;
  /** Which config the program ran with: `Pulumi.dev.yaml`, `--config x`, or `none (…)`. */
  readonly configSource: string;
  /** The program's own console output (first run), shown once. */
  readonly programOutput: string[];
  /** Packages the program did not have beside it and took from zerocred's node_modules. */
  readonly borrowedPackages: string[];
  /** What failed, each separately: the exit code is 1 when any is non-empty/true. */
  readonly failed: {
    readonly accessMismatches: number;
    readonly errorDiagnoses: number;
    readonly mandatoryPolicies: number;
    /** Whether mandatory policy violations count toward the exit code. */
    readonly policiesEnforced: boolean;
    readonly idempotencyChanges: number;
    /** Whether a CI workflow's deployer chain (--ci) fails. */
    readonly ciChain: boolean;
  };
  readonly phasesMs: {
    readonly evaluate: number;
    readonly secondRun: number;
    /** Whether the second run was on a worker thread, beside the first (`parallel`). */
    readonly secondRunParallel: boolean;
    readonly emulators: number;
    /** The CI deployer chain of every workflow (0 when not run). */
    readonly ci: number;
    readonly verifiers: number;
    readonly total: number;
  };
  readonly plan: Plan;
  /** Where the expected column comes from; `derived` means from the grants under test only. */
  readonly expectationSource: "declared" | "inferred" | "derived" | "mixed";
  readonly access: AccessRow[];
  readonly verified: boolean;
  readonly policiesEvaluated: boolean;
  readonly diagnoses: Diagnosis[];
  readonly policy: PolicyViolation[];
  readonly idempotency: IdempotencyReport;
  readonly timeline: Timeline;
  readonly mermaid: string;
  /** The deployer's chain per workflow (`undefined` when not run). */
  readonly ci?: CiReport[];
  /** The access graph the Mermaid text draws (sim/svg.ts renders it for --svg). */
  readonly accessGraph: AccessGraph;
  readonly exitCode: number;
}

/**
 * Whether a core is idle now: the 1-minute load average is at least half a core below the number of
 * cores. A worker evaluation costs a second copy of the modules and a cold JIT (about 1.5 s of CPU
 * for the dev stack); it pays off only on a core nothing else wants.
 */
export function spareCore(): boolean {
  return os.loadavg()[0]! <= os.availableParallelism() - 1.5;
}

function environmentOf(config: Record<string, unknown>): "dev" | "prod" {
  return config["zerocred:environment"] === "dev" ? "dev" : "prod";
}

/**
 * ZEROCRED_TIME_SCALE (tests and impatient users): how many times as fast the simulated clock
 * runs, 1 to MAX_TIME_SCALE. A bad value is a usage error (the CLI exits 2 with this message).
 */
export function timeScaleFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const scale = timeScaleOf(env.ZEROCRED_TIME_SCALE, "ZEROCRED_TIME_SCALE");
  if (typeof scale === "string") {
    throw new TimeScaleError(scale);
  }
  return scale;
}

export class TimeScaleError extends Error {}

/** The verifiers' retry budget in the simulation: the injected delay plus a margin. */
export function simulationTimeoutSeconds(propagationDelayMs: number): number {
  return Math.ceil(propagationDelayMs / 1000) + 8;
}

export async function simulate(options: SimulateOptions): Promise<SimulationReport> {
  const started = performance.now();
  const progress = options.progress ?? (() => undefined);
  const program = options.program ?? DEFAULT_PROGRAM;
  borrowedPackages.clear();

  // The emulators' keys do not depend on the program: make them on the thread pool meanwhile.
  const keys: Promise<EmulatorKeys> | undefined =
    options.verify === false
      ? undefined
      : prepareEmulatorKeys(1, options.keyFile !== undefined ? { keyFile: options.keyFile } : {});
  keys?.catch(() => undefined);

  // The idempotency run does not depend on the first: with `parallel`, a worker thread evaluates
  // the program meanwhile (its own isolate and Pulumi runtime, like a second `pulumi up`).
  const worker =
    options.parallel === true || (options.parallel === "auto" && spareCore())
      ? startIdempotencyWorker(
          {
            config: options.config,
            stack: options.stack,
            ...(options.project !== undefined ? { project: options.project } : {}),
            timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
            ...(options.invokeResults !== undefined
              ? { invokeResults: options.invokeResults }
              : {}),
            ...(options.stackOutputs !== undefined ? { stackOutputs: options.stackOutputs } : {}),
          },
          program,
          options.program === undefined ? "compile-cache" : "tsx",
        )
      : undefined;
  worker?.result.catch(() => undefined);
  try {
    return await simulateWith(options, program, keys, worker, started, progress);
  } finally {
    await worker?.stop();
  }
}

async function simulateWith(
  options: SimulateOptions,
  program: string,
  keys: Promise<EmulatorKeys> | undefined,
  worker: ReturnType<typeof startIdempotencyWorker> | undefined,
  started: number,
  progress: (line: string) => void,
): Promise<SimulationReport> {
  progress("evaluating the program in the simulated cloud…");
  const t0 = performance.now();
  const first = await evaluateRun(options, program, true);
  const evaluateMs = performance.now() - t0;

  const tenantId = first.cloud.tenantId ?? SIM_TENANT_ID;
  const model: DeploymentModel = buildModel(first.resources, {
    knownPrincipalIds: [first.cloud.deployerObjectId],
  });
  const graph = accessGraph(model);
  const verificationPlan = principalsToVerify(model, {
    tenantId,
    expectedAccess: first.exports.expectedAccess,
  });
  const staticDiagnoses = diagnoseModel(model, verificationPlan);
  const policy =
    options.policies === false
      ? []
      : evaluatePolicies(first.resources.map(fromRecorded), {
          environment: environmentOf(options.config),
        });

  let emulatorsMs = 0;
  let verifiersMs = 0;
  let ciMs = 0;
  const verify = options.verify !== false && verificationPlan.targets.length > 0;
  const timeScale = options.timeScale ?? timeScaleFromEnv();
  const verification = async (): Promise<
    { target: VerificationTarget; result: VerifierResult }[]
  > => {
    if (!verify) {
      return [];
    }
    progress("starting the emulators (IMDS, Entra ID, OIDC issuers, Key Vault)…");
    const t2 = performance.now();
    const world = toEmulatorWorld(model, tenantId);
    const emulators = await startEmulators(world, {
      propagationDelayMs: (options.propagationDelayMs ?? 0) / timeScale,
      keys,
    });
    emulatorsMs = performance.now() - t2;
    try {
      progress(`running ${verificationPlan.targets.length} verifications…`);
      const t3 = performance.now();
      const results = await runVerifiers(world, verificationPlan.targets, emulators, {
        timeoutSeconds: simulationTimeoutSeconds(options.propagationDelayMs ?? 0),
        timeScale,
      });
      verifiersMs = performance.now() - t3;
      return results;
    } finally {
      await emulators.close();
    }
  };
  const inProcessRun = async (): Promise<IdempotencyRun> => {
    // The second evaluation is main-thread JavaScript; the verifiers are child processes and
    // the emulators' key generation runs on the thread pool, so the two overlap.
    const t1 = performance.now();
    const evaluation = await evaluateRun(options, program, true);
    return { resources: evaluation.resources, ms: performance.now() - t1, parallel: false };
  };
  /**
   * The worker's run if it has finished by the time `by` settles; otherwise the worker is stopped
   * and `undefined` returned.
   */
  const workerRun = async (by: Promise<unknown>): Promise<IdempotencyRun | undefined> => {
    if (worker === undefined) {
      return undefined;
    }
    type Outcome =
      | { kind: "done"; run: IdempotencyRun | undefined }
      | { kind: "failed"; err: unknown }
      | { kind: "late" };
    const outcome = await Promise.race<Outcome>([
      worker.result.then(
        (run) => ({ kind: "done", run }),
        (err: unknown) => ({ kind: "failed", err }),
      ),
      by.then(
        () => ({ kind: "late" }),
        () => ({ kind: "late" }),
      ),
    ]);
    if (outcome.kind === "late") {
      await worker.stop();
      return undefined;
    }
    if (outcome.kind === "failed") {
      const err = outcome.err;
      if (err instanceof IdempotencyRunError && err.errorName === "ProgramError") {
        throw new ProgramError(err.message, err, err.resourcesRegistered);
      }
      // The worker itself failed (not the program): run it here instead.
      return undefined;
    }
    return outcome.run;
  };
  // The deployer's chain per workflow evaluates bootstrap/ and the stack as CI's identity. It
  // shares this thread's Pulumi runtime with an in-process second run, so it follows it; either
  // way it runs while the verifiers (child processes) do.
  const ciOptions = options.ci !== false && options.program === undefined ? options.ci : undefined;
  const ciChain = async (): Promise<CiReport[] | undefined> => {
    if (ciOptions === undefined) {
      return undefined;
    }
    progress("simulating the CI deployer chain of each workflow…");
    const t4 = performance.now();
    try {
      return await runAllWorkflows({ ...ciOptions, keys: ciOptions.keys ?? keys });
    } finally {
      ciMs = performance.now() - t4;
    }
  };
  const evaluations = async (
    verifying: Promise<unknown>,
  ): Promise<{ second: IdempotencyRun; ci?: CiReport[] }> => {
    if (worker === undefined) {
      const second = await inProcessRun();
      return { second, ci: await ciChain() };
    }
    const ci = await ciChain();
    // With `parallel: true` the worker's run is awaited. With "auto" it is used when done by the
    // end of the verification and by twice the first run's time (it runs at a lower priority, so
    // a busy machine can starve it); else this thread evaluates. Either way, also when the worker
    // could not hand its resources back.
    let timer: NodeJS.Timeout | undefined;
    const deadline =
      options.parallel === true
        ? new Promise<never>(() => undefined)
        : Promise.all([
            verifying,
            new Promise((r) => {
              timer = setTimeout(r, Math.max(0, t0 + 2 * evaluateMs - performance.now()));
            }),
          ]);
    const second = await workerRun(deadline).finally(() => clearTimeout(timer));
    return { second: second ?? (await inProcessRun()), ci };
  };
  progress("verifying, and evaluating the program again (idempotency)…");
  // Both settle before either failure is raised, so no emulator outlives the simulation.
  const verifying = verification();
  const [verified, evaluated] = await Promise.allSettled([verifying, evaluations(verifying)]);
  if (evaluated.status === "rejected") {
    throw evaluated.reason;
  }
  if (verified.status === "rejected") {
    throw verified.reason;
  }
  const outcomes = verified.value;
  const { second, ci } = evaluated.value;
  const secondRunMs = second.ms;
  const idempotency = compareRuns(first.resources, second.resources);
  const resultDiagnoses = verify ? interpretResults(model, outcomes, staticDiagnoses) : [];
  const diagnoses = [...resultDiagnoses, ...staticDiagnoses];

  const access: AccessRow[] = verificationPlan.targets.map((t) => {
    const r = outcomes.find((o) => o.target === t)?.result;
    return {
      principal: t.principal,
      via: t.via,
      identity: t.identity?.name,
      vault: t.vault.name,
      secret: t.secret.name,
      expected: t.expected,
      expectedSource: t.expectedSource,
      expectedFrom: t.expectedFrom,
      ...(t.verifierExpected !== undefined ? { verifierExpected: t.verifierExpected } : {}),
      grantedBy: t.grantedBy,
      ...(r
        ? {
            actual: verdictOf(r),
            ok:
              verdictOf(r) === t.expected &&
              (t.verifierExpected === undefined || verdictOf(r) === t.verifierExpected),
            oid: r.tokenClaims?.oid,
            attempts: r.attempts,
            elapsedMs: r.elapsedMs,
            status: r.status,
            diagnosis: r.diagnosis,
          }
        : {}),
    };
  });

  const enforced = options.enforcePolicies ?? options.program === undefined;
  const failed = {
    accessMismatches: access.filter((a) => a.ok === false).length,
    errorDiagnoses: diagnoses.filter((d) => d.severity === "error").length,
    mandatoryPolicies: policy.filter((v) => v.level === "mandatory").length,
    policiesEnforced: enforced,
    idempotencyChanges: idempotency.changes,
    ciChain: ci !== undefined && ciExitCode(ci) !== 0,
  };
  const failing =
    failed.accessMismatches > 0 ||
    failed.errorDiagnoses > 0 ||
    (enforced && failed.mandatoryPolicies > 0) ||
    failed.idempotencyChanges > 0 ||
    failed.ciChain;
  return {
    stack: options.stack,
    program: path.relative(process.cwd(), program) || program,
    configFile: options.configFile ? path.relative(process.cwd(), options.configFile) : undefined,
    configSource:
      options.configSource ??
      (options.configFile ? path.relative(process.cwd(), options.configFile) : "none"),
    programOutput: first.output,
    borrowedPackages: [...borrowedPackages].sort(),
    failed,
    phasesMs: {
      evaluate: Math.round(evaluateMs),
      secondRun: Math.round(secondRunMs),
      secondRunParallel: second.parallel,
      ci: Math.round(ciMs),
      emulators: Math.round(emulatorsMs),
      verifiers: Math.round(verifiersMs),
      total: Math.round(performance.now() - started),
    },
    plan: buildPlan(first.resources),
    expectationSource: verificationPlan.expectationSource,
    access,
    verified: verify,
    policiesEvaluated: options.policies !== false,
    diagnoses,
    policy,
    idempotency,
    timeline: buildTimeline(first.resources),
    mermaid: mermaidFlowchart(graph),
    accessGraph: graph,
    ci,
    exitCode: failing ? 1 : 0,
  };
}

// -------------------------------------------------------------------------------------------------
// Text report

const useColor = () => process.stdout.isTTY === true && !process.env.NO_COLOR;
const paint = (code: string) => (s: string) => (useColor() ? `\x1b[${code}m${s}\x1b[0m` : s);
const green = paint("32");
const red = paint("31");
const yellow = paint("33");
const bold = paint("1");
const dim = paint("2");

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => visible(r[i] ?? "").length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => c + " ".repeat(Math.max(0, widths[i]! - visible(c).length)))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

function visible(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\x1b\[[0-9;]*m/g, "");
}

const EXPECTATION_HEADER: Record<SimulationReport["expectationSource"], string> = {
  declared: "the program's expectedAccess",
  inferred: "inferred from the apps' own configuration",
  mixed: "declared or inferred where the program says, else derived from role assignments",
  derived: "derived from role assignments",
};

export function formatAccess(report: SimulationReport): string {
  const rows: string[][] = [
    ["", "principal", "secret", "expected", "actual", "token oid", "granted by", "expected from"],
  ];
  for (const a of report.access) {
    const mark = a.ok === undefined ? dim("·") : a.ok ? green("✓") : red("✗");
    rows.push([
      mark,
      a.principal,
      `${a.vault}/${a.secret}`,
      a.expected,
      a.actual === undefined
        ? dim("not run")
        : a.ok
          ? a.actual
          : red(a.actual === "error" && a.status === undefined ? "error" : a.actual),
      a.oid ?? "—",
      a.grantedBy ? `${a.grantedBy.role} @ ${a.grantedBy.scope}` : "—",
      a.expectedFrom +
        (a.verifierExpected !== undefined && a.expectedSource !== "verifier"
          ? `; verifier expects ${a.verifierExpected}`
          : ""),
    ]);
  }
  return table(rows);
}

/** Whether the CI chain is the only reason for a non-zero exit. */
function onlyCiFails(report: SimulationReport): boolean {
  return (
    report.ci !== undefined &&
    ciExitCode(report.ci) !== 0 &&
    report.access.every((a) => a.ok !== false) &&
    !report.diagnoses.some((d) => d.severity === "error") &&
    !report.policy.some((v) => v.level === "mandatory") &&
    report.idempotency.changes === 0
  );
}

export function formatReport(report: SimulationReport): string {
  const out: string[] = [];
  const section = (title: string) => out.push("", bold(title), "");
  out.push(
    bold(`zerocred simulation — stack ${report.stack}`) +
      dim(` (program ${report.program}; config: ${report.configSource})`),
  );
  if (report.borrowedPackages.length > 0) {
    out.push(
      dim(
        `Not installed beside the program, taken from zerocred's node_modules: ${report.borrowedPackages.join(", ")}.`,
      ),
    );
  }
  if (report.programOutput.length > 0) {
    section("Program output");
    out.push(...report.programOutput.map((l) => `  | ${l}`));
  }

  section(`1. Plan: ${report.plan.total} resources in ${report.plan.components} components`);
  out.push(formatPlan(report.plan));

  section(`2. Access matrix (expected: ${EXPECTATION_HEADER[report.expectationSource]})`);
  if (report.expectationSource === "derived" && report.access.length > 0) {
    out.push(
      yellow(
        'The program declares no intent (no expectedAccess export, no vault reference in its apps\' configuration), so the expected column is derived from its own role assignments: a grant on the wrong vault, secret or principal cannot be caught. Declare intent: export const expectedAccess = [expectAccess(workload(ns, sa), { vault, secret }, "allow"), …] (components/intent.ts).',
      ),
      "",
    );
  }
  out.push(
    report.access.length > 0 ? formatAccess(report) : dim("No principal reads any vault secret."),
  );
  if (!report.verified) {
    out.push(dim("Verification skipped (--no-verify)."));
  }

  section(`3. Diagnosis`);
  if (report.diagnoses.length === 0) {
    out.push(green("Nothing to report: every chain is complete."));
  }
  for (const d of report.diagnoses) {
    const tag = d.severity === "error" ? red("error") : yellow("warning");
    out.push(`${tag} ${d.code} — ${d.subject}`, `  ${d.message}`, `  fix: ${d.fix}`);
  }

  section(`4. Policy pack`);
  if (!report.policiesEvaluated) {
    out.push(dim("Not evaluated (--no-policy)."));
  } else if (report.policy.length === 0) {
    out.push(green("Every policy passes."));
  }
  for (const v of report.policy) {
    const tag = v.level === "mandatory" ? red("mandatory") : yellow("advisory");
    out.push(
      `${tag} ${v.policy}${v.resource ? ` (${v.resource.split("::").pop()})` : ""}: ${v.message}`,
    );
  }

  section(`5. Idempotency`);
  out.push(formatIdempotency(report.idempotency));

  section(`6. Deploy timeline`);
  out.push(formatTimeline(report.timeline));

  section(`7. Who can read what (Mermaid)`);
  out.push("```mermaid", report.mermaid.trimEnd(), "```");

  if (report.ci !== undefined) {
    section(`8. CI deployer chain (.github/workflows, as each workflow runs)`);
    out.push(...formatCiSummary(report.ci));
  }

  const p = report.phasesMs;
  out.push(
    "",
    dim(
      `Phases: program ${p.evaluate} ms, second run ${p.secondRun} ms${p.secondRunParallel ? " (worker thread, beside the program)" : ""}, emulators ${p.emulators} ms, verifiers ${p.verifiers} ms${report.ci !== undefined ? `, CI chain ${p.ci} ms` : ""}; total ${p.total} ms.`,
    ),
    resultLine(report),
    "",
  );
  return out.join("\n");
}

/** The summary line: what failed, each kind separately, or what passed and how far it is proven. */
export function resultLine(report: SimulationReport): string {
  const f = report.failed;
  if (onlyCiFails(report)) {
    return red(
      "Result: the workloads' chain holds, but the deployment would fail in CI — see section 8.",
    );
  }
  const parts: string[] = [];
  if (f.accessMismatches > 0) {
    parts.push(`${f.accessMismatches} access mismatch(es)`);
  }
  if (f.errorDiagnoses > 0) {
    parts.push(`${f.errorDiagnoses} error diagnosis(es)`);
  }
  if (f.policiesEnforced && f.mandatoryPolicies > 0) {
    parts.push(`${f.mandatoryPolicies} mandatory policy violation(s)`);
  }
  if (f.idempotencyChanges > 0) {
    parts.push(`${f.idempotencyChanges} change(s) on a second run (not idempotent)`);
  }
  if (f.ciChain) {
    parts.push("the deployment would fail in CI (section 8)");
  }
  const notEnforced =
    !f.policiesEnforced && f.mandatoryPolicies > 0
      ? ` (${f.mandatoryPolicies} mandatory policy violation(s) reported, not enforced for --program: --enforce-policy to fail on them)`
      : "";
  if (parts.length > 0) {
    return red(`Result: FAILED — ${parts.join("; ")}. See the sections above.`) + dim(notEnforced);
  }
  const caveat =
    report.expectationSource === "derived"
      ? " — but intent was derived from the grants themselves, so a grant on the wrong vault, secret or principal cannot be caught: declare expectedAccess (README)"
      : "";
  return (
    (caveat ? yellow : green)(
      `Result: every principal gets exactly the access ${report.expectationSource === "derived" ? "its grants give" : "it should"}${caveat}.`,
    ) + dim(notEnforced)
  );
}

export { ProgramError };
