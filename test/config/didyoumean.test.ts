import { describe, expect, it } from "vitest";
import { didYouMean, formatPath, editDistance } from "../../infra/config";

describe("editDistance", () => {
  it.each([
    ["", "", 0],
    ["abc", "", 3],
    ["", "abc", 3],
    ["network", "network", 0],
    ["netwrk", "network", 1],
    ["kitten", "sitting", 3],
    ["flaw", "lawn", 2],
    ["vm", "VM", 2],
    ["identites", "identities", 1],
    ["nmae", "name", 1],
    ["ab", "ba", 1],
    ["ca", "abc", 3],
  ] as const)("editDistance(%j, %j) = %i", (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
    expect(editDistance(b, a)).toBe(d);
  });
});

describe("didYouMean", () => {
  const keys = ["prefix", "environment", "deployer", "network", "vm", "aks", "identities", "name"];
  it.each([
    ["netwrk", "network"],
    ["Network", "network"],
    ["identites", "identities"],
    ["prefx", "prefix"],
    ["enviroment", "environment"],
    ["akss", "aks"],
    ["vms", "vm"],
    ["nmae", "name"],
    ["newtork", "network"],
  ] as const)("suggests %j for %j", (input, expected) => {
    expect(didYouMean(input, keys)).toBe(expected);
  });

  it.each(["colour", "zzzzzz", "subscription", "", "x", "qq"])(
    "suggests nothing for %j",
    (input) => {
      expect(didYouMean(input, keys)).toBeUndefined();
    },
  );

  it("prefers the closest candidate, then the earlier one on ties", () => {
    expect(didYouMean("cat", ["cart", "cut", "cast"])).toBe("cart");
    expect(didYouMean("abcd", ["abcx", "abcd"])).toBe("abcd");
  });

  it("returns nothing for an empty candidate list", () => {
    expect(didYouMean("network", [])).toBeUndefined();
  });
});

describe("formatPath", () => {
  it.each([
    [["zerocred:prefix"], "zerocred:prefix"],
    [["zerocred:vm", "sshPublicKey"], "zerocred:vm.sshPublicKey"],
    [["zerocred:workloads", 1, "identity"], "zerocred:workloads[1].identity"],
    [["zerocred:network", "allowedIpRanges", 0], "zerocred:network.allowedIpRanges[0]"],
  ] as const)("%j → %s", (parts, text) => {
    expect(formatPath(parts)).toBe(text);
  });
});
