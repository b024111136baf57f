import { describe, expect, it } from "vitest";
import { compareRuns, diffPaths, formatIdempotency } from "../../sim/idempotency";
import * as f from "./fixtures";

describe("compareRuns", () => {
  it("reports 0 changes for identical runs", () => {
    const r = compareRuns(f.healthy(), f.healthy());
    expect(r).toEqual({ changes: 0, differing: [], added: [], removed: [] });
    expect(formatIdempotency(r)).toBe("second run: 0 changes");
  });

  it("lists differing input paths, added and removed resources", () => {
    const first = f.healthy();
    const second = f.replace(
      f.replace(
        f.healthy(),
        "orders-reads",
        f.ra("orders-reads", "p-orders", f.SECRETS_USER, `${f.SUB}/resourceGroups/rg1`),
      ),
      "vm1",
      undefined,
    );
    second.push(f.uai("extra"));
    const r = compareRuns(first, second);
    expect(r).toEqual({
      changes: 3,
      differing: [
        {
          urn: "urn:pulumi:dev::proj::azure-native:authorization:RoleAssignment::orders-reads",
          keys: ["scope"],
        },
      ],
      added: ["urn:pulumi:dev::proj::azure-native:managedidentity:UserAssignedIdentity::extra"],
      removed: ["urn:pulumi:dev::proj::azure-native:compute:VirtualMachine::vm1"],
    });
    expect(formatIdempotency(r)).toBe(
      [
        "second run: 3 changes",
        "  ~ urn:pulumi:dev::proj::azure-native:authorization:RoleAssignment::orders-reads: scope",
        "  + urn:pulumi:dev::proj::azure-native:managedidentity:UserAssignedIdentity::extra",
        "  - urn:pulumi:dev::proj::azure-native:compute:VirtualMachine::vm1",
      ].join("\n"),
    );
  });
});

describe("diffPaths", () => {
  it("walks objects and arrays", () => {
    expect(
      diffPaths({ a: 1, b: { c: [1, 2], d: "x" } }, { a: 1, b: { c: [1, 3], d: "y", e: true } }),
    ).toEqual(["b.c[1]", "b.d", "b.e"]);
    expect(diffPaths([1], [1, 2])).toEqual(["(root)"]);
    expect(diffPaths({ tags: [1] }, { tags: [1, 2] })).toEqual(["tags"]);
    expect(diffPaths(null, null)).toEqual([]);
  });
});
