/**
 * The workload identity federation rules, in one place: the subject a Kubernetes service account token
 * carries, the one audience Entra accepts, how an issuer matches, and the limits on the federated
 * identity credentials of one user-assigned identity. The components (UserAssignedIdentity,
 * WorkloadIdentity), the policy pack and the simulation (model, diagnoses, emulators) all call this
 * module; each formats its own message. Pure, no imports.
 *
 * Facts (https://learn.microsoft.com/entra/workload-id/workload-identity-federation-considerations):
 * - at most 20 federated identity credentials per user-assigned identity;
 * - issuer and subject are matched case-sensitively, byte for byte (a trailing slash makes another issuer:
 *   AADSTS700211; a subject differing only in case: AADSTS7002138);
 * - one identity cannot hold two credentials with the same issuer and subject ("Issuer and subject
 *   combination already exists");
 * - concurrent writes of credentials under one identity fail with 409
 *   `ConcurrentFederatedIdentityCredentialsWritesForSingleManagedIdentity`: write them one at a time.
 * Subject and audience: https://azure.github.io/azure-workload-identity/docs/topics/federated-identity-credential.html
 * (`system:serviceaccount:<namespace>:<service account>`, audience `api://AzureADTokenExchange`).
 * Kubernetes names: namespaces are DNS-1123 labels, service accounts DNS-1123 subdomains
 * (https://kubernetes.io/docs/concepts/overview/working-with-objects/names/).
 */

/** The only audience Entra ID accepts on a workload identity federated credential (and GitHub's for Azure). */
export const WORKLOAD_IDENTITY_AUDIENCE = "api://AzureADTokenExchange";

/** Azure's limit of federated identity credentials per user-assigned identity. */
export const MAX_FEDERATED_CREDENTIALS_PER_IDENTITY = 20;

/** What every Kubernetes service account token subject starts with. */
export const SERVICE_ACCOUNT_SUBJECT_PREFIX = "system:serviceaccount:";

/** AKS OIDC issuers: `https://<region>.oic.prod-aks.azure.com/<tenant>/<guid>/`. */
export const AKS_ISSUER_PATTERN: RegExp = /^https:\/\/[^/]+\.oic\.prod-aks\.azure\.com\//i;

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** True for a Kubernetes DNS-1123 label (namespaces): ≤ 63 chars of `[a-z0-9-]`, alphanumeric ends. */
export function isDns1123Label(value: string): boolean {
  return value.length <= 63 && DNS1123_LABEL.test(value);
}

/** True for a Kubernetes DNS-1123 subdomain (service accounts): ≤ 253 chars, dot-separated labels. */
export function isDns1123Subdomain(value: string): boolean {
  return value.length <= 253 && DNS1123_SUBDOMAIN.test(value);
}

/**
 * The subject Kubernetes puts in a service account token: `system:serviceaccount:<namespace>:<serviceAccount>`.
 * The service account, not the workload's name: a Deployment `orders` running as service account
 * `orders-sa` presents `system:serviceaccount:<ns>:orders-sa`. No validation (callers that need it
 * check the names first).
 */
export function serviceAccountSubject(namespace: string, serviceAccount: string): string {
  return `${SERVICE_ACCOUNT_SUBJECT_PREFIX}${namespace}:${serviceAccount}`;
}

/** The namespace and service account a subject names, when it is a valid service account subject. */
export function parseServiceAccountSubject(
  subject: string,
): { readonly namespace: string; readonly serviceAccount: string } | undefined {
  const parts = subject.split(":");
  if (
    parts.length !== 4 ||
    parts[0] !== "system" ||
    parts[1] !== "serviceaccount" ||
    !isDns1123Label(parts[2]) ||
    !isDns1123Subdomain(parts[3])
  ) {
    return undefined;
  }
  return { namespace: parts[2], serviceAccount: parts[3] };
}

/** True when `subject` is `system:serviceaccount:<namespace>:<name>` with valid Kubernetes names. */
export function isServiceAccountSubject(subject: string): boolean {
  return parseServiceAccountSubject(subject) !== undefined;
}

/** True when `subject` is meant for a Kubernetes service account (valid or not). */
export function looksLikeServiceAccountSubject(subject: string): boolean {
  return subject.startsWith(SERVICE_ACCOUNT_SUBJECT_PREFIX);
}

/** True for an AKS OIDC issuer URL. */
export function isAksIssuer(issuer: string): boolean {
  return AKS_ISSUER_PATTERN.test(issuer);
}

/** Whether a credential's issuer accepts a token's `iss`: byte for byte, trailing slash included. */
export function issuerMatches(credentialIssuer: string, tokenIssuer: string): boolean {
  return credentialIssuer === tokenIssuer;
}

/** Whether a credential's subject accepts a token's `sub`: byte for byte (case-sensitive). */
export function subjectMatches(credentialSubject: string, tokenSubject: string): boolean {
  return credentialSubject === tokenSubject;
}

/** True when two issuers differ, but only by trailing slashes (the most common issuer mistake). */
export function issuersDifferOnlyByTrailingSlash(a: string, b: string): boolean {
  return a !== b && a.replace(/\/+$/, "") === b.replace(/\/+$/, "");
}

/** True when two subjects differ, but only in letter case (AADSTS7002138). */
export function subjectsDifferOnlyInCase(a: string, b: string): boolean {
  return a !== b && a.toLowerCase() === b.toLowerCase();
}

/** True when a credential's audiences are exactly `[api://AzureADTokenExchange]` (byte for byte). */
export function hasTokenExchangeAudience(audiences: readonly unknown[]): boolean {
  return audiences.length === 1 && audiences[0] === WORKLOAD_IDENTITY_AUDIENCE;
}

/** True when one identity would hold more federated credentials than Azure allows. */
export function exceedsFederatedCredentialLimit(count: number): boolean {
  return count > MAX_FEDERATED_CREDENTIALS_PER_IDENTITY;
}

/**
 * Pairs `[first, duplicate]` of credentials on one identity with the same issuer and subject, in input
 * order (each duplicate paired with the first credential that had its pair). Credentials whose issuer
 * or subject is unknown are skipped.
 */
export function duplicateIssuerSubjects<T>(
  credentials: readonly T[],
  issuerOf: (c: T) => string | undefined,
  subjectOf: (c: T) => string | undefined,
): [T, T][] {
  const seen = new Map<string, T>();
  const duplicates: [T, T][] = [];
  for (const c of credentials) {
    const issuer = issuerOf(c);
    const subject = subjectOf(c);
    if (issuer === undefined || subject === undefined) {
      continue;
    }
    const key = JSON.stringify([issuer, subject]);
    const first = seen.get(key);
    if (first === undefined) {
      seen.set(key, c);
    } else {
      duplicates.push([first, c]);
    }
  }
  return duplicates;
}

/** The stable order credentials are written in: sorted by name (code-unit order, locale-independent). */
export function federatedCredentialChainOrder<T extends { readonly name: string }>(
  specs: readonly T[],
): T[] {
  return [...specs].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * Transitive dependencies over a dependency graph (`depsOf` gives the direct ones): `closure(x)` is
 * every node `x` waits for, directly or not. Memoized per node; cycles terminate.
 */
export function transitiveDependencies(
  depsOf: (node: string) => readonly string[] | undefined,
): (node: string) => ReadonlySet<string> {
  const memo = new Map<string, Set<string>>();
  return (node) => {
    let seen = memo.get(node);
    if (seen === undefined) {
      seen = new Set<string>();
      const stack = [node];
      while (stack.length > 0) {
        for (const dep of depsOf(stack.pop() as string) ?? []) {
          if (!seen.has(dep)) {
            seen.add(dep);
            stack.push(dep);
          }
        }
      }
      memo.set(node, seen);
    }
    return seen;
  };
}

/**
 * Pairs `[earlier, later]` of credentials on one identity that can be written at the same time: neither
 * waits for the other through the dependency graph. For each credential (in input order), the first
 * earlier one it is unordered with. Empty when the writes are serialized (a `dependsOn` chain).
 */
export function concurrentWrites<T>(
  credentials: readonly T[],
  idOf: (c: T) => string,
  dependenciesOf: (id: string) => ReadonlySet<string>,
): [T, T][] {
  const pairs: [T, T][] = [];
  for (let i = 1; i < credentials.length; i++) {
    const b = credentials[i];
    const a = credentials
      .slice(0, i)
      .find((x) => !dependenciesOf(idOf(b)).has(idOf(x)) && !dependenciesOf(idOf(x)).has(idOf(b)));
    if (a !== undefined) {
      pairs.push([a, b]);
    }
  }
  return pairs;
}
