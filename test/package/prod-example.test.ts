/**
 * The README's prod example works as written: Pulumi.prod.yaml.example passes infra/config.ts's
 * validation as a prod stack, and `npm start -- --config Pulumi.prod.yaml.example --stack prod`
 * simulates it to a green verdict (exit 0).
 */
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parseStackConfig, readStackConfigFile } from "../../infra/config";
import { runCli } from "../../sim/cli";

const EXAMPLE = path.join(__dirname, "..", "..", "Pulumi.prod.yaml.example");

describe("Pulumi.prod.yaml.example", () => {
  it("is a valid prod stack config", () => {
    const spec = parseStackConfig(readStackConfigFile(EXAMPLE), { stack: "prod" });
    expect(spec).toMatchObject({ environment: "prod" });
  });

  it("simulates green with the README's command", async () => {
    // --no-ci: the CI chain (.github/workflows) is the workflows' verdict, not this config's.
    const result = await runCli(["--config", EXAMPLE, "--stack", "prod", "--no-verify", "--no-ci"]);
    expect(result.stderr).toBe("");
    expect(result.stdout).toContain("Result: every principal gets exactly the access it should.");
    expect(result.code).toBe(0);
  }, 180_000);
});
