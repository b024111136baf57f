/**
 * VmVerification and PodVerification in the simulated cloud: the exact run command and Job inputs
 * (ordering, labels, content hash, timeouts, nothing secret in plain text) and the result parsing.
 */
import { beforeAll, describe, expect, it } from "vitest";
import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import {
  registered,
  unwrap,
  useCloud,
  type RecordedResource,
  type SimulatedCloud,
} from "../harness";
import { APP, CANARY_SHA256, OTHER, SECRETS_USER, TENANT, VAULT_ID } from "./world";

type VmMod = typeof import("../../components/verification/vmVerification");
type PodMod = typeof import("../../components/verification/podVerification");
type BundleMod = typeof import("../../components/verification/bundle");

const VAULT_URL = "https://zc-kv.vault.azure.net/";
const RC_TYPE = "azure-native:compute:VirtualMachineRunCommandByVirtualMachine";
const resultLine = (
  principal: string,
  clientId: string | null,
  expected: "allow" | "deny",
  status: number,
) =>
  JSON.stringify({
    principal,
    clientId,
    tokenClaims: {
      aud: "https://vault.azure.net",
      iss: `https://sts.windows.net/${TENANT}/`,
      oid: "o",
      tid: TENANT,
      exp: 1,
    },
    vault: VAULT_URL,
    secret: "canary",
    expected,
    actual: expected,
    status,
    attempts: 2,
    elapsedMs: 120,
    diagnosis:
      expected === "allow"
        ? "Read the secret; its SHA-256 matches the expected fingerprint."
        : "403 ForbiddenByRbac, as expected.",
  });
const OK_OUTPUT = [
  resultLine("vm", null, "allow", 200),
  resultLine("app", APP.clientId, "allow", 200),
  resultLine("other", OTHER.clientId, "deny", 403),
  "ZC-RESULTS v1 3",
  "ZC 0 allow 200 2 120",
  "ZC 1 allow 200 2 120",
  "ZC 2 deny 403 2 120",
  JSON.stringify({ summary: { total: 3, passed: 3, failed: 0 }, ok: true }),
  "",
].join("\n");
/** The same run, but its output lost the last principal's records (a verifier that stopped early). */
const SHORT_OUTPUT = [
  resultLine("vm", null, "allow", 200),
  JSON.stringify({ summary: { total: 1, passed: 1, failed: 0 }, ok: true }),
  "",
].join("\n");

let cloud: SimulatedCloud;
let vm: VmMod;
let pod: PodMod;
let bundle: BundleMod;
let grant: authorization.RoleAssignment;

beforeAll(async () => {
  cloud = await useCloud({
    runCommandView: (rc) =>
      rc.inputs.vmName === "vm-ran"
        ? { executionState: "Succeeded", exitCode: 0, output: OK_OUTPUT, error: "" }
        : rc.inputs.vmName === "vm-short"
          ? { executionState: "Succeeded", exitCode: 0, output: SHORT_OUTPUT, error: "" }
          : undefined,
  });
  vm = await import("../../components/verification/vmVerification");
  pod = await import("../../components/verification/podVerification");
  bundle = await import("../../components/verification/bundle");
  grant = new authorization.RoleAssignment("grant-app", {
    scope: VAULT_ID,
    principalId: APP.principalId,
    principalType: "ServicePrincipal",
    roleDefinitionId: `/subscriptions/x/providers/Microsoft.Authorization/roleDefinitions/${SECRETS_USER}`,
  });
});

function vmArgs(
  vmName: string,
  overrides: Partial<
    import("../../components/verification/vmVerification").VmVerificationArgs
  > = {},
) {
  return {
    resourceGroupName: "zc-rg",
    vmName,
    location: "westeurope",
    vaultUrl: VAULT_URL,
    secretName: "canary",
    expectedSha256: CANARY_SHA256,
    principals: [
      { name: "vm", expected: "allow" as const },
      { name: "app", clientId: APP.clientId, expected: "allow" as const },
      { name: "other", clientId: OTHER.clientId, expected: "deny" as const },
    ],
    dependsOn: [grant],
    ...overrides,
  };
}

function childOf(
  resources: readonly RecordedResource[],
  type: string,
  name: string,
): RecordedResource {
  const found = resources.filter((r) => r.type === type && r.name === name);
  expect(found).toHaveLength(1);
  return found[0];
}

describe("VmVerification", () => {
  it("registers a synchronous, failure-propagating run command with hashed name, parameters and timeouts", async () => {
    const c = new vm.VmVerification("verify-vm", vmArgs("vm-ran"));
    expect(await unwrap(c.ok)).toBe(true);
    const resources = await registered(cloud);
    const rc = childOf(resources, RC_TYPE, "verify-vm-run-command");
    const component = childOf(resources, "zerocred:verification:VmVerification", "verify-vm");
    const script = vm.vmVerifierScript();
    const parameters = [
      {
        name: "ZC_CHECKS",
        value:
          `vm||${VAULT_URL}|canary|${CANARY_SHA256}|allow;` +
          `app|${APP.clientId}|${VAULT_URL}|canary|${CANARY_SHA256}|allow;` +
          `other|${OTHER.clientId}|${VAULT_URL}|canary|${CANARY_SHA256}|deny`,
      },
      { name: "ZC_TIMEOUT_SECONDS", value: "600" },
    ];
    const hash = vm.runCommandContentHash(script, parameters);
    expect(rc.parent).toBe(component.urn);
    expect(rc.inputs).toEqual({
      resourceGroupName: "zc-rg",
      vmName: "vm-ran",
      location: "westeurope",
      runCommandName: `zerocred-verify-${hash.slice(0, 16)}`,
      source: { script },
      parameters,
      asyncExecution: false,
      treatFailureAsDeploymentFailure: true,
      timeoutInSeconds: 720,
      tags: { "zerocred-content-sha256": hash },
    });
    expect(rc.options.customTimeouts).toEqual({ create: "17m", update: "17m", delete: "10m" });
    expect(rc.options.deleteBeforeReplace).toBe(true);
    expect(rc.dependencies).toContain(
      childOf(resources, "azure-native:authorization:RoleAssignment", "grant-app").urn,
    );
    // Nothing secret is passed, so nothing is (or needs to be) a secret input.
    expect(rc.secretInputPaths).toEqual([]);
    expect(rc.inputs.protectedParameters).toBeUndefined();
    expect(await unwrap(c.contentSha256)).toBe(hash);
    expect(await unwrap(c.runCommandName)).toBe(`zerocred-verify-${hash.slice(0, 16)}`);
  });

  it("reads the result back with expand=instanceView and parses it into results", async () => {
    const c = new vm.VmVerification("verify-vm-read", vmArgs("vm-ran"));
    const results = await unwrap(c.results);
    expect(results).toEqual(
      OK_OUTPUT.split("\n")
        .slice(0, 3)
        .map((l) => JSON.parse(l)),
    );
    expect(await unwrap(c.executionState)).toBe("Succeeded");
    const name = await unwrap(c.runCommandName);
    expect(cloud.invokes).toContainEqual({
      token: "azure-native:compute:getVirtualMachineRunCommandByVirtualMachine",
      args: {
        resourceGroupName: "zc-rg",
        vmName: "vm-ran",
        runCommandName: name,
        expand: "instanceView",
      },
    });
  });

  it("is not ok when the script did not run, and lists every check as missing", async () => {
    const c = new vm.VmVerification("verify-vm-pending", vmArgs("vm-pending"));
    expect(await unwrap(c.ok)).toBe(false);
    expect((await unwrap(c.results)).map((r) => [r.principal, r.actual])).toEqual([
      ["vm", "error"],
      ["app", "error"],
      ["other", "error"],
    ]);
    expect(await unwrap(c.executionState)).toBe("Pending");
  });

  it("is not ok when a principal's result is missing although the summary says ok (no false green)", async () => {
    const c = new vm.VmVerification("verify-vm-short", vmArgs("vm-short"));
    expect(await unwrap(c.ok)).toBe(false);
    const results = await unwrap(c.results);
    expect(results.map((r) => [r.principal, r.actual])).toEqual([
      ["vm", "allow"],
      ["app", "error"],
      ["other", "error"],
    ]);
    expect(results[1]!.diagnosis).toContain("missing from the verifier output");
  });

  it("takes the VM as a component and a list of checks per principal", async () => {
    const theVm = {
      name: pulumi.output("vm-ran"),
      resourceGroupName: "zc-rg",
      location: "westeurope",
    };
    const c = new vm.VmVerification("verify-vm-checks", {
      vm: theVm,
      principals: [
        {
          name: "app",
          clientId: APP.clientId,
          checks: [
            {
              vaultUrl: VAULT_URL,
              secretName: "canary",
              expectedSha256: CANARY_SHA256,
              expected: "allow",
            },
            {
              vaultUrl: "https://zc-kv2.vault.azure.net",
              secretName: "db",
              expectedSha256: CANARY_SHA256,
              expected: "deny",
            },
          ],
        },
      ],
    });
    const resources = await registered(cloud);
    const rc = childOf(resources, RC_TYPE, "verify-vm-checks-run-command");
    expect(rc.inputs.parameters).toEqual([
      {
        name: "ZC_CHECKS",
        value:
          `app|${APP.clientId}|${VAULT_URL}|canary|${CANARY_SHA256}|allow;` +
          `app|${APP.clientId}|https://zc-kv2.vault.azure.net|db|${CANARY_SHA256}|deny`,
      },
      { name: "ZC_TIMEOUT_SECONDS", value: "600" },
    ]);
    expect(rc.inputs).toMatchObject({
      vmName: "vm-ran",
      resourceGroupName: "zc-rg",
      location: "westeurope",
    });
    expect(await unwrap(c.ok)).toBe(false);
  });

  it("runs two verifications on the same VM one after the other (recorded dependsOn), others in parallel", async () => {
    const shared = {
      name: pulumi.output("vm-serial"),
      resourceGroupName: "zc-rg",
      location: "westeurope",
    };
    const other = {
      name: pulumi.output("vm-other"),
      resourceGroupName: "zc-rg",
      location: "westeurope",
    };
    const principals = [
      {
        name: "vm",
        checks: [
          {
            vaultUrl: VAULT_URL,
            secretName: "canary",
            expectedSha256: CANARY_SHA256,
            expected: "allow" as const,
          },
        ],
      },
    ];
    new vm.VmVerification("serial-a", { vm: shared, principals });
    new vm.VmVerification("serial-b", { vm: shared, principals });
    new vm.VmVerification("serial-c", { vm: other, principals });
    const resources = await registered(cloud);
    const a = childOf(resources, RC_TYPE, "serial-a-run-command");
    const b = childOf(resources, RC_TYPE, "serial-b-run-command");
    const c = childOf(resources, RC_TYPE, "serial-c-run-command");
    expect(b.dependsOn).toContain(a.urn);
    expect(c.dependsOn).not.toContain(a.urn);
    expect(c.dependsOn).not.toContain(b.urn);
  });

  it("keeps the run command name for unchanged inputs and changes it iff the script or a parameter changes", async () => {
    const a = new vm.VmVerification("verify-a", vmArgs("vm-hash"));
    const b = new vm.VmVerification("verify-b", vmArgs("vm-hash"));
    const c = new vm.VmVerification("verify-c", vmArgs("vm-hash", { timeoutSeconds: 300 }));
    expect(await unwrap(a.runCommandName)).toBe(await unwrap(b.runCommandName));
    expect(await unwrap(c.runCommandName)).not.toBe(await unwrap(a.runCommandName));
    const params = [{ name: "ZC_SECRET_NAME", value: "canary" }];
    const script = vm.vmVerifierScript();
    expect(vm.runCommandContentHash(script, params)).toBe(vm.runCommandContentHash(script, params));
    expect(vm.runCommandContentHash(`${script}\n# changed`, params)).not.toBe(
      vm.runCommandContentHash(script, params),
    );
  });

  it.each([
    [
      { timeoutSeconds: 10 },
      "timeoutSeconds is 10: use a whole number of seconds from 30 to 3600.",
    ],
    [{ principals: [] }, "principals is empty: list at least one identity to verify."],
    [
      { vmName: undefined },
      "vmName is missing: pass vm (a LinuxVirtualMachine), or resourceGroupName, vmName and location of the VM.",
    ],
    [
      { vaultUrl: "" },
      "vaultUrl is missing: principal 'vm' has no checks, so it is tested against the args' vaultUrl, secretName and expectedSha256.",
    ],
    [
      { principals: [{ name: "app", checks: [] }] },
      "principals['app'].checks is empty: list at least one (vault, secret, expected) check, or omit checks.",
    ],
    [
      {
        principals: [
          {
            name: "app",
            checks: Array.from({ length: 91 }, () => ({
              vaultUrl: VAULT_URL,
              secretName: "canary",
              expectedSha256: CANARY_SHA256,
              expected: "allow" as const,
            })),
          },
        ],
      },
      "principals hold 91 checks; one VmVerification runs at most 90 (its results must fit the run command's 4096-byte output). Split them across two VmVerifications.",
    ],
    [
      {
        principals: [
          { name: "vm", expected: "allow" as const },
          { name: "vm", expected: "deny" as const },
        ],
      },
      "principals[].name 'vm' is duplicated: give each principal a unique name.",
    ],
    [
      { principals: [{ name: "a|b", expected: "allow" as const }] },
      "principals[].name 'a|b' is invalid: use 1-64 letters, digits, '.', '_' or '-'.",
    ],
    [
      { principals: [{ name: "app", clientId: "not-a-guid", expected: "allow" as const }] },
      "principals['app'].clientId 'not-a-guid' is not a GUID: pass the identity's clientId, or omit it for the system-assigned identity.",
    ],
  ])("rejects %j", (overrides, message) => {
    expect(() => vm.validateVmVerificationArgs(vmArgs("vm-bad", overrides))).toThrow(message);
    expect(() => new vm.VmVerification("verify-bad", vmArgs("vm-bad", overrides))).toThrow(message);
  });
});

describe("PodVerification", () => {
  it("registers a ConfigMap with the bundle and an auto-named, await-able Job with the workload identity label", async () => {
    const c = new pod.PodVerification("verify-app", {
      namespace: "apps",
      serviceAccountName: "app",
      principal: "app",
      expected: "allow",
      vaultUrl: VAULT_URL,
      secretName: "canary",
      expectedSha256: CANARY_SHA256,
      dependsOn: [grant],
    });
    const jobName = await unwrap(c.jobName);
    const resources = await registered(cloud);
    const component = childOf(resources, "zerocred:verification:PodVerification", "verify-app");
    const cm = childOf(resources, "kubernetes:core/v1:ConfigMap", "verify-app-verifier");
    const job = childOf(resources, "kubernetes:batch/v1:Job", "verify-app-job");
    expect(cm.parent).toBe(component.urn);
    expect(job.parent).toBe(component.urn);
    expect(cm.inputs.data).toEqual({ "verifier.js": bundle.podVerifierBundle() });
    expect(cm.inputs.immutable).toBe(true);
    expect((cm.inputs.metadata as Record<string, unknown>).name).toBeUndefined();
    expect(jobName).toBe((job.outputs.metadata as Record<string, unknown>).name);

    const env = [
      { name: "ZC_PRINCIPAL", value: "app" },
      { name: "ZC_EXPECTED", value: "allow" },
      { name: "ZC_VAULT_URL", value: VAULT_URL },
      { name: "ZC_SECRET_NAME", value: "canary" },
      { name: "ZC_EXPECTED_SHA256", value: CANARY_SHA256 },
      { name: "ZC_TIMEOUT_SECONDS", value: "600" },
    ];
    const hash = pod.podContentHash(bundle.podVerifierBundle(), pod.DEFAULT_VERIFIER_IMAGE, env);
    const labels = {
      "app.kubernetes.io/name": "zerocred-verifier",
      "app.kubernetes.io/component": "verification",
      "app.kubernetes.io/managed-by": "pulumi",
    };
    expect(job.inputs).toEqual({
      apiVersion: "batch/v1",
      kind: "Job",
      // replaceUnready: a failed verification Job is replaced (re-run) by the next update.
      metadata: { namespace: "apps", labels, annotations: { "pulumi.com/replaceUnready": "true" } },
      spec: {
        backoffLimit: 2,
        activeDeadlineSeconds: 900,
        template: {
          metadata: {
            labels: { ...labels, "azure.workload.identity/use": "true" },
            annotations: { "zerocred.dev/content-sha256": hash },
          },
          spec: {
            serviceAccountName: "app",
            restartPolicy: "Never",
            securityContext: {
              runAsNonRoot: true,
              runAsUser: 65532,
              runAsGroup: 65532,
              seccompProfile: { type: "RuntimeDefault" },
            },
            containers: [
              {
                name: "verifier",
                image: pod.DEFAULT_VERIFIER_IMAGE,
                command: ["node", "/opt/zerocred/verifier.js"],
                env,
                securityContext: {
                  allowPrivilegeEscalation: false,
                  readOnlyRootFilesystem: true,
                  runAsNonRoot: true,
                  capabilities: { drop: ["ALL"] },
                },
                resources: {
                  requests: { cpu: "50m", memory: "64Mi" },
                  limits: { cpu: "500m", memory: "128Mi" },
                },
                volumeMounts: [{ name: "verifier", mountPath: "/opt/zerocred", readOnly: true }],
              },
            ],
            volumes: [
              {
                name: "verifier",
                configMap: { name: (cm.outputs.metadata as Record<string, unknown>).name },
              },
            ],
          },
        },
      },
    });
    // No TTL (a deleted Job would re-run on refresh), no fixed name, no deleteBeforeReplace needed.
    expect(JSON.stringify(job.inputs)).not.toContain("ttlSecondsAfterFinished");
    expect(job.options.deleteBeforeReplace).toBeUndefined();
    // Pulumi waits longer than the Job may run.
    expect(job.options.customTimeouts).toEqual({ create: "20m", update: "20m", delete: undefined });
    expect(900).toBeLessThan(20 * 60);
    expect(job.dependencies).toEqual(
      expect.arrayContaining([
        cm.urn,
        childOf(resources, "azure-native:authorization:RoleAssignment", "grant-app").urn,
      ]),
    );
    expect(job.secretInputPaths).toEqual([]);
    expect(pod.DEFAULT_VERIFIER_IMAGE).toMatch(
      /^mcr\.microsoft\.com\/.+:[0-9][^@]*@sha256:[0-9a-f]{64}$/,
    );
  });

  it("takes the workload as a component and runs a list of checks through ZC_CHECKS", async () => {
    const workload = { namespace: "shop", serviceAccountName: "orders" };
    new pod.PodVerification("verify-checks", {
      workload,
      principal: "pod.orders",
      checks: [
        {
          vaultUrl: VAULT_URL,
          secretName: "canary",
          expectedSha256: CANARY_SHA256,
          expected: "allow",
        },
        {
          vaultUrl: "https://kv2.vault.azure.net/",
          secretName: "db",
          expectedSha256: CANARY_SHA256,
          expected: "deny",
        },
      ],
    });
    const resources = await registered(cloud);
    const job = childOf(resources, "kubernetes:batch/v1:Job", "verify-checks-job");
    const spec = job.inputs.spec as {
      template: { spec: { serviceAccountName: string; containers: { env: unknown }[] } };
    };
    expect((job.inputs.metadata as { namespace: string }).namespace).toBe("shop");
    expect(spec.template.spec.serviceAccountName).toBe("orders");
    expect(spec.template.spec.containers[0]!.env).toEqual([
      { name: "ZC_PRINCIPAL", value: "pod.orders" },
      {
        name: "ZC_CHECKS",
        value: JSON.stringify([
          {
            vaultUrl: VAULT_URL,
            secretName: "canary",
            expectedSha256: CANARY_SHA256,
            expected: "allow",
          },
          {
            vaultUrl: "https://kv2.vault.azure.net/",
            secretName: "db",
            expectedSha256: CANARY_SHA256,
            expected: "deny",
          },
        ]),
      },
      { name: "ZC_TIMEOUT_SECONDS", value: "600" },
    ]);
  });

  it("changes the pod-template hash iff the bundle, image or env changes", () => {
    const env = [{ name: "ZC_EXPECTED", value: "allow" }];
    const b = bundle.podVerifierBundle();
    const base = pod.podContentHash(b, "img:1", env);
    expect(pod.podContentHash(b, "img:1", env)).toBe(base);
    expect(pod.podContentHash(`${b};`, "img:1", env)).not.toBe(base);
    expect(pod.podContentHash(b, "img:2", env)).not.toBe(base);
    expect(pod.podContentHash(b, "img:1", [{ name: "ZC_EXPECTED", value: "deny" }])).not.toBe(base);
  });

  it.each([
    [
      { image: "node:latest" },
      "image 'node:latest' is not pinned: use an exact tag (not 'latest') or a digest (@sha256:…).",
    ],
    [
      { image: "node" },
      "image 'node' is not pinned: use an exact tag (not 'latest') or a digest (@sha256:…).",
    ],
    [{ backoffLimit: 9 }, "backoffLimit is 9: use a whole number from 0 to 6."],
    [
      { timeoutSeconds: 7200 },
      "timeoutSeconds is 7200: use a whole number of seconds from 30 to 3600.",
    ],
    [{ principal: "" }, "principal '' is invalid: use 1-64 letters, digits, '.', '_' or '-'."],
    [
      { namespace: undefined },
      "namespace is missing: pass workload (a WorkloadIdentity), or namespace and serviceAccountName.",
    ],
    [{ secretName: "" }, "secretName is missing: pass it, or pass checks."],
    [
      { checks: [] },
      "checks is empty: list at least one (vault, secret, expected) check, or omit checks.",
    ],
    [
      {
        checks: [
          {
            vaultUrl: VAULT_URL,
            secretName: "canary",
            expectedSha256: "",
            expected: "allow" as const,
          },
        ],
      },
      "checks[0].expectedSha256 is missing: build checks with KeyVault.check(secretName, expected).",
    ],
  ])("rejects %j", (overrides, message) => {
    const args = {
      namespace: "apps",
      serviceAccountName: "app",
      principal: "app",
      expected: "allow" as const,
      vaultUrl: VAULT_URL,
      secretName: "canary",
      expectedSha256: CANARY_SHA256,
      ...overrides,
    };
    expect(() => pod.validatePodVerificationArgs(args)).toThrow(message);
    expect(() => new pod.PodVerification("verify-bad", args)).toThrow(message);
  });
});
