// The plugin's entry point (package.json "main"): Pulumi's Node.js language host runs it when a
// program that added this package (`pulumi package add`) needs the schema or constructs a component.
import { hostComponents } from "./components";

hostComponents().catch((err: unknown) => {
  process.stderr.write(`zerocred component provider failed: ${String(err)}\n`);
  process.exitCode = 1;
});
