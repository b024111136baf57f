/**
 * Runs every zerocred rule offline on a list of resources (the simulated cloud's recording, or test
 * fixtures): resource rules see each resource's inputs, stack rules see inputs overlaid by outputs plus
 * dependencies — what CrossGuard's `validateResource` and `validateStack` see on a real deployment.
 */
import { levelFor, type Environment, type RuleLevel, type StackResource } from "./lib/rule";
import { rules as allRules } from "./registry";
import type { Rule } from "./lib/rule";

export interface PolicyInputResource {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  /** Inputs, as the program declared them. */
  readonly props: Record<string, unknown>;
  /** Outputs, as the (simulated) provider returned them. */
  readonly outputs?: Record<string, unknown>;
  /** URNs this resource depends on (`dependsOn` and property dependencies). */
  readonly dependencies?: readonly string[];
  readonly parent?: string;
}

export interface PolicyViolation {
  readonly policy: string;
  readonly level: RuleLevel;
  readonly resource?: string;
  readonly message: string;
}

export type EnforcementOverride = RuleLevel | "disabled";

export interface EvaluateConfig {
  /** The stack's environment (the pack config value `environment`). Defaults to `prod`. */
  readonly environment?: Environment;
  /** Per-policy level overrides; the key `all` applies to every policy without its own entry. */
  readonly enforcement?: Readonly<Record<string, EnforcementOverride>>;
}

/** The shape `sim/cloud.ts` records (structural, so policies do not import the simulator). */
export interface RecordedResourceLike {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  readonly parent?: string;
  readonly inputs: Record<string, unknown>;
  readonly outputs?: Record<string, unknown>;
  readonly dependencies?: readonly string[];
}

/** Converts a simulated-cloud record into an evaluator input. */
export function fromRecorded(r: RecordedResourceLike): PolicyInputResource {
  return {
    type: r.type,
    name: r.name,
    urn: r.urn,
    props: r.inputs,
    outputs: r.outputs,
    dependencies: r.dependencies,
    parent: r.parent,
  };
}

/** The level a rule runs at under `config`, or `disabled`. */
export function effectiveLevel(rule: Rule, config: EvaluateConfig = {}): EnforcementOverride {
  return (
    config.enforcement?.[rule.name] ??
    config.enforcement?.all ??
    levelFor(rule, config.environment ?? "prod")
  );
}

function stackView(r: PolicyInputResource): StackResource {
  return {
    type: r.type,
    name: r.name,
    urn: r.urn,
    props: { ...r.props, ...(r.outputs ?? {}) },
    dependencies: r.dependencies ?? [],
    parent: r.parent,
  };
}

/** Every violation of every enabled rule, in rule order then resource order. */
export function evaluatePolicies(
  resources: readonly PolicyInputResource[],
  config: EvaluateConfig = {},
  rules: readonly Rule[] = allRules,
): PolicyViolation[] {
  const violations: PolicyViolation[] = [];
  const stack = resources.map(stackView);
  for (const rule of rules) {
    const level = effectiveLevel(rule, config);
    if (level === "disabled") {
      continue;
    }
    if (rule.kind === "resource") {
      for (const r of resources) {
        if (!rule.resourceTypes.includes(r.type)) {
          continue;
        }
        for (const message of rule.check(r.props, { type: r.type, name: r.name, urn: r.urn })) {
          violations.push({ policy: rule.name, level, resource: r.urn, message });
        }
      }
    } else {
      for (const finding of rule.check(stack)) {
        violations.push({
          policy: rule.name,
          level,
          resource: finding.urn,
          message: finding.message,
        });
      }
    }
  }
  return violations;
}

/** One line per violation, for `npm start`: `[mandatory] policy: message (urn)`. */
export function formatViolations(violations: readonly PolicyViolation[]): string[] {
  return violations.map(
    (v) =>
      `[${v.level}] ${v.policy}: ${v.message}${v.resource !== undefined ? ` (${v.resource})` : ""}`,
  );
}
