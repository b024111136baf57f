// Runs the bundled pod verifier — the same file the verification Job runs — once per target, in
// ONE Node process: `node pod-batch.cjs <verifier.js> <targets.json>`. Each target is the
// environment one pod would have (what the webhook injects plus the ZC_* settings); the bundle's
// main(env, write) is called with it, so nothing is shared between targets but the process (and
// its NODE_EXTRA_CA_CERTS, the same for every target). Prints one JSON array: [{ index, code, lines }].
"use strict";
const fs = require("node:fs");

const [bundleFile, targetsFile] = process.argv.slice(2);
const verifier = require(bundleFile);
const targets = JSON.parse(fs.readFileSync(targetsFile, "utf8"));

Promise.all(
  targets.map(async (env, index) => {
    const lines = [];
    try {
      const code = await verifier.main(env, (line) => lines.push(line));
      return { index, code, lines };
    } catch (err) {
      return { index, code: 3, lines, error: String(err && err.message ? err.message : err) };
    }
  }),
).then((results) => {
  process.stdout.write(JSON.stringify(results));
});
