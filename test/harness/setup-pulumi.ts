/**
 * Before each test file (both projects): the same Pulumi start-up savings `npm start` applies
 * (sim/launcher/pulumi-runtime.cjs), so program evaluations in tests cost what they cost users —
 * the runtime's per-promise debug stack traces are skipped unless PULUMI_DEBUG_PROMISE_LEAKS is
 * set, and the closure serializer loads only if a test serializes a function.
 */
import * as path from "node:path";

// Not from ./index: that imports @pulumi/pulumi, which must load after the stand-ins are in place.
const ROOT = path.resolve(__dirname, "..", "..");

// eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS launcher module
const runtime = require("../../sim/launcher/pulumi-runtime.cjs") as {
  deferClosureSerialization(fromDir: string): string[];
  skipPromiseStacks(fromDir: string): boolean;
};
runtime.deferClosureSerialization(ROOT);
runtime.skipPromiseStacks(ROOT);
