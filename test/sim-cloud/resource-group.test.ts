/**
 * The simulated cloud answers `azure-native:resources:getResourceGroup` as ARM does
 * (GET /subscriptions/<sub>/resourceGroups/<name>, API 2024-03-01), for a group that already
 * exists (created by the bootstrap) and for one registered in the same run.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type * as pulumi from "@pulumi/pulumi";
import { SIM_SUBSCRIPTION_ID, type SimulatedCloud } from "../../sim/cloud";
import { unwrap, useCloud } from "../harness";

let cloud: SimulatedCloud;
let existing: pulumi.Output<unknown>;
let created: pulumi.Output<unknown>;

beforeAll(async () => {
  cloud = await useCloud();
  const resources = await import("@pulumi/azure-native/resources");
  const rg = new resources.ResourceGroup("rg", {
    resourceGroupName: "zc-dev-rg",
    location: "northeurope",
    tags: { "managed-by": "zerocred" },
  });
  existing = resources.getResourceGroupOutput({ resourceGroupName: "zerocred-dev" });
  created = resources.getResourceGroupOutput({ resourceGroupName: rg.name });
  await unwrap(created);
});

describe("SimulatedCloud: getResourceGroup", () => {
  it("answers for an existing group with its ARM id, name, region and provisioning state", async () => {
    expect(await unwrap(existing)).toEqual({
      azureApiVersion: "2024-03-01",
      id: `/subscriptions/${SIM_SUBSCRIPTION_ID}/resourceGroups/zerocred-dev`,
      name: "zerocred-dev",
      location: "westeurope",
      type: "Microsoft.Resources/resourceGroups",
      properties: { provisioningState: "Succeeded" },
    });
  });

  it("answers for a group registered in the same run with that group's region and tags", async () => {
    expect(await unwrap(created)).toEqual({
      azureApiVersion: "2024-03-01",
      id: `/subscriptions/${SIM_SUBSCRIPTION_ID}/resourceGroups/zc-dev-rg`,
      name: "zc-dev-rg",
      location: "northeurope",
      type: "Microsoft.Resources/resourceGroups",
      properties: { provisioningState: "Succeeded" },
      tags: { "managed-by": "zerocred" },
    });
  });

  it("records each invoke with its arguments", () => {
    expect(
      cloud.invokes.filter((i) => i.token === "azure-native:resources:getResourceGroup"),
    ).toEqual([
      {
        token: "azure-native:resources:getResourceGroup",
        args: { resourceGroupName: "zerocred-dev" },
      },
      {
        token: "azure-native:resources:getResourceGroup",
        args: { resourceGroupName: "zc-dev-rg" },
      },
    ]);
  });

  it("rejects a call without a resource group name, as ARM would", () => {
    expect(() =>
      cloud.call({ token: "azure-native:resources:getResourceGroup", inputs: {} }),
    ).toThrow(
      "InvalidParameter: resourceGroupName is required for azure-native:resources:getResourceGroup.",
    );
  });

  it("still throws on any other invoke, naming the token", () => {
    expect(() => cloud.call({ token: "azure-native:resources:getResource", inputs: {} })).toThrow(
      "the program calls azure-native:resources:getResource({}), which reads a resource the program does not declare: declare that resource in the program, or supply its result with --invoke-result azure-native:resources:getResource=<file.json>",
    );
  });
});
