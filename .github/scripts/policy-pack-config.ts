/**
 * CI gate before `pulumi preview/up --policy-pack policies`: checks that the policy pack config file the
 * workflows pass (`--policy-pack-config policies/config.<stack>.json`) exists and gives every
 * per-environment rule the stack's own `zerocred:environment`.
 *
 *   npx tsx .github/scripts/policy-pack-config.ts <stack>
 *
 * Why: CrossGuard gives the pack only what the config file says (Pulumi docs, "Configuring policy packs":
 * https://www.pulumi.com/docs/iac/using-pulumi/crossguard/configuration/; `--policy-pack-config` per pack); it never
 * sees the stack's config. Without the file `keyvault-enables-purge-protection` runs at its `prod` level
 * (mandatory) and fails the dev stack, whose vault leaves purge protection off by design. The offline
 * simulation takes the environment from the stack config; this check keeps the two from drifting apart.
 *
 * Prints the config file's path on success (exit 0); one line naming the file and the fix otherwise (exit 1).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { rules } from "../../policies/registry";

/** The stack environment when `zerocred:environment` is unset (Pulumi.yaml's declared default). */
export const DEFAULT_STACK_ENVIRONMENT = "prod";

/** The pack config file the workflows pass for `stack`, relative to the repository root. */
export function policyPackConfigPath(stack: string): string {
  return `policies/config.${stack}.json`;
}

/** The rules whose level depends on the pack config value `environment`. */
export function environmentDependentRules(): string[] {
  return rules.filter((r) => r.environmentLevels !== undefined).map((r) => r.name);
}

/**
 * Returns the problem with `stack`'s policy pack config under `root` (one line naming the file, what is
 * wrong and the fix), or `undefined` when the config gives every per-environment rule the stack's
 * environment. Reads `Pulumi.<stack>.yaml` and `policies/config.<stack>.json`.
 */
export function policyPackConfigProblem(root: string, stack: string): string | undefined {
  const stackFile = `Pulumi.${stack}.yaml`;
  const configFile = policyPackConfigPath(stack);
  let stackConfig: Record<string, unknown> = {};
  try {
    const doc = parse(fs.readFileSync(path.join(root, stackFile), "utf8")) as {
      config?: Record<string, unknown>;
    } | null;
    stackConfig = doc?.config ?? {};
  } catch {
    return `${stackFile} is missing or not YAML: commit the stack's config (docs/ci.md, step 8).`;
  }
  const environment = String(stackConfig["zerocred:environment"] ?? DEFAULT_STACK_ENVIRONMENT);
  const fix = `commit ${configFile} with ${JSON.stringify(
    Object.fromEntries(environmentDependentRules().map((r) => [r, { environment }])),
  )}`;
  let packConfig: Record<string, unknown>;
  try {
    packConfig = JSON.parse(fs.readFileSync(path.join(root, configFile), "utf8")) as Record<
      string,
      unknown
    >;
  } catch {
    return `${configFile} is missing or not JSON, and CI passes it as --policy-pack-config: ${fix}.`;
  }
  for (const rule of environmentDependentRules()) {
    const entry = packConfig[rule];
    const configured =
      typeof entry === "object" && entry !== null
        ? (entry as { environment?: unknown }).environment
        : undefined;
    if ((configured ?? DEFAULT_STACK_ENVIRONMENT) !== environment) {
      return (
        `${configFile} gives ${rule} environment ${JSON.stringify(configured ?? DEFAULT_STACK_ENVIRONMENT)}, but ` +
        `${stackFile} sets zerocred:environment ${JSON.stringify(environment)}: ${fix}.`
      );
    }
  }
  return undefined;
}

if (require.main === module) {
  const stack = process.argv[2];
  if (stack === undefined || stack === "") {
    console.error("usage: policy-pack-config.ts <stack>");
    process.exit(2);
  }
  const problem = policyPackConfigProblem(path.resolve(__dirname, "..", ".."), stack);
  if (problem !== undefined) {
    console.error(`::error::${problem}`);
    process.exit(1);
  }
  console.log(policyPackConfigPath(stack));
}
