/**
 * ARM authorization as the deployer meets it: resource types from ids, role actions / notActions with
 * wildcards, scope inheritance, the ABAC condition bootstrap writes (parsed from its text), and the
 * Kubernetes data plane under Azure RBAC with propagation and pulumi-kubernetes' retries.
 */
import { describe, expect, it } from "vitest";
import { roleAssignmentCondition } from "../../components/deployer";
import {
  armResourceType,
  authorize,
  suggestRole,
  writeRights,
  type Caller,
} from "../../sim/deployer/arm";
import { evaluateCondition } from "../../sim/deployer/condition";
import {
  applyKubernetes,
  dataActionFor,
  gateWait,
  isAccessGate,
  jobsWithoutReplaceUnready,
  type DataPlaneAssignment,
} from "../../sim/deployer/kubernetes";
import { schedule } from "../../sim/deployer/order";
import type { RecordedResource } from "../../sim/cloud";

const SUB = "/subscriptions/3b9d2e71-5a4c-4f86-b1d0-7e2a6c9f4d18";
const RG = `${SUB}/resourceGroups/zerocred-dev`;
const CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c";
const RBAC_ADMIN = "f58310d9-a9f6-439a-9e8d-f62e7b41a168";
const SECRETS_USER = "4633458b-17de-408a-b874-0445c86b69e6";
const KV_ADMIN = "00482a5a-887f-4fb3-b363-3b7fe8e74483";
const AKS_CLUSTER_ADMIN = "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b";
const def = (g: string) => `${SUB}/providers/Microsoft.Authorization/roleDefinitions/${g}`;

const condition = roleAssignmentCondition([SECRETS_USER, AKS_CLUSTER_ADMIN], ["ServicePrincipal"]);
const caller: Caller = {
  principalId: "p-1",
  clientId: "c-1",
  customRoles: [],
  assignments: [
    { name: "contributor", principalId: "P-1", roleDefinitionId: def(CONTRIBUTOR), scope: RG },
    { name: "rbac", principalId: "p-1", roleDefinitionId: def(RBAC_ADMIN), scope: RG, condition },
  ],
};

describe("ARM resource types from ids", () => {
  it.each([
    [
      `${RG}/providers/Microsoft.Network/virtualNetworks/v/subnets/aks`,
      "Microsoft.Network/virtualNetworks/subnets",
    ],
    [
      `${RG}/providers/Microsoft.KeyVault/vaults/kv/providers/Microsoft.Authorization/roleAssignments/g`,
      "Microsoft.Authorization/roleAssignments",
    ],
    [`${SUB}/resourceGroups/zc-dev-rg`, "Microsoft.Resources/subscriptions/resourceGroups"],
    [
      `${RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/u/federatedIdentityCredentials/f`,
      "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials",
    ],
  ])("%s", (id, type) => expect(armResourceType(id)).toBe(type));
});

describe("role actions, notActions and scope inheritance", () => {
  it("Contributor at the group covers a child resource (principal id compared case-insensitively)", () => {
    expect(
      authorize(
        caller,
        "Microsoft.KeyVault/vaults/write",
        `${RG}/providers/Microsoft.KeyVault/vaults/kv`,
      ),
    ).toMatchObject({
      allowed: true,
      grantedBy: `Contributor @ ${RG}`,
    });
  });
  it("a sibling group with a common prefix is not covered", () => {
    expect(
      authorize(
        caller,
        "Microsoft.KeyVault/vaults/write",
        `${SUB}/resourceGroups/zerocred-dev2/providers/Microsoft.KeyVault/vaults/kv`,
      ).allowed,
    ).toBe(false);
  });
  it("Contributor's notActions exclude role assignments and custom roles", () => {
    const noRbac = { ...caller, assignments: caller.assignments.slice(0, 1) };
    expect(
      authorize(
        noRbac,
        "Microsoft.Authorization/roleAssignments/write",
        `${RG}/providers/Microsoft.Authorization/roleAssignments/g`,
        { roleGuid: SECRETS_USER, principalType: "ServicePrincipal" },
      ).allowed,
    ).toBe(false);
    expect(authorize(caller, "Microsoft.Authorization/roleDefinitions/write", RG).allowed).toBe(
      false,
    );
  });
  it("names the narrowest built-in role for a missing action", () => {
    expect(
      suggestRole("Microsoft.ContainerService/managedClusters/listClusterUserCredential/action"),
    ).toBe("Azure Kubernetes Service Cluster User Role");
    expect(suggestRole("Microsoft.Network/virtualNetworks/write")).toBe("Network Contributor");
  });
  it("a preview identity with Reader + Cluster User holds no write right; the deployer does", () => {
    const reader: Caller = {
      ...caller,
      assignments: [
        {
          name: "r",
          principalId: "p-1",
          roleDefinitionId: def("acdd72a7-3385-48ef-bd42-f606fba81ae7"),
          scope: RG,
        },
        {
          name: "u",
          principalId: "p-1",
          roleDefinitionId: def("4abbcc35-e782-43d8-92c5-2d3f1bd2253f"),
          scope: RG,
        },
      ],
    };
    expect(writeRights(reader)).toEqual([]);
    const stateReader: Caller = {
      ...caller,
      customRoles: [
        {
          guid: "11111111-1111-1111-1111-111111111111",
          roleName: "state reader",
          actions: [
            "Microsoft.Storage/storageAccounts/blobServices/generateUserDelegationKey/action",
          ],
          notActions: [],
          dataActions: ["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read"],
          notDataActions: [],
        },
        {
          guid: "22222222-2222-2222-2222-222222222222",
          roleName: "purger",
          actions: ["Microsoft.KeyVault/locations/deletedVaults/purge/action"],
          notActions: [],
          dataActions: [],
          notDataActions: [],
        },
      ],
      assignments: [
        {
          name: "s",
          principalId: "p-1",
          roleDefinitionId: def("11111111-1111-1111-1111-111111111111"),
          scope: RG,
        },
      ],
    };
    expect(writeRights(stateReader)).toEqual([]);
    const purger = {
      ...stateReader,
      assignments: [
        {
          ...stateReader.assignments[0]!,
          roleDefinitionId: def("22222222-2222-2222-2222-222222222222"),
        },
      ],
    };
    expect(writeRights(purger)).toHaveLength(1);
    expect(writeRights(caller)).toHaveLength(2);
  });
});

describe("the ABAC condition bootstrap writes (parsed from its text)", () => {
  const write = (roleGuid: string, principalType?: string) =>
    authorize(
      caller,
      "Microsoft.Authorization/roleAssignments/write",
      `${RG}/providers/Microsoft.Authorization/roleAssignments/g`,
      { roleGuid, principalType },
    );
  it("allows a listed role to a listed principal type", () => {
    expect(write(SECRETS_USER, "ServicePrincipal")).toMatchObject({ allowed: true });
    expect(write(SECRETS_USER.toUpperCase(), "serviceprincipal").allowed).toBe(true);
  });
  it("forbids an unlisted role, a User, and a request without principalType", () => {
    expect(write(KV_ADMIN, "ServicePrincipal").allowed).toBe(false);
    expect(write(SECRETS_USER, "User")).toMatchObject({
      allowed: false,
      conditionReason: expect.stringContaining("principal type User"),
    });
    expect(write(SECRETS_USER).allowed).toBe(false);
  });
  it("a delete is judged by the @Resource clause; other actions pass the condition", () => {
    expect(
      evaluateCondition(condition, {
        action: "delete",
        roleGuid: AKS_CLUSTER_ADMIN,
        principalType: "ServicePrincipal",
      }),
    ).toEqual({ allowed: true });
    expect(
      evaluateCondition(condition, {
        action: "delete",
        roleGuid: KV_ADMIN,
        principalType: "ServicePrincipal",
      }).allowed,
    ).toBe(false);
  });
  it("an operator it does not model is reported, not guessed", () => {
    const odd =
      "((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})) OR (@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {x} AND @Request[Microsoft.Authorization/roleAssignments:Description] StringLike {'*'}))";
    expect(evaluateCondition(odd, { action: "write", roleGuid: "x" }).allowed).toBe("unknown");
  });
});

let order = 0;
function rec(type: string, name: string, extra: Partial<RecordedResource> = {}): RecordedResource {
  const urn = `urn:pulumi:dev::zerocred::${type}::${name}`;
  return {
    type,
    name,
    urn,
    custom: true,
    id: `shop/${name}`,
    order: order++,
    inputs: {},
    outputs: {},
    dependencies: [],
    dependsOn: [],
    propertyDependencies: {},
    options: { ignoreChanges: [], replaceOnChanges: [], additionalSecretOutputs: [] },
    secretInputPaths: [],
    ...extra,
  };
}

describe("Kubernetes under Azure RBAC (pulumi-kubernetes 4.34.2 create retries)", () => {
  const CLUSTER = `${RG}/providers/Microsoft.ContainerService/managedClusters/aks`;
  const grant = rec("azure-native:authorization:RoleAssignment", "grant", { id: "g" });
  const provider = rec("pulumi:providers:kubernetes", "k8s", {
    id: "prov",
    dependencies: [grant.urn],
  });
  const ns = rec("kubernetes:core/v1:Namespace", "ns", {
    id: "shop",
    inputs: { metadata: { name: "shop" } },
    provider: `${provider.urn}::prov`,
  });
  const cm = rec("kubernetes:core/v1:ConfigMap", "cm", {
    inputs: { metadata: { name: "cm", namespace: "shop" } },
    provider: `${provider.urn}::prov`,
  });
  const job = rec("kubernetes:batch/v1:Job", "job", {
    inputs: { metadata: { name: "j", namespace: "shop" } },
    provider: `${provider.urn}::prov`,
    dependencies: [cm.urn],
  });
  const scheduled = schedule([grant, provider, ns, cm, job]);
  const assignment = (effectiveAtMs: number): DataPlaneAssignment => ({
    principalId: "p-1",
    roleDefinitionId: def(AKS_CLUSTER_ADMIN),
    scope: CLUSTER,
    effectiveAtMs,
    source: "aks-deployer-admin",
  });
  const apply = (a: DataPlaneAssignment[]) =>
    applyKubernetes(scheduled, {
      principalId: "p-1",
      userName: "p-1",
      clusterId: CLUSTER,
      assignments: a,
      customRoles: [],
      verb: "write",
      dryRun: false,
    });

  it("golden data actions (core group has no group segment)", () => {
    expect(dataActionFor("kubernetes:core/v1:Namespace", "write")).toBe(
      "Microsoft.ContainerService/managedClusters/namespaces/write",
    );
    expect(dataActionFor("kubernetes:batch/v1:Job", "delete")).toBe(
      "Microsoft.ContainerService/managedClusters/batch/jobs/delete",
    );
    expect(dataActionFor("kubernetes:networking.k8s.io/v1:NetworkPolicy", "write")).toBe(
      "Microsoft.ContainerService/managedClusters/networking.k8s.io/networkpolicies/write",
    );
  });
  it("an assignment made ahead of time: every request allowed; the ConfigMap racing its namespace is retried", () => {
    const r = apply([assignment(-Infinity)]);
    expect(r.findings).toEqual([]);
    const c = r.requests.find((x) => x.resource === "cm")!;
    expect(c).toMatchObject({ outcome: "ok", attempts: 2 });
  });
  it("an assignment made in the same run: 403 at the first request, not retried, with the time left", () => {
    const madeAt = scheduled.find((s) => s.resource === grant)!.endMs;
    const r = apply([assignment(madeAt + 300_000)]);
    expect(r.findings[0]).toMatchObject({ code: "K8S-FORBIDDEN", resource: "ns" });
    expect(r.findings[0]!.message).toContain(
      'namespaces "shop" is forbidden: User "p-1" cannot patch resource "namespaces" in API group "" at the cluster scope',
    );
    expect(r.findings[0]!.message).toMatch(/still needs up to 299 s/);
    expect(r.requests.find((x) => x.resource === "ns")!.attempts).toBe(1);
  });
  it("propagated exactly at the first request (boundary) is allowed; 1 ms later is not", () => {
    const first = scheduled.find((s) => s.resource === ns)!.startMs;
    expect(apply([assignment(first)]).findings).toEqual([]);
    expect(apply([assignment(first + 1)]).findings[0]?.code).toBe("K8S-FORBIDDEN");
  });
  it("a namespace the stack never creates: not found after 6 attempts over 31 s", () => {
    const alone = schedule([grant, provider, cm]);
    const r = applyKubernetes(alone, {
      principalId: "p-1",
      userName: "p-1",
      clusterId: CLUSTER,
      assignments: [assignment(-Infinity)],
      customRoles: [],
      verb: "write",
      dryRun: false,
    });
    expect(r.findings[0]).toMatchObject({ code: "K8S-NAMESPACE-NOT-FOUND" });
    expect(r.requests[0]).toMatchObject({ attempts: 6, outcome: "not-found" });
  });
  it("a Job without pulumi.com/replaceUnready is flagged; with it, not", () => {
    expect(jobsWithoutReplaceUnready([job]).map((f) => f.resource)).toEqual(["job"]);
    const annotated = {
      ...job,
      inputs: { metadata: { name: "j", annotations: { "pulumi.com/replaceUnready": "true" } } },
    };
    expect(jobsWithoutReplaceUnready([annotated])).toEqual([]);
  });
  it("a cluster access gate waits (5 s doubling to 30 s) until propagation, or fails at its bound", () => {
    const gate = rec("pulumi-nodejs:dynamic:Resource", "gate-check", {
      dependencies: [grant.urn],
      inputs: {
        verb: "create",
        resource: "namespaces",
        timeoutSeconds: 600,
        server: "https://aks",
      },
    });
    expect(isAccessGate(gate)).toBe(true);
    expect(isAccessGate(ns)).toBe(false);
    const opts = { principalId: "p-1", clusterId: CLUSTER, customRoles: [] };
    // Effective 100 s after the gate starts: probes at 0, 5, 15, 35, 65, 95, 125 s → allowed at 125 s.
    expect(gateWait(gate, 0, { ...opts, assignments: [assignment(100_000)] })).toEqual({
      waitMs: 125_000,
      timedOut: false,
    });
    expect(gateWait(gate, 0, { ...opts, assignments: [assignment(-Infinity)] })).toEqual({
      waitMs: 0,
      timedOut: false,
    });
    const short = { ...gate, inputs: { ...gate.inputs, timeoutSeconds: 60 } };
    expect(gateWait(short, 0, { ...opts, assignments: [assignment(300_000)] })).toEqual({
      waitMs: 60_000,
      timedOut: true,
    });
  });
});
