/**
 * bootstrap/index.ts end to end in the simulated cloud: config from `zerocred-bootstrap:*` keys, the
 * exports a newcomer reads after `pulumi up`, and invalid config failing before any registration.
 */
import { describe, expect, it } from "vitest";
import { vi } from "vitest";
import { evaluateProgram, ProgramError } from "../../sim/program";

const SUB = "3b9d2e71-5a4c-4f86-b1d0-7e2a6c9f4d18";

async function run(config: Record<string, unknown>) {
  vi.resetModules();
  return evaluateProgram({
    config,
    project: "zerocred-bootstrap",
    stack: "cicd",
    load: async () => (await import("../../bootstrap/index")) as Record<string, unknown>,
  });
}

describe("bootstrap/index.ts", () => {
  it("exports the ids, subjects, backend URLs and gh commands", async () => {
    const r = await run({
      "azure-native:location": "westeurope",
      "zerocred-bootstrap:github": {
        organization: "contoso",
        repository: "zerocred",
        environments: ["dev"],
      },
      "zerocred-bootstrap:stateStorageAccountName": "zcstatecontoso",
      "zerocred-bootstrap:stateVaultName": "zcstate-contoso",
      "zerocred-bootstrap:allowVaultPurge": true,
    });
    expect(Object.keys(r.exports).sort()).toEqual([
      "backendUrl",
      "clientId",
      "ghVariableCommands",
      "previewClientId",
      "previewSubject",
      "principalId",
      "secretsProvider",
      "subjects",
      "subscriptionId",
      "targetResourceGroupId",
      "tenantId",
    ]);
    expect(r.secretExports).toEqual([]);
    expect(r.exports.subscriptionId).toBe(SUB);
    expect(r.exports.targetResourceGroupId).toBe(
      `/subscriptions/${SUB}/resourceGroups/zerocred-dev`,
    );
    expect(r.exports.backendUrl).toBe("azblob://pulumi-state?storage_account=zcstatecontoso");
    expect(r.exports.secretsProvider).toBe(
      "azurekeyvault://zcstate-contoso.vault.azure.net/keys/pulumi-secrets",
    );
    expect(r.exports.subjects).toEqual([
      "repo:contoso/zerocred:ref:refs/heads/main",
      "repo:contoso/zerocred:environment:dev",
    ]);
    expect(r.exports.previewSubject).toBe("repo:contoso/zerocred:pull_request");
    expect(String(r.exports.ghVariableCommands).split("\n")).toHaveLength(8);
    expect(r.resources.find((x) => x.name === "deployer-vault-purger")).toBeDefined();
  });

  it("stateBackend: false declares no state resources and no state variables", async () => {
    const r = await run({
      "zerocred-bootstrap:github": { organization: "contoso", repository: "zerocred" },
      "zerocred-bootstrap:stateBackend": false,
    });
    expect(r.resources.filter((x) => x.name.startsWith("state"))).toEqual([]);
    expect(r.resources.filter((x) => x.name.startsWith("operator-state"))).toEqual([]);
    expect(r.resources.filter((x) => x.name.startsWith("operator-secrets"))).toEqual([]);
    expect(r.exports.backendUrl).toBeUndefined();
    expect(String(r.exports.ghVariableCommands)).not.toContain("PULUMI_");
  });

  it("invalid config fails with the exact message (a RunError, no stack trace)", async () => {
    const failure = run({ "zerocred-bootstrap:github": { organization: "contoso" } });
    await expect(failure).rejects.toBeInstanceOf(ProgramError);
    await expect(failure).rejects.toThrow(
      'Invalid value for github.repository: "". Use the repository name exactly as in its URL (without the owner): 1 to 100 letters, digits, ".", "-" or "_".',
    );
  });
});
