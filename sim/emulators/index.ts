// Loopback emulators of the Azure endpoints the zerocred verifiers talk to: IMDS (per VM), an
// AKS cluster OIDC issuer (per cluster), Entra ID, and Key Vault (per vault). Each speaks the
// real wire protocol (see shared/reference/protocols.md) so unmodified Azure SDK clients, curl
// and the verifiers work against them. Everything binds 127.0.0.1 on OS-assigned ports.
//
// Decisions worth knowing:
// - Key Vault's secret `id` uses the Host the caller addressed (https://127.0.0.1:<port>/...), so
//   SDK clients parse the vault URL, name and version from it exactly as with a real vault.
// - The vault challenge is `Bearer authorization="<authorityHost><tenant>", resource="https://vault.azure.net"`;
//   SecretClient clients must pass `disableChallengeResourceVerification: true` (the host is not
//   *.vault.azure.net).
// - MSAL (WorkloadIdentityCredential) sends instance discovery to login.microsoftonline.com no
//   matter the authority host, so offline clients pass `disableInstanceDiscovery: true`; the
//   Entra emulator still serves /common/discovery/instance for clients that ask it.
// - Cluster tokens carry the declared issuer URL; the Entra emulator maps that URL to the local
//   issuer server to fetch discovery + JWKS over HTTPS, but compares `iss` to the federated
//   credentials' issuer byte for byte.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { entraHandler, type EntraState } from "./entra";
import { imdsHandler, type ImdsIdentity, type ImdsVm } from "./imds";
import {
  issuerHandler,
  mintServiceAccountToken as mintClusterToken,
  type ClusterIssuer,
  type MintOptions,
} from "./oidcIssuer";
import type { TimedRoleAssignment } from "./rbac";
import { startServer, type RunningServer } from "./server";
import { generateTlsMaterial, type TlsMaterial } from "./tls";
import { createSigningKey, type SigningKey } from "./tokens";
import { vaultHandler } from "./keyVault";
import { readKeyFile, writeKeyFile } from "./keyStore";

export type { MintOptions } from "./oidcIssuer";

export interface EmulatorIdentity {
  name: string;
  resourceId: string;
  principalId: string;
  clientId: string;
}
export interface EmulatorFederatedCredential {
  identityResourceId: string;
  name: string;
  issuer: string;
  subject: string;
  audiences: string[];
}
export interface EmulatorVm {
  name: string;
  resourceId: string;
  systemAssigned?: { principalId: string; clientId: string };
  userAssignedIdentityIds: string[];
}
export interface EmulatorCluster {
  name: string;
  /** Exactly as Azure reports it: https://<region>.oic.prod-aks.azure.com/<tenant>/<guid>/ */
  issuerUrl: string;
}
export interface EmulatorVault {
  name: string;
  resourceId: string;
  enableRbacAuthorization: boolean;
  secrets: { name: string; value: string }[];
}
export interface EmulatorRoleAssignment {
  principalId: string;
  /** Full ARM roleDefinitionId, the role GUID, or a built-in role name. */
  roleDefinitionId: string;
  scope: string;
  /** A custom role's own data permissions (a RoleDefinition the program declares). */
  customRole?: { dataActions: string[]; notDataActions: string[] };
}
export interface EmulatorWorld {
  tenantId: string;
  identities: EmulatorIdentity[];
  federatedCredentials: EmulatorFederatedCredential[];
  vms: EmulatorVm[];
  clusters: EmulatorCluster[];
  vaults: EmulatorVault[];
  roleAssignments: EmulatorRoleAssignment[];
}
export interface EmulatorOptions {
  /** A role assignment takes effect this long after start (or after addRoleAssignment). Defaults to 0. */
  propagationDelayMs?: number;
  /** Keys made in advance with {@link prepareEmulatorKeys}; missing cluster keys are generated. */
  keys?: Promise<EmulatorKeys>;
}

/** The emulators' key material: TLS (CA + leaf), the token-signing key, one key per cluster issuer. */
export interface EmulatorKeys {
  readonly tls: TlsMaterial;
  readonly tokenKey: SigningKey;
  readonly clusterKeys: readonly SigningKey[];
}

/**
 * Generates the emulators' keys on the thread pool, so a caller can start it before it knows the
 * world (e.g. while a program is evaluated) and hand the promise to {@link startEmulators}.
 * With `keyFile`, the keys kept there are used while still valid, and new ones are kept there
 * (./keyStore.ts); the keys a test run shares ({@link shareEmulatorKeys}) come first.
 */
export async function prepareEmulatorKeys(
  clusterCount = 1,
  options: { readonly keyFile?: string } = {},
): Promise<EmulatorKeys> {
  if (sharedKeys !== undefined) {
    // startEmulators generates any cluster key beyond the shared ones.
    return sharedKeys;
  }
  const kept =
    options.keyFile !== undefined ? readKeyFile(options.keyFile, clusterCount) : undefined;
  if (kept !== undefined) {
    return kept;
  }
  const [tls, tokenKey, ...clusterKeys] = await Promise.all([
    generateTlsMaterial(),
    createSigningKey(),
    ...Array.from({ length: clusterCount }, () => createSigningKey()),
  ]);
  const keys = { tls, tokenKey, clusterKeys };
  if (options.keyFile !== undefined) {
    try {
      writeKeyFile(options.keyFile, keys);
    } catch {
      // A read-only install keeps working; it only makes new keys next time too.
    }
  }
  return keys;
}

let sharedKeys: EmulatorKeys | undefined;

/**
 * Makes every later {@link prepareEmulatorKeys} in this process return `keys` (`undefined` turns
 * it off). For test runs: the keys are generated once per run (test/harness/global-setup.ts) and
 * each emulator start only binds its ports. Nothing else calls it: `npm start` uses its key file.
 */
export function shareEmulatorKeys(keys: EmulatorKeys | undefined): void {
  sharedKeys = keys;
}

/** Request counters per emulator (for tests and the benchmark). */
export interface EmulatorRequestCounts {
  /** IMDS token-path requests per VM name. */
  imds: Record<string, number>;
  /** IMDS token-path requests per selector value (client_id / object_id / msi_res_id; "" = none). */
  imdsBySelector: Record<string, number>;
  /** Token-endpoint POSTs to Entra. */
  entraToken: number;
  /** Token-endpoint POSTs per client_id. */
  entraTokenByClient: Record<string, number>;
  /** Requests per vault name. */
  vault: Record<string, number>;
  /** Vault requests per caller object ID ("" = no valid token). */
  vaultByPrincipal: Record<string, number>;
}

function bump(map: Record<string, number>, key: string): void {
  map[key] = (map[key] ?? 0) + 1;
}

export interface Emulators {
  /** PEM of the CA that signed every HTTPS emulator's certificate. */
  readonly caPem: string;
  /** The CA written to a temp file (curl --cacert, NODE_EXTRA_CA_CERTS); removed on close. */
  readonly caFile: string;
  /** `http://127.0.0.1:<port>` of the VM's IMDS (no trailing slash). */
  imdsEndpoint(vmName: string): string;
  /** `https://127.0.0.1:<port>/` of the Entra emulator (trailing slash, like AZURE_AUTHORITY_HOST). */
  readonly authorityHost: string;
  /** `https://127.0.0.1:<port>/` of the vault (one port per vault). */
  vaultUrl(vaultName: string): string;
  /** `https://127.0.0.1:<port>/` of the cluster's local OIDC issuer server (serves discovery + JWKS). */
  issuerEndpoint(clusterName: string): string;
  /**
   * A projected service-account token for `namespace/serviceAccount`, signed by the cluster's
   * key, `iss` = the cluster's declared issuer URL unless `issuerOverride` is given.
   */
  mintServiceAccountToken(
    clusterName: string,
    namespace: string,
    serviceAccount: string,
    opts?: MintOptions,
  ): Promise<string>;
  /** The VM's next IMDS token requests answer these statuses, in order. */
  injectImdsFaults(vmName: string, statuses: number[]): void;
  /** Adds a role assignment, effective after `effectiveAfterMs` (defaults to propagationDelayMs). */
  addRoleAssignment(a: EmulatorRoleAssignment, effectiveAfterMs?: number): void;
  /** Requests seen so far. */
  requestCounts(): EmulatorRequestCounts;
  close(): Promise<void>;
}

function requireNamed<T extends { name: string }>(
  items: Map<string, T>,
  kind: string,
  name: string,
): T {
  const found = items.get(name);
  if (!found) {
    throw new Error(
      `Unknown ${kind} '${name}': the emulator world declares ${[...items.keys()].map((k) => `'${k}'`).join(", ") || "none"}.`,
    );
  }
  return found;
}

function validateWorld(world: EmulatorWorld): void {
  const identityIds = new Set(world.identities.map((i) => i.resourceId.toLowerCase()));
  for (const vm of world.vms) {
    for (const id of vm.userAssignedIdentityIds) {
      if (!identityIds.has(id.toLowerCase())) {
        throw new Error(
          `VM '${vm.name}' attaches identity '${id}', which is not in world.identities; add it there.`,
        );
      }
    }
  }
  for (const f of world.federatedCredentials) {
    if (!identityIds.has(f.identityResourceId.toLowerCase())) {
      throw new Error(
        `Federated credential '${f.name}' belongs to '${f.identityResourceId}', which is not in world.identities; add it there.`,
      );
    }
  }
  for (const [kind, names] of [
    ["VM", world.vms.map((v) => v.name)],
    ["cluster", world.clusters.map((c) => c.name)],
    ["vault", world.vaults.map((v) => v.name)],
  ] as const) {
    const seen = new Set<string>();
    for (const n of names) {
      if (seen.has(n)) {
        throw new Error(
          `Duplicate ${kind} name '${n}' in the emulator world; names must be unique.`,
        );
      }
      seen.add(n);
    }
  }
}

/** Starts every emulator the world needs; call `close()` when done. */
export async function startEmulators(
  world: EmulatorWorld,
  options: EmulatorOptions = {},
): Promise<Emulators> {
  validateWorld(world);
  const propagationDelayMs = options.propagationDelayMs ?? 0;
  const startedAt = Date.now();
  // Every key at once: RSA generation dominates start-up and runs on the thread pool.
  const prepared = await (options.keys ?? prepareEmulatorKeys(world.clusters.length));
  const { tls, tokenKey } = prepared;
  const clusterKeys = [
    ...prepared.clusterKeys.slice(0, world.clusters.length),
    ...(await Promise.all(
      world.clusters.slice(prepared.clusterKeys.length).map(() => createSigningKey()),
    )),
  ];
  const tlsOpts = { certPem: tls.certPem, keyPem: tls.keyPem };
  const servers: RunningServer[] = [];
  const counts: EmulatorRequestCounts = {
    imds: {},
    imdsBySelector: {},
    entraToken: 0,
    entraTokenByClient: {},
    vault: {},
    vaultByPrincipal: {},
  };
  // The world's assignments start propagating once every server is listening (set below).
  const assignments: TimedRoleAssignment[] = [];

  const caDir = mkdtempSync(join(tmpdir(), "zerocred-emulators-"));
  const caFile = join(caDir, "ca.pem");
  writeFileSync(caFile, tls.caPem, { mode: 0o644 });

  const closeAll = async (): Promise<void> => {
    await Promise.all(servers.map((s) => s.close()));
    rmSync(caDir, { recursive: true, force: true });
  };

  try {
    // Cluster OIDC issuers.
    const clusters = new Map<string, ClusterIssuer & { server: RunningServer }>();
    for (const [i, c] of world.clusters.entries()) {
      const issuer: ClusterIssuer = {
        name: c.name,
        issuerUrl: c.issuerUrl,
        key: clusterKeys[i]!,
      };
      const server = await startServer(issuerHandler(issuer), tlsOpts);
      servers.push(server);
      clusters.set(c.name, { ...issuer, server });
    }
    const resolveIssuerUrl = (url: string): string | undefined => {
      for (const c of clusters.values()) {
        const declared = c.issuerUrl.replace(/\/+$/, "");
        if (url === declared || url.startsWith(`${declared}/`)) {
          return `${c.server.origin}${url.slice(declared.length)}`;
        }
      }
      return undefined;
    };

    // Entra ID.
    let entraOrigin = "";
    const entraState: EntraState = {
      tenantId: world.tenantId,
      identities: world.identities,
      federatedCredentials: world.federatedCredentials,
      tokenKey,
      caPem: tls.caPem,
      resolveIssuerUrl,
      origin: () => entraOrigin,
    };
    const entra = await startServer(
      entraHandler(entraState, (clientId) => {
        counts.entraToken += 1;
        bump(counts.entraTokenByClient, clientId);
      }),
      tlsOpts,
    );
    servers.push(entra);
    entraOrigin = entra.origin;
    const authorityHost = `${entra.origin}/`;

    // IMDS, one per VM.
    const identitiesById = new Map(world.identities.map((i) => [i.resourceId.toLowerCase(), i]));
    const vms = new Map<string, ImdsVm & { server: RunningServer }>();
    for (const vm of world.vms) {
      const userAssigned: ImdsIdentity[] = vm.userAssignedIdentityIds.map((id) => {
        const i = identitiesById.get(id.toLowerCase())!;
        return { principalId: i.principalId, clientId: i.clientId, resourceId: i.resourceId };
      });
      const state: ImdsVm = {
        name: vm.name,
        tenantId: world.tenantId,
        systemAssigned: vm.systemAssigned
          ? { ...vm.systemAssigned, resourceId: vm.resourceId }
          : undefined,
        userAssigned,
        faults: [],
      };
      counts.imds[vm.name] = 0;
      const server = await startServer(
        imdsHandler(state, tokenKey, (selector) => {
          bump(counts.imds, vm.name);
          bump(counts.imdsBySelector, selector);
        }),
      );
      servers.push(server);
      vms.set(vm.name, { ...state, server });
    }

    // Key Vault, one per vault.
    const vaults = new Map<string, { name: string; server: RunningServer }>();
    for (const v of world.vaults) {
      counts.vault[v.name] = 0;
      const server = await startServer(
        vaultHandler(
          {
            name: v.name,
            resourceId: v.resourceId,
            enableRbacAuthorization: v.enableRbacAuthorization,
            secrets: v.secrets,
            tenantId: world.tenantId,
            tokenKey,
            authorityUrl: `${authorityHost}${world.tenantId}`,
            roleAssignments: () => assignments,
            createdAt: startedAt,
          },
          (principalId) => {
            bump(counts.vault, v.name);
            bump(counts.vaultByPrincipal, principalId);
          },
        ),
        tlsOpts,
      );
      servers.push(server);
      vaults.set(v.name, { name: v.name, server });
    }

    const readyAt = Date.now();
    for (const a of world.roleAssignments) {
      assignments.push({
        principalId: a.principalId,
        roleDefinitionId: a.roleDefinitionId,
        scope: a.scope,
        ...(a.customRole !== undefined ? { customRole: a.customRole } : {}),
        effectiveAt: readyAt + propagationDelayMs,
      });
    }

    return {
      caPem: tls.caPem,
      caFile,
      authorityHost,
      imdsEndpoint: (vmName) => requireNamed(vms, "VM", vmName).server.origin,
      vaultUrl: (vaultName) => `${requireNamed(vaults, "vault", vaultName).server.origin}/`,
      issuerEndpoint: (clusterName) =>
        `${requireNamed(clusters, "cluster", clusterName).server.origin}/`,
      mintServiceAccountToken: async (clusterName, namespace, serviceAccount, opts) =>
        mintClusterToken(
          requireNamed(clusters, "cluster", clusterName),
          namespace,
          serviceAccount,
          opts,
        ),
      injectImdsFaults: (vmName, statuses) => {
        requireNamed(vms, "VM", vmName).faults.push(...statuses);
      },
      addRoleAssignment: (a, effectiveAfterMs) => {
        assignments.push({
          principalId: a.principalId,
          roleDefinitionId: a.roleDefinitionId,
          scope: a.scope,
          effectiveAt: Date.now() + (effectiveAfterMs ?? propagationDelayMs),
        });
      },
      requestCounts: () => ({
        imds: { ...counts.imds },
        imdsBySelector: { ...counts.imdsBySelector },
        entraToken: counts.entraToken,
        entraTokenByClient: { ...counts.entraTokenByClient },
        vault: { ...counts.vault },
        vaultByPrincipal: { ...counts.vaultByPrincipal },
      }),
      close: closeAll,
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
