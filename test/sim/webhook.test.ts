import { describe, expect, it } from "vitest";
import { mutatePod, PUBLIC_AUTHORITY_HOST, TOKEN_FILE_PATH } from "../../sim/webhook";

const LABEL = { "azure.workload.identity/use": "true" };
const cluster = { tenantId: "tenant-cluster" };
const sa = (annotations: Record<string, string>, labels: Record<string, string> = {}) => ({
  namespace: "shop",
  name: "orders",
  annotations,
  labels,
});

describe("mutatePod (azure-workload-identity webhook rules)", () => {
  it("injects all four variables and the projected token for a labelled pod with an annotated SA", () => {
    expect(
      mutatePod(
        { namespace: "shop", serviceAccountName: "orders", labels: LABEL },
        sa({ "azure.workload.identity/client-id": "cid" }),
        cluster,
      ),
    ).toEqual({
      injected: true,
      env: {
        AZURE_CLIENT_ID: "cid",
        AZURE_TENANT_ID: "tenant-cluster",
        AZURE_FEDERATED_TOKEN_FILE: "/var/run/secrets/azure/tokens/azure-identity-token",
        AZURE_AUTHORITY_HOST: "https://login.microsoftonline.com/",
      },
      token: {
        path: TOKEN_FILE_PATH,
        audience: "api://AzureADTokenExchange",
        expirationSeconds: 3600,
      },
    });
  });

  it("prefers the SA's tenant-id annotation over the cluster tenant", () => {
    const r = mutatePod(
      { namespace: "shop", serviceAccountName: "orders", labels: LABEL },
      sa({
        "azure.workload.identity/client-id": "cid",
        "azure.workload.identity/tenant-id": "tenant-sa",
      }),
      cluster,
    );
    expect(r.env?.AZURE_TENANT_ID).toBe("tenant-sa");
  });

  it("does not mutate an unlabelled pod, naming the SA when the label is there instead", () => {
    expect(
      mutatePod(
        { namespace: "shop", serviceAccountName: "orders", labels: {} },
        sa({ "azure.workload.identity/client-id": "cid" }, LABEL),
        cluster,
      ),
    ).toEqual({
      injected: false,
      reason:
        'not mutated: the label azure.workload.identity/use: "true" is on the service account shop/orders, not on the pod template; the webhook selects pods by this label only',
    });
    expect(
      mutatePod({ namespace: "shop", serviceAccountName: "orders", labels: {} }, sa({}), cluster),
    ).toEqual({
      injected: false,
      reason:
        'not mutated: the pod template has no label azure.workload.identity/use: "true"; the webhook selects pods by this label only',
    });
  });

  it('requires the label value to be exactly "true"', () => {
    expect(
      mutatePod(
        {
          namespace: "shop",
          serviceAccountName: "orders",
          labels: { "azure.workload.identity/use": "True" },
        },
        sa({}),
        cluster,
      ),
    ).toEqual({
      injected: false,
      reason:
        'not mutated: the pod template\'s label azure.workload.identity/use is "True", not "true"; the webhook selects pods by this label only',
    });
  });

  it("mutates a labelled pod whose SA lacks client-id, without AZURE_CLIENT_ID (empty values are skipped)", () => {
    expect(
      mutatePod(
        { namespace: "shop", serviceAccountName: "orders", labels: LABEL },
        sa({}),
        cluster,
      ),
    ).toEqual({
      injected: true,
      env: {
        AZURE_TENANT_ID: "tenant-cluster",
        AZURE_FEDERATED_TOKEN_FILE: TOKEN_FILE_PATH,
        AZURE_AUTHORITY_HOST: PUBLIC_AUTHORITY_HOST,
      },
      token: {
        path: TOKEN_FILE_PATH,
        audience: "api://AzureADTokenExchange",
        expirationSeconds: 3600,
      },
      reason:
        "AZURE_CLIENT_ID is not injected: service account shop/orders has no azure.workload.identity/client-id annotation",
    });
  });

  it("rejects admission when the service account does not exist (default SA when unset)", () => {
    expect(mutatePod({ namespace: "shop", labels: LABEL }, undefined, cluster)).toEqual({
      injected: false,
      rejected: true,
      reason:
        "admission rejected: service account shop/default does not exist (declare it, or set serviceAccountName to an existing one)",
    });
  });

  it("takes the token expiration from the pod, then the SA, and rejects out-of-range values", () => {
    const saWith = sa({
      "azure.workload.identity/client-id": "cid",
      "azure.workload.identity/service-account-token-expiration": "7200",
    });
    expect(
      mutatePod({ namespace: "shop", serviceAccountName: "orders", labels: LABEL }, saWith, cluster)
        .token?.expirationSeconds,
    ).toBe(7200);
    expect(
      mutatePod(
        {
          namespace: "shop",
          serviceAccountName: "orders",
          labels: LABEL,
          annotations: { "azure.workload.identity/service-account-token-expiration": "86400" },
        },
        saWith,
        cluster,
      ).token?.expirationSeconds,
    ).toBe(86400);
    expect(
      mutatePod(
        {
          namespace: "shop",
          serviceAccountName: "orders",
          labels: LABEL,
          annotations: { "azure.workload.identity/service-account-token-expiration": "600" },
        },
        saWith,
        cluster,
      ),
    ).toEqual({
      injected: false,
      rejected: true,
      reason:
        "admission rejected: token expiration 600 not valid. Expected value to be between 3600 and 86400",
    });
  });

  it("uses the cluster's authority host when configured (sovereign clouds)", () => {
    const r = mutatePod(
      { namespace: "shop", serviceAccountName: "orders", labels: LABEL },
      sa({ "azure.workload.identity/client-id": "cid" }),
      { tenantId: "t", authorityHost: "https://login.microsoftonline.us/" },
    );
    expect(r.env?.AZURE_AUTHORITY_HOST).toBe("https://login.microsoftonline.us/");
  });
});
