// The launchers' early answer (sim/start.cjs, sim/zerocred.cjs): --help, or a usage error, printed
// from sim/args.ts alone, before the simulation (Pulumi, the SDKs) loads. The same text and exit
// code as runCli gives (sim/cli.ts: usage errors exit 2 with the message on stderr, --help exits 0
// with the usage on stdout); any other arguments are left to it.
"use strict";

/** Prints the answer and sets the exit code when the arguments need nothing else; returns whether it did. */
function answered(args, argv) {
  let opts;
  try {
    opts = args.parseArgs(argv);
  } catch (err) {
    process.stderr.write(`${err.message}\n`);
    process.exitCode = 2;
    return true;
  }
  if (opts.help) {
    process.stdout.write(args.USAGE);
    process.exitCode = 0;
    return true;
  }
  return false;
}

module.exports = { answered };
