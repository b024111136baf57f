/**
 * The CLI's emulator key file (sim/emulators/keyStore.ts): reused only while every certificate
 * has an hour left and every key matches its other half; anything else makes new keys.
 */
import { X509Certificate } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";
import { prepareEmulatorKeys, shareEmulatorKeys } from "../../sim/emulators";
import {
  MIN_REMAINING_VALIDITY_MS,
  readKeyFile,
  toPlainKeys,
  writeKeyFile,
} from "../../sim/emulators/keyStore";
import { fromPlainKeys } from "../harness/emulator-keys";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zc-keys-"));
afterAll(() => {
  shareEmulatorKeys(fromPlainKeys(inject("emulatorKeys")));
  fs.rmSync(dir, { recursive: true, force: true });
});
const shared = () => fromPlainKeys(inject("emulatorKeys"));
let n = 0;
const fresh = () => path.join(dir, `k${n++}`, "emulator-keys.json");

describe("the emulator key file", () => {
  it("round-trips the keys, readable by its owner only", () => {
    const file = fresh();
    writeKeyFile(file, shared());
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    const read = readKeyFile(file, 2);
    expect(read).toBeDefined();
    expect(toPlainKeys(read!)).toEqual(inject("emulatorKeys"));
  });

  it("is reused until an hour before the leaf certificate expires, not after", () => {
    const file = fresh();
    writeKeyFile(file, shared());
    const leafExpires = Date.parse(new X509Certificate(inject("emulatorKeys").tls.certPem).validTo);
    const lastUse = leafExpires - MIN_REMAINING_VALIDITY_MS;
    expect(MIN_REMAINING_VALIDITY_MS).toBe(3_600_000);
    const kid = inject("emulatorKeys").tokenKey.kid;
    expect(readKeyFile(file, 1, lastUse)?.tokenKey.kid).toBe(kid);
    expect(readKeyFile(file, 1, lastUse + 1)).toBeUndefined();
    // Nor before the certificate is valid (a clock that jumped back).
    const validFrom = Date.parse(new X509Certificate(inject("emulatorKeys").tls.certPem).validFrom);
    expect(readKeyFile(file, 1, validFrom)?.tokenKey.kid).toBe(kid);
    expect(readKeyFile(file, 1, validFrom - 1)).toBeUndefined();
  });

  it("is not reused when it holds fewer cluster keys than the run needs", () => {
    const file = fresh();
    writeKeyFile(file, shared());
    expect(readKeyFile(file, 2)?.clusterKeys.map((k) => k.kid)).toEqual(
      inject("emulatorKeys").clusterKeys.map((k) => k.kid),
    );
    expect(readKeyFile(file, 3)).toBeUndefined();
  });

  it("is not reused when a key does not match its certificate or its public half, or the file is damaged", () => {
    const plain = inject("emulatorKeys");
    const [a, b] = plain.clusterKeys;
    const variants: Record<string, unknown> = {
      "leaf key of another pair": { ...plain, tls: { ...plain.tls, keyPem: a!.privatePem } },
      "leaf not issued by the CA": { ...plain, tls: { ...plain.tls, caPem: plain.tls.certPem } },
      "token key halves differ": {
        ...plain,
        tokenKey: { ...plain.tokenKey, publicPem: b!.publicPem },
      },
      "cluster key halves differ": {
        ...plain,
        clusterKeys: [{ ...a!, privatePem: b!.privatePem }, b],
      },
    };
    for (const [what, keys] of Object.entries(variants)) {
      const file = fresh();
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, JSON.stringify({ version: 1, keys }));
      expect({ what, read: readKeyFile(file, 1) }).toEqual({ what, read: undefined });
    }
    const other = fresh();
    fs.mkdirSync(path.dirname(other), { recursive: true });
    fs.writeFileSync(other, JSON.stringify({ version: 2, keys: plain }));
    expect(readKeyFile(other, 1)).toBeUndefined();
    fs.writeFileSync(other, JSON.stringify({ version: 1, keys: plain }).slice(0, 500));
    expect(readKeyFile(other, 1)).toBeUndefined();
    expect(readKeyFile(path.join(dir, "missing.json"), 1)).toBeUndefined();
  });

  it("the keys a test run shares come first: nothing is read or written", async () => {
    const file = fresh();
    const keys = await prepareEmulatorKeys(1, { keyFile: file });
    expect(keys.tokenKey.kid).toBe(inject("emulatorKeys").tokenKey.kid);
    expect(fs.existsSync(file)).toBe(false);
  });

  it("without shared keys, the first run makes and keeps new keys and the next run uses them", async () => {
    shareEmulatorKeys(undefined);
    const file = fresh();
    const first = await prepareEmulatorKeys(1, { keyFile: file });
    expect(first.tokenKey.kid).not.toBe(inject("emulatorKeys").tokenKey.kid);
    expect(fs.existsSync(file)).toBe(true);
    const second = await prepareEmulatorKeys(1, { keyFile: file });
    expect(toPlainKeys(second)).toEqual(toPlainKeys(first));
    // Without a key file every run has its own keys: test/emulators/shared-keys.test.ts.
  });
});
