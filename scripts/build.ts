/**
 * `npm run build` (and `npm pack` / `npm publish`, through `prepack`): the npm package in dist/.
 *
 * - JavaScript + source maps for the library (components/) and the `zerocred` CLI's code (sim/,
 *   infra/, policies/), transpiled file by file by esbuild (CommonJS, like tsconfig.json);
 * - declarations (+ declaration maps) for the library (tsconfig.build.json), file by file from the
 *   source alone (TypeScript's isolated declarations) where the file's exports carry their types, by
 *   the type checker for the others (see emitDeclarations);
 * - the pod verifier bundled once, here, so `pulumi up` with the installed package never runs esbuild;
 * - the non-TypeScript files the code reads beside itself (vm-verifier.sh, the CommonJS launchers);
 * - the publishable policy pack in dist/policy-pack (scripts/policy-pack.ts).
 *
 * Run: `npm run build` (≈3 s on 2 cores).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { buildSync } from "esbuild";
import ts from "typescript";
import { PREBUILT_BUNDLE_FILE_NAME, bundlePodVerifier } from "../components/verification/bundle";
import { buildPolicyPack } from "./policy-pack";

export const ROOT = path.resolve(__dirname, "..");
export const DIST = path.join(ROOT, "dist");

/** Source folders compiled into dist/ (same layout: dist/components/keyVault.js, …). */
const SOURCE_DIRS = ["components", "infra", "policies", "sim"];

/** Files copied verbatim (read at run time relative to their module). */
const ASSETS = [
  "components/verification/vm-verifier.sh",
  "sim/pod-batch.cjs",
  "sim/zerocred.cjs",
  "sim/launcher/answer-args.cjs",
];

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

/**
 * The library's declarations (tsconfig.build.json: components/ → dist/components/*.d.ts + .d.ts.map).
 *
 * A file whose exports all carry their types is emitted from its own text by
 * `ts.transpileDeclaration` (TypeScript >= 5.5, "isolated declarations"), without loading a single
 * dependency: microsoft/TypeScript#58261 (the API) and #58944 (the feature in 5.5). Checked with
 * typescript 5.9.3: every .d.ts identical to what tsc wrote, but for deployer.ts's audience
 * constant, now `typeof WORKLOAD_IDENTITY_AUDIENCE` (the same type). The few files that need
 * inference (an exported constant whose literal types are its API, like roles.ts's catalog) are
 * emitted by one tsc program over those files only. tsc over all of components/ parsed the Pulumi
 * SDKs' ~20 MB of declarations (~9 s of CPU). Returns the files the type checker emitted.
 */
export function emitDeclarations(): string[] {
  const config = ts.getParsedCommandLineOfConfigFile(
    path.join(ROOT, "tsconfig.build.json"),
    {},
    { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => fail([d]) },
  )!;
  if (config.errors.length > 0) {
    fail(config.errors);
  }
  const needInference: string[] = [];
  for (const file of config.fileNames) {
    const out = ts.transpileDeclaration(fs.readFileSync(file, "utf8"), {
      fileName: file,
      compilerOptions: config.options,
      reportDiagnostics: true,
    });
    if ((out.diagnostics ?? []).length > 0) {
      needInference.push(file);
      continue;
    }
    const target = path.join(DIST, path.relative(ROOT, file)).replace(/\.ts$/, ".d.ts");
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, out.outputText);
    if (out.sourceMapText !== undefined) {
      fs.writeFileSync(`${target}.map`, out.sourceMapText);
    }
  }
  if (needInference.length > 0) {
    const program = ts.createProgram(needInference, config.options);
    for (const file of needInference) {
      const source = program.getSourceFile(file);
      const result = program.emit(source);
      const problems = [...program.getSyntacticDiagnostics(source), ...result.diagnostics];
      if (result.emitSkipped || problems.length > 0) {
        fail(problems);
      }
    }
  }
  return needInference.map((f) => path.relative(ROOT, f));
}

function fail(diagnostics: readonly ts.Diagnostic[]): never {
  throw new Error(
    ts.formatDiagnostics(diagnostics, {
      getCanonicalFileName: (f) => f,
      getCurrentDirectory: () => ROOT,
      getNewLine: () => "\n",
    }),
  );
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
  const inferred = emitDeclarations();
  if (inferred.length > 0) {
    process.stdout.write(`declarations by the type checker: ${inferred.join(", ")}\n`);
  }
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
