/** The workload identity federation rules, pinned with literal values (not recomputed). */
import { describe, expect, it } from "vitest";
import {
  AKS_ISSUER_PATTERN,
  concurrentWrites,
  duplicateIssuerSubjects,
  exceedsFederatedCredentialLimit,
  federatedCredentialChainOrder,
  hasTokenExchangeAudience,
  isAksIssuer,
  isDns1123Label,
  isDns1123Subdomain,
  isServiceAccountSubject,
  issuerMatches,
  issuersDifferOnlyByTrailingSlash,
  looksLikeServiceAccountSubject,
  MAX_FEDERATED_CREDENTIALS_PER_IDENTITY,
  parseServiceAccountSubject,
  serviceAccountSubject,
  subjectMatches,
  subjectsDifferOnlyInCase,
  transitiveDependencies,
  WORKLOAD_IDENTITY_AUDIENCE,
} from "../../components/rules/workloadIdentity";

const ISSUER = "https://westeurope.oic.prod-aks.azure.com/00000000-0000-0000-0000-000000000001/c1/";

describe("constants (Azure's values, pinned)", () => {
  it("the token exchange audience and the 20-credential limit", () => {
    expect(WORKLOAD_IDENTITY_AUDIENCE).toBe("api://AzureADTokenExchange");
    expect(MAX_FEDERATED_CREDENTIALS_PER_IDENTITY).toBe(20);
  });
  it("limit boundary: 20 is allowed, 21 is not", () => {
    expect([19, 20, 21].map(exceedsFederatedCredentialLimit)).toEqual([false, false, true]);
  });
});

describe("subject", () => {
  it("is built from the namespace and the SERVICE ACCOUNT", () => {
    expect(serviceAccountSubject("shop", "orders-sa")).toBe("system:serviceaccount:shop:orders-sa");
  });
  it("parses valid subjects and rejects the rest", () => {
    expect(parseServiceAccountSubject("system:serviceaccount:shop:orders.v2")).toEqual({
      namespace: "shop",
      serviceAccount: "orders.v2",
    });
    expect(
      [
        "system:serviceaccount:shop:orders",
        "system:serviceaccount:Shop:orders",
        "system:serviceaccount:shop",
        "system:serviceaccounts:shop:orders",
        "repo:org/repo:ref:refs/heads/main",
        "system:serviceaccount:shop:orders:extra",
      ].map(isServiceAccountSubject),
    ).toEqual([true, false, false, false, false, false]);
    expect(looksLikeServiceAccountSubject("system:serviceaccount:Shop:x")).toBe(true);
    expect(looksLikeServiceAccountSubject("repo:org/repo:ref:refs/heads/main")).toBe(false);
  });
  it("checks Kubernetes name lengths at their bounds", () => {
    expect([isDns1123Label("a".repeat(63)), isDns1123Label("a".repeat(64))]).toEqual([true, false]);
    // Kubernetes checks only the total length of a subdomain (IsDNS1123Subdomain), not each label.
    expect([isDns1123Subdomain("a".repeat(253)), isDns1123Subdomain("a".repeat(254))]).toEqual([
      true,
      false,
    ]);
    const label = "a".repeat(63);
    const subdomain = `${label}.${label}.${label}.${"a".repeat(61)}`; // 253 characters
    expect([subdomain.length, isDns1123Subdomain(subdomain)]).toEqual([253, true]);
    expect(isDns1123Subdomain(`${subdomain}a`)).toBe(false);
    expect([isDns1123Label("-a"), isDns1123Label("a-"), isDns1123Label("A")]).toEqual([
      false,
      false,
      false,
    ]);
  });
});

describe("matching (byte for byte, as Entra does)", () => {
  it("an issuer with or without the trailing slash is another issuer", () => {
    expect(issuerMatches(ISSUER, ISSUER)).toBe(true);
    expect(issuerMatches(ISSUER, ISSUER.slice(0, -1))).toBe(false);
    expect(issuerMatches(ISSUER, ISSUER.toUpperCase())).toBe(false);
    expect(issuersDifferOnlyByTrailingSlash(ISSUER, ISSUER.slice(0, -1))).toBe(true);
    expect(issuersDifferOnlyByTrailingSlash(ISSUER, ISSUER)).toBe(false);
    expect(issuersDifferOnlyByTrailingSlash(ISSUER, `${ISSUER}x/`)).toBe(false);
  });
  it("subjects are case-sensitive; a case-only difference is recognised", () => {
    const s = "system:serviceaccount:shop:orders";
    expect(subjectMatches(s, s)).toBe(true);
    expect(subjectMatches(s, s.toUpperCase())).toBe(false);
    expect(subjectsDifferOnlyInCase(s, "system:serviceaccount:Shop:orders")).toBe(true);
    expect(subjectsDifferOnlyInCase(s, s)).toBe(false);
  });
  it("exactly one audience, exactly api://AzureADTokenExchange", () => {
    expect(
      [
        ["api://AzureADTokenExchange"],
        ["api://AzureADTokenExchange/"],
        ["api://azureadtokenexchange"],
        ["api://AzureADTokenExchange", "api://other"],
        [],
      ].map(hasTokenExchangeAudience),
    ).toEqual([true, false, false, false, false]);
  });
  it("recognises AKS issuers only", () => {
    expect(isAksIssuer(ISSUER)).toBe(true);
    expect(isAksIssuer("https://token.actions.githubusercontent.com")).toBe(false);
    expect(isAksIssuer("https://evil.example/oic.prod-aks.azure.com/")).toBe(false);
    expect(AKS_ISSUER_PATTERN.flags).toBe("i");
  });
});

describe("credentials of one identity", () => {
  type C = { name: string; issuer?: string; subject?: string };
  const c = (name: string, subject?: string, issuer: string | undefined = ISSUER): C => ({
    name,
    issuer,
    subject,
  });

  it("finds each duplicate issuer+subject pair, paired with the first holder", () => {
    const list = [c("a", "s1"), c("b", "s2"), c("c", "s1"), c("d", "s1"), c("e", undefined)];
    const pairs = duplicateIssuerSubjects(
      list,
      (x) => x.issuer,
      (x) => x.subject,
    ).map(([first, dup]) => [first.name, dup.name]);
    expect(pairs).toEqual([
      ["a", "c"],
      ["a", "d"],
    ]);
  });
  it("the same subject under two issuers is not a duplicate", () => {
    const list = [c("a", "s1"), c("b", "s1", ISSUER.slice(0, -1))];
    expect(
      duplicateIssuerSubjects(
        list,
        (x) => x.issuer,
        (x) => x.subject,
      ),
    ).toEqual([]);
  });
  it("chain order is by name, code-unit order, whatever the declaration order", () => {
    expect(
      federatedCredentialChainOrder([
        c("shop_reports"),
        c("ops_audit"),
        c("Shop_x"),
        c("shop_orders"),
      ]).map((x) => x.name),
    ).toEqual(["Shop_x", "ops_audit", "shop_orders", "shop_reports"]);
  });
  it("a dependsOn chain is serialized; a missing link is reported with the first unordered pair", () => {
    const chain: Record<string, string[]> = { a: [], b: ["a"], c: ["b"] };
    const star: Record<string, string[]> = { a: [], b: ["a"], c: ["a"] };
    const ids = ["a", "b", "c"];
    const closure = (g: Record<string, string[]>) => transitiveDependencies((n) => g[n]);
    expect(concurrentWrites(ids, (x) => x, closure(chain))).toEqual([]);
    expect(concurrentWrites(ids, (x) => x, closure(star))).toEqual([["b", "c"]]);
    expect(concurrentWrites(ids, (x) => x, closure({}))).toEqual([
      ["a", "b"],
      ["a", "c"],
    ]);
    // Ordered through another resource (c → sa → b) counts as ordered.
    expect(
      concurrentWrites(ids, (x) => x, closure({ a: [], b: ["a"], c: ["sa"], sa: ["b"] })),
    ).toEqual([]);
  });
  it("the dependency closure terminates on cycles and still sees every node", () => {
    const closure = transitiveDependencies((n) => ({ a: ["b"], b: ["c"], c: ["a"] })[n]);
    expect([...closure("b")].sort()).toEqual(["a", "b", "c"]);
    expect([...closure("a")].sort()).toEqual(["a", "b", "c"]);
  });
});
