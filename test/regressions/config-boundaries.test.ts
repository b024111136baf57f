/**
 * Every bounded config value at both sides of each bound: the last accepted value and the first
 * rejected one (by path). An off-by-one (`<` for `<=`, a /8 limit read as /9) fails a row here.
 */
import { describe, expect, it } from "vitest";
import { ConfigError, parseStackConfig } from "../../infra/config";
import { edited } from "../config/fixtures";

/** The paths of the issues the dev stack with `changes` has (empty when it is valid). */
function issuePaths(changes: Record<string, unknown>): string[] {
  try {
    parseStackConfig(edited(changes));
    return [];
  } catch (e) {
    if (e instanceof ConfigError) {
      return e.issues.map((i) => i.path);
    }
    throw e;
  }
}

const workloads = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    name: `w${i}`,
    namespace: "shop",
    serviceAccount: `sa${i}`,
    identity: "orders",
  }));

const NODE = "zerocred:aks.nodeCount";
const TIMEOUT = "zerocred:verification.timeoutSeconds";
const SPACE = "zerocred:network.addressSpace";
const RANGES = "zerocred:network.allowedIpRanges";

describe("config boundaries (accepted | rejected)", () => {
  it.each([
    ["nodeCount lower bound", { [NODE]: 1 }, { [NODE]: 0 }, NODE],
    ["nodeCount upper bound", { [NODE]: 100 }, { [NODE]: 101 }, NODE],
    ["timeoutSeconds lower bound", { [TIMEOUT]: 60 }, { [TIMEOUT]: 59 }, TIMEOUT],
    ["timeoutSeconds upper bound", { [TIMEOUT]: 3600 }, { [TIMEOUT]: 3601 }, TIMEOUT],
    [
      "addressSpace smallest (/19)",
      { [SPACE]: "10.42.0.0/19" },
      { [SPACE]: "10.42.0.0/20" },
      SPACE,
    ],
    ["addressSpace largest (/8)", { [SPACE]: "10.0.0.0/8" }, { [SPACE]: "10.0.0.0/7" }, SPACE],
    [
      "allowed range broadest (/8)",
      { [RANGES]: ["11.0.0.0/8"] },
      { [RANGES]: ["12.0.0.0/7"] },
      `${RANGES}[0]`,
    ],
    [
      "allowed range below 10/8",
      { [RANGES]: ["9.255.255.255"] },
      { [RANGES]: ["10.0.0.0"] },
      `${RANGES}[0]`,
    ],
    [
      "allowed range above 10/8",
      { [RANGES]: ["11.0.0.0"] },
      { [RANGES]: ["10.255.255.255"] },
      `${RANGES}[0]`,
    ],
    [
      "allowed range below 172.16/12",
      { [RANGES]: ["172.15.255.255"] },
      { [RANGES]: ["172.16.0.0"] },
      `${RANGES}[0]`,
    ],
    [
      "allowed range above 172.16/12",
      { [RANGES]: ["172.32.0.0"] },
      { [RANGES]: ["172.31.255.255"] },
      `${RANGES}[0]`,
    ],
    [
      "allowed range below multicast",
      { [RANGES]: ["223.255.255.255"] },
      { [RANGES]: ["224.0.0.0"] },
      `${RANGES}[0]`,
    ],
    [
      "allowed range /32",
      { [RANGES]: ["203.0.113.7/32"] },
      { [RANGES]: ["203.0.113.7/33"] },
      `${RANGES}[0]`,
    ],
    [
      "workload name length (60)",
      { "zerocred:workloads[1].name": "r".repeat(60) },
      { "zerocred:workloads[1].name": "r".repeat(61) },
      "zerocred:workloads[1].name",
    ],
    [
      "workloads per identity (20, Azure's federated credential limit)",
      { "zerocred:workloads": workloads(20) },
      { "zerocred:workloads": workloads(21) },
      "zerocred:workloads[20].identity",
    ],
  ] as const)("%s", (_label, accepted, rejected, path) => {
    expect(issuePaths(accepted)).toEqual([]);
    expect(issuePaths(rejected)).toContain(path);
  });
});
