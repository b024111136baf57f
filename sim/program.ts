/**
 * Evaluates a Pulumi program against the simulated cloud: sets the stack config, installs the
 * mocks, loads the program, resolves its exports and waits until every registration is done.
 * Used by `npm start` and by the tests (which pass their own module loader).
 */
import * as pulumi from "@pulumi/pulumi";
import { SimulatedCloud, type RecordedResource, type SimulatedCloudOptions } from "./cloud";

export interface EvaluateOptions {
  /** Flat Pulumi config: `{ "zerocred:prefix": "zc", "zerocred:vm": {...} }`. */
  readonly config: Record<string, unknown>;
  /** Loads (imports) the program module; called after the mocks are installed. */
  readonly load: () => Promise<Record<string, unknown>>;
  readonly project?: string;
  readonly stack?: string;
  readonly preview?: boolean;
  readonly cloud?: SimulatedCloudOptions;
}

export interface Evaluation {
  readonly cloud: SimulatedCloud;
  readonly resources: RecordedResource[];
  /** The program's exports, resolved. Secret values are replaced by `[secret]`. */
  readonly exports: Record<string, unknown>;
  /** Export names whose values were Pulumi secrets. */
  readonly secretExports: string[];
}

/** Raised when the program itself fails (bad config, a thrown error, a failed registration). */
export class ProgramError extends Error {
  constructor(
    message: string,
    cause: unknown,
    /** How many resources the program had registered when it failed. */
    readonly resourcesRegistered = 0,
  ) {
    super(message, { cause });
    this.name = "ProgramError";
  }
}

interface OutputInternals {
  promise(withUnknowns?: boolean): Promise<unknown>;
  isKnown: Promise<boolean>;
  isSecret: Promise<boolean>;
}

/** Resolves an Output (or plain value) to its value; `undefined` when unknown (preview). */
export async function unwrap<T>(value: pulumi.Input<T>): Promise<T> {
  if (pulumi.Output.isInstance(value)) {
    const o = value as unknown as OutputInternals;
    if (!(await o.isKnown)) {
      return undefined as T;
    }
    return (await o.promise()) as T;
  }
  return (await value) as T;
}

/** Whether an Output is a Pulumi secret. */
export async function isSecretOutput(value: unknown): Promise<boolean> {
  if (pulumi.Output.isInstance(value)) {
    return (value as unknown as OutputInternals).isSecret;
  }
  return false;
}

/** Deeply resolves Outputs, Promises and Resources inside a value; secrets become `[secret]`. */
async function resolveDeep(
  value: unknown,
  depth = 0,
): Promise<{ value: unknown; secret: boolean }> {
  if (depth > 20) {
    return { value: "[too deep]", secret: false };
  }
  if (pulumi.Output.isInstance(value)) {
    const o = value as unknown as OutputInternals;
    const secret = await o.isSecret;
    const known = await o.isKnown;
    if (!known) {
      return { value: "[unknown]", secret };
    }
    const inner = await resolveDeep(await o.promise(), depth + 1);
    return secret ? { value: "[secret]", secret: true } : inner;
  }
  if (pulumi.Resource.isInstance(value)) {
    const urn = await unwrap((value as pulumi.Resource).urn);
    return { value: { urn }, secret: false };
  }
  if (value instanceof Promise) {
    return resolveDeep(await value, depth + 1);
  }
  if (Array.isArray(value)) {
    const items = await Promise.all(value.map((v) => resolveDeep(v, depth + 1)));
    return { value: items.map((i) => i.value), secret: items.some((i) => i.secret) };
  }
  if (value !== null && typeof value === "object") {
    const entries = await Promise.all(
      Object.entries(value as Record<string, unknown>).map(async ([k, v]) => {
        const r = await resolveDeep(v, depth + 1);
        return [k, r] as const;
      }),
    );
    return {
      value: Object.fromEntries(entries.map(([k, r]) => [k, r.value])),
      secret: entries.some(([, r]) => r.secret),
    };
  }
  return { value, secret: false };
}

/** Waits until the Pulumi runtime has no outstanding registrations. */
export async function settle(): Promise<void> {
  // waitForRPCs is internal to @pulumi/pulumi (a CommonJS package); it resolves once the RPC
  // queue has drained.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- not in the public typings
  const settings = require("@pulumi/pulumi/runtime/settings") as {
    waitForRPCs(): Promise<void>;
  };
  let count = -1;
  // Registrations inside applies start new RPCs after earlier ones finish: wait until stable.
  for (let i = 0; i < 50; i++) {
    await settings.waitForRPCs();
    await new Promise((r) => setImmediate(r));
    const now = (pulumi.runtime.getMonitor() as unknown as { resources?: Map<string, unknown> })
      .resources?.size;
    if (now === count) {
      return;
    }
    count = now ?? 0;
  }
}

/** Flattens `{ "zerocred:vm": {...} }` into Pulumi's config map (objects as JSON strings). */
export function toPulumiConfig(config: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(config).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
  );
}

export async function evaluateProgram(options: EvaluateOptions): Promise<Evaluation> {
  const project = options.project ?? "zerocred";
  const stack = options.stack ?? "dev";
  pulumi.runtime.setAllConfig(toPulumiConfig(options.config));
  const cloud = new SimulatedCloud(options.cloud);
  await cloud.install(project, stack, options.preview ?? false);

  const failures: unknown[] = [];
  const onRejection = (reason: unknown) => failures.push(reason);
  process.on("unhandledRejection", onRejection);
  try {
    let mod: Record<string, unknown>;
    try {
      mod = await options.load();
    } catch (err) {
      await settle();
      throw new ProgramError(messageOf(err), err, cloud.resources.length);
    }
    const exported = Object.entries(mod).filter(([k]) => k !== "default" && k !== "__esModule");
    const resolved: Record<string, unknown> = {};
    const secretExports: string[] = [];
    for (const [key, value] of exported) {
      try {
        const r = await resolveDeep(value);
        resolved[key] = r.value;
        if (r.secret) {
          secretExports.push(key);
        }
      } catch (err) {
        throw new ProgramError(`export ${key}: ${messageOf(err)}`, err, cloud.resources.length);
      }
    }
    await settle();
    if (failures.length > 0) {
      throw new ProgramError(messageOf(failures[0]), failures[0], cloud.resources.length);
    }
    return { cloud, resources: cloud.resources, exports: resolved, secretExports };
  } finally {
    process.off("unhandledRejection", onRejection);
  }
}

export function messageOf(err: unknown): string {
  if (err instanceof Error) {
    return err.message;
  }
  return String(err);
}
