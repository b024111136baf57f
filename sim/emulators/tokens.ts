// Signing keys and token shapes shared by the emulators. RS256 via `jose`; keys from node:crypto.
import { generateKeyPair, randomUUID, type KeyObject } from "node:crypto";
import { promisify } from "node:util";
import { calculateJwkThumbprint, exportJWK, SignJWT, type JWK, type JWTPayload } from "jose";

export interface SigningKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** Public JWK with `kid`, `use: "sig"`, `alg: "RS256"`. */
  readonly publicJwk: JWK;
}

/** A fresh RSA-2048 signing key; the kid is the key's RFC 7638 thumbprint. */
export async function createSigningKey(): Promise<SigningKey> {
  // Asynchronous: generated on libuv's thread pool, so several keys are made in parallel.
  const { privateKey, publicKey } = await promisify(generateKeyPair)("rsa", {
    modulusLength: 2048,
  });
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk);
  return { kid, privateKey, publicKey, publicJwk: { ...jwk, kid, use: "sig", alg: "RS256" } };
}

export async function signJwt(key: SigningKey, payload: JWTPayload): Promise<string> {
  return new SignJWT(payload)
    .setProtectedHeader({ alg: "RS256", typ: "JWT", kid: key.kid })
    .sign(key.privateKey);
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** The v1 issuer Entra stamps on managed-identity and app-only tokens for a tenant. */
export function v1Issuer(tenantId: string): string {
  return `https://sts.windows.net/${tenantId}/`;
}

export interface AccessTokenSubject {
  readonly tenantId: string;
  readonly principalId: string;
  readonly clientId: string;
  /** ARM ID of the managed identity (user-assigned) or the VM (system-assigned). */
  readonly miResourceId: string;
}

/** Resource URI from a scope or resource: drops a trailing `/.default`. */
export function resourceFromScope(scope: string): string {
  return scope.endsWith("/.default") ? scope.slice(0, -"/.default".length) : scope;
}

/**
 * Mints a v1 access token (the shape Entra issues for managed identities and for resources such
 * as Key Vault that accept v1 tokens): iss sts.windows.net/<tid>/, aud = resource, oid, tid,
 * appid, xms_mirid, iat/nbf/exp.
 */
export async function mintAccessToken(
  key: SigningKey,
  subject: AccessTokenSubject,
  resource: string,
  lifetimeSeconds: number,
): Promise<{ token: string; iat: number; exp: number }> {
  const iat = nowSeconds();
  const exp = iat + lifetimeSeconds;
  const token = await signJwt(key, {
    aud: resource,
    iss: v1Issuer(subject.tenantId),
    iat,
    nbf: iat,
    exp,
    appid: subject.clientId,
    appidacr: "2",
    idp: v1Issuer(subject.tenantId),
    idtyp: "app",
    oid: subject.principalId,
    sub: subject.principalId,
    tid: subject.tenantId,
    uti: randomUUID().replace(/-/g, "").slice(0, 22),
    ver: "1.0",
    xms_mirid: subject.miResourceId,
  });
  return { token, iat, exp };
}
