/**
 * The benchmark's scaled dev stack and one full simulation of it (bench/scale.cjs runs it in its own
 * process, started as `npm start` starts).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { KEY_FILE } from "../sim/emulators/keyStore";
import { simulate } from "../sim/simulate";

const ROOT = path.resolve(__dirname, "..");

export interface ScaleFigures {
  readonly resources: number;
  readonly verifications: number;
  /** Rows whose verdict differs from the expectation (a benchmark reports it, never stops on it). */
  readonly mismatches: number;
  readonly phasesMs: {
    readonly evaluate: number;
    readonly secondRun: number;
    readonly secondRunParallel: boolean;
    readonly emulators: number;
    readonly verifiers: number;
    readonly total: number;
  };
}

export function devConfig(): Record<string, unknown> {
  const doc = parse(fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8")) as {
    config: Record<string, unknown>;
  };
  return doc.config;
}

/** The dev stack scaled to `n` workloads spread over `identities` identities. */
export function scaledConfig(n: number, identities: number): Record<string, unknown> {
  const base = devConfig();
  const ids = Array.from({ length: identities }, (_, i) => ({ name: `id${i}` }));
  const workloads = Array.from({ length: n }, (_, i) => ({
    name: `w${i}`,
    namespace: `ns${i % 10}`,
    serviceAccount: `sa${i}`,
    identity: `id${i % identities}`,
  }));
  return {
    ...base,
    "zerocred:vm": { ...(base["zerocred:vm"] as object), identities: [] },
    "zerocred:identities": ids,
    "zerocred:workloads": workloads,
    "zerocred:grants": [
      { principal: "vm", role: "Key Vault Secrets User", scope: "vault" },
      ...ids.slice(0, Math.ceil(identities / 2)).map((id) => ({
        principal: id.name,
        role: "Key Vault Secrets User",
        scope: "secret/canary",
      })),
    ],
  };
}

/** One full simulation of `n` workloads over `identities` identities, verifiers included. */
export async function scaleRun(n: number, identities: number): Promise<ScaleFigures> {
  // The idempotency run on a worker thread, beside the first (what `npm start` does when a core is
  // idle); the verdict is the same as in-process.
  // The emulator keys from the CLI's key file, as `npm start` gets them.
  const r = await simulate({
    config: scaledConfig(n, identities),
    stack: "dev",
    parallel: true,
    keyFile: KEY_FILE,
  });
  return {
    resources: r.plan.total,
    verifications: r.access.length,
    mismatches: r.access.filter((a) => a.ok === false).length,
    phasesMs: r.phasesMs,
  };
}
