/**
 * Pack-level guarantees: every rule file is registered and well formed, type tokens match the provider
 * classes, the CrossGuard adapter reports like the engine expects, and enforcement is configurable.
 */
import { readdirSync } from "node:fs";
import { join, relative } from "node:path";
import {
  unknownCheckingProxy,
  type ResourceValidationArgs,
  type StackValidationArgs,
} from "@pulumi/policy";
import { describe, expect, it } from "vitest";
import { evaluatePolicies, effectiveLevel, formatViolations } from "../../policies/evaluate";
import { TYPES } from "../../policies/lib/arm";
import { snapshot, toPolicy } from "../../policies/lib/crossguard";
import { UNKNOWN, type Rule } from "../../policies/lib/rule";
import { buildPolicies, ruleByName, rules } from "../../policies/registry";
import { compliantStack, resource, setPath, T, vaultProps } from "./fixtures";

const RULES_DIR = join(__dirname, "../../policies/rules");

function ruleFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? ruleFiles(join(dir, e.name))
      : e.name.endsWith(".ts")
        ? [join(dir, e.name)]
        : [],
  );
}

function isRule(value: unknown): value is Rule {
  return typeof value === "object" && value !== null && "kind" in value && "sources" in value;
}

describe("registry", () => {
  const files = ruleFiles(RULES_DIR);

  it("has at least 25 rules with unique names", () => {
    expect(rules.length).toBeGreaterThanOrEqual(25);
    expect(new Set(rules.map((r) => r.name)).size).toBe(rules.length);
  });

  it.each(files.map((f) => [relative(RULES_DIR, f), f]))(
    "%s exports one rule named after the file, and it is registered",
    async (_rel, file) => {
      const mod = (await import(file)) as Record<string, unknown>;
      const exported = Object.values(mod).filter(isRule);
      expect(exported).toHaveLength(1);
      const rule = exported[0];
      expect(rule.name).toBe(file.split("/").pop()?.replace(/\.ts$/, ""));
      expect(rules).toContain(rule);
    },
  );

  it("registers only rules that live in a rule file", () => {
    const names = files.map((f) => f.split("/").pop()?.replace(/\.ts$/, ""));
    expect(rules.map((r) => r.name).sort()).toEqual([...names].sort());
  });

  it.each(rules.map((r) => [r.name, r]))("%s carries valid metadata and source IDs", (_n, rule) => {
    expect(rule.name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)+$/);
    expect(rule.name).toMatch(/^[a-zA-Z0-9\-_.]{1,300}$/); // accepted by the Pulumi service
    expect(rule.description).toMatch(/^[A-Z].*\.$/);
    expect(["mandatory", "advisory"]).toContain(rule.enforcementLevel);
    expect(rule.remediationSteps.length).toBeGreaterThan(0);
    expect(rule.sources.length).toBeGreaterThanOrEqual(1);
    for (const source of rule.sources) {
      expect(source.id.length).toBeGreaterThan(0);
      if (source.kind === "psrule") {
        expect(source.id).toMatch(/^Azure\.[A-Za-z]+\.[A-Za-z]+$/);
      }
      if (source.kind === "checkov") {
        expect(source.id).toMatch(/^CKV2?_AZURE_\d+$/);
      }
    }
  });

  it("builds one CrossGuard policy per rule", () => {
    const policies = buildPolicies();
    expect(policies.map((p) => p.name)).toEqual(rules.map((r) => r.name));
    for (const p of policies) {
      expect("validateResource" in p || "validateStack" in p).toBe(true);
      expect(p.configSchema?.properties.environment).toEqual({
        type: "string",
        enum: ["dev", "prod"],
        description:
          "The stack's environment; some rules are advisory in dev and mandatory in prod.",
      });
    }
  });
});

describe("type tokens", () => {
  it("match the provider classes' __pulumiType", async () => {
    const [kv, auth, mi, cs, compute, net, monitor] = await Promise.all([
      import("@pulumi/azure-native/keyvault"),
      import("@pulumi/azure-native/authorization"),
      import("@pulumi/azure-native/managedidentity"),
      import("@pulumi/azure-native/containerservice"),
      import("@pulumi/azure-native/compute"),
      import("@pulumi/azure-native/network"),
      import("@pulumi/azure-native/monitor"),
    ]);
    const token = (cls: unknown) => (cls as { __pulumiType: string }).__pulumiType;
    expect(TYPES).toEqual({
      vault: token(kv.Vault),
      accessPolicy: token(kv.AccessPolicy),
      roleAssignment: token(auth.RoleAssignment),
      federatedCredential: token(mi.FederatedIdentityCredential),
      userAssignedIdentity: token(mi.UserAssignedIdentity),
      managedCluster: token(cs.ManagedCluster),
      virtualMachine: token(compute.VirtualMachine),
      networkInterface: token(net.NetworkInterface),
      diagnosticSetting: token(monitor.DiagnosticSetting),
    });
  });
});

describe("CrossGuard adapter", () => {
  function validate(policyName: string, props: Record<string, unknown>, environment?: string) {
    const rule = ruleByName(policyName) as Rule;
    const policy = toPolicy(rule);
    const reports: unknown[] = [];
    const args = {
      type: T.vault,
      props,
      urn: "urn:pulumi:dev::zerocred::azure-native:keyvault:Vault::kv",
      name: "kv",
      getConfig: () => (environment === undefined ? {} : { environment }),
    } as unknown as ResourceValidationArgs;
    if (!("validateResource" in policy) || typeof policy.validateResource !== "function") {
      throw new Error("not a resource policy");
    }
    void policy.validateResource(args, (message: unknown, urn?: string) =>
      reports.push(urn === undefined ? message : { message, urn }),
    );
    return reports;
  }

  const purgeMessage =
    'Key Vault "kv" has properties.enablePurgeProtection = false; set it to true so a deleted vault cannot be purged during its retention period.';

  it("reports the plain message at the declared level in prod", () => {
    const props = vaultProps();
    props.properties.enablePurgeProtection = false;
    expect(validate("keyvault-enables-purge-protection", props, "prod")).toEqual([purgeMessage]);
    expect(validate("keyvault-enables-purge-protection", props)).toEqual([purgeMessage]);
  });

  it("downgrades purge protection to advisory when the pack config says environment dev", () => {
    const props = vaultProps();
    props.properties.enablePurgeProtection = false;
    expect(validate("keyvault-enables-purge-protection", props, "dev")).toEqual([
      {
        message: `${ruleByName("keyvault-enables-purge-protection")?.description}\n${purgeMessage}`,
        urn: undefined,
        enforcementLevel: "advisory",
      },
    ]);
  });

  it("reads engine proxies, turning preview unknowns into the unknown marker", () => {
    const props = vaultProps() as Record<string, unknown>;
    (props.properties as Record<string, unknown>).enableRbacAuthorization = UNKNOWN;
    const proxied = unknownCheckingProxy(props);
    expect(() => (proxied.properties as Record<string, unknown>).enableRbacAuthorization).toThrow();
    expect(snapshot(proxied)).toEqual(props);
    expect(validate("keyvault-restricts-network-access", proxied)).toEqual([]);
  });

  it("runs stack policies over engine resources and reports with the resource URN", () => {
    const policy = toPolicy(ruleByName("keyvault-sends-audit-logs") as Rule);
    const vault = resource(T.vault, "kv", vaultProps(), { outputs: { id: "/x" } });
    const args = {
      resources: [
        {
          type: vault.type,
          name: vault.name,
          urn: vault.urn,
          props: { id: "/x" },
          dependencies: [],
        },
      ],
      getConfig: () => ({}),
    } as unknown as StackValidationArgs;
    const reports: [string, string | undefined][] = [];
    if (!("validateStack" in policy)) {
      throw new Error("not a stack policy");
    }
    void policy.validateStack(args, (message, urn) => reports.push([message, urn]));
    expect(reports).toEqual([
      [
        'Key Vault "kv" has no diagnostic setting in this stack that sends the AuditEvent log; add a monitor.DiagnosticSetting with resourceUri = the vault\'s id and logs [{ categoryGroup: "audit", enabled: true }].',
        vault.urn,
      ],
    ]);
  });
});

describe("evaluatePolicies configuration", () => {
  function withoutPurgeProtection() {
    const s = compliantStack();
    setPath(s[0].props, "properties.enablePurgeProtection", false);
    return s;
  }

  it("is mandatory in prod (the default) and advisory in dev", () => {
    const urn = "urn:pulumi:dev::zerocred::azure-native:keyvault:Vault::kv";
    const message =
      'Key Vault "kv" has properties.enablePurgeProtection = false; set it to true so a deleted vault cannot be purged during its retention period.';
    expect(evaluatePolicies(withoutPurgeProtection())).toEqual([
      { policy: "keyvault-enables-purge-protection", level: "mandatory", resource: urn, message },
    ]);
    expect(evaluatePolicies(withoutPurgeProtection(), { environment: "dev" })).toEqual([
      { policy: "keyvault-enables-purge-protection", level: "advisory", resource: urn, message },
    ]);
    expect(
      formatViolations(evaluatePolicies(withoutPurgeProtection(), { environment: "dev" })),
    ).toEqual([`[advisory] keyvault-enables-purge-protection: ${message} (${urn})`]);
  });

  it("honours per-policy and `all` overrides", () => {
    expect(
      evaluatePolicies(withoutPurgeProtection(), {
        enforcement: { "keyvault-enables-purge-protection": "disabled" },
      }),
    ).toEqual([]);
    const rule = ruleByName("aks-restricts-api-server-access") as Rule;
    expect(effectiveLevel(rule)).toBe("advisory");
    expect(effectiveLevel(rule, { enforcement: { all: "mandatory" } })).toBe("mandatory");
    expect(
      effectiveLevel(rule, { enforcement: { all: "mandatory", [rule.name]: "disabled" } }),
    ).toBe("disabled");
  });
});
