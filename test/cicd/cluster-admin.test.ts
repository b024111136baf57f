/**
 * Issue 10 item 3: the deployer's AKS data-plane role is made ahead of time (bootstrap/, on the resource
 * group), so the stack in CI (`zerocred:deployer.clusterAdmin: preassigned`, set by the workflows) creates
 * none and its Kubernetes provider waits for nothing that could still be propagating. pulumi-kubernetes
 * does not retry a 403 (components/deployer.ts DEPLOYER_CLUSTER_DATA_ROLE).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import type * as AksModule from "../../components/aksCluster";
import { parseStackConfig } from "../../infra/config";
import { named, registered, unwrap, useCloud, type RecordedResource } from "../harness";
import { edited } from "../config/fixtures";

const SUB = "3b9d2e71-5a4c-4f86-b1d0-7e2a6c9f4d18";
const TENANT = "8c3f1a52-7d4e-4b0a-9f6e-2d1c5b7a9e30";
const SUBNET = `/subscriptions/${SUB}/resourceGroups/zerocred-dev/providers/Microsoft.Network/virtualNetworks/v/subnets/aks`;

let rs: RecordedResource[];
let preassigned: AksModule.AksCluster;

beforeAll(async () => {
  const cloud = await useCloud();
  const mod = await import("../../components/aksCluster");
  const common = {
    resourceGroupName: "zerocred-dev",
    subnetId: SUBNET,
    tenantId: TENANT,
    deployerObjectId: "2c4e6a8b-0d1f-4a3c-8e5b-7d9f1a3c5e7b",
    deployerPrincipalType: "ServicePrincipal" as const,
    kubeloginMode: "workloadidentity" as const,
  };
  preassigned = new mod.AksCluster("ci", { ...common, grantDeployerClusterAdmin: false });
  new mod.AksCluster("laptop", common);
  await unwrap(preassigned.provider.urn);
  rs = await registered(cloud);
});

describe("zerocred:deployer.clusterAdmin", () => {
  it("preassigned: no deployer assignment in the stack, and the provider depends on none", () => {
    expect(rs.some((r) => r.name === "ci-deployer-admin-assignment")).toBe(false);
    expect(preassigned.deployerGrant).toBeUndefined();
    const provider = named(rs, "ci-k8s");
    expect(provider.dependencies.some((u) => u.includes("RoleAssignment"))).toBe(false);
  });

  it("stack (the default): the stack grants it on the cluster, as before", () => {
    expect(named(rs, "laptop-deployer-admin-assignment").inputs.scope).toBe(
      named(rs, "laptop-cluster").id,
    );
  });

  it("config: preassigned parses; a typo names the allowed values", () => {
    expect(
      parseStackConfig(edited({ "zerocred:deployer.clusterAdmin": "preassigned" })).deployer
        .clusterAdmin,
    ).toBe("preassigned");
    expect(() =>
      parseStackConfig(edited({ "zerocred:deployer.clusterAdmin": "preasigned" })),
    ).toThrow(
      'zerocred:deployer.clusterAdmin: "preasigned" is not allowed. Did you mean "preassigned"? Use one of: stack, preassigned, gated.',
    );
  });

  it.each(["main.yml", "pr.yml", "destroy.yml"])(
    "%s sets clusterAdmin preassigned (the bootstrap granted it on the group)",
    (file) => {
      const text = fs.readFileSync(
        path.join(__dirname, "..", "..", ".github", "workflows", file),
        "utf8",
      );
      expect(parse(text)).toBeDefined();
      expect(text).toContain(
        "pulumi config set --path 'zerocred:deployer.clusterAdmin' preassigned",
      );
    },
  );
});
