/**
 * The `npm start` launcher's start-up savings (sim/launcher/*.cjs) change nothing but time: the
 * deferred Pulumi modules forward to the real ones, the compile cache serves what esbuild would
 * produce and notices an edited file. Child processes keep the hooks out of the test worker.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT } from "../harness";

// eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS launcher module
const { DEFERRED } = require("../../sim/launcher/pulumi-runtime.cjs") as {
  DEFERRED: Record<string, string[]>;
};

function node(script: string, env: Record<string, string> = {}): string {
  const r = spawnSync(process.execPath, ["-e", script], {
    cwd: ROOT,
    encoding: "utf8",
    env: { PATH: process.env.PATH ?? "", ...env },
  });
  if (r.status !== 0) {
    throw new Error(`node -e exited ${r.status}: ${r.stderr}`);
  }
  return r.stdout.trim();
}

describe("@pulumi/pulumi's closure serializer, deferred", () => {
  const pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));

  it("stands in for exactly the exports runtime/index.js reads from each deferred module", () => {
    const index = fs.readFileSync(path.join(pulumiDir, "runtime/index.js"), "utf8");
    for (const [relative, names] of Object.entries(DEFERRED)) {
      const base = path.basename(relative, ".js");
      const read = [...index.matchAll(new RegExp(`${base}_1\\.(\\w+)`, "g"))].map((m) => m[1]);
      expect(read.length).toBeGreaterThan(0);
      expect([...new Set(read)].sort()).toEqual([...names].sort());
    }
  });

  it("loads neither TypeScript nor arborist with the SDK, and serializes a function on demand", () => {
    const out = node(`
      require("./sim/launcher/pulumi-runtime.cjs").deferClosureSerialization(process.cwd());
      const pulumi = require("@pulumi/pulumi");
      const loaded = (pkg) => Object.keys(require.cache).some((k) => k.includes("/node_modules/" + pkg + "/"));
      const before = [loaded("typescript"), loaded("@npmcli/arborist")];
      pulumi.runtime.serializeFunction(() => 40 + 2).then((f) => {
        console.log(JSON.stringify({ before, typescriptAfter: loaded("typescript"), text: f.text.includes("40 + 2"), exportName: f.exportName }));
      });`);
    expect(JSON.parse(out)).toEqual({
      before: [false, false],
      typescriptAfter: true,
      text: true,
      exportName: "handler",
    });
  });

  it("records promises without a stack trace unless PULUMI_DEBUG_PROMISE_LEAKS asks for them", () => {
    const script = `
      const wrapped = require("./sim/launcher/pulumi-runtime.cjs").skipPromiseStacks(process.cwd());
      const d = require("@pulumi/pulumi/runtime/debuggable");
      const p = Promise.resolve(7);
      d.debuggablePromise(p, "ctx").then((v) => {
        console.log(JSON.stringify({ wrapped, value: v, frames: p._debugStackTrace.split("\\n").length, limit: Error.stackTraceLimit }));
      });`;
    expect(JSON.parse(node(script))).toEqual({ wrapped: true, value: 7, frames: 1, limit: 10 });
    const debug = JSON.parse(node(script, { PULUMI_DEBUG_PROMISE_LEAKS: "1" })) as {
      wrapped: boolean;
      frames: number;
    };
    expect(debug.wrapped).toBe(false);
    expect(debug.frames).toBeGreaterThan(1);
  });
});

describe("the compile cache", () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "zc-compile-cache-"));
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
  fs.writeFileSync(
    path.join(root, "tsconfig.json"),
    '{ // comments are allowed\n "compilerOptions": { "target": "ES2022", "esModuleInterop": true, }, }\n',
  );
  fs.mkdirSync(path.join(root, "node_modules"));
  fs.symlinkSync(
    path.join(ROOT, "node_modules", "esbuild"),
    path.join(root, "node_modules", "esbuild"),
  );
  const file = path.join(root, "a.ts");
  const run = () =>
    JSON.parse(
      node(`
        const cacheDir = require(${JSON.stringify(path.join(ROOT, "sim/launcher/compile-cache.cjs"))}).register(${JSON.stringify(root)});
        const m = require(${JSON.stringify(file)});
        console.log(JSON.stringify({ value: m.value, dir: m.dir, cached: require("fs").readdirSync(cacheDir) }));`),
    ) as { value: number; dir: string; cached: string[] };

  it("transpiles a file once, serves the cached output after, and notices an edit", () => {
    fs.writeFileSync(file, "export const value: number = 1;\nexport const dir = __dirname;\n");
    const first = run();
    expect(first).toEqual({
      value: 1,
      dir: root,
      cached: [expect.stringMatching(/^[0-9a-f]{40}\.js$/)],
    });

    // The next run reads the cache, not the source's transform: prove it by editing the cache.
    const cachedFile = path.join(root, "node_modules/.cache/zerocred/ts", first.cached[0]!);
    fs.writeFileSync(
      cachedFile,
      fs.readFileSync(cachedFile, "utf8").replace("value = 1", "value = 2"),
    );
    expect(run().value).toBe(2);

    fs.writeFileSync(file, "export const value: number = 3;\nexport const dir = __dirname;\n");
    const edited = run();
    expect(edited.value).toBe(3);
    expect(edited.cached).toHaveLength(2);
  });
});
