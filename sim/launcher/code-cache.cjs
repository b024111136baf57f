// V8's code cache for every CommonJS module `npm start` loads (dependencies and zerocred's own
// transpiled TypeScript), kept in one file: node_modules/.cache/zerocred/code-cache.bin.
//
// Node 20 compiles each module from source on every start (module.enableCompileCache arrived in
// Node 22.1). Parsing and compiling @pulumi/pulumi, azure-native's sub-modules, gRPC and zod is a
// large part of `npm start`. Here a module is compiled with vm.Script and the code V8 produced
// for it is saved at exit with script.createCachedData() — after the run, so it holds the functions
// the run actually compiled, not only the top level (V8's "code caching after execute",
// https://v8.dev/blog/code-caching-for-devs). The next run hands it back as `cachedData`.
//
// Entries are keyed by the file's path and a SHA-1 of its source: a changed file is compiled from
// source again. V8 itself rejects data made by another V8 version or with other flags
// (script.cachedDataRejected) and compiles from source; a missing, truncated or foreign cache file is
// ignored. The file is rewritten only when a run compiled something it did not hold.
//
// The module wrapper is Node's own (Module.wrap) and the require function mirrors Node's
// makeRequireFunction (lib/internal/modules/helpers.js, v20): require, require.resolve,
// require.resolve.paths, require.main, require.extensions, require.cache. ES modules (format
// "module"), and files with a source map while source maps are on (a --program compiled by tsx,
// --enable-source-maps), go through Node's own compile untouched, so stack traces keep their
// original line numbers.
"use strict";
const { Buffer } = require("node:buffer");
const crypto = require("node:crypto");
const fs = require("node:fs");
const Module = require("node:module");
const path = require("node:path");
const vm = require("node:vm");

const MAGIC = "zerocred-code-cache-1";

/** Reads the cache file: Map path → { hash, data }. Anything unreadable is an empty cache. */
function readCache(file) {
  const entries = new Map();
  let buf;
  try {
    buf = fs.readFileSync(file);
  } catch {
    return entries;
  }
  try {
    const headerLength = buf.readUInt32LE(0);
    const header = JSON.parse(buf.toString("utf8", 4, 4 + headerLength));
    if (header.magic !== MAGIC || header.version !== process.version) {
      return entries;
    }
    let offset = 4 + headerLength;
    for (const [filename, hash, length] of header.entries) {
      entries.set(filename, { hash, data: buf.subarray(offset, offset + length) });
      offset += length;
    }
    if (offset !== buf.length) {
      entries.clear();
    }
  } catch {
    entries.clear();
  }
  return entries;
}

function writeCache(file, entries) {
  const list = [...entries].filter(([, e]) => e.data.length > 0);
  const header = Buffer.from(
    JSON.stringify({
      magic: MAGIC,
      version: process.version,
      entries: list.map(([filename, e]) => [filename, e.hash, e.data.length]),
    }),
  );
  const size = Buffer.alloc(4);
  size.writeUInt32LE(header.length, 0);
  const tmp = `${file}.${process.pid}.tmp`;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(tmp, Buffer.concat([size, header, ...list.map(([, e]) => e.data)]));
  fs.renameSync(tmp, file);
}

/** Node's require function for a module (makeRequireFunction, without policy redirects). */
function makeRequire(mod) {
  const require = function require(id) {
    return mod.require(id);
  };
  function resolve(request, options) {
    return Module._resolveFilename(request, mod, false, options);
  }
  require.resolve = resolve;
  resolve.paths = (request) => Module._resolveLookupPaths(request, mod);
  require.main = process.mainModule;
  require.extensions = Module._extensions;
  require.cache = Module._cache;
  return require;
}

/**
 * Installs the cache for every CommonJS module compiled from now on; `file` is the cache file.
 * Returns counters (hits, misses, rejected) for the start-up timing.
 */
function install(file) {
  const stats = { hits: 0, misses: 0, rejected: 0 };
  if (typeof vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER !== "symbol") {
    return stats; // a Node without it: dynamic import() in a vm.Script would not work
  }
  const entries = readCache(file);
  /** Scripts compiled without usable data: their code is saved at exit. */
  const fresh = new Map();
  const original = Module.prototype._compile;
  Module.prototype._compile = function _compile(content, filename, format) {
    if (
      (format !== undefined && format !== "commonjs") ||
      typeof content !== "string" ||
      // With source maps on (tsx, --enable-source-maps), Node's own compile reads the map.
      (process.sourceMapsEnabled && content.includes("sourceMappingURL="))
    ) {
      return original.call(this, content, filename, format);
    }
    // Node strips a leading #! line for CommonJS; inside the wrapper it would be a syntax error.
    const source = content.startsWith("#!") ? `//${content}` : content;
    const hash = crypto.createHash("sha1").update(source).digest("base64");
    const entry = entries.get(filename);
    const usable = entry !== undefined && entry.hash === hash;
    const script = new vm.Script(Module.wrap(source), {
      filename,
      ...(usable ? { cachedData: entry.data } : {}),
      importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
    });
    if (usable && !script.cachedDataRejected) {
      stats.hits++;
    } else {
      stats[usable ? "rejected" : "misses"]++;
      fresh.set(filename, { hash, script });
    }
    const wrapper = script.runInThisContext({ displayErrors: true });
    const dirname = path.dirname(filename);
    return Reflect.apply(wrapper, this.exports, [
      this.exports,
      makeRequire(this),
      this,
      filename,
      dirname,
    ]);
  };
  process.once("exit", () => {
    if (fresh.size === 0) {
      return;
    }
    for (const [filename, { hash, script }] of fresh) {
      entries.set(filename, { hash, data: script.createCachedData() });
    }
    try {
      writeCache(file, entries);
    } catch {
      // A read-only node_modules only costs the next run the compilation again.
    }
  });
  return stats;
}

module.exports = { install, readCache, writeCache };
