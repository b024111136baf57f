/**
 * Stack-level rules on multi-resource fixtures: the compliant stack is clean under every rule, and each
 * rule fails with its exact message when one relation is broken.
 */
import { describe, expect, it } from "vitest";
import { evaluatePolicies, type PolicyInputResource } from "../../policies/evaluate";
import { ruleByName } from "../../policies/registry";
import {
  compliantStack,
  getPathOf,
  ficProps,
  ISSUER,
  resource,
  serviceAccountProps,
  T,
  UNKNOWN_VALUE,
  VAULT_NAME,
} from "./fixtures";

interface Mutable {
  type: string;
  name: string;
  urn: string;
  props: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  dependencies?: readonly string[];
}

function stack(): Mutable[] {
  return compliantStack() as Mutable[];
}

function find(resources: Mutable[], name: string): Mutable {
  const r = resources.find((x) => x.name === name);
  if (r === undefined) {
    throw new Error(`no fixture resource ${name}`);
  }
  return r;
}

function templateLabels(r: Mutable): Record<string, unknown> {
  return getPathOf(r.props, "spec.template.metadata.labels") as Record<string, unknown>;
}

function run(policy: string, resources: readonly PolicyInputResource[]) {
  const rule = ruleByName(policy);
  if (rule === undefined) {
    throw new Error(`rule ${policy} is not registered`);
  }
  return evaluatePolicies(resources, {}, [rule]).map((v) => ({
    resource: v.resource,
    message: v.message,
  }));
}

describe("the compliant stack", () => {
  it("passes every rule", () => {
    expect(evaluatePolicies(stack())).toEqual([]);
  });
});

describe("keyvault-sends-audit-logs", () => {
  it("flags a vault without an audit diagnostic setting", () => {
    const s = stack().filter((r) => r.type !== T.diag);
    const vault = find(s, "kv");
    expect(run("keyvault-sends-audit-logs", s)).toEqual([
      {
        resource: vault.urn,
        message:
          'Key Vault "kv" has no diagnostic setting in this stack that sends the AuditEvent log; add a monitor.DiagnosticSetting with resourceUri = the vault\'s id and logs [{ categoryGroup: "audit", enabled: true }].',
      },
    ]);
  });

  it("does not count a setting that only sends metrics", () => {
    const s = stack();
    find(s, "kv-logs").props.logs = [{ category: "AuditEvent", enabled: false }];
    expect(run("keyvault-sends-audit-logs", s)).toHaveLength(1);
  });

  it("matches through the dependency when the vault id is unknown (preview)", () => {
    const s = stack();
    find(s, "kv").outputs = {};
    find(s, "kv-logs").props.resourceUri = UNKNOWN_VALUE;
    expect(run("keyvault-sends-audit-logs", s)).toEqual([]);
  });
});

describe("keyvault-forbids-access-policies-alongside-rbac", () => {
  it("flags an access policy resource on the RBAC vault", () => {
    const policy = resource(T.accessPolicy, "legacy", {
      resourceGroupName: "rg-zc-dev",
      vaultName: VAULT_NAME,
      policy: { objectId: "x", tenantId: "t", permissions: { secrets: ["get"] } },
    });
    expect(run("keyvault-forbids-access-policies-alongside-rbac", [...stack(), policy])).toEqual([
      {
        resource: policy.urn,
        message: `Access policy "legacy" grants access to Key Vault "${VAULT_NAME}", which this stack governs with Azure RBAC; delete the access policy and grant a Key Vault data role with a role assignment at the vault scope instead.`,
      },
    ]);
  });
});

describe("federated-credential-matches-cluster-issuer", () => {
  it("flags an issuer without the trailing slash", () => {
    const s = stack();
    const fic = find(s, "wl-fic-a");
    fic.props.issuer = ISSUER.slice(0, -1);
    expect(run("federated-credential-matches-cluster-issuer", s)).toEqual([
      {
        resource: fic.urn,
        message: `Federated credential "wl-fic-a" has issuer "${ISSUER.slice(0, -1)}", which is not the oidcIssuerProfile.issuerURL of any managed cluster in this stack ("${ISSUER}"); take the issuer from the cluster's output so it matches byte for byte, trailing slash included.`,
      },
    ]);
  });

  it("flags a Kubernetes subject when the stack has no cluster", () => {
    const s = stack().filter((r) => r.type !== T.cluster);
    expect(run("federated-credential-matches-cluster-issuer", s).map((f) => f.message)[0]).toBe(
      `Federated credential "wl-fic-a" has issuer "${ISSUER}", which is not the oidcIssuerProfile.issuerURL of any managed cluster in this stack (none has one); take the issuer from the cluster's output so it matches byte for byte, trailing slash included.`,
    );
  });

  it("waits while the cluster's issuer is unknown and ignores GitHub credentials", () => {
    const s = stack();
    find(s, "aks").outputs = { oidcIssuerProfile: { enabled: true, issuerURL: UNKNOWN_VALUE } };
    expect(run("federated-credential-matches-cluster-issuer", s)).toEqual([]);
    const github = resource(T.fic, "deployer-fic", {
      ...ficProps("github_dev", "repo:contoso/zerocred:environment:dev"),
      issuer: "https://token.actions.githubusercontent.com",
    });
    expect(run("federated-credential-matches-cluster-issuer", [...stack(), github])).toEqual([]);
  });
});

describe("identity-limits-federated-credentials", () => {
  it("flags the 21st credential on one identity", () => {
    const fics: PolicyInputResource[] = [];
    for (let i = 0; i < 21; i++) {
      fics.push(
        resource(T.fic, `fic-${i}`, ficProps(`sa_${i}`, `system:serviceaccount:zerocred:sa-${i}`), {
          dependencies: i === 0 ? [] : [fics[i - 1].urn],
        }),
      );
    }
    expect(run("identity-limits-federated-credentials", fics)).toEqual([
      {
        resource: fics[20].urn,
        message:
          'User-assigned identity "rg-zc-dev/id-zc-workload" has 21 federated credentials in this stack; Azure allows at most 20 per identity, so move workloads to another identity.',
      },
    ]);
    expect(run("identity-limits-federated-credentials", fics.slice(0, 20))).toEqual([]);
  });
});

describe("identity-requires-unique-issuer-subject", () => {
  it("flags a second credential with the same issuer and subject", () => {
    const s = stack();
    const b = find(s, "wl-fic-b");
    b.props.subject = "system:serviceaccount:zerocred:reader";
    expect(run("identity-requires-unique-issuer-subject", s)).toEqual([
      {
        resource: b.urn,
        message: `Federated credentials "wl-fic-a" and "wl-fic-b" on identity "rg-zc-dev/id-zc-workload" both trust issuer "${ISSUER}" with subject "system:serviceaccount:zerocred:reader"; Azure rejects the second ("Issuer and subject combination already exists"), so remove one.`,
      },
    ]);
  });

  it("allows the same pair on different identities", () => {
    const s = stack();
    const b = find(s, "wl-fic-b");
    b.props.subject = "system:serviceaccount:zerocred:reader";
    b.props.resourceName = "id-zc-other";
    expect(run("identity-requires-unique-issuer-subject", s)).toEqual([]);
  });
});

describe("identity-serializes-federated-credential-writes", () => {
  it("flags two credentials on one identity that can be written in parallel", () => {
    const s = stack();
    const b = find(s, "wl-fic-b");
    b.dependencies = b.dependencies?.filter((d) => d !== find(s, "wl-fic-a").urn);
    expect(run("identity-serializes-federated-credential-writes", s)).toEqual([
      {
        resource: b.urn,
        message:
          'Federated credentials "wl-fic-a" and "wl-fic-b" on identity "rg-zc-dev/id-zc-workload" can be written concurrently (neither depends on the other); Azure rejects concurrent writes under one identity with 409, so chain them with dependsOn.',
      },
    ]);
  });

  it("accepts an ordering through an intermediate resource, and ids parsed from outputs", () => {
    const s = stack();
    const a = find(s, "wl-fic-a");
    const b = find(s, "wl-fic-b");
    const gate = resource("kubernetes:core/v1:Namespace", "gate", {}, { dependencies: [a.urn] });
    b.dependencies = [gate.urn];
    expect(run("identity-serializes-federated-credential-writes", [...s, gate])).toEqual([]);
    const idA = resource(
      T.fic,
      "x",
      {},
      {
        outputs: {
          id: "/subscriptions/s/resourceGroups/RG/providers/Microsoft.ManagedIdentity/userAssignedIdentities/ID/federatedIdentityCredentials/x",
        },
      },
    );
    const idB = resource(
      T.fic,
      "y",
      {},
      {
        outputs: {
          id: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id/federatedIdentityCredentials/y",
        },
      },
    );
    expect(run("identity-serializes-federated-credential-writes", [idA, idB])).toHaveLength(1);
  });
});

describe("pod-template-labels-workload-identity", () => {
  it("flags a Job running as a workload-identity service account without the label", () => {
    const s = stack();
    const job = find(s, "verify-reader");
    delete templateLabels(job)["azure.workload.identity/use"];
    expect(run("pod-template-labels-workload-identity", s)).toEqual([
      {
        resource: job.urn,
        message:
          '"verify-reader" runs pods as service account "zerocred/reader", which is annotated azure.workload.identity/client-id, but its pod template has label azure.workload.identity/use = unset; add azure.workload.identity/use: "true" so the webhook injects the federated token.',
      },
    ]);
  });

  it('flags a Deployment whose label is not the string "true"', () => {
    const deployment = resource(T.deployment, "api", {
      metadata: { namespace: "zerocred" },
      spec: {
        template: {
          metadata: { labels: { "azure.workload.identity/use": "yes" } },
          spec: { serviceAccountName: "reader", containers: [] },
        },
      },
    });
    expect(run("pod-template-labels-workload-identity", [...stack(), deployment])).toEqual([
      {
        resource: deployment.urn,
        message:
          '"api" runs pods as service account "zerocred/reader", which is annotated azure.workload.identity/client-id, but its pod template has label azure.workload.identity/use = "yes"; add azure.workload.identity/use: "true" so the webhook injects the federated token.',
      },
    ]);
  });

  it("ignores pods of service accounts without the client-id annotation and other namespaces", () => {
    const s = stack();
    delete templateLabels(find(s, "verify-reader"))["azure.workload.identity/use"];
    find(s, "reader-sa").props = {
      metadata: { ...serviceAccountProps().metadata, namespace: "other" },
    };
    expect(run("pod-template-labels-workload-identity", s)).toEqual([]);
  });
});
