/**
 * The dev stack (Pulumi.dev.yaml through infra/index.ts), recorded by the simulated cloud, passes every
 * mandatory rule of the pack — and the rules really see its resources (a broken copy fails).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { evaluatePolicies, fromRecorded, type PolicyInputResource } from "../../policies/evaluate";
import { devStack } from "../harness";
import { getPathOf, setPath } from "./fixtures";

interface Mutable {
  type: string;
  name: string;
  urn: string;
  props: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  dependencies?: readonly string[];
}

describe("dev stack", () => {
  let resources: PolicyInputResource[];

  beforeAll(async () => {
    const run = await devStack();
    resources = run.resources.map(fromRecorded);
  });

  function copy(): Mutable[] {
    return structuredClone(resources) as Mutable[];
  }

  it("passes every mandatory rule in the dev environment", () => {
    expect(
      evaluatePolicies(resources, { environment: "dev" }).filter((v) => v.level === "mandatory"),
    ).toEqual([]);
  });

  it("owes only purge protection to prod (the documented dev relaxation)", () => {
    const mandatory = evaluatePolicies(resources, { environment: "prod" }).filter(
      (v) => v.level === "mandatory",
    );
    expect(mandatory.map((v) => v.policy)).toEqual(["keyvault-enables-purge-protection"]);
  });

  it("has the resources the workload-identity rules are about", () => {
    const count = (type: string) => resources.filter((r) => r.type === type).length;
    expect(count("azure-native:managedidentity:FederatedIdentityCredential")).toBeGreaterThan(0);
    expect(count("azure-native:containerservice:ManagedCluster")).toBe(1);
    expect(count("kubernetes:core/v1:ServiceAccount")).toBeGreaterThan(0);
    expect(count("kubernetes:batch/v1:Job")).toBeGreaterThan(0);
  });

  it("fails once a verification Job loses its workload identity label or gains a TTL", () => {
    const broken = copy();
    const job = broken.find((r) => r.type === "kubernetes:batch/v1:Job");
    if (job === undefined) {
      throw new Error("no Job recorded");
    }
    const labels = getPathOf(job.props, "spec.template.metadata.labels") as Record<string, unknown>;
    delete labels["azure.workload.identity/use"];
    delete job.outputs;
    setPath(job.props, "spec.ttlSecondsAfterFinished", 300);
    const policies = evaluatePolicies(broken, { environment: "dev" })
      .filter((v) => v.resource === job.urn)
      .map((v) => v.policy);
    expect(policies).toEqual([
      "pod-template-labels-workload-identity",
      "verification-job-omits-ttl",
    ]);
  });

  it("fails once a federated credential's issuer is hand-typed without the trailing slash", () => {
    const broken = copy();
    const fic = broken.find(
      (r) => r.type === "azure-native:managedidentity:FederatedIdentityCredential",
    );
    if (fic === undefined) {
      throw new Error("no federated credential recorded");
    }
    fic.props.issuer = String(fic.props.issuer).replace(/\/$/, "");
    delete fic.outputs;
    expect(
      evaluatePolicies(broken, { environment: "dev" })
        .filter((v) => v.resource === fic.urn)
        .map((v) => v.policy),
    ).toEqual(["federated-credential-matches-cluster-issuer"]);
  });
});
