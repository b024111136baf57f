/** Outside programs (shapes): see catalogue.ts and run.ts. */
import { describe, expect, it } from "vitest";
import { runCli } from "../../sim/cli";
import type { SimulationReport } from "../../sim/simulate";
import { programPath, runCatalogue } from "./run";

runCatalogue("shapes");

describe("program output", () => {
  it("appears once in text mode, in its own section, and never on stdout with --json", async () => {
    const text = await runCli(["--program", programPath("console-output"), "--no-verify"]);
    expect(text.code).toBe(0);
    expect(text.stdout.split("program says hello").length - 1).toBe(1);
    expect(text.stdout).toContain("pulumi log line");
    expect(text.stdout).toContain("config: none (no Pulumi.dev.yaml beside the program)");
    const json = await runCli([
      "--program",
      programPath("console-output"),
      "--json",
      "--no-verify",
    ]);
    const report = JSON.parse(json.stdout) as SimulationReport;
    expect(report.programOutput).toEqual(expect.arrayContaining(["program says hello"]));
  }, 120_000);
});
