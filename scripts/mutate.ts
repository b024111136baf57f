/**
 * `npm run mutate`: a small mutation check of the core rules. Each mutation is one plausible bug (a
 * text replacement in one file); the script applies it, runs the targeted test files that must catch
 * it, restores the file, and fails when any mutation survives (its tests still pass).
 *
 * Usage: `npm run mutate [-- <name filter>] [--list]`. Files are restored after each mutation and on
 * Ctrl-C; a replacement that no longer matches exactly once fails the run (the list is stale).
 * Not part of `npm test`: it runs the targeted tests once per mutation (see docs/architecture.md).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..");

interface Mutation {
  /** What the plausible bug is. */
  readonly name: string;
  readonly file: string;
  readonly find: string;
  readonly replace: string;
  /** Test files that must fail with the mutation applied. */
  readonly tests: readonly string[];
}

const RULES_WI = "test/rules/workloadIdentity.test.ts";
const RULES_ARM = "test/rules/armIds.test.ts";
const RULES_IP = "test/rules/ipRanges.test.ts";
const RULES_DYM = "test/rules/didYouMean.test.ts";
const GOLDEN = "test/rules/naming-golden.test.ts";
const SEAMS = "test/regressions/stack-seams.test.ts";
const RBAC = "test/regressions/rbac-seams.test.ts";
const PRIVILEGED = "test/regressions/privileged-roles.test.ts";
const BOUNDS = "test/regressions/config-boundaries.test.ts";

export const MUTATIONS: readonly Mutation[] = [
  // --- the probes named in issue 12 -----------------------------------------------------------
  {
    name: "federated subject built from the workload's name, not its service account",
    // The stack hands the workload's service account to WorkloadIdentity, which builds the
    // credential's subject (and the ServiceAccount) from it.
    file: "infra/stack.ts",
    find: "serviceAccountName: w.serviceAccount,",
    replace: "serviceAccountName: w.name,",
    tests: [SEAMS],
  },
  {
    name: "exported workload subject built from the workload's name",
    file: "infra/stack.ts",
    find: "identity: w.identity,\n          subject: serviceAccountSubject(w.namespace, w.serviceAccount),",
    replace:
      "identity: w.identity,\n          subject: serviceAccountSubject(w.namespace, w.name),",
    tests: [SEAMS],
  },
  {
    name: "federated credentials chained in declaration order",
    file: "components/rules/workloadIdentity.ts",
    find: "return [...specs].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));",
    replace: "return [...specs];",
    tests: [SEAMS, RULES_WI],
  },
  {
    name: "vault RBAC compares principal ids case-sensitively",
    file: "sim/emulators/rbac.ts",
    find: "guidsEqual(a.principalId, principalId) &&",
    replace: "a.principalId === principalId &&",
    tests: [RBAC],
  },
  {
    name: "the root scope / covers nothing",
    file: "components/rules/armIds.ts",
    find: "  if (isRootScope(scope)) {\n    return true;\n  }\n  const s = normalizeArmId(scope);",
    replace: "  const s = normalizeArmId(scope);",
    tests: [RULES_ARM, RBAC],
  },
  {
    name: "config integer ranges exclude their lower bound",
    file: "infra/config.ts",
    find: "value < min || value > max",
    replace: "value <= min || value > max",
    tests: [BOUNDS],
  },
  {
    name: "config integer ranges exclude their upper bound",
    file: "infra/config.ts",
    find: "value < min || value > max",
    replace: "value < min || value >= max",
    tests: [BOUNDS],
  },
  {
    name: "address space accepts a /20",
    file: "infra/config.ts",
    find: "if (block.prefix > MIN_ADDRESS_SPACE_PREFIX) {",
    replace: "if (block.prefix >= MIN_ADDRESS_SPACE_PREFIX + 2) {",
    tests: [BOUNDS],
  },
  {
    name: "allowed IP ranges refuse a /8 (off by one)",
    file: "components/rules/ipRanges.ts",
    find: "if (block.prefix < MIN_ALLOWED_IP_RANGE_PREFIX) {",
    replace: "if (block.prefix <= MIN_ALLOWED_IP_RANGE_PREFIX) {",
    tests: [RULES_IP, BOUNDS],
  },
  {
    name: "allowed IP ranges accept a /7",
    file: "components/rules/ipRanges.ts",
    find: "if (block.prefix < MIN_ALLOWED_IP_RANGE_PREFIX) {",
    replace: "if (block.prefix < MIN_ALLOWED_IP_RANGE_PREFIX - 1) {",
    tests: [RULES_IP, BOUNDS],
  },
  {
    name: "172.16.0.0/12 mistyped as /11",
    file: "components/rules/ipRanges.ts",
    find: '{ cidr: "172.16.0.0/12", what: "private (RFC 1918)" },',
    replace: '{ cidr: "172.0.0.0/11", what: "private (RFC 1918)" },',
    tests: [RULES_IP, BOUNDS],
  },
  {
    name: "Contributor dropped from the privileged roles",
    file: "policies/rules/authorization/role-assignment-avoids-privileged-roles-at-broad-scope.ts",
    find: '  "User Access Administrator",\n  "Contributor",\n];',
    replace: '  "User Access Administrator",\n];',
    tests: [PRIVILEGED],
  },
  {
    name: "management-group scopes are not broad",
    file: "components/rules/armIds.ts",
    find: "if (/^\\/providers\\/Microsoft\\.Management\\/managementGroups\\/[^/]+$/i.test(s)) {",
    replace: "if (/^\\/providers\\/Microsoft\\.Management\\/managementGroup\\/[^/]+$/i.test(s)) {",
    tests: [PRIVILEGED, RULES_ARM],
  },
  {
    name: "ZEROCRED_UUID_NAMESPACE changed",
    file: "components/naming.ts",
    find: 'ZEROCRED_UUID_NAMESPACE = "ec3af19a-c532-4d36-a6dd-4001eb55137a"',
    replace: 'ZEROCRED_UUID_NAMESPACE = "ec3af19a-c532-4d36-a6dd-4001eb55137b"',
    tests: [GOLDEN],
  },
  {
    name: "a child parented to the stack instead of its component",
    file: "components/userAssignedIdentity.ts",
    find: "  return {\n    parent,\n",
    replace: "  return {\n    parent: undefined,\n",
    tests: ["test/components-a/preview.test.ts"],
  },
  {
    name: "the canary value exported instead of its fingerprint",
    file: "components/keyVault.ts",
    find: "this.canaryFingerprint = pulumi.unsecret(canaryValue.result.apply((v) => sha256Hex(v)));",
    replace: "this.canaryFingerprint = pulumi.unsecret(canaryValue.result.apply((v) => v));",
    tests: [SEAMS],
  },
  // --- the rule modules ------------------------------------------------------------------------
  {
    name: "audience with a trailing slash",
    file: "components/rules/workloadIdentity.ts",
    find: 'WORKLOAD_IDENTITY_AUDIENCE = "api://AzureADTokenExchange";',
    replace: 'WORKLOAD_IDENTITY_AUDIENCE = "api://AzureADTokenExchange/";',
    tests: [RULES_WI],
  },
  {
    name: "audience list of two accepted",
    file: "components/rules/workloadIdentity.ts",
    find: "return audiences.length === 1 && audiences[0] === WORKLOAD_IDENTITY_AUDIENCE;",
    replace: "return audiences.includes(WORKLOAD_IDENTITY_AUDIENCE);",
    tests: [RULES_WI],
  },
  {
    name: "21 credentials allowed per identity",
    file: "components/rules/workloadIdentity.ts",
    find: "return count > MAX_FEDERATED_CREDENTIALS_PER_IDENTITY;",
    replace: "return count > MAX_FEDERATED_CREDENTIALS_PER_IDENTITY + 1;",
    tests: [RULES_WI, BOUNDS],
  },
  {
    name: "issuer compared without its trailing slash",
    file: "components/rules/workloadIdentity.ts",
    find: "return credentialIssuer === tokenIssuer;",
    replace: 'return credentialIssuer.replace(/\\/+$/, "") === tokenIssuer.replace(/\\/+$/, "");',
    tests: [RULES_WI],
  },
  {
    name: "subjects compared case-insensitively",
    file: "components/rules/workloadIdentity.ts",
    find: "return credentialSubject === tokenSubject;",
    replace: "return credentialSubject.toLowerCase() === tokenSubject.toLowerCase();",
    tests: [RULES_WI],
  },
  {
    name: "duplicate detection ignores the issuer",
    file: "components/rules/workloadIdentity.ts",
    find: "const key = JSON.stringify([issuer, subject]);",
    replace: "const key = JSON.stringify([subject]);",
    tests: [RULES_WI],
  },
  {
    name: "writes ordered in one direction only count",
    file: "components/rules/workloadIdentity.ts",
    find: ".find((x) => !dependenciesOf(idOf(b)).has(idOf(x)) && !dependenciesOf(idOf(x)).has(idOf(b)));",
    replace: ".find((x) => !dependenciesOf(idOf(x)).has(idOf(b)));",
    tests: [RULES_WI],
  },
  {
    name: "dependency closure stops after direct dependencies",
    file: "components/rules/workloadIdentity.ts",
    find: "            seen.add(dep);\n            stack.push(dep);",
    replace: "            seen.add(dep);",
    tests: [RULES_WI],
  },
  {
    name: "scope coverage without a segment boundary",
    file: "components/rules/armIds.ts",
    find: 'return s !== "" && (r === s || r.startsWith(`${s}/`));',
    replace: 'return s !== "" && (r === s || r.startsWith(s));',
    tests: [RULES_ARM],
  },
  {
    name: "empty scope covers everything",
    file: "components/rules/armIds.ts",
    find: 'return s !== "" && (r === s || r.startsWith(`${s}/`));',
    replace: "return r === s || r.startsWith(`${s}/`);",
    tests: [RULES_ARM, RBAC],
  },
  {
    name: "ARM ids compared case-sensitively",
    file: "components/rules/armIds.ts",
    find: 'return id.trim().replace(/\\/+$/, "").toLowerCase();',
    replace: 'return id.trim().replace(/\\/+$/, "");',
    tests: [RULES_ARM],
  },
  {
    name: "host bits silently accepted",
    file: "components/rules/ipRanges.ts",
    find: "if (ip % size !== 0) {",
    replace: "if (false) {",
    tests: [RULES_IP, BOUNDS],
  },
  {
    name: "octet 256 accepted",
    file: "components/rules/ipRanges.ts",
    find: "if (octet > 255) {",
    replace: "if (octet > 256) {",
    tests: [RULES_IP],
  },
  {
    name: "did-you-mean threshold ⌊length/2⌋",
    file: "components/rules/didYouMean.ts",
    find: "return Math.max(1, Math.floor(input.length / 3));",
    replace: "return Math.max(1, Math.floor(input.length / 2));",
    tests: [RULES_DYM],
  },
  {
    name: "transpositions cost 2",
    file: "components/rules/didYouMean.ts",
    find: "d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);",
    replace: "d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 2);",
    tests: [RULES_DYM],
  },
  {
    name: "vault name hash shortened to 11 characters",
    file: "components/naming.ts",
    find: ").slice(0, 12);\n  const name = `${prefix}-kv-${hash}`;",
    replace: ").slice(0, 11);\n  const name = `${prefix}-kv-${hash}`;",
    tests: [GOLDEN],
  },
  {
    name: "role assignment seed not lowercased",
    file: "components/naming.ts",
    find: "const seed = `${scope.toLowerCase()}|${roleDefinitionId.toLowerCase()}|${principalId.toLowerCase()}`;",
    replace: "const seed = `${scope}|${roleDefinitionId}|${principalId}`;",
    tests: [GOLDEN],
  },
];

function runTests(files: readonly string[]): { passed: boolean; ms: number } {
  const started = Date.now();
  const r = spawnSync(
    process.execPath,
    [
      path.join(ROOT, "node_modules/vitest/vitest.mjs"),
      "run",
      "--bail=1",
      "--reporter=dot",
      ...files,
    ],
    { cwd: ROOT, encoding: "utf8", env: { ...process.env, NO_COLOR: "1", CI: "1" } },
  );
  return { passed: r.status === 0, ms: Date.now() - started };
}

function main(): number {
  const args = process.argv.slice(2);
  const filter = args.find((a) => !a.startsWith("--"));
  const selected = MUTATIONS.filter((m) => filter === undefined || m.name.includes(filter));
  if (args.includes("--list")) {
    for (const m of selected) {
      console.log(`${m.name}  (${m.file} → ${m.tests.join(", ")})`);
    }
    return 0;
  }
  const started = Date.now();

  // The targeted tests must pass unmutated, or every mutation would look "killed".
  const allTests = [...new Set(selected.flatMap((m) => m.tests))];
  const baseline = runTests(allTests);
  if (!baseline.passed) {
    console.error(`baseline: the targeted tests fail without any mutation: ${allTests.join(" ")}`);
    return 1;
  }
  console.log(
    `baseline: ${allTests.length} test files pass (${(baseline.ms / 1000).toFixed(1)} s)`,
  );

  let restore: (() => void) | undefined;
  const onSignal = () => {
    restore?.();
    process.exit(130);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  const survivors: string[] = [];
  const stale: string[] = [];
  for (const m of selected) {
    const file = path.join(ROOT, m.file);
    const original = fs.readFileSync(file, "utf8");
    const count = original.split(m.find).length - 1;
    if (count !== 1) {
      stale.push(`${m.name}: ${m.file} contains the text ${count} times, not once`);
      console.log(`STALE     ${m.name}`);
      continue;
    }
    restore = () => fs.writeFileSync(file, original);
    try {
      fs.writeFileSync(file, original.replace(m.find, m.replace));
      const r = runTests(m.tests);
      console.log(
        `${r.passed ? "SURVIVED" : "killed  "}  ${m.name} (${(r.ms / 1000).toFixed(1)} s)`,
      );
      if (r.passed) {
        survivors.push(`${m.name} (${m.file}; ${m.tests.join(", ")} still pass)`);
      }
    } finally {
      restore();
      restore = undefined;
    }
  }

  const total = ((Date.now() - started) / 1000).toFixed(0);
  const killed = selected.length - survivors.length - stale.length;
  console.log(`\n${killed} of ${selected.length} mutations killed in ${total} s.`);
  for (const line of [
    ...stale.map((s) => `stale: ${s}`),
    ...survivors.map((s) => `survived: ${s}`),
  ]) {
    console.error(line);
  }
  return survivors.length + stale.length === 0 ? 0 : 1;
}

// Guarded so that test/regressions/mutations.test.ts can read the list without running it.
if (require.main === module) {
  process.exitCode = main();
}
