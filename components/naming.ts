/**
 * Deterministic, Azure-valid names. Pure functions (no Pulumi imports): policies, the stack program and the
 * tests share them, and a second run computes exactly the same names.
 */
import * as crypto from "node:crypto";
import { v5 as uuidv5 } from "uuid";
import {
  isDns1123Label,
  isDns1123Subdomain,
  serviceAccountSubject as subjectOf,
} from "./rules/workloadIdentity";

export {
  isDns1123Label,
  isDns1123Subdomain,
  MAX_FEDERATED_CREDENTIALS_PER_IDENTITY,
  WORKLOAD_IDENTITY_AUDIENCE,
} from "./rules/workloadIdentity";

/** Fixed UUIDv5 namespace for every name zerocred derives. Never change it: names would change. */
export const ZEROCRED_UUID_NAMESPACE = "ec3af19a-c532-4d36-a6dd-4001eb55137a";

/** Federated identity credential names: 3–120 chars, `[A-Za-z0-9_-]`, first char alphanumeric. */
export const FEDERATED_CREDENTIAL_NAME_PATTERN: RegExp = /^[A-Za-z0-9][A-Za-z0-9_-]{2,119}$/;

const VAULT_PREFIX = /^[a-z][a-z0-9]{1,7}$/;

/** Lowercase hex SHA-256 of the UTF-8 bytes of `value`. */
export function sha256Hex(value: string): string {
  return crypto.createHash("sha256").update(value, "utf8").digest("hex");
}

/**
 * Deterministic role assignment name: the UUIDv5 (namespace {@link ZEROCRED_UUID_NAMESPACE}) of
 * `${scope}|${roleDefinitionId}|${principalId}`, all lowercased (ARM ids and GUIDs are case-insensitive).
 */
export function roleAssignmentName(
  scope: string,
  roleDefinitionId: string,
  principalId: string,
): string {
  const seed = `${scope.toLowerCase()}|${roleDefinitionId.toLowerCase()}|${principalId.toLowerCase()}`;
  return uuidv5(seed, ZEROCRED_UUID_NAMESPACE);
}

/**
 * The problems with a Key Vault name under Azure's rules (3–24 chars of `[A-Za-z0-9-]`, starts with a letter,
 * ends with a letter or digit, no consecutive hyphens). Empty when valid. Each message names the value and the fix.
 */
export function vaultNameIssues(name: string): string[] {
  const issues: string[] = [];
  const q = JSON.stringify(name);
  if (name.length < 3 || name.length > 24) {
    issues.push(`Key Vault name ${q} is ${name.length} characters long; use 3 to 24 characters.`);
  }
  if (!/^[A-Za-z0-9-]*$/.test(name)) {
    issues.push(
      `Key Vault name ${q} contains characters other than letters, digits and hyphens; remove them.`,
    );
  }
  if (!/^[A-Za-z]/.test(name)) {
    issues.push(`Key Vault name ${q} must start with a letter.`);
  }
  if (!/[A-Za-z0-9]$/.test(name)) {
    issues.push(`Key Vault name ${q} must end with a letter or digit.`);
  }
  if (name.includes("--")) {
    issues.push(`Key Vault name ${q} contains consecutive hyphens; use single hyphens.`);
  }
  return issues;
}

/** Throws an `Error` listing every problem when `name` is not a valid Key Vault name. */
export function validateVaultName(name: string): void {
  const issues = vaultNameIssues(name);
  if (issues.length > 0) {
    throw new Error(issues.join(" "));
  }
}

/**
 * Deterministic, globally-unique-enough Key Vault name: `${prefix}-kv-${hash}` where `hash` is the first
 * 12 hex chars of SHA-256 of `subscription|resourceGroup|stack` (lowercased: ARM names are case-insensitive).
 * At most 8 + 4 + 12 = 24 characters. `prefix` must be 2–8 lowercase letters/digits starting with a letter.
 */
export function vaultName(
  prefix: string,
  subscriptionId: string,
  resourceGroupName: string,
  stack: string,
): string {
  if (!VAULT_PREFIX.test(prefix)) {
    throw new Error(
      `Invalid value for prefix: ${JSON.stringify(prefix)}. Use 2 to 8 lowercase letters or digits, starting with a letter (e.g. "zc").`,
    );
  }
  const hash = sha256Hex(
    `${subscriptionId.toLowerCase()}|${resourceGroupName.toLowerCase()}|${stack.toLowerCase()}`,
  ).slice(0, 12);
  const name = `${prefix}-kv-${hash}`;
  validateVaultName(name);
  return name;
}

/**
 * The problems with a federated identity credential name (empty when valid): 3–120 characters of letters,
 * digits, `-` and `_`, starting with a letter or digit.
 */
export function federatedCredentialNameIssues(name: string): string[] {
  if (FEDERATED_CREDENTIAL_NAME_PATTERN.test(name)) {
    return [];
  }
  return [
    `Federated credential name ${JSON.stringify(name)} is invalid: use 3 to 120 characters of letters, digits, "-" and "_", starting with a letter or digit.`,
  ];
}

/**
 * The subject Kubernetes puts in a service account token: `system:serviceaccount:<namespace>:<serviceAccount>`.
 * Throws when either part is not a valid Kubernetes name (the subject would never match a real token).
 */
export function serviceAccountSubject(namespace: string, serviceAccount: string): string {
  assertKubernetesNames(namespace, serviceAccount);
  return subjectOf(namespace, serviceAccount);
}

/**
 * Deterministic federated credential name for a service account: `${namespace}_${serviceAccount}`
 * (`_` cannot occur in Kubernetes names, so distinct pairs never collide). When the service account name
 * contains dots (not allowed in credential names) or the result exceeds 120 chars, dots become `-`, the name is
 * shortened and an 8-hex-char hash of the exact pair is appended to keep it unique.
 */
export function federatedCredentialName(namespace: string, serviceAccount: string): string {
  assertKubernetesNames(namespace, serviceAccount);
  const base = `${namespace}_${serviceAccount}`;
  if (FEDERATED_CREDENTIAL_NAME_PATTERN.test(base)) {
    return base;
  }
  const hash = sha256Hex(`${namespace}:${serviceAccount}`).slice(0, 8);
  const safe = base.replace(/\./g, "-").slice(0, 120 - hash.length - 1);
  return `${safe}-${hash}`;
}

function assertKubernetesNames(namespace: string, serviceAccount: string): void {
  if (!isDns1123Label(namespace)) {
    throw new Error(
      `Invalid value for namespace: ${JSON.stringify(namespace)}. Use a DNS-1123 label: at most 63 lowercase letters, digits or "-", starting and ending with a letter or digit.`,
    );
  }
  if (!isDns1123Subdomain(serviceAccount)) {
    throw new Error(
      `Invalid value for serviceAccount: ${JSON.stringify(serviceAccount)}. Use a DNS-1123 subdomain: at most 253 lowercase letters, digits, "-" or ".", starting and ending with a letter or digit.`,
    );
  }
}
