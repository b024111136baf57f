/**
 * `npm start` — the offline simulation.
 *
 *   npm start                              the dev stack (Pulumi.dev.yaml)
 *   npm start -- --stack prod              Pulumi.prod.yaml
 *   npm start -- --config ./my.yaml        any file in the Pulumi.<stack>.yaml format
 *   npm start -- --program ./prog.ts       any Pulumi TypeScript program (config optional)
 *   npm start -- --json                    one machine-readable document
 *   npm start -- --svg access.svg          also write the access graph as a standalone SVG
 *
 * Exit codes: 0 all as expected; 1 a mismatch or an error diagnosis; 2 invalid config or a
 * program that fails to run (its message, no stack trace for user errors).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import {
  ConfigError,
  formatConfigIssues,
  parseStackConfig,
  readStackConfigFile,
} from "../infra/config";
import { parse as parseYaml } from "yaml";
import { parseArgs, UsageError, USAGE, type CliOptions } from "./args";
import { IntentError } from "./model/intent";
import { ProgramError } from "./program";
import { accessSvg } from "./svg";
import {
  simulate,
  formatReport,
  timeScaleFromEnv,
  TimeScaleError,
  type SimulationReport,
} from "./simulate";
import { ciOptions, runCiCli } from "./deployer/cli";
import { KEY_FILE } from "./emulators/keyStore";

const ROOT = path.resolve(__dirname, "..");

export { parseArgs, UsageError, USAGE, type CliOptions } from "./args";

/**
 * Where the config comes from: --config; for --program, the program's own Pulumi.<stack>.yaml
 * beside it (or none — zerocred's own stack files never apply to someone else's program); else
 * zerocred's Pulumi.<stack>.yaml.
 */
export function resolveConfigFile(opts: CliOptions, cwd = process.cwd()): string | undefined {
  if (opts.configFile) {
    return path.resolve(cwd, opts.configFile);
  }
  if (opts.program) {
    const beside = path.join(
      path.dirname(path.resolve(cwd, opts.program)),
      `Pulumi.${opts.stack}.yaml`,
    );
    return fs.existsSync(beside) ? beside : undefined;
  }
  const file = path.join(ROOT, `Pulumi.${opts.stack}.yaml`);
  if (!fs.existsSync(file)) {
    const stacks = fs
      .readdirSync(ROOT)
      .filter((f) => /^Pulumi\.[^.]+\.yaml$/.test(f))
      .map((f) => f.slice("Pulumi.".length, -".yaml".length));
    throw new UsageError(
      `There is no Pulumi.${opts.stack}.yaml for --stack ${opts.stack}. Stacks here: ${stacks.join(", ") || "none"}. ` +
        `Create it (e.g. copy Pulumi.dev.yaml) or pass --config <file>.`,
    );
  }
  return file;
}

/** The project name of a program: `name:` of the Pulumi.yaml beside it, else undefined. */
export function projectNameOf(program: string): string | undefined {
  const file = path.join(path.dirname(program), "Pulumi.yaml");
  if (!fs.existsSync(file)) {
    return undefined;
  }
  try {
    const doc = parseYaml(fs.readFileSync(file, "utf8")) as { name?: unknown } | null;
    return typeof doc?.name === "string" && doc.name.length > 0 ? doc.name : undefined;
  } catch {
    throw new UsageError(
      `${file} is not valid YAML: fix it (Pulumi reads the project name from it).`,
    );
  }
}

/** Reads `name=file.json` pairs into objects; bad files are one-line usage errors. */
function readJsonFiles(
  flag: string,
  pairs: Record<string, string>,
  cwd: string,
): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [name, file] of Object.entries(pairs)) {
    const resolved = path.resolve(cwd, file);
    let parsed: unknown;
    try {
      parsed = JSON.parse(fs.readFileSync(resolved, "utf8"));
    } catch (err) {
      throw new UsageError(
        `${flag} ${name}=${file}: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : `not JSON (${(err as Error).message.split("\n")[0]})`}.`,
      );
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
      throw new UsageError(`${flag} ${name}=${file}: expected a JSON object of outputs.`);
    }
    out[name] = parsed as Record<string, unknown>;
  }
  return out;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI; returns the exit code and what it printed (testable without a process). */
export async function runCli(
  argv: readonly string[],
  io: {
    progress?: (line: string) => void;
    cwd?: string;
    /** Where the idempotency run is evaluated (simulate's `parallel`; the process entry passes "auto"). */
    parallel?: boolean | "auto";
  } = {},
): Promise<CliResult> {
  let opts: CliOptions;
  try {
    opts = parseArgs(argv);
  } catch (err) {
    return { code: 2, stdout: "", stderr: `${(err as Error).message}\n` };
  }
  if (opts.help) {
    return { code: 0, stdout: USAGE, stderr: "" };
  }
  if (opts.ci !== undefined) {
    return runCiCli(opts.ci, opts, io.cwd ?? process.cwd());
  }
  try {
    const configFile = resolveConfigFile(opts, io.cwd);
    const config = configFile ? readStackConfigFile(configFile) : {};
    const program = opts.program ? path.resolve(io.cwd ?? process.cwd(), opts.program) : undefined;
    if (program && !fs.existsSync(program)) {
      throw new UsageError(`--program ${opts.program}: no such file (resolved to ${program}).`);
    }
    if (!program) {
      // zerocred's own program: validate the config up front (all problems at once).
      parseStackConfig(config, { stack: opts.stack });
    }
    const cwd = io.cwd ?? process.cwd();
    const project = program ? projectNameOf(program) : undefined;
    const svgFile = opts.svgFile ? path.resolve(cwd, opts.svgFile) : undefined;
    if (svgFile && !fs.existsSync(path.dirname(svgFile))) {
      throw new UsageError(
        `--svg ${opts.svgFile}: the directory ${path.dirname(svgFile)} does not exist. Create it or choose another path.`,
      );
    }
    const report: SimulationReport = await simulate({
      config,
      stack: opts.stack,
      program,
      configFile,
      ...(project !== undefined ? { project } : {}),
      configSource: configFile
        ? opts.configFile
          ? `--config ${opts.configFile}`
          : path.relative(cwd, configFile) || configFile
        : `none (no Pulumi.${opts.stack}.yaml beside the program)`,
      timeoutMs: opts.timeoutSeconds * 1000,
      stackOutputs: readJsonFiles("--stack-outputs", opts.stackOutputs, cwd),
      invokeResults: readJsonFiles("--invoke-result", opts.invokeResults, cwd),
      enforcePolicies: opts.enforcePolicy ?? program === undefined,
      verify: !opts.skipVerification,
      policies: !opts.skipPolicies,
      propagationDelayMs: opts.propagationDelaySeconds * 1000,
      timeScale: timeScaleFromEnv(),
      ci: opts.skipCi === true ? false : ciOptions(opts, io.cwd ?? process.cwd()),
      progress: opts.json ? undefined : io.progress,
      ...(io.parallel !== undefined ? { parallel: io.parallel } : {}),
      keyFile: KEY_FILE,
    });
    let stdout = opts.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report);
    if (svgFile) {
      fs.writeFileSync(svgFile, accessSvg(report.accessGraph));
      if (!opts.json) {
        stdout += `Access graph written to ${svgFile}\n`;
      }
    }
    return { code: report.exitCode, stdout, stderr: "" };
  } catch (err) {
    if (err instanceof ConfigError) {
      return {
        code: 2,
        stdout: "",
        stderr: `Invalid configuration:\n${formatConfigIssues(err.issues)}\n`,
      };
    }
    if (err instanceof IntentError) {
      return { code: 2, stdout: "", stderr: `${err.message}\n` };
    }
    if (err instanceof UsageError || err instanceof TimeScaleError) {
      return { code: 2, stdout: "", stderr: `${err.message}\n` };
    }
    if (err instanceof ProgramError) {
      const cause = (err as Error & { cause?: unknown }).cause;
      if (cause instanceof ConfigError) {
        return {
          code: 2,
          stdout: "",
          stderr: `Invalid configuration:\n${formatConfigIssues(cause.issues)}\n`,
        };
      }
      return {
        code: 2,
        stdout: "",
        stderr: `The program failed to run: ${err.message.replace(/\s*\n\s*/g, " ")}\n`,
      };
    }
    throw err;
  }
}

async function main(): Promise<void> {
  // The program's own output is captured while it runs; progress must not be.
  const write = process.stderr.write.bind(process.stderr);
  const progress = (line: string) => {
    if (process.stderr.isTTY) {
      write(`\r\x1b[2K${line}`);
    } else {
      write(`${line}\n`);
    }
  };
  // A failed program rejects several outputs; the first is the report, the rest are noise.
  process.on("unhandledRejection", () => undefined);
  const result = await runCli(process.argv.slice(2), { progress, parallel: "auto" });
  if (process.stderr.isTTY) {
    process.stderr.write("\r\x1b[2K");
  }
  process.stdout.write(result.stdout);
  process.stderr.write(result.stderr);
  process.exitCode = result.code;
}

/** The entry point (`npm start` → sim/start.cjs → here, or `tsx sim/cli.ts`). */
export function start(): void {
  main().catch((err: unknown) => {
    // Only a defect in zerocred itself gets here: show the trace.
    process.stderr.write(
      `zerocred simulation crashed (a bug, please report it):\n${String((err as Error)?.stack ?? err)}\n`,
    );
    process.exitCode = 3;
  });
}

if (require.main === module) {
  start();
}
