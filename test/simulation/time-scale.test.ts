/**
 * ZEROCRED_TIME_SCALE / SimulateOptions.timeScale: the simulation's clock runs fast, but the verdict
 * and the world-time figures are those of the unscaled run — the verifiers' retry budget is spent
 * on their own (scaled) clock, and the vault emulator's propagation delay is scaled alike.
 */
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runCli } from "../../sim/cli";
import { simulate, simulationTimeoutSeconds } from "../../sim/simulate";
import { ROOT } from "../harness";
import { TEST_TIME_SCALE } from "../harness/time-scale";

const WRONG_VAULT = path.join(ROOT, "test", "outside", "programs", "wrong-vault.ts");
const HEALTHY = path.join(ROOT, "test", "sim", "catalogue", "healthy.ts");

describe("a bad ZEROCRED_TIME_SCALE", () => {
  const saved = process.env.ZEROCRED_TIME_SCALE;
  afterEach(() => {
    process.env.ZEROCRED_TIME_SCALE = saved;
  });

  it.each(["0", "1001", "fast", "2.5"])(
    "%j exits 2 in one line naming it, before the program runs",
    async (value) => {
      process.env.ZEROCRED_TIME_SCALE = value;
      expect(await runCli(["--program", WRONG_VAULT, "--json"])).toEqual({
        code: 2,
        stdout: "",
        stderr: `ZEROCRED_TIME_SCALE '${value}' is not a whole number from 1 to 1000 (leave it unset outside the simulation).\n`,
      });
    },
  );
});

describe("a scaled simulation", () => {
  it("spends the verifiers' whole retry budget on the simulated clock (a grant on the wrong vault)", async () => {
    const report = await simulate({
      config: {},
      stack: "dev",
      program: WRONG_VAULT,
      policies: false,
      timeScale: TEST_TIME_SCALE,
    });
    expect(report.exitCode).toBe(1);
    const row = report.access.find((a) => a.vault === "kv-orders");
    expect(row).toMatchObject({ expected: "allow", actual: "deny", ok: false, status: "403" });
    const budget = simulationTimeoutSeconds(0);
    expect(budget).toBe(8);
    expect(row?.diagnosis).toMatch(
      /Gave up after \d+ attempts: ZC_TIMEOUT_SECONDS \(8\) reached\.$/,
    );
    // The verifier gives up when its next (jittered, capped at 8 s) wait would pass the 8 s budget:
    // after at least three waits (0.5-1 s, 1-2 s, 2-4 s) on its own clock, so at 3.5 s at the
    // earliest — in a fraction of that in real time (the verifiers phase is real time): the budget
    // was scaled, not skipped.
    expect(row!.elapsedMs!).toBeGreaterThanOrEqual(3000);
    expect(row!.attempts!).toBeGreaterThanOrEqual(3);
    expect(report.phasesMs.verifiers).toBeLessThan(row!.elapsedMs!);
  });

  it("scales the emulator's propagation delay with the verifiers' clock: a 20 s delay is waited out", async () => {
    const report = await simulate({
      config: {},
      stack: "dev",
      program: HEALTHY,
      policies: false,
      propagationDelayMs: 20_000,
      timeScale: TEST_TIME_SCALE,
    });
    expect(report.exitCode).toBe(0);
    const allowed = report.access.filter((a) => a.actual === "allow");
    expect(allowed.length).toBeGreaterThan(0);
    for (const a of allowed) {
      // Denied until the assignment took effect 20 s (simulated) after the emulators started.
      expect(a.attempts!).toBeGreaterThanOrEqual(3);
      expect(a.elapsedMs!).toBeGreaterThanOrEqual(10_000);
    }
    expect(report.phasesMs.verifiers).toBeLessThan(10_000);
  });
});
