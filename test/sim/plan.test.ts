import { describe, expect, it } from "vitest";
import { buildPlan, formatPlan, shortType } from "../../sim/plan";
import type { RecordedResourceLike } from "../../sim/model";

const stack: RecordedResourceLike = {
  type: "pulumi:pulumi:Stack",
  name: "proj-dev",
  urn: "urn:stack",
  custom: false,
  id: "",
  order: 0,
  inputs: {},
  outputs: {},
};
const node = (
  type: string,
  name: string,
  parent: string | undefined,
  custom: boolean,
  order: number,
): RecordedResourceLike => ({
  type,
  name,
  urn: `urn:${name}`,
  ...(parent !== undefined ? { parent } : {}),
  custom,
  id: name,
  order,
  inputs: {},
  outputs: {},
});

describe("buildPlan", () => {
  const list = [
    stack,
    node("zerocred:identity:UserAssignedIdentity", "orders", "urn:stack", false, 1),
    node(
      "azure-native:managedidentity:UserAssignedIdentity",
      "orders-identity",
      "urn:orders",
      true,
      2,
    ),
    node(
      "azure-native:managedidentity:FederatedIdentityCredential",
      "orders-fic-a",
      "urn:orders",
      true,
      3,
    ),
    node(
      "azure-native:managedidentity:FederatedIdentityCredential",
      "orders-fic-b",
      "urn:orders",
      true,
      4,
    ),
    node("azure-native:resources:ResourceGroup", "rg", "urn:stack", true, 5),
  ];
  it("groups by parent chain with counts", () => {
    const plan = buildPlan(list);
    expect(plan.total).toBe(4);
    expect(plan.components).toBe(1);
    expect(plan.counts).toEqual({
      "azure-native:managedidentity:FederatedIdentityCredential": 2,
      "azure-native:managedidentity:UserAssignedIdentity": 1,
      "azure-native:resources:ResourceGroup": 1,
    });
    expect(plan.roots.map((r) => [r.name, r.total, r.children.length])).toEqual([
      ["orders", 3, 3],
      ["rg", 1, 0],
    ]);
    expect(formatPlan(plan)).toBe(
      [
        "▸ identity:UserAssignedIdentity  orders  (2 managedidentity:FederatedIdentityCredential, 1 managedidentity:UserAssignedIdentity)",
        "  + managedidentity:UserAssignedIdentity  orders-identity",
        "  + managedidentity:FederatedIdentityCredential  orders-fic-a",
        "  + managedidentity:FederatedIdentityCredential  orders-fic-b",
        "+ resources:ResourceGroup  rg",
        "4 resources to create in 1 component",
      ].join("\n"),
    );
  });
  it("shortens type tokens", () => {
    expect(shortType("kubernetes:batch/v1:Job")).toBe("batch/v1:Job");
    expect(shortType("pulumi:pulumi:Stack")).toBe("pulumi:Stack");
    expect(shortType("odd")).toBe("odd");
  });
});
