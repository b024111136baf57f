import { beforeAll, describe, expect, it } from "vitest";
import * as pulumi from "@pulumi/pulumi";
import { named, registered, unwrap, useCloud, type SimulatedCloud } from "../harness";
import type { WorkloadIdentityArgs } from "../../components/workloadIdentity";

type Mod = typeof import("../../components/workloadIdentity");

const CLIENT_ID = "2d4f6a8c-1e3b-4d5f-8a7c-9e1b3d5f7a9c";
const TENANT = "8c3f1a52-7d4e-4b0a-9f6e-2d1c5b7a9e30";

class TestResource extends pulumi.CustomResource {
  constructor(name: string) {
    super("test:index:Fic", name, {});
  }
}

class TestK8sProvider extends pulumi.ProviderResource {
  constructor(name: string) {
    super("kubernetes", name, {});
  }
}

let cloud: SimulatedCloud;
let mod: Mod;

beforeAll(async () => {
  cloud = await useCloud();
  mod = await import("../../components/workloadIdentity");
});

const base: WorkloadIdentityArgs = {
  namespace: "shop",
  serviceAccountName: "orders",
  clientId: CLIENT_ID,
  tenantId: TENANT,
};

describe("workloadIdentityArgsIssues", () => {
  it("accepts valid names", () => {
    expect(mod.workloadIdentityArgsIssues(base)).toEqual([]);
    expect(
      mod.workloadIdentityArgsIssues({
        ...base,
        serviceAccountName: "orders.v1",
        tokenExpirationSeconds: 86400,
      }),
    ).toEqual([]);
  });

  it.each([
    [
      { namespace: "Shop" },
      'Invalid value for namespace: "Shop". Use a DNS-1123 label: at most 63 lowercase letters, digits or "-", starting and ending with a letter or digit.',
    ],
    [
      { namespace: "shop.eu" },
      'Invalid value for namespace: "shop.eu". Use a DNS-1123 label: at most 63 lowercase letters, digits or "-", starting and ending with a letter or digit.',
    ],
    [
      { serviceAccountName: "orders_sa" },
      'Invalid value for serviceAccountName: "orders_sa". Use a DNS-1123 subdomain: at most 253 lowercase letters, digits, "-" or ".", starting and ending with a letter or digit.',
    ],
    [
      { tokenExpirationSeconds: 3599 },
      "Invalid value for tokenExpirationSeconds: 3599. Use a whole number of seconds from 3600 to 86400.",
    ],
    [
      { tokenExpirationSeconds: 86401 },
      "Invalid value for tokenExpirationSeconds: 86401. Use a whole number of seconds from 3600 to 86400.",
    ],
  ])("%j -> %s", (override, message) => {
    expect(mod.workloadIdentityArgsIssues({ ...base, ...override })).toEqual([message]);
  });

  it("exports the webhook's label and annotation keys", () => {
    expect(mod.USE_LABEL).toBe("azure.workload.identity/use");
    expect(mod.CLIENT_ID_ANNOTATION).toBe("azure.workload.identity/client-id");
    expect(mod.TENANT_ID_ANNOTATION).toBe("azure.workload.identity/tenant-id");
    expect(mod.TOKEN_EXPIRATION_ANNOTATION).toBe(
      "azure.workload.identity/service-account-token-expiration",
    );
    expect(mod.WORKLOAD_IDENTITY_POD_LABELS).toEqual({ "azure.workload.identity/use": "true" });
  });
});

describe("WorkloadIdentity component", () => {
  it("creates the namespace and an annotated service account", async () => {
    const wi = new mod.WorkloadIdentity("orders", { ...base, clientId: pulumi.output(CLIENT_ID) });
    expect(wi.subject).toBe("system:serviceaccount:shop:orders");
    expect(wi.podTemplateLabels).toEqual({ "azure.workload.identity/use": "true" });
    expect(await unwrap(wi.serviceAccountName)).toBe("orders");
    expect(await unwrap(wi.namespace)).toBe("shop");
    const resources = await registered(cloud);

    const ns = named(resources, "orders-namespace");
    expect(ns.type).toBe("kubernetes:core/v1:Namespace");
    expect(ns.inputs).toEqual({
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: "shop", labels: {} },
    });
    expect(ns.urn).toContain(
      "zerocred:kubernetes:WorkloadIdentity$kubernetes:core/v1:Namespace::orders-namespace",
    );

    const sa = named(resources, "orders-serviceaccount");
    expect(sa.type).toBe("kubernetes:core/v1:ServiceAccount");
    expect(sa.inputs).toEqual({
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: {
        name: "orders",
        namespace: "shop",
        labels: {},
        annotations: {
          "azure.workload.identity/client-id": CLIENT_ID,
          "azure.workload.identity/tenant-id": TENANT,
        },
      },
    });
    expect(sa.parent).toBe(named(resources, "orders").urn);
    // The service account is created in the namespace the component created.
    expect(sa.dependencies).toContain(ns.urn);
  });

  it("skips the namespace when asked, orders the SA after the federated credential, sets the token lifetime", async () => {
    const fic = new TestResource("reports-fic");
    const wi = new mod.WorkloadIdentity("reports", {
      ...base,
      serviceAccountName: "reports",
      createNamespace: false,
      federatedCredential: fic,
      tokenExpirationSeconds: 7200,
      labels: { "app.kubernetes.io/part-of": "zerocred" },
    });
    expect(await unwrap(wi.namespace)).toBe("shop");
    expect(wi.namespaceResource).toBeUndefined();
    const resources = await registered(cloud);
    expect(resources.map((r) => r.name)).not.toContain("reports-namespace");
    const sa = named(resources, "reports-serviceaccount");
    expect(sa.inputs.metadata).toEqual({
      name: "reports",
      namespace: "shop",
      labels: { "app.kubernetes.io/part-of": "zerocred" },
      annotations: {
        "azure.workload.identity/client-id": CLIENT_ID,
        "azure.workload.identity/tenant-id": TENANT,
        "azure.workload.identity/service-account-token-expiration": "7200",
      },
    });
    expect(sa.dependencies).toContain(named(resources, "reports-fic").urn);
    expect(wi.subject).toBe("system:serviceaccount:shop:reports");
  });

  it("uses the Kubernetes provider passed to the component", async () => {
    const provider = new TestK8sProvider("wi-k8s");
    const wi = new mod.WorkloadIdentity(
      "provided",
      { ...base, namespace: "ops", serviceAccountName: "audit" },
      { provider },
    );
    await unwrap(wi.serviceAccountName);
    const resources = await registered(cloud);
    const sa = named(resources, "provided-serviceaccount");
    expect(sa.provider).toContain("pulumi:providers:kubernetes::wi-k8s");
    expect(named(resources, "provided-namespace").provider).toContain(
      "pulumi:providers:kubernetes::wi-k8s",
    );
  });

  it("rejects invalid names before registering children", async () => {
    expect(() => new mod.WorkloadIdentity("bad-wi", { ...base, namespace: "Shop" })).toThrow(
      'WorkloadIdentity "bad-wi": Invalid value for namespace: "Shop". Use a DNS-1123 label: at most 63 lowercase letters, digits or "-", starting and ending with a letter or digit.',
    );
    const names = (await registered(cloud)).map((r) => r.name);
    expect(names).not.toContain("bad-wi-namespace");
    expect(names).not.toContain("bad-wi-serviceaccount");
  });
});
