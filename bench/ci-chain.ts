/**
 * The added time of the CI deployer chain (sim/deployer): every workflow in .github/workflows through
 * OIDC → Entra → ARM → kubelogin → AKS RBAC → policy pack, after the dev stack was evaluated once in the
 * same process (as `npm start` runs it: azure-native already loaded).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { runAllWorkflows } from "../sim/deployer/report";
import { prepareEmulatorKeys } from "../sim/emulators";
import { KEY_FILE } from "../sim/emulators/keyStore";
import { evaluateProgram } from "../sim/program";
import { DEFAULT_PROGRAM, freshRequire } from "../sim/simulate";

export interface CiChainFigure {
  readonly metric: string;
  readonly value: string;
  readonly detail: string;
  readonly runsMs: number[];
  /** CPU time of this process per run (user + system): independent of other load on the machine. */
  readonly cpuMs: number[];
  readonly perWorkflowMs: Record<string, number>[];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Median wall time of the chain for all workflows over `reps` runs (each with a fresh cache). */
export async function benchCiChain(root: string, reps: number): Promise<CiChainFigure> {
  const doc = parse(fs.readFileSync(path.join(root, "Pulumi.dev.yaml"), "utf8")) as {
    config: Record<string, unknown>;
  };
  // The emulator keys from the CLI's key file, and the process warmed, the way npm start has them
  // when the CI section runs.
  const keys = prepareEmulatorKeys(1, { keyFile: KEY_FILE });
  await evaluateProgram({
    config: doc.config,
    stack: "dev",
    load: async () => freshRequire(DEFAULT_PROGRAM),
  });
  const runsMs: number[] = [];
  const cpuMs: number[] = [];
  const perWorkflowMs: Record<string, number>[] = [];
  let findings = 0;
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    const cpu = process.cpuUsage();
    const reports = await runAllWorkflows({ root, keys });
    runsMs.push(performance.now() - t);
    const used = process.cpuUsage(cpu);
    cpuMs.push((used.user + used.system) / 1000);
    perWorkflowMs.push(Object.fromEntries(reports.map((r) => [r.workflow, r.ms])));
    findings = reports.reduce((n, r) => n + r.findings.length, 0);
  }
  const med = median(runsMs);
  return {
    metric: "npm start: added CI deployer chain (all workflows)",
    value: `${Math.round(med)} ms`,
    detail: `CPU ${Math.round(median(cpuMs))} ms; ${Object.keys(perWorkflowMs[0] ?? {}).join(", ")}; ${findings} finding(s); part of the npm start budget`,
    runsMs,
    cpuMs,
    perWorkflowMs,
  };
}
