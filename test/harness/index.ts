/**
 * The shared mock harness. One simulated cloud (sim/cloud.ts) for every test file:
 *
 *   const cloud = await useCloud();                  // in beforeAll: awaits setMocks
 *   const mod = await import("../../components/x");  // THEN import what registers resources
 *
 * or, for the whole stack program: `const run = await runStack(devConfig())` — or `await devStack()`,
 * the dev stack evaluated once per worker and shared by the tests that only read it.
 * Invokes that are not simulated throw; outputs are unwrapped with `unwrap`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { vi } from "vitest";
import { parse } from "yaml";
import { SimulatedCloud, type RecordedResource, type SimulatedCloudOptions } from "../../sim/cloud";
import { evaluateProgram, settle, type Evaluation } from "../../sim/program";

export { unwrap, isSecretOutput, settle } from "../../sim/program";
export { SimulatedCloud } from "../../sim/cloud";
export type { RecordedResource } from "../../sim/cloud";

export const ROOT = path.resolve(__dirname, "..", "..");

/** Installs a fresh simulated cloud as the Pulumi mock monitor. Import modules AFTER this. */
export async function useCloud(
  options: SimulatedCloudOptions & { project?: string; stack?: string; preview?: boolean } = {},
): Promise<SimulatedCloud> {
  const cloud = new SimulatedCloud(options);
  await cloud.install(
    options.project ?? "zerocred",
    options.stack ?? "dev",
    options.preview ?? false,
  );
  return cloud;
}

/** Reads the `config:` block of a Pulumi.<stack>.yaml in the repo root. */
export function stackConfig(stack = "dev"): Record<string, unknown> {
  const file = path.join(ROOT, `Pulumi.${stack}.yaml`);
  const doc = parse(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> };
  return { ...(doc.config ?? {}) };
}

/** The dev stack's config with some keys replaced (deep copy). */
export function devConfig(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...structuredClone(stackConfig("dev")), ...overrides };
}

/**
 * Runs the stack program (infra/index.ts) in the simulated cloud with the given config.
 * Modules are reset first, so each call is a fresh `pulumi up` of the program.
 */
export async function runStack(
  config: Record<string, unknown>,
  options: { stack?: string; preview?: boolean; cloud?: SimulatedCloudOptions } = {},
): Promise<Evaluation> {
  vi.resetModules();
  return evaluateProgram({
    config,
    stack: options.stack,
    preview: options.preview,
    cloud: options.cloud,
    load: async () => (await import("../../infra/index")) as Record<string, unknown>,
  });
}

let sharedDevStack: Promise<Evaluation> | undefined;

/**
 * The dev stack (Pulumi.dev.yaml through infra/index.ts), evaluated ONCE per test worker and
 * shared by every test that only reads it. Treat it as read-only: copy (structuredClone) what you
 * change. A test that needs its own run — another config, a second run, a preview — calls
 * {@link runStack}.
 */
export function devStack(): Promise<Evaluation> {
  sharedDevStack ??= runStack(devConfig());
  return sharedDevStack;
}

/** Resources of one type token, in registration order. */
export function byType(resources: readonly RecordedResource[], type: string): RecordedResource[] {
  return resources.filter((r) => r.type === type);
}

/** The single resource with this logical name (throws with the names present when absent). */
export function named(resources: readonly RecordedResource[], name: string): RecordedResource {
  const found = resources.filter((r) => r.name === name);
  if (found.length !== 1) {
    throw new Error(
      `expected exactly one resource named ${name}, found ${found.length}; names: ${resources
        .map((r) => r.name)
        .join(", ")}`,
    );
  }
  return found[0]!;
}

/** Waits for every pending registration (use before asserting on recorded resources). */
export async function registered(cloud: SimulatedCloud): Promise<RecordedResource[]> {
  await settle();
  return cloud.resources;
}
