/**
 * Composition by object: a WorkloadIdentity given the UserAssignedIdentity and the cluster creates its
 * own federated credential (on the identity, chained after the others), several workloads share a
 * namespace without flags or dependsOn, and a missing required argument fails at construction with one
 * line naming the component, the argument and the fix (a RunError: no stack trace).
 */
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import {
  registered,
  unwrap,
  useCloud,
  type RecordedResource,
  type SimulatedCloud,
} from "../harness";

type WiMod = typeof import("../../components/workloadIdentity");
type UaiMod = typeof import("../../components/userAssignedIdentity");
type ArgsMod = typeof import("../../components/args");

const ISSUER = "https://westeurope.oic.prod-aks.azure.com/tenant/cluster/";

class TestK8sProvider extends pulumi.ProviderResource {
  constructor(name: string) {
    super("kubernetes", name, {});
  }
}

let cloud: SimulatedCloud;
let wi: WiMod;
let uai: UaiMod;
let argsMod: ArgsMod;

beforeAll(async () => {
  cloud = await useCloud();
  wi = await import("../../components/workloadIdentity");
  uai = await import("../../components/userAssignedIdentity");
  argsMod = await import("../../components/args");
});

const one = (rs: readonly RecordedResource[], name: string) => {
  const found = rs.filter((r) => r.name === name);
  expect(found.map((r) => r.name)).toEqual([name]);
  return found[0]!;
};

describe("WorkloadIdentity given the identity and the cluster", () => {
  it("adds the service account's federated credential to the identity and orders the service account after it", async () => {
    const identity = new uai.UserAssignedIdentity("id-c1", { resourceGroupName: "rg" });
    const cluster = {
      oidcIssuerUrl: pulumi.output(ISSUER),
      provider: new TestK8sProvider("k8s-c1"),
    };
    // The workload's name differs from its service account's (a seam).
    const w = new wi.WorkloadIdentity("billing-api", {
      namespace: "billing",
      serviceAccountName: "api-sa",
      identity,
      cluster,
    });
    expect(await unwrap(w.clientId)).toBe(await unwrap(identity.clientId));
    const rs = await registered(cloud);
    const fic = one(rs, "id-c1-fic-billing_api-sa");
    expect(fic.type).toBe("azure-native:managedidentity:FederatedIdentityCredential");
    expect(fic.parent).toBe(one(rs, "id-c1").urn);
    expect(fic.inputs).toMatchObject({
      resourceGroupName: "rg",
      federatedIdentityCredentialResourceName: "billing_api-sa",
      issuer: ISSUER,
      subject: "system:serviceaccount:billing:api-sa",
      audiences: ["api://AzureADTokenExchange"],
    });
    const sa = one(rs, "billing-api-serviceaccount");
    expect(sa.dependencies).toContain(fic.urn);
    expect(sa.provider).toContain("k8s-c1");
    const annotations = (sa.inputs.metadata as { annotations: Record<string, string> }).annotations;
    expect(annotations["azure.workload.identity/client-id"]).toBe(await unwrap(identity.clientId));
    expect(annotations["azure.workload.identity/tenant-id"]).toBe(await unwrap(identity.tenantId));
    expect(identity.federatedCredentials.map((f) => f)).toEqual([w.federatedCredential]);
  });

  it("chains every credential added to one identity after the previous one (Azure rejects concurrent writes)", async () => {
    const identity = new uai.UserAssignedIdentity("id-c2", {
      resourceGroupName: "rg",
      federatedCredentials: [
        {
          name: "github-main",
          issuer: "https://token.actions.githubusercontent.com",
          subject: "repo:o/r:ref:refs/heads/main",
        },
      ],
    });
    const cluster = { oidcIssuerUrl: ISSUER, provider: new TestK8sProvider("k8s-c2") };
    new wi.WorkloadIdentity("a", { namespace: "ns2", serviceAccountName: "a", identity, cluster });
    new wi.WorkloadIdentity("b", { namespace: "ns2", serviceAccountName: "b", identity, cluster });
    const rs = await registered(cloud);
    const gh = one(rs, "id-c2-fic-github-main");
    const a = one(rs, "id-c2-fic-ns2_a");
    const b = one(rs, "id-c2-fic-ns2_b");
    expect(a.dependsOn).toContain(gh.urn);
    expect(b.dependsOn).toContain(a.urn);
    expect(b.options.deleteBeforeReplace).toBe(true);
  });

  it("shares one namespace per cluster: the first workload creates it, the next uses it and waits for it", async () => {
    const identity = new uai.UserAssignedIdentity("id-c3", { resourceGroupName: "rg" });
    const cluster = { oidcIssuerUrl: ISSUER, provider: new TestK8sProvider("k8s-c3") };
    const first = new wi.WorkloadIdentity("shop-orders", {
      namespace: "shop",
      serviceAccountName: "orders",
      identity,
      cluster,
    });
    const second = new wi.WorkloadIdentity("shop-reports", {
      namespace: "shop",
      serviceAccountName: "reports",
      identity,
      cluster,
    });
    expect(first.namespaceResource).toBeDefined();
    expect(second.namespaceResource).toBeUndefined();
    const rs = await registered(cloud);
    const namespaces = rs.filter(
      (r) =>
        r.type === "kubernetes:core/v1:Namespace" &&
        (r.inputs.metadata as { name: string }).name === "shop" &&
        (r.provider ?? "").includes("k8s-c3"),
    );
    expect(namespaces.map((n) => n.name)).toEqual(["shop-orders-namespace"]);
    expect(one(rs, "shop-reports-serviceaccount").dependencies).toContain(namespaces[0]!.urn);
    // Another cluster gets its own namespace of the same name.
    const other = new wi.WorkloadIdentity("other-orders", {
      namespace: "shop",
      serviceAccountName: "orders",
      identity: new uai.UserAssignedIdentity("id-c3b", { resourceGroupName: "rg" }),
      cluster: { oidcIssuerUrl: ISSUER, provider: new TestK8sProvider("k8s-c3b") },
    });
    expect(other.namespaceResource).toBeDefined();
  });

  it("rejects a second explicit createNamespace: true for the same namespace, naming the fix", () => {
    const cluster = { oidcIssuerUrl: ISSUER, provider: new TestK8sProvider("k8s-c4") };
    const identity = { clientId: "2d4f6a8c-1e3b-4d5f-8a7c-9e1b3d5f7a9c", tenantId: "t" };
    new wi.WorkloadIdentity("c4-a", {
      namespace: "dup",
      serviceAccountName: "a",
      identity,
      cluster,
    });
    expect(
      () =>
        new wi.WorkloadIdentity("c4-b", {
          namespace: "dup",
          serviceAccountName: "b",
          identity,
          cluster,
          createNamespace: true,
        }),
    ).toThrow(
      'WorkloadIdentity "c4-b": namespace "dup" is already created by another WorkloadIdentity on this cluster: omit createNamespace (it is then shared).',
    );
  });

  it("creates no credential for an identity made elsewhere (ids only) and keeps createNamespace: false", async () => {
    const w = new wi.WorkloadIdentity(
      "ext",
      {
        namespace: "existing",
        serviceAccountName: "ext",
        clientId: "2d4f6a8c-1e3b-4d5f-8a7c-9e1b3d5f7a9c",
        tenantId: "8c3f1a52-7d4e-4b0a-9f6e-2d1c5b7a9e30",
        createNamespace: false,
      },
      { provider: new TestK8sProvider("k8s-c5") },
    );
    expect(w.federatedCredential).toBeUndefined();
    expect(w.namespaceResource).toBeUndefined();
    expect(await unwrap(w.namespace)).toBe("existing");
  });
});

describe("required arguments are checked at construction", () => {
  it.each([
    [
      "WorkloadIdentity without identity or clientId",
      () =>
        new wi.WorkloadIdentity("orders", {
          namespace: "shop",
          serviceAccountName: "orders",
        } as never),
      'WorkloadIdentity "orders": identity or clientId is required but missing: pass identity (a UserAssignedIdentity), or clientId and tenantId of an identity made elsewhere.',
    ],
    [
      "WorkloadIdentity with an empty namespace",
      () =>
        new wi.WorkloadIdentity("orders", {
          namespace: "",
          serviceAccountName: "orders",
          clientId: "x",
          tenantId: "t",
        }),
      'WorkloadIdentity "orders": namespace is required but empty (""): pass the Kubernetes namespace, e.g. "shop".',
    ],
    [
      "UserAssignedIdentity without a resource group",
      () => new uai.UserAssignedIdentity("id", {} as never),
      'UserAssignedIdentity "id": resourceGroupName is required but missing: pass the name of the resource group to create the identity in (e.g. rg.name).',
    ],
    [
      "UserAssignedIdentity without args",
      () => new uai.UserAssignedIdentity("id", undefined as never),
      'UserAssignedIdentity "id": args is undefined: pass an object with resourceGroupName.',
    ],
  ])("%s", (_what, build, message) => {
    let error: unknown;
    try {
      build();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(argsMod.ComponentArgsError);
    expect(pulumi.RunError.isInstance(error)).toBe(true);
    expect((error as Error).message).toBe(message);
    expect((error as Error).message).not.toContain("\n");
  });

  it("registers nothing when a required argument is missing", async () => {
    const before = (await registered(cloud)).length;
    expect(() => new uai.UserAssignedIdentity("id-none", { resourceGroupName: " " })).toThrow(
      argsMod.ComponentArgsError,
    );
    const after = await registered(cloud);
    expect(after.length).toBe(before);
    expect(after.some((r) => r.name === "id-none")).toBe(false);
  });
});
