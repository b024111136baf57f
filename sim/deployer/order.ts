/**
 * The order in which the Pulumi engine would create a program's resources, on a virtual clock: a
 * resource starts when everything it depends on (its `dependsOn`, its inputs' resources, its provider)
 * is done. Durations are the fastest Azure could be (every step takes `stepMs`), which is the worst case
 * for anything that has to wait for propagation — a verdict "it has propagated by then" never rests on a
 * guessed slowness of Azure. A resource may declare a wait of its own (a readiness gate).
 */
import type { RecordedResource } from "../cloud";

export interface Scheduled {
  readonly resource: RecordedResource;
  readonly startMs: number;
  readonly endMs: number;
}

/** The provider URN in a resource's `provider` reference (`<urn>::<id>`). */
export function providerUrn(r: RecordedResource): string | undefined {
  if (r.provider === undefined || r.provider === "") {
    return undefined;
  }
  const i = r.provider.lastIndexOf("::");
  return i > 0 ? r.provider.slice(0, i) : r.provider;
}

/**
 * Start and end of every custom resource. `waitMs(r, startMs)` adds a resource's own wait (e.g. a gate
 * polling authorization); defaults to none.
 */
export function schedule(
  resources: readonly RecordedResource[],
  opts: { stepMs?: number; waitMs?: (r: RecordedResource, startMs: number) => number } = {},
): Scheduled[] {
  const stepMs = opts.stepMs ?? 1000;
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const done = new Map<string, Scheduled>();
  const visiting = new Set<string>();
  const visit = (r: RecordedResource): number => {
    const known = done.get(r.urn);
    if (known !== undefined) {
      return known.endMs;
    }
    if (visiting.has(r.urn)) {
      return 0; // a cycle cannot be deployed; the engine reports it elsewhere
    }
    visiting.add(r.urn);
    const deps = [...r.dependencies, ...(providerUrn(r) ? [providerUrn(r)!] : [])];
    let startMs = 0;
    for (const urn of deps) {
      const dep = byUrn.get(urn);
      if (dep !== undefined) {
        startMs = Math.max(startMs, visit(dep));
      }
    }
    const own = r.custom ? stepMs + (opts.waitMs?.(r, startMs) ?? 0) : 0;
    const s = { resource: r, startMs, endMs: startMs + own };
    done.set(r.urn, s);
    visiting.delete(r.urn);
    return s.endMs;
  };
  resources.forEach(visit);
  return [...done.values()].sort(
    (a, b) => a.startMs - b.startMs || a.resource.order - b.resource.order,
  );
}
