import { describe, expect, it } from "vitest";
import {
  defaultDnsPrefix,
  normalizeIpRange,
  validateAksSettings,
  type AksSettings,
} from "../../components/aksCluster";

const VALID: AksSettings = {
  nodeCount: 1,
  nodeSize: "Standard_D2s_v5",
  kubernetesVersion: "",
  authorizedIpRanges: [],
  networkPolicy: "cilium",
  osSku: "AzureLinux",
  podCidr: "192.168.0.0/16",
  serviceCidr: "172.16.0.0/16",
  dnsServiceIp: "172.16.0.10",
  kubeloginMode: "azurecli",
  dnsPrefix: "zc-dev",
  vnetAddressSpace: "10.42.0.0/16",
};

describe("validateAksSettings", () => {
  it("accepts the defaults", () => {
    expect(validateAksSettings(VALID)).toEqual([]);
  });

  it.each<[string, Partial<AksSettings>]>([
    ["a pinned minor version", { kubernetesVersion: "1.33" }],
    ["a pinned patch version", { kubernetesVersion: "1.33.5" }],
    ["authorized ranges", { authorizedIpRanges: ["203.0.113.0/24", "198.51.100.7/32"] }],
    ["azure network policy", { networkPolicy: "azure" }],
    ["Ubuntu nodes", { osSku: "Ubuntu" }],
    ["3 nodes", { nodeCount: 3 }],
  ])("accepts %s", (_label, change) => {
    expect(validateAksSettings({ ...VALID, ...change })).toEqual([]);
  });

  it.each<[string, Partial<AksSettings>, string[]]>([
    ["zero nodes", { nodeCount: 0 }, ["nodeCount: 0 must be an integer from 1 to 100."]],
    ["fractional nodes", { nodeCount: 1.5 }, ["nodeCount: 1.5 must be an integer from 1 to 100."]],
    [
      "a bad VM size",
      { nodeSize: "D2s_v5" },
      ['nodeSize: "D2s_v5" is not an Azure VM size. Use e.g. Standard_D2s_v5.'],
    ],
    [
      "a bad version",
      { kubernetesVersion: "v1.33" },
      [
        'kubernetesVersion: "v1.33" is not a Kubernetes version. Use "<major>.<minor>" or "<major>.<minor>.<patch>" (e.g. 1.33), or "" for the region\'s default.',
      ],
    ],
    [
      "calico (not offered here)",
      { networkPolicy: "calico" },
      [
        'networkPolicy: "calico" is not supported with Azure CNI overlay. Allowed values are: cilium, azure.',
      ],
    ],
    [
      "kubenet-era policy none",
      { networkPolicy: "none" },
      [
        'networkPolicy: "none" is not supported with Azure CNI overlay. Allowed values are: cilium, azure.',
      ],
    ],
    [
      "Windows nodes",
      { osSku: "Windows2022" },
      ['osSku: "Windows2022" is not supported. Allowed values are: AzureLinux, Ubuntu.'],
    ],
    [
      "device code login",
      { kubeloginMode: "devicecode" },
      [
        'kubeloginMode: "devicecode" is not supported. Allowed values are: azurecli, workloadidentity, spn, msi (non-interactive modes only).',
      ],
    ],
    [
      "a bad DNS prefix",
      { dnsPrefix: "-zc" },
      [
        'dnsPrefix: "-zc" must be 1–54 letters, digits or "-", starting and ending with a letter or digit.',
      ],
    ],
    [
      "a bad authorized range",
      { authorizedIpRanges: ["203.0.113.0/24", "203.0.113.5/24"] },
      [
        'authorizedIpRanges[1]: "203.0.113.5/24" has host bits set. Use the network address 203.0.113.0/24.',
      ],
    ],
    [
      "a private authorized range (the vault firewall's rule)",
      { authorizedIpRanges: ["192.168.1.0/24"] },
      [
        'authorizedIpRanges[0]: "192.168.1.0/24" is in the private (RFC 1918) range 192.168.0.0/16, and only public addresses are allowed. Use a public IPv4 address or CIDR block, e.g. 203.0.113.0/24.',
      ],
    ],
    [
      "an authorized range broader than a /8",
      { authorizedIpRanges: ["0.0.0.0/0"] },
      [
        'authorizedIpRanges[0]: "0.0.0.0/0" is too broad (a /0: at most a /8 is allowed). Use a public IPv4 address or CIDR block, e.g. 203.0.113.0/24.',
      ],
    ],
    [
      "a pod CIDR inside the VNet",
      { podCidr: "10.42.128.0/17" },
      [
        'podCidr: "10.42.128.0/17" overlaps the VNet address space "10.42.0.0/16". Choose a range outside the VNet (defaults: podCidr 192.168.0.0/16, serviceCidr 172.16.0.0/16).',
      ],
    ],
    [
      "a service CIDR overlapping the VNet and its DNS IP moved along",
      { serviceCidr: "10.0.0.0/8", dnsServiceIp: "10.0.0.10" },
      [
        'serviceCidr: "10.0.0.0/8" overlaps the VNet address space "10.42.0.0/16". Choose a range outside the VNet (defaults: podCidr 192.168.0.0/16, serviceCidr 172.16.0.0/16).',
      ],
    ],
    [
      "a reserved range",
      { serviceCidr: "172.30.0.0/16", dnsServiceIp: "172.30.0.10" },
      [
        'serviceCidr: "172.30.0.0/16" overlaps 172.30.0.0/16, which AKS reserves. Choose another range.',
      ],
    ],
    [
      "pod and service CIDRs overlapping",
      { serviceCidr: "192.168.0.0/20", dnsServiceIp: "192.168.0.10" },
      ['serviceCidr: "192.168.0.0/20" overlaps podCidr "192.168.0.0/16". Use two disjoint ranges.'],
    ],
    [
      "a DNS IP outside the service CIDR",
      { dnsServiceIp: "172.17.0.10" },
      [
        'dnsServiceIp: "172.17.0.10" is outside serviceCidr "172.16.0.0/16". Pick an address inside it, e.g. its .10 address.',
      ],
    ],
    [
      "the kubernetes service address as DNS IP",
      { dnsServiceIp: "172.16.0.1" },
      [
        'dnsServiceIp: "172.16.0.1" is the network, first or broadcast address of serviceCidr "172.16.0.0/16" (the first is the kubernetes service). Use e.g. its .10 address.',
      ],
    ],
    [
      "a DNS IP that is not an address",
      { dnsServiceIp: "dns" },
      ['dnsServiceIp: "dns" is not an IPv4 address. Use e.g. 172.16.0.10.'],
    ],
  ])("rejects %s", (_label, change, issues) => {
    expect(validateAksSettings({ ...VALID, ...change })).toEqual(issues);
  });

  it("reports every problem at once", () => {
    expect(validateAksSettings({ ...VALID, nodeCount: 0, osSku: "x", podCidr: "nope" })).toEqual([
      "nodeCount: 0 must be an integer from 1 to 100.",
      'osSku: "x" is not supported. Allowed values are: AzureLinux, Ubuntu.',
      'podCidr: "nope" is not an IPv4 CIDR block. Use the form a.b.c.d/n, e.g. 10.42.0.0/16.',
    ]);
  });
});

describe("defaultDnsPrefix", () => {
  it.each([
    ["zc-dev-aks", "zc-dev-aks"],
    ["zc_dev.aks", "zc-dev-aks"],
    ["-x-", "x"],
    ["a".repeat(70), "a".repeat(54)],
  ])("%s -> %s", (name, expected) => {
    expect(defaultDnsPrefix(name)).toBe(expected);
  });
});

describe("normalizeIpRange", () => {
  it.each([
    ["198.51.100.7", "198.51.100.7/32"],
    ["203.0.113.0/24", "203.0.113.0/24"],
    ["not-an-ip", "not-an-ip"],
  ])("%s -> %s", (value, expected) => {
    expect(normalizeIpRange(value)).toBe(expected);
  });
});
