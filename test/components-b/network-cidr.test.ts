import { describe, expect, it } from "vitest";
import {
  carveSubnets,
  cidrContainsIp,
  cidrsOverlap,
  formatCidr,
  parseCidr,
  parseIpv4,
} from "../../components/network";

describe("carveSubnets: vm /24 and aks /20 from the VNet address space", () => {
  it.each([
    ["10.42.0.0/16", "10.42.0.0/24", "10.42.16.0/20"],
    ["10.0.0.0/8", "10.0.0.0/24", "10.0.16.0/20"],
    ["172.16.32.0/19", "172.16.32.0/24", "172.16.48.0/20"],
    ["192.168.0.0/18", "192.168.0.0/24", "192.168.16.0/20"],
  ])("%s -> vm %s, aks %s", (space, vm, aks) => {
    expect(carveSubnets(space)).toEqual({
      addressSpace: space,
      vmSubnetPrefix: vm,
      aksSubnetPrefix: aks,
    });
  });

  it("the two subnets never overlap and both lie inside the space", () => {
    for (const space of ["10.42.0.0/16", "10.0.0.0/8", "172.16.32.0/19"]) {
      const layout = carveSubnets(space);
      const s = parseCidr(space);
      const vm = parseCidr(layout.vmSubnetPrefix);
      const aks = parseCidr(layout.aksSubnetPrefix);
      expect(cidrsOverlap(vm, aks)).toBe(false);
      expect(cidrContainsIp(s, vm.base) && cidrContainsIp(s, vm.base + vm.size - 1)).toBe(true);
      expect(cidrContainsIp(s, aks.base) && cidrContainsIp(s, aks.base + aks.size - 1)).toBe(true);
    }
  });

  it.each([
    [
      "10.42.0.0/20",
      'zerocred:network.addressSpace: "10.42.0.0/20" is too small: the vm /24 and the aks /20 need at least a /19. Use a /16 such as 10.42.0.0/16.',
    ],
    [
      "10.42.1.0/16",
      'zerocred:network.addressSpace: "10.42.1.0/16" has host bits set. Use the network address 10.42.0.0/16.',
    ],
    [
      "10.42.0.0",
      'zerocred:network.addressSpace: "10.42.0.0" is not an IPv4 CIDR block. Use the form a.b.c.d/n, e.g. 10.42.0.0/16.',
    ],
    [
      "10.256.0.0/16",
      'zerocred:network.addressSpace: "10.256.0.0/16" is not an IPv4 CIDR block. Use the form a.b.c.d/n, e.g. 10.42.0.0/16.',
    ],
    [
      "10.42.0.0/33",
      'zerocred:network.addressSpace: "10.42.0.0/33" is not an IPv4 CIDR block. Use the form a.b.c.d/n, e.g. 10.42.0.0/16.',
    ],
    [
      "0.0.0.0/0",
      'zerocred:network.addressSpace: "0.0.0.0/0" is larger than a /8. Use a /16 such as 10.42.0.0/16.',
    ],
    [
      "fd00::/8",
      'zerocred:network.addressSpace: "fd00::/8" is not an IPv4 CIDR block. Use the form a.b.c.d/n, e.g. 10.42.0.0/16.',
    ],
  ])("rejects %s with an exact message", (space, message) => {
    expect(() => carveSubnets(space)).toThrow(new Error(message));
  });
});

describe("CIDR primitives", () => {
  it.each([
    ["10.42.0.1", 0x0a2a0001],
    ["255.255.255.255", 0xffffffff],
    ["0.0.0.0", 0],
  ])("parseIpv4(%s)", (ip, value) => {
    expect(parseIpv4(ip)).toBe(value);
  });

  it.each(["010.0.0.1", "1.2.3", "1.2.3.4.5", "a.b.c.d", "256.0.0.1", ""])(
    "parseIpv4 rejects %j",
    (ip) => {
      expect(parseIpv4(ip)).toBeUndefined();
    },
  );

  it("formatCidr round-trips parseCidr", () => {
    expect(formatCidr(parseCidr("172.16.0.0/12"))).toBe("172.16.0.0/12");
  });

  it.each([
    ["10.0.0.0/16", "10.0.255.0/24", true],
    ["10.0.0.0/16", "10.1.0.0/16", false],
    ["192.168.0.0/16", "172.16.0.0/16", false],
    ["10.0.0.0/8", "10.42.0.0/16", true],
  ])("cidrsOverlap(%s, %s) = %s", (a, b, expected) => {
    expect(cidrsOverlap(parseCidr(a), parseCidr(b))).toBe(expected);
    expect(cidrsOverlap(parseCidr(b), parseCidr(a))).toBe(expected);
  });
});
