/**
 * Declared access intent: what each principal MUST read and must NOT read, written by the user —
 * never derived from the grants under test. Export it from any Pulumi program as `expectedAccess`
 * and `npm start -- --program <file>` checks every entry against what the deployment really
 * allows (the emulators and the real verifiers):
 *
 *   import { expectAccess, vmIdentity, identity, workload } from "zerocred/components/intent";
 *   export const expectedAccess = [
 *     expectAccess(workload("shop", "orders"), { vault: "kv-shop", secret: "db-password" }, "allow"),
 *     expectAccess(workload("shop", "reports"), { vault: "kv-shop", secret: "db-password" }, "deny"),
 *     expectAccess(vmIdentity("vm-batch"), { vault: "kv-shop", secret: "db-password" }, "allow"),
 *   ];
 *
 * Entries match EXACTLY (Azure names compare case-insensitively, as Azure does; Kubernetes names
 * case-sensitively): vault + secret + principal. An entry naming a principal, vault or secret the
 * program does not declare stops the simulation (exit 2) and lists what exists.
 */

/** The principal an expectation is about. */
export type IntendedPrincipal =
  /** A VM's system-assigned identity, used through the VM's IMDS. `vm` omitted = the program's only VM. */
  | { readonly kind: "vm-system"; readonly vm?: string }
  /** A user-assigned identity by its Azure name, used through the IMDS of a VM it is attached to. */
  | { readonly kind: "identity"; readonly identity: string; readonly vm?: string }
  /** A Kubernetes workload: every pod running as namespace/serviceAccount (on `cluster`, or any cluster). */
  | {
      readonly kind: "workload";
      readonly namespace: string;
      readonly serviceAccount: string;
      readonly cluster?: string;
    };

export interface ExpectedAccess {
  readonly principal: IntendedPrincipal;
  /** The vault's Azure name. Optional only when the program declares exactly one vault. */
  readonly vault?: string;
  /** The secret's name in that vault. */
  readonly secret: string;
  /** `allow`: the principal must read the secret's value; `deny`: it must get 403. */
  readonly expected: "allow" | "deny";
}

/** A VM's system-assigned identity (`vm` = the VM's Azure name; omit it when there is one VM). */
export function vmIdentity(vm?: string): IntendedPrincipal {
  return vm === undefined ? { kind: "vm-system" } : { kind: "vm-system", vm };
}

/** A user-assigned identity (its Azure name), used from a VM it is attached to. */
export function identity(name: string, vm?: string): IntendedPrincipal {
  return vm === undefined
    ? { kind: "identity", identity: name }
    : { kind: "identity", identity: name, vm };
}

/** The pods running as `namespace/serviceAccount` (on `cluster`'s Azure name, or any cluster). */
export function workload(
  namespace: string,
  serviceAccount: string,
  cluster?: string,
): IntendedPrincipal {
  return cluster === undefined
    ? { kind: "workload", namespace, serviceAccount }
    : { kind: "workload", namespace, serviceAccount, cluster };
}

/** One expectation: `principal` must (`allow`) or must not (`deny`) read `vault`/`secret`. */
export function expectAccess(
  principal: IntendedPrincipal,
  target: { readonly vault?: string; readonly secret: string },
  expected: "allow" | "deny",
): ExpectedAccess {
  return {
    principal,
    ...(target.vault !== undefined ? { vault: target.vault } : {}),
    secret: target.secret,
    expected,
  };
}

/** How an expectation names its principal, for messages: `workload shop/orders`, `identity orders`, `vm1's system identity`. */
export function describePrincipal(p: IntendedPrincipal): string {
  switch (p.kind) {
    case "vm-system":
      return p.vm === undefined ? "the VM's system identity" : `VM ${p.vm}'s system identity`;
    case "identity":
      return `identity ${p.identity}${p.vm !== undefined ? ` on VM ${p.vm}` : ""}`;
    case "workload":
      return `workload ${p.namespace}/${p.serviceAccount}${p.cluster !== undefined ? ` on cluster ${p.cluster}` : ""}`;
  }
}
