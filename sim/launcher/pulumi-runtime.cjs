// Two start-up savings in @pulumi/pulumi for the simulation's process (`npm start` only).
//
// 1. deferClosureSerialization: the function-serialization modules load when first called.
//
// `require("@pulumi/pulumi")` loads runtime/closure/serializeClosure.js and codePaths.js eagerly
// (runtime/index.js re-exports serializeFunction, serializeFunctionAsync and computeCodePaths),
// and with them the TypeScript compiler (typescript-shim.js) and @npmcli/arborist: a third of
// the SDK's load time. They serialize JavaScript closures for dynamic providers and callback
// resources — a simulated `pulumi up` of a program that has none never calls them.
//
// This puts a stand-in for each of the two modules into the require cache: the named exports
// the SDK reads are functions that load the real module on first call and forward to it, and any
// other property loads it too. A program that does serialize a function gets the real code,
// just later. Checked against @pulumi/pulumi's exports by test/launcher/launcher.test.ts,
// so an SDK upgrade that changes them fails a test instead of a run.
//
// 2. skipPromiseStacks: runtime/debuggable.js's debuggablePromise records `new Error().stack` on
//    every promise the runtime creates (thousands per program), only to print it for a promise
//    leaked at exit when PULUMI_DEBUG_PROMISE_LEAKS is set. Formatting those stacks is a fifth of
//    a dev-stack evaluation. Without that variable, the wrapper records the promise with an empty
//    stack (Error.stackTraceLimit 0 during the call); the leak detector itself is unchanged.
//
// 3. skipSourcePositions: every Resource constructor calls Resource.stackTrace(4) (resource.js,
//    v3.248.0), which formats `new Error().stack` with no frame limit and turns each frame into a
//    file URL, for the sourcePosition and stackTrace fields of the RegisterResource request — what
//    the Pulumi CLI shows beside a resource. The simulated engine (sim/cloud.ts) never reads them,
//    so in `npm start` the method returns no frames; the requests carry no position, the registration
//    is otherwise the same.
//
// 4. skipVersionAliases: every azure-native (and pulumi-kubernetes) resource constructor merges in
//    one alias per API version the type ever had — `opts = pulumi.mergeOptions(opts, { aliases:
//    [{ type: "azure-native:network/v20150501preview:Subnet" }, …] })`: 60 for a Subnet, 113 for a
//    ManagedCluster in azure-native 3.28.0. The SDK turns each into an Output URN in the Resource
//    constructor (resource.js collapseAliasToUrn) and awaits it again for the registration
//    (runtime/resource.js prepareResource) — about 60 % of a dev-stack evaluation. An alias only
//    lets the engine match a resource already in the stack's state under an old name or type
//    ("existing resources will be migrated to the new name instead of being deleted and replaced",
//    https://www.pulumi.com/docs/iac/concepts/resources/options/aliases/); the simulated engine
//    starts every run with no state, so these aliases cannot match anything. Skipped: a
//    mergeOptions whose second bag is exactly `{ aliases }` of type-only aliases (the generated
//    SDKs' shape) merges nothing. Aliases a program sets itself come in the first bag and are kept.
"use strict";
const Module = require("node:module");
const path = require("node:path");

/** Module (relative to @pulumi/pulumi) → the export names runtime/index.js reads from it. */
const DEFERRED = {
  "runtime/closure/serializeClosure.js": ["serializeFunctionAsync", "serializeFunction"],
  "runtime/closure/codePaths.js": ["computeCodePaths"],
};

/**
 * Installs the stand-ins for the @pulumi/pulumi that `fromDir` resolves. Does nothing when the SDK
 * is already loaded or its layout differs (then everything loads as usual). Returns the files
 * deferred.
 */
function deferClosureSerialization(fromDir) {
  let pulumiDir;
  try {
    pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json", { paths: [fromDir] }));
  } catch {
    return [];
  }
  const deferred = [];
  for (const [relative, names] of Object.entries(DEFERRED)) {
    const file = path.join(pulumiDir, relative);
    if (require.cache[file]) {
      continue;
    }
    try {
      require("node:fs").accessSync(file);
    } catch {
      continue;
    }
    let real;
    const load = () => {
      if (real === undefined) {
        delete require.cache[file];
        real = require(file);
        require.cache[file] = stub; // keep later requires on the same (now forwarding) object
      }
      return real;
    };
    const target = {};
    for (const name of names) {
      target[name] = (...args) => load()[name](...args);
    }
    const stub = new Module(file, null);
    stub.filename = file;
    stub.loaded = true;
    stub.exports = new Proxy(target, {
      get: (t, key) => (key in t ? t[key] : load()[key]),
      has: (t, key) => key in t || key in load(),
      ownKeys: () => Reflect.ownKeys(load()),
      getOwnPropertyDescriptor: (t, key) => {
        const d = Reflect.getOwnPropertyDescriptor(load(), key);
        return d && { ...d, configurable: true };
      },
    });
    require.cache[file] = stub;
    deferred.push(file);
  }
  return deferred;
}

/** Wraps debuggablePromise (see 2. above). Returns whether it did. */
function skipPromiseStacks(fromDir) {
  if (process.env.PULUMI_DEBUG_PROMISE_LEAKS) {
    return false;
  }
  let debuggable;
  try {
    debuggable = require(
      require.resolve("@pulumi/pulumi/runtime/debuggable", { paths: [fromDir] }),
    );
  } catch {
    return false;
  }
  const original = debuggable.debuggablePromise;
  if (typeof original !== "function" || original.zerocredWrapped) {
    return false;
  }
  const wrapped = function debuggablePromise(p, ctx) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      return original(p, ctx);
    } finally {
      Error.stackTraceLimit = limit;
    }
  };
  wrapped.zerocredWrapped = true;
  // Callers read it from the module object at each call ((0, debuggable_1.debuggablePromise)(…)).
  debuggable.debuggablePromise = wrapped;
  return true;
}

/** Makes Resource.stackTrace return no frames (see 3. above). Returns whether it did. */
function skipSourcePositions(fromDir) {
  let resource;
  try {
    resource = require(require.resolve("@pulumi/pulumi/resource", { paths: [fromDir] }));
  } catch {
    return false;
  }
  const Resource = resource.Resource;
  if (typeof Resource?.stackTrace !== "function" || Resource.stackTrace.zerocredWrapped) {
    return false;
  }
  const none = function stackTrace() {
    return [];
  };
  none.zerocredWrapped = true;
  Resource.stackTrace = none;
  return true;
}

/** Whether an options bag is exactly a generated SDK's API-version aliases (see 4. above). */
function isVersionAliases(opts) {
  if (opts === null || typeof opts !== "object" || !Array.isArray(opts.aliases)) {
    return false;
  }
  if (Object.keys(opts).length !== 1 || opts.aliases.length === 0) {
    return false;
  }
  return opts.aliases.every(
    (a) =>
      a !== null &&
      typeof a === "object" &&
      Object.keys(a).length === 1 &&
      typeof a.type === "string",
  );
}

/** Makes mergeOptions(opts, versionAliases) merge nothing (see 4. above). Returns whether it did. */
function skipVersionAliases(fromDir) {
  let resource;
  try {
    resource = require(require.resolve("@pulumi/pulumi/resource", { paths: [fromDir] }));
  } catch {
    return false;
  }
  const original = resource.mergeOptions;
  if (typeof original !== "function" || original.zerocredWrapped) {
    return false;
  }
  const wrapped = function mergeOptions(opts1, opts2) {
    return original(opts1, isVersionAliases(opts2) ? {} : opts2);
  };
  wrapped.zerocredWrapped = true;
  wrapped.original = original;
  // Callers read it from a module object at each call: `pulumi.mergeOptions(…)` is index.js's copy,
  // made when index.js loads (its __export assigns resource.js's exports, v3.248.0), so patch both.
  resource.mergeOptions = wrapped;
  const index = require.cache[require.resolve("@pulumi/pulumi", { paths: [fromDir] })];
  if (index !== undefined && index.exports.mergeOptions === original) {
    index.exports.mergeOptions = wrapped;
  }
  return true;
}

module.exports = {
  deferClosureSerialization,
  skipPromiseStacks,
  skipSourcePositions,
  skipVersionAliases,
  isVersionAliases,
  DEFERRED,
};
