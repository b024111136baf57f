/**
 * One evaluation of a program as a new `pulumi up` would run it: loaded afresh (freshRequire) and
 * evaluated in the simulated cloud (./program.ts). simulate() runs it for the first run and the
 * idempotency run; the idempotency worker (sim/launcher/evaluate-worker.cjs) loads only this module
 * and what it imports, not the whole simulation.
 */
import { createRequire } from "node:module";
import * as path from "node:path";
import type { IdempotencyRunInputs } from "./idempotency";
import { DEFAULT_TIMEOUT_MS, evaluateProgram, packageNameOf, type Evaluation } from "./program";

const ROOT = path.join(__dirname, "..");

/** Packages a program outside zerocred took from zerocred's own node_modules (see freshRequire). */
export const borrowedPackages = new Set<string>();

/**
 * Loads a CommonJS/TypeScript program afresh (tsx's hook compiles .ts): a new `pulumi up`.
 * Its imports resolve from its OWN directory first (its node_modules, like `pulumi up` there);
 * a package it has not installed falls back to zerocred's copy (recorded in borrowedPackages), so
 * a single file outside any project still runs.
 */
export function freshRequire(file: string): unknown {
  // Under `tsx` the hook is already there; elsewhere (vitest, plain node) register it once.
  if (!(".ts" in require.extensions)) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- tsx registers a CommonJS hook
    (require("tsx/cjs/api") as { register: () => void }).register();
  }
  for (const key of Object.keys(require.cache)) {
    if (!key.includes(`${path.sep}node_modules${path.sep}`)) {
      delete require.cache[key];
    }
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- Node's CommonJS loader internals
  const Module = require("node:module") as {
    _resolveFilename: (request: string, parent: unknown, ...rest: unknown[]) => string;
  };
  const original = Module._resolveFilename;
  Module._resolveFilename = function (this: unknown, request, parent, ...rest) {
    try {
      return original.call(this, request, parent, ...rest);
    } catch (err) {
      const bare =
        !request.startsWith(".") && !path.isAbsolute(request) && !request.startsWith("node:");
      if ((err as { code?: string }).code !== "MODULE_NOT_FOUND" || !bare) {
        throw err;
      }
      const resolved = original.call(this, request, parent, false, { paths: [ROOT] });
      borrowedPackages.add(packageNameOf(request));
      return resolved;
    }
  };
  try {
    // Node records every module a module requires in its parent's `children` (Module._load →
    // updateChildren). Required from this module (which outlives every run), each run's whole
    // module tree (the program, its components, their closures) stayed reachable from here: ~1.8 MB
    // per dev-stack run, for the life of the process. A require of its own per run leaves nothing.
    return createRequire(file)(file) as unknown;
  } finally {
    Module._resolveFilename = original;
  }
}

export async function evaluateRun(
  options: IdempotencyRunInputs,
  program: string,
  captureOutput: boolean,
): Promise<Evaluation> {
  return evaluateProgram({
    config: options.config,
    stack: options.stack,
    ...(options.project !== undefined ? { project: options.project } : {}),
    load: async () => freshRequire(program),
    programFile: program,
    captureOutput,
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    cloud: {
      ...(options.invokeResults !== undefined ? { invokeResults: options.invokeResults } : {}),
      ...(options.stackOutputs !== undefined ? { stackOutputs: options.stackOutputs } : {}),
    },
  });
}
