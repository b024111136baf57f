/**
 * Before each test file: the same Pulumi start-up savings `npm start` applies
 * (sim/launcher/pulumi-runtime.cjs), so program evaluations in tests cost what they cost users —
 * the runtime's per-promise debug stack traces are skipped unless PULUMI_DEBUG_PROMISE_LEAKS is
 * set, the closure serializer loads only if a test serializes a function, resources skip the
 * CLI-only source position, and the provider SDKs' API-version aliases (which only match prior
 * state, and a simulated run has none) are not merged in.
 */
import * as path from "node:path";

// Not from ./index: that imports @pulumi/pulumi, which must load after the stand-ins are in place.
const ROOT = path.resolve(__dirname, "..", "..");

// eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS launcher module
const runtime = require("../../sim/launcher/pulumi-runtime.cjs") as {
  deferClosureSerialization(fromDir: string): string[];
  skipPromiseStacks(fromDir: string): boolean;
  skipSourcePositions(fromDir: string): boolean;
  skipVersionAliases(fromDir: string): boolean;
};
runtime.deferClosureSerialization(ROOT);
runtime.skipPromiseStacks(ROOT);
runtime.skipSourcePositions(ROOT);
runtime.skipVersionAliases(ROOT);
