/**
 * ARM resource ids and role assignment scopes, compared the way Azure Resource Manager compares them:
 * case-insensitively, on `/` segment boundaries. Components, the policy pack, the simulation's model and
 * diagnoses and the Key Vault RBAC emulator all call this module. Pure, no imports.
 *
 * Facts: resource ids are case-insensitive
 * (https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules — "Resource
 * and resource group names are case-insensitive"); a role assignment applies at its scope and every
 * child scope; the scope levels are management group, subscription, resource group and resource, and
 * `/` is the root scope (https://learn.microsoft.com/azure/role-based-access-control/scope-overview).
 */

export interface ParsedArmId {
  readonly subscriptionId?: string;
  readonly resourceGroup?: string;
  /** `type/name` pairs after `/providers/<namespace>`, e.g. [{vaults, kv1}, {secrets, canary}]. */
  readonly segments: { readonly type: string; readonly name: string }[];
  /** The resource provider namespace, e.g. `Microsoft.KeyVault` (the last `/providers/<ns>`). */
  readonly provider?: string;
}

/** Parses an ARM resource id. Tolerant: unknown shapes give empty fields, never an exception. */
export function parseArmId(id: string): ParsedArmId {
  const parts = id.split("/").filter((p) => p.length > 0);
  let subscriptionId: string | undefined;
  let resourceGroup: string | undefined;
  let provider: string | undefined;
  const segments: { type: string; name: string }[] = [];
  let i = 0;
  while (i < parts.length) {
    const key = parts[i].toLowerCase();
    if (key === "subscriptions" && subscriptionId === undefined) {
      subscriptionId = parts[i + 1];
    } else if (key === "resourcegroups" && resourceGroup === undefined) {
      resourceGroup = parts[i + 1];
    } else if (key === "providers") {
      provider = parts[i + 1];
    } else {
      segments.push({ type: parts[i], name: parts[i + 1] ?? "" });
    }
    i += 2;
  }
  return { subscriptionId, resourceGroup, segments, provider };
}

/** The comparable form of an ARM id or scope: trimmed, without trailing slashes, lowercase. `/` → `""`. */
export function normalizeArmId(id: string): string {
  return id.trim().replace(/\/+$/, "").toLowerCase();
}

/** True when two ARM ids name the same thing (case-insensitive, trailing slashes ignored). */
export function armIdsEqual(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && normalizeArmId(a) === normalizeArmId(b);
}

/**
 * True when two GUIDs (principal, client, tenant, role definition ids) are the same: GUIDs are
 * case-insensitive, and Entra and ARM return them in either case.
 */
export function guidsEqual(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && a.trim().toLowerCase() === b.trim().toLowerCase();
}

/** True for the root scope `/` (one or more slashes, nothing else). */
export function isRootScope(scope: string): boolean {
  return /^\/+$/.test(scope.trim());
}

/**
 * True when a role assignment at `scope` applies to `resourceId`: the root scope `/` covers everything;
 * otherwise the scope is the id itself or an ancestor ending on a segment boundary
 * (`/subscriptions/s/resourceGroups/rg` covers `…/rg/providers/…` but not `…/rg2`), compared
 * case-insensitively. An empty scope (missing or unresolved) covers nothing.
 */
export function scopeCovers(scope: string, resourceId: string): boolean {
  if (isRootScope(scope)) {
    return true;
  }
  const s = normalizeArmId(scope);
  const r = normalizeArmId(resourceId);
  return s !== "" && (r === s || r.startsWith(`${s}/`));
}

/** The scope levels broader than one resource. */
export type BroadScopeKind = "root" | "management group" | "subscription" | "resource group";

/**
 * The kind of `scope` when it is broader than one resource: the root `/`, a management group, a
 * subscription or a resource group; `undefined` for a resource (or anything inside one) and for an
 * empty scope.
 */
export function broadScopeKind(scope: string): BroadScopeKind | undefined {
  if (isRootScope(scope)) {
    return "root";
  }
  const s = scope.trim().replace(/\/+$/, "");
  if (/^\/providers\/Microsoft\.Management\/managementGroups\/[^/]+$/i.test(s)) {
    return "management group";
  }
  if (/^\/subscriptions\/[^/]+$/i.test(s)) {
    return "subscription";
  }
  if (/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+$/i.test(s)) {
    return "resource group";
  }
  return undefined;
}

/** The vault name when `scope` is a Key Vault or something inside one (a secret, a key…). */
export function vaultNameInScope(scope: string): string | undefined {
  const m = /\/providers\/Microsoft\.KeyVault\/vaults\/([^/]+)(?:\/.*)?$/i.exec(scope.trim());
  return m ? m[1] : undefined;
}
