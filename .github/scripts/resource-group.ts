/**
 * CI gate before `pulumi preview/up`: the stack must deploy into the resource group the bootstrap created
 * (the `AZURE_RESOURCE_GROUP` repository variable it printed). The deployer's roles reach only that group,
 * and it may not create groups: a stack without `zerocred:resourceGroupName` would make `pulumi up` fail
 * with AuthorizationFailed on Microsoft.Resources/subscriptions/resourcegroups/write halfway through.
 *
 *   AZURE_RESOURCE_GROUP=<group> npx tsx .github/scripts/resource-group.ts <stack>
 *
 * Exit 0 when they match (or the variable is unset: a repository not bootstrapped by zerocred); one line
 * naming the file, both values and the fix otherwise (exit 1).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

/** The problem with `stack`'s resource group under `root`, or `undefined` when CI can deploy it. */
export function resourceGroupProblem(
  root: string,
  stack: string,
  expected: string | undefined,
): string | undefined {
  if (expected === undefined || expected === "") {
    return undefined;
  }
  const file = `Pulumi.${stack}.yaml`;
  let config: Record<string, unknown> = {};
  try {
    const doc = parse(fs.readFileSync(path.join(root, file), "utf8")) as {
      config?: Record<string, unknown>;
    } | null;
    config = doc?.config ?? {};
  } catch {
    return `${file} is missing or not YAML: commit the stack's config (docs/ci.md, step 8).`;
  }
  const actual = config["zerocred:resourceGroupName"];
  if (actual === expected) {
    return undefined;
  }
  const shown =
    actual === undefined || actual === ""
      ? "unset (the stack would create its own group)"
      : JSON.stringify(actual);
  return (
    `${file}: zerocred:resourceGroupName is ${shown}, but the CI deployer may deploy only into ` +
    `${JSON.stringify(expected)} (AZURE_RESOURCE_GROUP, the bootstrap's targetResourceGroupName) and cannot ` +
    `create groups: run \`pulumi config set zerocred:resourceGroupName ${expected} --stack ${stack}\` and commit ${file}.`
  );
}

if (require.main === module) {
  const stack = process.argv[2];
  if (stack === undefined || stack === "") {
    console.error("usage: resource-group.ts <stack>");
    process.exit(2);
  }
  const problem = resourceGroupProblem(
    path.resolve(__dirname, "..", ".."),
    stack,
    process.env.AZURE_RESOURCE_GROUP,
  );
  if (problem !== undefined) {
    console.error(`::error::${problem}`);
    process.exit(1);
  }
}
