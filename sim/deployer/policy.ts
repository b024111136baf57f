/**
 * The policy pack exactly as a workflow runs it: `pulumi <cmd> --policy-pack <dir>
 * [--policy-pack-config <file>]`. CrossGuard gives each policy only what the config file says for it
 * (Pulumi docs, "Policy pack configuration", https://www.pulumi.com/docs/iac/crossguard/configuration/):
 * `{"<policy>": "<level>" | {"enforcementLevel"?: …, …properties}, "all": …}`; without a file no policy
 * sees an `environment`, whatever the stack's config says. The rules run through policies/evaluate.ts, the
 * same evaluator `npm start` uses; only the levels come from the file.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import {
  evaluatePolicies,
  fromRecorded,
  type EnforcementOverride,
  type PolicyViolation,
} from "../../policies/evaluate";
import { levelFor, type Environment } from "../../policies/lib/rule";
import { rules } from "../../policies/registry";
import type { RecordedResource } from "../cloud";

export interface PolicyRun {
  /** The pack config file, resolved, or undefined when the invocation passes none. */
  readonly configFile?: string;
  readonly violations: PolicyViolation[];
  /** Set when the pack cannot run as invoked (a missing or unreadable config file). */
  readonly error?: string;
}

type PackConfig = Record<string, unknown>;

function levelsFrom(config: PackConfig): Record<string, EnforcementOverride> {
  const all = config.all;
  const allLevel =
    typeof all === "string"
      ? all
      : typeof all === "object" && all !== null
        ? (all as { enforcementLevel?: string }).enforcementLevel
        : undefined;
  const out: Record<string, EnforcementOverride> = {};
  for (const rule of rules) {
    const entry = config[rule.name];
    const environment =
      typeof entry === "object" && entry !== null
        ? ((entry as { environment?: Environment }).environment ?? undefined)
        : undefined;
    const configured =
      typeof entry === "string"
        ? entry
        : typeof entry === "object" && entry !== null
          ? (entry as { enforcementLevel?: string }).enforcementLevel
          : undefined;
    const engineLevel = (configured ?? allLevel ?? rule.enforcementLevel) as EnforcementOverride;
    if (engineLevel === "disabled") {
      out[rule.name] = "disabled";
      continue;
    }
    // The pack reports with the environment's level when it differs from the declared one
    // (policies/lib/crossguard.ts `reporter`); no environment → the declared level.
    const envLevel = levelFor(rule, environment);
    out[rule.name] = envLevel !== rule.enforcementLevel ? envLevel : engineLevel;
  }
  return out;
}

/** Evaluates the pack on `resources` with the config file an invocation passes (or none). */
export function evaluatePackAsInvoked(
  resources: readonly RecordedResource[],
  configFile: string | undefined,
  root: string,
): PolicyRun {
  let config: PackConfig = {};
  let resolved: string | undefined;
  if (configFile !== undefined) {
    resolved = path.resolve(root, configFile);
    try {
      config = JSON.parse(fs.readFileSync(resolved, "utf8")) as PackConfig;
    } catch (err) {
      const why =
        (err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : "not valid JSON";
      return {
        configFile: resolved,
        violations: [],
        error: `--policy-pack-config ${configFile}: ${why} (resolved to ${path.relative(root, resolved)}); pulumi stops before the update.`,
      };
    }
  }
  const enforcement = levelsFrom(config);
  const violations = evaluatePolicies(resources.map(fromRecorded), { enforcement });
  return { configFile: resolved, violations };
}
