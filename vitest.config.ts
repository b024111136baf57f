import { defineConfig } from "vitest/config";

/**
 * One pool of three child processes (forks), each reused from file to file (no per-file isolation):
 * a fork loads @pulumi/pulumi, the Azure SDKs and the project once and runs file after file, which
 * is most of the suite's speed. No test file needs registering: every `test/**\/*.test.ts` runs.
 *
 * So a file must leave the process as it found it:
 * - pure files (components against the simulated cloud, config, policies, the model, the CI files)
 *   install their own simulated cloud (useCloud / runStack) before they register anything;
 * - files that start servers (the emulators), spawn processes (the verifiers, `npm start`, the
 *   analyzer, `npm pack`) or set process.env close their servers and restore the env (afterAll), and
 *   do not trust a library's process-wide state: a file pointing ManagedIdentityCredential at its
 *   own IMDS emulator resets MSAL's static endpoint and token cache first (test/harness/msal.ts).
 * Before every file: the launcher's Pulumi savings (setup-pulumi.ts), the run's shared emulator keys
 * and the e2e time scale (setup-e2e.ts); the keys are made once per run (global-setup.ts).
 *
 * Until this pass the pure folders ran as a separate `unit` project. A project has its own pool, so
 * that was six processes loading the SDKs instead of three; one pool measured (2 cores, npm test
 * wall): 48.7-59.4 s against 51.7-63.3 s, about 10 s less CPU.
 */
export default defineConfig({
  test: {
    // Pulumi program evaluation and emulator round-trips take seconds on 2 cores.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ["default"],
    include: ["test/**/*.test.ts"],
    pool: "forks",
    // Three forks on 2 cores: many files spend much of their time waiting on child processes
    // (verifiers, npm pack) and on scaled retry budgets, and a third fork fills that time.
    // minForks = maxForks: with vitest 3.2.7 a pool that may shrink to zero rejects "Terminating
    // worker thread" at the end of the run (vitest-dev/vitest#8564 describes it for minWorkers 0), as
    // three forks did here before. A 32 MB young generation per fork: a fork runs hundreds of program
    // evaluations, whose short-lived promises otherwise survive into the old generation. gc exposed:
    // the package test collects the ~1 GB its TypeScript programs leave before the fork moves on.
    poolOptions: {
      forks: {
        isolate: false,
        maxForks: 3,
        minForks: 3,
        execArgv: ["--max-semi-space-size=32", "--expose-gc"],
      },
    },
    globalSetup: ["test/harness/global-setup.ts"],
    setupFiles: ["test/harness/setup-pulumi.ts", "test/harness/setup-e2e.ts"],
  },
});
