/**
 * Adapts zerocred rules to CrossGuard policies. The engine hands policies proxies that throw
 * `UnknownValueError` on preview unknowns; `snapshot` copies them into plain data with such values
 * replaced by {@link UNKNOWN}, so every rule treats unknowns the same way online and offline.
 */
import {
  UnknownValueError,
  type PolicyResource,
  type ReportViolation,
  type ResourceValidationPolicy,
  type StackValidationPolicy,
} from "@pulumi/policy";
import { levelFor, UNKNOWN, type Environment, type Rule, type StackResource } from "./rule";

/** Config every policy accepts: `{"<policy>": {"environment": "dev"}}` in the pack config file. */
export interface ZerocredPolicyConfig {
  readonly environment?: Environment;
}

const configSchema = {
  properties: {
    environment: {
      type: "string" as const,
      enum: ["dev", "prod"],
      description: "The stack's environment; some rules are advisory in dev and mandatory in prod.",
    },
  },
};

/** A plain deep copy of `value` with preview unknowns replaced by {@link UNKNOWN}. */
export function snapshot(value: unknown, depth = 0): unknown {
  if (typeof value !== "object" || value === null || depth > 32) {
    return value;
  }
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (let i = 0; i < value.length; i++) {
      out.push(snapshot(read(value, i), depth + 1));
    }
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    out[key] = snapshot(read(value, key), depth + 1);
  }
  return out;
}

function read(container: object, key: string | number): unknown {
  try {
    return (container as Record<string | number, unknown>)[key];
  } catch (e) {
    if (e instanceof UnknownValueError) {
      return UNKNOWN;
    }
    throw e;
  }
}

/**
 * Reports with the environment's level when it differs from the policy's declared level. The engine's
 * `reportViolation` accepts a diagnostic object with its own `enforcementLevel` (server.js,
 * `makeReportViolationFun`); the public typing only lists the string form.
 */
function reporter(rule: Rule, environment: Environment | undefined, report: ReportViolation) {
  const level = levelFor(rule, environment);
  return (message: string, urn?: string): void => {
    if (level === rule.enforcementLevel) {
      report(message, urn);
      return;
    }
    const diagnostic = { message: `${rule.description}\n${message}`, urn, enforcementLevel: level };
    (report as unknown as (d: typeof diagnostic) => void)(diagnostic);
  };
}

function stackResource(r: PolicyResource): StackResource {
  return {
    type: r.type,
    name: r.name,
    urn: r.urn,
    props: (snapshot(r.props) as Record<string, unknown> | undefined) ?? {},
    dependencies: r.dependencies.map((d) => d.urn),
    parent: r.parent?.urn,
  };
}

/** The CrossGuard policy for a rule. */
export function toPolicy(rule: Rule): ResourceValidationPolicy | StackValidationPolicy {
  const base = {
    name: rule.name,
    description: rule.description,
    enforcementLevel: rule.enforcementLevel,
    severity: rule.severity,
    remediationSteps: rule.remediationSteps,
    url: rule.url,
    tags: rule.sources.map((s) => s.id),
    configSchema,
  };
  if (rule.kind === "resource") {
    return {
      ...base,
      validateResource: (args, reportViolation) => {
        if (!rule.resourceTypes.includes(args.type)) {
          return;
        }
        const report = reporter(
          rule,
          args.getConfig<ZerocredPolicyConfig>().environment,
          reportViolation,
        );
        const props = (snapshot(args.props) as Record<string, unknown> | undefined) ?? {};
        for (const message of rule.check(props, {
          type: args.type,
          name: args.name,
          urn: args.urn,
        })) {
          report(message);
        }
      },
    };
  }
  return {
    ...base,
    validateStack: (args, reportViolation) => {
      const report = reporter(
        rule,
        args.getConfig<ZerocredPolicyConfig>().environment,
        reportViolation,
      );
      for (const finding of rule.check(args.resources.map(stackResource))) {
        report(finding.message, finding.urn);
      }
    },
  };
}
