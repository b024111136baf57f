import { readdirSync } from "node:fs";
import { join } from "node:path";
import { configDefaults, defineConfig } from "vitest/config";

/**
 * Two projects, chosen by directory — no test file needs registering:
 *
 * - `unit`: pure, in-process tests (components against the simulated cloud, config, policies,
 *   the static model and diagnosis, the CI files). They run WITHOUT per-file isolation: one worker
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
    // Isolation is decided per pool (vitest 3 reads it from the root poolOptions): `unit` runs in
    // worker threads, `e2e` in child processes, both reused from file to file. One unit thread and
    // two e2e forks, side by side: vitest's default on a 2-core machine is one worker per pool
    // (cores - 1), which left a core idle while the e2e files waited on child processes. Measured on
    // 2 cores: 1 thread + 1 fork 120 s wall; 2 + 2 90 s (159 s CPU); 1 + 2 87 s (153 s CPU). With
    // three forks vitest 3.2.7 aborted twice ("Terminating worker thread") and left forks running.
    poolOptions: {
      threads: { isolate: false, maxThreads: 1 },
      forks: { isolate: false, maxForks: 2 },
    },
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: UNIT_DIRS.map((dir) => `test/${dir}/**/*.test.ts`),
          exclude: [...configDefaults.exclude, ...e2eOnly],
          pool: "threads",
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
