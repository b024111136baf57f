/**
 * The stack deployed into an existing resource group (`zerocred:resourceGroupName`, CI: the group the
 * bootstrap created, where the deployer's roles are scoped): the group is read, never created, and
 * every resource and resourceGroup-scoped grant lands in it.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { vaultName } from "../../components/naming";
import { SIM_SUBSCRIPTION_ID } from "../../sim/cloud";
import type { Evaluation } from "../../sim/program";
import { byType, devConfig, named, runStack, stackConfig, type RecordedResource } from "../harness";

const RG_ID = `/subscriptions/${SIM_SUBSCRIPTION_ID}/resourceGroups/zerocred-dev`;
const KEY_VAULT_READER = "21090545-7ca7-4776-b22c-e363652d74d2";

let run: Evaluation;
let rs: RecordedResource[];

beforeAll(async () => {
  const grants = stackConfig("dev")["zerocred:grants"] as unknown[];
  run = await runStack(
    devConfig({
      "zerocred:resourceGroupName": "zerocred-dev",
      "zerocred:grants": [
        ...grants,
        { principal: "shared", role: "Key Vault Reader", scope: "resourceGroup" },
      ],
    }),
  );
  rs = run.resources;
});

describe("the dev stack in an existing resource group", () => {
  it("registers no ResourceGroup and reads the configured one instead", () => {
    expect(byType(rs, "azure-native:resources:ResourceGroup")).toEqual([]);
    expect(
      run.cloud.invokes.filter((i) => i.token === "azure-native:resources:getResourceGroup"),
    ).toEqual([
      {
        token: "azure-native:resources:getResourceGroup",
        args: { resourceGroupName: "zerocred-dev" },
      },
    ]);
  });

  it("puts every Azure resource in zerocred-dev, in the configured region", () => {
    const inGroup = rs.filter((r) => r.custom && r.inputs.resourceGroupName !== undefined);
    expect(inGroup.length).toBeGreaterThan(10);
    for (const r of inGroup) {
      expect(r.inputs.resourceGroupName, r.name).toBe("zerocred-dev");
      expect(r.id.startsWith(`${RG_ID}/providers/`), r.name).toBe(true);
    }
    const azure = rs.filter(
      (r) =>
        r.custom &&
        r.type.startsWith("azure-native:") &&
        r.type !== "azure-native:authorization:RoleAssignment",
    );
    expect(
      azure.filter((r) => r.inputs.resourceGroupName === undefined).map((r) => r.name),
    ).toEqual([]);
    for (const r of rs.filter((x) => x.inputs.location !== undefined)) {
      expect(r.inputs.location, r.name).toBe("westeurope");
    }
  });

  it("scopes a resourceGroup grant to the existing group's ARM id", () => {
    const grant = named(rs, "grant-shared-21090545-resourcegroup-assignment");
    expect(grant.inputs.scope).toBe(RG_ID);
    expect(String(grant.inputs.roleDefinitionId).split("/").pop()).toBe(KEY_VAULT_READER);
    expect(grant.inputs.principalId).toBe(named(rs, "id-shared-identity").outputs.principalId);
  });

  it("exports the group's name and derives the vault name from it", () => {
    expect(run.exports.resourceGroupName).toBe("zerocred-dev");
    expect(run.exports.vaultName).toBe(vaultName("zc", SIM_SUBSCRIPTION_ID, "zerocred-dev", "dev"));
    expect(named(rs, "kv-vault").inputs.vaultName).toBe(run.exports.vaultName);
  });
});
