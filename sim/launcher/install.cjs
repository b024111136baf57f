// The launcher's savings for a thread or process that runs zerocred's simulation code outside
// sim/start.cjs (the idempotency worker, the benchmark's scale runs): V8's code cache, the Pulumi
// runtime savings, and a TypeScript loader — zerocred's compile cache, or tsx for a --program.
// sim/start.cjs does the same, phase by phase, with its start-up timing.
"use strict";
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..", "..");

/** Installs everything; `loader` is "compile-cache" (zerocred's own code) or "tsx" (any program). */
function installLauncher(loader) {
  require("./code-cache.cjs").install(
    path.join(ROOT, "node_modules", ".cache", "zerocred", "code-cache.bin"),
  );
  const pulumiRuntime = require("./pulumi-runtime.cjs");
  pulumiRuntime.deferClosureSerialization(ROOT);
  pulumiRuntime.skipPromiseStacks(ROOT);
  pulumiRuntime.skipSourcePositions(ROOT);
  pulumiRuntime.skipVersionAliases(ROOT);
  if (loader === "tsx") {
    require("tsx/cjs/api").register();
  } else {
    require("./compile-cache.cjs").register(ROOT);
  }
}

module.exports = { installLauncher, ROOT };
