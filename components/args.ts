/**
 * Runtime checks for components' required arguments.
 *
 * `pulumi up` transpiles TypeScript without type checks (and JavaScript or YAML callers have none), so
 * `tsc` does not stop `new KeyVault("kv", { vaultName })` without a resource group. Every component calls
 * {@link checkRequiredArgs} first — before `super()`, so before anything is registered — and a missing or
 * empty required argument fails with one line naming the component, the argument and the fix. The error
 * is a `pulumi.RunError`, which Pulumi prints without a stack trace (a user mistake, not a bug), like
 * infra/config.ts's ConfigError.
 */
import * as pulumi from "@pulumi/pulumi";

/** A component's arguments are wrong: the message names the component, each argument and its fix. */
export class ComponentArgsError extends pulumi.RunError {
  /** Component type and logical name, e.g. `KeyVault "kv"`. */
  readonly component: string;
  /** One sentence per problem. */
  readonly problems: readonly string[];
  constructor(componentType: string, name: string, problems: readonly string[]) {
    super(`${componentType} ${JSON.stringify(name)}: ${problems.join(" ")}`);
    this.name = "ComponentArgsError";
    this.component = `${componentType} ${JSON.stringify(name)}`;
    this.problems = [...problems];
  }
}

/** One required argument and how to supply it. */
export interface RequiredArg<K extends string = string> {
  /** The argument's name, or alternatives separated by `|` (any one of them satisfies it). */
  readonly key: K;
  /** What to pass, e.g. `pass the resource group's name (rg.name)`. */
  readonly fix: string;
}

/** True when a value is absent: `undefined`, `null`, an empty or blank string, or an empty array. */
export function isMissingValue(value: unknown): boolean {
  return (
    value === undefined ||
    value === null ||
    (typeof value === "string" && value.trim() === "") ||
    (Array.isArray(value) && value.length === 0)
  );
}

/** One sentence per missing required argument (empty when all are present). */
export function missingArgIssues(args: unknown, required: readonly RequiredArg[]): string[] {
  if (typeof args !== "object" || args === null) {
    return [
      `args is ${args === null ? "null" : typeof args}: pass an object with ${required
        .map((r) => r.key.split("|").join(" or "))
        .join(", ")}.`,
    ];
  }
  const record = args as Record<string, unknown>;
  const issues: string[] = [];
  for (const r of required) {
    const keys = r.key.split("|");
    if (keys.every((k) => isMissingValue(record[k]))) {
      const present = keys.map((k) => record[k]).find((v) => v !== undefined);
      const what = present === undefined ? "missing" : `empty (${JSON.stringify(present)})`;
      issues.push(`${keys.join(" or ")} is required but ${what}: ${r.fix}.`);
    }
  }
  return issues;
}

/** Throws a {@link ComponentArgsError} when a required argument is missing or empty. */
export function checkRequiredArgs(
  componentType: string,
  name: string,
  args: unknown,
  required: readonly RequiredArg[],
): void {
  if (typeof name !== "string" || name.trim() === "") {
    throw new ComponentArgsError(componentType, String(name), [
      "the resource name (first argument) is empty: give the component a logical name.",
    ]);
  }
  const issues = missingArgIssues(args, required);
  if (issues.length > 0) {
    throw new ComponentArgsError(componentType, name, issues);
  }
}
