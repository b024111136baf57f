/**
 * The real pack, as the Pulumi engine runs it: `policies/index.ts` starts the analyzer gRPC server in a
 * child process (the protocol suite is in analyzer-protocol.ts, shared with the bundled pack's test).
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { describeAnalyzerServer } from "./analyzer-protocol";

const ROOT = join(__dirname, "..", "..");

describeAnalyzerServer("policy pack served to the engine", () =>
  spawn(join(ROOT, "node_modules", ".bin", "tsx"), ["index.ts"], {
    cwd: join(ROOT, "policies"),
    stdio: ["ignore", "pipe", "pipe"],
  }),
);
