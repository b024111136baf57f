/**
 * Registers the Azure resource providers zerocred deploys with, once per subscription, before the first
 * `pulumi up` (docs/ci.md step 3). The CI deployer cannot do it: registering is a subscription-level
 * action (`<namespace>/register/action`, held by Contributor and Owner at the subscription) and the
 * deployer's roles stop at one resource group. An unregistered namespace fails the first create of its
 * type with `MissingSubscriptionRegistration`.
 *
 *   npx tsx bootstrap/providers.ts <subscription-id>      (signed in with `az login`)
 *
 * ARM REST, api-version 2021-04-01: "Providers - Get" (`registrationState`) and "Providers - Register"
 * (https://learn.microsoft.com/rest/api/resources/providers/register); registration is asynchronous, so
 * the state is polled until `Registered`, with a bound.
 * azure-native 3.28 has no resource for a subscription's provider registration (its `providerhub` module
 * publishes providers, it does not register them), hence a script rather than a resource.
 */
import type { AzureCliCredential as AzureCliCredentialType } from "@azure/identity";

/** Namespaces the stack (infra/) and the bootstrap create resources in, and why. */
export const REQUIRED_RESOURCE_PROVIDERS: readonly { namespace: string; why: string }[] = [
  { namespace: "Microsoft.ContainerService", why: "the AKS cluster" },
  { namespace: "Microsoft.KeyVault", why: "the stack's vault and the state secrets key" },
  {
    namespace: "Microsoft.ManagedIdentity",
    why: "user-assigned identities, federated credentials",
  },
  { namespace: "Microsoft.Compute", why: "the VM and its run command" },
  { namespace: "Microsoft.Network", why: "the VNet, subnets, NIC" },
  { namespace: "Microsoft.Storage", why: "the Pulumi state account (bootstrap)" },
];

export const ARM_PROVIDERS_API_VERSION = "2021-04-01";

/** The minimal ARM client the registration needs (injected in tests). */
export interface ArmClient {
  request(method: "GET" | "POST", path: string): Promise<{ status: number; body: unknown }>;
}

export interface RegistrationOptions {
  /** Give up after this long per namespace. Defaults to 10 minutes. */
  readonly timeoutMs?: number;
  /** Poll interval. Defaults to 10 s. */
  readonly pollMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
}

function stateOf(body: unknown): string {
  const state = (body as { registrationState?: unknown } | null)?.registrationState;
  return typeof state === "string" ? state : "Unknown";
}

function armError(body: unknown): string {
  const error = (body as { error?: { code?: string; message?: string } } | null)?.error;
  return error ? `${error.code ?? "Error"}: ${error.message ?? ""}`.trim() : JSON.stringify(body);
}

/**
 * Registers each namespace that is not `Registered` and waits until it is. Returns one line per
 * namespace ("already registered" / "registered"). Throws one message naming every namespace it could
 * not register and who must: on 403, someone with Contributor or Owner on the subscription, with the
 * exact `az provider register` command.
 */
export async function ensureProvidersRegistered(
  client: ArmClient,
  subscriptionId: string,
  namespaces: readonly string[] = REQUIRED_RESOURCE_PROVIDERS.map((p) => p.namespace),
  options: RegistrationOptions = {},
): Promise<string[]> {
  const timeoutMs = options.timeoutMs ?? 10 * 60_000;
  const pollMs = options.pollMs ?? 10_000;
  const sleep = options.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  const now = options.now ?? Date.now;
  const lines: string[] = [];
  const denied: string[] = [];
  for (const ns of namespaces) {
    const path = `/subscriptions/${subscriptionId}/providers/${ns}`;
    const query = `?api-version=${ARM_PROVIDERS_API_VERSION}`;
    const current = await client.request("GET", path + query);
    if (current.status === 200 && stateOf(current.body) === "Registered") {
      lines.push(`${ns}: already registered`);
      continue;
    }
    const registered = await client.request("POST", `${path}/register${query}`);
    if (registered.status === 401 || registered.status === 403) {
      denied.push(ns);
      continue;
    }
    if (registered.status >= 300) {
      throw new Error(`${ns}: registration failed (${armError(registered.body)}).`);
    }
    const deadline = now() + timeoutMs;
    let state = stateOf(registered.body);
    while (state !== "Registered") {
      if (now() >= deadline) {
        throw new Error(
          `${ns}: still ${state} after ${Math.round(timeoutMs / 1000)} s; check it with ` +
            `az provider show --namespace ${ns} --query registrationState, then run this again.`,
        );
      }
      await sleep(pollMs);
      state = stateOf((await client.request("GET", path + query)).body);
    }
    lines.push(`${ns}: registered`);
  }
  if (denied.length > 0) {
    throw new Error(
      `Not allowed to register ${denied.join(", ")} in subscription ${subscriptionId}: registering needs ` +
        `<namespace>/register/action at the subscription (Contributor or Owner there). Ask a subscription ` +
        `Owner to run: ${denied.map((ns) => `az provider register --namespace ${ns} --wait`).join(" && ")}`,
    );
  }
  return lines;
}

/** An {@link ArmClient} over fetch with the Azure CLI's sign-in (the bootstrap runs after `az login`). */
export function azureCliArmClient(endpoint = "https://management.azure.com"): ArmClient {
  // Loaded here, not at the top: the simulation reads REQUIRED_RESOURCE_PROVIDERS from this module
  // (sim/deployer/bootstrap.ts) and must not pay for loading the Azure SDK's credential stack.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { AzureCliCredential } = require("@azure/identity") as {
    AzureCliCredential: typeof AzureCliCredentialType;
  };
  const credential = new AzureCliCredential();
  return {
    async request(method, path) {
      const token = await credential.getToken(`${endpoint}/.default`);
      const response = await fetch(`${endpoint}${path}`, {
        method,
        headers: { authorization: `Bearer ${token.token}`, "content-type": "application/json" },
      });
      const text = await response.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text) as unknown;
      } catch {
        // keep the text
      }
      return { status: response.status, body };
    },
  };
}

if (require.main === module) {
  const subscriptionId = process.argv[2];
  if (!subscriptionId || !/^[0-9a-f-]{36}$/i.test(subscriptionId)) {
    console.error("usage: npx tsx bootstrap/providers.ts <subscription-id>");
    process.exit(2);
  }
  ensureProvidersRegistered(azureCliArmClient(), subscriptionId).then(
    (lines) => console.log(lines.join("\n")),
    (e: Error) => {
      console.error(e.message);
      process.exit(1);
    },
  );
}
