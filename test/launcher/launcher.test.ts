/**
 * The `npm start` launcher's start-up savings (sim/launcher/*.cjs) change nothing but time: the
 * deferred Pulumi modules forward to the real ones, the compile cache serves what esbuild would
 * produce and notices an edited file. Child processes keep the hooks out of the test worker.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as network from "@pulumi/azure-native/network";
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

describe("Pulumi source positions, skipped", () => {
  it("Resource.stackTrace is the method the constructor calls, and returns no frames once skipped", () => {
    const resourceJs = fs.readFileSync(require.resolve("@pulumi/pulumi/resource.js"), "utf8");
    // The only caller: the constructor's `Resource.stackTrace(4)` feeding sourcePosition and stackTrace.
    expect([...resourceJs.matchAll(/Resource\.stackTrace\(/g)]).toHaveLength(1);
    const out = node(`
      const { Resource } = require("@pulumi/pulumi/resource");
      const before = Resource.stackTrace(0).length > 0;
      const skipped = require("./sim/launcher/pulumi-runtime.cjs").skipSourcePositions(process.cwd());
      const again = require("./sim/launcher/pulumi-runtime.cjs").skipSourcePositions(process.cwd());
      console.log(JSON.stringify({ before, skipped, again, after: Resource.stackTrace(0) }));`);
    expect(JSON.parse(out)).toEqual({ before: true, skipped: true, again: false, after: [] });
  });
});

describe("the provider SDKs' API-version aliases, skipped", () => {
  // In this worker, as in every test worker and `npm start`, the skip is already installed
  // (test/harness/setup-pulumi.ts); the wrapper keeps the SDK's own mergeOptions as `original`.
  // A Subnet under Pulumi's mocks with one alias of the program's own: how many aliases the SDK
  // collapsed to URNs for it (Resource.__aliases), and the first API-version one.
  type Merge = ((a: unknown, b: unknown) => unknown) & { original?: Merge };
  // The SDK's own module objects: resource.js and index.js (which holds a copy of each export).
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the CommonJS exports objects
  const modules = [require("@pulumi/pulumi/resource"), require("@pulumi/pulumi")] as {
    mergeOptions: Merge;
  }[];
  const subnetAliases = async (skip: boolean): Promise<{ count: number; first?: string }> => {
    const wrapped = modules.map((m) => m.mergeOptions);
    for (const [i, m] of modules.entries()) {
      expect(typeof wrapped[i]!.original).toBe("function");
      if (!skip) {
        m.mergeOptions = wrapped[i]!.original!;
      }
    }
    try {
      await pulumi.runtime.setMocks(
        { newResource: (a) => ({ id: `${a.name}-id`, state: a.inputs }), call: (a) => a.inputs },
        "p",
        "s",
        false,
      );
      const subnet = new network.Subnet(
        "s",
        { resourceGroupName: "rg", virtualNetworkName: "v" },
        { aliases: [{ name: "old-subnet" }] },
      );
      const aliases = (subnet as unknown as { __aliases: pulumi.Output<string>[] }).__aliases;
      const urns = await Promise.all(
        aliases.map((a) => (a as unknown as { promise(): Promise<string> }).promise()),
      );
      return { count: urns.length, first: urns.find((u) => u.includes("/v2015")) };
    } finally {
      modules.forEach((m, i) => (m.mergeOptions = wrapped[i]!));
    }
  };

  it("azure-native 3.28.0 adds 60 to a Subnet; skipped, only the program's own alias is left", async () => {
    expect(await subnetAliases(false)).toEqual({
      count: 61,
      first: "urn:pulumi:s::p::azure-native:network/v20150501preview:Subnet::s",
    });
    expect(await subnetAliases(true)).toEqual({ count: 1, first: undefined });
    // A second install is a no-op (the wrapper is not wrapped again).
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS launcher module
    const runtime = require("../../sim/launcher/pulumi-runtime.cjs") as {
      skipVersionAliases(fromDir: string): boolean;
    };
    expect(runtime.skipVersionAliases(ROOT)).toBe(false);
  });

  it("merges nothing only for a bag of exactly type-only aliases", () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS launcher module
    const { isVersionAliases } = require("../../sim/launcher/pulumi-runtime.cjs") as {
      isVersionAliases(opts: unknown): boolean;
    };
    expect(isVersionAliases({ aliases: [{ type: "azure-native:web/v20220301:WebApp" }] })).toBe(
      true,
    );
    expect(isVersionAliases({ aliases: [{ type: "a:b:C" }, { type: "a:b:D" }] })).toBe(true);
    // A name, a parent or a URN string is a rename a program asked for; a bag with more than
    // aliases is a program's options; an empty list merges nothing anyway.
    expect(isVersionAliases({ aliases: [{ type: "a:b:C", name: "old" }] })).toBe(false);
    expect(isVersionAliases({ aliases: [{ name: "old" }] })).toBe(false);
    expect(isVersionAliases({ aliases: ["urn:pulumi:s::p::a:b:C::old"] })).toBe(false);
    expect(isVersionAliases({ aliases: [{ type: "a:b:C" }], protect: true })).toBe(false);
    expect(isVersionAliases({ aliases: [] })).toBe(false);
    expect(isVersionAliases({ aliases: [{ type: 1 }] })).toBe(false);
    expect(isVersionAliases(undefined)).toBe(false);
  });
});

describe("--help and bad options, before the simulation loads", () => {
  // sim/start.cjs with a probe that reports, at exit, whether anything of Pulumi was loaded.
  const start = (...args: string[]) => {
    const probe = path.join(os.tmpdir(), `zc-probe-${process.pid}.cjs`);
    fs.writeFileSync(
      probe,
      `process.on("exit", () => process.stderr.write("pulumi loaded: " + Object.keys(require.cache).some((k) => k.includes("/@pulumi/")) + "\\n"));\n`,
    );
    try {
      const r = spawnSync(process.execPath, ["-r", probe, "sim/start.cjs", ...args], {
        cwd: ROOT,
        encoding: "utf8",
        env: { PATH: process.env.PATH ?? "" },
      });
      return { code: r.status, stdout: r.stdout, stderr: r.stderr };
    } finally {
      fs.rmSync(probe, { force: true });
    }
  };

  it("rejects an unknown option with exit 2 and one line, the same as runCli, without loading Pulumi", async () => {
    const { runCli } = await import("../../sim/cli");
    const expected = await runCli(["--stak", "dev"]);
    expect(expected).toEqual({
      code: 2,
      stdout: "",
      stderr:
        'Unknown option "--stak". Did you mean "--stack"? Run npm start -- --help for the options.\n',
    });
    expect(start("--stak", "dev")).toEqual({
      code: 2,
      stdout: "",
      stderr: `${expected.stderr}pulumi loaded: false\n`,
    });
  });

  it("prints the usage for --help with exit 0 without loading Pulumi; other arguments load the simulation", async () => {
    const { USAGE } = await import("../../sim/args");
    expect(start("--help")).toEqual({ code: 0, stdout: USAGE, stderr: "pulumi loaded: false\n" });
    // A config error is the simulation's to report: it loads (and exits 2 with its own message).
    const bad = start("--stack", "nope");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/Pulumi\.nope\.yaml[\s\S]*pulumi loaded: true\n$/);
  });
});

describe("the V8 code cache", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zc-code-cache-"));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const cacheFile = path.join(dir, "cache", "code-cache.bin");
  const file = path.join(dir, "m.js");
  const run = () =>
    JSON.parse(
      node(`
        const stats = require(${JSON.stringify(path.join(ROOT, "sim/launcher/code-cache.cjs"))}).install(${JSON.stringify(cacheFile)});
        const m = require(${JSON.stringify(file)});
        process.on("exit", () => console.log(JSON.stringify({ ...m, stats })));`),
    ) as { value: number; dir: string; resolved: string; stats: Record<string, number> };

  it("compiles from source once, then from the cache; an edited file or a damaged cache compiles again", () => {
    const source = (value: number) =>
      `#!/usr/bin/env node\nexports.value = ${value};\nexports.dir = __dirname;\nexports.resolved = require.resolve("./m.js");\n`;
    fs.writeFileSync(file, source(1));
    expect(run()).toEqual({
      value: 1,
      dir,
      resolved: file,
      stats: { hits: 0, misses: 1, rejected: 0 },
    });
    expect(fs.existsSync(cacheFile)).toBe(true);
    expect(run()).toMatchObject({ value: 1, stats: { hits: 1, misses: 0, rejected: 0 } });

    fs.writeFileSync(file, source(2));
    expect(run()).toMatchObject({ value: 2, stats: { hits: 0, misses: 1, rejected: 0 } });
    expect(run()).toMatchObject({ value: 2, stats: { hits: 1, misses: 0, rejected: 0 } });

    fs.writeFileSync(cacheFile, fs.readFileSync(cacheFile).subarray(0, 40));
    expect(run()).toMatchObject({ value: 2, stats: { hits: 0, misses: 1, rejected: 0 } });
  });
});

describe("the pod verifier bundle, kept", () => {
  // A copy of components/verification's bundler with its own root, tsconfig and cache.
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "zc-bundle-"));
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
  const dir = path.join(root, "components", "verification");
  fs.mkdirSync(dir, { recursive: true });
  fs.copyFileSync(
    path.join(ROOT, "components/verification/bundle.ts"),
    path.join(dir, "bundle.ts"),
  );
  fs.copyFileSync(path.join(ROOT, "tsconfig.json"), path.join(root, "tsconfig.json"));
  fs.mkdirSync(path.join(root, "node_modules"));
  fs.symlinkSync(
    path.join(ROOT, "node_modules", "esbuild"),
    path.join(root, "node_modules", "esbuild"),
  );
  const cacheDir = path.join(root, "node_modules/.cache/zerocred/pod-verifier");
  const run = () =>
    JSON.parse(
      node(`
        require(${JSON.stringify(path.join(ROOT, "sim/launcher/compile-cache.cjs"))}).register(${JSON.stringify(root)});
        const b = require(${JSON.stringify(path.join(dir, "bundle.ts"))});
        const kept = b.podVerifierBundle();
        console.log(JSON.stringify({ same: kept === b.bundlePodVerifier(), marker: /MARKER_(\\d+)/.exec(kept)[1], cached: require("fs").readdirSync(${JSON.stringify(cacheDir)}) }));`),
    ) as { same: boolean; marker: string; cached: string[] };

  it("is esbuild's output, is served from node_modules/.cache next time, and is rebuilt after an edit", () => {
    const write = (n: number) =>
      fs.writeFileSync(path.join(dir, "pod-verifier.ts"), `console.log("MARKER_${n}");\n`);
    write(1);
    const first = run();
    expect(first).toEqual({
      same: true,
      marker: "1",
      cached: [expect.stringMatching(/^[0-9a-f]{64}\.json$/)],
    });
    // Served from the cache: prove it by editing the kept copy.
    const keptFile = path.join(cacheDir, first.cached[0]!);
    const kept = JSON.parse(fs.readFileSync(keptFile, "utf8")) as { code: string };
    fs.writeFileSync(
      keptFile,
      JSON.stringify({ ...kept, code: kept.code.replace("MARKER_1", "MARKER_9") }),
    );
    expect(run()).toMatchObject({ same: false, marker: "9" });
    // An edited input invalidates it.
    write(2);
    expect(run()).toEqual({ same: true, marker: "2", cached: first.cached });
  });
});

describe("the idempotency run on a worker thread", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zc-parallel-"));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const program = (name: string, tag: string) => {
    const file = path.join(dir, `${name}.ts`);
    fs.writeFileSync(
      file,
      `import * as resources from "@pulumi/azure-native/resources";\n` +
        `new resources.ResourceGroup("rg", { resourceGroupName: "rg-app", tags: { run: ${tag} } });\n`,
    );
    return file;
  };

  it("finds the same changes as the in-process run: none for a stable program, the key for a random one", async () => {
    const { simulate } = await import("../../sim/simulate");
    const run = (file: string, parallel: boolean) =>
      simulate({ config: {}, stack: "dev", program: file, verify: false, parallel });
    const stable = program("stable", '"1"');
    const random = program("random", "String(Math.random())");
    for (const parallel of [true, false]) {
      const ok = await run(stable, parallel);
      expect(ok.phasesMs.secondRunParallel).toBe(parallel);
      expect(ok.idempotency).toEqual({ changes: 0, differing: [], added: [], removed: [] });
      const changed = await run(random, parallel);
      expect(changed.phasesMs.secondRunParallel).toBe(parallel);
      expect(changed.idempotency.changes).toBe(1);
      expect(changed.idempotency.differing).toEqual([
        {
          urn: "urn:pulumi:dev::zerocred::azure-native:resources:ResourceGroup::rg",
          keys: ["tags.run"],
        },
      ]);
      expect(changed.exitCode).toBe(1);
    }
  }, 60_000);
});
