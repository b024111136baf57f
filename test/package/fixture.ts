/**
 * The npm package as a user gets it, built once per test file: `npm pack` (its `prepack` runs the
 * build, scripts/build.ts — what `npm run build` runs) into a temp dir, then the tarball unpacked into a scratch project's
 * node_modules/zerocred — what `npm install ./zerocred-<v>.tgz` does, minus the registry.
 *
 * The scratch project's other dependencies (the Pulumi SDKs, TypeScript, …) are symlinks into this
 * repository's node_modules: the same versions a user would install, without network or minutes of
 * `npm install`. Node resolves symlinks to their real path, so `@pulumi/pulumi` is one module
 * instance for the program and the package (as npm's deduplication makes it for a real install).
 */
import { execFile, execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export const ROOT = path.resolve(__dirname, "..", "..");
const NPM = process.platform === "win32" ? "npm.cmd" : "npm";

export interface PackedPackage {
  /** The temp dir holding the tarball and the scratch projects. */
  readonly dir: string;
  /** The tarball `npm pack` wrote. */
  readonly tarball: string;
  /** The files in the tarball (paths relative to the package root). */
  readonly files: readonly string[];
}

/** Runs `npm pack` (prepack → build) into a new temp dir. */
export async function packPackage(): Promise<PackedPackage> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zerocred-pack-"));
  const out = await new Promise<string>((resolve, reject) => {
    execFile(
      NPM,
      ["pack", "--json", "--pack-destination", dir],
      { cwd: ROOT, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) =>
        err ? reject(new Error(`npm pack failed: ${err.message}\n${stderr}`)) : resolve(stdout),
    );
  });
  // npm prints the build's output before the JSON array.
  const report = JSON.parse(out.slice(out.indexOf("\n[") + 1)) as {
    filename: string;
    files: { path: string }[];
  }[];
  return {
    dir,
    tarball: path.join(dir, report[0]!.filename),
    files: report[0]!.files.map((f) => f.path).sort(),
  };
}

/** Symlinks `<project>/node_modules/<name>` to this repository's installed copy. */
export function linkDependency(project: string, name: string): void {
  const target = path.join(ROOT, "node_modules", name);
  if (!fs.existsSync(target)) {
    throw new Error(`${name} is not installed in ${ROOT}/node_modules`);
  }
  const link = path.join(project, "node_modules", name);
  fs.mkdirSync(path.dirname(link), { recursive: true });
  fs.symlinkSync(target, link, "dir");
}

/**
 * Creates `<dir>/<name>` with a package.json and the given files, installs the tarball as
 * node_modules/zerocred and links `links` from this repository's node_modules.
 */
export function scratchProject(
  packed: PackedPackage,
  name: string,
  options: {
    /** Written as the project's package.json unless `files` has one. */
    readonly dependencies?: Record<string, string>;
    readonly links: readonly string[];
    /** Commands to link in node_modules/.bin, as npm does for the package's "bin". */
    readonly bin?: Record<string, string>;
    readonly files: Record<string, string>;
  },
): string {
  const project = path.join(packed.dir, name);
  fs.mkdirSync(path.join(project, "node_modules", "zerocred"), { recursive: true });
  if (!("package.json" in options.files)) {
    const manifest = { name, version: "1.0.0", private: true, dependencies: options.dependencies };
    fs.writeFileSync(path.join(project, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  }
  execFileSync(
    "tar",
    [
      "-xzf",
      packed.tarball,
      "-C",
      path.join(project, "node_modules", "zerocred"),
      "--strip-components=1",
    ],
    { stdio: "ignore" },
  );
  for (const dependency of options.links) {
    linkDependency(project, dependency);
  }
  for (const [command, file] of Object.entries(options.bin ?? {})) {
    fs.mkdirSync(path.join(project, "node_modules", ".bin"), { recursive: true });
    fs.symlinkSync(
      path.join("..", "zerocred", file),
      path.join(project, "node_modules", ".bin", command),
    );
  }
  for (const [file, text] of Object.entries(options.files)) {
    fs.mkdirSync(path.dirname(path.join(project, file)), { recursive: true });
    fs.writeFileSync(path.join(project, file), text);
  }
  return project;
}

/**
 * Runs `node <args>` in `cwd` without blocking the test worker; resolves with the exit code and
 * output (never rejects on a non-zero exit).
 */
export function runNode(
  cwd: string,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [...args],
      { cwd, encoding: "utf8", env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
