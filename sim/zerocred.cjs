#!/usr/bin/env node
// The `zerocred` command of the npm package (package.json "bin"): a thin wrapper over sim/cli.ts.
//
//   zerocred simulate [--program ./index.ts] [--stack <name>] [--config <file>] [--json] [--svg <file>] …
//   zerocred --help | --version
//
// Everything after `simulate` goes to the simulation's own option parser (sim/cli.ts), so the flags,
// exit codes and messages are those of `npm start`. In the package this file sits in dist/sim/
// beside the compiled cli.js; in the repository it loads cli.ts through tsx.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const USAGE = `Usage: zerocred simulate [options]     the offline simulation of a Pulumi program
       zerocred --version | --help

Run it in your Pulumi project (or pass --program): it evaluates the program against a simulated
Azure, runs the verifiers and prints the access matrix, the diagnosis and the policy findings.
"zerocred simulate --help" lists the options.
`;

/** zerocred's package.json: dist/sim/ in the package, sim/ in the repository. */
function ownPackage() {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const file = path.join(dir, "package.json");
    if (fs.existsSync(file)) {
      const pkg = JSON.parse(fs.readFileSync(file, "utf8"));
      if (pkg.name === "zerocred") {
        return pkg;
      }
    }
  }
  throw new Error("zerocred's package.json was not found above " + __dirname);
}

function main(argv) {
  const [command, ...rest] = argv;
  if (command === "--version" || command === "-v") {
    process.stdout.write(`${ownPackage().version}\n`);
    return;
  }
  if (command === undefined || command === "--help" || command === "-h" || command === "help") {
    process.stdout.write(USAGE);
    return;
  }
  if (command !== "simulate") {
    process.stderr.write(`Unknown command ${JSON.stringify(command)}.\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  const built = fs.existsSync(path.join(__dirname, "cli.js"));
  if (!built) {
    require("tsx/cjs/api").register();
  }
  // --help and a bad option are answered before the simulation loads (args is light).
  if (
    require("./launcher/answer-args.cjs").answered(require(built ? "./args.js" : "./args.ts"), rest)
  ) {
    return;
  }
  const cli = require(built ? "./cli.js" : "./cli.ts");
  process.argv = [process.argv[0], process.argv[1], ...rest];
  cli.start();
}

main(process.argv.slice(2));
