import { beforeAll, describe, expect, it } from "vitest";
import * as pulumi from "@pulumi/pulumi";
import { byType, named, registered, unwrap, useCloud, type SimulatedCloud } from "../harness";
import type { FederatedCredentialSpec } from "../../components/userAssignedIdentity";

type Mod = typeof import("../../components/userAssignedIdentity");

const SUB = "3b9d2e71-5a4c-4f86-b1d0-7e2a6c9f4d18";
const ISSUER =
  "https://westeurope.oic.prod-aks.azure.com/8c3f1a52-7d4e-4b0a-9f6e-2d1c5b7a9e30/1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9/";
const AUD = "api://AzureADTokenExchange";
const FIC_TYPE = "azure-native:managedidentity:FederatedIdentityCredential";

let cloud: SimulatedCloud;
let mod: Mod;

beforeAll(async () => {
  cloud = await useCloud();
  mod = await import("../../components/userAssignedIdentity");
});

function spec(
  name: string,
  subject = `system:serviceaccount:shop:${name}`,
  issuer: pulumi.Input<string> = ISSUER,
): FederatedCredentialSpec {
  return { name, issuer, subject };
}

describe("federatedCredentialIssues", () => {
  it("accepts up to 20 valid, unique credentials", () => {
    const specs = Array.from({ length: 20 }, (_, i) => spec(`wl-${i}`));
    expect(mod.federatedCredentialIssues(specs)).toEqual([]);
  });

  it("rejects 21 credentials (Azure's per-identity limit)", () => {
    const specs = Array.from({ length: 21 }, (_, i) => spec(`wl-${i}`));
    expect(mod.federatedCredentialIssues(specs)).toEqual([
      "federatedCredentials has 21 entries; Azure allows at most 20 per user-assigned identity. Split the workloads across more identities.",
    ]);
  });

  it("rejects invalid and duplicate names", () => {
    expect(
      mod.federatedCredentialIssues([
        spec("ab"),
        spec("dup"),
        spec("dup", "system:serviceaccount:shop:other"),
      ]),
    ).toEqual([
      'federatedCredentials: Federated credential name "ab" is invalid: use 3 to 120 characters of letters, digits, "-" and "_", starting with a letter or digit.',
      'federatedCredentials: name "dup" is used more than once; give each credential a unique name.',
    ]);
  });

  it("rejects a duplicate (issuer, subject) pair when the issuer is plain", () => {
    expect(
      mod.federatedCredentialIssues([
        spec("one", "system:serviceaccount:shop:x"),
        spec("two", "system:serviceaccount:shop:x"),
      ]),
    ).toEqual([
      `federatedCredentials: "one" and "two" both trust issuer "${ISSUER}" with subject "system:serviceaccount:shop:x"; Azure rejects a duplicate (issuer, subject) pair on one identity. Remove one.`,
    ]);
  });

  it("allows the same subject under different issuers", () => {
    expect(
      mod.federatedCredentialIssues([
        spec("one", "s:x"),
        spec("two", "s:x", ISSUER.replace("westeurope", "northeurope")),
      ]),
    ).toEqual([]);
  });

  it("rejects empty or padded subjects", () => {
    expect(mod.federatedCredentialIssues([spec("one", " system:serviceaccount:a:b")])).toEqual([
      'federatedCredentials["one"].subject " system:serviceaccount:a:b" is empty or has surrounding whitespace; use the exact token subject, e.g. "system:serviceaccount:<namespace>:<serviceAccount>".',
    ]);
  });

  it("requires exactly one audience, api://AzureADTokenExchange unless allowed", () => {
    expect(mod.federatedCredentialIssues([{ ...spec("one"), audiences: [AUD, "x"] }])).toEqual([
      'federatedCredentials["one"].audiences has 2 entries; Entra ID supports exactly one. Use ["api://AzureADTokenExchange"].',
    ]);
    expect(mod.federatedCredentialIssues([{ ...spec("one"), audiences: ["api://other"] }])).toEqual(
      [
        'federatedCredentials["one"].audiences is ["api://other"]; workload identity tokens carry "api://AzureADTokenExchange". Remove the override or set allowCustomAudiences: true.',
      ],
    );
    expect(
      mod.federatedCredentialIssues([{ ...spec("one"), audiences: ["api://other"] }], {
        allowCustomAudiences: true,
      }),
    ).toEqual([]);
  });

  it("checks resolved issuers for duplicates", () => {
    expect(
      mod.duplicateIssuerSubjectIssues([
        { name: "a", issuer: ISSUER, subject: "s" },
        { name: "b", issuer: ISSUER, subject: "s" },
        { name: "c", issuer: ISSUER, subject: "t" },
      ]),
    ).toEqual([
      `federatedCredentials: "a" and "b" both trust issuer "${ISSUER}" with subject "s"; Azure rejects a duplicate (issuer, subject) pair on one identity. Remove one.`,
    ]);
  });

  it.each([
    ["orders", []],
    ["id_orders-1", []],
    [
      "ab",
      [
        'Invalid value for identityName: "ab". Use 3 to 128 letters, digits, "-" or "_", starting with a letter or digit.',
      ],
    ],
    [
      "-orders",
      [
        'Invalid value for identityName: "-orders". Use 3 to 128 letters, digits, "-" or "_", starting with a letter or digit.',
      ],
    ],
  ])("identityNameIssues(%j)", (n, issues) => {
    expect(mod.identityNameIssues(n)).toEqual(issues);
  });

  it("chain order is by name, independent of input order and locale", () => {
    expect(
      mod
        .federatedCredentialChainOrder([spec("zeta"), spec("Alpha"), spec("alpha"), spec("beta")])
        .map((s) => s.name),
    ).toEqual(["Alpha", "alpha", "beta", "zeta"]);
  });
});

describe("UserAssignedIdentity component", () => {
  it("creates the identity with a deterministic name and exposes its ids", async () => {
    const id = new mod.UserAssignedIdentity("orders", {
      resourceGroupName: "zc-dev",
      location: "westeurope",
      tags: { app: "zerocred" },
    });
    const expectedId = `/subscriptions/${SUB}/resourceGroups/zc-dev/providers/Microsoft.ManagedIdentity/userAssignedIdentities/orders`;
    expect(await unwrap(id.id)).toBe(expectedId);
    expect(await unwrap(id.name)).toBe("orders");
    expect(await unwrap(id.principalId)).toMatch(/^[0-9a-f-]{36}$/);
    expect(await unwrap(id.clientId)).toMatch(/^[0-9a-f-]{36}$/);
    expect(await unwrap(id.principalId)).not.toBe(await unwrap(id.clientId));
    expect(await unwrap(id.tenantId)).toBe(cloud.tenantId);
    const resources = await registered(cloud);
    const child = named(resources, "orders-identity");
    expect(child.type).toBe("azure-native:managedidentity:UserAssignedIdentity");
    expect(child.inputs).toEqual({
      resourceGroupName: "zc-dev",
      resourceName: "orders",
      location: "westeurope",
      tags: { app: "zerocred" },
    });
    expect(child.urn).toContain(
      "zerocred:identity:UserAssignedIdentity$azure-native:managedidentity:UserAssignedIdentity::orders-identity",
    );
    expect(id.federatedCredentials).toEqual([]);
  });

  it("honours an explicit identityName", async () => {
    const id = new mod.UserAssignedIdentity("logical", {
      resourceGroupName: "zc-dev",
      identityName: "zc-id-shared",
    });
    expect(await unwrap(id.name)).toBe("zc-id-shared");
  });

  it("writes federated credentials one at a time, sorted by name, delete-before-replace", async () => {
    const issuer = pulumi.output(ISSUER);
    const id = new mod.UserAssignedIdentity("shared", {
      resourceGroupName: "zc-dev",
      federatedCredentials: [
        { name: "shop_reports", issuer, subject: "system:serviceaccount:shop:reports" },
        { name: "batch_export", issuer, subject: "system:serviceaccount:batch:export" },
        { name: "ops_audit", issuer, subject: "system:serviceaccount:ops:audit" },
      ],
    });
    await Promise.all(id.federatedCredentials.map((f) => unwrap(f.id)));
    const resources = await registered(cloud);
    const fics = byType(resources, FIC_TYPE).filter((r) => r.name.startsWith("shared-fic-"));
    expect(fics.map((f) => f.name)).toEqual([
      "shared-fic-batch_export",
      "shared-fic-ops_audit",
      "shared-fic-shop_reports",
    ]);
    // Chain: each credential explicitly depends on the previous one; the first only on the identity (via resourceName).
    expect(fics[0].dependencies).not.toContain(fics[1].urn);
    expect(fics[1].dependencies).toContain(fics[0].urn);
    expect(fics[2].dependencies).toContain(fics[1].urn);
    expect(fics[2].dependencies).not.toContain(fics[0].urn);
    for (const f of fics) {
      expect(f.options.deleteBeforeReplace).toBe(true);
      expect(f.parent).toBe(named(resources, "shared").urn);
      expect(f.urn).toContain(
        "zerocred:identity:UserAssignedIdentity$azure-native:managedidentity:FederatedIdentityCredential::",
      );
    }
    expect(fics[0].inputs).toEqual({
      resourceGroupName: "zc-dev",
      resourceName: "shared",
      federatedIdentityCredentialResourceName: "batch_export",
      issuer: ISSUER,
      subject: "system:serviceaccount:batch:export",
      audiences: [AUD],
    });
    expect(fics.map((f) => f.inputs.subject)).toEqual([
      "system:serviceaccount:batch:export",
      "system:serviceaccount:ops:audit",
      "system:serviceaccount:shop:reports",
    ]);
    // Output order is chain order.
    expect(await Promise.all(id.federatedCredentials.map((f) => unwrap(f.name)))).toEqual([
      "batch_export",
      "ops_audit",
      "shop_reports",
    ]);
  });

  it("federatedCredentialChildOptions chains on the previous credential", () => {
    const parent = new pulumi.ComponentResource("zerocred:test:Parent", "fic-opts-parent");
    const prev = new pulumi.ComponentResource("zerocred:test:Prev", "fic-opts-prev");
    expect(mod.federatedCredentialChildOptions(parent, undefined)).toEqual({
      parent,
      deleteBeforeReplace: true,
    });
    expect(mod.federatedCredentialChildOptions(parent, prev)).toEqual({
      parent,
      deleteBeforeReplace: true,
      dependsOn: [prev],
    });
  });

  it("passes the issuer through byte for byte (trailing slash kept)", async () => {
    const id = new mod.UserAssignedIdentity("issuer-check", {
      resourceGroupName: "zc-dev",
      federatedCredentials: [
        {
          name: "shop_orders",
          issuer: pulumi.output(ISSUER),
          subject: "system:serviceaccount:shop:orders",
        },
      ],
    });
    expect(await unwrap(id.federatedCredentials[0].issuer)).toBe(ISSUER);
  });

  it("rejects invalid specs before registering any child", async () => {
    expect(
      () =>
        new mod.UserAssignedIdentity("too-many", {
          resourceGroupName: "zc-dev",
          federatedCredentials: Array.from({ length: 21 }, (_, i) => spec(`wl-${i}`)),
        }),
    ).toThrow(
      'UserAssignedIdentity "too-many": federatedCredentials has 21 entries; Azure allows at most 20 per user-assigned identity. Split the workloads across more identities.',
    );
    expect(() => new mod.UserAssignedIdentity("x", { resourceGroupName: "zc-dev" })).toThrow(
      'UserAssignedIdentity "x": Invalid value for identityName: "x". Use 3 to 128 letters, digits, "-" or "_", starting with a letter or digit.',
    );
    const names = (await registered(cloud)).map((r) => r.name);
    expect(names).not.toContain("too-many-identity");
    expect(names).not.toContain("x-identity");
  });
});
