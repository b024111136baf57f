/**
 * The outside-program catalogue: plain Pulumi programs (azure-native + kubernetes, no zerocred
 * components) as a stranger writes them, each with the verdict `npm start -- --program` must give:
 * exit code, the diagnosis codes (errors) it must contain, and key words of the message.
 */
export interface OutsideEntry {
  /** File under test/outside/programs (without .ts). */
  readonly name: string;
  readonly group: "healthy" | "mistakes" | "shapes";
  readonly exitCode: 0 | 1 | 2;
  /** Error diagnosis codes the report must contain (exit 0/1). */
  readonly codes?: readonly string[];
  /** Warning codes the report must contain. */
  readonly warnings?: readonly string[];
  /** Words the diagnoses (exit 1) or the one-line error (exit 2) must contain. */
  readonly words: readonly string[];
  /** Extra CLI arguments. */
  readonly args?: readonly string[];
  /** Expected source of the access matrix's expectations. */
  readonly expectationSource?: "declared" | "inferred" | "derived" | "mixed";
}

export const OUTSIDE: readonly OutsideEntry[] = [
  // ---- healthy: exit 0
  {
    name: "deployment-healthy",
    group: "healthy",
    exitCode: 0,
    words: [],
    expectationSource: "inferred",
  },
  {
    name: "statefulset-secret-scope",
    group: "healthy",
    exitCode: 0,
    words: [],
    expectationSource: "mixed",
  },
  {
    name: "cronjob-rg-scope",
    group: "healthy",
    exitCode: 0,
    words: [],
    expectationSource: "inferred",
  },
  { name: "bare-pod", group: "healthy", exitCode: 0, words: [], expectationSource: "inferred" },
  {
    name: "vm-system-identity",
    group: "healthy",
    exitCode: 0,
    words: [],
    expectationSource: "inferred",
  },
  {
    name: "async-entrypoint",
    group: "healthy",
    exitCode: 0,
    words: [],
    expectationSource: "inferred",
  },
  {
    name: "declared-intent",
    group: "healthy",
    exitCode: 0,
    words: [],
    expectationSource: "declared",
  },
  {
    name: "secrets-officer",
    group: "healthy",
    exitCode: 0,
    words: [],
    expectationSource: "inferred",
  },
  { name: "custom-role", group: "healthy", exitCode: 0, words: [], expectationSource: "inferred" },
  {
    name: "read-invoke-declared",
    group: "healthy",
    exitCode: 0,
    words: [],
    expectationSource: "inferred",
  },
  {
    name: "two-clusters-healthy",
    group: "healthy",
    exitCode: 0,
    words: [],
    expectationSource: "inferred",
  },
  { name: "transforms", group: "healthy", exitCode: 0, words: [], expectationSource: "inferred" },
  // ---- mistakes: exit 1, the true cause named
  {
    name: "default-export",
    group: "mistakes",
    exitCode: 1,
    codes: ["ACCESS_DENIED"],
    words: ["from env KEYVAULT_URL", "grant orders Key Vault Secrets User on vault kv-default"],
  },
  {
    name: "client-id-as-principal",
    group: "mistakes",
    exitCode: 1,
    codes: ["PRINCIPAL_IS_CLIENT_ID", "ACCESS_DENIED"],
    words: ["CLIENT id of identity orders", "principalId output"],
  },
  {
    name: "unknown-principal",
    group: "mistakes",
    exitCode: 1,
    codes: ["ACCESS_DENIED"],
    warnings: ["PRINCIPAL_UNKNOWN"],
    words: ["7f3c1a52-1111-4b0a-9f6e-2d1c5b7a9e30", "matches no identity"],
  },
  {
    name: "wrong-vault",
    group: "mistakes",
    exitCode: 1,
    codes: ["ACCESS_DENIED"],
    words: ["kv-orders/db-password", "from env KEYVAULT_URL"],
  },
  {
    name: "wrong-secret",
    group: "mistakes",
    exitCode: 1,
    codes: ["ACCESS_DENIED"],
    words: ["kv-shop/db-password", "from env KEYVAULT_URL"],
  },
  {
    name: "wrong-principal",
    group: "mistakes",
    exitCode: 1,
    codes: ["ACCESS_DENIED", "ACCESS_GRANTED"],
    words: ["expectedAccess[0]", "expectedAccess[1]", "remove orders-reads"],
    expectationSource: "declared",
  },
  {
    name: "declared-over-grant",
    group: "mistakes",
    exitCode: 1,
    codes: ["ACCESS_GRANTED"],
    words: ["platform/api", "expected to be denied", "remove api-reads"],
    expectationSource: "declared",
  },
  {
    name: "label-on-deployment-metadata",
    group: "mistakes",
    exitCode: 1,
    codes: ["POD_LABEL_MISSING"],
    words: ["Deployment's own metadata, not on its pod template", "spec.template.metadata.labels"],
  },
  {
    name: "two-clusters-fic-missing",
    group: "mistakes",
    exitCode: 1,
    codes: ["FIC_MISSING_FOR_CLUSTER", "VERIFICATION_ERROR"],
    words: [
      "only from cluster aks-west",
      "runs on cluster aks-north",
      "issuer = cluster aks-north",
    ],
  },
  {
    name: "sa-other-namespace",
    group: "mistakes",
    exitCode: 1,
    codes: ["SERVICE_ACCOUNT_NOT_IN_NAMESPACE"],
    words: ['serviceaccount "orders" not found', "in namespace shop, not in web"],
  },
  {
    name: "custom-role-not-data",
    group: "mistakes",
    exitCode: 1,
    codes: ["ACCESS_DENIED"],
    words: ["kv-custom/db-password", "was denied"],
  },
  {
    name: "custom-role-unknown-guid",
    group: "mistakes",
    exitCode: 1,
    codes: ["ACCESS_DENIED"],
    warnings: ["ROLE_UNKNOWN"],
    words: ["neither an Azure built-in role nor a RoleDefinition"],
  },
  {
    name: "access-policy-vault",
    group: "mistakes",
    exitCode: 1,
    codes: ["VAULT_ACCESS_POLICY_MODE"],
    words: ["access-policy mode", "enableRbacAuthorization: true"],
  },
  {
    name: "key-vault-reader",
    group: "mistakes",
    exitCode: 1,
    codes: ["ROLE_METADATA_ONLY"],
    words: ["metadata only", "Key Vault Secrets User"],
  },
  {
    name: "verifier-expects-read",
    group: "mistakes",
    exitCode: 1,
    codes: ["ACCESS_DENIED"],
    words: ["verification Job shop/verify-orders", "was denied"],
  },
  // ---- program shapes and broken programs: exit 2, one line, no stack trace
  {
    name: "declared-unknown-vault",
    group: "shapes",
    exitCode: 2,
    words: [
      "Invalid expectedAccess",
      'vault "kv-platform" is not in the program',
      "its vaults: kv-plat",
    ],
  },
  {
    name: "read-invoke-external",
    group: "shapes",
    exitCode: 2,
    words: ["azure-native:containerservice:getManagedCluster", "--invoke-result"],
  },
  {
    name: "stack-reference",
    group: "shapes",
    exitCode: 2,
    words: ["StackReference acme/platform/prod", "--stack-outputs acme/platform/prod="],
  },
  {
    name: "stack-reference",
    group: "shapes",
    exitCode: 0,
    words: [],
    args: ["--stack-outputs", "acme/platform/prod=test/outside/programs/platform-prod.json"],
  },
  {
    name: "apply-throws",
    group: "shapes",
    exitCode: 2,
    words: ["vault name for rg-app must be 3-24 characters", "apply-throws.ts:"],
  },
  {
    name: "never-settles",
    group: "shapes",
    exitCode: 2,
    words: ["did not settle within 3 s", "exported function has not returned"],
    args: ["--timeout", "3"],
  },
  {
    name: "missing-module",
    group: "shapes",
    exitCode: 2,
    words: ["@acme/not-installed", "npm install @acme/not-installed"],
  },
  {
    name: "component-validation-in-apply",
    group: "shapes",
    exitCode: 2,
    words: ['KeyVault "kv": vaultName', "use 3 to 24 characters"],
    // Fails at once, not after the settle timeout.
    args: ["--timeout", "20"],
  },
  { name: "console-output", group: "shapes", exitCode: 0, words: [] },
];
