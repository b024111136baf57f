// Shared world and helpers for the emulator tests. Values are fake but shaped like Azure's.
import { createHash } from "node:crypto";
import http from "node:http";
import https from "node:https";
import type { EmulatorWorld } from "../../sim/emulators";

export const TENANT = "8d2f1c55-0b7e-4c1a-9a51-3f8e2b7c6d10";
export const SUB = "5a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
export const RG_ID = `/subscriptions/${SUB}/resourceGroups/rg-zerocred-dev`;
export const SECRETS_USER = "4633458b-17de-408a-b874-0445c86b69e6";
export const KEY_VAULT_READER = "21090545-7ca7-4776-b22c-e363652d74d2";
export const ISSUER = `https://eastus.oic.prod-aks.azure.com/${TENANT}/0f3e6c2a-71d4-4b8e-9c55-2a6b1d9e4f70/`;
export const SA_NAMESPACE = "zerocred";
export const SA_NAME = "verifier";
export const SA_SUBJECT = `system:serviceaccount:${SA_NAMESPACE}:${SA_NAME}`;
export const AUDIENCE = "api://AzureADTokenExchange";

/** The secret values: tests compare fingerprints, never print values. */
export const CANARY_VALUE = "c4nary-Value-0123456789abcdefXYZ";
export const OTHER_VALUE = "0ther-Value-0123456789abcdefXYZ!";

export function fingerprint(value: string | undefined): string {
  return createHash("sha256")
    .update(value ?? "", "utf8")
    .digest("hex");
}

export const vaultId = (name: string): string =>
  `${RG_ID}/providers/Microsoft.KeyVault/vaults/${name}`;
const uaiId = (name: string): string =>
  `${RG_ID}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${name}`;
export const vmId = (name: string): string =>
  `${RG_ID}/providers/Microsoft.Compute/virtualMachines/${name}`;

function identity(name: string, n: number): EmulatorWorld["identities"][number] {
  const hex = n.toString(16).padStart(2, "0");
  return {
    name,
    resourceId: uaiId(name),
    principalId: `a0000000-0000-4000-8000-0000000000${hex}`,
    clientId: `c0000000-0000-4000-8000-0000000000${hex}`,
  };
}

export const ID = {
  vm: identity("id-vm", 1),
  vm2: identity("id-vm2", 2),
  app: identity("id-app", 3),
  noRole: identity("id-norole", 4),
  reader: identity("id-reader", 5),
  otherVault: identity("id-othervault", 6),
  late: identity("id-late", 7),
  noSlash: identity("id-noslash", 8),
} as const;

export const VM_SYSTEM = {
  principalId: "b0000000-0000-4000-8000-000000000001",
  clientId: "d0000000-0000-4000-8000-000000000001",
};

function fic(
  identityResourceId: string,
  name: string,
  subject: string,
  issuer = ISSUER,
): EmulatorWorld["federatedCredentials"][number] {
  return { identityResourceId, name, issuer, subject, audiences: [AUDIENCE] };
}

/** A world with two VMs, one cluster, three vaults and a spread of grants and non-grants. */
export function testWorld(): EmulatorWorld {
  return {
    tenantId: TENANT,
    identities: Object.values(ID).map((i) => ({ ...i })),
    federatedCredentials: [
      fic(ID.app.resourceId, "zerocred-verifier", SA_SUBJECT),
      fic(ID.noRole.resourceId, "zerocred-norole", "system:serviceaccount:zerocred:norole"),
      fic(ID.reader.resourceId, "zerocred-reader", "system:serviceaccount:zerocred:reader"),
      fic(
        ID.otherVault.resourceId,
        "zerocred-othervault",
        "system:serviceaccount:zerocred:othervault",
      ),
      fic(ID.late.resourceId, "zerocred-late", "system:serviceaccount:zerocred:late"),
      // Hand-typed issuer without the trailing slash: never matches AKS tokens.
      fic(ID.noSlash.resourceId, "zerocred-noslash", SA_SUBJECT, ISSUER.replace(/\/$/, "")),
    ],
    vms: [
      {
        name: "vm1",
        resourceId: vmId("vm1"),
        systemAssigned: VM_SYSTEM,
        userAssignedIdentityIds: [ID.vm.resourceId, ID.vm2.resourceId],
      },
      {
        name: "vm-multi",
        resourceId: vmId("vm-multi"),
        userAssignedIdentityIds: [ID.vm.resourceId, ID.vm2.resourceId],
      },
    ],
    clusters: [{ name: "aks1", issuerUrl: ISSUER }],
    vaults: [
      {
        name: "kv1",
        resourceId: vaultId("kv1"),
        enableRbacAuthorization: true,
        secrets: [{ name: "canary", value: CANARY_VALUE }],
      },
      // "kv12" shares the prefix "kv1": a grant on kv1 must not leak into it.
      {
        name: "kv12",
        resourceId: vaultId("kv12"),
        enableRbacAuthorization: true,
        secrets: [{ name: "canary", value: OTHER_VALUE }],
      },
      {
        name: "kv-ap",
        resourceId: vaultId("kv-ap"),
        enableRbacAuthorization: false,
        secrets: [{ name: "canary", value: CANARY_VALUE }],
      },
    ],
    roleAssignments: [
      // System identity: Secrets User on the vault, by full ARM role definition ID.
      {
        principalId: VM_SYSTEM.principalId,
        roleDefinitionId: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${SECRETS_USER}`,
        scope: vaultId("kv1"),
      },
      // UAI: Secrets User on the resource group (covers every vault in it), by GUID, odd casing.
      {
        principalId: ID.vm.principalId,
        roleDefinitionId: SECRETS_USER,
        scope: RG_ID.toUpperCase(),
      },
      // Workload identity: Secrets User on the secret itself.
      {
        principalId: ID.app.principalId,
        roleDefinitionId: SECRETS_USER,
        scope: `${vaultId("kv1")}/secrets/canary`,
      },
      { principalId: ID.app.principalId, roleDefinitionId: SECRETS_USER, scope: vaultId("kv-ap") },
      {
        principalId: ID.reader.principalId,
        roleDefinitionId: KEY_VAULT_READER,
        scope: vaultId("kv1"),
      },
      {
        principalId: ID.otherVault.principalId,
        roleDefinitionId: SECRETS_USER,
        scope: vaultId("kv12"),
      },
      {
        principalId: ID.noSlash.principalId,
        roleDefinitionId: SECRETS_USER,
        scope: vaultId("kv1"),
      },
    ],
  };
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json: unknown;
}

/** One HTTP(S) request with Node built-ins; `ca` is required for https URLs. */
export function rawRequest(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string; ca?: string } = {},
): Promise<RawResponse> {
  const u = new URL(url);
  const mod = u.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request(
      u,
      { method: init.method ?? "GET", headers: init.headers ?? {}, ca: init.ca, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.on("error", reject);
    if (init.body !== undefined) {
      req.write(init.body);
    }
    req.end();
  });
}

/** Decodes a JWT's payload without printing it. */
export function claimsOf(token: string): Record<string, unknown> {
  const part = token.split(".")[1] ?? "";
  return JSON.parse(Buffer.from(part, "base64url").toString("utf8")) as Record<string, unknown>;
}
