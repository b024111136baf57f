/** Runs once per `vitest run`, in the main process: the emulator keys every test file shares. */
import type { TestProject } from "vitest/node";
import { prepareEmulatorKeys } from "../../sim/emulators";
import { KEY_FILE } from "../../sim/emulators/keyStore";
import { toPlainKeys } from "./emulator-keys";

export default async function setup(project: TestProject): Promise<void> {
  // Two cluster keys: the most any test world declares (more are generated on demand). Kept in the
  // CLI's key file, as `npm start` keeps its keys: a later run reuses them while they are valid.
  project.provide("emulatorKeys", toPlainKeys(await prepareEmulatorKeys(2, { keyFile: KEY_FILE })));
}
