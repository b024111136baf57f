// `npm start` launcher. Behaviour is identical to `tsx sim/cli.ts`; only the start-up is cheaper:
//
// 0. Every CommonJS module is compiled with V8's code cache (launcher/code-cache.cjs): parsing
//    and compiling the SDKs from source happens on the first run only.
// 1. @pulumi/pulumi's closure serializer (the TypeScript compiler, @npmcli/arborist) loads only if
//    a program serializes a function, and its promises skip a debugging stack trace that only
//    PULUMI_DEBUG_PROMISE_LEAKS prints, resources skip the source position only the Pulumi CLI
//    displays, and the provider SDKs' API-version aliases (which only match prior state; the
//    simulated engine has none) are not merged in (launcher/pulumi-runtime.cjs).
// 2. zerocred's own TypeScript is transpiled once and cached in node_modules/.cache/zerocred
//    (launcher/compile-cache.cjs): no esbuild, no resolver hook and no source-mapped stack traces
//    on later runs. Dependencies load lazily, when the run first uses them.
// 3. A program given with --program may be anywhere and use any tsconfig: tsx compiles it, as
//    before (its dependencies are loaded first, with Node's own loader, because tsx's resolver
//    hook costs time on every require).
//
// ZEROCRED_STARTUP_TIMING=1 prints how long each start-up phase took (stderr).
"use strict";
const { performance } = require("node:perf_hooks");
const startedAt = performance.now();
const path = require("node:path");
const ROOT = path.resolve(__dirname, "..");
const timing = process.env.ZEROCRED_STARTUP_TIMING === "1";
const mark = (phase, since) => {
  if (timing) {
    process.stderr.write(`startup: ${phase} ${Math.round(performance.now() - since)} ms\n`);
  }
  return performance.now();
};

let t = performance.now();
const codeCache = require("./launcher/code-cache.cjs").install(
  path.join(ROOT, "node_modules", ".cache", "zerocred", "code-cache.bin"),
);
t = mark("code cache", t);
const pulumiRuntime = require("./launcher/pulumi-runtime.cjs");
const savePulumiStartup = () => {
  pulumiRuntime.deferClosureSerialization(ROOT);
  pulumiRuntime.skipPromiseStacks(ROOT);
  pulumiRuntime.skipSourcePositions(ROOT);
  pulumiRuntime.skipVersionAliases(ROOT);
};
const program = process.argv.includes("--program");
if (program) {
  savePulumiStartup();
  for (const dependency of [
    "@pulumi/pulumi",
    "@pulumi/policy",
    "@pulumi/random",
    "@pulumi/kubernetes",
    "zod",
    "yaml",
    "jose",
  ]) {
    require(dependency);
  }
  require("tsx/cjs/api").register();
  t = mark("dependencies + tsx", t);
} else {
  require("./launcher/compile-cache.cjs").register(ROOT);
  t = mark("compile cache", t);
}
// --help and a bad option are answered before the simulation loads (sim/args.ts is light).
if (require("./launcher/answer-args.cjs").answered(require("./args.ts"), process.argv.slice(2))) {
  return;
}
if (!program) {
  savePulumiStartup();
}
const cli = require("./cli.ts");
mark("zerocred code loaded", t);
if (timing) {
  process.on("exit", () => {
    const cpu = process.cpuUsage();
    process.stderr.write(
      `startup: code cache ${codeCache.hits} hit(s), ${codeCache.misses} miss(es), ${codeCache.rejected} rejected\n` +
        `startup: launcher began at ${Math.round(startedAt)} ms; exit at ${Math.round(performance.now())} ms since the process started; CPU ${Math.round((cpu.user + cpu.system) / 1000)} ms\n`,
    );
  });
}
cli.start();
