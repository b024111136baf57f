/** Before each e2e test file: every emulator start in this file uses the run's shared keys. */
import { inject } from "vitest";
import { shareEmulatorKeys } from "../../sim/emulators";
import { fromPlainKeys } from "./emulator-keys";

shareEmulatorKeys(fromPlainKeys(inject("emulatorKeys")));
