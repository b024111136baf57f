/**
 * The offline simulation of an identity chain: evaluate a Pulumi program in the simulated cloud,
 * model what it declared, seed the emulators from that model, run the real verifiers against
 * them, and explain every mismatch — before any `pulumi up`.
 */
import * as path from "node:path";
import { evaluatePolicies, fromRecorded, type PolicyViolation } from "../policies/evaluate";
import { SIM_TENANT_ID } from "./cloud";
import { diagnoseModel, interpretResults, type Diagnosis, type VerifierResult } from "./diagnose";
import { prepareEmulatorKeys, startEmulators, type EmulatorKeys } from "./emulators";
import { compareRuns, formatIdempotency, type IdempotencyReport } from "./idempotency";
import {
  buildModel,
  principalsToVerify,
  toEmulatorWorld,
  type DeploymentModel,
  type VerificationTarget,
} from "./model";
import { accessGraph, mermaidFlowchart, type AccessGraph } from "./picture";
import { buildPlan, formatPlan, type Plan } from "./plan";
import { evaluateProgram, ProgramError, type Evaluation } from "./program";
import { buildTimeline, formatTimeline, type Timeline } from "./timeline";
import { runVerifiers } from "./verifiers";
import type { CiOptions, CiReport } from "./deployer/chain";
import { ciExitCode, formatCiSummary, runAllWorkflows } from "./deployer/report";

export const DEFAULT_PROGRAM = path.join(__dirname, "..", "infra", "index.ts");

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
  /** Evaluate the policy pack and fail on mandatory violations (default true). */
  readonly policies?: boolean;
  /** Simulate the deployer's chain of each workflow in .github/workflows (sim/deployer); default off. */
  readonly ci?: CiOptions | false;
  readonly progress?: (line: string) => void;
}

export interface AccessRow {
  readonly principal: string;
  readonly via: "vm" | "workload";
  readonly identity?: string;
  readonly vault: string;
  readonly secret: string;
  readonly expected: "allow" | "deny";
  readonly actual?: string;
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
  readonly phasesMs: {
    readonly evaluate: number;
    readonly secondRun: number;
    readonly emulators: number;
    readonly verifiers: number;
    readonly total: number;
  };
  readonly plan: Plan;
  readonly expectationSource: "declared" | "derived";
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

/** Loads a CommonJS/TypeScript program afresh (tsx's hook compiles .ts): a new `pulumi up`. */
export function freshRequire(file: string): Record<string, unknown> {
  // Under `tsx` the hook is already there; elsewhere (vitest, plain node) register it once.
  if (!(".ts" in require.extensions)) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- tsx registers a CommonJS hook
    (require("tsx/cjs/api") as { register: () => void }).register();
  }
  for (const key of Object.keys(require.cache)) {
    if (!key.includes(`${path.sep}node_modules${path.sep}`)) {
      delete require.cache[key];
    }
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a Pulumi program is CommonJS
  return require(file) as Record<string, unknown>;
}

async function evaluate(options: SimulateOptions, program: string): Promise<Evaluation> {
  return evaluateProgram({
    config: options.config,
    stack: options.stack,
    load: async () => freshRequire(program),
  });
}

function environmentOf(config: Record<string, unknown>): "dev" | "prod" {
  return config["zerocred:environment"] === "dev" ? "dev" : "prod";
}

/** The verifiers' retry budget in the simulation: the injected delay plus a margin. */
export function simulationTimeoutSeconds(propagationDelayMs: number): number {
  return Math.ceil(propagationDelayMs / 1000) + 8;
}

export async function simulate(options: SimulateOptions): Promise<SimulationReport> {
  const started = performance.now();
  const progress = options.progress ?? (() => undefined);
  const program = options.program ?? DEFAULT_PROGRAM;

  // The emulators' keys do not depend on the program: make them on the thread pool meanwhile.
  const keys: Promise<EmulatorKeys> | undefined =
    options.verify === false ? undefined : prepareEmulatorKeys(1);
  keys?.catch(() => undefined);

  progress("evaluating the program in the simulated cloud…");
  const t0 = performance.now();
  const first = await evaluate(options, program);
  const evaluateMs = performance.now() - t0;

  const tenantId = first.cloud.tenantId ?? SIM_TENANT_ID;
  const model: DeploymentModel = buildModel(first.resources);
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
  const verify = options.verify !== false && verificationPlan.targets.length > 0;
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
      propagationDelayMs: options.propagationDelayMs ?? 0,
      keys,
    });
    emulatorsMs = performance.now() - t2;
    try {
      progress(`running ${verificationPlan.targets.length} verifications…`);
      const t3 = performance.now();
      const results = await runVerifiers(world, verificationPlan.targets, emulators, {
        timeoutSeconds: simulationTimeoutSeconds(options.propagationDelayMs ?? 0),
      });
      verifiersMs = performance.now() - t3;
      return results;
    } finally {
      await emulators.close();
    }
  };
  const secondRun = async (): Promise<{ evaluation: Evaluation; ms: number }> => {
    // The second evaluation is main-thread JavaScript; the verifiers are child processes and
    // the emulators' key generation runs on the thread pool, so the two overlap.
    const t1 = performance.now();
    const evaluation = await evaluate(options, program);
    return { evaluation, ms: performance.now() - t1 };
  };
  progress("verifying, and evaluating the program again (idempotency)…");
  const [outcomes, second] = await Promise.all([verification(), secondRun()]);
  const secondRunMs = second.ms;
  const idempotency = compareRuns(first.resources, second.evaluation.resources);
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
      grantedBy: t.grantedBy,
      ...(r
        ? {
            actual: r.actual,
            ok: r.actual === t.expected,
            oid: r.tokenClaims?.oid,
            attempts: r.attempts,
            elapsedMs: r.elapsedMs,
            status: r.status,
            diagnosis: r.diagnosis,
          }
        : {}),
    };
  });

  // The deployer's chain per workflow: after the program's own evaluations (they share the runtime).
  let ci: CiReport[] | undefined;
  if (options.ci !== undefined && options.ci !== false && options.program === undefined) {
    progress("simulating the CI deployer chain of each workflow…");
    ci = await runAllWorkflows({ ...options.ci, keys: options.ci.keys ?? keys });
  }

  const mismatch = access.some((a) => a.ok === false);
  const errors =
    diagnoses.some((d) => d.severity === "error") ||
    policy.some((v) => v.level === "mandatory") ||
    idempotency.changes > 0;
  return {
    stack: options.stack,
    program: path.relative(process.cwd(), program) || program,
    configFile: options.configFile ? path.relative(process.cwd(), options.configFile) : undefined,
    phasesMs: {
      evaluate: Math.round(evaluateMs),
      secondRun: Math.round(secondRunMs),
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
    exitCode: mismatch || errors || (ci !== undefined && ciExitCode(ci) !== 0) ? 1 : 0,
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

export function formatAccess(report: SimulationReport): string {
  const rows: string[][] = [
    ["", "principal", "secret", "expected", "actual", "token oid", "granted by", "attempts"],
  ];
  for (const a of report.access) {
    const mark = a.ok === undefined ? dim("·") : a.ok ? green("✓") : red("✗");
    rows.push([
      mark,
      a.principal,
      `${a.vault}/${a.secret}`,
      a.expected,
      a.actual === undefined ? dim("not run") : a.ok ? a.actual : red(a.actual),
      a.oid ?? "—",
      a.grantedBy ? `${a.grantedBy.role} @ ${a.grantedBy.scope}` : "—",
      a.attempts === undefined ? "" : String(a.attempts),
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
      dim(` (${report.program}${report.configFile ? `, ${report.configFile}` : ""})`),
  );

  section(`1. Plan: ${report.plan.total} resources in ${report.plan.components} components`);
  out.push(formatPlan(report.plan));

  section(
    `2. Access matrix (expected: ${report.expectationSource === "declared" ? "the program's expectedAccess" : "derived from role assignments"})`,
  );
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
      `Phases: program ${p.evaluate} ms, second run ${p.secondRun} ms, emulators ${p.emulators} ms, verifiers ${p.verifiers} ms; total ${p.total} ms.`,
    ),
    report.exitCode === 0
      ? green("Result: every principal gets exactly the access it should.")
      : onlyCiFails(report)
        ? red(
            "Result: the workloads' chain holds, but the deployment would fail in CI — see section 8.",
          )
        : red("Result: the identity chain is not as declared — see the diagnosis above."),
    "",
  );
  return out.join("\n");
}

export { ProgramError };
