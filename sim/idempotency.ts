/**
 * Idempotency: the program run twice must register the same resources with identical inputs
 * ("second run: 0 changes"); otherwise, which resources and which input keys differ.
 */
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import type { RecordedResourceLike } from "./model";

export interface IdempotencyReport {
  /** Resources added, removed or with differing inputs. */
  readonly changes: number;
  /** Differing resources, each with the dotted input paths that differ (`properties.tags.run`). */
  readonly differing: { readonly urn: string; readonly keys: string[] }[];
  /** URNs only in the second run. */
  readonly added: string[];
  /** URNs only in the first run. */
  readonly removed: string[];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** Dotted paths (array items as `[i]`) where two values differ. Pure. */
export function diffPaths(a: unknown, b: unknown, path = ""): string[] {
  if (Object.is(a, b)) {
    return [];
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) {
      return [path || "(root)"];
    }
    return a.flatMap((x, i) => diffPaths(x, b[i], `${path}[${i}]`));
  }
  if (isObject(a) && isObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => diffPaths(a[k], b[k], path ? `${path}.${k}` : k));
  }
  return [path || "(root)"];
}

/** Compares two runs' recorded inputs. Pure. */
export function compareRuns(
  first: readonly RecordedResourceLike[],
  second: readonly RecordedResourceLike[],
): IdempotencyReport {
  const a = new Map(first.map((r) => [r.urn, r]));
  const b = new Map(second.map((r) => [r.urn, r]));
  const differing: { urn: string; keys: string[] }[] = [];
  for (const [urn, ra] of a) {
    const rb = b.get(urn);
    if (rb === undefined) {
      continue;
    }
    const keys = diffPaths(ra.inputs, rb.inputs);
    if (keys.length > 0) {
      differing.push({ urn, keys });
    }
  }
  const added = [...b.keys()].filter((u) => !a.has(u)).sort();
  const removed = [...a.keys()].filter((u) => !b.has(u)).sort();
  differing.sort((x, y) => x.urn.localeCompare(y.urn));
  return { changes: differing.length + added.length + removed.length, differing, added, removed };
}

/** `second run: 0 changes`, or the differing resources and keys. */
export function formatIdempotency(report: IdempotencyReport): string {
  if (report.changes === 0) {
    return "second run: 0 changes";
  }
  const lines = [`second run: ${report.changes} change${report.changes === 1 ? "" : "s"}`];
  for (const d of report.differing) {
    lines.push(`  ~ ${d.urn}: ${d.keys.join(", ")}`);
  }
  for (const u of report.added) {
    lines.push(`  + ${u}`);
  }
  for (const u of report.removed) {
    lines.push(`  - ${u}`);
  }
  return lines.join("\n");
}

/** What the idempotency worker gets: the evaluation's inputs, nothing that is not plain data. */
export interface IdempotencyRunInputs {
  readonly config: Record<string, unknown>;
  readonly stack: string;
  readonly project?: string;
  readonly timeoutMs?: number;
  readonly invokeResults?: Readonly<Record<string, Record<string, unknown>>>;
  readonly stackOutputs?: Readonly<Record<string, Record<string, unknown>>>;
}

/** The second run's resources (URN and inputs: what {@link compareRuns} reads) and its time. */
export interface IdempotencyRun {
  readonly resources: RecordedResourceLike[];
  readonly ms: number;
  /** Whether it ran on a worker thread, beside the first run. */
  readonly parallel: boolean;
}

/** A second run the program failed in: its message, as the main thread would have raised it. */
export class IdempotencyRunError extends Error {
  constructor(
    message: string,
    readonly errorName: string,
    readonly resourcesRegistered: number,
  ) {
    super(message);
  }
}

/**
 * Evaluates the program a second time on a worker thread (sim/launcher/evaluate-worker.cjs), in
 * parallel with the first evaluation on the main thread. `result` is the run, or `undefined` when
 * the worker could not hand its resources back (a value structured clone cannot copy): then the
 * caller evaluates again itself. `stop()` ends the thread.
 */
export function startIdempotencyWorker(
  inputs: IdempotencyRunInputs,
  program: string,
  loader: "compile-cache" | "tsx",
): { result: Promise<IdempotencyRun | undefined>; stop: () => Promise<void> } {
  const worker = new Worker(path.join(__dirname, "launcher", "evaluate-worker.cjs"), {
    workerData: { options: inputs, program, loader },
  });
  const result = new Promise<IdempotencyRun | undefined>((resolve, reject) => {
    worker.once("message", (m: IdempotencyRun & { error?: Record<string, unknown> }) => {
      if (m.error === undefined) {
        resolve({ resources: m.resources, ms: m.ms, parallel: true });
      } else if (m.error.name === "DataCloneError") {
        resolve(undefined);
      } else {
        reject(
          new IdempotencyRunError(
            String(m.error.message),
            String(m.error.name),
            Number(m.error.resourcesRegistered ?? 0),
          ),
        );
      }
      void worker.terminate();
    });
    worker.once("error", reject);
    worker.once("exit", (code) =>
      reject(new Error(`the idempotency worker exited (${code}) without a result`)),
    );
  });
  return {
    result,
    stop: async () => {
      await worker.terminate();
    },
  };
}
