/**
 * The plan: resources grouped by component (their parent chain), with counts — like a preview.
 */
import type { RecordedResourceLike } from "./model";

export interface PlanNode {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  readonly custom: boolean;
  readonly children: PlanNode[];
  /** Custom resources in this subtree, by type token. */
  readonly counts: Record<string, number>;
  /** Custom resources in this subtree. */
  readonly total: number;
}
export interface Plan {
  /** Top-level resources (no parent, or the stack as parent), in registration order. */
  readonly roots: PlanNode[];
  /** Custom resources by type token, sorted by type. */
  readonly counts: Record<string, number>;
  readonly total: number;
  readonly components: number;
}

const STACK_TYPE = "pulumi:pulumi:Stack";

/** Groups recorded resources by their parent chain. Pure. */
export function buildPlan(resources: readonly RecordedResourceLike[]): Plan {
  const sorted = [...resources].sort((a, b) => a.order - b.order);
  const byUrn = new Map(sorted.map((r) => [r.urn, r]));
  const kids = new Map<string, RecordedResourceLike[]>();
  const roots: RecordedResourceLike[] = [];
  for (const r of sorted) {
    if (r.type === STACK_TYPE) {
      continue;
    }
    const parent = r.parent !== undefined ? byUrn.get(r.parent) : undefined;
    if (parent === undefined || parent.type === STACK_TYPE) {
      roots.push(r);
    } else {
      const list = kids.get(parent.urn) ?? [];
      list.push(r);
      kids.set(parent.urn, list);
    }
  }
  const build = (r: RecordedResourceLike, seen: Set<string>): PlanNode => {
    seen.add(r.urn);
    const children = (kids.get(r.urn) ?? [])
      .filter((c) => !seen.has(c.urn))
      .map((c) => build(c, seen));
    const counts: Record<string, number> = {};
    if (r.custom) {
      counts[r.type] = 1;
    }
    for (const c of children) {
      for (const [t, n] of Object.entries(c.counts)) {
        counts[t] = (counts[t] ?? 0) + n;
      }
    }
    return {
      urn: r.urn,
      type: r.type,
      name: r.name,
      custom: r.custom,
      children,
      counts: sortKeys(counts),
      total: Object.values(counts).reduce((s, n) => s + n, 0),
    };
  };
  const seen = new Set<string>();
  const rootNodes = roots.map((r) => build(r, seen));
  const counts: Record<string, number> = {};
  for (const r of sorted) {
    if (r.custom) {
      counts[r.type] = (counts[r.type] ?? 0) + 1;
    }
  }
  return {
    roots: rootNodes,
    counts: sortKeys(counts),
    total: Object.values(counts).reduce((s, n) => s + n, 0),
    components: sorted.filter((r) => !r.custom && r.type !== STACK_TYPE).length,
  };
}

function sortKeys(o: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
}

/** `azure-native:keyvault:Vault` → `keyvault:Vault`; `kubernetes:batch/v1:Job` → `batch/v1:Job`. */
export function shortType(type: string): string {
  const parts = type.split(":");
  return parts.length >= 3 ? parts.slice(1).join(":") : type;
}

/** A preview-like tree: components with their custom-resource counts, custom resources as leaves. */
export function formatPlan(plan: Plan): string {
  const lines: string[] = [];
  const walk = (n: PlanNode, depth: number) => {
    const pad = "  ".repeat(depth);
    if (n.custom && n.children.length === 0) {
      lines.push(`${pad}+ ${shortType(n.type)}  ${n.name}`);
      return;
    }
    const summary = Object.entries(n.counts)
      .map(([t, c]) => `${c} ${shortType(t)}`)
      .join(", ");
    lines.push(
      `${pad}${n.custom ? "+" : "▸"} ${shortType(n.type)}  ${n.name}${summary ? `  (${summary})` : ""}`,
    );
    for (const c of n.children) {
      walk(c, depth + 1);
    }
  };
  for (const r of plan.roots) {
    walk(r, 0);
  }
  lines.push(
    `${plan.total} resource${plan.total === 1 ? "" : "s"} to create in ${plan.components} component${plan.components === 1 ? "" : "s"}`,
  );
  return lines.join("\n");
}
