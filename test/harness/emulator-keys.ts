/**
 * The emulators' keys, made ONCE per test run (global-setup.ts) and handed to every e2e test file
 * (setup-e2e.ts): an emulator start then only binds its ports instead of generating four RSA keys.
 * Keys cross the process boundary as PEM + JWK (vitest's provide/inject takes plain data).
 */
import { createPrivateKey, createPublicKey } from "node:crypto";
import type { EmulatorKeys } from "../../sim/emulators";
import type { SigningKey } from "../../sim/emulators/tokens";

interface PlainSigningKey {
  readonly kid: string;
  readonly privatePem: string;
  readonly publicPem: string;
  readonly publicJwk: SigningKey["publicJwk"];
}
export interface PlainEmulatorKeys {
  readonly tls: EmulatorKeys["tls"];
  readonly tokenKey: PlainSigningKey;
  readonly clusterKeys: readonly PlainSigningKey[];
}

declare module "vitest" {
  export interface ProvidedContext {
    emulatorKeys: PlainEmulatorKeys;
  }
}

function plainKey(k: SigningKey): PlainSigningKey {
  return {
    kid: k.kid,
    privatePem: k.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    publicPem: k.publicKey.export({ type: "spki", format: "pem" }).toString(),
    publicJwk: k.publicJwk,
  };
}

function signingKey(k: PlainSigningKey): SigningKey {
  return {
    kid: k.kid,
    privateKey: createPrivateKey(k.privatePem),
    publicKey: createPublicKey(k.publicPem),
    publicJwk: k.publicJwk,
  };
}

export function toPlainKeys(keys: EmulatorKeys): PlainEmulatorKeys {
  return {
    tls: { ...keys.tls },
    tokenKey: plainKey(keys.tokenKey),
    clusterKeys: keys.clusterKeys.map(plainKey),
  };
}

export function fromPlainKeys(keys: PlainEmulatorKeys): EmulatorKeys {
  return {
    tls: keys.tls,
    tokenKey: signingKey(keys.tokenKey),
    clusterKeys: keys.clusterKeys.map(signingKey),
  };
}
