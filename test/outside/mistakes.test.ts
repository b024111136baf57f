/** Outside programs (mistakes): see catalogue.ts and run.ts. */
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { simulate } from "../../sim/simulate";
import { PROGRAMS, runCatalogue } from "./run";

runCatalogue("mistakes");

describe("the verdict is pinned to the verifiers' results", () => {
  it("a program statically clean but wrong at run time exits 1 only because the verifier ran", async () => {
    const program = path.join(PROGRAMS, "verifier-expects-read.ts");
    const staticOnly = await simulate({ config: {}, stack: "dev", program, verify: false });
    expect(staticOnly.diagnoses.filter((d) => d.severity === "error")).toEqual([]);
    expect(staticOnly.exitCode).toBe(0);
    const full = await simulate({ config: {}, stack: "dev", program });
    expect(full.access.map((a) => [a.principal, a.expected, a.expectedSource, a.actual])).toEqual([
      ["Job shop/verify-orders (sa orders)", "allow", "verifier", "deny"],
    ]);
    expect(full.failed.accessMismatches).toBe(1);
    expect(full.exitCode).toBe(1);
  }, 120_000);
});
