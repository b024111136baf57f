/**
 * The `--ci` entry points of `npm start` (sim/cli.ts parses the flags and calls these):
 * `--ci <workflow>` runs the deployer's chain for one workflow; the normal report runs it for every
 * workflow in .github/workflows. Exit codes as the rest of `npm start`: 0 the chain holds, 1 a finding,
 * 2 bad input (one line, no stack trace).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ProgramError } from "../program";
import { resolveWorkflowFile, type CiOptions } from "./chain";
import { ciExitCode, formatCiReport, runWorkflows } from "./report";
import { WorkflowError } from "./workflow";

export interface CiCliOptions {
  readonly json: boolean;
  readonly program?: string;
  readonly bootstrapConfig?: string;
}

/** The CI options of the normal report; `false` for a program other than zerocred's own. */
export function ciOptions(opts: CiCliOptions, cwd: string): CiOptions | false {
  if (opts.program !== undefined) {
    return false;
  }
  return opts.bootstrapConfig !== undefined
    ? { bootstrapConfig: path.resolve(cwd, opts.bootstrapConfig) }
    : {};
}

/** `npm start -- --ci <workflow>`. */
export async function runCiCli(
  workflow: string,
  opts: CiCliOptions,
  cwd: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const file = resolveWorkflowFile(workflow, undefined, cwd);
    const bootstrapConfig =
      opts.bootstrapConfig !== undefined ? path.resolve(cwd, opts.bootstrapConfig) : undefined;
    if (bootstrapConfig !== undefined && !fs.existsSync(bootstrapConfig)) {
      throw new WorkflowError(
        `--bootstrap-config ${opts.bootstrapConfig}: no such file (resolved to ${bootstrapConfig}).`,
      );
    }
    const reports = await runWorkflows([file], { bootstrapConfig });
    const code = ciExitCode(reports);
    return {
      code,
      stdout: opts.json ? `${JSON.stringify(reports, null, 2)}\n` : formatCiReport(reports),
      stderr: "",
    };
  } catch (err) {
    if (err instanceof WorkflowError) {
      return { code: 2, stdout: "", stderr: `${err.message}\n` };
    }
    if (err instanceof ProgramError) {
      const first = err.message.split("\n")[0];
      return { code: 2, stdout: "", stderr: `The bootstrap program failed to run: ${first}\n` };
    }
    throw err;
  }
}
