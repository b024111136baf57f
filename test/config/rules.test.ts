import { describe, expect, it } from "vitest";
import { ConfigError, parseStackConfig, type ConfigIssue } from "../../infra/config";
import { DELETE, edited } from "./fixtures";

/** Workload number `i`, all bound to the `orders` identity. */
const wl = (i: number) => ({
  name: `w${i}`,
  namespace: "shop",
  serviceAccount: `sa${i}`,
  identity: "orders",
});

function issuesOf(raw: Record<string, unknown>): ConfigIssue[] {
  try {
    parseStackConfig(raw);
  } catch (e) {
    if (e instanceof ConfigError) {
      return e.issues;
    }
    throw e;
  }
  throw new Error("expected a ConfigError");
}

interface Row {
  readonly name: string;
  readonly changes: Record<string, unknown>;
  readonly path: string;
  readonly message: string;
}

/** The fix named by every invalid zerocred:resourceGroupName (Azure's resource group naming rules). */
const RG_FIX =
  'is not a valid resource group name: use the existing group\'s name, 1–90 letters, digits, "_", "(", ")", "-" or ".", not ending in "." (e.g. "zerocred-dev", the bootstrap\'s targetResourceGroupName), or "" to let the stack create its own group.';

/** One rule per row: the dev stack with one change must fail with exactly this one issue. */
const ROWS: readonly Row[] = [
  {
    name: "prefix uppercase",
    changes: { "zerocred:prefix": "Zc" },
    path: "zerocred:prefix",
    message:
      'zerocred:prefix: "Zc" is not a valid prefix: use 2–8 lowercase letters or digits starting with a letter (e.g. "zc").',
  },
  {
    name: "prefix too short",
    changes: { "zerocred:prefix": "z" },
    path: "zerocred:prefix",
    message:
      'zerocred:prefix: "z" is not a valid prefix: use 2–8 lowercase letters or digits starting with a letter (e.g. "zc").',
  },
  {
    name: "prefix too long",
    changes: { "zerocred:prefix": "toolongpx" },
    path: "zerocred:prefix",
    message:
      'zerocred:prefix: "toolongpx" is not a valid prefix: use 2–8 lowercase letters or digits starting with a letter (e.g. "zc").',
  },
  {
    name: "prefix starts with digit",
    changes: { "zerocred:prefix": "1zc" },
    path: "zerocred:prefix",
    message:
      'zerocred:prefix: "1zc" is not a valid prefix: use 2–8 lowercase letters or digits starting with a letter (e.g. "zc").',
  },
  {
    name: "prefix not a string",
    changes: { "zerocred:prefix": 12 },
    path: "zerocred:prefix",
    message: 'zerocred:prefix: 12 is a number, not a string: set the name prefix, e.g. "zc".',
  },
  {
    name: "environment unknown",
    changes: { "zerocred:environment": "staging" },
    path: "zerocred:environment",
    message: 'zerocred:environment: "staging" is not allowed. Use one of: dev, prod.',
  },
  {
    name: "environment wrong case",
    changes: { "zerocred:environment": "Dev" },
    path: "zerocred:environment",
    message:
      'zerocred:environment: "Dev" is not allowed. Did you mean "dev"? Use one of: dev, prod.',
  },
  {
    name: "location missing",
    changes: { "azure-native:location": DELETE },
    path: "azure-native:location",
    message: 'azure-native:location: is required: set the Azure region, e.g. "westeurope".',
  },
  {
    name: "location display name",
    changes: { "azure-native:location": "West Europe" },
    path: "azure-native:location",
    message:
      'azure-native:location: "West Europe" is not an Azure region name: use the programmatic name, lowercase without spaces (e.g. "westeurope"; list them with `az account list-locations -o table`).',
  },
  {
    name: "resourceGroupName ends with a period",
    changes: { "zerocred:resourceGroupName": "zerocred-dev." },
    path: "zerocred:resourceGroupName",
    message: `zerocred:resourceGroupName: "zerocred-dev." ${RG_FIX}`,
  },
  {
    name: "resourceGroupName with a slash",
    changes: { "zerocred:resourceGroupName": "team/zerocred" },
    path: "zerocred:resourceGroupName",
    message: `zerocred:resourceGroupName: "team/zerocred" ${RG_FIX}`,
  },
  {
    name: "resourceGroupName with a space",
    changes: { "zerocred:resourceGroupName": "zerocred dev" },
    path: "zerocred:resourceGroupName",
    message: `zerocred:resourceGroupName: "zerocred dev" ${RG_FIX}`,
  },
  {
    name: "resourceGroupName longer than 90",
    changes: { "zerocred:resourceGroupName": "g".repeat(91) },
    path: "zerocred:resourceGroupName",
    message: `zerocred:resourceGroupName: "${"g".repeat(56)}… ${RG_FIX}`,
  },
  {
    name: "resourceGroupName not a string",
    changes: { "zerocred:resourceGroupName": 42 },
    path: "zerocred:resourceGroupName",
    message:
      'zerocred:resourceGroupName: 42 is a number, not a string: set the name of an existing resource group, or "" to create one, e.g. "zerocred-dev".',
  },
  {
    name: "resourceGroupName empty (YAML null)",
    changes: { "zerocred:resourceGroupName": null },
    path: "zerocred:resourceGroupName",
    message:
      'zerocred:resourceGroupName: is empty: set the name of an existing resource group, or "" to create one, e.g. "zerocred-dev".',
  },
  {
    name: "resourceGroupName key typo",
    changes: { "zerocred:resourceGroup": "zerocred-dev" },
    path: "zerocred:resourceGroup",
    message:
      'zerocred:resourceGroup: unknown key. Did you mean "zerocred:resourceGroupName"? zerocred\'s keys are: zerocred:prefix, zerocred:environment, zerocred:resourceGroupName, zerocred:deployer, zerocred:network, zerocred:vm, zerocred:aks, zerocred:identities, zerocred:workloads, zerocred:grants, zerocred:verification. Remove or rename it.',
  },
  {
    name: "deployer principalType case",
    changes: { "zerocred:deployer.principalType": "user" },
    path: "zerocred:deployer.principalType",
    message:
      'zerocred:deployer.principalType: "user" is not allowed. Did you mean "User"? Use one of: User, ServicePrincipal.',
  },
  {
    name: "deployer kubeloginMode interactive",
    changes: { "zerocred:deployer.kubeloginMode": "devicecode" },
    path: "zerocred:deployer.kubeloginMode",
    message:
      'zerocred:deployer.kubeloginMode: "devicecode" is not allowed. Use one of: azurecli, workloadidentity, spn, msi.',
  },
  {
    name: "deployer unknown key",
    changes: { "zerocred:deployer.kubeLoginMod": "spn" },
    path: "zerocred:deployer.kubeLoginMod",
    message:
      'zerocred:deployer.kubeLoginMod: unknown key. Did you mean "kubeloginMode"? Known keys here: principalType, kubeloginMode, clusterAdmin. Remove or rename it.',
  },
  {
    name: "addressSpace too small",
    changes: { "zerocred:network.addressSpace": "10.42.0.0/24" },
    path: "zerocred:network.addressSpace",
    message:
      'zerocred:network.addressSpace: "10.42.0.0/24" is too small: the vm /24 and the aks /20 subnets need at least a /19; use a /16 such as "10.42.0.0/16".',
  },
  {
    name: "addressSpace host bits",
    changes: { "zerocred:network.addressSpace": "10.42.1.0/16" },
    path: "zerocred:network.addressSpace",
    message:
      'zerocred:network.addressSpace: "10.42.1.0/16" has host bits set: use the network address "10.42.0.0/16".',
  },
  {
    name: "addressSpace not CIDR",
    changes: { "zerocred:network.addressSpace": "10.42.0.0" },
    path: "zerocred:network.addressSpace",
    message:
      'zerocred:network.addressSpace: "10.42.0.0" is not an IPv4 CIDR block: use a private range such as "10.42.0.0/16".',
  },
  {
    name: "addressSpace overlaps pod CIDR",
    changes: { "zerocred:network.addressSpace": "192.168.0.0/16" },
    path: "zerocred:network.addressSpace",
    message:
      'zerocred:network.addressSpace: "192.168.0.0/16" overlaps the AKS pod CIDR 192.168.0.0/16: use a range outside it, such as "10.42.0.0/16".',
  },
  {
    name: "addressSpace overlaps service CIDR",
    changes: { "zerocred:network.addressSpace": "172.16.0.0/12" },
    path: "zerocred:network.addressSpace",
    message:
      'zerocred:network.addressSpace: "172.16.0.0/12" overlaps the AKS service CIDR 172.16.0.0/16: use a range outside it, such as "10.42.0.0/16".',
  },
  {
    name: "addressSpace too large",
    changes: { "zerocred:network.addressSpace": "10.0.0.0/7" },
    path: "zerocred:network.addressSpace",
    message:
      'zerocred:network.addressSpace: "10.0.0.0/7" is larger than a /8: use a /16 such as "10.42.0.0/16".',
  },
  {
    name: "allowedIpRanges private",
    changes: { "zerocred:network.allowedIpRanges": ["203.0.113.7", "10.1.2.3"] },
    path: "zerocred:network.allowedIpRanges[1]",
    message:
      'zerocred:network.allowedIpRanges[1]: "10.1.2.3" is in the private (RFC 1918) range 10.0.0.0/8: Key Vault and AKS IP rules only take public addresses; private networks reach the vault through the VNet\'s service endpoints. Use your public IP (`curl -s https://ifconfig.me`).',
  },
  {
    name: "allowedIpRanges /0",
    changes: { "zerocred:network.allowedIpRanges": ["0.0.0.0/0"] },
    path: "zerocred:network.allowedIpRanges[0]",
    message:
      'zerocred:network.allowedIpRanges[0]: "0.0.0.0/0" is too broad (a /0 opens the firewall to a large part of the Internet): list your own public address or range, e.g. "203.0.113.0/24".',
  },
  {
    name: "allowedIpRanges host bits",
    changes: { "zerocred:network.allowedIpRanges": ["203.0.113.5/24"] },
    path: "zerocred:network.allowedIpRanges[0]",
    message:
      'zerocred:network.allowedIpRanges[0]: "203.0.113.5/24" has host bits set: use the network address "203.0.113.0/24".',
  },
  {
    name: "allowedIpRanges bad octet",
    changes: { "zerocred:network.allowedIpRanges": ["999.1.1.1"] },
    path: "zerocred:network.allowedIpRanges[0]",
    message:
      'zerocred:network.allowedIpRanges[0]: "999.1.1.1" is not an IPv4 CIDR block: use a public IPv4 address or CIDR, e.g. "203.0.113.7" or "203.0.113.0/24".',
  },
  {
    name: "allowedIpRanges not a list",
    changes: { "zerocred:network.allowedIpRanges": "203.0.113.0/24" },
    path: "zerocred:network.allowedIpRanges",
    message:
      'zerocred:network.allowedIpRanges: "203.0.113.0/24" is a string, not a list: write a YAML list, e.g. ["203.0.113.0/24"].',
  },
  {
    name: "allowedIpRanges loopback",
    changes: { "zerocred:network.allowedIpRanges": ["127.0.0.1"] },
    path: "zerocred:network.allowedIpRanges[0]",
    message:
      'zerocred:network.allowedIpRanges[0]: "127.0.0.1" is in the loopback range 127.0.0.0/8: Key Vault and AKS IP rules only take public addresses; private networks reach the vault through the VNet\'s service endpoints. Use your public IP (`curl -s https://ifconfig.me`).',
  },
  {
    name: "vm missing",
    changes: { "zerocred:vm": DELETE },
    path: "zerocred:vm",
    message:
      'zerocred:vm: is required: set it as a map, e.g. { sshPublicKey: "ssh-ed25519 AAAA…", identities: [shared] }.',
  },
  {
    name: "sshPublicKey missing",
    changes: { "zerocred:vm.sshPublicKey": DELETE },
    path: "zerocred:vm.sshPublicKey",
    message:
      'zerocred:vm.sshPublicKey: is required: set the single line of your OpenSSH public key (~/.ssh/id_ed25519.pub), e.g. "ssh-ed25519 AAAA… you@host".',
  },
  {
    name: "sshPublicKey dss",
    changes: { "zerocred:vm.sshPublicKey": "ssh-dss AAAAB3NzaC1kc3MAAACBAP" },
    path: "zerocred:vm.sshPublicKey",
    message:
      'zerocred:vm.sshPublicKey: "ssh-dss AAAAB3NzaC1kc3MAAACBAP" has unsupported key type "ssh-dss": use ssh-ed25519 (recommended), ssh-rsa (≥ 2048 bits) or ecdsa-sha2-nistp256/384/521.',
  },
  {
    name: "sshPublicKey private",
    changes: {
      "zerocred:vm.sshPublicKey":
        "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----",
    },
    path: "zerocred:vm.sshPublicKey",
    message:
      "zerocred:vm.sshPublicKey: contains a PRIVATE key: remove it from the config at once and paste the single line of your OpenSSH .pub file (e.g. ~/.ssh/id_ed25519.pub) instead.",
  },
  {
    name: "sshPublicKey type mismatch",
    changes: {
      "zerocred:vm.sshPublicKey":
        "ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAINJAjZ+F4+6sg5Zj7Y909cVf0Pl9k3xWA1HyzZew8KOP",
    },
    path: "zerocred:vm.sshPublicKey",
    message:
      'zerocred:vm.sshPublicKey: "ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAA…" declares type "ssh-rsa" but its key data encodes "ssh-ed25519": the line was edited or mixed up; paste the single line of your OpenSSH .pub file (e.g. ~/.ssh/id_ed25519.pub).',
  },
  {
    name: "adminUsername reserved",
    changes: { "zerocred:vm.adminUsername": "admin" },
    path: "zerocred:vm.adminUsername",
    message:
      'zerocred:vm.adminUsername: "admin" is reserved by Azure: choose another name (e.g. azureuser).',
  },
  {
    name: "adminUsername invalid",
    changes: { "zerocred:vm.adminUsername": "Azure User" },
    path: "zerocred:vm.adminUsername",
    message:
      'zerocred:vm.adminUsername: "Azure User" is not a valid Linux user name: use 1–32 lowercase letters, digits, "_" or "-", starting with a letter or "_" (e.g. azureuser).',
  },
  {
    name: "vm size",
    changes: { "zerocred:vm.size": "B2s" },
    path: "zerocred:vm.size",
    message:
      'zerocred:vm.size: "B2s" is not an Azure VM size: use a size name such as "Standard_B2s" or "Standard_D2s_v5" (`az vm list-sizes -l <region>`).',
  },
  {
    name: "vm identities duplicate",
    changes: { "zerocred:vm.identities": ["shared", "shared"] },
    path: "zerocred:vm.identities[1]",
    message: 'zerocred:vm.identities[1]: "shared" is listed twice: remove the duplicate.',
  },
  {
    name: "vm identities unknown",
    changes: { "zerocred:vm.identities": ["sharde"] },
    path: "zerocred:vm.identities[0]",
    message:
      'zerocred:vm.identities[0]: "sharde" is not an identity declared in zerocred:identities. Did you mean "shared"? Declared: "orders", "shared"; declare it under zerocred:identities or remove it here.',
  },
  {
    name: "nodeCount zero",
    changes: { "zerocred:aks.nodeCount": 0 },
    path: "zerocred:aks.nodeCount",
    message:
      "zerocred:aks.nodeCount: 0 is out of range: use a whole number of nodes from 1 to 100.",
  },
  {
    name: "nodeCount too many",
    changes: { "zerocred:aks.nodeCount": 101 },
    path: "zerocred:aks.nodeCount",
    message:
      "zerocred:aks.nodeCount: 101 is out of range: use a whole number of nodes from 1 to 100.",
  },
  {
    name: "nodeCount string",
    changes: { "zerocred:aks.nodeCount": "3" },
    path: "zerocred:aks.nodeCount",
    message:
      'zerocred:aks.nodeCount: "3" is a string, not a number: use a whole number of nodes from 1 to 100 (unquoted).',
  },
  {
    name: "nodeCount fraction",
    changes: { "zerocred:aks.nodeCount": 1.5 },
    path: "zerocred:aks.nodeCount",
    message:
      "zerocred:aks.nodeCount: 1.5 is not a whole number: use a whole number of nodes from 1 to 100.",
  },
  {
    name: "kubernetesVersion unquoted",
    changes: { "zerocred:aks.kubernetesVersion": 1.3 },
    path: "zerocred:aks.kubernetesVersion",
    message:
      'zerocred:aks.kubernetesVersion: 1.3 is a number, not a string (YAML reads 1.30 as 1.3): quote it, e.g. "1.33", or use "" for the default.',
  },
  {
    name: "kubernetesVersion v-prefix",
    changes: { "zerocred:aks.kubernetesVersion": "v1.33" },
    path: "zerocred:aks.kubernetesVersion",
    message:
      'zerocred:aks.kubernetesVersion: "v1.33" is not a Kubernetes version: use "" (the region\'s default, kept current by the cluster\'s "stable" auto-upgrade channel).',
  },
  {
    // Issue 10 item 8: the stable channel upgrades the cluster past a pinned version; the next
    // pulumi up would then request a downgrade, which AKS refuses.
    name: "kubernetesVersion pinned (minor) with the stable auto-upgrade channel",
    changes: { "zerocred:aks.kubernetesVersion": "1.33" },
    path: "zerocred:aks.kubernetesVersion",
    message:
      'zerocred:aks.kubernetesVersion: "1.33" is pinned, but the cluster auto-upgrades on the "stable" channel (autoUpgradeProfile.upgradeChannel): once AKS upgrades it past 1.33, every pulumi up would ask for a downgrade, which AKS refuses. Use "" (the region\'s default, kept current by the channel).',
  },
  {
    name: "kubernetesVersion pinned (patch) with the stable auto-upgrade channel",
    changes: { "zerocred:aks.kubernetesVersion": "1.33.2" },
    path: "zerocred:aks.kubernetesVersion",
    message:
      'zerocred:aks.kubernetesVersion: "1.33.2" is pinned, but the cluster auto-upgrades on the "stable" channel (autoUpgradeProfile.upgradeChannel): once AKS upgrades it past 1.33.2, every pulumi up would ask for a downgrade, which AKS refuses. Use "" (the region\'s default, kept current by the channel).',
  },
  {
    name: "aks nodeSize",
    changes: { "zerocred:aks.nodeSize": "D2s_v5" },
    path: "zerocred:aks.nodeSize",
    message:
      'zerocred:aks.nodeSize: "D2s_v5" is not an Azure VM size: use a size name such as "Standard_B2s" or "Standard_D2s_v5" (`az vm list-sizes -l <region>`).',
  },
  {
    name: "identity name too short",
    changes: { "zerocred:identities": [{ name: "ab" }, { name: "orders" }, { name: "shared" }] },
    path: "zerocred:identities[0].name",
    message:
      'zerocred:identities[0].name: "ab" is not a valid identity name: use 3–60 letters, digits, "-" or "_", starting with a letter or digit (e.g. "orders").',
  },
  {
    name: "identity name invalid chars",
    changes: {
      "zerocred:identities": [{ name: "orders" }, { name: "shared" }, { name: "orders.svc" }],
    },
    path: "zerocred:identities[2].name",
    message:
      'zerocred:identities[2].name: "orders.svc" is not a valid identity name: use 3–60 letters, digits, "-" or "_", starting with a letter or digit (e.g. "orders").',
  },
  {
    name: "identity duplicate (case-insensitive)",
    changes: {
      "zerocred:identities": [{ name: "orders" }, { name: "shared" }, { name: "Orders" }],
    },
    path: "zerocred:identities[2].name",
    message:
      'zerocred:identities[2].name: "Orders" is declared twice (identity names are case-insensitive in Azure): give each identity a unique name.',
  },
  {
    name: "identity name missing",
    changes: { "zerocred:identities": [{ name: "orders" }, { name: "shared" }, {}] },
    path: "zerocred:identities[2].name",
    message: 'zerocred:identities[2].name: is required: set the identity name, e.g. "orders".',
  },
  {
    name: "identities not a list",
    changes: { "zerocred:identities": { name: "orders" } },
    path: "zerocred:identities",
    message:
      'zerocred:identities: {"name":"orders"} is a map, not a list: write a YAML list, e.g. [{ name: orders }].',
  },
  {
    name: "identity unknown key",
    changes: { "zerocred:identities[0].nmae": "x" },
    path: "zerocred:identities[0].nmae",
    message:
      'zerocred:identities[0].nmae: unknown key. Did you mean "name"? Known keys here: name. Remove or rename it.',
  },
  {
    name: "namespace uppercase",
    changes: { "zerocred:workloads[0].namespace": "Shop" },
    path: "zerocred:workloads[0].namespace",
    message:
      'zerocred:workloads[0].namespace: "Shop" is not a valid Kubernetes namespace: use a DNS-1123 label, at most 63 lowercase letters, digits or "-", starting and ending with a letter or digit (e.g. "shop").',
  },
  {
    name: "namespace too long",
    changes: { "zerocred:workloads[0].namespace": "a".repeat(64) },
    path: "zerocred:workloads[0].namespace",
    message:
      'zerocred:workloads[0].namespace: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa… is not a valid Kubernetes namespace: use a DNS-1123 label, at most 63 lowercase letters, digits or "-", starting and ending with a letter or digit (e.g. "shop").',
  },
  {
    name: "namespace with dot",
    changes: { "zerocred:workloads[0].namespace": "shop.eu" },
    path: "zerocred:workloads[0].namespace",
    message:
      'zerocred:workloads[0].namespace: "shop.eu" is not a valid Kubernetes namespace: use a DNS-1123 label, at most 63 lowercase letters, digits or "-", starting and ending with a letter or digit (e.g. "shop").',
  },
  {
    name: "serviceAccount underscore",
    changes: { "zerocred:workloads[0].serviceAccount": "orders_sa" },
    path: "zerocred:workloads[0].serviceAccount",
    message:
      'zerocred:workloads[0].serviceAccount: "orders_sa" is not a valid Kubernetes service account name: use a DNS-1123 subdomain, at most 253 lowercase letters, digits, "-" or ".", each dot-separated part starting and ending with a letter or digit (e.g. "orders").',
  },
  {
    name: "serviceAccount leading dash",
    changes: { "zerocred:workloads[0].serviceAccount": "-orders" },
    path: "zerocred:workloads[0].serviceAccount",
    message:
      'zerocred:workloads[0].serviceAccount: "-orders" is not a valid Kubernetes service account name: use a DNS-1123 subdomain, at most 253 lowercase letters, digits, "-" or ".", each dot-separated part starting and ending with a letter or digit (e.g. "orders").',
  },
  {
    name: "serviceAccount duplicate binding",
    changes: { "zerocred:workloads[1].serviceAccount": "orders" },
    path: "zerocred:workloads[1].serviceAccount",
    message:
      'zerocred:workloads[1].serviceAccount: service account "orders" in namespace "shop" is already used by zerocred:workloads[0]: one service account maps to one federated credential subject (system:serviceaccount:shop:orders); use a different serviceAccount or namespace.',
  },
  {
    name: "workload name duplicate",
    changes: { "zerocred:workloads[1].name": "orders" },
    path: "zerocred:workloads[1].name",
    message:
      'zerocred:workloads[1].name: "orders" is declared twice: give each workload a unique name.',
  },
  {
    name: "workload name invalid",
    changes: { "zerocred:workloads[1].name": "Reports" },
    path: "zerocred:workloads[1].name",
    message:
      'zerocred:workloads[1].name: "Reports" is not a valid workload name: use at most 60 lowercase letters, digits or "-", starting and ending with a letter or digit (a DNS-1123 label, e.g. "orders").',
  },
  {
    name: "workload identity unknown",
    changes: { "zerocred:workloads[0].identity": "order" },
    path: "zerocred:workloads[0].identity",
    message:
      'zerocred:workloads[0].identity: "order" is not an identity declared in zerocred:identities. Did you mean "orders"? Declared: "orders", "shared"; declare it under zerocred:identities or bind the workload to a declared one.',
  },
  {
    name: "workload identity missing",
    changes: { "zerocred:workloads[0].identity": DELETE },
    path: "zerocred:workloads[0].identity",
    message:
      'zerocred:workloads[0].identity: is required: set the name of an identity in zerocred:identities, e.g. "orders".',
  },
  {
    name: "workload unknown key",
    changes: { "zerocred:workloads[1].colour": "red" },
    path: "zerocred:workloads[1].colour",
    message:
      "zerocred:workloads[1].colour: unknown key. Known keys here: name, namespace, serviceAccount, identity. Remove or rename it.",
  },
  {
    name: "workload not a map",
    changes: { "zerocred:workloads[1]": "reports" },
    path: "zerocred:workloads[1]",
    message:
      'zerocred:workloads[1]: "reports" is a string, not a map: write it as a map, e.g. { name: orders, namespace: shop, serviceAccount: orders, identity: orders }.',
  },
  {
    name: "21 workloads on one identity",
    changes: { "zerocred:workloads": Array.from({ length: 21 }, (_, i) => wl(i)) },
    path: "zerocred:workloads[20].identity",
    message:
      'zerocred:workloads[20].identity: "orders" would get more than 20 workloads: Azure allows at most 20 federated credentials per identity; declare another identity for the remaining workloads.',
  },
  {
    name: "grant principal unknown",
    changes: { "zerocred:grants[1].principal": "VM" },
    path: "zerocred:grants[1].principal",
    message:
      'zerocred:grants[1].principal: "VM" is neither "vm" nor an identity declared in zerocred:identities. Did you mean "vm"? Declared: "orders", "shared"; use "vm" for the VM\'s system-assigned identity or declare the identity under zerocred:identities.',
  },
  {
    name: "grant role typo",
    changes: { "zerocred:grants[0].role": "Key Vault Secret User" },
    path: "zerocred:grants[0].role",
    message:
      'zerocred:grants[0].role: "Key Vault Secret User" is neither a built-in role known to zerocred nor a role definition GUID. Did you mean "Key Vault Secrets User"? Use one of: Key Vault Secrets User, Key Vault Secrets Officer, Key Vault Reader, Key Vault Administrator, Key Vault Certificate User, Key Vault Crypto User, AcrPull, AcrPush, Storage Blob Data Reader, Reader, Contributor, Owner, User Access Administrator, Role Based Access Control Administrator, Azure Kubernetes Service RBAC Cluster Admin, Azure Kubernetes Service Cluster User Role, Network Contributor; or a role definition GUID.',
  },
  {
    name: "grant role unknown",
    changes: { "zerocred:grants[0].role": "Superuser" },
    path: "zerocred:grants[0].role",
    message:
      'zerocred:grants[0].role: "Superuser" is neither a built-in role known to zerocred nor a role definition GUID. Use one of: Key Vault Secrets User, Key Vault Secrets Officer, Key Vault Reader, Key Vault Administrator, Key Vault Certificate User, Key Vault Crypto User, AcrPull, AcrPush, Storage Blob Data Reader, Reader, Contributor, Owner, User Access Administrator, Role Based Access Control Administrator, Azure Kubernetes Service RBAC Cluster Admin, Azure Kubernetes Service Cluster User Role, Network Contributor; or a role definition GUID.',
  },
  {
    name: "grant scope subscription",
    changes: { "zerocred:grants[0].scope": "subscription" },
    path: "zerocred:grants[0].scope",
    message:
      'zerocred:grants[0].scope: "subscription" is not a grant scope. Use "vault", "secret/canary" or "resourceGroup" (narrowest first).',
  },
  {
    name: "grant scope other secret",
    changes: { "zerocred:grants[1].scope": "secret/db-password" },
    path: "zerocred:grants[1].scope",
    message:
      'zerocred:grants[1].scope: "secret/db-password" names a secret the stack does not declare: the only secret is "canary"; use "secret/canary" (or "vault").',
  },
  {
    name: "grant scope case",
    changes: { "zerocred:grants[0].scope": "Vault" },
    path: "zerocred:grants[0].scope",
    message:
      'zerocred:grants[0].scope: "Vault" is not a grant scope. Did you mean "vault"? Use "vault", "secret/canary" or "resourceGroup" (narrowest first).',
  },
  {
    name: "grant duplicate",
    changes: {
      "zerocred:grants[1]": {
        principal: "vm",
        role: "4633458b-17de-408a-b874-0445c86b69e6",
        scope: "vault",
      },
    },
    path: "zerocred:grants[1]",
    message:
      "zerocred:grants[1]: duplicates zerocred:grants[0] (same principal, role and scope): remove one; two identical role assignments collide (RoleAssignmentExists).",
  },
  {
    name: "timeout too short",
    changes: { "zerocred:verification.timeoutSeconds": 30 },
    path: "zerocred:verification.timeoutSeconds",
    message:
      "zerocred:verification.timeoutSeconds: 30 is out of range: use a whole number of seconds from 60 to 3600.",
  },
  {
    name: "timeout string",
    changes: { "zerocred:verification.timeoutSeconds": "900" },
    path: "zerocred:verification.timeoutSeconds",
    message:
      'zerocred:verification.timeoutSeconds: "900" is a string, not a number: use a whole number of seconds from 60 to 3600 (unquoted).',
  },
  {
    name: "enabled string",
    changes: { "zerocred:verification.enabled": "yes" },
    path: "zerocred:verification.enabled",
    message:
      'zerocred:verification.enabled: "yes" is a string, not a boolean: use true or false (unquoted) to run the verifiers.',
  },
  {
    name: "top-level typo",
    changes: { "zerocred:netwrk": { addressSpace: "10.42.0.0/16" } },
    path: "zerocred:netwrk",
    message:
      'zerocred:netwrk: unknown key. Did you mean "zerocred:network"? zerocred\'s keys are: zerocred:prefix, zerocred:environment, zerocred:resourceGroupName, zerocred:deployer, zerocred:network, zerocred:vm, zerocred:aks, zerocred:identities, zerocred:workloads, zerocred:grants, zerocred:verification. Remove or rename it.',
  },
  {
    name: "namespace typo",
    changes: { "zercred:grants": [] },
    path: "zercred:grants",
    message:
      'zercred:grants: unknown namespace "zercred". Did you mean "zerocred:grants"? zerocred\'s keys are: zerocred:prefix, zerocred:environment, zerocred:resourceGroupName, zerocred:deployer, zerocred:network, zerocred:vm, zerocred:aks, zerocred:identities, zerocred:workloads, zerocred:grants, zerocred:verification.',
  },
  {
    name: "location typo",
    changes: { "azure-native:locaton": "westeurope" },
    path: "azure-native:locaton",
    message:
      'azure-native:locaton: unknown key. Did you mean "azure-native:location"? Set the Azure region there, e.g. westeurope.',
  },
  {
    name: "unknown top-level key without hint",
    changes: { "zerocred:colour": "blue" },
    path: "zerocred:colour",
    message:
      "zerocred:colour: unknown key. zerocred's keys are: zerocred:prefix, zerocred:environment, zerocred:resourceGroupName, zerocred:deployer, zerocred:network, zerocred:vm, zerocred:aks, zerocred:identities, zerocred:workloads, zerocred:grants, zerocred:verification. Remove or rename it.",
  },
  {
    name: "vm empty (YAML null)",
    changes: { "zerocred:vm": null },
    path: "zerocred:vm",
    message:
      'zerocred:vm: is empty: set it as a map, e.g. { sshPublicKey: "ssh-ed25519 AAAA…", identities: [shared] }.',
  },
  {
    name: "identities empty (YAML null)",
    changes: {
      "zerocred:identities": null,
      "zerocred:vm.identities": [],
      "zerocred:workloads": [],
      "zerocred:grants": [],
    },
    path: "zerocred:identities",
    message:
      "zerocred:identities: is empty: write a YAML list, e.g. [{ name: orders }], or [] for none.",
  },
  {
    name: "prefix empty (YAML null)",
    changes: { "zerocred:prefix": null },
    path: "zerocred:prefix",
    message: 'zerocred:prefix: is empty: set the name prefix, e.g. "zc".',
  },
  {
    name: "identity name longer than 60",
    changes: {
      "zerocred:identities[1].name": "s".repeat(61),
      "zerocred:vm.identities": [],
      "zerocred:workloads[1].identity": "orders",
    },
    path: "zerocred:identities[1].name",
    message: `zerocred:identities[1].name: "${"s".repeat(56)}… is not a valid identity name: use 3–60 letters, digits, "-" or "_", starting with a letter or digit (e.g. "orders").`,
  },
  {
    name: "workload name longer than 60",
    changes: { "zerocred:workloads[1].name": "r".repeat(61) },
    path: "zerocred:workloads[1].name",
    message: `zerocred:workloads[1].name: "${"r".repeat(56)}… is not a valid workload name: use at most 60 lowercase letters, digits or "-", starting and ending with a letter or digit (a DNS-1123 label, e.g. "orders").`,
  },
];

describe("parseStackConfig rejects each invalid value with an exact message", () => {
  it("has at least 40 rows", () => {
    expect(ROWS.length).toBeGreaterThanOrEqual(40);
  });

  it.each(ROWS)("$name", ({ changes, path, message }) => {
    const issues = issuesOf(edited(changes));
    expect(issues.map((i) => ({ path: i.path, message: i.message }))).toEqual([{ path, message }]);
  });
});
