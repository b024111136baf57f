// The idempotency run of `npm start` in a worker thread (startIdempotencyWorker in sim/idempotency.ts starts it).
//
// The second evaluation of the program does not depend on the first, so it runs beside it on the
// other core, in its own V8 isolate: its own copy of every module and its own Pulumi runtime, as a
// second `pulumi up` is its own process. The thread loads code the way the main thread does
// (workerData.loader): zerocred's compile cache for its own stack, tsx for a --program; the same
// launcher savings apply (code cache, deferred closure serializer, no promise stacks or source
// positions). It loads only sim/evaluate.ts and what it imports. It posts { resources: [{ urn, inputs }], ms } or { error: { name, message } }.
"use strict";
const { performance } = require("node:perf_hooks");
const { parentPort, workerData } = require("node:worker_threads");

function post(message) {
  try {
    parentPort.postMessage(message);
  } catch (err) {
    // A value structured clone cannot copy (a function in an input): the main thread runs it itself.
    parentPort.postMessage({ error: { name: "DataCloneError", message: String(err?.message) } });
  }
}

async function main() {
  // Nice 10 for this thread only: on Linux the nice value is a per-thread attribute, and
  // setpriority(PRIO_PROCESS, 0) — os.setPriority(0, …) — sets the calling thread's ("Mastering
  // Embedded Linux Programming", Niceness; man 2 setpriority, NOTES). The first evaluation on the
  // main thread is the critical path (the verification needs it): the worker takes what is left
  // (measured, 100 workloads: 5.8-6.5 s niced, 6.9-7.0 s not).
  try {
    require("node:os").setPriority(0, 10);
  } catch {
    // Not permitted here: the run keeps the normal priority.
  }
  require("./install.cjs").installLauncher(workerData.loader);
  const { evaluateRun } = require("../evaluate.ts");
  const started = performance.now();
  const evaluation = await evaluateRun(workerData.options, workerData.program, true);
  post({
    resources: evaluation.resources.map((r) => ({ urn: r.urn, inputs: r.inputs })),
    ms: performance.now() - started,
  });
}

// The program's own failures end its evaluation with a ProgramError; keep stray rejections of a
// failed program (as the main thread does) from ending the thread before it reports.
process.on("unhandledRejection", () => undefined);
main().catch((err) => {
  post({
    error: {
      name: err?.name ?? "Error",
      message: String(err?.message ?? err),
      resourcesRegistered: err?.resourcesRegistered ?? 0,
    },
  });
});
