import { describe, expect, it } from "vitest";
import {
  buildTimeline,
  creationTimeOf,
  dependencyGraph,
  formatDuration,
  formatTimeline,
} from "../../sim/timeline";
import type { RecordedResourceLike } from "../../sim/model";

let order = 0;
function r(
  type: string,
  name: string,
  extra: Partial<RecordedResourceLike> = {},
): RecordedResourceLike {
  return {
    type,
    name,
    urn: `urn:${name}`,
    custom: true,
    id: name,
    order: order++,
    inputs: {},
    outputs: {},
    ...extra,
  };
}
const RG = "azure-native:resources:ResourceGroup";
const KV = "azure-native:keyvault:Vault";
const UAI = "azure-native:managedidentity:UserAssignedIdentity";
const RA = "azure-native:authorization:RoleAssignment";

describe("buildTimeline", () => {
  it("takes the longest branch of a diamond as the critical path", () => {
    const diamond = [
      r(RG, "a", { dependencies: [] }),
      r(KV, "b", { dependencies: ["urn:a"] }),
      r(UAI, "c", { dependencies: ["urn:a"] }),
      r(RA, "d", { dependencies: ["urn:b", "urn:c"] }),
    ];
    const t = buildTimeline(diamond);
    expect(t.criticalPath.map((c) => [c.name, c.seconds])).toEqual([
      ["a", 3],
      ["b", 30],
      ["d", 5],
    ]);
    expect(t.estimatedSeconds).toBe(38);
    expect(t.sequentialSeconds).toBe(48);
    expect(t.dependencySource).toBe("recorded");
    expect(t.entries.map((e) => [e.name, e.start, e.finish, e.onCriticalPath])).toEqual([
      ["a", 0, 3, true],
      ["c", 3, 13, false],
      ["b", 3, 33, true],
      ["d", 33, 38, true],
    ]);
    expect(formatTimeline(t)).toBe(
      [
        "Estimated deploy time: 38s (one after another: 48s)",
        "Critical path (recorded dependencies):",
        "       3s  resources:ResourceGroup  a",
        "      30s  keyvault:Vault  b",
        "       5s  authorization:RoleAssignment  d",
      ].join("\n"),
    );
  });

  it("expands a dependency on a component to its custom descendants", () => {
    const comp: RecordedResourceLike = {
      type: "zerocred:x:Comp",
      name: "comp",
      urn: "urn:comp",
      custom: false,
      id: "",
      order: 0,
      inputs: {},
      outputs: {},
      dependencies: [],
    };
    const list = [
      comp,
      r(KV, "inner", { parent: "urn:comp", dependencies: [] }),
      r(RA, "after", { dependencies: ["urn:comp"] }),
    ];
    expect(dependencyGraph(list).get("urn:after")).toEqual(["urn:inner"]);
    expect(buildTimeline(list).estimatedSeconds).toBe(35);
  });

  it("ignores a dependency on its own ancestor component", () => {
    const comp: RecordedResourceLike = {
      type: "zerocred:x:Comp",
      name: "comp",
      urn: "urn:comp",
      custom: false,
      id: "",
      order: 0,
      inputs: {},
      outputs: {},
      dependencies: [],
    };
    const list = [comp, r(KV, "self", { parent: "urn:comp", dependencies: ["urn:comp"] })];
    expect(dependencyGraph(list).get("urn:self")).toEqual([]);
  });

  it("waits for the provider a resource is created through", () => {
    const aks = r("azure-native:containerservice:ManagedCluster", "aks", { dependencies: [] });
    const prov = r("pulumi:providers:kubernetes", "k8s", { dependencies: ["urn:aks"] });
    const sa = r("kubernetes:core/v1:ServiceAccount", "sa", {
      dependencies: [],
      provider: "urn:k8s::provider-id",
    });
    const t = buildTimeline([aks, prov, sa]);
    expect(t.criticalPath.map((c) => c.name)).toEqual(["aks", "k8s", "sa"]);
    expect(t.estimatedSeconds).toBe(481);
  });

  it("falls back to the nearest custom ancestor when no dependencies were recorded", () => {
    const list = [r(KV, "v"), r("azure-native:keyvault:Secret", "s", { parent: "urn:v" })];
    const t = buildTimeline(list);
    expect(t.dependencySource).toBe("parent");
    expect(t.estimatedSeconds).toBe(33);
  });
});

describe("creation time table", () => {
  it("matches exact tokens, then prefixes, then the default", () => {
    expect(creationTimeOf("azure-native:containerservice:ManagedCluster").seconds).toBe(480);
    expect(creationTimeOf("kubernetes:core/v1:Secret").seconds).toBe(2);
    expect(creationTimeOf("random:index/randomPassword:RandomPassword").seconds).toBe(0);
    expect(creationTimeOf("azure-native:storage:StorageAccount")).toEqual({
      type: "*",
      seconds: 10,
      source: "typical estimate for an ARM write of an unlisted type",
      estimate: true,
    });
  });
  it("formats durations", () => {
    expect([0, 45, 60, 500].map(formatDuration)).toEqual(["0s", "45s", "1m", "8m 20s"]);
  });
});
