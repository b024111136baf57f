import { describe, expect, it } from "vitest";
import { buildModel, principalsToVerify, type RecordedResourceLike } from "../../sim/model";
import { closest, diagnoseModel, editDistance, interpretResults } from "../../sim/diagnose";
import * as f from "./fixtures";

function diagnose(resources: RecordedResourceLike[]) {
  const model = buildModel(resources);
  const plan = principalsToVerify(model, { tenantId: f.TENANT });
  return diagnoseModel(model, plan).map((d) => [d.severity, d.code, d.subject, d.message, d.fix]);
}
const rc = (vmName: string, params: unknown[] = []) =>
  f.res("azure-native:compute:VirtualMachineRunCommandByVirtualMachine", "verify", {
    resourceGroupName: "rg1",
    vmName,
    runCommandName: "verify",
    source: { script: "echo hi" },
    parameters: params,
  });
/** The healthy deployment without the VM's system identity grant (its principal would be unknown). */
const noVmGrant = () => f.replace(f.healthy(), "vm-reads", undefined);
const twoUais = () => [
  ...f.replace(
    noVmGrant(),
    "vm1",
    f.vm("vm1", {
      type: "UserAssigned",
      userAssignedIdentities: [f.uaiId("orders"), f.uaiId("shared")],
    }),
  ),
  f.uai("shared"),
];
const KV1 = f.vaultId("kv1");
const AMBIGUOUS_MSG =
  'VM vm1 has 2 user-assigned identities and no system-assigned identity: a token request without client_id fails with 400 "Multiple user assigned identities exist, please specify the clientId / resourceId of the identity in the token request"';
const AMBIGUOUS_FIX =
  "pass the identity's client_id (or msi_res_id) in every IMDS token request, e.g. ManagedIdentityCredential({ clientId })";

describe("diagnoseModel", () => {
  it("finds nothing wrong in the healthy deployment", () => {
    expect(diagnose(f.healthy())).toEqual([]);
  });

  const table: [string, () => RecordedResourceLike[], string[][]][] = [
    [
      "no FIC for the SA subject (closest by edit distance)",
      () =>
        f.replace(
          f.healthy(),
          "orders-fic",
          f.fic("orders-fic", "orders", "system:serviceaccount:shop:order"),
        ),
      [
        [
          "error",
          "FIC_SUBJECT_MISSING",
          "Job shop/orders-check",
          "no federated credential for system:serviceaccount:shop:orders on identity orders (closest: system:serviceaccount:shop:order): Entra answers AADSTS70021 (no matching federated identity record)",
          "change the subject system:serviceaccount:shop:order to system:serviceaccount:shop:orders, or add a federated credential for system:serviceaccount:shop:orders to identity orders",
        ],
      ],
    ],
    [
      "a subject that differs only in case",
      () =>
        f.replace(
          f.healthy(),
          "orders-fic",
          f.fic("orders-fic", "orders", "system:serviceaccount:Shop:orders"),
        ),
      [
        [
          "error",
          "FIC_SUBJECT_MISSING",
          "Job shop/orders-check",
          "no federated credential on identity orders matches system:serviceaccount:shop:orders exactly: orders-fic has system:serviceaccount:Shop:orders (subjects are case-sensitive, AADSTS7002138)",
          "set the subject of orders-fic to system:serviceaccount:shop:orders",
        ],
      ],
    ],
    [
      "an identity with no FIC at all",
      () => f.replace(f.healthy(), "orders-fic", undefined),
      [
        [
          "error",
          "FIC_SUBJECT_MISSING",
          "Job shop/orders-check",
          "no federated credential for system:serviceaccount:shop:orders on identity orders (it has no federated credentials): Entra answers AADSTS70021 (no matching federated identity record)",
          "add a federated credential to identity orders: issuer = the cluster's oidcIssuerProfile.issuerURL, subject system:serviceaccount:shop:orders, audience api://AzureADTokenExchange",
        ],
      ],
    ],
    [
      "issuer without the trailing slash",
      () =>
        f.replace(
          f.healthy(),
          "orders-fic",
          f.fic("orders-fic", "orders", "system:serviceaccount:shop:orders", {
            issuer: f.ISSUER.slice(0, -1),
          }),
        ),
      [
        [
          "error",
          "FIC_ISSUER_MISMATCH",
          "federated credential orders-fic",
          `federated credential orders-fic on identity orders has issuer ${f.ISSUER.slice(0, -1)}, but cluster aks1's issuer is ${f.ISSUER} — it lacks the trailing slash; Entra compares issuers byte for byte (AADSTS700211)`,
          "take the issuer from cluster aks1's oidcIssuerProfile.issuerURL output instead of typing it",
        ],
      ],
    ],
    [
      "issuer of another cluster",
      () =>
        f.replace(
          f.healthy(),
          "orders-fic",
          f.fic("orders-fic", "orders", "system:serviceaccount:shop:orders", {
            issuer: "https://eastus.oic.prod-aks.azure.com/tenant-1/other/",
          }),
        ),
      [
        [
          "error",
          "FIC_ISSUER_MISMATCH",
          "federated credential orders-fic",
          `federated credential orders-fic on identity orders has issuer https://eastus.oic.prod-aks.azure.com/tenant-1/other/, but cluster aks1's issuer is ${f.ISSUER}; Entra compares issuers byte for byte (AADSTS700211)`,
          "take the issuer from cluster aks1's oidcIssuerProfile.issuerURL output instead of typing it",
        ],
      ],
    ],
    [
      "label only on the service account",
      () =>
        f.replace(
          f.replace(
            f.healthy(),
            "sa-shop-orders",
            f.sa(
              "shop",
              "orders",
              { [f.WI]: "c-orders" },
              { "azure.workload.identity/use": "true" },
            ),
          ),
          "job-shop-orders-check",
          f.job("shop", "orders-check", "orders", {}),
        ),
      [
        [
          "error",
          "POD_LABEL_MISSING",
          "Job shop/orders-check",
          'the label azure.workload.identity/use: "true" is only on service account shop/orders, not on the pod template of Job shop/orders-check: the webhook selects pods by that label, so the pod gets no token file and no AZURE_* environment',
          'add azure.workload.identity/use: "true" to spec.template.metadata.labels of Job shop/orders-check',
        ],
      ],
    ],
    [
      "label on the Deployment object, not its template",
      () =>
        f.replace(
          f.healthy(),
          "job-shop-orders-check",
          f.res("kubernetes:apps/v1:Deployment", "dep", {
            metadata: {
              namespace: "shop",
              name: "orders-api",
              labels: { "azure.workload.identity/use": "true" },
            },
            spec: {
              template: {
                metadata: { labels: { app: "x" } },
                spec: { serviceAccountName: "orders" },
              },
            },
          }),
        ),
      [
        [
          "error",
          "POD_LABEL_MISSING",
          "Deployment shop/orders-api",
          'the label azure.workload.identity/use: "true" is on the Deployment\'s own metadata, not on its pod template: the webhook selects pods by that label, so the pod gets no token file and no AZURE_* environment',
          'add azure.workload.identity/use: "true" to spec.template.metadata.labels of Deployment shop/orders-api',
        ],
      ],
    ],
    [
      'label value not "true"',
      () =>
        f.replace(
          f.healthy(),
          "job-shop-orders-check",
          f.job("shop", "orders-check", "orders", { "azure.workload.identity/use": "yes" }),
        ),
      [
        [
          "error",
          "POD_LABEL_MISSING",
          "Job shop/orders-check",
          'the pod template of Job shop/orders-check has azure.workload.identity/use: "yes", not "true": the webhook selects pods by that label, so the pod gets no token file and no AZURE_* environment',
          'add azure.workload.identity/use: "true" to spec.template.metadata.labels of Job shop/orders-check',
        ],
      ],
    ],
    [
      "SA lacks the client-id annotation",
      () => f.replace(f.healthy(), "sa-shop-orders", f.sa("shop", "orders", {})),
      [
        [
          "error",
          "SA_CLIENT_ID_MISSING",
          "service account shop/orders",
          "service account shop/orders (used by Job shop/orders-check) has no azure.workload.identity/client-id annotation: the webhook injects no AZURE_CLIENT_ID; the federated credential for system:serviceaccount:shop:orders is on identity orders",
          "annotate service account shop/orders with azure.workload.identity/client-id: the clientId output of identity orders",
        ],
      ],
    ],
    [
      "SA names another declared identity",
      () =>
        f.replace(
          [...f.healthy(), f.uai("shared")],
          "sa-shop-orders",
          f.sa("shop", "orders", { [f.WI]: "c-shared" }),
        ),
      [
        [
          "error",
          "SA_CLIENT_ID_OTHER_IDENTITY",
          "service account shop/orders",
          "service account shop/orders's azure.workload.identity/client-id names identity shared, but the federated credential for system:serviceaccount:shop:orders is on identity orders",
          "set azure.workload.identity/client-id to the clientId output of identity orders, or move the federated credential to shared",
        ],
      ],
    ],
    [
      "SA names a client id that is no identity of the program",
      () =>
        f.replace(
          f.healthy(),
          "sa-shop-orders",
          f.sa("shop", "orders", { [f.WI]: "00000000-0000-0000-0000-000000000000" }),
        ),
      [
        [
          "error",
          "SA_CLIENT_ID_OTHER_IDENTITY",
          "service account shop/orders",
          "service account shop/orders's azure.workload.identity/client-id is 00000000-0000-0000-0000-000000000000, which is no identity in this program, but the federated credential for system:serviceaccount:shop:orders is on identity orders",
          "set azure.workload.identity/client-id to the clientId output of identity orders",
        ],
      ],
    ],
    [
      "the SA is not declared",
      () => f.replace(f.healthy(), "sa-shop-orders", undefined),
      [
        [
          "warning",
          "SERVICE_ACCOUNT_NOT_DECLARED",
          "Job shop/orders-check",
          "Job shop/orders-check runs as service account shop/orders, which the program does not declare: unless it already exists, the webhook rejects the pod",
          "declare ServiceAccount shop/orders (annotated azure.workload.identity/client-id) or set serviceAccountName to one that is",
        ],
      ],
    ],
    [
      "role assigned at a vault of the same name in another resource group",
      () =>
        f.replace(
          f.healthy(),
          "orders-reads",
          f.ra(
            "orders-reads",
            "p-orders",
            f.SECRETS_USER,
            f.vaultId("kv1", `${f.SUB}/resourceGroups/rg2`),
          ),
        ),
      [
        [
          "error",
          "ROLE_SCOPE_ELSEWHERE",
          "role assignment orders-reads",
          "Key Vault Secrets User for orders is assigned at vault kv1 in resource group rg2, which contains none of this program's vaults (kv1): a vault named kv1 in another resource group or subscription",
          `set the scope to vault kv1 (${KV1}) or to the secret inside it`,
        ],
      ],
    ],
    [
      "role assigned at another resource group",
      () =>
        f.replace(
          f.healthy(),
          "orders-reads",
          f.ra("orders-reads", "p-orders", f.SECRETS_USER, `${f.SUB}/resourceGroups/rg2`),
        ),
      [
        [
          "error",
          "ROLE_SCOPE_ELSEWHERE",
          "role assignment orders-reads",
          "Key Vault Secrets User for orders is assigned at resource group rg2, which contains none of this program's vaults (kv1)",
          `set the scope to vault kv1 (${KV1}) or to the secret inside it`,
        ],
      ],
    ],
    [
      "Key Vault Reader grants metadata only",
      () =>
        f.replace(f.healthy(), "orders-reads", f.ra("orders-reads", "p-orders", f.KV_READER, KV1)),
      [
        [
          "error",
          "ROLE_METADATA_ONLY",
          "role assignment orders-reads",
          "`Key Vault Reader` on vault kv1 grants orders metadata only: it lacks Microsoft.KeyVault/vaults/secrets/getSecret/action, so secret values cannot be read",
          "use `Key Vault Secrets User` (4633458b-17de-408a-b874-0445c86b69e6) instead",
        ],
      ],
    ],
    [
      "a control-plane role on the vault",
      () => f.replace(f.healthy(), "orders-reads", f.ra("orders-reads", "p-orders", f.READER, KV1)),
      [
        [
          "error",
          "ROLE_CONTROL_PLANE_ONLY",
          "role assignment orders-reads",
          "`Reader` on vault kv1 is a control-plane role with no data actions: orders cannot read secret values in an RBAC vault",
          "use `Key Vault Secrets User` (4633458b-17de-408a-b874-0445c86b69e6) instead",
        ],
      ],
    ],
    [
      "vault in access-policy mode (unset)",
      () => f.replace(f.healthy(), "kv1", f.vault("kv1", {})),
      [
        [
          "error",
          "VAULT_ACCESS_POLICY_MODE",
          "vault kv1",
          "vault kv1 is in access-policy mode (enableRbacAuthorization is not set, and Azure's default is false): its data plane ignores the 2 role assignment(s) granting secret reads (Key Vault Secrets User for orders, Key Vault Secrets User for vm1 (system-assigned))",
          "set properties.enableRbacAuthorization: true on vault kv1",
        ],
      ],
    ],
    [
      "vault in access-policy mode (false)",
      () => f.replace(f.healthy(), "kv1", f.vault("kv1", { enableRbacAuthorization: false })),
      [
        [
          "error",
          "VAULT_ACCESS_POLICY_MODE",
          "vault kv1",
          "vault kv1 is in access-policy mode (enableRbacAuthorization is false): its data plane ignores the 2 role assignment(s) granting secret reads (Key Vault Secrets User for orders, Key Vault Secrets User for vm1 (system-assigned))",
          "set properties.enableRbacAuthorization: true on vault kv1",
        ],
      ],
    ],
    [
      "VM without identity (no run command: warning)",
      () => f.replace(noVmGrant(), "vm1", f.vm("vm1")),
      [
        [
          "warning",
          "VM_NO_IDENTITY",
          "VM vm1",
          'VM vm1 has no managed identity (identity type None): IMDS answers 400 "Identity not found", so nothing on it can get a token',
          'set identity: { type: "SystemAssigned" } (or attach a user-assigned identity) on VM vm1',
        ],
      ],
    ],
    [
      "VM without identity running a command (error)",
      () => [...f.replace(noVmGrant(), "vm1", f.vm("vm1")), rc("vm1")],
      [
        [
          "error",
          "VM_NO_IDENTITY",
          "VM vm1",
          'VM vm1 has no managed identity (identity type None): IMDS answers 400 "Identity not found", so nothing on it can get a token',
          'set identity: { type: "SystemAssigned" } (or attach a user-assigned identity) on VM vm1',
        ],
      ],
    ],
    [
      "VM with two UAIs and a run command passing no client id",
      () => [...twoUais(), rc("vm1")],
      [["error", "VM_AMBIGUOUS_IDENTITY", "VM vm1", AMBIGUOUS_MSG, AMBIGUOUS_FIX]],
    ],
    [
      "VM with two UAIs whose run command passes client ids (warning)",
      () => [
        ...twoUais(),
        rc("vm1", [{ name: "ZC_PRINCIPALS", value: "orders|c-orders|allow|deny" }]),
      ],
      [["warning", "VM_AMBIGUOUS_IDENTITY", "VM vm1", AMBIGUOUS_MSG, AMBIGUOUS_FIX]],
    ],
    [
      "audience not api://AzureADTokenExchange",
      () =>
        f.replace(
          f.healthy(),
          "orders-fic",
          f.fic("orders-fic", "orders", "system:serviceaccount:shop:orders", {
            audiences: ["api://AzureADTokenExchange", "x"],
          }),
        ),
      [
        [
          "error",
          "FIC_AUDIENCE",
          "federated credential orders-fic",
          'federated credential orders-fic on identity orders has audiences ["api://AzureADTokenExchange","x"]: workload identity tokens carry exactly api://AzureADTokenExchange, so Entra rejects them (AADSTS700212)',
          'set audiences: ["api://AzureADTokenExchange"]',
        ],
      ],
    ],
    [
      "more than 20 FICs on one identity (chained)",
      () => [
        ...f.healthy(),
        ...Array.from({ length: 20 }, (_, i) =>
          f.fic(`extra-${i}`, "orders", `system:serviceaccount:ns${i}:sa`, {
            dependencies: [
              `urn:pulumi:dev::proj::azure-native:managedidentity:FederatedIdentityCredential::${i === 0 ? "orders-fic" : `extra-${i - 1}`}`,
            ],
          }),
        ),
      ],
      [
        [
          "error",
          "FIC_LIMIT",
          "identity orders",
          "identity orders has 21 federated credentials; Azure allows at most 20 per identity",
          "split the workloads across identities (for example one identity per workload or namespace)",
        ],
      ],
    ],
    [
      "concurrent FIC writes on one identity",
      () => [...f.healthy(), f.fic("second", "orders", "system:serviceaccount:shop:reports")],
      [
        [
          "error",
          "FIC_WRITES_NOT_SERIALIZED",
          "identity orders",
          "federated credentials orders-fic and second on identity orders can be written at the same time (no dependsOn chain between them): Azure rejects concurrent writes under one identity with 409 ConcurrentFederatedIdentityCredentialsWritesForSingleManagedIdentity",
          "chain the federated credentials of identity orders: each one dependsOn the previous, in a stable order",
        ],
      ],
    ],
    [
      "duplicate issuer and subject on one identity",
      () => [
        ...f.healthy(),
        f.fic("orders-fic2", "orders", "system:serviceaccount:shop:orders", {
          dependencies: [
            "urn:pulumi:dev::proj::azure-native:managedidentity:FederatedIdentityCredential::orders-fic",
          ],
        }),
      ],
      [
        [
          "error",
          "FIC_DUPLICATE_SUBJECT",
          "identity orders",
          'federated credentials orders-fic and orders-fic2 on identity orders have the same issuer and subject system:serviceaccount:shop:orders: Azure rejects the second ("Issuer and subject combination already exists")',
          "keep one federated credential per issuer and subject",
        ],
      ],
    ],
    [
      "cluster without OIDC issuer and workload identity",
      () => f.replace(f.healthy(), "aks1", f.cluster("aks1", { oidc: false, wi: false })),
      [
        [
          "error",
          "CLUSTER_OIDC_ISSUER_DISABLED",
          "cluster aks1",
          "cluster aks1 does not enable the OIDC issuer, so Entra cannot validate Job shop/orders-check's service account token",
          "set oidcIssuerProfile: { enabled: true } on cluster aks1",
        ],
        [
          "error",
          "CLUSTER_WORKLOAD_IDENTITY_DISABLED",
          "cluster aks1",
          "cluster aks1 does not enable workload identity, so no webhook injects Job shop/orders-check's token and AZURE_* environment",
          "set securityProfile: { workloadIdentity: { enabled: true } } on cluster aks1",
        ],
      ],
    ],
  ];
  it.each(table)("%s", (_name, build, expected) => {
    expect(diagnose(build())).toEqual(expected);
  });

  it("warns when the vault firewall leaves out the VM's or the cluster's subnet", () => {
    const subnet = (n: string) =>
      `${f.RG}/providers/Microsoft.Network/virtualNetworks/vnet/subnets/${n}`;
    const nic = f.res(
      "azure-native:network:NetworkInterface",
      "nic",
      { ipConfigurations: [{ name: "ip", subnet: { id: subnet("vm") } }] },
      { id: `${f.RG}/providers/Microsoft.Network/networkInterfaces/nic` },
    );
    const vm = f.vm("vm1", { type: "SystemAssigned" }, "p-vm1");
    (vm.inputs as Record<string, unknown>).networkProfile = {
      networkInterfaces: [{ id: `${f.RG}/providers/Microsoft.Network/networkInterfaces/nic` }],
    };
    const aks = f.cluster("aks1");
    (aks.inputs as Record<string, unknown>).agentPoolProfiles = [
      { name: "sys", vnetSubnetID: subnet("aks") },
    ];
    const kv = f.vault("kv1", {
      enableRbacAuthorization: true,
      networkAcls: {
        defaultAction: "Deny",
        bypass: "AzureServices",
        virtualNetworkRules: [{ id: subnet("aks") }],
      },
    });
    const list = f.replace(
      f.replace(f.replace([...f.healthy(), nic], "vm1", vm), "aks1", aks),
      "kv1",
      kv,
    );
    expect(diagnose(list)).toEqual([
      [
        "warning",
        "VAULT_FIREWALL_BLOCKS",
        "vault kv1",
        `vault kv1's firewall denies by default, and VM vm1's subnet ${subnet("vm")} is not among its virtual network rules: in Azure its reads fail with 403 ForbiddenByFirewall (the simulation does not model network paths)`,
        `add ${subnet("vm")} to vault kv1's networkAcls.virtualNetworkRules (the subnet needs the Microsoft.KeyVault service endpoint)`,
      ],
    ]);
  });

  it("warns when the vault has public network access disabled", () => {
    const list = f.replace(
      f.healthy(),
      "kv1",
      f.vault("kv1", { enableRbacAuthorization: true, publicNetworkAccess: "Disabled" }),
    );
    expect(diagnose(list)).toEqual([
      [
        "warning",
        "VAULT_PUBLIC_ACCESS_DISABLED",
        "vault kv1",
        "vault kv1 has public network access disabled: in Azure only private endpoints reach its data plane (the simulation does not model network paths)",
        "give the VM and cluster subnets a private endpoint to vault kv1, or enable public access with networkAcls defaultAction Deny and their subnets as virtualNetworkRules",
      ],
    ]);
  });

  it("does not judge FIC write order when the cloud recorded no dependencies", () => {
    const noDeps = [
      ...f.healthy(),
      f.fic("second", "orders", "system:serviceaccount:shop:reports"),
    ].map((r) => {
      const { dependencies: _d, ...rest } = r;
      return rest;
    });
    expect(diagnose(noDeps)).toEqual([]);
  });

  it("sees a chain through another resource as serialized", () => {
    const mid = f.res(
      "azure-native:resources:ResourceGroup",
      "mid",
      {},
      {},
      {
        dependencies: [
          "urn:pulumi:dev::proj::azure-native:managedidentity:FederatedIdentityCredential::orders-fic",
        ],
      },
    );
    const second = f.fic("second", "orders", "system:serviceaccount:shop:reports", {
      dependencies: [mid.urn],
    });
    expect(diagnose([...f.healthy(), mid, second])).toEqual([]);
  });

  it("lists errors before warnings", () => {
    const list = [
      ...f.replace(noVmGrant(), "vm1", f.vm("vm1")),
      f.fic("second", "orders", "system:serviceaccount:shop:reports"),
    ];
    expect(diagnose(list).map((d) => d[1])).toEqual([
      "FIC_WRITES_NOT_SERIALIZED",
      "VM_NO_IDENTITY",
    ]);
  });
});

describe("edit distance", () => {
  it.each([
    ["", "", 0],
    ["abc", "abc", 0],
    ["kitten", "sitting", 3],
    ["system:serviceaccount:shop:orders", "system:serviceaccount:shop:order", 1],
    ["", "abc", 3],
  ] as const)("%s vs %s = %d", (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
  });
  it("closest picks the nearest, first on ties, undefined for none", () => {
    expect(closest("shop:orders", ["shop:order", "shop:reports", "x"])).toBe("shop:order");
    expect(closest("ab", ["ac", "ad"])).toBe("ac");
    expect(closest("ab", [])).toBeUndefined();
  });
});

describe("interpretResults", () => {
  it("explains a denied read by the static cause and passes matches", () => {
    const model = buildModel(f.replace(f.healthy(), "sa-shop-orders", f.sa("shop", "orders", {})));
    const plan = principalsToVerify(model, { tenantId: f.TENANT });
    const statics = diagnoseModel(model, plan);
    const pod = plan.targets.find((t) => t.via === "workload")!;
    const vmT = plan.targets.find((t) => t.via === "vm")!;
    const out = interpretResults(
      model,
      [
        {
          target: pod,
          result: {
            principal: pod.principal,
            expected: "allow",
            actual: "deny",
            diagnosis: "AZURE_CLIENT_ID is not set",
          },
        },
        { target: vmT, result: { principal: vmT.principal, expected: "allow", actual: "allow" } },
      ],
      statics,
    );
    expect(out.map((d) => [d.severity, d.code, d.subject, d.message, d.fix])).toEqual([
      [
        "error",
        "ACCESS_DENIED",
        "Job shop/orders-check (sa orders)",
        "Job shop/orders-check (sa orders) was expected to read kv1/canary but was denied: AZURE_CLIENT_ID is not set — cause: SA_CLIENT_ID_MISSING",
        "annotate service account shop/orders with azure.workload.identity/client-id: the clientId output of identity orders",
      ],
    ]);
  });

  it("names the assignment behind an unexpected read", () => {
    const model = buildModel(f.healthy());
    const plan = principalsToVerify(model, {
      tenantId: f.TENANT,
      expectedAccess: [
        { principal: "vm", via: "vm", identity: "vm", secret: "canary", expected: "deny" },
      ],
    });
    const vmT = plan.targets.find((t) => t.via === "vm")!;
    expect(vmT.expected).toBe("deny");
    const out = interpretResults(
      model,
      [
        {
          target: vmT,
          result: {
            principal: vmT.principal,
            expected: "deny",
            actual: "allow",
            tokenClaims: { oid: "p-vm1" },
          },
        },
      ],
      [],
    );
    expect(out.map((d) => [d.code, d.message, d.fix])).toEqual([
      [
        "ACCESS_GRANTED",
        `vm1 (system-assigned) was expected to be denied kv1/canary (expected by expectedAccess[0]) but read it (token oid p-vm1); granted by Key Vault Secrets User at vault kv1`,
        "remove vm-reads or narrow its scope to the secrets this principal needs",
      ],
    ]);
  });

  it("does not propose a grant that exists: the failure is in the token chain", () => {
    const model = buildModel(f.healthy());
    const plan = principalsToVerify(model, { tenantId: f.TENANT });
    const vmT = plan.targets.find((t) => t.via === "vm")!;
    const out = interpretResults(
      model,
      [
        {
          target: vmT,
          result: {
            principal: vmT.principal,
            expected: "allow",
            actual: "deny",
            diagnosis: "IMDS answered 400",
          },
        },
      ],
      [],
    );
    expect(out.map((d) => [d.code, d.fix])).toEqual([
      [
        "ACCESS_DENIED",
        "the grant exists (Key Vault Secrets User at vault kv1), so the failure is in the token chain: IMDS answered 400",
      ],
    ]);
  });

  it("reports a verifier error as an error, never as a read", () => {
    const model = buildModel(f.healthy());
    const plan = principalsToVerify(model, { tenantId: f.TENANT });
    const podT = plan.targets.find((t) => t.via === "workload")!;
    const denied = { ...podT, expected: "deny" as const };
    const out = interpretResults(
      model,
      [
        {
          target: denied,
          result: {
            principal: podT.principal,
            expected: "deny",
            actual: "error",
            diagnosis: "no AZURE_FEDERATED_TOKEN_FILE",
          },
        },
      ],
      [],
    );
    expect(out.map((d) => [d.code, d.message])).toEqual([
      [
        "VERIFICATION_ERROR",
        "Job shop/orders-check (sa orders) could not be checked against kv1/canary: it neither read the secret nor was refused by the vault: no AZURE_FEDERATED_TOKEN_FILE",
      ],
    ]);
  });

  it("falls back to a generic grant fix when nothing static explains a denial", () => {
    const model = buildModel(f.replace(f.healthy(), "orders-reads", undefined));
    const plan = principalsToVerify(model, { tenantId: f.TENANT });
    const podT = { ...plan.targets.find((t) => t.via === "workload")!, expected: "allow" as const };
    const out = interpretResults(
      model,
      [{ target: podT, result: { principal: podT.principal, expected: "allow", actual: "deny" } }],
      [],
    );
    expect(out.map((d) => [d.code, d.message, d.fix])).toEqual([
      [
        "ACCESS_DENIED",
        "Job shop/orders-check (sa orders) was expected to read kv1/canary but was denied",
        "grant orders Key Vault Secrets User on vault kv1 (or secret canary)",
      ],
    ]);
  });
});
