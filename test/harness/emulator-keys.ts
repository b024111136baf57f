/**
 * The emulators' keys, made ONCE per test run (global-setup.ts) and handed to every e2e test file
 * (setup-e2e.ts): an emulator start then only binds its ports instead of generating four RSA keys.
 * Keys cross the process boundary as PEM + JWK (vitest's provide/inject takes plain data), in the
 * form the CLI's key file keeps them (sim/emulators/keyStore.ts).
 */
import type { PlainEmulatorKeys } from "../../sim/emulators/keyStore";

export { fromPlainKeys, toPlainKeys, type PlainEmulatorKeys } from "../../sim/emulators/keyStore";

declare module "vitest" {
  export interface ProvidedContext {
    emulatorKeys: PlainEmulatorKeys;
  }
}
