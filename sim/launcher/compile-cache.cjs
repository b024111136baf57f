// A small CommonJS hook for zerocred's own TypeScript, used by `npm start` instead of tsx.
//
// Each .ts file is transpiled once by esbuild (the same transform tsx applies: loader "ts",
// CommonJS, the tsconfig's compiler options) and the output is kept in
// node_modules/.cache/zerocred/ts/<sha1>.js, keyed by the file's path and content, the
// tsconfig and the esbuild version. Later runs read the cache and never start esbuild. Files
// keep their real paths, so __dirname, __filename and require() behave exactly as under tsx.
//
// Unlike tsx it installs no resolver hook (every require of a dependency would pay for it) and
// does not turn on Node's source maps: the Pulumi runtime formats an Error stack for each of its
// thousands of promises, and source-mapping each of them costs more than the program itself. The
// transpiled code carries an inline source map, so NODE_OPTIONS=--enable-source-maps gives
// TypeScript line numbers when they matter.
"use strict";
const crypto = require("node:crypto");
const fs = require("node:fs");
const Module = require("node:module");
const path = require("node:path");

/** esbuild's transform options for a file (loaded lazily: only a cache miss needs esbuild). */
function transformOptions(root, filename) {
  const tsconfig = readTsconfig(root);
  return {
    loader: "ts",
    format: "cjs",
    target: "node20",
    sourcefile: filename,
    sourcemap: "inline",
    tsconfigRaw: { compilerOptions: tsconfig.compilerOptions ?? {} },
  };
}

let tsconfigCache;
/** tsconfig.json (JSON with comments) as an object; its text is part of the cache key. */
function readTsconfig(root) {
  if (tsconfigCache === undefined) {
    const text = fs.readFileSync(path.join(root, "tsconfig.json"), "utf8");
    // Strip // and /* */ comments outside strings, then trailing commas.
    const json = text
      .replace(/("(?:[^"\\]|\\.)*")|\/\/[^\n]*|\/\*[\s\S]*?\*\//g, (m, s) => s ?? "")
      .replace(/,(\s*[}\]])/g, "$1");
    tsconfigCache = { text, ...JSON.parse(json) };
  }
  return tsconfigCache;
}

function esbuildVersion(root) {
  try {
    return JSON.parse(fs.readFileSync(path.join(root, "node_modules/esbuild/package.json"), "utf8"))
      .version;
  } catch {
    return "none";
  }
}

/**
 * Registers the hook for `.ts` files under `root` (outside node_modules). Returns the cache
 * directory. Call before requiring any project TypeScript.
 */
function register(root) {
  const cacheDir = path.join(root, "node_modules", ".cache", "zerocred", "ts");
  const salt = `${esbuildVersion(root)}\0${process.version}\0${readTsconfig(root).text}`;
  const nodeModules = `${path.sep}node_modules${path.sep}`;
  Module._extensions[".ts"] = function compileTypeScript(module, filename) {
    const source = fs.readFileSync(filename, "utf8");
    if (!filename.startsWith(root) || filename.includes(nodeModules)) {
      throw new Error(
        `${filename}: zerocred's launcher compiles only the project's own TypeScript; run the program with --program (tsx).`,
      );
    }
    const key = crypto
      .createHash("sha1")
      .update(salt)
      .update("\0")
      .update(filename)
      .update("\0")
      .update(source)
      .digest("hex");
    const cached = path.join(cacheDir, `${key}.js`);
    let code;
    try {
      code = fs.readFileSync(cached, "utf8");
    } catch {
      const esbuild = require("esbuild");
      code = esbuild.transformSync(source, transformOptions(root, filename)).code;
      try {
        fs.mkdirSync(cacheDir, { recursive: true });
        const tmp = `${cached}.${process.pid}.tmp`;
        fs.writeFileSync(tmp, code);
        fs.renameSync(tmp, cached);
      } catch {
        // A read-only node_modules only costs the next run the transform again.
      }
    }
    module._compile(code, filename);
  };
  return cacheDir;
}

module.exports = { register };
