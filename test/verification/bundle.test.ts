import { builtinModules } from "node:module";
import * as crypto from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  CONFIG_MAP_LIMIT_BYTES,
  podVerifierBundle,
  podVerifierBundleSha256,
} from "../../components/verification/bundle";

describe("pod verifier bundle", () => {
  const code = podVerifierBundle();

  it("fits in a ConfigMap (< 1 MiB)", () => {
    expect(CONFIG_MAP_LIMIT_BYTES).toBe(1048576);
    expect(Buffer.byteLength(code, "utf8")).toBeLessThan(CONFIG_MAP_LIMIT_BYTES);
  });

  it("requires Node built-ins only", () => {
    const required = [...code.matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]);
    expect(required.length).toBeGreaterThan(0);
    const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
    expect(required.filter((m) => !builtins.has(m))).toEqual([]);
  });

  it("is CommonJS with a require.main guard, and cached (same string, same hash)", () => {
    expect(code).toContain("require.main === module");
    expect(code).not.toMatch(/^\s*(import|export)\s/m);
    expect(podVerifierBundle()).toBe(code);
    expect(podVerifierBundleSha256()).toBe(
      crypto.createHash("sha256").update(code, "utf8").digest("hex"),
    );
  });
});
