/**
 * The misconfiguration catalogue: one raw Pulumi program per failure mode, the static diagnosis
 * codes (errors) it must produce and the exit code `npm start -- --program <file>` must return.
 */
export interface CatalogueEntry {
  readonly name: string;
  /** Path from the project root. */
  readonly file: string;
  readonly mistake: string;
  readonly errorCodes: readonly string[];
  readonly exitCode: 0 | 1;
  readonly load: () => Promise<Record<string, unknown>>;
}

export const CATALOGUE: readonly CatalogueEntry[] = [
  {
    name: "healthy",
    file: "test/sim/catalogue/healthy.ts",
    mistake: "nothing: the baseline",
    errorCodes: [],
    exitCode: 0,
    load: () => import("./healthy"),
  },
  {
    name: "subject-typo",
    file: "test/sim/catalogue/subject-typo.ts",
    mistake: "federated credential subject typo (shop:order)",
    errorCodes: ["FIC_SUBJECT_MISSING"],
    exitCode: 1,
    load: () => import("./subject-typo"),
  },
  {
    name: "subject-case",
    file: "test/sim/catalogue/subject-case.ts",
    mistake: "federated credential subject differs in case",
    errorCodes: ["FIC_SUBJECT_MISSING"],
    exitCode: 1,
    load: () => import("./subject-case"),
  },
  {
    name: "issuer-no-slash",
    file: "test/sim/catalogue/issuer-no-slash.ts",
    mistake: "issuer typed without the trailing slash",
    errorCodes: ["FIC_ISSUER_MISMATCH"],
    exitCode: 1,
    load: () => import("./issuer-no-slash"),
  },
  {
    name: "label-on-sa",
    file: "test/sim/catalogue/label-on-sa.ts",
    mistake: "workload identity label on the service account only",
    errorCodes: ["POD_LABEL_MISSING"],
    exitCode: 1,
    load: () => import("./label-on-sa"),
  },
  {
    name: "label-missing",
    file: "test/sim/catalogue/label-missing.ts",
    mistake: "pod template without the workload identity label",
    errorCodes: ["POD_LABEL_MISSING"],
    exitCode: 1,
    load: () => import("./label-missing"),
  },
  {
    name: "sa-no-client-id",
    file: "test/sim/catalogue/sa-no-client-id.ts",
    mistake: "service account without the client-id annotation",
    errorCodes: ["SA_CLIENT_ID_MISSING"],
    exitCode: 1,
    load: () => import("./sa-no-client-id"),
  },
  {
    name: "sa-other-identity",
    file: "test/sim/catalogue/sa-other-identity.ts",
    mistake: "service account names another identity",
    errorCodes: ["SA_CLIENT_ID_OTHER_IDENTITY"],
    exitCode: 1,
    load: () => import("./sa-other-identity"),
  },
  {
    name: "role-other-vault",
    file: "test/sim/catalogue/role-other-vault.ts",
    mistake: "role assigned at a same-named vault in another resource group",
    errorCodes: ["ROLE_SCOPE_ELSEWHERE"],
    exitCode: 1,
    load: () => import("./role-other-vault"),
  },
  {
    name: "role-other-rg",
    file: "test/sim/catalogue/role-other-rg.ts",
    mistake: "role assigned at another resource group",
    errorCodes: ["ROLE_SCOPE_ELSEWHERE"],
    exitCode: 1,
    load: () => import("./role-other-rg"),
  },
  {
    name: "key-vault-reader",
    file: "test/sim/catalogue/key-vault-reader.ts",
    mistake: "Key Vault Reader instead of Key Vault Secrets User",
    errorCodes: ["ROLE_METADATA_ONLY"],
    exitCode: 1,
    load: () => import("./key-vault-reader"),
  },
  {
    name: "access-policy-vault",
    file: "test/sim/catalogue/access-policy-vault.ts",
    mistake: "vault left in access-policy mode",
    errorCodes: ["VAULT_ACCESS_POLICY_MODE"],
    exitCode: 1,
    load: () => import("./access-policy-vault"),
  },
  {
    name: "vm-no-identity",
    file: "test/sim/catalogue/vm-no-identity.ts",
    mistake: "VM without a managed identity",
    errorCodes: ["VM_NO_IDENTITY"],
    exitCode: 1,
    load: () => import("./vm-no-identity"),
  },
  {
    name: "vm-two-uais",
    file: "test/sim/catalogue/vm-two-uais.ts",
    mistake: "VM with two user-assigned identities and no client id",
    errorCodes: ["VM_AMBIGUOUS_IDENTITY"],
    exitCode: 1,
    load: () => import("./vm-two-uais"),
  },
  {
    name: "wrong-audience",
    file: "test/sim/catalogue/wrong-audience.ts",
    mistake: "federated credential audience not api://AzureADTokenExchange",
    errorCodes: ["FIC_AUDIENCE"],
    exitCode: 1,
    load: () => import("./wrong-audience"),
  },
  {
    name: "too-many-fics",
    file: "test/sim/catalogue/too-many-fics.ts",
    mistake: "21 federated credentials on one identity",
    errorCodes: ["FIC_LIMIT"],
    exitCode: 1,
    load: () => import("./too-many-fics"),
  },
  {
    name: "concurrent-fics",
    file: "test/sim/catalogue/concurrent-fics.ts",
    mistake: "federated credential writes on one identity not chained",
    errorCodes: ["FIC_WRITES_NOT_SERIALIZED"],
    exitCode: 1,
    load: () => import("./concurrent-fics"),
  },
  {
    name: "cluster-oidc-off",
    file: "test/sim/catalogue/cluster-oidc-off.ts",
    mistake: "cluster without OIDC issuer and workload identity",
    errorCodes: ["CLUSTER_OIDC_ISSUER_DISABLED", "CLUSTER_WORKLOAD_IDENTITY_DISABLED"],
    exitCode: 1,
    load: () => import("./cluster-oidc-off"),
  },
];
