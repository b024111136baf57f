/**
 * The rule model of the zerocred policy pack. A rule is plain data plus a pure `check` function, so the
 * same rule runs inside CrossGuard (`policies/index.ts`, through `lib/crossguard.ts`) and offline
 * (`policies/evaluate.ts`, on the resources the simulated cloud records).
 */

/** A level a rule can be enforced at (`disabled` is a configuration choice, not a rule default). */
export type RuleLevel = "mandatory" | "advisory";
/** The stack's environment, read from the pack config value `environment`. */
export type Environment = "dev" | "prod";

/** Where a rule comes from. `id` is the identifier as the source publishes it. */
export interface RuleSource {
  readonly kind:
    | "psrule"
    | "checkov"
    | "azure-policy"
    | "mcsb"
    | "microsoft-learn"
    | "azure-workload-identity"
    | "kubernetes";
  readonly id: string;
  readonly url?: string;
}

/** Metadata every rule carries. */
export interface RuleMeta {
  /** Kebab-case verb phrase, unique in the pack, e.g. `keyvault-requires-rbac-authorization`. */
  readonly name: string;
  /** A full sentence saying what the rule requires. */
  readonly description: string;
  readonly severity: "low" | "medium" | "high" | "critical";
  /** The published rules this rule implements (at least one). */
  readonly sources: readonly RuleSource[];
  /** The level used when neither the environment nor the pack config says otherwise. */
  readonly enforcementLevel: RuleLevel;
  /** Per-environment levels (pack config value `environment`), e.g. advisory in `dev`. */
  readonly environmentLevels?: Partial<Record<Environment, RuleLevel>>;
  readonly remediationSteps: string;
  readonly url?: string;
}

/** The identity of the resource being checked. */
export interface ResourceRef {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
}

/** A resource-level rule: checks one resource's inputs. Returns one message per violation. */
export interface ResourceRule extends RuleMeta {
  readonly kind: "resource";
  readonly resourceTypes: readonly string[];
  check(props: Record<string, unknown>, resource: ResourceRef): string[];
}

/** A resource as a stack-level rule sees it: its state (inputs overlaid by outputs) and its dependencies. */
export interface StackResource {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  readonly props: Record<string, unknown>;
  /** URNs this resource is ordered after (`dependsOn` and property dependencies). */
  readonly dependencies: readonly string[];
  readonly parent?: string;
}

export interface StackFinding {
  readonly urn?: string;
  readonly message: string;
}

/** A stack-level rule: checks relations between resources. */
export interface StackRule extends RuleMeta {
  readonly kind: "stack";
  check(resources: readonly StackResource[]): StackFinding[];
}

export type Rule = ResourceRule | StackRule;

/**
 * A resource rule whose `check` receives the provider's typed inputs (`TProps`, e.g.
 * `pulumi.Unwrap<keyvault.VaultArgs>`). Values may still be missing or unknown at run time: rules read
 * them with optional chaining and the helpers below.
 */
export function defineResourceRule<TProps>(
  rule: Omit<ResourceRule, "kind" | "check"> & {
    check(props: TProps, resource: ResourceRef): string[];
  },
): ResourceRule {
  const { check, ...meta } = rule;
  return {
    ...meta,
    kind: "resource",
    check: (props, resource) => check(props as TProps, resource),
  };
}

export function defineStackRule(rule: Omit<StackRule, "kind">): StackRule {
  return { ...rule, kind: "stack" };
}

/** The level a rule runs at in `environment` (before any explicit pack-config override). */
export function levelFor(rule: RuleMeta, environment?: Environment): RuleLevel {
  return (environment && rule.environmentLevels?.[environment]) ?? rule.enforcementLevel;
}

/** Pulumi's marker for a value not known until apply (preview). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export function isUnknown(value: unknown): boolean {
  return value === UNKNOWN;
}

/** Renders a value for a message: `unset` for undefined, JSON otherwise. */
export function show(value: unknown): string {
  return value === undefined ? "unset" : JSON.stringify(value);
}

export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

export function asArray(value: unknown): unknown[] | undefined {
  return Array.isArray(value) ? value : undefined;
}

/** A known string (not the preview unknown marker), else undefined. */
export function asString(value: unknown): string | undefined {
  return typeof value === "string" && !isUnknown(value) ? value : undefined;
}

/** Reads a dotted path (`a.b.c`) from a plain object. */
export function getPath(value: unknown, path: string): unknown {
  let cur: unknown = value;
  for (const key of path.split(".")) {
    const rec = asRecord(cur);
    if (rec === undefined) {
      return undefined;
    }
    cur = rec[key];
  }
  return cur;
}

/**
 * True when any value is a preview unknown (or an array holding one): the rule cannot decide yet and
 * reports nothing; the engine runs it again with known values during the update.
 */
export function unknownIn(...values: unknown[]): boolean {
  return values.some((v) => isUnknown(v) || (Array.isArray(v) && v.some(isUnknown)));
}
