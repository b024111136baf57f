/**
 * Evaluates a Pulumi program against the simulated cloud: sets the stack config, installs the
 * mocks, loads the program, resolves its exports and waits until every registration is done.
 * Used by `npm start` and by the tests (which pass their own module loader).
 */
import * as path from "node:path";
import * as util from "node:util";
import * as pulumi from "@pulumi/pulumi";
import { DEFAULT_TIMEOUT_MS } from "./limits";
import { installTransforms, resetTransforms } from "./transforms";
import { SimulatedCloud, type RecordedResource, type SimulatedCloudOptions } from "./cloud";

export interface EvaluateOptions {
  /** Flat Pulumi config: `{ "zerocred:prefix": "zc", "zerocred:vm": {...} }`. */
  readonly config: Record<string, unknown>;
  /**
   * Loads (requires) the program module; called after the mocks are installed. Whatever it
   * returns is the program's export, as Pulumi's Node host treats it: named exports are the
   * stack outputs; a function (`export = async () => {…}`, or a lone default export) is called and
   * the object it returns (awaited) is the outputs.
   */
  readonly load: () => Promise<unknown>;
  readonly project?: string;
  readonly stack?: string;
  readonly preview?: boolean;
  readonly cloud?: SimulatedCloudOptions;
  /** Settle timeout: a program still pending after this long fails, naming what is pending. */
  readonly timeoutMs?: number;
  /** Capture the program's console output (console.*, pulumi.log, process.stdout/stderr writes). */
  readonly captureOutput?: boolean;
  /** The program's file, to name the line of the program where an error was raised. */
  readonly programFile?: string;
}

export interface Evaluation {
  readonly cloud: SimulatedCloud;
  readonly resources: RecordedResource[];
  /** The program's exports, resolved. Secret values are replaced by `[secret]`. */
  readonly exports: Record<string, unknown>;
  /** Export names whose values were Pulumi secrets. */
  readonly secretExports: string[];
  /** The program's own console output (when captured), in order. */
  readonly output: string[];
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

export { DEFAULT_TIMEOUT_MS } from "./limits";

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

/** What the module's export means to Pulumi's Node host (sdk/nodejs/cmd/run/run.ts, v3.248.0). */
function programOutputsOf(mod: unknown): { outputs: unknown; entrypoint: boolean } {
  let exported = mod;
  if (exported !== null && typeof exported === "object") {
    const keys = Object.keys(exported).filter((k) => k !== "__esModule");
    // A lone default export (`export default async () => {…}` compiled to CommonJS).
    if (keys.length === 1 && keys[0] === "default") {
      exported = (exported as { default: unknown }).default;
    }
  }
  if (typeof exported === "function") {
    return { outputs: (exported as () => unknown)(), entrypoint: true };
  }
  return { outputs: exported, entrypoint: false };
}

class Timeout extends Error {}

function deadline<T>(
  promise: Promise<T>,
  until: number,
  what: () => string,
  failure?: Promise<never>,
): Promise<T> {
  const ms = Math.max(0, until - Date.now());
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Timeout(what())), ms);
  });
  return Promise.race([promise, timeout, ...(failure ? [failure] : [])]).finally(() =>
    clearTimeout(timer),
  );
}

/** Redirects the program's console and stdout/stderr writes into `lines` until restored. */
function captureConsole(lines: string[]): () => void {
  const methods = ["log", "info", "warn", "error", "debug", "trace"] as const;
  const saved = methods.map((m) => console[m]);
  for (const m of methods) {
    console[m] = (...args: unknown[]) => {
      lines.push(
        args.map((a) => (typeof a === "string" ? a : util.inspect(a, { depth: 4 }))).join(" "),
      );
    };
  }
  const writes = [process.stdout.write, process.stderr.write] as const;
  const capture = (chunk: unknown, ...rest: unknown[]): boolean => {
    lines.push(...String(chunk).replace(/\n$/, "").split("\n"));
    const cb = rest.find((r) => typeof r === "function") as (() => void) | undefined;
    cb?.();
    return true;
  };
  process.stdout.write = capture as typeof process.stdout.write;
  process.stderr.write = capture as typeof process.stderr.write;
  return () => {
    methods.forEach((m, i) => (console[m] = saved[i]!));
    process.stdout.write = writes[0];
    process.stderr.write = writes[1];
  };
}

export async function evaluateProgram(options: EvaluateOptions): Promise<Evaluation> {
  const project = options.project ?? "zerocred";
  const stack = options.stack ?? "dev";
  pulumi.runtime.setAllConfig(toPulumiConfig(options.config));
  const cloud = new SimulatedCloud(options.cloud);
  await cloud.install(project, stack, options.preview ?? false);
  installTransforms();
  resetTransforms();

  const until = Date.now() + (options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const output: string[] = [];
  const failures: unknown[] = [];
  // A rejected registration (an error thrown in an apply, a component's validation) leaves the
  // runtime waiting forever: the first one ends the wait at once.
  let failed: (reason: unknown) => void = () => undefined;
  const firstFailure = new Promise<never>((_, reject) => {
    failed = reject;
  });
  firstFailure.catch(() => undefined);
  const onRejection = (reason: unknown) => {
    failures.push(reason);
    failed(reason);
  };
  process.on("unhandledRejection", onRejection);
  const restore = options.captureOutput ? captureConsole(output) : () => undefined;
  let phase = "loading the program";
  const pending = () => {
    const last = cloud.resources[cloud.resources.length - 1];
    return (
      `${phase}; ${cloud.resources.length} resource(s) registered` +
      (last !== undefined ? `, the last one ${last.type.split(":").pop()} ${last.name}` : "")
    );
  };
  const fail = (err: unknown, prefix = ""): ProgramError => {
    if (err instanceof ProgramError) {
      return err;
    }
    const refusal = cloud.refusals[0];
    if (refusal !== undefined) {
      return new ProgramError(refusal.message, err, cloud.resources.length);
    }
    if (err instanceof Timeout) {
      return new ProgramError(
        `the program did not settle within ${Math.round((options.timeoutMs ?? DEFAULT_TIMEOUT_MS) / 1000)} s: still pending: ${err.message} ` +
          `(a promise that never resolves, or raise --timeout)`,
        err,
        cloud.resources.length,
      );
    }
    const missing = /^Cannot find module '([^']+)'/.exec(messageOf(err));
    if ((err as { code?: string } | undefined)?.code === "MODULE_NOT_FOUND" && missing !== null) {
      const dir = options.programFile ? path.dirname(options.programFile) : process.cwd();
      const pkg = missing[1]!.startsWith(".") ? missing[1]! : packageNameOf(missing[1]!);
      return new ProgramError(
        missing[1]!.startsWith(".")
          ? `the program imports ${missing[1]}, which does not exist${locationOf(err, options.programFile)}`
          : `the program imports ${pkg}, which is installed neither beside it (${path.join(dir, "node_modules")}) nor in zerocred: run \`npm install ${pkg}\` in ${dir}`,
        err,
        cloud.resources.length,
      );
    }
    // A config error lists every problem (the CLI prints them all); anything else is one line.
    const listsIssues = Array.isArray((err as { issues?: unknown } | undefined)?.issues);
    return new ProgramError(
      prefix +
        (listsIssues ? messageOf(err) : oneLine(messageOf(err))) +
        locationOf(err, options.programFile),
      err,
      cloud.resources.length,
    );
  };
  try {
    let outputs: unknown;
    try {
      const mod = await deadline(options.load(), until, pending);
      const shape = programOutputsOf(mod);
      phase = shape.entrypoint
        ? "the program's exported function has not returned"
        : "resolving the exports";
      outputs = await deadline(Promise.resolve(shape.outputs), until, pending, firstFailure);
    } catch (err) {
      await deadline(settle(), until, pending, firstFailure).catch(() => undefined);
      throw fail(err);
    }
    const exported =
      outputs !== null && typeof outputs === "object"
        ? Object.entries(outputs as Record<string, unknown>).filter(
            ([k]) => k !== "default" && k !== "__esModule",
          )
        : [];
    const resolved: Record<string, unknown> = {};
    const secretExports: string[] = [];
    for (const [key, value] of exported) {
      phase = `export ${key} is not resolved`;
      try {
        const r = await deadline(resolveDeep(value), until, pending, firstFailure);
        resolved[key] = r.value;
        if (r.secret) {
          secretExports.push(key);
        }
      } catch (err) {
        throw fail(err, `export ${key}: `);
      }
    }
    phase = "registrations still in flight (an input that never resolves?)";
    await deadline(settle(), until, pending, firstFailure).catch((err: unknown) => {
      throw fail(err);
    });
    // Late rejections (a failed registration) arrive on the next turns.
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    if (failures.length > 0) {
      throw fail(failures[0]);
    }
    if (cloud.refusals.length > 0) {
      throw fail(undefined);
    }
    return { cloud, resources: cloud.resources, exports: resolved, secretExports, output };
  } finally {
    restore();
    // Other outputs of a failed program reject a moment later: keep them from crashing the run.
    setTimeout(() => process.off("unhandledRejection", onRejection), 50).unref();
  }
}

/** `@pulumi/azure-native/keyvault` → `@pulumi/azure-native`; `lodash/fp` → `lodash`. */
export function packageNameOf(request: string): string {
  const parts = request.split("/");
  return request.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
}

/** The first line of an error message, without the SDK's wrapping noise. */
function oneLine(message: string): string {
  const first = message.split("\n").find((l) => l.trim().length > 0) ?? "";
  return first.trim() || "an error without a message";
}

/** ` (at prog.ts:12)` — the program's own line where the error was raised, when the stack names it. */
export function locationOf(err: unknown, programFile: string | undefined): string {
  const stack = (err as { stack?: unknown } | undefined)?.stack;
  if (typeof stack !== "string" || programFile === undefined) {
    return "";
  }
  const dir = path.dirname(programFile);
  for (const line of stack.split("\n").slice(1)) {
    const m = /\(?((?:file:\/\/)?\/[^()]+?):(\d+):\d+\)?\s*$/.exec(line);
    if (m === null) {
      continue;
    }
    const file = m[1]!.replace(/^file:\/\//, "");
    if (file.startsWith(dir) && !file.includes(`${path.sep}node_modules${path.sep}`)) {
      return ` (at ${path.relative(process.cwd(), file) || file}:${m[2]})`;
    }
  }
  return "";
}

export function messageOf(err: unknown): string {
  if (err instanceof Error) {
    return err.message;
  }
  return String(err);
}
