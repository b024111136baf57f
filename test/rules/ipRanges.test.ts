/** IPv4/CIDR parsing and the one allowed-IP-range rule, with boundary rows on both sides of each bound. */
import { describe, expect, it } from "vitest";
import {
  allowedIpRangeProblem,
  allowedIpRangeReason,
  cidrContainsIp,
  cidrsOverlap,
  formatCidr,
  MIN_ALLOWED_IP_RANGE_PREFIX,
  parseCidr,
  parseIpv4,
  tryParseCidr,
} from "../../components/rules/ipRanges";

describe("parseIpv4", () => {
  it.each([
    ["0.0.0.0", 0],
    ["255.255.255.255", 4294967295],
    ["10.42.0.1", 170524673],
  ] as const)("%s → %i", (ip, n) => {
    expect(parseIpv4(ip)).toBe(n);
  });
  it.each(["256.0.0.0", "1.2.3", "1.2.3.4.5", "01.2.3.4", "1.2.3.-1", " 1.2.3.4", "a.b.c.d", ""])(
    "rejects %j",
    (ip) => {
      expect(parseIpv4(ip)).toBeUndefined();
    },
  );
});

describe("tryParseCidr / parseCidr", () => {
  it("accepts prefixes 0 and 32 and rejects 33", () => {
    expect(tryParseCidr("0.0.0.0/0")).toEqual({ block: { base: 0, prefix: 0, size: 4294967296 } });
    expect(tryParseCidr("203.0.113.7/32")).toEqual({
      block: { base: 3405803783, prefix: 32, size: 1 },
    });
    expect(tryParseCidr("203.0.113.7/33")).toEqual({ problem: { kind: "syntax" } });
  });
  it("names the network address when host bits are set", () => {
    expect(tryParseCidr("10.42.1.0/16")).toEqual({
      problem: { kind: "host-bits", network: "10.42.0.0/16" },
    });
    expect(() => parseCidr("10.42.1.0/16", "podCidr")).toThrow(
      'podCidr: "10.42.1.0/16" has host bits set. Use the network address 10.42.0.0/16.',
    );
    expect(() => parseCidr("10.42.0.0", "podCidr")).toThrow(
      'podCidr: "10.42.0.0" is not an IPv4 CIDR block. Use the form a.b.c.d/n, e.g. 10.42.0.0/16.',
    );
  });
  it("takes a bare address as a /32 only when asked", () => {
    expect(tryParseCidr("203.0.113.7")).toEqual({ problem: { kind: "syntax" } });
    expect(tryParseCidr("203.0.113.7", { allowBareAddress: true })).toEqual({
      block: { base: 3405803783, prefix: 32, size: 1 },
    });
  });
  it("overlap and containment are inclusive of the first and last address only", () => {
    const a = parseCidr("10.0.0.0/24");
    expect(cidrsOverlap(a, parseCidr("10.0.0.255/32"))).toBe(true);
    expect(cidrsOverlap(a, parseCidr("10.0.1.0/32"))).toBe(false);
    expect(cidrContainsIp(a, parseIpv4("10.0.0.0")!)).toBe(true);
    expect(cidrContainsIp(a, parseIpv4("9.255.255.255")!)).toBe(false);
    expect(formatCidr(a)).toBe("10.0.0.0/24");
  });
});

describe("allowedIpRangeProblem: the Key Vault firewall's and the AKS API server's one rule", () => {
  it("allows at most a /8", () => {
    expect(MIN_ALLOWED_IP_RANGE_PREFIX).toBe(8);
    expect(allowedIpRangeProblem("11.0.0.0/8")).toBeUndefined();
    expect(allowedIpRangeProblem("12.0.0.0/7")).toEqual({ kind: "too-broad", prefix: 7 });
    expect(allowedIpRangeProblem("0.0.0.0/0")).toEqual({ kind: "too-broad", prefix: 0 });
  });
  it.each([
    // [address, expected problem range or undefined] — the last public address before each
    // non-public range, its first address, its last, and the first public one after it.
    ["0.255.255.255", "0.0.0.0/8"],
    ["1.0.0.0", undefined],
    ["9.255.255.255", undefined],
    ["10.0.0.0", "10.0.0.0/8"],
    ["10.255.255.255", "10.0.0.0/8"],
    ["11.0.0.0", undefined],
    ["100.63.255.255", undefined],
    ["100.64.0.0", "100.64.0.0/10"],
    ["100.127.255.255", "100.64.0.0/10"],
    ["100.128.0.0", undefined],
    ["126.255.255.255", undefined],
    ["127.0.0.1", "127.0.0.0/8"],
    ["128.0.0.0", undefined],
    ["169.253.255.255", undefined],
    ["169.254.0.0", "169.254.0.0/16"],
    ["169.255.0.0", undefined],
    ["172.15.255.255", undefined],
    ["172.16.0.0", "172.16.0.0/12"],
    ["172.31.255.255", "172.16.0.0/12"],
    ["172.32.0.0", undefined],
    ["192.167.255.255", undefined],
    ["192.168.0.0", "192.168.0.0/16"],
    ["192.168.255.255", "192.168.0.0/16"],
    ["192.169.0.0", undefined],
    ["223.255.255.255", undefined],
    ["224.0.0.0", "224.0.0.0/3"],
    ["255.255.255.255", "224.0.0.0/3"],
  ] as const)("%s → %s", (address, range) => {
    const problem = allowedIpRangeProblem(address);
    expect(problem?.kind === "not-public" ? problem.range : problem).toBe(range);
  });
  it("rejects a public block that only overlaps a private range", () => {
    expect(allowedIpRangeProblem("172.0.0.0/10")).toEqual({
      kind: "not-public",
      range: "172.16.0.0/12",
      what: "private (RFC 1918)",
    });
  });
  it("rejects host bits and non-IPv4 values with the shared reasons", () => {
    expect(allowedIpRangeProblem("203.0.113.5/24")).toEqual({
      kind: "host-bits",
      network: "203.0.113.0/24",
    });
    expect(allowedIpRangeProblem("2001:db8::/32")).toEqual({ kind: "syntax" });
    expect(
      [
        { kind: "syntax" } as const,
        { kind: "host-bits", network: "203.0.113.0/24" } as const,
        { kind: "too-broad", prefix: 4 } as const,
        { kind: "not-public", range: "10.0.0.0/8", what: "private (RFC 1918)" } as const,
      ].map(allowedIpRangeReason),
    ).toEqual([
      "is not an IPv4 address or CIDR block",
      "has host bits set (its network address is 203.0.113.0/24)",
      "is too broad (a /4: at most a /8 is allowed)",
      "is in the private (RFC 1918) range 10.0.0.0/8, and only public addresses are allowed",
    ]);
  });
});
