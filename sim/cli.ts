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
import { ProgramError } from "./program";
import { accessSvg } from "./svg";
import { simulate, formatReport, type SimulationReport } from "./simulate";
import { ciOptions, runCiCli } from "./deployer/cli";

export interface CliOptions {
  stack: string;
  configFile?: string;
  program?: string;
  json: boolean;
  /** Write the access graph as an SVG file here (resolved against the working directory). */
  svgFile?: string;
  help: boolean;
  skipVerification: boolean;
  skipPolicies: boolean;
  propagationDelaySeconds: number;
  /** `--ci <workflow>`: simulate the deployer's chain for that workflow only (sim/deployer). */
  ci?: string;
  /** `--bootstrap-config <file>`: the bootstrap stack file the CI chain evaluates. */
  bootstrapConfig?: string;
  /** `--no-ci`: leave the CI chain out of the normal report. */
  skipCi?: boolean;
}

const ROOT = path.resolve(__dirname, "..");

export const USAGE = `Usage: npm start -- [--stack <name>] [--config <file>] [--program <module.ts>] [--json]
                      [--svg <file>] [--no-verify] [--no-policy] [--propagation-delay <seconds>]
                      [--ci <workflow>] [--bootstrap-config <file>] [--no-ci]

  --stack <name>              simulate Pulumi.<name>.yaml (default: dev)
  --config <file>             simulate with any config file in the Pulumi.<stack>.yaml format
  --program <module.ts>       simulate any Pulumi TypeScript program (default: infra/index.ts)
  --json                      print one machine-readable JSON document
  --svg <file>                also write the access graph (who can read what) as an SVG file
  --no-verify                 skip the emulators and verifiers (plan, matrix and diagnosis only)
  --no-policy                 do not evaluate the policy pack (identity chain only)
  --propagation-delay <s>     RBAC propagation delay the vault emulator applies (default: 0)
  --ci <workflow>             simulate the deployer's chain of one workflow (main, pr, a path): OIDC
                              subject, federated credential, ARM rights, kubelogin, AKS RBAC, policy pack
  --bootstrap-config <file>   bootstrap stack file for the CI chain (default: bootstrap/Pulumi.example.yaml)
  --no-ci                     leave the CI chain of .github/workflows out of the normal report
`;

export class UsageError extends Error {}

export function parseArgs(argv: readonly string[]): CliOptions {
  const opts: CliOptions = {
    stack: "dev",
    json: false,
    help: false,
    skipVerification: false,
    skipPolicies: false,
    propagationDelaySeconds: 0,
  };
  const value = (i: number, flag: string): string => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith("--")) {
      throw new UsageError(`${flag} needs a value.\n\n${USAGE}`);
    }
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    switch (arg) {
      case "--stack":
        opts.stack = value(i++, arg);
        if (!/^[A-Za-z0-9_.-]+$/.test(opts.stack)) {
          throw new UsageError(
            `--stack ${JSON.stringify(opts.stack)} is not a stack name: use letters, digits, '-', '_' or '.'.`,
          );
        }
        break;
      case "--config":
        opts.configFile = value(i++, arg);
        break;
      case "--program":
        opts.program = value(i++, arg);
        break;
      case "--json":
        opts.json = true;
        break;
      case "--svg":
        opts.svgFile = value(i++, arg);
        break;
      case "--no-verify":
        opts.skipVerification = true;
        break;
      case "--no-policy":
        opts.skipPolicies = true;
        break;
      case "--propagation-delay": {
        const raw = value(i++, arg);
        const n = Number(raw);
        if (!Number.isFinite(n) || n < 0 || n > 600) {
          throw new UsageError(
            `--propagation-delay ${JSON.stringify(raw)} is not a number of seconds from 0 to 600.`,
          );
        }
        opts.propagationDelaySeconds = n;
        break;
      }
      case "--ci":
        opts.ci = value(i++, arg);
        break;
      case "--bootstrap-config":
        opts.bootstrapConfig = value(i++, arg);
        break;
      case "--no-ci":
        opts.skipCi = true;
        break;
      case "-h":
      case "--help":
        opts.help = true;
        break;
      default:
        throw new UsageError(`Unknown option ${JSON.stringify(arg)}.\n\n${USAGE}`);
    }
  }
  return opts;
}

/** Where the config comes from: --config, else Pulumi.<stack>.yaml (absent is fine with --program). */
export function resolveConfigFile(opts: CliOptions, cwd = process.cwd()): string | undefined {
  if (opts.configFile) {
    return path.resolve(cwd, opts.configFile);
  }
  const file = path.join(ROOT, `Pulumi.${opts.stack}.yaml`);
  if (!fs.existsSync(file)) {
    if (opts.program) {
      return undefined;
    }
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

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI; returns the exit code and what it printed (testable without a process). */
export async function runCli(
  argv: readonly string[],
  io: { progress?: (line: string) => void; cwd?: string } = {},
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
    const svgFile = opts.svgFile ? path.resolve(io.cwd ?? process.cwd(), opts.svgFile) : undefined;
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
      verify: !opts.skipVerification,
      policies: !opts.skipPolicies,
      propagationDelayMs: opts.propagationDelaySeconds * 1000,
      ci: opts.skipCi === true ? false : ciOptions(opts, io.cwd ?? process.cwd()),
      progress: opts.json ? undefined : io.progress,
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
    if (err instanceof UsageError) {
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
      return { code: 2, stdout: "", stderr: `The program failed to run: ${err.message}\n` };
    }
    throw err;
  }
}

async function main(): Promise<void> {
  const progress = (line: string) => {
    if (process.stderr.isTTY) {
      process.stderr.write(`\r\x1b[2K${line}`);
    } else {
      process.stderr.write(`${line}\n`);
    }
  };
  const result = await runCli(process.argv.slice(2), { progress });
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
