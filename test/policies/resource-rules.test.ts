/**
 * Every resource-level rule: the compliant fixture passes, and the same fixture with one field changed
 * fails with the exact message.
 */
import { describe, expect, it } from "vitest";
import { evaluatePolicies } from "../../policies/evaluate";
import { ruleByName, rules } from "../../policies/registry";
import {
  clusterProps,
  ficProps,
  jobProps,
  nicProps,
  OWNER,
  resource,
  RG_ID,
  roleAssignmentProps,
  roleDefId,
  setPath,
  SUB,
  T,
  UNKNOWN_VALUE,
  vaultProps,
  vmProps,
} from "./fixtures";

type Props = Record<string, unknown>;

const NAMES: Record<string, string> = {
  [T.vault]: "kv",
  [T.roleAssignment]: "ra",
  [T.fic]: "fic",
  [T.cluster]: "aks",
  [T.vm]: "vm",
  [T.nic]: "nic",
  [T.job]: "job",
};

function messages(policy: string, type: string, props: Props): string[] {
  const rule = ruleByName(policy);
  if (rule === undefined) {
    throw new Error(`rule ${policy} is not registered`);
  }
  return evaluatePolicies([resource(type, NAMES[type], props)], {}, [rule]).map((v) => v.message);
}

/** Every key path in a fixture (objects and array elements included, not only leaves). */
function leafPaths(value: unknown, prefix: readonly string[] = []): string[][] {
  if (typeof value !== "object" || value === null) {
    return [];
  }
  return Object.entries(value).flatMap(([key, child]) => {
    const path = [...prefix, key];
    return [path, ...leafPaths(child, path)];
  });
}

interface Case {
  readonly policy: string;
  readonly type: string;
  readonly base: () => Props;
  readonly change: string;
  readonly mutate: (p: Props) => void;
  readonly expected: string[];
}

const cases: Case[] = [
  // Key Vault
  {
    policy: "keyvault-requires-rbac-authorization",
    type: T.vault,
    base: vaultProps,
    change: "enableRbacAuthorization unset",
    mutate: (p) => setPath(p, "properties.enableRbacAuthorization", undefined),
    expected: [
      'Key Vault "kv" has properties.enableRbacAuthorization = unset (Azure\'s default is false: access policies); set it to true so data-plane access is granted only by Azure RBAC role assignments.',
    ],
  },
  {
    policy: "keyvault-forbids-inline-access-policies",
    type: T.vault,
    base: vaultProps,
    change: "one access policy",
    mutate: (p) =>
      setPath(p, "properties.accessPolicies", [{ objectId: "x", tenantId: "t", permissions: {} }]),
    expected: [
      'Key Vault "kv" declares 1 access policy in properties.accessPolicies; remove them and grant a Key Vault data role (e.g. "Key Vault Secrets User") with a role assignment at the vault scope instead.',
    ],
  },
  {
    policy: "keyvault-retains-soft-deleted-items",
    type: T.vault,
    base: vaultProps,
    change: "retention 5 days",
    mutate: (p) => setPath(p, "properties.softDeleteRetentionInDays", 5),
    expected: [
      'Key Vault "kv" has properties.softDeleteRetentionInDays = 5; set it to at least 7 (90 is Azure\'s default).',
    ],
  },
  {
    policy: "keyvault-retains-soft-deleted-items",
    type: T.vault,
    base: vaultProps,
    change: "soft delete off",
    mutate: (p) => setPath(p, "properties.enableSoftDelete", false),
    expected: [
      'Key Vault "kv" has properties.enableSoftDelete = false; remove the setting (or set it to true) so deleted secrets stay recoverable.',
    ],
  },
  {
    policy: "keyvault-enables-purge-protection",
    type: T.vault,
    base: vaultProps,
    change: "purge protection false",
    mutate: (p) => setPath(p, "properties.enablePurgeProtection", false),
    expected: [
      'Key Vault "kv" has properties.enablePurgeProtection = false; set it to true so a deleted vault cannot be purged during its retention period.',
    ],
  },
  {
    policy: "keyvault-restricts-network-access",
    type: T.vault,
    base: vaultProps,
    change: "defaultAction Allow",
    mutate: (p) => setPath(p, "properties.networkAcls.defaultAction", "Allow"),
    expected: [
      'Key Vault "kv" accepts public traffic: properties.networkAcls.defaultAction = "Allow" and properties.publicNetworkAccess = unset; set networkAcls.defaultAction to "Deny" (allowing named subnets or IP ranges) or publicNetworkAccess to "Disabled".',
    ],
  },
  {
    policy: "keyvault-uses-valid-name",
    type: T.vault,
    base: vaultProps,
    change: "name starting with a digit",
    mutate: (p) => setPath(p, "vaultName", "1zc-dev-kv"),
    expected: ['Key Vault "kv": Key Vault name "1zc-dev-kv" must start with a letter.'],
  },
  // Role assignments
  {
    policy: "role-assignment-sets-principal-type",
    type: T.roleAssignment,
    base: roleAssignmentProps,
    change: "principalType unset",
    mutate: (p) => setPath(p, "principalType", undefined),
    expected: [
      'Role assignment "ra" has principalType unset; set it ("ServicePrincipal" for managed identities) so Azure does not fail with PrincipalNotFound while a new principal replicates.',
    ],
  },
  {
    policy: "role-assignment-avoids-privileged-roles-at-broad-scope",
    type: T.roleAssignment,
    base: roleAssignmentProps,
    change: "Owner at the resource group",
    mutate: (p) => {
      setPath(p, "roleDefinitionId", roleDefId(OWNER));
      setPath(p, "scope", RG_ID);
    },
    expected: [
      `Role assignment "ra" grants "Owner" at resource group scope "${RG_ID}"; grant a narrower role at the resource that needs it instead.`,
    ],
  },
  {
    policy: "role-assignment-avoids-privileged-roles-at-broad-scope",
    type: T.roleAssignment,
    base: roleAssignmentProps,
    change: "Contributor (by GUID) at the subscription",
    mutate: (p) => {
      setPath(p, "roleDefinitionId", "b24988ac-6180-42a0-ab88-20f7382dd24c");
      setPath(p, "scope", `/subscriptions/${SUB}`);
    },
    expected: [
      `Role assignment "ra" grants "Contributor" at subscription scope "/subscriptions/${SUB}"; grant a narrower role at the resource that needs it instead.`,
    ],
  },
  {
    policy: "role-assignment-scopes-keyvault-data-roles-to-vault",
    type: T.roleAssignment,
    base: roleAssignmentProps,
    change: "Secrets User at the resource group",
    mutate: (p) => setPath(p, "scope", RG_ID),
    expected: [
      `Role assignment "ra" grants Key Vault data role "Key Vault Secrets User" at scope "${RG_ID}"; assign it at the vault (/providers/Microsoft.KeyVault/vaults/<name>) or a secret inside it.`,
    ],
  },
  {
    policy: "role-assignment-uses-deterministic-name",
    type: T.roleAssignment,
    base: roleAssignmentProps,
    change: "roleAssignmentName unset",
    mutate: (p) => setPath(p, "roleAssignmentName", undefined),
    expected: [
      'Role assignment "ra" has roleAssignmentName = unset; set it to a GUID derived from scope, role and principal (roleAssignmentName() in components/naming.ts) so re-deployments find the same assignment.',
    ],
  },
  // Federated credentials
  {
    policy: "federated-credential-uses-token-exchange-audience",
    type: T.fic,
    base: () => ficProps(),
    change: "a second audience",
    mutate: (p) => setPath(p, "audiences", ["api://AzureADTokenExchange", "api://other"]),
    expected: [
      'Federated credential "fic" has audiences = ["api://AzureADTokenExchange","api://other"]; set it to ["api://AzureADTokenExchange"] (exactly one audience, matched byte for byte).',
    ],
  },
  {
    policy: "federated-credential-uses-service-account-subject",
    type: T.fic,
    base: () => ficProps(),
    change: "an uppercase namespace",
    mutate: (p) => setPath(p, "subject", "system:serviceaccount:Zerocred:reader"),
    expected: [
      `Federated credential "fic" trusts AKS issuer "${ficProps().issuer}" with subject "system:serviceaccount:Zerocred:reader"; use system:serviceaccount:<namespace>:<service-account> (lowercase Kubernetes names, matched case-sensitively).`,
    ],
  },
  {
    policy: "federated-credential-uses-valid-name",
    type: T.fic,
    base: () => ficProps(),
    change: "a dotted name",
    mutate: (p) => setPath(p, "federatedIdentityCredentialResourceName", "zerocred.reader"),
    expected: [
      'Federated credential "fic": Federated credential name "zerocred.reader" is invalid: use 3 to 120 characters of letters, digits, "-" and "_", starting with a letter or digit.',
    ],
  },
  // AKS
  {
    policy: "aks-enables-workload-identity",
    type: T.cluster,
    base: clusterProps,
    change: "workload identity off",
    mutate: (p) => setPath(p, "securityProfile.workloadIdentity.enabled", false),
    expected: [
      'AKS cluster "aks" has securityProfile.workloadIdentity.enabled = false; set it to true so labeled pods get a federated token and AZURE_* variables injected.',
    ],
  },
  {
    policy: "aks-enables-workload-identity",
    type: T.cluster,
    base: clusterProps,
    change: "OIDC issuer unset",
    mutate: (p) => setPath(p, "oidcIssuerProfile", undefined),
    expected: [
      'AKS cluster "aks" has oidcIssuerProfile.enabled = unset; set it to true so the cluster issues service account tokens Entra ID can verify.',
    ],
  },
  {
    policy: "aks-disables-local-accounts",
    type: T.cluster,
    base: clusterProps,
    change: "local accounts on",
    mutate: (p) => setPath(p, "disableLocalAccounts", false),
    expected: [
      'AKS cluster "aks" has disableLocalAccounts = false; set it to true so no static admin credential can be listed.',
    ],
  },
  {
    policy: "aks-uses-managed-entra-id",
    type: T.cluster,
    base: clusterProps,
    change: "aadProfile unset",
    mutate: (p) => setPath(p, "aadProfile", undefined),
    expected: [
      'AKS cluster "aks" has aadProfile.managed = unset; set it to true so users and deployers sign in with Entra ID.',
    ],
  },
  {
    policy: "aks-enables-azure-rbac",
    type: T.cluster,
    base: clusterProps,
    change: "Azure RBAC off",
    mutate: (p) => setPath(p, "aadProfile.enableAzureRBAC", false),
    expected: [
      'AKS cluster "aks" has aadProfile.enableAzureRBAC = false; set it to true so Kubernetes permissions are Azure role assignments.',
    ],
  },
  {
    policy: "aks-enables-azure-rbac",
    type: T.cluster,
    base: clusterProps,
    change: "Kubernetes RBAC off",
    mutate: (p) => setPath(p, "enableRBAC", false),
    expected: [
      'AKS cluster "aks" has enableRBAC = false; remove it (or set true) so Kubernetes authorization is enforced.',
    ],
  },
  {
    policy: "aks-restricts-api-server-access",
    type: T.cluster,
    base: clusterProps,
    change: "no authorized ranges",
    mutate: (p) => setPath(p, "apiServerAccessProfile.authorizedIPRanges", []),
    expected: [
      'AKS cluster "aks" exposes its API server to every address: set apiServerAccessProfile.authorizedIPRanges or apiServerAccessProfile.enablePrivateCluster = true.',
    ],
  },
  {
    policy: "aks-sets-auto-upgrade-channel",
    type: T.cluster,
    base: clusterProps,
    change: "channel none",
    mutate: (p) => setPath(p, "autoUpgradeProfile.upgradeChannel", "none"),
    expected: [
      'AKS cluster "aks" has autoUpgradeProfile.upgradeChannel = "none"; set it to "patch" or "stable" so Kubernetes patches are applied.',
    ],
  },
  {
    policy: "aks-sets-node-os-upgrade-channel",
    type: T.cluster,
    base: clusterProps,
    change: "channel Unmanaged",
    mutate: (p) => setPath(p, "autoUpgradeProfile.nodeOSUpgradeChannel", "Unmanaged"),
    expected: [
      'AKS cluster "aks" has autoUpgradeProfile.nodeOSUpgradeChannel = "Unmanaged"; set it to "NodeImage" or "SecurityPatch" so node OS security updates are applied.',
    ],
  },
  {
    policy: "aks-disables-pod-identity",
    type: T.cluster,
    base: clusterProps,
    change: "pod identity on",
    mutate: (p) => setPath(p, "podIdentityProfile", { enabled: true }),
    expected: [
      'AKS cluster "aks" has podIdentityProfile.enabled = true; remove the deprecated pod identity add-on and use workload identity instead.',
    ],
  },
  {
    policy: "aks-configures-network-policy",
    type: T.cluster,
    base: clusterProps,
    change: "network policy unset",
    mutate: (p) => setPath(p, "networkProfile.networkPolicy", undefined),
    expected: [
      'AKS cluster "aks" has networkProfile.networkPolicy = unset; set it to "azure", "calico" or "cilium" so Kubernetes NetworkPolicies are enforced.',
    ],
  },
  // VM and NIC
  {
    policy: "vm-disables-password-authentication",
    type: T.vm,
    base: vmProps,
    change: "password auth on",
    mutate: (p) => setPath(p, "osProfile.linuxConfiguration.disablePasswordAuthentication", false),
    expected: [
      'Virtual machine "vm" has osProfile.linuxConfiguration.disablePasswordAuthentication = false; set it to true so only SSH keys can sign in.',
    ],
  },
  {
    policy: "vm-disables-password-authentication",
    type: T.vm,
    base: vmProps,
    change: "an admin password",
    mutate: (p) => setPath(p, "osProfile.adminPassword", "not-a-real-password"),
    expected: [
      'Virtual machine "vm" sets osProfile.adminPassword; remove it and sign in with an SSH key.',
    ],
  },
  {
    policy: "vm-requires-ssh-public-key",
    type: T.vm,
    base: vmProps,
    change: "no keys",
    mutate: (p) => setPath(p, "osProfile.linuxConfiguration.ssh.publicKeys", []),
    expected: [
      'Virtual machine "vm" has no SSH public key with keyData in osProfile.linuxConfiguration.ssh.publicKeys; add one (the admin\'s key) so the VM is reachable without a password.',
    ],
  },
  {
    policy: "vm-assigns-managed-identity",
    type: T.vm,
    base: vmProps,
    change: "identity None",
    mutate: (p) => setPath(p, "identity.type", "None"),
    expected: [
      'Virtual machine "vm" has identity.type = "None"; set it to "SystemAssigned" (or "SystemAssigned, UserAssigned") so code on the VM gets tokens from IMDS.',
    ],
  },
  {
    policy: "vm-enables-trusted-launch",
    type: T.vm,
    base: vmProps,
    change: "secure boot off",
    mutate: (p) => setPath(p, "securityProfile.uefiSettings.secureBootEnabled", false),
    expected: [
      'Virtual machine "vm" has securityProfile.uefiSettings.secureBootEnabled = false; set it to true.',
    ],
  },
  {
    policy: "vm-enables-trusted-launch",
    type: T.vm,
    base: vmProps,
    change: "no security profile",
    mutate: (p) => setPath(p, "securityProfile", undefined),
    expected: [
      'Virtual machine "vm" has securityProfile.securityType = unset; set it to "TrustedLaunch" (Gen2 image) so boot integrity can be verified.',
      'Virtual machine "vm" has securityProfile.uefiSettings.secureBootEnabled = unset; set it to true.',
      'Virtual machine "vm" has securityProfile.uefiSettings.vTpmEnabled = unset; set it to true.',
    ],
  },
  {
    policy: "vm-enables-boot-diagnostics",
    type: T.vm,
    base: vmProps,
    change: "boot diagnostics off",
    mutate: (p) => setPath(p, "diagnosticsProfile.bootDiagnostics.enabled", false),
    expected: [
      'Virtual machine "vm" has diagnosticsProfile.bootDiagnostics.enabled = false; set it to true so boot failures can be diagnosed from the serial log.',
    ],
  },
  {
    policy: "nic-avoids-public-ip",
    type: T.nic,
    base: nicProps,
    change: "a public IP",
    mutate: (p) =>
      setPath(p, "ipConfigurations.0.publicIPAddress", {
        id: `${RG_ID}/providers/Microsoft.Network/publicIPAddresses/pip`,
      }),
    expected: [
      'Network interface "nic" attaches a public IP address in ipConfigurations "ipconfig1"; remove publicIPAddress and reach the VM through Bastion, a VPN or run commands.',
    ],
  },
  // Kubernetes
  {
    policy: "verification-job-omits-ttl",
    type: T.job,
    base: jobProps,
    change: "a TTL",
    mutate: (p) => setPath(p, "spec.ttlSecondsAfterFinished", 600),
    expected: [
      'Verification Job "job" sets spec.ttlSecondsAfterFinished = 600; remove it: once Kubernetes deletes the finished Job, the next pulumi refresh recreates and re-runs it.',
    ],
  },
];

describe("resource rules", () => {
  it.each(cases)("$policy: compliant fixture passes (vs $change)", ({ policy, type, base }) => {
    expect(messages(policy, type, base())).toEqual([]);
  });

  it.each(cases)("$policy fails when $change", ({ policy, type, base, mutate, expected }) => {
    const props = base();
    mutate(props);
    expect(messages(policy, type, props)).toEqual(expected);
  });

  it.each(cases)(
    "$policy reports nothing on the compliant fixture while any one value is unknown (preview)",
    ({ policy, type, base }) => {
      for (const path of leafPaths(base())) {
        const props = base();
        setPath(props, path, UNKNOWN_VALUE);
        expect({ path, messages: messages(policy, type, props) }).toEqual({ path, messages: [] });
      }
    },
  );

  it("every resource rule has at least one case", () => {
    const covered = new Set(cases.map((c) => c.policy));
    const resourceRules = rules.filter((r) => r.kind === "resource").map((r) => r.name);
    expect([...covered].sort()).toEqual([...resourceRules].sort());
  });

  it("ignores resources of other types and a Job zerocred does not own", () => {
    expect(messages("keyvault-requires-rbac-authorization", T.nic, nicProps())).toEqual([]);
    const job: Props = jobProps();
    setPath(job, "metadata.labels", {});
    setPath(job, "spec.ttlSecondsAfterFinished", 60);
    expect(messages("verification-job-omits-ttl", T.job, job)).toEqual([]);
  });

  it("treats preview unknowns as not yet decidable", () => {
    const ra: Props = {
      ...roleAssignmentProps(),
      scope: UNKNOWN_VALUE,
      roleAssignmentName: UNKNOWN_VALUE,
    };
    expect(
      messages("role-assignment-scopes-keyvault-data-roles-to-vault", T.roleAssignment, ra),
    ).toEqual([]);
    expect(messages("role-assignment-uses-deterministic-name", T.roleAssignment, ra)).toEqual([]);
    const fic: Props = { ...ficProps(), issuer: UNKNOWN_VALUE, subject: "not-a-service-account" };
    expect(messages("federated-credential-uses-service-account-subject", T.fic, fic)).toEqual([]);
  });

  it("federated credentials for non-AKS issuers keep their own subject format", () => {
    const fic: Props = {
      ...ficProps(),
      issuer: "https://token.actions.githubusercontent.com",
      subject: "repo:contoso/zerocred:environment:dev",
    };
    expect(messages("federated-credential-uses-service-account-subject", T.fic, fic)).toEqual([]);
  });
});
