/**
 * The emulator world shared by the verifier tests, and helpers to run the verifiers against it.
 */
import { spawn } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { EmulatorWorld } from "../../sim/emulators/index";

export const TENANT = "7a1d5e3c-2b4f-4a6e-9c8d-1f3e5a7b9c20";
export const SUB = "3b9d2e71-5a4c-4f86-b1d0-7e2a6c9f4d18";
export const RG = `/subscriptions/${SUB}/resourceGroups/zc-rg`;
export const VAULT_ID = `${RG}/providers/Microsoft.KeyVault/vaults/zc-kv`;
export const SECRETS_USER = "4633458b-17de-408a-b874-0445c86b69e6";
/** Alphanumeric by design, like the real canary (a random password without specials). */
export const CANARY = "Zq7Xk2Lp9Wm4Rt6Yv8Bn3Hc5Jd1Fg0Sa";
export const CANARY_SHA256 = crypto.createHash("sha256").update(CANARY, "utf8").digest("hex");
export const ISSUER = `https://westeurope.oic.prod-aks.azure.com/${TENANT}/4f2c7d1e-8b3a-4e6f-a5c9-0d2b4e6f8a1c/`;

export const SYSTEM = {
  principalId: "0d6f1b2a-3c4e-4d5f-8a6b-7c8d9e0f1a2b",
  clientId: "1e2f3a4b-5c6d-4e7f-8a9b-0c1d2e3f4a5b",
};
export const APP = {
  name: "id-app",
  resourceId: `${RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-app`,
  principalId: "2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d",
  clientId: "3b4c5d6e-7f8a-4b9c-8d1e-2f3a4b5c6d7e",
};
export const OTHER = {
  name: "id-other",
  resourceId: `${RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-other`,
  principalId: "4c5d6e7f-8a9b-4c0d-9e1f-2a3b4c5d6e7f",
  clientId: "5d6e7f8a-9b0c-4d1e-8f2a-3b4c5d6e7f8a",
};

/** VM `vm` (system identity + id-app + id-other); id-app and the system identity may read. */
export function world(options: { grantApp?: boolean } = {}): EmulatorWorld {
  const grants = [
    { principalId: SYSTEM.principalId, roleDefinitionId: SECRETS_USER, scope: VAULT_ID },
  ];
  if (options.grantApp ?? true) {
    grants.push({ principalId: APP.principalId, roleDefinitionId: SECRETS_USER, scope: VAULT_ID });
  }
  return {
    tenantId: TENANT,
    identities: [APP, OTHER],
    federatedCredentials: [
      {
        identityResourceId: APP.resourceId,
        name: "fic-apps-app",
        issuer: ISSUER,
        subject: "system:serviceaccount:apps:app",
        audiences: ["api://AzureADTokenExchange"],
      },
      {
        identityResourceId: OTHER.resourceId,
        name: "fic-apps-other",
        issuer: ISSUER,
        subject: "system:serviceaccount:apps:other",
        audiences: ["api://AzureADTokenExchange"],
      },
    ],
    vms: [
      {
        name: "vm",
        resourceId: `${RG}/providers/Microsoft.Compute/virtualMachines/vm`,
        systemAssigned: SYSTEM,
        userAssignedIdentityIds: [APP.resourceId, OTHER.resourceId],
      },
    ],
    clusters: [{ name: "aks", issuerUrl: ISSUER }],
    vaults: [
      {
        name: "zc-kv",
        resourceId: VAULT_ID,
        enableRbacAuthorization: true,
        secrets: [{ name: "canary", value: CANARY }],
      },
    ],
    roleAssignments: grants,
  };
}

export interface RunOutput {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly lines: Record<string, unknown>[];
}

/** Environment without proxies (the emulators are on loopback). */
export function baseEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !/proxy/i.test(k) && !k.startsWith("ZC_") && !k.startsWith("AZURE_")) {
      env[k] = v;
    }
  }
  return { ...env, ...extra };
}

/** Runs a command to completion, capturing its output. */
export function run(
  command: string,
  args: readonly string[],
  env: Record<string, string>,
): Promise<RunOutput> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString("utf8")));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString("utf8")));
    child.on("error", reject);
    child.on("close", (code) =>
      resolve({
        code,
        stdout,
        stderr,
        lines: stdout
          .split("\n")
          .filter((l) => l.trim().startsWith("{"))
          .map((l) => JSON.parse(l) as Record<string, unknown>),
      }),
    );
  });
}

/** A private temp dir, removed by the returned function. */
export function tempDir(): { dir: string; remove: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zc-verify-test-"));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Shells available to run the VM verifier: dash and bash when installed, else sh. */
export function shells(): string[] {
  const found = ["dash", "bash"].filter((s) =>
    (process.env.PATH ?? "").split(":").some((d) => d && fs.existsSync(path.join(d, s))),
  );
  return found.length > 0 ? found : ["sh"];
}

/** Resolves once `condition()` holds (polled every 5 ms); fails after `timeoutMs`. */
export async function until(condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) {
      throw new Error(`condition not met within ${timeoutMs} ms`);
    }
    await new Promise((r) => setTimeout(r, 5));
  }
}
