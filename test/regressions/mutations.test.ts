/**
 * `npm run mutate` is too slow for every CI run (one targeted test run per mutation), so its list
 * can go stale unnoticed when the code it mutates changes. This keeps it applicable: every
 * mutation's text occurs exactly once in its file, changes it, and names test files that exist.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { MUTATIONS } from "../../scripts/mutate";

const ROOT = path.resolve(__dirname, "..", "..");

it("lists the mutations asked for, each named once", () => {
  expect(MUTATIONS.length).toBeGreaterThanOrEqual(33);
  expect(new Set(MUTATIONS.map((m) => m.name)).size).toBe(MUTATIONS.length);
});

describe.each(MUTATIONS.map((m) => [m.name, m] as const))("mutation: %s", (_name, m) => {
  it("still applies: its text occurs once in its file, and the replacement changes it", () => {
    const text = fs.readFileSync(path.join(ROOT, m.file), "utf8");
    expect(text.split(m.find).length - 1).toBe(1);
    expect(m.replace).not.toBe(m.find);
  });

  it("names test files that exist", () => {
    expect(m.tests.length).toBeGreaterThan(0);
    for (const t of m.tests) {
      expect(fs.existsSync(path.join(ROOT, t))).toBe(true);
    }
  });
});
