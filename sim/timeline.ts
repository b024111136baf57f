/**
 * A deploy timeline estimate: each resource's typical Azure creation time, the critical path through
 * the real dependencies the simulated cloud recorded (dependsOn ∪ property dependencies, plus the
 * provider a resource is created through), and the estimated deploy time vs running the same steps
 * one after another. Pure functions.
 *
 * The figures are TYPICAL ESTIMATES unless `estimate: false`: Azure publishes no SLA for creation
 * times and they vary by region, size and load. Each row says where its figure comes from.
 */
import type { RecordedResourceLike } from "./model";

export interface CreationTime {
  /** A full type token, or a prefix ending with `:` (e.g. `kubernetes:`). */
  readonly type: string;
  readonly seconds: number;
  /** Where the figure comes from. */
  readonly source: string;
  /** True when the figure is a typical estimate rather than a documented or measured value. */
  readonly estimate: boolean;
}

export const CREATION_TIMES: readonly CreationTime[] = [
  {
    type: "azure-native:resources:ResourceGroup",
    seconds: 3,
    // A resource group is a metadata-only ARM write.
    source: "typical estimate: metadata-only ARM write (a few seconds)",
    estimate: true,
  },
  {
    type: "azure-native:network:VirtualNetwork",
    seconds: 10,
    source: "typical estimate: ARM network writes complete in seconds",
    estimate: true,
  },
  {
    type: "azure-native:network:Subnet",
    seconds: 5,
    // Subnets of one VNet are serialized by ARM (AnotherOperationInProgress), pulumi-azure-native retries it (client_azcore.go).
    source:
      "typical estimate; writes to one VNet are serialized by ARM (AnotherOperationInProgress, retried by pulumi-azure-native client_azcore.go)",
    estimate: true,
  },
  {
    type: "azure-native:network:NetworkSecurityGroup",
    seconds: 5,
    source: "typical estimate: ARM network writes complete in seconds",
    estimate: true,
  },
  {
    type: "azure-native:network:NetworkInterface",
    seconds: 5,
    source: "typical estimate: ARM network writes complete in seconds",
    estimate: true,
  },
  {
    type: "azure-native:compute:VirtualMachine",
    seconds: 90,
    // Microsoft Learn Linux VM quickstarts: "It takes a few minutes to create the VM and supporting resources."
    source:
      'typical estimate (Microsoft Learn Linux VM quickstart: "a few minutes" including supporting resources)',
    estimate: true,
  },
  {
    type: "azure-native:compute:VirtualMachineRunCommandByVirtualMachine",
    seconds: 60,
    // Synchronous run command: extension start + script (token retries) — see pitfalls.md §7.
    source:
      "typical estimate: synchronous managed run command (extension start + the verifier's own retries), pitfalls.md §7",
    estimate: true,
  },
  {
    type: "azure-native:managedidentity:UserAssignedIdentity",
    seconds: 10,
    source: "typical estimate: ARM write plus Entra service principal creation",
    estimate: true,
  },
  {
    type: "azure-native:managedidentity:FederatedIdentityCredential",
    seconds: 4,
    // FIC considerations doc: UAI create/update throttled at 0.25 requests/second per resource → ≥ 4 s per serialized write.
    source:
      "Microsoft Learn 'Important considerations and restrictions for federated identity credentials': 0.25 writes/s per identity, so ≥ 4 s per chained write; Entra propagation (up to ~60 s, hashicorp/web-unified-docs PR #3211) is not creation time",
    estimate: false,
  },
  {
    type: "azure-native:authorization:RoleAssignment",
    seconds: 5,
    // Creation returns quickly; RBAC propagation (minutes) is separate — pitfalls.md §3, Azure/azure-cli#22510.
    source:
      "typical estimate for the ARM write; RBAC propagation afterwards takes minutes (Microsoft Learn Q&A 'Azure RBAC propagation latency'; Azure/azure-cli#22510) and is not counted",
    estimate: true,
  },
  {
    type: "azure-native:keyvault:Vault",
    seconds: 30,
    source: "typical estimate: vault creation including DNS registration of <name>.vault.azure.net",
    estimate: true,
  },
  {
    type: "azure-native:keyvault:Secret",
    seconds: 3,
    source: "typical estimate: ARM write of Microsoft.KeyVault/vaults/secrets",
    estimate: true,
  },
  {
    type: "azure-native:containerservice:ManagedCluster",
    seconds: 480,
    // Reports: Azure/AKS#2980 (8 min on a good run, 34 min on a bad one), Azure/AKS#585 (20–30 min in 2018),
    // Azure/acs-engine PR #3721 (~4 min for the underlying 3-node deployment), Azure/AKS#1017 (expected 5–15 min).
    source:
      "typical estimate from reports: Azure/AKS#2980 (8 min on a good run, 34 min on a bad one), Azure/AKS#1017 (expected 5–15 min), Azure/acs-engine PR #3721 (~4 min for the node deployment alone)",
    estimate: true,
  },
  {
    type: "kubernetes:batch/v1:Job",
    seconds: 30,
    // Pulumi awaits Job completion (pitfalls.md §9): scheduling, image pull, the verifier's run.
    source:
      "typical estimate: Pulumi awaits completion (pitfalls.md §9): scheduling, image pull, the verifier's run",
    estimate: true,
  },
  {
    type: "kubernetes:apps/v1:Deployment",
    seconds: 20,
    source: "typical estimate: Pulumi awaits rollout readiness",
    estimate: true,
  },
  {
    type: "kubernetes:core/v1:Namespace",
    seconds: 1,
    source: "typical estimate: a Kubernetes API write",
    estimate: true,
  },
  {
    type: "kubernetes:core/v1:ServiceAccount",
    seconds: 1,
    source: "typical estimate: a Kubernetes API write",
    estimate: true,
  },
  {
    type: "kubernetes:core/v1:ConfigMap",
    seconds: 1,
    source: "typical estimate: a Kubernetes API write",
    estimate: true,
  },
  {
    type: "kubernetes:",
    seconds: 2,
    source: "typical estimate: a Kubernetes API write",
    estimate: true,
  },
  { type: "random:", seconds: 0, source: "computed locally by the provider", estimate: false },
  {
    type: "pulumi:providers:",
    seconds: 0,
    source: "provider configuration, no cloud call",
    estimate: false,
  },
];

export const DEFAULT_CREATION_TIME: CreationTime = {
  type: "*",
  seconds: 10,
  source: "typical estimate for an ARM write of an unlisted type",
  estimate: true,
};

/** The table row for a type (exact token first, then the longest prefix, then the default). */
export function creationTimeOf(
  type: string,
  table: readonly CreationTime[] = CREATION_TIMES,
): CreationTime {
  const exact = table.find((t) => t.type === type);
  if (exact !== undefined) {
    return exact;
  }
  const prefixes = table.filter((t) => t.type.endsWith(":") && type.startsWith(t.type));
  prefixes.sort((a, b) => b.type.length - a.type.length);
  return prefixes[0] ?? DEFAULT_CREATION_TIME;
}

export interface TimelineEntry {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  readonly seconds: number;
  /** Earliest start (s) with unlimited parallelism. */
  readonly start: number;
  readonly finish: number;
  readonly source: string;
  readonly estimate: boolean;
  readonly onCriticalPath: boolean;
  /** Custom resources it waits for (after expanding components). */
  readonly waitsFor: string[];
}
export interface Timeline {
  /** Custom resources only, in start order. */
  readonly entries: TimelineEntry[];
  readonly criticalPath: {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    readonly seconds: number;
  }[];
  /** Length of the critical path: the estimated deploy time with Pulumi's parallelism. */
  readonly estimatedSeconds: number;
  /** Sum of all creation times: running the same steps one after another. */
  readonly sequentialSeconds: number;
  /** `recorded` when the cloud recorded dependencies, `parent` when only parent links were available. */
  readonly dependencySource: "recorded" | "parent";
}

function providerUrn(ref: string | undefined): string | undefined {
  if (ref === undefined || ref === "") {
    return undefined;
  }
  const parts = ref.split("::");
  return parts.length > 1 ? parts.slice(0, -1).join("::") : ref;
}

/**
 * The waits-for graph between custom resources: recorded dependencies (a dependency on a component
 * means its custom descendants), the provider resource, and — when nothing was recorded — the
 * nearest custom ancestor.
 */
export function dependencyGraph(resources: readonly RecordedResourceLike[]): Map<string, string[]> {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const children = new Map<string, RecordedResourceLike[]>();
  for (const r of resources) {
    if (r.parent !== undefined) {
      const list = children.get(r.parent) ?? [];
      list.push(r);
      children.set(r.parent, list);
    }
  }
  const ancestors = (urn: string): Set<string> => {
    const out = new Set<string>();
    let cur = byUrn.get(urn)?.parent;
    while (cur !== undefined && !out.has(cur)) {
      out.add(cur);
      cur = byUrn.get(cur)?.parent;
    }
    return out;
  };
  const customDescendants = (urn: string, exclude: string): string[] => {
    const out: string[] = [];
    const stack = [...(children.get(urn) ?? [])];
    while (stack.length > 0) {
      const c = stack.pop()!;
      if (c.urn === exclude) {
        continue;
      }
      if (c.custom) {
        out.push(c.urn);
      }
      stack.push(...(children.get(c.urn) ?? []));
    }
    return out;
  };
  const graph = new Map<string, string[]>();
  for (const r of resources) {
    if (!r.custom) {
      continue;
    }
    const deps = new Set<string>();
    const recorded = r.dependencies;
    if (recorded !== undefined) {
      const mine = ancestors(r.urn);
      for (const d of recorded) {
        const target = byUrn.get(d);
        if (target === undefined || d === r.urn) {
          continue;
        }
        if (target.custom) {
          deps.add(d);
        } else if (!mine.has(d)) {
          for (const x of customDescendants(d, r.urn)) {
            deps.add(x);
          }
        }
      }
    } else {
      let cur = r.parent;
      while (cur !== undefined) {
        const p = byUrn.get(cur);
        if (p === undefined) {
          break;
        }
        if (p.custom) {
          deps.add(p.urn);
          break;
        }
        cur = p.parent;
      }
    }
    const prov = providerUrn(r.provider);
    if (prov !== undefined && byUrn.has(prov) && prov !== r.urn) {
      deps.add(prov);
    }
    graph.set(r.urn, [...deps]);
  }
  return graph;
}

/** Estimates the deploy timeline. Pure. */
export function buildTimeline(
  resources: readonly RecordedResourceLike[],
  table: readonly CreationTime[] = CREATION_TIMES,
): Timeline {
  const graph = dependencyGraph(resources);
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const finish = new Map<string, number>();
  const via = new Map<string, string | undefined>();
  const visiting = new Set<string>();
  const finishOf = (urn: string): number => {
    const known = finish.get(urn);
    if (known !== undefined) {
      return known;
    }
    if (visiting.has(urn)) {
      return 0; // a cycle cannot happen in Pulumi; ignore the back edge
    }
    visiting.add(urn);
    let start = 0;
    let from: string | undefined;
    for (const d of graph.get(urn) ?? []) {
      const f = finishOf(d);
      if (f > start) {
        start = f;
        from = d;
      }
    }
    visiting.delete(urn);
    const r = byUrn.get(urn)!;
    const f = start + creationTimeOf(r.type, table).seconds;
    finish.set(urn, f);
    via.set(urn, from);
    return f;
  };
  const customs = resources.filter((r) => r.custom);
  for (const r of customs) {
    finishOf(r.urn);
  }
  let end: string | undefined;
  let endF = -1;
  for (const r of customs) {
    const f = finish.get(r.urn)!;
    if (f > endF) {
      endF = f;
      end = r.urn;
    }
  }
  const path: string[] = [];
  for (let cur = end; cur !== undefined; cur = via.get(cur)) {
    path.unshift(cur);
  }
  const onPath = new Set(path);
  const entries: TimelineEntry[] = customs.map((r) => {
    const row = creationTimeOf(r.type, table);
    const f = finish.get(r.urn)!;
    return {
      urn: r.urn,
      type: r.type,
      name: r.name,
      seconds: row.seconds,
      start: f - row.seconds,
      finish: f,
      source: row.source,
      estimate: row.estimate,
      onCriticalPath: onPath.has(r.urn),
      waitsFor: graph.get(r.urn) ?? [],
    };
  });
  entries.sort((a, b) => a.start - b.start || a.finish - b.finish || a.urn.localeCompare(b.urn));
  return {
    entries,
    criticalPath: path.map((urn) => {
      const r = byUrn.get(urn)!;
      return { urn, type: r.type, name: r.name, seconds: creationTimeOf(r.type, table).seconds };
    }),
    estimatedSeconds: Math.max(0, endF),
    sequentialSeconds: customs.reduce((sum, r) => sum + creationTimeOf(r.type, table).seconds, 0),
    dependencySource: resources.some((r) => r.dependencies !== undefined) ? "recorded" : "parent",
  };
}

/** `8m 20s`, `45s`, `0s`. */
export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  const m = Math.floor(s / 60);
  const rest = s % 60;
  return m > 0 ? (rest > 0 ? `${m}m ${rest}s` : `${m}m`) : `${rest}s`;
}

/** A short text rendering: the critical path and the two totals. */
export function formatTimeline(t: Timeline): string {
  const lines = [
    `Estimated deploy time: ${formatDuration(t.estimatedSeconds)} (one after another: ${formatDuration(t.sequentialSeconds)})`,
    `Critical path (${t.dependencySource === "recorded" ? "recorded dependencies" : "parent links only"}):`,
    ...t.criticalPath.map(
      (c) =>
        `  ${formatDuration(c.seconds).padStart(7)}  ${c.type.split(":").slice(1).join(":")}  ${c.name}`,
    ),
  ];
  return lines.join("\n");
}
