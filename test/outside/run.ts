/**
 * The shared runner of the outside-program catalogue: each entry runs through `npm start`'s own
 * code path (runCli, in process) and its verdict is checked like a user reads it — exit code,
 * diagnosis codes, the key words of the message, one JSON document on stdout, no stack trace, no
 * false read, and no fix proposing what the program already contains.
 */
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli, type CliResult } from "../../sim/cli";
import type { SimulationReport } from "../../sim/simulate";
import { OUTSIDE, type OutsideEntry } from "./catalogue";

export const PROGRAMS = path.join(__dirname, "programs");

export function programPath(name: string): string {
  return path.relative(process.cwd(), path.join(PROGRAMS, `${name}.ts`));
}

/** Fixes that contradict the report: "grant X … on vault V" where X already holds a read grant there. */
export function contradictingFixes(report: SimulationReport): string[] {
  const out: string[] = [];
  for (const d of report.diagnoses) {
    const m = /grant (.+?) Key Vault Secrets User on vault (\S+) \(or secret ([^)]+)\)/.exec(d.fix);
    if (m === null) {
      continue;
    }
    const [, who, vault, secret] = m;
    // A read grant covering that very secret already exists: the fix would propose what exists.
    const granted = report.access.some(
      (a) =>
        a.identity === who && a.vault === vault && a.secret === secret && a.grantedBy !== undefined,
    );
    if (granted) {
      out.push(`${d.code}: ${d.fix}`);
    }
  }
  return out;
}

export function runCatalogue(group: OutsideEntry["group"]): void {
  const entries = OUTSIDE.filter((e) => e.group === group);
  describe.each(
    entries.map((e) => [`${e.name}${e.args ? ` ${e.args.join(" ")}` : ""}`, e] as const),
  )("outside program %s", (_label, entry) => {
    let result: CliResult;
    let report: SimulationReport | undefined;
    beforeAll(async () => {
      result = await runCli([
        "--program",
        programPath(entry.name),
        "--json",
        "--timeout",
        "30",
        ...(entry.args ?? []),
      ]);
      report =
        result.stdout.length > 0 ? (JSON.parse(result.stdout) as SimulationReport) : undefined;
    }, 120_000);

    it(`exits ${entry.exitCode}`, () => {
      expect([
        result.code,
        entry.exitCode === 2 ? result.stderr : (report?.diagnoses ?? []).map((d) => d.code),
      ]).toEqual([entry.exitCode, expect.anything()]);
    });

    it("prints one JSON document (or one error line) and no stack trace", () => {
      if (entry.exitCode === 2) {
        expect(result.stdout).toBe("");
        expect(result.stderr.trim().split("\n")).toHaveLength(
          result.stderr.startsWith("Invalid expectedAccess")
            ? result.stderr.trim().split("\n").length
            : 1,
        );
      } else {
        expect(report).toBeDefined();
      }
      expect(result.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
      expect(result.stdout + result.stderr).not.toMatch(/value-of-/);
    });

    if (entry.exitCode === 2) {
      it(`names the cause: ${entry.words.join(" / ")}`, () => {
        for (const w of entry.words) {
          expect(result.stderr).toContain(w);
        }
      });
      return;
    }

    it(`diagnoses ${[...(entry.codes ?? []), ...(entry.warnings ?? [])].join(", ") || "no error"}`, () => {
      const errors = report!.diagnoses.filter((d) => d.severity === "error").map((d) => d.code);
      const warnings = report!.diagnoses.filter((d) => d.severity === "warning").map((d) => d.code);
      if (entry.exitCode === 0) {
        expect(errors).toEqual([]);
        expect(report!.access.length).toBeGreaterThan(
          entry.expectationSource !== undefined ? 0 : -1,
        );
        expect(report!.access.every((a) => a.ok === true)).toBe(true);
      }
      for (const c of entry.codes ?? []) {
        expect(errors).toContain(c);
      }
      for (const c of entry.warnings ?? []) {
        expect(warnings).toContain(c);
      }
      const text = report!.diagnoses.map((d) => `${d.message} ${d.fix}`).join("\n");
      for (const w of entry.words) {
        expect(text).toContain(w);
      }
      if (entry.expectationSource !== undefined) {
        expect(report!.expectationSource).toBe(entry.expectationSource);
      }
    });

    it("never reports a read that did not happen, nor proposes what exists", () => {
      for (const a of report!.access) {
        if (a.actual === "allow") {
          expect(a.oid).toBeDefined();
        }
      }
      for (const d of report!.diagnoses.filter((x) => x.code === "ACCESS_GRANTED")) {
        const row = report!.access.find((a) => d.subject === a.principal && a.actual === "allow");
        expect(row).toBeDefined();
      }
      expect(contradictingFixes(report!)).toEqual([]);
    });
  });
}
