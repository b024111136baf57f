/**
 * `npm start`'s options: the usage text and the parser. It imports nothing heavy, so the launchers
 * (sim/start.cjs, sim/zerocred.cjs) answer --help and reject a bad option before they load the
 * simulation (Pulumi, the SDKs: about a second).
 */
import { didYouMean } from "../components/rules/didYouMean";
import { DEFAULT_TIMEOUT_MS } from "./limits";

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
