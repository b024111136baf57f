/**
 * The publishable policy pack (scripts/policy-pack.ts): built into a temp directory that holds
 * nothing but the bundle, its manifests and its declared dependencies (linked from this repository's
 * node_modules, as `npm install` in that directory would install them), then started with plain
 * `node` — no tsx, no ../components — and put through the engine's analyzer protocol.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { POLICY_PACK_EXTERNALS, buildPolicyPack } from "../../scripts/policy-pack";
import { rules } from "../../policies/registry";
import { describeAnalyzerServer } from "../policies/analyzer-protocol";
import { linkDependency } from "./fixture";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zerocred-policy-pack-"));
const files = buildPolicyPack(dir);
const manifest = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as {
  name: string;
  main: string;
  dependencies: Record<string, string>;
};
for (const dependency of Object.keys(manifest.dependencies)) {
  linkDependency(dir, dependency);
}

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("the publishable policy pack directory", () => {
  it("holds the bundle and the manifests pulumi policy publish packs", () => {
    expect(files).toEqual([
      "PulumiPolicy.yaml",
      "README.md",
      "config.dev.json",
      "index.js",
      "package.json",
    ]);
    expect(manifest.main).toBe("index.js");
    expect(Object.keys(manifest.dependencies).sort()).toEqual([...POLICY_PACK_EXTERNALS].sort());
    const bundle = fs.readFileSync(path.join(dir, "index.js"), "utf8");
    // Only the declared dependencies stay external; the rules and ../components are inlined.
    const required = [...bundle.matchAll(/require\("([^"]+)"\)/g)]
      .map((m) => m[1]!)
      .filter((m) => !m.startsWith("node:"));
    expect(
      [...new Set(required)].every((m) => (POLICY_PACK_EXTERNALS as readonly string[]).includes(m)),
    ).toBe(true);
    expect(bundle).toContain(rules[0]!.name);
  });
});

describeAnalyzerServer("the bundled policy pack served to the engine from its own directory", () =>
  spawn(process.execPath, [manifest.main], {
    cwd: dir,
    // No NODE_PATH: modules resolve from the pack's own node_modules only.
    env: { ...process.env, NODE_PATH: "" },
    stdio: ["ignore", "pipe", "pipe"],
  }),
);
