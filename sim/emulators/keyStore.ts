/**
 * The emulators' keys as plain data (PEM + JWK) and kept on disk between runs.
 *
 * Generating them is four RSA-2048 key pairs (the TLS CA and leaf, the token key, a cluster
 * issuer's key): about 1.2 s of CPU on a 2-core machine, a third of what `npm start` spends. The
 * keys prove nothing by being new — every token and certificate they sign is checked by the
 * simulation's own emulators and verifiers — so the CLI keeps them in
 * node_modules/.cache/zerocred/emulator-keys.json (mode 0600) and makes new ones only when that
 * file is missing, unreadable, inconsistent, or a certificate in it is within an hour of expiring
 * (the leaf is valid for a day). Delete the file to get fresh keys.
 */
import { createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type { SigningKey } from "./tokens";
import type { TlsMaterial } from "./tls";

/** The shape of {@link EmulatorKeys} (defined in ./index), restated to avoid an import cycle. */
interface Keys {
  readonly tls: TlsMaterial;
  readonly tokenKey: SigningKey;
  readonly clusterKeys: readonly SigningKey[];
}

interface PlainSigningKey {
  readonly kid: string;
  readonly privatePem: string;
  readonly publicPem: string;
  readonly publicJwk: SigningKey["publicJwk"];
}

/** The keys as plain data: what crosses a process boundary or is written to the key file. */
export interface PlainEmulatorKeys {
  readonly tls: TlsMaterial;
  readonly tokenKey: PlainSigningKey;
  readonly clusterKeys: readonly PlainSigningKey[];
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

export function toPlainKeys(keys: Keys): PlainEmulatorKeys {
  return {
    tls: { ...keys.tls },
    tokenKey: plainKey(keys.tokenKey),
    clusterKeys: keys.clusterKeys.map(plainKey),
  };
}

export function fromPlainKeys(keys: PlainEmulatorKeys): Keys {
  return {
    tls: keys.tls,
    tokenKey: signingKey(keys.tokenKey),
    clusterKeys: keys.clusterKeys.map(signingKey),
  };
}

/** Where the CLI keeps the keys (beside the launcher's code cache). */
export const KEY_FILE = path.join(
  __dirname,
  "..",
  "..",
  "node_modules",
  ".cache",
  "zerocred",
  "emulator-keys.json",
);

/** The key file's format version: a file of another version is replaced. */
const KEY_FILE_VERSION = 1;
/** A certificate expiring sooner than this is not reused. */
export const MIN_REMAINING_VALIDITY_MS = 60 * 60 * 1000;

function samePublicKey(a: KeyObject, b: KeyObject): boolean {
  const der = (k: KeyObject) => k.export({ type: "spki", format: "der" });
  return der(a).equals(der(b));
}

/**
 * The keys in `file` when it holds at least `clusterCount` cluster keys, both certificates stay
 * valid for {@link MIN_REMAINING_VALIDITY_MS} more, the leaf is the CA's and matches its private
 * key, and each signing key's halves match; otherwise `undefined`.
 */
export function readKeyFile(
  file: string,
  clusterCount: number,
  now: number = Date.now(),
): Keys | undefined {
  try {
    const doc = JSON.parse(fs.readFileSync(file, "utf8")) as {
      version?: number;
      keys?: PlainEmulatorKeys;
    };
    if (doc.version !== KEY_FILE_VERSION || doc.keys === undefined) {
      return undefined;
    }
    const keys = fromPlainKeys(doc.keys);
    if (keys.clusterKeys.length < clusterCount) {
      return undefined;
    }
    const ca = new X509Certificate(keys.tls.caPem);
    const leaf = new X509Certificate(keys.tls.certPem);
    const validFor = (c: X509Certificate) => Date.parse(c.validTo) - now;
    if (
      validFor(ca) < MIN_REMAINING_VALIDITY_MS ||
      validFor(leaf) < MIN_REMAINING_VALIDITY_MS ||
      Date.parse(leaf.validFrom) > now ||
      !leaf.checkIssued(ca) ||
      !leaf.verify(ca.publicKey) ||
      !leaf.checkPrivateKey(createPrivateKey(keys.tls.keyPem))
    ) {
      return undefined;
    }
    for (const k of [keys.tokenKey, ...keys.clusterKeys]) {
      if (!samePublicKey(createPublicKey(k.privateKey), k.publicKey)) {
        return undefined;
      }
    }
    return keys;
  } catch {
    return undefined;
  }
}

/** Writes the key file atomically, readable by its owner only (dir 0700, file 0600). */
export function writeKeyFile(file: string, keys: Keys): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify({ version: KEY_FILE_VERSION, keys: toPlainKeys(keys) }), {
    mode: 0o600,
  });
  fs.renameSync(tmp, file);
}
