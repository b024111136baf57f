import { beforeAll, describe, expect, it } from "vitest";
import {
  isSecretOutput,
  named,
  registered,
  unwrap,
  useCloud,
  type SimulatedCloud,
} from "../harness";
import { sha256Hex } from "../../components/naming";
import type { KeyVaultArgs } from "../../components/keyVault";

type Mod = typeof import("../../components/keyVault");

const SUB = "3b9d2e71-5a4c-4f86-b1d0-7e2a6c9f4d18";
const RG = `/subscriptions/${SUB}/resourceGroups/zc-dev`;
const VM_SUBNET = `${RG}/providers/Microsoft.Network/virtualNetworks/zc-vnet/subnets/vm`;
const AKS_SUBNET = `${RG}/providers/Microsoft.Network/virtualNetworks/zc-vnet/subnets/aks`;
const TENANT = "8c3f1a52-7d4e-4b0a-9f6e-2d1c5b7a9e30";

let cloud: SimulatedCloud;
let mod: Mod;

beforeAll(async () => {
  cloud = await useCloud();
  mod = await import("../../components/keyVault");
});

const base: KeyVaultArgs = { resourceGroupName: "zc-dev", vaultName: "zc-kv-0123456789ab" };

describe("keyVaultArgsIssues", () => {
  it("accepts the defaults", () => {
    expect(mod.keyVaultArgsIssues(base)).toEqual([]);
  });

  it.each([
    [
      { softDeleteRetentionInDays: 6 },
      "Invalid value for softDeleteRetentionInDays: 6. Use a whole number of days from 7 to 90.",
    ],
    [
      { softDeleteRetentionInDays: 91 },
      "Invalid value for softDeleteRetentionInDays: 91. Use a whole number of days from 7 to 90.",
    ],
    [
      { softDeleteRetentionInDays: 7.5 },
      "Invalid value for softDeleteRetentionInDays: 7.5. Use a whole number of days from 7 to 90.",
    ],
    [
      { allowedIpRanges: ["10.0.0.0/33"] },
      'Invalid value in allowedIpRanges: "10.0.0.0/33". Use a public IPv4 address or CIDR range such as "203.0.113.0/24".',
    ],
    [
      { allowedIpRanges: ["256.1.1.1"] },
      'Invalid value in allowedIpRanges: "256.1.1.1". Use a public IPv4 address or CIDR range such as "203.0.113.0/24".',
    ],
    [
      { allowedIpRanges: ["0.0.0.0/0"] },
      'Invalid value in allowedIpRanges: "0.0.0.0/0" is too broad (a /0: at most a /8 is allowed). Use a public IPv4 address or CIDR range such as "203.0.113.0/24".',
    ],
    [
      { allowedIpRanges: ["10.1.2.3"] },
      'Invalid value in allowedIpRanges: "10.1.2.3" is in the private (RFC 1918) range 10.0.0.0/8, and only public addresses are allowed. Use a public IPv4 address or CIDR range such as "203.0.113.0/24".',
    ],
    [
      { allowedIpRanges: ["203.0.113.5/24"] },
      'Invalid value in allowedIpRanges: "203.0.113.5/24" has host bits set (its network address is 203.0.113.0/24). Use a public IPv4 address or CIDR range such as "203.0.113.0/24".',
    ],
    [
      { allowedIpRanges: ["2001:db8::/32"] },
      'Invalid value in allowedIpRanges: "2001:db8::/32". Use a public IPv4 address or CIDR range such as "203.0.113.0/24".',
    ],
    [
      { canarySecretName: "canary_secret" },
      'Invalid value for canarySecretName: "canary_secret". Use 1 to 127 letters, digits or hyphens.',
    ],
    [
      { vaultName: "zc--kv" },
      'vaultName: Key Vault name "zc--kv" contains consecutive hyphens; use single hyphens.',
    ],
  ])("%j -> %s", (override, message) => {
    expect(mod.keyVaultArgsIssues({ ...base, ...override })).toEqual([message]);
  });

  it.each(["203.0.113.7", "203.0.113.0/24", "1.0.0.0/8"])("accepts IP range %s", (r) => {
    expect(mod.keyVaultArgsIssues({ ...base, allowedIpRanges: [r] })).toEqual([]);
  });
});

describe("vaultProperties", () => {
  it("defaults: RBAC, 90-day soft delete, purge protection, default-deny firewall with AzureServices bypass", () => {
    expect(mod.vaultProperties(base, TENANT)).toEqual({
      tenantId: TENANT,
      sku: { family: "A", name: "standard" },
      enableRbacAuthorization: true,
      enableSoftDelete: true,
      softDeleteRetentionInDays: 90,
      enablePurgeProtection: true,
      enabledForDeployment: false,
      enabledForDiskEncryption: false,
      enabledForTemplateDeployment: false,
      publicNetworkAccess: "Enabled",
      networkAcls: {
        bypass: "AzureServices",
        defaultAction: "Deny",
        ipRules: [],
        virtualNetworkRules: [],
      },
    });
  });

  it("omits enablePurgeProtection when disabled (Azure rejects false)", () => {
    const props = mod.vaultProperties(
      { ...base, enablePurgeProtection: false, softDeleteRetentionInDays: 7 },
      TENANT,
    );
    expect("enablePurgeProtection" in props).toBe(false);
    expect(props.softDeleteRetentionInDays).toBe(7);
  });

  it("maps subnets and IP ranges to firewall rules and honours overrides", () => {
    const props = mod.vaultProperties(
      {
        ...base,
        allowedSubnetIds: [VM_SUBNET, AKS_SUBNET],
        allowedIpRanges: ["203.0.113.0/24"],
        bypassAzureServices: false,
        networkDefaultAction: "Allow",
        skuName: "premium",
        publicNetworkAccess: "Disabled",
      },
      TENANT,
    );
    expect(props.networkAcls).toEqual({
      bypass: "None",
      defaultAction: "Allow",
      ipRules: [{ value: "203.0.113.0/24" }],
      virtualNetworkRules: [{ id: VM_SUBNET }, { id: AKS_SUBNET }],
    });
    expect(props.sku).toEqual({ family: "A", name: "premium" });
    expect(props.publicNetworkAccess).toBe("Disabled");
  });
});

describe("KeyVault component", () => {
  it("registers vault, canary value and canary secret with the secure inputs", async () => {
    const kv = new mod.KeyVault("vault", {
      ...base,
      location: "westeurope",
      allowedSubnetIds: [VM_SUBNET, AKS_SUBNET],
      allowedIpRanges: ["203.0.113.0/24"],
    });
    expect(await unwrap(kv.id)).toBe(
      `${RG}/providers/Microsoft.KeyVault/vaults/zc-kv-0123456789ab`,
    );
    expect(await unwrap(kv.name)).toBe("zc-kv-0123456789ab");
    expect(await unwrap(kv.vaultUri)).toBe("https://zc-kv-0123456789ab.vault.azure.net/");
    expect(await unwrap(kv.canarySecretName)).toBe("canary");
    expect(await unwrap(kv.canarySecretId)).toBe(
      `${RG}/providers/Microsoft.KeyVault/vaults/zc-kv-0123456789ab/secrets/canary`,
    );
    await unwrap(kv.canaryFingerprint);
    const resources = await registered(cloud);

    const vault = named(resources, "vault-vault");
    expect(vault.type).toBe("azure-native:keyvault:Vault");
    expect(vault.urn).toContain(
      "zerocred:keyvault:KeyVault$azure-native:keyvault:Vault::vault-vault",
    );
    expect(vault.inputs).toEqual({
      resourceGroupName: "zc-dev",
      vaultName: "zc-kv-0123456789ab",
      location: "westeurope",
      properties: {
        tenantId: cloud.tenantId,
        sku: { family: "A", name: "standard" },
        enableRbacAuthorization: true,
        enableSoftDelete: true,
        softDeleteRetentionInDays: 90,
        enablePurgeProtection: true,
        enabledForDeployment: false,
        enabledForDiskEncryption: false,
        enabledForTemplateDeployment: false,
        publicNetworkAccess: "Enabled",
        networkAcls: {
          bypass: "AzureServices",
          defaultAction: "Deny",
          ipRules: [{ value: "203.0.113.0/24" }],
          virtualNetworkRules: [{ id: VM_SUBNET }, { id: AKS_SUBNET }],
        },
      },
    });
    // The tenant came from getClientConfig.
    expect(cloud.invokes.map((i) => i.token)).toContain(
      "azure-native:authorization:getClientConfig",
    );

    const password = named(resources, "vault-canary-value");
    expect(password.type).toBe("random:index/randomPassword:RandomPassword");
    expect(password.inputs).toEqual({
      length: 32,
      special: false,
      minLower: 1,
      minUpper: 1,
      minNumeric: 1,
    });
    expect(password.parent).toBe(named(resources, "vault").urn);

    const secret = named(resources, "vault-canary");
    expect(secret.type).toBe("azure-native:keyvault:Secret");
    expect(secret.inputs.resourceGroupName).toBe("zc-dev");
    expect(secret.inputs.vaultName).toBe("zc-kv-0123456789ab");
    expect(secret.inputs.secretName).toBe("canary");
    expect(secret.secretInputPaths).toContain("properties.value");
    const value = password.outputs.result as string;
    expect(value).toMatch(/^[A-Za-z0-9]{32}$/);
    expect((secret.inputs.properties as Record<string, unknown>).value).toBe(value);
    expect(await unwrap(kv.canaryFingerprint)).toBe(sha256Hex(value));
    expect(
      resources.filter(
        (r) => r.type === "azure-native:monitor:DiagnosticSetting" && r.name.startsWith("vault-"),
      ),
    ).toEqual([]);
  });

  it("keeps the value secret and the fingerprint not secret", async () => {
    const kv = new mod.KeyVault("secrecy", { ...base, vaultName: "zc-kv-secrecy" });
    expect(await isSecretOutput(kv.canaryValue)).toBe(true);
    expect(await isSecretOutput(kv.canaryFingerprint)).toBe(false);
    expect(await unwrap(kv.canaryFingerprint)).toMatch(/^[0-9a-f]{64}$/);
    expect(await unwrap(kv.canaryFingerprint)).toBe(sha256Hex(await unwrap(kv.canaryValue)));
  });

  it("dev settings: 7-day retention and no enablePurgeProtection property; explicit tenant skips getClientConfig", async () => {
    const kv = new mod.KeyVault("devkv", {
      ...base,
      vaultName: "zc-kv-devkv",
      tenantId: TENANT,
      softDeleteRetentionInDays: 7,
      enablePurgeProtection: false,
      canarySecretName: "canary-dev",
    });
    expect(await unwrap(kv.canarySecretName)).toBe("canary-dev");
    const vault = named(await registered(cloud), "devkv-vault");
    const props = vault.inputs.properties as Record<string, unknown>;
    expect(props.softDeleteRetentionInDays).toBe(7);
    expect(props.tenantId).toBe(TENANT);
    expect(Object.keys(props)).not.toContain("enablePurgeProtection");
  });

  it("adds an AuditEvent diagnostic setting when a workspace is given", async () => {
    const ws = `${RG}/providers/Microsoft.OperationalInsights/workspaces/zc-logs`;
    const kv = new mod.KeyVault("diagkv", {
      ...base,
      vaultName: "zc-kv-diagkv",
      logAnalyticsWorkspaceId: ws,
    });
    await unwrap(kv.diagnosticSetting?.id);
    const diag = named(await registered(cloud), "diagkv-diagnostics");
    expect(diag.type).toBe("azure-native:monitor:DiagnosticSetting");
    expect(diag.inputs).toEqual({
      name: "zerocred-audit",
      resourceUri: `${RG}/providers/Microsoft.KeyVault/vaults/zc-kv-diagkv`,
      workspaceId: ws,
      logs: [{ category: "AuditEvent", enabled: true }],
      metrics: [{ category: "AllMetrics", enabled: true }],
    });
  });

  it("retainOnDelete keeps the vault and canary secret in Azure on delete (prod)", async () => {
    const kv = new mod.KeyVault("prodkv", {
      ...base,
      vaultName: "zc-kv-prodkv",
      tenantId: TENANT,
      retainOnDelete: true,
    });
    // Its own default vault beside it: the test must not rely on one an earlier test created.
    const plain = new mod.KeyVault("plainkv", {
      ...base,
      vaultName: "zc-kv-plainkv",
      tenantId: TENANT,
    });
    await Promise.all([unwrap(kv.canarySecretId), unwrap(plain.canarySecretId)]);
    const resources = await registered(cloud);
    expect(named(resources, "prodkv-vault").options.retainOnDelete).toBe(true);
    expect(named(resources, "prodkv-canary").options.retainOnDelete).toBe(true);
    expect(named(resources, "plainkv-vault").options.retainOnDelete).toBeFalsy();
    expect(named(resources, "plainkv-canary").options.retainOnDelete).toBeFalsy();
  });

  it("rejects invalid plain settings before registering children, listing every problem", async () => {
    expect(
      () =>
        new mod.KeyVault("badkv", { ...base, vaultName: "1kv", softDeleteRetentionInDays: 100 }),
    ).toThrow(
      'KeyVault "badkv": vaultName: Key Vault name "1kv" must start with a letter. Invalid value for softDeleteRetentionInDays: 100. Use a whole number of days from 7 to 90.',
    );
    const names = (await registered(cloud)).map((r) => r.name);
    expect(names).not.toContain("badkv-vault");
    expect(names).not.toContain("badkv-canary-value");
  });
});
