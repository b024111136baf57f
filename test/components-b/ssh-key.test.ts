import * as crypto from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  defaultComputerName,
  validateAdminUsername,
  validateSshPublicKey,
} from "../../components/virtualMachine";

// Real keys generated at test time and encoded in OpenSSH wire format (RFC 4253 §6.6, RFC 5656, RFC 8709).
function field(bytes: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(bytes.length);
  return Buffer.concat([len, bytes]);
}
const str = (s: string) => field(Buffer.from(s, "latin1"));
function mpint(unsigned: Buffer): Buffer {
  let b = unsigned;
  while (b.length > 1 && b[0] === 0) {
    b = b.subarray(1);
  }
  return field(b[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b);
}
const b64url = (s: string) => Buffer.from(s, "base64url");

function openssh(type: string, body: Buffer, comment = "dev@zerocred"): string {
  return `${type} ${body.toString("base64")} ${comment}`;
}
function ed25519Body(): Buffer {
  const jwk = crypto.generateKeyPairSync("ed25519").publicKey.export({ format: "jwk" });
  return Buffer.concat([str("ssh-ed25519"), field(b64url(jwk.x!))]);
}
function rsaBody(bits: number): Buffer {
  const jwk = crypto
    .generateKeyPairSync("rsa", { modulusLength: bits })
    .publicKey.export({ format: "jwk" });
  return Buffer.concat([str("ssh-rsa"), mpint(b64url(jwk.e!)), mpint(b64url(jwk.n!))]);
}
function ecdsaBody(curve: "P-256" | "P-384" | "P-521", name: string): Buffer {
  const jwk = crypto
    .generateKeyPairSync("ec", { namedCurve: curve })
    .publicKey.export({ format: "jwk" });
  const point = Buffer.concat([Buffer.from([4]), b64url(jwk.x!), b64url(jwk.y!)]);
  return Buffer.concat([str(`ecdsa-sha2-${name}`), str(name), field(point)]);
}

const ED = openssh("ssh-ed25519", ed25519Body());
const RSA2048 = openssh("ssh-rsa", rsaBody(2048));
const RSA1024 = openssh("ssh-rsa", rsaBody(1024));
const P256 = openssh("ecdsa-sha2-nistp256", ecdsaBody("P-256", "nistp256"));
const P384 = openssh("ecdsa-sha2-nistp384", ecdsaBody("P-384", "nistp384"));
const P521 = openssh("ecdsa-sha2-nistp521", ecdsaBody("P-521", "nistp521"));

/** What the validator prints for a key: its first 32 characters, JSON-quoted. */
const shown = (key: string) => JSON.stringify(`${key.replace(/\s+/g, " ").trim().slice(0, 32)}…`);
const FIX = "paste the single line of your OpenSSH .pub file (e.g. ~/.ssh/id_ed25519.pub)";

describe("validateSshPublicKey accepts real OpenSSH public keys", () => {
  it.each([
    ["ssh-ed25519", ED],
    ["ssh-rsa 2048", RSA2048],
    ["ecdsa-sha2-nistp256", P256],
    ["ecdsa-sha2-nistp384", P384],
    ["ecdsa-sha2-nistp521", P521],
    ["ed25519 without comment", ED.split(" ").slice(0, 2).join(" ")],
    ["ed25519 with surrounding whitespace and trailing newline", `  ${ED}\n`],
  ])("%s", (_label, key) => {
    expect(validateSshPublicKey(key)).toBeUndefined();
  });
});

describe("validateSshPublicKey rejects bad keys with exact messages", () => {
  const edBody = ED.split(" ")[1]!;
  const rsaBodyB64 = RSA2048.split(" ")[1]!;
  const truncated = `ssh-ed25519 ${ed25519Body().subarray(0, 30).toString("base64")}`;
  const mismatch = `ssh-rsa ${edBody}`;
  const p256AsP384 = `ecdsa-sha2-nistp384 ${P256.split(" ")[1]}`;
  const dss = `ssh-dss ${rsaBodyB64}`;
  const badB64 = `ssh-ed25519 ${edBody.slice(0, 20)}*${edBody.slice(21)}`;
  it.each([
    ["empty", "", `sshPublicKey is empty: ${FIX}.`],
    ["whitespace only", "   \n", `sshPublicKey is empty: ${FIX}.`],
    [
      "a private key",
      "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----",
      `sshPublicKey contains a PRIVATE key: remove it from the config at once and ${FIX} instead.`,
    ],
    [
      "an SSH2/PuTTY key",
      '---- BEGIN SSH2 PUBLIC KEY ----\nComment: "k"\nAAAAC3NzaC1lZDI1NTE5AAAAI\n---- END SSH2 PUBLIC KEY ----',
      `sshPublicKey ${shown('---- BEGIN SSH2 PUBLIC KEY ---- Comment: "k" AAAAC3NzaC1lZDI1NTE5AAAAI ---- END SSH2 PUBLIC KEY ----')} is in SSH2 (RFC 4716/PuTTY) format: convert it with \`ssh-keygen -i -f <file>\` and use the resulting OpenSSH line.`,
    ],
    [
      "two keys on two lines",
      `${ED}\n${P256}`,
      `sshPublicKey ${shown(`${ED}\n${P256}`)} spans 2 lines: ${FIX}.`,
    ],
    [
      "an unsupported type",
      dss,
      `sshPublicKey ${shown(dss)} has unsupported key type "ssh-dss": use ssh-ed25519 (recommended), ssh-rsa (≥ 2048 bits) or ecdsa-sha2-nistp256/384/521.`,
    ],
    [
      "a bare base64 body",
      edBody,
      `sshPublicKey ${shown(edBody)} has unsupported key type ${JSON.stringify(edBody)}: use ssh-ed25519 (recommended), ssh-rsa (≥ 2048 bits) or ecdsa-sha2-nistp256/384/521.`,
    ],
    [
      "a type without body",
      "ssh-ed25519",
      `sshPublicKey "ssh-ed25519" has no key data after "ssh-ed25519": ${FIX}.`,
    ],
    [
      "invalid base64",
      badB64,
      `sshPublicKey ${shown(badB64)} has key data that is not valid base64: ${FIX}.`,
    ],
    [
      "a declared type that does not match the body",
      mismatch,
      `sshPublicKey ${shown(mismatch)} declares type "ssh-rsa" but its key data encodes "ssh-ed25519": the line was edited or mixed up; ${FIX}.`,
    ],
    [
      "a P-256 body declared as P-384",
      p256AsP384,
      `sshPublicKey ${shown(p256AsP384)} declares type "ecdsa-sha2-nistp384" but its key data encodes "ecdsa-sha2-nistp256": the line was edited or mixed up; ${FIX}.`,
    ],
    [
      "a truncated ed25519 body",
      truncated,
      `sshPublicKey ${shown(truncated)} has malformed ssh-ed25519 key data: ${FIX}.`,
    ],
    [
      "a 1024-bit RSA key",
      RSA1024,
      `sshPublicKey ${shown(RSA1024)} is a 1024-bit RSA key: Azure requires at least 2048 bits. Generate a new key with \`ssh-keygen -t ed25519\` (or \`-t rsa -b 4096\`).`,
    ],
  ])("%s", (_label, key, message) => {
    expect(validateSshPublicKey(key)).toBe(message);
  });

  it("never echoes any part of a private key", () => {
    const message = validateSshPublicKey(
      "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----",
    );
    expect(message).not.toContain("b3BlbnNzaC1rZXktdjEAAAAA");
  });
});

describe("validateAdminUsername", () => {
  it.each(["azureuser", "zc_admin", "_svc", "ops-1"])("accepts %s", (u) => {
    expect(validateAdminUsername(u)).toBeUndefined();
  });
  it.each([
    [
      "Admin",
      'adminUsername "Admin" is not a valid Linux user name: use 1–32 lowercase letters, digits, "_" or "-", starting with a letter or "_" (e.g. azureuser).',
    ],
    [
      "1user",
      'adminUsername "1user" is not a valid Linux user name: use 1–32 lowercase letters, digits, "_" or "-", starting with a letter or "_" (e.g. azureuser).',
    ],
    ["root", 'adminUsername "root" is reserved by Azure: choose another name (e.g. azureuser).'],
    ["admin", 'adminUsername "admin" is reserved by Azure: choose another name (e.g. azureuser).'],
  ])("rejects %s", (u, message) => {
    expect(validateAdminUsername(u)).toBe(message);
  });
});

describe("defaultComputerName", () => {
  it.each([
    ["zc-dev-vm", "zc-dev-vm"],
    ["zc_dev.vm", "zc-dev-vm"],
    ["--x--", "x"],
    ["___", "vm"],
    ["a".repeat(80), "a".repeat(63)],
  ])("%s -> %s", (name, expected) => {
    expect(defaultComputerName(name)).toBe(expected);
  });
});
