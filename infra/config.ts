/**
 * The stack config schema: every `zerocred:` key (plus `azure-native:location`), validated with zod and
 * cross-field checks, defaults applied, typed as {@link StackSpec}.
 *
 * Every problem is collected and reported at once as a {@link ConfigIssue} whose message names the key path
 * (e.g. `zerocred:workloads[1].identity`), the value and the fix. {@link ConfigError} extends
 * `pulumi.RunError`, so `pulumi up` prints the message without a stack trace; the simulation CLI prints
 * {@link formatConfigIssues} and exits 2.
 *
 * Secrets: no key here is secret (an SSH *public* key is public). A future secret key must be read with
 * `new pulumi.Config("zerocred").requireSecret(...)` (an `Output`), never through {@link loadPulumiConfig}'s
 * plain values, and declared `secret: true` in Pulumi.yaml.
 */
import * as fs from "node:fs";
import * as pulumi from "@pulumi/pulumi";
import { parseDocument } from "yaml";
import { z } from "zod";
import { DEFAULT_POD_CIDR, DEFAULT_SERVICE_CIDR } from "../components/aksCluster";
import { MAX_ADDRESS_SPACE_PREFIX, MIN_ADDRESS_SPACE_PREFIX } from "../components/network";
import { didYouMean, editDistance } from "../components/rules/didYouMean";
import {
  allowedIpRangeProblem,
  cidrsOverlap,
  parseCidr,
  tryParseCidr,
  type CidrProblem,
} from "../components/rules/ipRanges";
import {
  isDns1123Label,
  isDns1123Subdomain,
  MAX_FEDERATED_CREDENTIALS_PER_IDENTITY,
  serviceAccountSubject,
} from "../components/rules/workloadIdentity";
import { BUILT_IN_ROLE_NAMES, closestRoleName, findRole, isGuid } from "../components/roles";
import { IDENTITY_NAME_PATTERN } from "../components/userAssignedIdentity";
import { validateAdminUsername, validateSshPublicKey } from "../components/virtualMachine";

// ---------------------------------------------------------------------------------------------
// public types

export type Environment = "dev" | "prod";
export type DeployerPrincipalType = "User" | "ServicePrincipal";
export type KubeloginMode = "azurecli" | "workloadidentity" | "spn" | "msi";
/** `vault`, `resourceGroup`, or `secret/<name>` (only `secret/canary` exists). */
export type GrantScope = "vault" | "resourceGroup" | `secret/${string}`;

export interface IdentitySpec {
  /** Azure-valid user-assigned identity name (3–60 of `[A-Za-z0-9_-]`, alphanumeric first). */
  readonly name: string;
}

export interface WorkloadSpec {
  /** Unique workload name (DNS-1123 label, at most 60 characters). */
  readonly name: string;
  /** Kubernetes namespace (DNS-1123 label). */
  readonly namespace: string;
  /** Kubernetes service account name (DNS-1123 subdomain). */
  readonly serviceAccount: string;
  /** Name of the identity in `identities` the service account is federated with. */
  readonly identity: string;
}

export interface GrantSpec {
  /** `vm` (the VM's system-assigned identity) or an identity name. */
  readonly principal: string;
  /** As written in config: a built-in role name or a role definition GUID. */
  readonly role: string;
  /** The role definition GUID, lowercase (resolved from `role`). */
  readonly roleId: string;
  /** The catalog display name when the role is in components/roles.ts, else `undefined` (custom role GUID). */
  readonly roleName?: string;
  readonly scope: GrantScope;
}

/** The validated stack config, defaults applied. */
export interface StackSpec {
  /** `azure-native:location`, e.g. `westeurope`. */
  readonly location: string;
  readonly prefix: string;
  readonly environment: Environment;
  /**
   * An existing resource group to deploy into (CI: the group the bootstrap created, where the deployer's
   * roles are scoped). `undefined` (config unset or `""`) = the stack creates `<prefix>-<stack>-rg`.
   */
  readonly resourceGroupName?: string;
  readonly deployer: {
    readonly principalType: DeployerPrincipalType;
    readonly kubeloginMode: KubeloginMode;
    /**
     * Who grants the deployer "Azure Kubernetes Service RBAC Cluster Admin": `stack` (unset: this stack,
     * on the cluster), `preassigned` (the bootstrap did, on the resource group, ahead of time — CI sets
     * it; no propagation wait, and a preview by another identity shows no change) or `gated` (this stack,
     * and the Kubernetes provider waits until the API server authorizes the deployer:
     * components/clusterAccessGate.ts — for stacks deployed without the bootstrap).
     */
    readonly clusterAdmin?: ClusterAdminMode;
  };
  readonly network: {
    readonly addressSpace: string;
    readonly allowedIpRanges: readonly string[];
  };
  readonly vm: {
    readonly size: string;
    readonly adminUsername: string;
    readonly sshPublicKey: string;
    readonly identities: readonly string[];
  };
  readonly aks: {
    readonly nodeSize: string;
    readonly nodeCount: number;
    /** Empty = the region's default version. */
    readonly kubernetesVersion: string;
  };
  readonly identities: readonly IdentitySpec[];
  readonly workloads: readonly WorkloadSpec[];
  readonly grants: readonly GrantSpec[];
  readonly verification: {
    readonly enabled: boolean;
    readonly timeoutSeconds: number;
  };
}

/** One problem with the config. `message` names the path, the value and the fix. */
export interface ConfigIssue {
  readonly path: string;
  readonly value: unknown;
  readonly message: string;
}

/** Formats issues one per line (`  - <message>`), for the CLI and {@link ConfigError}. */
export function formatConfigIssues(issues: readonly ConfigIssue[]): string {
  return issues.map((i) => `  - ${i.message}`).join("\n");
}

/**
 * Invalid stack config: carries every issue. Extends `pulumi.RunError` so that `pulumi up` reports the
 * message without a stack trace (a user mistake, not a bug).
 */
export class ConfigError extends pulumi.RunError {
  readonly issues: ConfigIssue[];
  constructor(issues: readonly ConfigIssue[], context: { readonly stack?: string } = {}) {
    const where = context.stack !== undefined ? ` of stack "${context.stack}"` : "";
    const count = issues.length === 1 ? "1 problem" : `${issues.length} problems`;
    super(`Invalid config${where} (${count}):\n${formatConfigIssues(issues)}`);
    this.name = "ConfigError";
    this.issues = [...issues];
  }
}

// ---------------------------------------------------------------------------------------------
// constants

export const ENVIRONMENTS = ["dev", "prod"] as const;
export const DEPLOYER_PRINCIPAL_TYPES = ["User", "ServicePrincipal"] as const;
export const KUBELOGIN_MODES = ["azurecli", "workloadidentity", "spn", "msi"] as const;
export const CLUSTER_ADMIN_MODES = ["stack", "preassigned", "gated"] as const;
export type ClusterAdminMode = (typeof CLUSTER_ADMIN_MODES)[number];
/** The only secret the stack declares (components/keyVault.ts). */
export const CANARY_SECRET_NAME = "canary";
/** The grant principal that means the VM's system-assigned identity. */
export const VM_PRINCIPAL = "vm";
/** Azure's limit of federated identity credentials per user-assigned identity. */
export const MAX_WORKLOADS_PER_IDENTITY = MAX_FEDERATED_CREDENTIALS_PER_IDENTITY;
export const MIN_TIMEOUT_SECONDS = 60;
export const MAX_TIMEOUT_SECONDS = 3600;
export const MIN_NODE_COUNT = 1;
export const MAX_NODE_COUNT = 100;
/**
 * Identity and workload names: at most 60 characters (stricter than Azure's 128 for identities and
 * Kubernetes' 63 for labels) so that verifier principal labels (`vm.<identity>`, `pod.<workload>`, limited
 * to 64 characters) and prefixed Azure names stay valid.
 */
export const MAX_NAME_LENGTH = 60;

/** Defaults applied when a key (or a field) is omitted. Pulumi.yaml declares the same defaults. */
export const DEFAULTS = {
  prefix: "zc",
  environment: "prod",
  /** `""` = create `<prefix>-<stack>-rg` (Pulumi.yaml needs a default, else the key would be required). */
  resourceGroupName: "",
  deployer: { principalType: "User", kubeloginMode: "azurecli" },
  network: { addressSpace: "10.42.0.0/16", allowedIpRanges: [] as readonly string[] },
  vm: { size: "Standard_B2s", adminUsername: "azureuser", identities: [] as readonly string[] },
  aks: { nodeSize: "Standard_D2s_v5", nodeCount: 1, kubernetesVersion: "" },
  identities: [] as readonly IdentitySpec[],
  workloads: [] as readonly WorkloadSpec[],
  grants: [] as readonly GrantSpec[],
  verification: { enabled: true, timeoutSeconds: 900 },
} as const;

/** The recognised top-level keys and, for object-valued keys, their fields (for "did you mean"). */
export const CONFIG_KEYS = {
  "azure-native:location": [],
  "zerocred:prefix": [],
  "zerocred:environment": [],
  "zerocred:resourceGroupName": [],
  "zerocred:deployer": ["principalType", "kubeloginMode", "clusterAdmin"],
  "zerocred:network": ["addressSpace", "allowedIpRanges"],
  "zerocred:vm": ["size", "adminUsername", "sshPublicKey", "identities"],
  "zerocred:aks": ["nodeSize", "nodeCount", "kubernetesVersion"],
  "zerocred:identities": ["name"],
  "zerocred:workloads": ["name", "namespace", "serviceAccount", "identity"],
  "zerocred:grants": ["principal", "role", "scope"],
  "zerocred:verification": ["enabled", "timeoutSeconds"],
} as const satisfies Record<string, readonly string[]>;
export type ConfigKey = keyof typeof CONFIG_KEYS;
export const KNOWN_CONFIG_KEYS = Object.keys(CONFIG_KEYS) as ConfigKey[];
/** Keys whose value is structured (an object or an array): Pulumi passes them to the program as JSON. */
export const STRUCTURED_CONFIG_KEYS: readonly ConfigKey[] = [
  "zerocred:deployer",
  "zerocred:network",
  "zerocred:vm",
  "zerocred:aks",
  "zerocred:identities",
  "zerocred:workloads",
  "zerocred:grants",
  "zerocred:verification",
];
const NAMESPACE = "zerocred";

// ---------------------------------------------------------------------------------------------
// did you mean

export { didYouMean, editDistance } from "../components/rules/didYouMean";

// ---------------------------------------------------------------------------------------------
// pure field validators: each returns the problem and fix (without the path), or undefined

/** A short rendering of a value for messages. */
export function showValue(value: unknown): string {
  if (value === undefined) {
    return "(missing)";
  }
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

function typeName(value: unknown): string {
  if (value === null) {
    return "null";
  }
  if (Array.isArray(value)) {
    return "a list";
  }
  return typeof value === "object" ? "a map" : `a ${typeof value}`;
}

const PREFIX_RE = /^[a-z][a-z0-9]{1,7}$/;
const LOCATION_RE = /^[a-z][a-z0-9]*$/;
const VM_SIZE_RE = /^(Standard|Basic)_[A-Za-z0-9_-]+$/;
/**
 * Azure resource group names: 1–90 letters, digits, underscores, parentheses, hyphens and periods, not
 * ending in a period (Azure's naming rules; the API's pattern is `^[-\w._()]+$`, where `\w` includes
 * Unicode letters and digits).
 */
const RESOURCE_GROUP_NAME_RE = /^[-\p{L}\p{Nd}_.()]{1,90}$/u;
const K8S_VERSION_RE = /^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))?$/;

/** The config's wording of a CIDR problem: `fix` follows a syntax problem; host bits name the network. */
function cidrProblemText(value: string, problem: CidrProblem, fix: string): string {
  return problem.kind === "host-bits"
    ? `${showValue(value)} has host bits set: use the network address "${problem.network}".`
    : `${showValue(value)} is not an IPv4 CIDR block: ${fix}`;
}

export function checkPrefix(value: string): string | undefined {
  return PREFIX_RE.test(value)
    ? undefined
    : `${showValue(value)} is not a valid prefix: use 2–8 lowercase letters or digits starting with a letter (e.g. "zc").`;
}

export function checkLocation(value: string): string | undefined {
  return LOCATION_RE.test(value)
    ? undefined
    : `${showValue(value)} is not an Azure region name: use the programmatic name, lowercase without spaces (e.g. "westeurope"; list them with \`az account list-locations -o table\`).`;
}

/** `""` (create the stack's own group) or the name of an existing resource group. */
export function checkResourceGroupName(value: string): string | undefined {
  return value === "" || (RESOURCE_GROUP_NAME_RE.test(value) && !value.endsWith("."))
    ? undefined
    : `${showValue(value)} is not a valid resource group name: use the existing group's name, 1–90 letters, digits, "_", "(", ")", "-" or ".", not ending in "." (e.g. "zerocred-dev", the bootstrap's targetResourceGroupName), or "" to let the stack create its own group.`;
}

export function checkVmSize(value: string): string | undefined {
  return VM_SIZE_RE.test(value)
    ? undefined
    : `${showValue(value)} is not an Azure VM size: use a size name such as "Standard_B2s" or "Standard_D2s_v5" (\`az vm list-sizes -l <region>\`).`;
}

export function checkKubernetesVersion(value: string): string | undefined {
  return value === "" || K8S_VERSION_RE.test(value)
    ? undefined
    : `${showValue(value)} is not a Kubernetes version: use "" (the region's default, kept current by the cluster's "${AKS_UPGRADE_CHANNEL}" auto-upgrade channel).`;
}

/**
 * The AKS cluster auto-upgrade channel zerocred sets (components/aksCluster.ts
 * `autoUpgradeProfile.upgradeChannel`).
 */
export const AKS_UPGRADE_CHANNEL = "stable";

/**
 * A pinned Kubernetes version must survive the cluster's auto-upgrade channel: `stable` and `rapid` move
 * the cluster to a newer MINOR version, `patch` to the newest patch of the same minor
 * (https://learn.microsoft.com/azure/aks/auto-upgrade-cluster, "Cluster auto-upgrade channels"). Once AKS
 * has upgraded past the pinned value, every `pulumi up` would send the older version back, and AKS does not
 * downgrade (https://learn.microsoft.com/azure/aks/upgrade-aks-cluster). `""` lets the channel own it.
 */
export function checkKubernetesVersionAgainstChannel(
  value: string,
  channel: string = AKS_UPGRADE_CHANNEL,
): string | undefined {
  if (value === "" || !K8S_VERSION_RE.test(value)) {
    return undefined;
  }
  const patchPinned = value.split(".").length === 3;
  if (channel === "stable" || channel === "rapid" || (channel === "patch" && patchPinned)) {
    return (
      `${showValue(value)} is pinned, but the cluster auto-upgrades on the "${channel}" channel ` +
      `(autoUpgradeProfile.upgradeChannel): once AKS upgrades it past ${value}, every pulumi up would ask ` +
      `for a downgrade, which AKS refuses. Use "" (the region's default, kept current by the channel).`
    );
  }
  return undefined;
}

/** The VNet address space: a valid IPv4 CIDR, /8–/19 (room for the vm /24 and the aks /20), clear of AKS's pod and service CIDRs. */
export function checkAddressSpace(value: string): string | undefined {
  const parsed = tryParseCidr(value);
  if ("problem" in parsed) {
    return cidrProblemText(value, parsed.problem, 'use a private range such as "10.42.0.0/16".');
  }
  const { block } = parsed;
  if (block.prefix > MIN_ADDRESS_SPACE_PREFIX) {
    return `${showValue(value)} is too small: the vm /24 and the aks /20 subnets need at least a /${MIN_ADDRESS_SPACE_PREFIX}; use a /16 such as "10.42.0.0/16".`;
  }
  if (block.prefix < MAX_ADDRESS_SPACE_PREFIX) {
    return `${showValue(value)} is larger than a /${MAX_ADDRESS_SPACE_PREFIX}: use a /16 such as "10.42.0.0/16".`;
  }
  for (const [what, cidr] of [
    ["AKS pod CIDR", DEFAULT_POD_CIDR],
    ["AKS service CIDR", DEFAULT_SERVICE_CIDR],
  ] as const) {
    if (cidrsOverlap(block, parseCidr(cidr))) {
      return `${showValue(value)} overlaps the ${what} ${cidr}: use a range outside it, such as "10.42.0.0/16".`;
    }
  }
  return undefined;
}

/**
 * An operator range for the vault firewall and the AKS API server: the one rule in
 * `components/rules/ipRanges.ts` (a public IPv4 address or CIDR, at most a /8), worded for the config.
 */
export function checkAllowedIpRange(value: string): string | undefined {
  const problem = allowedIpRangeProblem(value);
  switch (problem?.kind) {
    case undefined:
      return undefined;
    case "syntax":
    case "host-bits":
      return cidrProblemText(
        value,
        problem,
        'use a public IPv4 address or CIDR, e.g. "203.0.113.7" or "203.0.113.0/24".',
      );
    case "too-broad":
      return `${showValue(value)} is too broad (a /${problem.prefix} opens the firewall to a large part of the Internet): list your own public address or range, e.g. "203.0.113.0/24".`;
    case "not-public":
      return `${showValue(value)} is in the ${problem.what} range ${problem.range}: Key Vault and AKS IP rules only take public addresses; private networks reach the vault through the VNet's service endpoints. Use your public IP (\`curl -s https://ifconfig.me\`).`;
  }
}

export function checkIdentityName(value: string): string | undefined {
  return IDENTITY_NAME_PATTERN.test(value) && value.length <= MAX_NAME_LENGTH
    ? undefined
    : `${showValue(value)} is not a valid identity name: use 3–${MAX_NAME_LENGTH} letters, digits, "-" or "_", starting with a letter or digit (e.g. "orders").`;
}

export function checkWorkloadName(value: string): string | undefined {
  return isDns1123Label(value) && value.length <= MAX_NAME_LENGTH
    ? undefined
    : `${showValue(value)} is not a valid workload name: use at most ${MAX_NAME_LENGTH} lowercase letters, digits or "-", starting and ending with a letter or digit (a DNS-1123 label, e.g. "orders").`;
}

export function checkNamespace(value: string): string | undefined {
  return isDns1123Label(value)
    ? undefined
    : `${showValue(value)} is not a valid Kubernetes namespace: use a DNS-1123 label, at most 63 lowercase letters, digits or "-", starting and ending with a letter or digit (e.g. "shop").`;
}

export function checkServiceAccount(value: string): string | undefined {
  return isDns1123Subdomain(value)
    ? undefined
    : `${showValue(value)} is not a valid Kubernetes service account name: use a DNS-1123 subdomain, at most 253 lowercase letters, digits, "-" or ".", each dot-separated part starting and ending with a letter or digit (e.g. "orders").`;
}

export function checkRole(value: string): string | undefined {
  if (findRole(value) !== undefined || isGuid(value)) {
    return undefined;
  }
  const hint = closestRoleName(value);
  const mean = hint !== undefined ? ` Did you mean "${hint}"?` : "";
  return `${showValue(value)} is neither a built-in role known to zerocred nor a role definition GUID.${mean} Use one of: ${BUILT_IN_ROLE_NAMES.join(", ")}; or a role definition GUID.`;
}

export function checkScope(value: string): string | undefined {
  if (value === "vault" || value === "resourceGroup" || value === `secret/${CANARY_SECRET_NAME}`) {
    return undefined;
  }
  if (value.startsWith("secret/")) {
    return `${showValue(value)} names a secret the stack does not declare: the only secret is "${CANARY_SECRET_NAME}"; use "secret/${CANARY_SECRET_NAME}" (or "vault").`;
  }
  const hint = didYouMean(value, ["vault", "resourceGroup", `secret/${CANARY_SECRET_NAME}`]);
  const mean = hint !== undefined ? ` Did you mean "${hint}"?` : "";
  return `${showValue(value)} is not a grant scope.${mean} Use "vault", "secret/${CANARY_SECRET_NAME}" or "resourceGroup" (narrowest first).`;
}

// ---------------------------------------------------------------------------------------------
// zod schema (messages without the path; the path is prepended when issues are collected)

type Check = (value: string) => string | undefined;

function text(what: string, example: string, check?: Check, options: { number?: string } = {}) {
  const base = z.string({
    error: (iss) => {
      if (iss.input === undefined || iss.input === null) {
        return `is ${iss.input === null ? "empty" : "required"}: set ${what}, e.g. ${example}.`;
      }
      if (typeof iss.input === "number" && options.number !== undefined) {
        return `${showValue(iss.input)} is a number, ${options.number}`;
      }
      return `${showValue(iss.input)} is ${typeName(iss.input)}, not a string: set ${what}, e.g. ${example}.`;
    },
  });
  return check === undefined
    ? base
    : base.superRefine((value, ctx) => {
        const problem = check(value);
        if (problem !== undefined) {
          ctx.addIssue({ code: "custom", message: problem, input: value });
        }
      });
}

function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, {
    error: (iss) => {
      const hint = typeof iss.input === "string" ? didYouMean(iss.input, values) : undefined;
      const mean = hint !== undefined ? ` Did you mean "${hint}"?` : "";
      return `${showValue(iss.input)} is not allowed.${mean} Use one of: ${values.join(", ")}.`;
    },
  });
}

function integer(min: number, max: number, unit: string) {
  return z
    .number({
      error: (iss) =>
        `${showValue(iss.input)} is ${typeName(iss.input)}, not a number: use a whole number of ${unit} from ${min} to ${max} (unquoted).`,
    })
    .superRefine((value, ctx) => {
      if (!Number.isInteger(value) || value < min || value > max) {
        const problem = Number.isInteger(value) ? "is out of range" : "is not a whole number";
        ctx.addIssue({
          code: "custom",
          message: `${showValue(value)} ${problem}: use a whole number of ${unit} from ${min} to ${max}.`,
          input: value,
        });
      }
    });
}

function boolean(what: string) {
  return z.boolean({
    error: (iss) =>
      `${showValue(iss.input)} is ${typeName(iss.input)}, not a boolean: use true or false (unquoted) to ${what}.`,
  });
}

function map<T extends z.core.$ZodLooseShape>(shape: T, example: string) {
  return z.strictObject(shape, {
    error: (iss) =>
      iss.code === "unrecognized_keys"
        ? undefined
        : iss.input === undefined || iss.input === null
          ? `is ${iss.input === null ? "empty" : "required"}: set it as a map, e.g. ${example}.`
          : `${showValue(iss.input)} is ${typeName(iss.input)}, not a map: write it as a map, e.g. ${example}.`,
  });
}

function list<T extends z.core.$ZodType>(item: T, example: string) {
  return z.array(item, {
    error: (iss) =>
      iss.input === null
        ? `is empty: write a YAML list, e.g. ${example}, or [] for none.`
        : `${showValue(iss.input)} is ${typeName(iss.input)}, not a list: write a YAML list, e.g. ${example}.`,
  });
}

function sshKey(value: string): string | undefined {
  const problem = validateSshPublicKey(value);
  // validateSshPublicKey's messages start with the setting name; the path is prepended later.
  return problem?.replace(/^sshPublicKey /, "");
}

function adminUsername(value: string): string | undefined {
  return validateAdminUsername(value)?.replace(/^adminUsername /, "");
}

const identitySchema = map(
  { name: text("the identity name", '"orders"', checkIdentityName) },
  "{ name: orders }",
);
const workloadSchema = map(
  {
    name: text("the workload name", '"orders"', checkWorkloadName),
    namespace: text("the Kubernetes namespace", '"shop"', checkNamespace),
    serviceAccount: text("the service account name", '"orders"', checkServiceAccount),
    identity: text("the name of an identity in zerocred:identities", '"orders"'),
  },
  "{ name: orders, namespace: shop, serviceAccount: orders, identity: orders }",
);
const grantSchema = map(
  {
    principal: text('"vm" or the name of an identity in zerocred:identities', '"orders"'),
    role: text(
      "a built-in role name or a role definition GUID",
      '"Key Vault Secrets User"',
      checkRole,
    ),
    scope: text('"vault", "secret/canary" or "resourceGroup"', '"secret/canary"', checkScope),
  },
  '{ principal: orders, role: "Key Vault Secrets User", scope: secret/canary }',
);

const rootSchema = z.object({
  "azure-native:location": text("the Azure region", '"westeurope"', checkLocation),
  "zerocred:prefix": text("the name prefix", '"zc"', checkPrefix).default(DEFAULTS.prefix),
  "zerocred:environment": oneOf(ENVIRONMENTS).default(DEFAULTS.environment),
  "zerocred:resourceGroupName": text(
    'the name of an existing resource group, or "" to create one',
    '"zerocred-dev"',
    checkResourceGroupName,
  ).default(DEFAULTS.resourceGroupName),
  "zerocred:deployer": map(
    {
      principalType: oneOf(DEPLOYER_PRINCIPAL_TYPES).default(DEFAULTS.deployer.principalType),
      kubeloginMode: oneOf(KUBELOGIN_MODES).default(DEFAULTS.deployer.kubeloginMode),
      clusterAdmin: oneOf(CLUSTER_ADMIN_MODES).optional(),
    },
    "{ principalType: User, kubeloginMode: azurecli }",
  ).prefault({}),
  "zerocred:network": map(
    {
      addressSpace: text("the VNet address space", '"10.42.0.0/16"', checkAddressSpace).default(
        DEFAULTS.network.addressSpace,
      ),
      allowedIpRanges: list(
        text("a public IPv4 address or CIDR", '"203.0.113.0/24"', checkAllowedIpRange),
        '["203.0.113.0/24"]',
      ).default(() => []),
    },
    '{ addressSpace: 10.42.0.0/16, allowedIpRanges: ["203.0.113.0/24"] }',
  ).prefault({}),
  "zerocred:vm": map(
    {
      size: text("the VM size", '"Standard_B2s"', checkVmSize).default(DEFAULTS.vm.size),
      adminUsername: text("the Linux admin user name", '"azureuser"', adminUsername).default(
        DEFAULTS.vm.adminUsername,
      ),
      sshPublicKey: text(
        "the single line of your OpenSSH public key (~/.ssh/id_ed25519.pub)",
        '"ssh-ed25519 AAAA… you@host"',
        sshKey,
      ),
      identities: list(text("an identity name", '"shared"'), "[shared]").default(() => []),
    },
    '{ sshPublicKey: "ssh-ed25519 AAAA…", identities: [shared] }',
  ),
  "zerocred:aks": map(
    {
      nodeSize: text("the node VM size", '"Standard_D2s_v5"', checkVmSize).default(
        DEFAULTS.aks.nodeSize,
      ),
      nodeCount: integer(MIN_NODE_COUNT, MAX_NODE_COUNT, "nodes").default(DEFAULTS.aks.nodeCount),
      kubernetesVersion: text(
        'a Kubernetes version or "" for the default',
        '"1.33"',
        (v) => checkKubernetesVersion(v) ?? checkKubernetesVersionAgainstChannel(v),
        {
          number:
            'not a string (YAML reads 1.30 as 1.3): quote it, e.g. "1.33", or use "" for the default.',
        },
      ).default(DEFAULTS.aks.kubernetesVersion),
    },
    "{ nodeSize: Standard_D2s_v5, nodeCount: 1 }",
  ).prefault({}),
  "zerocred:identities": list(identitySchema, "[{ name: orders }]").default(() => []),
  "zerocred:workloads": list(
    workloadSchema,
    "[{ name: orders, namespace: shop, serviceAccount: orders, identity: orders }]",
  ).default(() => []),
  "zerocred:grants": list(
    grantSchema,
    '[{ principal: vm, role: "Key Vault Secrets User", scope: vault }]',
  ).default(() => []),
  "zerocred:verification": map(
    {
      enabled: boolean("run the verifiers").default(DEFAULTS.verification.enabled),
      timeoutSeconds: integer(MIN_TIMEOUT_SECONDS, MAX_TIMEOUT_SECONDS, "seconds").default(
        DEFAULTS.verification.timeoutSeconds,
      ),
    },
    "{ enabled: true, timeoutSeconds: 900 }",
  ).prefault({}),
});

// ---------------------------------------------------------------------------------------------
// issue collection

type PathPart = string | number;

/** `["zerocred:workloads", 1, "identity"]` → `zerocred:workloads[1].identity`. */
export function formatPath(parts: readonly PathPart[]): string {
  return parts.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
}

function valueAt(raw: unknown, parts: readonly PathPart[]): unknown {
  let cur: unknown = raw;
  for (const p of parts) {
    if (cur === null || typeof cur !== "object") {
      return undefined;
    }
    cur = (cur as Record<PathPart, unknown>)[p];
  }
  return cur;
}

function issue(parts: readonly PathPart[], value: unknown, message: string): ConfigIssue {
  const path = formatPath(parts);
  // Never carry a pasted private key around in an issue (it may be logged).
  const safe = typeof value === "string" && /PRIVATE KEY/.test(value) ? "(redacted)" : value;
  return { path, value: safe, message: `${path}: ${message}` };
}

function unknownKeyIssue(
  parts: readonly PathPart[],
  value: unknown,
  known: readonly string[],
): ConfigIssue {
  const key = String(parts[parts.length - 1]);
  const hint = didYouMean(key, known);
  const mean = hint !== undefined ? ` Did you mean "${hint}"?` : "";
  return issue(
    parts,
    value,
    `unknown key.${mean} Known keys here: ${known.join(", ")}. Remove or rename it.`,
  );
}

function zodIssues(raw: Record<string, unknown>, error: z.ZodError): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const iss of error.issues) {
    const parts = iss.path.filter((p): p is PathPart => typeof p !== "symbol");
    if (iss.code === "unrecognized_keys") {
      const top = parts[0] as ConfigKey;
      const known = CONFIG_KEYS[top] ?? [];
      for (const key of iss.keys) {
        out.push(unknownKeyIssue([...parts, key], valueAt(raw, [...parts, key]), known));
      }
      continue;
    }
    out.push(issue(parts, valueAt(raw, parts), iss.message));
  }
  return out;
}

function topLevelIssues(raw: Record<string, unknown>): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const known: readonly string[] = KNOWN_CONFIG_KEYS;
  const zerocredKeys = KNOWN_CONFIG_KEYS.filter((k) => k.startsWith(`${NAMESPACE}:`));
  const zerocredNames = zerocredKeys.map((k) => k.slice(NAMESPACE.length + 1));
  for (const key of Object.keys(raw)) {
    if (known.includes(key)) {
      continue;
    }
    const colon = key.indexOf(":");
    const ns = colon < 0 ? "" : key.slice(0, colon);
    const name = colon < 0 ? key : key.slice(colon + 1);
    if (ns === NAMESPACE) {
      const hint = didYouMean(name, zerocredNames);
      const mean = hint !== undefined ? ` Did you mean "${NAMESPACE}:${hint}"?` : "";
      out.push(
        issue(
          [key],
          raw[key],
          `unknown key.${mean} zerocred's keys are: ${zerocredKeys.join(", ")}. Remove or rename it.`,
        ),
      );
    } else if (ns !== "" && ns !== NAMESPACE && editDistance(ns.toLowerCase(), NAMESPACE) <= 2) {
      const hint = `${NAMESPACE}:${didYouMean(name, zerocredNames) ?? name}`;
      out.push(
        issue(
          [key],
          raw[key],
          `unknown namespace "${ns}". Did you mean "${hint}"? zerocred's keys are: ${zerocredKeys.join(", ")}.`,
        ),
      );
    } else if (
      ns === "azure-native" &&
      name !== "location" &&
      editDistance(name, "location") <= 2
    ) {
      out.push(
        issue(
          [key],
          raw[key],
          `unknown key. Did you mean "azure-native:location"? Set the Azure region there, e.g. westeurope.`,
        ),
      );
    }
    // Other namespaces (azure-native:subscriptionId, pulumi:…, kubernetes:…) configure providers: not ours.
  }
  return out;
}

function records(value: unknown): { index: number; item: Record<string, unknown> }[] {
  if (!Array.isArray(value)) {
    return [];
  }
  return value.flatMap((item: unknown, index) =>
    item !== null && typeof item === "object" && !Array.isArray(item)
      ? [{ index, item: item as Record<string, unknown> }]
      : [],
  );
}

function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** Reference, uniqueness and count checks; tolerant of malformed parts (those get zod issues). */
function crossFieldIssues(raw: Record<string, unknown>): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const identities = records(raw["zerocred:identities"]);
  const names: string[] = [];
  for (const { index, item } of identities) {
    const name = str(item.name);
    if (name === undefined) {
      continue;
    }
    const dup = names.find((n) => n.toLowerCase() === name.toLowerCase());
    if (dup !== undefined) {
      out.push(
        issue(
          ["zerocred:identities", index, "name"],
          name,
          `${showValue(name)} is declared twice (identity names are case-insensitive in Azure): give each identity a unique name.`,
        ),
      );
      continue;
    }
    names.push(name);
  }
  // When the list itself is malformed (reported by the schema), references cannot be checked.
  const identitiesValue = raw["zerocred:identities"];
  const checkRefs = identitiesValue === undefined || Array.isArray(identitiesValue);
  const identityKnown = (name: string) => !checkRefs || names.includes(name);
  const unknownIdentity = (
    name: string,
    what: string,
    fix: string,
    candidates: readonly string[] = names,
  ): string => {
    const hint = didYouMean(name, candidates);
    const mean = hint !== undefined ? ` Did you mean "${hint}"?` : "";
    const declared = names.length > 0 ? names.map((n) => `"${n}"`).join(", ") : "none";
    return `${showValue(name)} is ${what} declared in zerocred:identities.${mean} Declared: ${declared}; ${fix}`;
  };

  // VM identities
  const vm = raw["zerocred:vm"];
  const vmIdentities =
    vm !== null && typeof vm === "object" ? (vm as Record<string, unknown>).identities : undefined;
  if (Array.isArray(vmIdentities)) {
    const seen = new Set<string>();
    vmIdentities.forEach((name: unknown, j) => {
      if (typeof name !== "string") {
        return;
      }
      const parts = ["zerocred:vm", "identities", j];
      if (!identityKnown(name)) {
        out.push(
          issue(
            parts,
            name,
            unknownIdentity(
              name,
              "not an identity",
              "declare it under zerocred:identities or remove it here.",
            ),
          ),
        );
      } else if (seen.has(name)) {
        out.push(issue(parts, name, `${showValue(name)} is listed twice: remove the duplicate.`));
      }
      seen.add(name);
    });
  }

  // workloads
  const workloadNames = new Set<string>();
  const bindings = new Map<string, number>();
  const perIdentity = new Map<string, number>();
  for (const { index, item } of records(raw["zerocred:workloads"])) {
    const name = str(item.name);
    if (name !== undefined) {
      if (workloadNames.has(name)) {
        out.push(
          issue(
            ["zerocred:workloads", index, "name"],
            name,
            `${showValue(name)} is declared twice: give each workload a unique name.`,
          ),
        );
      }
      workloadNames.add(name);
    }
    const ns = str(item.namespace);
    const sa = str(item.serviceAccount);
    if (ns !== undefined && sa !== undefined) {
      const key = `${ns}/${sa}`;
      const first = bindings.get(key);
      if (first !== undefined) {
        out.push(
          issue(
            ["zerocred:workloads", index, "serviceAccount"],
            sa,
            `service account "${sa}" in namespace "${ns}" is already used by zerocred:workloads[${first}]: one service account maps to one federated credential subject (${serviceAccountSubject(ns, sa)}); use a different serviceAccount or namespace.`,
          ),
        );
      } else {
        bindings.set(key, index);
      }
    }
    const identity = str(item.identity);
    if (identity !== undefined) {
      if (!identityKnown(identity)) {
        out.push(
          issue(
            ["zerocred:workloads", index, "identity"],
            identity,
            unknownIdentity(
              identity,
              "not an identity",
              "declare it under zerocred:identities or bind the workload to a declared one.",
            ),
          ),
        );
      } else {
        const count = (perIdentity.get(identity) ?? 0) + 1;
        perIdentity.set(identity, count);
        if (count === MAX_WORKLOADS_PER_IDENTITY + 1) {
          out.push(
            issue(
              ["zerocred:workloads", index, "identity"],
              identity,
              `${showValue(identity)} would get more than ${MAX_WORKLOADS_PER_IDENTITY} workloads: Azure allows at most ${MAX_WORKLOADS_PER_IDENTITY} federated credentials per identity; declare another identity for the remaining workloads.`,
            ),
          );
        }
      }
    }
  }

  // grants
  const grantKeys = new Map<string, number>();
  for (const { index, item } of records(raw["zerocred:grants"])) {
    const principal = str(item.principal);
    if (principal !== undefined && principal !== VM_PRINCIPAL && !identityKnown(principal)) {
      out.push(
        issue(
          ["zerocred:grants", index, "principal"],
          principal,
          unknownIdentity(
            principal,
            'neither "vm" nor an identity',
            'use "vm" for the VM\'s system-assigned identity or declare the identity under zerocred:identities.',
            [VM_PRINCIPAL, ...names],
          ),
        ),
      );
    }
    const role = str(item.role);
    const scope = str(item.scope);
    const roleId =
      role !== undefined
        ? (findRole(role)?.id ?? (isGuid(role) ? role.toLowerCase() : undefined))
        : undefined;
    if (principal !== undefined && roleId !== undefined && scope !== undefined) {
      const key = `${principal}|${roleId}|${scope}`;
      const first = grantKeys.get(key);
      if (first !== undefined) {
        out.push(
          issue(
            ["zerocred:grants", index],
            item,
            `duplicates zerocred:grants[${first}] (same principal, role and scope): remove one; two identical role assignments collide (RoleAssignmentExists).`,
          ),
        );
      } else {
        grantKeys.set(key, index);
      }
    }
  }
  return out;
}

function issueRank(i: ConfigIssue, rawKeys: readonly string[]): number[] {
  const top = KNOWN_CONFIG_KEYS.find(
    (k) => i.path === k || i.path.startsWith(`${k}.`) || i.path.startsWith(`${k}[`),
  );
  const first =
    top !== undefined
      ? KNOWN_CONFIG_KEYS.indexOf(top)
      : KNOWN_CONFIG_KEYS.length + rawKeys.indexOf(i.path);
  const index = /^[^[]*\[(\d+)\]/.exec(i.path);
  return [first, index !== null ? Number(index[1]) : -1];
}

function issueOrder(a: ConfigIssue, b: ConfigIssue, rawKeys: readonly string[]): number {
  const [ra, rb] = [issueRank(a, rawKeys), issueRank(b, rawKeys)];
  return ra[0] - rb[0] || ra[1] - rb[1];
}

/**
 * Validates a flat stack config (`{ "zerocred:prefix": "zc", "zerocred:vm": {...}, ... }`, as in the `config:`
 * block of Pulumi.<stack>.yaml) and returns the typed spec with defaults applied. Keys without a namespace are
 * read as `zerocred:` keys (as Pulumi does). Throws {@link ConfigError} with every problem found. Pure.
 */
export function parseStackConfig(
  rawInput: Record<string, unknown>,
  context: { readonly stack?: string } = {},
): StackSpec {
  const raw = normalizeKeys(rawInput);
  const parsed = rootSchema.safeParse(raw);
  const issues: ConfigIssue[] = [
    ...topLevelIssues(raw),
    ...(parsed.success ? [] : zodIssues(raw, parsed.error)),
    ...crossFieldIssues(raw),
  ];
  if (issues.length > 0 || !parsed.success) {
    // Grouped by key (declaration order), then list index, then discovery order (the sort is stable).
    const rawKeys = Object.keys(raw);
    issues.sort((a, b) => issueOrder(a, b, rawKeys));
    throw new ConfigError(issues, context);
  }
  const d = parsed.data;
  return {
    location: d["azure-native:location"],
    prefix: d["zerocred:prefix"],
    environment: d["zerocred:environment"],
    ...(d["zerocred:resourceGroupName"] !== ""
      ? { resourceGroupName: d["zerocred:resourceGroupName"] }
      : {}),
    deployer: d["zerocred:deployer"],
    network: d["zerocred:network"],
    vm: d["zerocred:vm"],
    aks: d["zerocred:aks"],
    identities: d["zerocred:identities"],
    workloads: d["zerocred:workloads"],
    grants: d["zerocred:grants"].map((g) => {
      const role = findRole(g.role);
      return {
        principal: g.principal,
        role: g.role,
        roleId: role?.id ?? g.role.toLowerCase(),
        ...(role !== undefined ? { roleName: role.roleName } : {}),
        scope: g.scope as GrantScope,
      };
    }),
    verification: d["zerocred:verification"],
  };
}

/** `prefix` → `zerocred:prefix` (Pulumi reads un-namespaced stack keys as project keys). */
function normalizeKeys(raw: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    out[key.includes(":") ? key : `${NAMESPACE}:${key}`] = value;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// sources: a stack file, or the Pulumi engine

/**
 * Reads the `config:` block of a Pulumi.<stack>.yaml (`{ "zerocred:prefix": "zc", ... }`). Throws
 * {@link ConfigError} for a missing/unreadable file, a YAML syntax error (with line and column) or a missing
 * `config:` block.
 */
export function readStackConfigFile(path: string): Record<string, unknown> {
  let source: string;
  try {
    source = fs.readFileSync(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const problem =
      code === "ENOENT"
        ? "file not found: create it (copy Pulumi.dev.yaml) or name an existing stack file."
        : `cannot be read (${code ?? String(e)}): check the path and its permissions.`;
    throw new ConfigError([{ path, value: undefined, message: `${path}: ${problem}` }]);
  }
  const doc = parseDocument(source);
  if (doc.errors.length > 0) {
    // Only the first syntax error: the parser's later errors are usually consequences of it.
    const err = doc.errors[0];
    const pos = err.linePos?.[0];
    const where = pos !== undefined ? `:${pos.line}:${pos.col}` : "";
    const first = err.message.split(" at line ")[0].split("\n")[0];
    throw new ConfigError([
      {
        path: `${path}${where}`,
        value: undefined,
        message: `${path}${where}: YAML syntax error: ${first}. Fix the YAML (indent with spaces, quote values that contain ": " or start with special characters).`,
      },
    ]);
  }
  const data: unknown = doc.toJS();
  const configBlock =
    data !== null && typeof data === "object" && !Array.isArray(data)
      ? (data as Record<string, unknown>).config
      : undefined;
  if (configBlock === undefined || configBlock === null) {
    throw new ConfigError([
      {
        path,
        value: undefined,
        message: `${path}: has no "config:" block: put the stack settings under a top-level "config:" key (see Pulumi.dev.yaml).`,
      },
    ]);
  }
  if (typeof configBlock !== "object" || Array.isArray(configBlock)) {
    throw new ConfigError([
      {
        path: `${path}:config`,
        value: configBlock,
        message: `${path}: "config:" is ${typeName(configBlock)}, not a map: write "key: value" pairs under it (see Pulumi.dev.yaml).`,
      },
    ]);
  }
  return { ...(configBlock as Record<string, unknown>) };
}

/**
 * Converts Pulumi's flat config map (every value a string; structured values JSON-encoded) to the raw shape
 * {@link parseStackConfig} takes. A structured key that is not valid JSON is kept as a string (and then
 * reported as "not a map"/"not a list").
 */
export function fromPulumiConfigMap(
  all: Readonly<Record<string, string>>,
): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  const structured: readonly string[] = STRUCTURED_CONFIG_KEYS;
  for (const [key, value] of Object.entries(all)) {
    const ours = key.startsWith(`${NAMESPACE}:`) || key === "azure-native:location";
    if (!ours && topLevelIssues({ [key]: value }).length === 0) {
      continue; // another provider's or Pulumi's own setting
    }
    if (
      structured.includes(key) ||
      (key.startsWith(`${NAMESPACE}:`) && !KNOWN_CONFIG_KEYS.includes(key as ConfigKey))
    ) {
      try {
        raw[key] = JSON.parse(value) as unknown;
        continue;
      } catch {
        // fall through: reported by the schema
      }
    }
    raw[key] = value;
  }
  return raw;
}

/**
 * The stack's config as Pulumi passes it to the program (`pulumi.runtime.allConfig()`, i.e. every key of every
 * namespace, so unknown `zerocred:` keys are detected too), validated. Throws {@link ConfigError}.
 */
export function loadPulumiConfig(): StackSpec {
  return parseStackConfig(fromPulumiConfigMap(pulumi.runtime.allConfig()), {
    stack: pulumi.getStack(),
  });
}
