/**
 * The expected access matrix: for every principal the stack declares, whether it may read the canary
 * secret. Derived from the validated config only (pure), so the program, the simulation and the verifiers
 * all compare against the same intent.
 */
import { KEY_VAULT_GET_SECRET, findRole, permits } from "../components/roles";
import { CANARY_SECRET_NAME, VM_PRINCIPAL, type GrantSpec, type StackSpec } from "./config";

/** Principal label of a user-assigned identity used from the VM (`vm.<identity>`). */
export function vmIdentityPrincipal(identity: string): string {
  return `${VM_PRINCIPAL}.${identity}`;
}

/** Principal label of a workload's pod (`pod.<workload>`). */
export function workloadPrincipal(workload: string): string {
  return `pod.${workload}`;
}

export interface AccessExpectation {
  /**
   * The principal's label, unique by construction and valid for the verifiers (`[A-Za-z0-9._-]{1,64}`):
   * `vm` (the VM's system identity), `vm.<identity>` (a user-assigned identity via the VM's IMDS),
   * `pod.<workload>` (a workload's pod). Identity and workload names contain no `.`, so labels never
   * collide. The verifiers must report this same label.
   */
  readonly principal: string;
  /** Where the token is obtained: the VM's IMDS, or a pod's federated service-account token. */
  readonly via: "vm" | "workload";
  /** The identity used: an identity name, or `vm` for the VM's system-assigned identity. */
  readonly identity: string;
  /** The workload name (when `via` is `workload`). */
  readonly workload?: string;
  /** The workload's namespace and service account (when `via` is `workload`): the exact principal. */
  readonly namespace?: string;
  readonly serviceAccount?: string;
  /** The secret read: always the canary. */
  readonly secret: string;
  readonly expected: "allow" | "deny";
  /** The first grant (config order) that permits the read; absent when denied. */
  readonly grantedBy?: { readonly role: string; readonly scope: string };
}

/** Scopes that cover the canary secret: the vault, its resource group, or the secret itself. */
const COVERING_SCOPES: readonly string[] = [
  "vault",
  "resourceGroup",
  `secret/${CANARY_SECRET_NAME}`,
];

/**
 * The grant that lets `identity` read the canary secret, if any: a grant to that principal whose role's
 * data actions permit `Microsoft.KeyVault/vaults/secrets/getSecret/action` (Azure semantics: wildcards,
 * `notDataActions` subtract) at a scope covering the secret. A custom role GUID (not in the catalog) has
 * unknown permissions and is never counted as granting: the verifier then reports what really happened.
 */
export function grantFor(
  grants: readonly GrantSpec[],
  identity: string,
): { readonly role: string; readonly scope: string } | undefined {
  for (const g of grants) {
    if (g.principal !== identity || !COVERING_SCOPES.includes(g.scope)) {
      continue;
    }
    const role = findRole(g.roleId);
    if (role !== undefined && permits(role, KEY_VAULT_GET_SECRET, "dataAction")) {
      return { role: role.roleName, scope: g.scope };
    }
  }
  return undefined;
}

function row(
  spec: StackSpec,
  principal: string,
  via: AccessExpectation["via"],
  identity: string,
  workload?: { name: string; namespace: string; serviceAccount: string },
): AccessExpectation {
  const grantedBy = grantFor(spec.grants, identity);
  return {
    principal,
    via,
    identity,
    ...(workload !== undefined
      ? {
          workload: workload.name,
          namespace: workload.namespace,
          serviceAccount: workload.serviceAccount,
        }
      : {}),
    secret: CANARY_SECRET_NAME,
    expected: grantedBy !== undefined ? "allow" : "deny",
    ...(grantedBy !== undefined ? { grantedBy } : {}),
  };
}

/**
 * One row per principal, in a stable order: the VM's system identity, each user-assigned identity attached
 * to the VM (config order), each workload (config order). Pure.
 */
export function expectedAccessMatrix(spec: StackSpec): AccessExpectation[] {
  return [
    row(spec, VM_PRINCIPAL, "vm", VM_PRINCIPAL),
    ...spec.vm.identities.map((id) => row(spec, vmIdentityPrincipal(id), "vm", id)),
    ...spec.workloads.map((w) => row(spec, workloadPrincipal(w.name), "workload", w.identity, w)),
  ];
}
