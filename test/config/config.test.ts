import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import {
  ConfigError,
  DEFAULTS,
  checkAllowedIpRange,
  checkKubernetesVersion,
  checkKubernetesVersionAgainstChannel,
  checkResourceGroupName,
  formatConfigIssues,
  parseStackConfig,
  type ConfigIssue,
  type StackSpec,
} from "../../infra/config";
import { DELETE, DEV_SSH_KEY, devRaw, edited } from "./fixtures";

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

const KV_SECRETS_USER = "4633458b-17de-408a-b874-0445c86b69e6";

const DEV_SPEC: StackSpec = {
  location: "westeurope",
  prefix: "zc",
  environment: "dev",
  resourceGroupName: "zerocred-dev",
  deployer: { principalType: "User", kubeloginMode: "azurecli" },
  network: { addressSpace: "10.42.0.0/16", allowedIpRanges: [] },
  vm: {
    size: "Standard_B2s",
    adminUsername: "azureuser",
    sshPublicKey: DEV_SSH_KEY,
    identities: ["shared"],
  },
  aks: { nodeSize: "Standard_D2s_v5", nodeCount: 1, kubernetesVersion: "" },
  identities: [{ name: "orders" }, { name: "shared" }],
  workloads: [
    { name: "orders", namespace: "shop", serviceAccount: "orders", identity: "orders" },
    { name: "reports", namespace: "shop", serviceAccount: "reports", identity: "shared" },
  ],
  grants: [
    {
      principal: "vm",
      role: "Key Vault Secrets User",
      roleId: KV_SECRETS_USER,
      roleName: "Key Vault Secrets User",
      scope: "vault",
    },
    {
      principal: "orders",
      role: "Key Vault Secrets User",
      roleId: KV_SECRETS_USER,
      roleName: "Key Vault Secrets User",
      scope: "secret/canary",
    },
  ],
  verification: { enabled: true, timeoutSeconds: 900 },
};

describe("parseStackConfig: valid configs", () => {
  it("parses the dev stack (Pulumi.dev.yaml) into the expected StackSpec", () => {
    expect(parseStackConfig(devRaw(), { stack: "dev" })).toEqual(DEV_SPEC);
  });

  it("applies every default to a minimal config (location + SSH key)", () => {
    const spec = parseStackConfig({
      "azure-native:location": "northeurope",
      "zerocred:vm": { sshPublicKey: DEV_SSH_KEY },
    });
    expect(spec).toEqual({
      location: "northeurope",
      prefix: "zc",
      environment: "prod",
      deployer: { principalType: "User", kubeloginMode: "azurecli" },
      network: { addressSpace: "10.42.0.0/16", allowedIpRanges: [] },
      vm: {
        size: "Standard_B2s",
        adminUsername: "azureuser",
        sshPublicKey: DEV_SSH_KEY,
        identities: [],
      },
      aks: { nodeSize: "Standard_D2s_v5", nodeCount: 1, kubernetesVersion: "" },
      identities: [],
      workloads: [],
      grants: [],
      verification: { enabled: true, timeoutSeconds: 900 },
    });
  });

  it("defaults to the secure environment (prod) and fills partial maps field by field", () => {
    const spec = parseStackConfig(
      edited({
        "zerocred:environment": undefined,
        "zerocred:aks": { nodeCount: 3 },
        "zerocred:verification": { enabled: false },
      }),
    );
    expect(spec.environment).toBe(DEFAULTS.environment);
    expect(spec.environment).toBe("prod");
    expect(spec.aks).toEqual({ nodeSize: "Standard_D2s_v5", nodeCount: 3, kubernetesVersion: "" });
    expect(spec.verification).toEqual({ enabled: false, timeoutSeconds: 900 });
  });

  it("reads keys without a namespace as zerocred keys (as Pulumi does)", () => {
    const raw = devRaw();
    raw.prefix = raw["zerocred:prefix"];
    delete raw["zerocred:prefix"];
    raw.prefix = "abc";
    expect(parseStackConfig(raw).prefix).toBe("abc");
  });

  it("ignores other namespaces (provider and Pulumi settings)", () => {
    const raw = {
      ...devRaw(),
      "azure-native:subscriptionId": "00000000-0000-0000-0000-000000000000",
      "pulumi:tags": { team: "platform" },
      "kubernetes:enableServerSideApply": "true",
    };
    expect(parseStackConfig(raw)).toEqual(DEV_SPEC);
  });

  it("accepts a role definition GUID (built-in, any case) and a custom role GUID", () => {
    const spec = parseStackConfig(
      edited({
        "zerocred:grants": [
          { principal: "vm", role: KV_SECRETS_USER.toUpperCase(), scope: "vault" },
          {
            principal: "orders",
            role: "AAAAAAAA-1111-2222-3333-444444444444",
            scope: "resourceGroup",
          },
        ],
      }),
    );
    expect(spec.grants).toEqual([
      {
        principal: "vm",
        role: KV_SECRETS_USER.toUpperCase(),
        roleId: KV_SECRETS_USER,
        roleName: "Key Vault Secrets User",
        scope: "vault",
      },
      {
        principal: "orders",
        role: "AAAAAAAA-1111-2222-3333-444444444444",
        roleId: "aaaaaaaa-1111-2222-3333-444444444444",
        scope: "resourceGroup",
      },
    ]);
  });

  it("accepts role names case-insensitively and keeps the canonical name", () => {
    const spec = parseStackConfig(edited({ "zerocred:grants[0].role": "key vault secrets user" }));
    expect(spec.grants[0].roleName).toBe("Key Vault Secrets User");
  });

  it.each(["", "1.33", "1.33.2", "1.30.10"])("kubernetesVersion %j is a version", (v) => {
    expect(checkKubernetesVersion(v)).toBeUndefined();
  });

  it('accepts kubernetesVersion "" (the only value the stable auto-upgrade channel keeps true)', () => {
    expect(
      parseStackConfig(edited({ "zerocred:aks.kubernetesVersion": "" })).aks.kubernetesVersion,
    ).toBe("");
  });

  it.each<[string, string, boolean]>([
    ["1.33", "stable", false],
    ["1.33", "rapid", false],
    ["1.33", "patch", true],
    ["1.33.2", "patch", false],
    ["1.33.2", "none", true],
    ["1.33.2", "node-image", true],
    ["", "stable", true],
  ])("a pinned %j survives the %s channel: %s", (version, channel, ok) => {
    expect(checkKubernetesVersionAgainstChannel(version, channel) === undefined).toBe(ok);
  });

  it.each(["203.0.113.7", "203.0.113.0/24", "8.8.8.8/32", "20.0.0.0/8"])(
    "accepts allowedIpRanges entry %j",
    (v) => {
      expect(checkAllowedIpRange(v)).toBeUndefined();
    },
  );

  it("accepts exactly 20 workloads on one identity", () => {
    const workloads = Array.from({ length: 20 }, (_, i) => ({
      name: `w${i}`,
      namespace: "shop",
      serviceAccount: `sa${i}`,
      identity: "orders",
    }));
    expect(parseStackConfig(edited({ "zerocred:workloads": workloads })).workloads).toHaveLength(
      20,
    );
  });

  it("accepts the same service account name in different namespaces", () => {
    const spec = parseStackConfig(
      edited({
        "zerocred:workloads[1].namespace": "billing",
        "zerocred:workloads[1].serviceAccount": "orders",
      }),
    );
    expect(spec.workloads.map((w) => `${w.namespace}/${w.serviceAccount}`)).toEqual([
      "shop/orders",
      "billing/orders",
    ]);
  });

  it('leaves resourceGroupName unset by default and for "" (the stack creates its own group)', () => {
    expect(
      "resourceGroupName" in parseStackConfig(edited({ "zerocred:resourceGroupName": DELETE })),
    ).toBe(false);
    expect(
      "resourceGroupName" in parseStackConfig(edited({ "zerocred:resourceGroupName": "" })),
    ).toBe(false);
    expect(DEFAULTS.resourceGroupName).toBe("");
  });

  it.each([
    "zerocred-dev",
    "rg_zerocred.ci",
    "zerocred(ci)",
    "Zerocred-DEV-01",
    "ünïcode-grüppe",
    ".hidden",
    "g".repeat(90),
  ])("accepts the existing resource group name %j", (name) => {
    expect(checkResourceGroupName(name)).toBeUndefined();
    expect(parseStackConfig(edited({ "zerocred:resourceGroupName": name })).resourceGroupName).toBe(
      name,
    );
  });

  it("accepts dotted service account names (DNS-1123 subdomains)", () => {
    const spec = parseStackConfig(edited({ "zerocred:workloads[0].serviceAccount": "orders.api" }));
    expect(spec.workloads[0].serviceAccount).toBe("orders.api");
  });
});

describe("parseStackConfig: all problems at once", () => {
  const raw = edited({
    "zerocred:prefix": "ZC",
    "zerocred:netwrk": { addressSpace: "10.42.0.0/16" },
    "zerocred:vm.sshPublicKey": "ssh-ed25519",
    "zerocred:aks.nodeCount": 0,
    "zerocred:workloads[1].identity": "shraed",
    "zerocred:workloads[1].serviceAccount": "orders",
    "zerocred:grants[1].scope": "secret/db",
  });

  it("reports every issue, grouped by key in declaration order", () => {
    expect(issuesOf(raw)).toEqual([
      {
        path: "zerocred:prefix",
        value: "ZC",
        message:
          'zerocred:prefix: "ZC" is not a valid prefix: use 2–8 lowercase letters or digits starting with a letter (e.g. "zc").',
      },
      {
        path: "zerocred:vm.sshPublicKey",
        value: "ssh-ed25519",
        message:
          'zerocred:vm.sshPublicKey: "ssh-ed25519" has no key data after "ssh-ed25519": paste the single line of your OpenSSH .pub file (e.g. ~/.ssh/id_ed25519.pub).',
      },
      {
        path: "zerocred:aks.nodeCount",
        value: 0,
        message:
          "zerocred:aks.nodeCount: 0 is out of range: use a whole number of nodes from 1 to 100.",
      },
      {
        path: "zerocred:workloads[1].serviceAccount",
        value: "orders",
        message:
          'zerocred:workloads[1].serviceAccount: service account "orders" in namespace "shop" is already used by zerocred:workloads[0]: one service account maps to one federated credential subject (system:serviceaccount:shop:orders); use a different serviceAccount or namespace.',
      },
      {
        path: "zerocred:workloads[1].identity",
        value: "shraed",
        message:
          'zerocred:workloads[1].identity: "shraed" is not an identity declared in zerocred:identities. Did you mean "shared"? Declared: "orders", "shared"; declare it under zerocred:identities or bind the workload to a declared one.',
      },
      {
        path: "zerocred:grants[1].scope",
        value: "secret/db",
        message:
          'zerocred:grants[1].scope: "secret/db" names a secret the stack does not declare: the only secret is "canary"; use "secret/canary" (or "vault").',
      },
      {
        path: "zerocred:netwrk",
        value: { addressSpace: "10.42.0.0/16" },
        message:
          'zerocred:netwrk: unknown key. Did you mean "zerocred:network"? zerocred\'s keys are: zerocred:prefix, zerocred:environment, zerocred:resourceGroupName, zerocred:deployer, zerocred:network, zerocred:vm, zerocred:aks, zerocred:identities, zerocred:workloads, zerocred:grants, zerocred:verification. Remove or rename it.',
      },
    ]);
  });

  it("throws a ConfigError (a pulumi.RunError: no stack trace under `pulumi up`) listing them one per line", () => {
    let error: unknown;
    try {
      parseStackConfig(raw, { stack: "dev" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(pulumi.RunError.isInstance(error)).toBe(true);
    const ce = error as ConfigError;
    expect(ce.name).toBe("ConfigError");
    const lines = ce.message.split("\n");
    expect(lines[0]).toBe('Invalid config of stack "dev" (7 problems):');
    expect(lines.slice(1)).toEqual(ce.issues.map((i) => `  - ${i.message}`));
    expect(ce.message).toBe(`${lines[0]}\n${formatConfigIssues(ce.issues)}`);
  });

  it("says '1 problem' for a single issue and omits the stack when unknown", () => {
    try {
      parseStackConfig(edited({ "zerocred:prefix": "Z" }));
      throw new Error("expected a ConfigError");
    } catch (e) {
      expect((e as Error).message.split("\n")[0]).toBe("Invalid config (1 problem):");
    }
  });

  it("formatConfigIssues renders one issue per line", () => {
    expect(
      formatConfigIssues([
        { path: "a", value: 1, message: "a: first" },
        { path: "b", value: 2, message: "b: second" },
      ]),
    ).toBe("  - a: first\n  - b: second");
  });

  it("an empty config reports the two required keys", () => {
    expect(issuesOf({}).map((i) => i.message)).toEqual([
      'azure-native:location: is required: set the Azure region, e.g. "westeurope".',
      'zerocred:vm: is required: set it as a map, e.g. { sshPublicKey: "ssh-ed25519 AAAA…", identities: [shared] }.',
    ]);
  });

  it("never carries a pasted private key in an issue's value", () => {
    const key =
      "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----";
    const issues = issuesOf(edited({ "zerocred:vm.sshPublicKey": key }));
    expect(issues).toHaveLength(1);
    expect(issues[0].value).toBe("(redacted)");
    expect(issues[0].message).not.toContain("b3BlbnNzaC1rZXktdjEAAAAA");
  });

  it("a malformed identities list does not cascade into reference errors", () => {
    expect(issuesOf(edited({ "zerocred:identities": "orders" })).map((i) => i.path)).toEqual([
      "zerocred:identities",
    ]);
  });

  it("one issue per unknown key inside a map, each with its own hint", () => {
    const issues = issuesOf(edited({ "zerocred:vm.sise": "x", "zerocred:vm.identites": [] }));
    expect(issues.map((i) => i.message)).toEqual([
      'zerocred:vm.sise: unknown key. Did you mean "size"? Known keys here: size, adminUsername, sshPublicKey, identities. Remove or rename it.',
      'zerocred:vm.identites: unknown key. Did you mean "identities"? Known keys here: size, adminUsername, sshPublicKey, identities. Remove or rename it.',
    ]);
  });
});
