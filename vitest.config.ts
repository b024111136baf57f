import { readdirSync } from "node:fs";
import { join } from "node:path";
import { configDefaults, defineConfig } from "vitest/config";

/**
 * Two projects, chosen by directory — no test file needs registering:
 *
 * - `unit`: pure, in-process tests (components against the simulated cloud, config, policies,
 *   the static model and diagnosis, the CI files). They run WITHOUT per-file isolation: a worker
 *   loads @pulumi/pulumi, the Azure SDKs and the project once and runs file after file, which is
 *   most of the suite's speed. Every file still installs its own simulated cloud (useCloud /
 *   runStack) before it registers anything, so nothing leaks between files.
 * - `e2e`: everything else — tests that start servers (the emulators), spawn processes (the
 *   verifiers, `npm start`, the analyzer, `npm pack`), set process.env, or run the whole
 *   simulation. They run in child processes (forks), also without per-file isolation: a fork
 *   loads the SDKs once and runs file after file (per-file start-up was a fifth of the e2e CPU).
 *   So an e2e file must leave the process as it found it: close its servers and restore any
 *   process.env it sets (afterAll), as every file here does — and not trust a library's
 *   process-wide state: a file pointing ManagedIdentityCredential at its own IMDS emulator resets
 *   MSAL's static endpoint and token cache first (test/harness/msal.ts).
 *
 * The rule: a file runs in `unit` when it sits under one of UNIT_DIRS and is not named
 * `*.e2e.test.ts` (or listed in E2E_FILES); every other `test/**\/*.test.ts` — including any new
 * directory — runs in `e2e`. So a new directory runs apart from the pure tests until someone adds
 * it here as pure; a file that starts a server in a pure directory takes the `.e2e.test.ts` suffix.
 */
const UNIT_DIRS = [
  "cicd",
  "components-a",
  "components-b",
  "config",
  "infra",
  "policies",
  "regressions",
  "rules",
  "sim",
  "sim-cloud",
];
/** Files inside UNIT_DIRS that start a server or spawn a process (prefer the suffix for new ones). */
const E2E_FILES = ["test/policies/server.test.ts"];

const e2eOnly = ["test/**/*.e2e.test.ts", ...E2E_FILES];
/** Every other directory under test/, read when the run starts (so new ones need no entry here). */
const e2eDirs = readdirSync(join(__dirname, "test"), { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && !UNIT_DIRS.includes(entry.name))
  .map((entry) => entry.name);

export default defineConfig({
  test: {
    // Pulumi program evaluation and emulator round-trips take seconds on 2 cores.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ["default"],
    // Both projects run in child processes (forks), reused from file to file (vitest 3 reads
    // isolation and sizes from the root poolOptions). Three forks on 2 cores: the e2e files spend
    // much of their time waiting on child processes (verifiers, npm pack) and on scaled retry
    // budgets, and a third fork fills that time. minForks = maxForks: with vitest 3.2.7 a pool that
    // may shrink to zero rejects "Terminating worker thread" at the end of the run
    // (vitest-dev/vitest#8564 describes it for minWorkers 0), as three forks did here before; a unit
    // project in worker threads beside them ran an e2e file's closure serializer in a thread, where
    // node:trace_events is unavailable. A 32 MB young generation per fork: a fork runs hundreds of
    // program evaluations, whose short-lived promises otherwise survive into the old generation.
    // gc exposed: the package test collects the ~1 GB its TypeScript programs leave before the fork
    // runs its next file.
    // Measured on 2 cores (npm test, wall): 1 thread + 2 forks 66-68 s; 3 forks 57-68 s, median 58 s.
    poolOptions: {
      forks: {
        isolate: false,
        maxForks: 3,
        minForks: 3,
        execArgv: ["--max-semi-space-size=32", "--expose-gc"],
      },
    },
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: UNIT_DIRS.map((dir) => `test/${dir}/**/*.test.ts`),
          exclude: [...configDefaults.exclude, ...e2eOnly],
          pool: "forks",
          setupFiles: ["test/harness/setup-pulumi.ts"],
        },
      },
      {
        extends: true,
        test: {
          name: "e2e",
          include: [
            "test/*.test.ts",
            ...e2eDirs.map((dir) => `test/${dir}/**/*.test.ts`),
            ...e2eOnly,
          ],
          pool: "forks",
          // The emulators' keys are generated once per run and shared (test/harness/emulator-keys.ts).
          globalSetup: ["test/harness/global-setup.ts"],
          setupFiles: ["test/harness/setup-pulumi.ts", "test/harness/setup-e2e.ts"],
        },
      },
    ],
  },
});
