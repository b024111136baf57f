/**
 * `tsc -p <project>/tsconfig.json`, in-process, for the scratch projects of package.test.ts — with
 * the TypeScript compiler API of the `typescript` the scratch projects link (typescript 5.9.3), so
 * that the parsed declaration files can be shared with Pulumi's schema analyzer, which builds its
 * own program of the provider in this same process.
 *
 * What it does like tsc (typescript 5.9.3 lib/typescript.js, performCompilation and
 * emitFilesAndReportErrors): the config file's diagnostics, then the syntactic diagnostics of every
 * file; only if there are none, the options and global diagnostics and then the semantic ones;
 * then the emit; exit status 0 (none), 1 (errors, emit skipped) or 2 (errors, output written).
 *
 * The one difference is opt-in, per project (`typeCheck`): which files' semantic diagnostics are
 * asked for. tsc asks for all of them; for Pulumi's template tsconfig (no skipLibCheck) that is
 * type-checking the bodies of ~1,200 third-party declaration files (@pulumi/*, @types/node,
 * TypeScript's lib), 9 of its 15 s. See `focusOn` for what a focused check still reports.
 */
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import type * as TypeScript from "typescript";

type TS = typeof TypeScript;

/** The `typescript` module a scratch project resolves (its node_modules link). */
export function typescriptOf(project: string): TS {
  return createRequire(path.join(project, "package.json"))("typescript") as TS;
}

/**
 * Parsed (and, once a program has bound them, bound) source files shared by the programs of one
 * process, keyed as TypeScript's own DocumentRegistry keys the files it shares between the
 * language service's projects (typescript 5.9.3 services/documentRegistry.ts): the
 * compilation-settings key (`getKeyForCompilationSettings`: the options that change parsing or
 * binding — target, module, moduleResolution, moduleDetection, jsx, alwaysStrict,
 * noFallthroughCasesInSwitch, …), the file's implied module format (`impliedNodeFormat`), plus the
 * JSDoc parsing mode and the path. A hit must also have the same text as the file on disk now.
 * So the consumer's program (nodenext) and the provider's (commonjs/node10) share nothing; the
 * provider's program and the analyzer's (same tsconfig) share every file.
 */
export class SourceFileCache {
  private readonly files = new Map<string, TypeScript.SourceFile>();
  private readonly registry: TypeScript.DocumentRegistry;
  /** Files served from the cache instead of parsed. */
  hits = 0;

  constructor(private readonly ts: TS) {
    this.registry = ts.createDocumentRegistry();
  }

  /**
   * A compiler host as `ts.createCompilerHost(options)` makes it (what `ts.createProgram` uses
   * when given none), reading source files through the cache.
   */
  host(options: TypeScript.CompilerOptions): TypeScript.CompilerHost {
    const host = this.ts.createCompilerHost(options);
    const settings = this.registry.getKeyForCompilationSettings(options);
    const parse = host.getSourceFile.bind(host);
    host.getSourceFile = (
      fileName,
      languageVersionOrOptions,
      onError,
      shouldCreateNewSourceFile,
    ) => {
      const format =
        typeof languageVersionOrOptions === "object"
          ? languageVersionOrOptions.impliedNodeFormat
          : undefined;
      // Unset is ParseAll (typescript 5.9.3 parser.ts, parseSourceFile: `jsDocParsingMode = ParseAll`).
      const jsDoc =
        (typeof languageVersionOrOptions === "object"
          ? languageVersionOrOptions.jsDocParsingMode
          : undefined) ?? this.ts.JSDocParsingMode.ParseAll;
      const key = `${settings}|${format}|${jsDoc}|${path.resolve(fileName)}`;
      const cached = this.files.get(key);
      if (cached !== undefined && shouldCreateNewSourceFile !== true) {
        const text = host.readFile(fileName);
        if (text === cached.text) {
          this.hits++;
          return cached;
        }
      }
      const file = parse(fileName, languageVersionOrOptions, onError, shouldCreateNewSourceFile);
      if (file !== undefined) {
        this.files.set(key, file);
      }
      return file;
    };
    return host;
  }

  clear(): void {
    this.files.clear();
  }
}

export interface Compiled {
  /** The diagnostics as tsc prints them without `pretty`, paths relative to `relativeTo`. */
  readonly output: string;
  /** tsc's exit status: 0 no diagnostics, 1 errors and no output, 2 errors and output written. */
  readonly exitStatus: 0 | 1 | 2;
  /** The files whose semantic diagnostics were asked for. */
  readonly checkedFiles: readonly string[];
  /** The files whose semantic diagnostics were not asked for (a focused check's third parties). */
  readonly uncheckedFiles: readonly string[];
}

/**
 * Which files' semantic diagnostics a focused check asks for: every file that is not a declaration
 * file (the project's own code, and any .ts a package ships), and every file under one of
 * `packageDirs` (the zerocred package in the project's node_modules: its .d.ts included).
 *
 * Still reported, as by tsc: config-file, options and global diagnostics; syntactic diagnostics of
 * every file (a .d.ts that does not parse); in the focused files, every binder and checker error —
 * including those about what they import from the third-party declarations (a module or export
 * users lack, a type that does not fit the SDK's). Not reported, unlike tsc: errors located inside
 * the third-party declaration files (@pulumi/*, @types/node, TypeScript's lib) that only checking
 * those files' own bodies raises — an SDK's internal type error, or a global error first found
 * there. Those are the pinned versions a user installs, not code zerocred ships.
 */
export function focusOn(packageDirs: readonly string[]): (file: TypeScript.SourceFile) => boolean {
  const roots = packageDirs.map((dir) => `${fs.realpathSync(dir)}${path.sep}`);
  return (file) =>
    !file.isDeclarationFile || roots.some((root) => path.resolve(file.fileName).startsWith(root));
}

/**
 * Compiles `<project>/tsconfig.json` as `tsc -p` does (writing its outDir), with `cache` for the
 * source files, checking `typeCheck`'s files only when given (see focusOn).
 */
export function compileProject(
  ts: TS,
  project: string,
  options: {
    readonly cache: SourceFileCache;
    readonly typeCheck?: (file: TypeScript.SourceFile) => boolean;
    /**
     * tsc parses JSDoc only where type-checking needs it (5.9.3: `defaultJSDocParsingMode`,
     * ParseForTypeErrors, which keeps all JSDoc of .js files and only @see/@link tags in .ts
     * files). Pulumi's analyzer reads the descriptions, so its programs parse all JSDoc
     * (ts.createCompilerHost's default): a program whose files it reuses parses as it does.
     */
    readonly jsDocParsingMode: TypeScript.JSDocParsingMode;
    /** Diagnostics' file names are printed relative to this directory. */
    readonly relativeTo: string;
  },
): Compiled {
  const config = ts.getParsedCommandLineOfConfigFile(
    path.join(project, "tsconfig.json"),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
      },
    },
  )!;
  if (config.options.outFile !== undefined) {
    throw new Error(`${project}: outFile is not supported here (one emit per source file)`);
  }
  const host = options.cache.host(config.options);
  host.jsDocParsingMode = options.jsDocParsingMode;
  const program = ts.createProgram({
    rootNames: config.fileNames,
    options: config.options,
    projectReferences: config.projectReferences,
    host,
    configFileParsingDiagnostics: ts.getConfigFileParsingDiagnostics(config),
  });
  const files = program.getSourceFiles();
  const checked = files.filter(options.typeCheck ?? (() => true));
  const diagnostics = [...program.getConfigFileParsingDiagnostics()];
  const configErrors = diagnostics.length;
  diagnostics.push(...program.getSyntacticDiagnostics());
  if (diagnostics.length === configErrors) {
    diagnostics.push(...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics());
    if (diagnostics.length === configErrors) {
      for (const file of checked) {
        diagnostics.push(...program.getSemanticDiagnostics(file));
      }
    }
  }
  // program.emit() with no file first type-checks every file (the checker's getEmitResolver):
  // a focused check emits file by file the files tsc emits (no .d.ts, nothing from node_modules).
  const emits =
    options.typeCheck === undefined
      ? [program.emit()]
      : files
          .filter((f) => !f.isDeclarationFile && !program.isSourceFileFromExternalLibrary(f))
          .map((f) => program.emit(f));
  for (const emit of emits) {
    diagnostics.push(...emit.diagnostics);
  }
  const reported = ts.sortAndDeduplicateDiagnostics(diagnostics);
  const emitSkipped = emits.some((e) => e.emitSkipped);
  const checkedNames = new Set(checked.map((f) => f.fileName));
  return {
    output: ts.formatDiagnostics(reported, {
      getCanonicalFileName: (f) => f,
      getCurrentDirectory: () => options.relativeTo,
      getNewLine: () => "\n",
    }),
    exitStatus: reported.length === 0 ? 0 : emitSkipped ? 1 : 2,
    checkedFiles: [...checkedNames],
    uncheckedFiles: files.map((f) => f.fileName).filter((f) => !checkedNames.has(f)),
  };
}

/**
 * Makes the program that Pulumi's schema analyzer builds in this process (@pulumi/pulumi 3.248.0
 * provider/experimental/analyzer.js: `ts.createProgram({ rootNames, options })` from the provider's
 * tsconfig, no host) read its source files through `cache`: the same root names and options, so
 * the same program, without parsing and binding again the ~1,200 files a program with the same
 * settings parsed (the provider's compile). Returns the programs it built that way, and the undo.
 *
 * The analyzer calls `createProgram` on the module object it required when it was loaded
 * (typescript-shim.js → `require("typescript")`), whose exports are non-configurable getters
 * (esbuild's CommonJS output): the function cannot be replaced on that object. So the analyzer's
 * modules are loaded afresh while the shim exports a view of the same `typescript` module whose
 * createProgram adds the caching host (and leaves a caller's own host alone).
 */
export function shareWithAnalyzer(
  project: string,
  cache: SourceFileCache,
): {
  /** The number of source files of each program built on the cache. */
  readonly programFiles: readonly number[];
  undo(): void;
} {
  const load = createRequire(path.join(project, "package.json"));
  const shimPath = load.resolve("@pulumi/pulumi/typescript-shim");
  const ts = load(shimPath) as TS;
  if (ts !== typescriptOf(project)) {
    throw new Error("Pulumi's analyzer loads another typescript than the project's");
  }
  // Dropped by undo(): the analyzer module keeps the view for the life of the process.
  let shared: SourceFileCache | undefined = cache;
  const programFiles: number[] = [];
  const createProgram = (
    rootNamesOrOptions: readonly string[] | TypeScript.CreateProgramOptions,
    ...rest: unknown[]
  ): TypeScript.Program => {
    const request = Array.isArray(rootNamesOrOptions)
      ? ({
          rootNames: rootNamesOrOptions,
          options: rest[0],
          host: rest[1],
          oldProgram: rest[2],
          configFileParsingDiagnostics: rest[3],
        } as TypeScript.CreateProgramOptions)
      : (rootNamesOrOptions as TypeScript.CreateProgramOptions);
    if (shared === undefined || request.host !== undefined) {
      return ts.createProgram(request);
    }
    const program = ts.createProgram({ ...request, host: shared.host(request.options) });
    programFiles.push(program.getSourceFiles().length);
    return program;
  };
  const view = Object.create(ts, { createProgram: { value: createProgram } }) as TS;
  const shim = load.cache[shimPath]!;
  // The analyzer and the modules that hold it, so they bind the view when next required.
  const experimental = path.join(path.dirname(shimPath), "provider", "experimental");
  for (const file of ["index.js", "provider.js", "analyzer.js"]) {
    delete load.cache[path.join(experimental, file)];
  }
  shim.exports = view;
  return {
    programFiles,
    undo: () => {
      shared = undefined;
      shim.exports = ts;
    },
  };
}
