import { describe, expect, it } from "vitest";
import {
  buildModel,
  derivedGuid,
  parseArmId,
  principalsToVerify,
  scopeCovers,
  secretValueOf,
  toEmulatorWorld,
} from "../../sim/model";
import { expectAccess, identity, vmIdentity, workload } from "../../components/intent";
import { IntentError } from "../../sim/model/intent";
import * as f from "./fixtures";

const KV1 = f.vaultId("kv1");

describe("buildModel", () => {
  const model = buildModel(f.healthy());

  it("reads identities, federated credentials and their parent", () => {
    expect(model.identities).toEqual([
      {
        urn: "urn:pulumi:dev::proj::azure-native:managedidentity:UserAssignedIdentity::orders",
        logicalName: "orders",
        name: "orders",
        resourceGroupName: "rg1",
        resourceId: f.uaiId("orders"),
        principalId: "p-orders",
        clientId: "c-orders",
      },
    ]);
    expect(
      model.federatedCredentials.map((x) => [
        x.name,
        x.identityName,
        x.identityUrn,
        x.issuer,
        x.subject,
        x.audiences,
      ]),
    ).toEqual([
      [
        "orders-fic",
        "orders",
        "urn:pulumi:dev::proj::azure-native:managedidentity:UserAssignedIdentity::orders",
        f.ISSUER,
        "system:serviceaccount:shop:orders",
        ["api://AzureADTokenExchange"],
      ],
    ]);
  });

  it("resolves role assignments to principal, role and scope", () => {
    expect(
      model.roleAssignments.map((a) => [
        a.principalName,
        a.principalKind,
        a.roleName,
        a.scopeKind,
        a.scopeName,
        a.grantsGetSecret,
      ]),
    ).toEqual([
      ["orders", "user-assigned", "Key Vault Secrets User", "vault", "vault kv1", true],
      ["vm1 (system-assigned)", "vm-system", "Key Vault Secrets User", "vault", "vault kv1", true],
    ]);
  });

  it("reads vaults, secrets, VMs, clusters, service accounts and pod templates", () => {
    expect(
      model.vaults.map((v) => [
        v.name,
        v.enableRbacAuthorization,
        v.rbacSetExplicitly,
        v.vaultUri,
        v.secrets.map((s) => s.name),
      ]),
    ).toEqual([["kv1", true, true, "https://kv1.vault.azure.net/", ["canary"]]]);
    expect(model.vms).toEqual([
      {
        urn: "urn:pulumi:dev::proj::azure-native:compute:VirtualMachine::vm1",
        logicalName: "vm1",
        name: "vm1",
        resourceId: `${f.RG}/providers/Microsoft.Compute/virtualMachines/vm1`,
        bootText: "",
        identityType: "SystemAssigned",
        systemAssigned: { principalId: "p-vm1", clientId: derivedGuid("p-vm1#clientId") },
        userAssignedIdentityIds: [],
        subnetIds: [],
      },
    ]);
    expect(
      model.clusters.map((c) => [
        c.name,
        c.issuerUrl,
        c.oidcIssuerEnabled,
        c.workloadIdentityEnabled,
      ]),
    ).toEqual([["aks1", f.ISSUER, true, true]]);
    expect(
      model.serviceAccounts.map((s) => [s.cluster, s.namespace, s.name, s.annotations]),
    ).toEqual([["aks1", "shop", "orders", { [f.WI]: "c-orders" }]]);
    expect(
      model.podTemplates.map((p) => [
        p.kind,
        p.cluster,
        p.namespace,
        p.name,
        p.serviceAccountName,
        p.labels,
      ]),
    ).toEqual([
      ["Job", "aks1", "shop", "orders-check", "orders", { "azure.workload.identity/use": "true" }],
    ]);
  });

  it("finds pod templates in CronJobs, Deployments and bare Pods", () => {
    const tpl = { metadata: { labels: { a: "b" } }, spec: { serviceAccountName: "x" } };
    const m = buildModel([
      f.res("kubernetes:batch/v1:CronJob", "cj", {
        metadata: { name: "cj", namespace: "n" },
        spec: { jobTemplate: { spec: { template: tpl } } },
      }),
      f.res("kubernetes:apps/v1:Deployment", "dep", {
        metadata: { name: "dep" },
        spec: { template: tpl },
      }),
      f.res("kubernetes:core/v1:Pod", "pod", {
        metadata: { name: "pod", namespace: "n", labels: { a: "b" } },
        spec: { serviceAccountName: "x" },
      }),
    ]);
    expect(
      m.podTemplates.map((p) => [p.kind, p.namespace, p.name, p.serviceAccountName, p.labels]),
    ).toEqual([
      ["CronJob", "n", "cj", "x", { a: "b" }],
      ["Deployment", "default", "dep", "x", { a: "b" }],
      ["Pod", "n", "pod", "x", { a: "b" }],
    ]);
  });

  it("keeps secret values out of the printable model", () => {
    expect(JSON.stringify(model)).not.toContain("s3cr3t-value");
    expect(secretValueOf(model.vaults[0]!.secrets[0]!)).toBe("s3cr3t-value");
    expect(model.vaults[0]!.secrets[0]!.valueRecorded).toBe(true);
  });

  it("reads VM user-assigned identities from the ARM output map too", () => {
    const vm = f.res(
      "azure-native:compute:VirtualMachine",
      "vm2",
      { vmName: "vm2" },
      {
        identity: {
          type: "UserAssigned",
          userAssignedIdentities: { [f.uaiId("orders")]: { principalId: "p", clientId: "c" } },
        },
      },
    );
    expect(buildModel([vm]).vms[0]!.userAssignedIdentityIds).toEqual([f.uaiId("orders")]);
  });

  it("attributes Kubernetes objects to the cluster their provider depends on", () => {
    const a = f.cluster("aks-a", { issuer: "https://x/a/" });
    const b = f.cluster("aks-b", { issuer: "https://x/b/" });
    const prov = f.res(
      "pulumi:providers:kubernetes",
      "k8s-b",
      { kubeconfig: "..." },
      {},
      { dependencies: [b.urn] },
    );
    const sa = f.res(
      "kubernetes:core/v1:ServiceAccount",
      "sa",
      { metadata: { name: "s", namespace: "n" } },
      {},
      { provider: `${prov.urn}::pid` },
    );
    expect(buildModel([a, b, prov, sa]).serviceAccounts[0]!.cluster).toBe("aks-b");
  });
});

describe("toEmulatorWorld", () => {
  it("seeds the emulators from the model", () => {
    const world = toEmulatorWorld(buildModel(f.healthy()), f.TENANT);
    expect(world).toEqual({
      tenantId: f.TENANT,
      identities: [
        {
          name: "orders",
          resourceId: f.uaiId("orders"),
          principalId: "p-orders",
          clientId: "c-orders",
        },
      ],
      federatedCredentials: [
        {
          identityResourceId: f.uaiId("orders"),
          name: "orders-fic",
          issuer: f.ISSUER,
          subject: "system:serviceaccount:shop:orders",
          audiences: ["api://AzureADTokenExchange"],
        },
      ],
      vms: [
        {
          name: "vm1",
          resourceId: `${f.RG}/providers/Microsoft.Compute/virtualMachines/vm1`,
          systemAssigned: { principalId: "p-vm1", clientId: derivedGuid("p-vm1#clientId") },
          userAssignedIdentityIds: [],
        },
      ],
      clusters: [{ name: "aks1", issuerUrl: f.ISSUER }],
      vaults: [
        {
          name: "kv1",
          resourceId: KV1,
          enableRbacAuthorization: true,
          secrets: [{ name: "canary", value: "s3cr3t-value" }],
        },
      ],
      roleAssignments: [
        { principalId: "p-orders", roleDefinitionId: f.roleDef(f.SECRETS_USER), scope: KV1 },
        { principalId: "p-vm1", roleDefinitionId: f.roleDef(f.SECRETS_USER), scope: KV1 },
      ],
    });
  });

  it("gives secrets without a recorded value a deterministic placeholder", () => {
    const list = f.replace(
      f.healthy(),
      "kv1-canary",
      f.res(
        "azure-native:keyvault:Secret",
        "kv1-canary",
        { vaultName: "kv1", secretName: "canary", properties: {} },
        { id: `${KV1}/secrets/canary` },
      ),
    );
    const world = toEmulatorWorld(buildModel(list), f.TENANT);
    expect(world.vaults[0]!.secrets).toEqual([
      { name: "canary", value: `simulated-${derivedGuid(`${KV1}/secrets/canary#value`)}` },
    ]);
  });
});

describe("principalsToVerify", () => {
  it("derives expectations from role assignments and says how to test each principal", () => {
    const plan = principalsToVerify(buildModel(f.healthy()), { tenantId: f.TENANT });
    expect(plan.expectationSource).toBe("derived");
    expect(
      plan.targets.map((t) => [
        t.key,
        t.principal,
        t.via,
        t.vm,
        t.pod?.namespace,
        t.pod?.serviceAccount,
        t.identity?.name,
        t.expected,
        t.grantedBy?.role,
      ]),
    ).toEqual([
      [
        "vm:vm1:system→kv1/canary",
        "vm1 (system-assigned)",
        "vm",
        { name: "vm1", clientId: "" },
        undefined,
        undefined,
        "vm1 (system-assigned)",
        "allow",
        "Key Vault Secrets User",
      ],
      [
        "pod:aks1/shop/Job/orders-check→kv1/canary",
        "Job shop/orders-check (sa orders)",
        "workload",
        undefined,
        "shop",
        "orders",
        "orders",
        "allow",
        "Key Vault Secrets User",
      ],
    ]);
    expect(plan.targets[1]!.pod?.webhook.env?.AZURE_CLIENT_ID).toBe("c-orders");
  });

  it("includes attached identities without a grant as expected denials", () => {
    const list = [
      ...f.replace(
        f.healthy(),
        "vm1",
        f.vm(
          "vm1",
          { type: "SystemAssigned, UserAssigned", userAssignedIdentities: [f.uaiId("shared")] },
          "p-vm1",
        ),
      ),
      f.uai("shared"),
    ];
    const plan = principalsToVerify(buildModel(list), { tenantId: f.TENANT });
    expect(plan.targets.map((t) => [t.key, t.vm?.clientId, t.expected])).toEqual([
      ["vm:vm1:system→kv1/canary", "", "allow"],
      ["vm:vm1:shared→kv1/canary", "c-shared", "deny"],
      ["pod:aks1/shop/Job/orders-check→kv1/canary", undefined, "allow"],
    ]);
  });

  it("takes the program's declared expectations, matched exactly by vault, secret and principal", () => {
    const list = [
      ...f.replace(
        f.healthy(),
        "vm1",
        f.vm(
          "vm1",
          { type: "SystemAssigned, UserAssigned", userAssignedIdentities: [f.uaiId("shared")] },
          "p-vm1",
        ),
      ),
      f.uai("shared"),
    ];
    const expectedAccess = [
      expectAccess(vmIdentity("vm1"), { vault: "kv1", secret: "canary" }, "allow"),
      expectAccess(identity("shared"), { vault: "kv1", secret: "canary" }, "deny"),
      // A workload is its namespace/service account: the Job orders-check runs as shop/orders.
      expectAccess(workload("shop", "orders"), { vault: "kv1", secret: "canary" }, "deny"),
    ];
    const plan = principalsToVerify(buildModel(list), { tenantId: f.TENANT, expectedAccess });
    expect(plan.expectationSource).toBe("declared");
    expect(
      plan.targets.map((t) => [t.key, t.expected, t.expectedSource, t.expectedFrom, t.grantedBy]),
    ).toEqual([
      [
        "vm:vm1:system→kv1/canary",
        "allow",
        "declared",
        "expectedAccess[0]",
        { role: "Key Vault Secrets User", scope: KV1 },
      ],
      ["vm:vm1:shared→kv1/canary", "deny", "declared", "expectedAccess[1]", undefined],
      [
        "pod:aks1/shop/Job/orders-check→kv1/canary",
        "deny",
        "declared",
        "expectedAccess[2]",
        { role: "Key Vault Secrets User", scope: KV1 },
      ],
    ]);
  });

  it.each([
    [
      expectAccess(workload("shop", "order"), { vault: "kv1", secret: "canary" }, "allow"),
      'expectedAccess[0]: no workload shop/order in the program; it has: workload("shop", "orders") on aks1',
    ],
    [
      expectAccess(vmIdentity("vm1"), { vault: "kv2", secret: "canary" }, "allow"),
      'expectedAccess[0]: vault "kv2" is not in the program; its vaults: kv1',
    ],
    [
      expectAccess(vmIdentity("vm1"), { vault: "kv1", secret: "Canary" }, "allow"),
      'expectedAccess[0]: vault kv1 has no secret "Canary"; its secrets: canary',
    ],
    [
      expectAccess(identity("orders"), { vault: "kv1", secret: "canary" }, "allow"),
      "expectedAccess[0]: no identity orders in the program; it has: none",
    ],
  ])("rejects an expectation naming what the program lacks (%#)", (entry, message) => {
    let error: unknown;
    try {
      principalsToVerify(buildModel(f.healthy()), { tenantId: f.TENANT, expectedAccess: [entry] });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(IntentError);
    expect((error as IntentError).issues).toEqual([message]);
  });

  it("keeps the FIC's identity as the pod's intent when the annotation is missing", () => {
    const plan = principalsToVerify(
      buildModel(f.replace(f.healthy(), "sa-shop-orders", f.sa("shop", "orders", {}))),
      { tenantId: f.TENANT },
    );
    const pod = plan.targets.find((t) => t.via === "workload")!;
    expect([pod.identity?.name, pod.expected, pod.pod?.webhook.env?.AZURE_CLIENT_ID]).toEqual([
      "orders",
      "allow",
      undefined,
    ]);
  });
});

describe("ARM helpers", () => {
  it("parses ids", () => {
    expect(parseArmId(`${KV1}/secrets/canary`)).toEqual({
      subscriptionId: "11111111-1111-1111-1111-111111111111",
      resourceGroup: "rg1",
      provider: "Microsoft.KeyVault",
      segments: [
        { type: "vaults", name: "kv1" },
        { type: "secrets", name: "canary" },
      ],
    });
  });
  it.each([
    [f.SUB, `${KV1}/secrets/canary`, true],
    [f.RG.toUpperCase(), KV1, true],
    [KV1, KV1, true],
    [`${KV1}/secrets/canary`, KV1, false],
    [`${f.SUB}/resourceGroups/rg`, KV1, false],
  ] as const)("scope %s covers %s: %s", (scope, id, covers) => {
    expect(scopeCovers(scope, id)).toBe(covers);
  });
});

describe("the deployed verifiers' parameters", () => {
  it("reads a VM verifier's ZC_CHECKS (many checks per run command) and pins each expectation", () => {
    const rc = f.res("azure-native:compute:VirtualMachineRunCommandByVirtualMachine", "verify", {
      resourceGroupName: "rg1",
      vmName: "vm1",
      runCommandName: "verify",
      source: { script: "#!/bin/sh" },
      parameters: [
        { name: "ZC_CHECKS", value: "vm||https://kv1.vault.azure.net/|canary|00|deny" },
        { name: "ZC_TIMEOUT_SECONDS", value: "60" },
      ],
    });
    const plan = principalsToVerify(buildModel([...f.healthy(), rc]), { tenantId: f.TENANT });
    const vmT = plan.targets.find((t) => t.key === "vm:vm1:system→kv1/canary")!;
    // The grant says allow (derived); the verifier that will run says deny: pulumi up would fail.
    expect([vmT.expected, vmT.expectedSource, vmT.verifierExpected, vmT.verifierName]).toEqual([
      "deny",
      "verifier",
      "deny",
      "verification run command verify on VM vm1 (principal vm)",
    ]);
  });
});
