// `node bench/scale.cjs <workloads> <identities>`: one full simulation of the scaled dev stack, run
// the way `npm start` runs it (the launcher's code cache, Pulumi runtime savings and compile cache,
// no source-mapped stacks), printing its phases as JSON. bench/run.ts spawns it per repetition.
"use strict";
require("../sim/launcher/install.cjs").installLauncher("compile-cache");
const [workloads, identities] = process.argv.slice(2).map(Number);
require("./scale.ts")
  .scaleRun(workloads, identities)
  .then((figures) => process.stdout.write(`${JSON.stringify(figures)}\n`))
  .catch((err) => {
    process.stderr.write(`scale run failed: ${String(err?.stack ?? err)}\n`);
    process.exitCode = 1;
  });
