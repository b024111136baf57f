/** One edit distance, one "did you mean" threshold (boundaries on both sides). */
import { describe, expect, it } from "vitest";
import {
  didYouMean,
  editDistance,
  nearest,
  typoThreshold,
} from "../../components/rules/didYouMean";

describe("editDistance (optimal string alignment)", () => {
  it.each([
    ["", "", 0],
    ["abc", "", 3],
    ["kitten", "sitting", 3],
    ["ab", "ba", 1],
    ["nmae", "name", 1],
    ["ca", "abc", 3],
    ["vm", "VM", 2],
  ] as const)("%j vs %j = %i", (a, b, d) => {
    expect([editDistance(a, b), editDistance(b, a)]).toEqual([d, d]);
  });
});

describe("typo threshold: max(1, ⌊length/3⌋)", () => {
  it.each([
    ["", 1],
    ["ab", 1],
    ["abcde", 1],
    ["abcdef", 2],
    ["abcdefgh", 2],
    ["abcdefghi", 3],
  ] as const)("%j → %i", (input, limit) => {
    expect(typoThreshold(input)).toBe(limit);
  });

  it("suggests at the threshold and not one past it", () => {
    // "network" (7 chars): limit 2.
    expect(didYouMean("netwrx", ["network"])).toBe("network"); // distance 2
    expect(didYouMean("nxtwrx", ["network"])).toBeUndefined(); // distance 3
  });
  it("is case-insensitive and never 'corrects' into a word shorter than the distance", () => {
    expect(didYouMean("NETWORK", ["network"])).toBe("network");
    expect(didYouMean("x", ["vm"])).toBeUndefined();
    expect(didYouMean("vms", ["vm"])).toBe("vm");
  });
  it("takes the nearest candidate, the earlier one on ties", () => {
    expect(didYouMean("cat", ["cart", "cut", "cast"])).toBe("cart");
    expect(didYouMean("abcd", ["abcx", "abcd"])).toBe("abcd");
  });
  it("suggests the built-in role for a dropped letter, and nothing for an unrelated role", () => {
    const roles = ["Key Vault Secrets User", "Owner", "Reader"];
    expect(didYouMean("Key Vault Secret User", roles)).toBe("Key Vault Secrets User");
    expect(didYouMean("Storage Blob Data Reader", roles)).toBeUndefined();
  });
});

describe("nearest: context, not a suggestion", () => {
  it("returns the nearest however far, case-sensitively, first on ties", () => {
    expect(nearest("shop:orders", ["shop:order", "shop:reports", "x"])).toBe("shop:order");
    expect(nearest("ab", ["ac", "ad"])).toBe("ac");
    expect(nearest("zzzz", ["a"])).toBe("a");
    expect(nearest("ab", [])).toBeUndefined();
  });
});
