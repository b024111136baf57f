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
import { didYouMean } from "../components/rules/didYouMean";
import { IntentError } from "./model/intent";
import { DEFAULT_TIMEOUT_MS, ProgramError } from "./program";
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
  /** Settle timeout for the program, in seconds. */
  timeoutSeconds: number;
  /** `org/project/stack` → JSON file with that stack's outputs. */
  stackOutputs: Record<string, string>;
  /** invoke token → JSON file with its result. */
  invokeResults: Record<string, string>;
  /** Mandatory policy violations fail the run (default: only for zerocred's own stack). */
  enforcePolicy?: boolean;
  /** `--ci <workflow>`: simulate the deployer's chain for that workflow only (sim/deployer). */
  ci?: string;
  /** `--bootstrap-config <file>`: the bootstrap stack file the CI chain evaluates. */
  bootstrapConfig?: string;
  /** `--no-ci`: leave the CI chain out of the normal report. */
  skipCi?: boolean;
}

const ROOT = path.resolve(__dirname, "..");

export const USAGE = `Usage: npm start -- [--stack <name>] [--config <file>] [--program <module.ts>] [--json]
                      [--svg <file>] [--no-verify] [--no-policy] [--enforce-policy]
                      [--propagation-delay <seconds>] [--timeout <seconds>]
                      [--stack-outputs <org/project/stack>=<file.json>] [--invoke-result <token>=<file.json>]
                      [--ci <workflow>] [--bootstrap-config <file>] [--no-ci]

  --stack <name>              simulate Pulumi.<name>.yaml (default: dev)
  --config <file>             simulate with any config file in the Pulumi.<stack>.yaml format
  --program <module.ts>       simulate any Pulumi TypeScript program (default: infra/index.ts)
  --json                      print one machine-readable JSON document
  --svg <file>                also write the access graph (who can read what) as an SVG file
  --no-verify                 skip the emulators and verifiers (plan, matrix and diagnosis only)
  --no-policy                 do not evaluate the policy pack (identity chain only)
  --enforce-policy            mandatory policy violations fail the run (exit 1); the default for
                              zerocred's own stack, off for --program (the pack is zerocred's opinion)
  --timeout <s>               fail (exit 2) when the program has not settled after <s> seconds (default: 60)
  --stack-outputs <ref>=<f>   the outputs a StackReference <ref> reads (JSON of \`pulumi stack output --json\`)
  --invoke-result <tok>=<f>   the result of an invoke reading a resource outside the program (JSON)
  --propagation-delay <s>     RBAC propagation delay the vault emulator applies (default: 0)
  --ci <workflow>             simulate the deployer's chain of one workflow (main, pr, a path): OIDC
                              subject, federated credential, ARM rights, kubelogin, AKS RBAC, policy pack
  --bootstrap-config <file>   bootstrap stack file for the CI chain (default: bootstrap/Pulumi.example.yaml)
  --no-ci                     leave the CI chain of .github/workflows out of the normal report

Environment: ZEROCRED_TIME_SCALE=<1-1000> runs the verifiers' backoff and retry budget and the
emulators' propagation delay that many times as fast (the same attempts, sooner; the report's
times are on the simulated clock). Default 1.

Exit codes: 0 every principal gets exactly the intended access; 1 an access mismatch, an error
diagnosis, a failed idempotency check, a failing CI chain or (when enforced) a mandatory policy;
2 invalid arguments or config, or a program that fails to run or settle; 3 a defect in zerocred itself.
`;

/** Every option the usage text names (one list: the help text), for "did you mean". */
const OPTIONS = [...new Set(USAGE.match(/--[a-z][a-z-]*/g) ?? [])];
const HELP_HINT = "Run npm start -- --help for the options.";

export class UsageError extends Error {}

export function parseArgs(argv: readonly string[]): CliOptions {
  const opts: CliOptions = {
    stack: "dev",
    json: false,
    help: false,
    skipVerification: false,
    skipPolicies: false,
    propagationDelaySeconds: 0,
    timeoutSeconds: DEFAULT_TIMEOUT_MS / 1000,
    stackOutputs: {},
    invokeResults: {},
  };
  const pair = (i: number, flag: string): [string, string] => {
    const raw = value(i, flag);
    const at = raw.lastIndexOf("=");
    if (at <= 0 || at === raw.length - 1) {
      throw new UsageError(
        `${flag} ${JSON.stringify(raw)} is not <name>=<file.json>, e.g. ${flag} ${
          flag === "--stack-outputs"
            ? "acme/platform/prod=./platform-prod.json"
            : "azure-native:keyvault:getVault=./vault.json"
        }.`,
      );
    }
    return [raw.slice(0, at), raw.slice(at + 1)];
  };
  const value = (i: number, flag: string): string => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith("--")) {
      throw new UsageError(`${flag} needs a value. ${HELP_HINT}`);
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
      case "--enforce-policy":
        opts.enforcePolicy = true;
        break;
      case "--timeout": {
        const raw = value(i++, arg);
        const n = Number(raw);
        if (!Number.isFinite(n) || n <= 0 || n > 3600) {
          throw new UsageError(
            `--timeout ${JSON.stringify(raw)} is not a number of seconds from 1 to 3600.`,
          );
        }
        opts.timeoutSeconds = n;
        break;
      }
      case "--stack-outputs": {
        const [k, f] = pair(i++, arg);
        opts.stackOutputs[k] = f;
        break;
      }
      case "--invoke-result": {
        const [k, f] = pair(i++, arg);
        opts.invokeResults[k] = f;
        break;
      }
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
      default: {
        const hint = didYouMean(arg, OPTIONS);
        throw new UsageError(
          `Unknown option ${JSON.stringify(arg)}.${
            hint !== undefined ? ` Did you mean ${JSON.stringify(hint)}?` : ""
          } ${HELP_HINT}`,
        );
      }
    }
  }
  return opts;
}

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
