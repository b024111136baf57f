// TLS material for the loopback emulators: a throwaway CA and one leaf certificate for
// 127.0.0.1 / localhost signed by it. Keys and signatures come from node:crypto (fast, native);
// node-forge only builds the X.509 structures (Node has no API to issue a certificate). Nothing
// here is hand-rolled crypto.
import { createPrivateKey, generateKeyPair, randomBytes, sign, type KeyObject } from "node:crypto";
import { promisify } from "node:util";
import forge from "node-forge";

export interface TlsMaterial {
  /** PEM of the CA certificate clients must trust. */
  readonly caPem: string;
  /** PEM of the leaf certificate (127.0.0.1 + localhost). */
  readonly certPem: string;
  /** PEM (PKCS#8) of the leaf private key. */
  readonly keyPem: string;
}

const generateKeyPairAsync = promisify(generateKeyPair);

/** An RSA-2048 key pair, generated on libuv's thread pool (several can be made in parallel). */
async function rsaKeyPair(): Promise<{ publicPem: string; privatePem: string }> {
  const { publicKey, privateKey } = await generateKeyPairAsync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
  });
  return { publicPem: publicKey, privatePem: privateKey };
}

/**
 * The signer forge's `certificate.sign(key, md)` calls (node-forge 1.x lib/x509.js: it takes the
 * algorithm OID from `md.algorithm`, feeds the DER TBSCertificate to `md.update`, then calls
 * `key.sign(md)`): the same bytes are signed by node:crypto (RSASSA-PKCS1-v1_5 with SHA-256, what
 * forge's own RSA key would produce) instead of forge's JavaScript big-integer arithmetic.
 */
function nativeSigner(privatePem: string): {
  key: forge.pki.rsa.PrivateKey;
  md: forge.md.MessageDigest;
} {
  const privateKey: KeyObject = createPrivateKey(privatePem);
  const digest = forge.md.sha256.create();
  const signed: string[] = [];
  const md = Object.assign(Object.create(digest) as forge.md.MessageDigest, {
    update(bytes: string, encoding?: "raw" | "utf8") {
      signed.push(encoding === "utf8" ? forge.util.encodeUtf8(bytes) : bytes);
      return digest.update(bytes, encoding);
    },
  });
  const key = {
    sign: () =>
      sign("sha256", Buffer.from(signed.join(""), "binary"), privateKey).toString("binary"),
  } as unknown as forge.pki.rsa.PrivateKey;
  return { key, md };
}

function serialNumber(): string {
  // Positive 16-byte serial (clear the top bit so DER does not read it as negative).
  const bytes = randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f;
  return bytes.toString("hex");
}

function validity(cert: forge.pki.Certificate, days: number): void {
  const now = Date.now();
  cert.validity.notBefore = new Date(now - 60_000);
  cert.validity.notAfter = new Date(now + days * 24 * 3600 * 1000);
}

/** Generates a CA and a leaf certificate for 127.0.0.1 and localhost, signed by the CA. */
export async function generateTlsMaterial(): Promise<TlsMaterial> {
  const [caKeys, leafKeys] = await Promise.all([rsaKeyPair(), rsaKeyPair()]);
  const caCert = forge.pki.createCertificate();
  caCert.publicKey = forge.pki.publicKeyFromPem(caKeys.publicPem);
  caCert.serialNumber = serialNumber();
  validity(caCert, 2);
  const caSubject = [
    { name: "commonName", value: "zerocred emulator CA" },
    { name: "organizationName", value: "zerocred simulation" },
  ];
  caCert.setSubject(caSubject);
  caCert.setIssuer(caSubject);
  caCert.setExtensions([
    { name: "basicConstraints", cA: true, critical: true },
    { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
    { name: "subjectKeyIdentifier" },
  ]);
  const caSigner = nativeSigner(caKeys.privatePem);
  caCert.sign(caSigner.key, caSigner.md);

  const leaf = forge.pki.createCertificate();
  leaf.publicKey = forge.pki.publicKeyFromPem(leafKeys.publicPem);
  leaf.serialNumber = serialNumber();
  validity(leaf, 1);
  leaf.setSubject([{ name: "commonName", value: "127.0.0.1" }]);
  leaf.setIssuer(caSubject);
  leaf.setExtensions([
    { name: "basicConstraints", cA: false },
    { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
    { name: "extKeyUsage", serverAuth: true },
    {
      name: "subjectAltName",
      altNames: [
        { type: 7, ip: "127.0.0.1" },
        { type: 2, value: "localhost" },
      ],
    },
    { name: "subjectKeyIdentifier" },
    {
      name: "authorityKeyIdentifier",
      keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes(),
    },
  ]);
  const leafSigner = nativeSigner(caKeys.privatePem);
  leaf.sign(leafSigner.key, leafSigner.md);

  return {
    caPem: forge.pki.certificateToPem(caCert),
    certPem: forge.pki.certificateToPem(leaf),
    keyPem: leafKeys.privatePem,
  };
}
