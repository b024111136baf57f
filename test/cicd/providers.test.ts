/**
 * bootstrap/providers.ts: the subscription's resource providers are registered before the first deploy
 * (issue 10 item 7), or the run names who must register them. A fake ARM answers like
 * "Providers - Get/Register" (api-version 2021-04-01).
 */
import { describe, expect, it } from "vitest";
import {
  ensureProvidersRegistered,
  REQUIRED_RESOURCE_PROVIDERS,
  type ArmClient,
} from "../../bootstrap/providers";

const SUB = "3b9d2e71-5a4c-4f86-b1d0-7e2a6c9f4d18";

/** ARM with per-namespace states; `register` moves a namespace to Registering, then Registered after `polls` GETs. */
function fakeArm(
  states: Record<string, string>,
  opts: { deny?: boolean; polls?: number } = {},
): ArmClient & { calls: string[] } {
  const calls: string[] = [];
  const left: Record<string, number> = {};
  return {
    calls,
    async request(method, path) {
      calls.push(`${method} ${path}`);
      const ns = path.split("/providers/")[1]!.split(/[/?]/)[0]!;
      if (method === "POST") {
        if (opts.deny) {
          return {
            status: 403,
            body: {
              error: { code: "AuthorizationFailed", message: "does not have authorization" },
            },
          };
        }
        states[ns] = "Registering";
        left[ns] = opts.polls ?? 2;
        return { status: 200, body: { namespace: ns, registrationState: "Registering" } };
      }
      if (states[ns] === "Registering" && --left[ns]! <= 0) {
        states[ns] = "Registered";
      }
      return {
        status: 200,
        body: { namespace: ns, registrationState: states[ns] ?? "NotRegistered" },
      };
    },
  };
}

const instant = { sleep: async () => {}, pollMs: 1 };

describe("ensureProvidersRegistered", () => {
  it("covers every namespace the stack and the bootstrap deploy into", () => {
    expect(REQUIRED_RESOURCE_PROVIDERS.map((p) => p.namespace)).toEqual([
      "Microsoft.ContainerService",
      "Microsoft.KeyVault",
      "Microsoft.ManagedIdentity",
      "Microsoft.Compute",
      "Microsoft.Network",
      "Microsoft.Storage",
    ]);
  });

  it("registers what is not registered, waits for Registered, leaves the rest alone", async () => {
    const arm = fakeArm({ "Microsoft.Compute": "Registered", "Microsoft.Network": "Registered" });
    const lines = await ensureProvidersRegistered(
      arm,
      SUB,
      ["Microsoft.Compute", "Microsoft.ContainerService", "Microsoft.Network"],
      instant,
    );
    expect(lines).toEqual([
      "Microsoft.Compute: already registered",
      "Microsoft.ContainerService: registered",
      "Microsoft.Network: already registered",
    ]);
    expect(arm.calls.filter((c) => c.startsWith("POST"))).toEqual([
      `POST /subscriptions/${SUB}/providers/Microsoft.ContainerService/register?api-version=2021-04-01`,
    ]);
  });

  it("a principal that may not register gets one line naming who must, and the commands", async () => {
    const arm = fakeArm({ "Microsoft.Compute": "Registered" }, { deny: true });
    await expect(
      ensureProvidersRegistered(
        arm,
        SUB,
        ["Microsoft.Compute", "Microsoft.KeyVault", "Microsoft.ContainerService"],
        instant,
      ),
    ).rejects.toThrow(
      new Error(
        `Not allowed to register Microsoft.KeyVault, Microsoft.ContainerService in subscription ${SUB}: registering needs <namespace>/register/action at the subscription (Contributor or Owner there). Ask a subscription Owner to run: az provider register --namespace Microsoft.KeyVault --wait && az provider register --namespace Microsoft.ContainerService --wait`,
      ),
    );
  });

  it("gives up after its bound, naming the namespace and how to check", async () => {
    let t = 0;
    const arm = fakeArm({}, { polls: 1_000 });
    await expect(
      ensureProvidersRegistered(arm, SUB, ["Microsoft.KeyVault"], {
        sleep: async (ms) => {
          t += ms;
        },
        now: () => t,
        pollMs: 10_000,
        timeoutMs: 60_000,
      }),
    ).rejects.toThrow(
      "Microsoft.KeyVault: still Registering after 60 s; check it with az provider show --namespace Microsoft.KeyVault --query registrationState, then run this again.",
    );
    expect(arm.calls.filter((c) => c.startsWith("GET")).length).toBe(7);
  });
});
