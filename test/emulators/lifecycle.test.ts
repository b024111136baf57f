// Emulator plumbing: endpoint shapes, CA file, clean shutdown, world validation, RBAC scope rules.
import { existsSync, readFileSync } from "node:fs";
import { X509Certificate } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulators, type Emulators } from "../../sim/emulators";
import { scopeCovers } from "../../components/rules/armIds";
import { roleGrants } from "../../sim/emulators/rbac";
import { ID, rawRequest, RG_ID, SUB, TENANT, testWorld, vaultId } from "./fixture";

describe("startEmulators lifecycle", () => {
  it("exposes loopback endpoints, a trusted CA file, and releases everything on close", async () => {
    const emu = await startEmulators(testWorld());
    const caFile = emu.caFile;
    const endpoints = [
      emu.imdsEndpoint("vm1"),
      emu.imdsEndpoint("vm-multi"),
      emu.authorityHost,
      emu.vaultUrl("kv1"),
      emu.issuerEndpoint("aks1"),
    ];
    try {
      expect(emu.imdsEndpoint("vm1")).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(emu.authorityHost).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/$/);
      expect(emu.vaultUrl("kv1")).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/$/);
      expect(new Set(endpoints.map((e) => new URL(e).port)).size).toBe(endpoints.length);
      expect(readFileSync(caFile, "utf8")).toBe(emu.caPem);
      const ca = new X509Certificate(emu.caPem);
      expect(ca.ca).toBe(true);
      // The leaf is trusted through the CA for both 127.0.0.1 and localhost.
      const viaLocalhost = await rawRequest(
        `${emu.vaultUrl("kv1").replace("127.0.0.1", "localhost")}secrets/canary`,
        {
          ca: emu.caPem,
        },
      );
      expect(viaLocalhost.status).toBe(401);
    } finally {
      await emu.close();
    }
    expect(existsSync(caFile)).toBe(false);
    const outcomes = await Promise.all(
      endpoints.map((e) =>
        rawRequest(e).then(
          () => "answered",
          (err: NodeJS.ErrnoException) => err.code,
        ),
      ),
    );
    expect(outcomes).toEqual(endpoints.map(() => "ECONNREFUSED"));
  });

  it("rejects a world whose federated credential belongs to an undeclared identity", async () => {
    const world = testWorld();
    world.federatedCredentials[0]!.identityResourceId = "/subscriptions/x/ghost";
    await expect(startEmulators(world)).rejects.toThrow(
      "Federated credential 'zerocred-verifier' belongs to '/subscriptions/x/ghost', which is not in world.identities; add it there.",
    );
  });

  it("rejects a world whose VM attaches an undeclared identity", async () => {
    const world = testWorld();
    world.vms[0]!.userAssignedIdentityIds.push(
      `${RG_ID}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/ghost`,
    );
    await expect(startEmulators(world)).rejects.toThrow(
      `VM 'vm1' attaches identity '${RG_ID}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/ghost', which is not in world.identities; add it there.`,
    );
  });
});

describe("a running emulator set", () => {
  let emu: Emulators;
  beforeAll(async () => {
    emu = await startEmulators(testWorld());
  });
  afterAll(async () => {
    await emu.close();
  });

  it("names the known resources when asked for an unknown one", async () => {
    expect(() => emu.imdsEndpoint("vm9")).toThrow(
      "Unknown VM 'vm9': the emulator world declares 'vm1', 'vm-multi'.",
    );
    expect(() => emu.vaultUrl("kv9")).toThrow(
      "Unknown vault 'kv9': the emulator world declares 'kv1', 'kv12', 'kv-ap'.",
    );
    expect(() => emu.injectImdsFaults("vm9", [500])).toThrow("Unknown VM 'vm9'");
    await expect(emu.mintServiceAccountToken("aks9", "ns", "sa")).rejects.toThrow(
      "Unknown cluster 'aks9': the emulator world declares 'aks1'.",
    );
  });

  it("counts requests per emulator, per IMDS selector, per Entra client and per vault caller", async () => {
    const imds = await rawRequest(
      `${emu.imdsEndpoint("vm1")}/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://vault.azure.net&client_id=${ID.vm.clientId}`,
      { headers: { Metadata: "true" } },
    );
    const token = (imds.json as { access_token: string }).access_token;
    await rawRequest(`${emu.vaultUrl("kv1")}secrets/canary?api-version=7.5`, { ca: emu.caPem });
    await rawRequest(`${emu.vaultUrl("kv1")}secrets/canary?api-version=7.5`, {
      ca: emu.caPem,
      headers: { Authorization: `Bearer ${token}` },
    });
    await rawRequest(`${emu.authorityHost}${TENANT}/oauth2/v2.0/token`, {
      method: "POST",
      ca: emu.caPem,
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: `grant_type=client_credentials&client_id=${ID.app.clientId}&scope=https%3A%2F%2Fvault.azure.net%2F.default`,
    });
    expect(emu.requestCounts()).toEqual({
      imds: { vm1: 1, "vm-multi": 0 },
      imdsBySelector: { [ID.vm.clientId]: 1 },
      entraToken: 1,
      entraTokenByClient: { [ID.app.clientId]: 1 },
      vault: { kv1: 2, kv12: 0, "kv-ap": 0 },
      vaultByPrincipal: { "": 1, [ID.vm.principalId]: 1 },
    });
  });
});

describe("RBAC scope and role rules", () => {
  const secret = `${vaultId("kv1")}/secrets/canary`;

  it("covers the secret from subscription, resource group, vault and secret scopes, case-insensitively", () => {
    expect(
      [
        `/subscriptions/${SUB}`,
        RG_ID.toLowerCase(),
        vaultId("kv1").toUpperCase(),
        secret,
        `${vaultId("kv1")}/`,
      ].map((s) => scopeCovers(s, secret)),
    ).toEqual([true, true, true, true, true]);
  });

  it("only matches on segment boundaries", () => {
    expect(
      [vaultId("kv"), `${RG_ID}2`, `${secret}2`, vaultId("kv12"), "", `/subscriptions/${SUB}0`].map(
        (s) => scopeCovers(s, secret),
      ),
    ).toEqual([false, false, false, false, false, false]);
  });

  it("grants getSecret to the secret-reading roles only", () => {
    const roles = [
      "Key Vault Secrets User",
      "Key Vault Secrets Officer",
      "Key Vault Administrator",
      "Key Vault Reader",
      "Reader",
      "Contributor",
      "Owner",
      "not a role",
    ];
    expect(
      roles.map((r) => roleGrants(r, "Microsoft.KeyVault/vaults/secrets/getSecret/action")),
    ).toEqual([true, true, true, false, false, false, false, false]);
  });

  it("keeps the fixture's identities distinct", () => {
    const ids = Object.values(ID);
    expect(new Set(ids.map((i) => i.clientId)).size).toBe(ids.length);
  });
});
