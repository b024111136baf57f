/**
 * `npm run build` (and `npm pack` / `npm publish`, through `prepack`): the npm package in dist/.
 *
 * - JavaScript + source maps for the library (components/) and the `zerocred` CLI's code (sim/,
 *   infra/, policies/), transpiled file by file by esbuild (CommonJS, like tsconfig.json);
 * - declarations (+ declaration maps) for the library, by tsc (tsconfig.build.json);
 * - the pod verifier bundled once, here, so `pulumi up` with the installed package never runs esbuild;
 * - the non-TypeScript files the code reads beside itself (vm-verifier.sh, the CommonJS launchers);
 * - the publishable policy pack in dist/policy-pack (scripts/policy-pack.ts).
 *
 * Run: `npm run build` (≈10 s on 2 cores; the declarations are most of it).
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { buildSync } from "esbuild";
import { PREBUILT_BUNDLE_FILE_NAME, bundlePodVerifier } from "../components/verification/bundle";
import { buildPolicyPack } from "./policy-pack";

export const ROOT = path.resolve(__dirname, "..");
export const DIST = path.join(ROOT, "dist");

/** Source folders compiled into dist/ (same layout: dist/components/keyVault.js, …). */
const SOURCE_DIRS = ["components", "infra", "policies", "sim"];

/** Files copied verbatim (read at run time relative to their module). */
const ASSETS = ["components/verification/vm-verifier.sh", "sim/pod-batch.cjs", "sim/zerocred.cjs"];

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      out.push(...tsFiles(file));
    } else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) {
      out.push(file);
    }
  }
  return out.sort();
}

/** Builds dist/ from scratch. Returns the dist directory. */
export function build(): string {
  fs.rmSync(DIST, { recursive: true, force: true });
  const entryPoints = SOURCE_DIRS.flatMap((d) => tsFiles(path.join(ROOT, d)));
  buildSync({
    entryPoints,
    outdir: DIST,
    outbase: ROOT,
    bundle: false,
    platform: "node",
    target: "node20",
    format: "cjs",
    sourcemap: true,
    logLevel: "warning",
  });
  execFileSync(
    process.execPath,
    [require.resolve("typescript/bin/tsc"), "-p", path.join(ROOT, "tsconfig.build.json")],
    { cwd: ROOT, stdio: "inherit" },
  );
  for (const asset of ASSETS) {
    fs.mkdirSync(path.dirname(path.join(DIST, asset)), { recursive: true });
    fs.copyFileSync(path.join(ROOT, asset), path.join(DIST, asset));
  }
  fs.chmodSync(path.join(DIST, "sim", "zerocred.cjs"), 0o755);
  fs.writeFileSync(
    path.join(DIST, "components", "verification", PREBUILT_BUNDLE_FILE_NAME),
    bundlePodVerifier(),
  );
  buildPolicyPack(path.join(DIST, "policy-pack"));
  return DIST;
}

if (require.main === module) {
  const started = Date.now();
  build();
  process.stdout.write(`dist/ built in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}
