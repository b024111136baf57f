/**
 * IPv4 addresses, CIDR blocks and the rule for operator-allowed IP ranges (the Key Vault firewall's
 * `networkAcls.ipRules` and the AKS API server's `authorizedIPRanges`). The config loader, the Key Vault
 * and AKS components and the network layout all call this module; each formats its own message.
 * Pure, no imports.
 *
 * Facts behind the allowed-range rule (one rule for both services, since one list feeds both):
 * - Key Vault IP rules take "an IPv4 address range in CIDR notation, such as '124.56.78.91' (simple IP
 *   address) or '124.56.78.0/24'" (Azure.ResourceManager.KeyVault `KeyVaultIPRule(String)`,
 *   https://learn.microsoft.com/dotnet/api/azure.resourcemanager.keyvault.models.keyvaultiprule.-ctor),
 *   for "public internet IP address ranges"
 *   (https://learn.microsoft.com/azure/key-vault/general/overview-vnet-service-endpoints); "any IP range
 *   inside 10.0.0.0-10.255.255.255 (private IP addresses) cannot be used to add network rules"
 *   (https://learn.microsoft.com/powershell/module/az.keyvault/add-azkeyvaultnetworkrule).
 * - AKS authorized IP ranges "are specified in CIDR format, e.g. 137.117.106.88/29" and must start with
 *   the first address of the range ("137.117.106.90/29 is a valid range, but make sure you specify the
 *   first IP address in the range, such as 137.117.106.88/29")
 *   (https://learn.microsoft.com/azure/aks/api-server-authorized-ip-ranges; `ManagedClusterAPIServerAccessProfile.authorizedIPRanges`),
 *   and are public ranges (MicrosoftDocs/azure-docs#113991; the az CLI rejects non-global ranges,
 *   Azure/azure-cli-extensions#1764). A bare address is sent to AKS as `/32`.
 * - Non-public ranges: RFC 1918 private, RFC 6598 shared, loopback, link-local, "this network",
 *   multicast and reserved (RFC 6890 special-purpose registry).
 * - Broader than a /8 opens the firewall to a large part of the Internet: zerocred's own limit, not
 *   Azure's.
 */

/** A parsed IPv4 CIDR block. `base` is the network address as an unsigned 32-bit integer. */
export interface Ipv4Cidr {
  readonly base: number;
  readonly prefix: number;
  /** Number of addresses in the block (2^(32-prefix)). */
  readonly size: number;
}

/** Formats an unsigned 32-bit integer as a dotted IPv4 address. */
export function ipToString(ip: number): string {
  return [ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255].join(".");
}

/**
 * Parses a dotted IPv4 address into an unsigned 32-bit integer, or returns `undefined` when it is
 * not exactly four decimal octets in 0–255 (no leading zeros, which some tools read as octal).
 */
export function parseIpv4(value: string): number | undefined {
  const parts = value.split(".");
  if (parts.length !== 4) {
    return undefined;
  }
  let ip = 0;
  for (const part of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) {
      return undefined;
    }
    const octet = Number(part);
    if (octet > 255) {
      return undefined;
    }
    ip = ip * 256 + octet;
  }
  return ip;
}

/** Why a string is not a usable CIDR block: not one at all, or host bits set (with the network it meant). */
export type CidrProblem =
  { readonly kind: "syntax" } | { readonly kind: "host-bits"; readonly network: string };

/**
 * Parses `a.b.c.d/n` strictly, without throwing: a valid IPv4 address, a prefix 0–32, and no host bits
 * set (`10.42.1.0/16` is a problem, not `10.42.0.0/16`). With `allowBareAddress`, `a.b.c.d` is a /32.
 */
export function tryParseCidr(
  value: string,
  options: { readonly allowBareAddress?: boolean } = {},
): { readonly block: Ipv4Cidr } | { readonly problem: CidrProblem } {
  const bare = parseIpv4(value);
  if (bare !== undefined && options.allowBareAddress === true) {
    return { block: { base: bare, prefix: 32, size: 1 } };
  }
  const match = /^([0-9.]+)\/([0-9]{1,2})$/.exec(value);
  const ip = match ? parseIpv4(match[1]) : undefined;
  const prefix = match ? Number(match[2]) : NaN;
  if (!match || ip === undefined || prefix > 32) {
    return { problem: { kind: "syntax" } };
  }
  const size = 2 ** (32 - prefix);
  if (ip % size !== 0) {
    return { problem: { kind: "host-bits", network: `${ipToString(ip - (ip % size))}/${prefix}` } };
  }
  return { block: { base: ip, prefix, size } };
}

/**
 * Parses `a.b.c.d/n` strictly (see {@link tryParseCidr}). Throws an `Error` whose message names
 * `setting`, the value and the fix.
 */
export function parseCidr(value: string, setting = "CIDR"): Ipv4Cidr {
  const parsed = tryParseCidr(value);
  if ("block" in parsed) {
    return parsed.block;
  }
  if (parsed.problem.kind === "host-bits") {
    throw new Error(
      `${setting}: "${value}" has host bits set. Use the network address ${parsed.problem.network}.`,
    );
  }
  throw new Error(
    `${setting}: "${value}" is not an IPv4 CIDR block. Use the form a.b.c.d/n, e.g. 10.42.0.0/16.`,
  );
}

/** Formats a parsed block back to `a.b.c.d/n`. */
export function formatCidr(cidr: Ipv4Cidr): string {
  return `${ipToString(cidr.base)}/${cidr.prefix}`;
}

/** True when the two blocks share at least one address. */
export function cidrsOverlap(a: Ipv4Cidr, b: Ipv4Cidr): boolean {
  return a.base < b.base + b.size && b.base < a.base + a.size;
}

/** True when `ip` (a parsed address) lies inside `cidr`. */
export function cidrContainsIp(cidr: Ipv4Cidr, ip: number): boolean {
  return ip >= cidr.base && ip < cidr.base + cidr.size;
}

/** IPv4 ranges that are not public Internet addresses (RFC 6890 special-purpose), with what they are. */
export const NON_PUBLIC_RANGES: readonly { readonly cidr: string; readonly what: string }[] = [
  { cidr: "0.0.0.0/8", what: "'this network'" },
  { cidr: "10.0.0.0/8", what: "private (RFC 1918)" },
  { cidr: "100.64.0.0/10", what: "shared address space (RFC 6598)" },
  { cidr: "127.0.0.0/8", what: "loopback" },
  { cidr: "169.254.0.0/16", what: "link-local" },
  { cidr: "172.16.0.0/12", what: "private (RFC 1918)" },
  { cidr: "192.168.0.0/16", what: "private (RFC 1918)" },
  { cidr: "224.0.0.0/3", what: "multicast/reserved" },
];

/** The first non-public range `block` overlaps, if any. */
export function nonPublicRangeOf(
  block: Ipv4Cidr,
): { readonly cidr: string; readonly what: string } | undefined {
  return NON_PUBLIC_RANGES.find((r) => cidrsOverlap(block, parseCidr(r.cidr)));
}

/** The broadest allowed range: a /8. Anything broader opens the firewall to much of the Internet. */
export const MIN_ALLOWED_IP_RANGE_PREFIX = 8;

/** Why a value is not an allowed operator IP range. */
export type AllowedIpRangeProblem =
  | CidrProblem
  | { readonly kind: "too-broad"; readonly prefix: number }
  | { readonly kind: "not-public"; readonly range: string; readonly what: string };

/**
 * The problem with an operator IP range for the Key Vault firewall or the AKS API server, or
 * `undefined` when it is allowed: a public IPv4 address or CIDR block (network address, no host bits),
 * no broader than a /{@link MIN_ALLOWED_IP_RANGE_PREFIX}, overlapping no non-public range.
 */
export function allowedIpRangeProblem(value: string): AllowedIpRangeProblem | undefined {
  const parsed = tryParseCidr(value, { allowBareAddress: true });
  if ("problem" in parsed) {
    return parsed.problem;
  }
  const { block } = parsed;
  if (block.prefix < MIN_ALLOWED_IP_RANGE_PREFIX) {
    return { kind: "too-broad", prefix: block.prefix };
  }
  const reserved = nonPublicRangeOf(block);
  return reserved !== undefined
    ? { kind: "not-public", range: reserved.cidr, what: reserved.what }
    : undefined;
}

/** A neutral phrase for a problem, to follow the quoted value in a layer's own message. */
export function allowedIpRangeReason(problem: AllowedIpRangeProblem): string {
  switch (problem.kind) {
    case "syntax":
      return "is not an IPv4 address or CIDR block";
    case "host-bits":
      return `has host bits set (its network address is ${problem.network})`;
    case "too-broad":
      return `is too broad (a /${problem.prefix}: at most a /${MIN_ALLOWED_IP_RANGE_PREFIX} is allowed)`;
    case "not-public":
      return `is in the ${problem.what} range ${problem.range}, and only public addresses are allowed`;
  }
}
