/** Before each test file: every emulator start in this file uses the run's shared keys. */
import { inject } from "vitest";
import { shareEmulatorKeys } from "../../sim/emulators";
import { fromPlainKeys } from "./emulator-keys";
import { TEST_TIME_SCALE } from "./time-scale";

shareEmulatorKeys(fromPlainKeys(inject("emulatorKeys")));

// Every simulation in the test files (runCli in process, `npm start` child processes) runs its
// verifiers and propagation clock TEST_TIME_SCALE times as fast, unless a test sets its own.
process.env.ZEROCRED_TIME_SCALE ??= String(TEST_TIME_SCALE);
