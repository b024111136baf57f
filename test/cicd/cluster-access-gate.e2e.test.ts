/**
 * Issue 10 item 3, the stack-made assignment: the readiness gate polls authorization (a real
 * SelfSubjectAccessReview through a real kubelogin-style exec plugin over TLS) with a bounded backoff,
 * instead of letting the first Namespace fail with 403 while the assignment propagates.
 */
import * as fs from "node:fs";
import * as https from "node:https";
import * as os from "node:os";
import * as path from "node:path";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import {
  kubeconfigServer,
  pollUntilAuthorized,
  selfSubjectAccessReview,
  type AccessProbeResult,
} from "../../components/clusterAccessGate";
import { generateTlsMaterial } from "../../sim/emulators/tls";
import { named, registered, unwrap, useCloud } from "../harness";

describe("pollUntilAuthorized (bounded exponential backoff, no fixed sleep)", () => {
  function clock() {
    let t = 0;
    const sleeps: number[] = [];
    return {
      sleeps,
      now: () => t,
      sleep: async (ms: number) => {
        sleeps.push(ms);
        t += ms;
      },
    };
  }

  it("returns at the first allowed answer, doubling the wait up to 30 s", async () => {
    const c = clock();
    const answers = [false, false, false, false, false, true];
    const out = await pollUntilAuthorized(async () => ({ allowed: answers.shift()! }), {
      timeoutMs: 600_000,
      ...c,
    });
    expect(out).toEqual({ attempts: 6, waitedMs: 5_000 + 10_000 + 20_000 + 30_000 + 30_000 });
    expect(c.sleeps).toEqual([5_000, 10_000, 20_000, 30_000, 30_000]);
  });

  it("authorized at once: one check, no wait", async () => {
    const c = clock();
    expect(
      await pollUntilAuthorized(async () => ({ allowed: true }), { timeoutMs: 1, ...c }),
    ).toEqual({ attempts: 1, waitedMs: 0 });
    expect(c.sleeps).toEqual([]);
  });

  it("gives up at the bound (never sleeping past it) with the last reason and the fix", async () => {
    const c = clock();
    const denied: AccessProbeResult = {
      allowed: false,
      reason: 'User "x" cannot create namespaces',
    };
    await expect(
      pollUntilAuthorized(async () => denied, { timeoutMs: 60_000, ...c }),
    ).rejects.toThrow(
      new Error(
        'still not authorized after 60 s (5 checks; last: User "x" cannot create namespaces). Check that the deployer holds "Azure Kubernetes Service RBAC Cluster Admin" on the cluster or its resource group, then run pulumi up again.',
      ),
    );
    expect(c.sleeps).toEqual([5_000, 10_000, 20_000, 25_000]);
  });
});

describe("selfSubjectAccessReview against a TLS API server with an exec credential plugin", () => {
  let server: https.Server;
  let kubeconfig: string;
  const requests: { auth?: string; body: unknown; path?: string }[] = [];
  const answers: boolean[] = [];

  beforeAll(async () => {
    const tls = await generateTlsMaterial();
    server = https.createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
      let text = "";
      req.on("data", (c: Buffer) => (text += c.toString("utf8")));
      req.on("end", () => {
        requests.push({ auth: req.headers.authorization, body: JSON.parse(text), path: req.url });
        const allowed = answers.shift() ?? false;
        res.writeHead(201, { "content-type": "application/json" });
        res.end(
          JSON.stringify({
            kind: "SelfSubjectAccessReview",
            status: allowed ? { allowed: true } : { allowed: false, reason: "propagating" },
          }),
        );
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    // A stand-in for kubelogin: prints an ExecCredential, as `kubelogin get-token` does.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zc-gate-"));
    const plugin = path.join(dir, "fake-kubelogin.js");
    fs.writeFileSync(
      plugin,
      'process.stdout.write(JSON.stringify({kind:"ExecCredential",apiVersion:"client.authentication.k8s.io/v1beta1",status:{token:"tkn-" + process.argv[2] + "-" + process.env.FAKE_SUFFIX}}));',
    );
    kubeconfig = stringify({
      apiVersion: "v1",
      kind: "Config",
      "current-context": "c",
      clusters: [
        {
          name: "k",
          cluster: {
            server: `https://127.0.0.1:${port}`,
            "certificate-authority-data": Buffer.from(tls.caPem).toString("base64"),
          },
        },
      ],
      contexts: [{ name: "c", context: { cluster: "k", user: "u" } }],
      users: [
        {
          name: "u",
          user: {
            exec: {
              apiVersion: "client.authentication.k8s.io/v1beta1",
              command: process.execPath,
              args: [plugin, "get-token"],
              env: [{ name: "FAKE_SUFFIX", value: "x" }],
            },
          },
        },
      ],
    });
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it("asks as the exec plugin's identity, trusting the kubeconfig's CA, and reads status.allowed", async () => {
    answers.push(false, true);
    expect(
      await selfSubjectAccessReview(kubeconfig, { verb: "create", resource: "namespaces" }),
    ).toEqual({ allowed: false, reason: "propagating" });
    expect(
      await selfSubjectAccessReview(kubeconfig, { verb: "create", resource: "namespaces" }),
    ).toEqual({ allowed: true, reason: "not allowed" });
    expect(requests[0]).toEqual({
      auth: "Bearer tkn-get-token-x",
      path: "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
      body: {
        apiVersion: "authorization.k8s.io/v1",
        kind: "SelfSubjectAccessReview",
        spec: { resourceAttributes: { verb: "create", resource: "namespaces" } },
      },
    });
    expect(kubeconfigServer(kubeconfig)).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  });

  it("a failing credential plugin is a retryable 'not yet', with its last stderr line", async () => {
    const broken = kubeconfig.replace(
      /args:\n(\s+)- .*fake-kubelogin\.js/,
      "args:\n$1- -e\n$1- process.exit(3)",
    );
    const result = await selfSubjectAccessReview(broken, {
      verb: "create",
      resource: "namespaces",
    });
    expect(result.allowed).toBe(false);
    expect(result.reason).toMatch(/failed: /);
  });
});

describe("AksCluster wires the gate only where no one granted the role ahead of time", () => {
  it("awaitDeployerAccess: the provider depends on the gate, which depends on the assignment", async () => {
    const cloud = await useCloud();
    const { AksCluster } = await import("../../components/aksCluster");
    const SUB = "3b9d2e71-5a4c-4f86-b1d0-7e2a6c9f4d18";
    const aks = new AksCluster("gated", {
      resourceGroupName: "zc-prod-rg",
      subnetId: `/subscriptions/${SUB}/resourceGroups/zc-prod-rg/providers/Microsoft.Network/virtualNetworks/v/subnets/aks`,
      tenantId: "8c3f1a52-7d4e-4b0a-9f6e-2d1c5b7a9e30",
      deployerObjectId: "2c4e6a8b-0d1f-4a3c-8e5b-7d9f1a3c5e7b",
      deployerPrincipalType: "User",
      awaitDeployerAccess: true,
    });
    await unwrap(aks.provider.urn);
    const rs = await registered(cloud);
    const gate = named(rs, "gated-deployer-access");
    expect(gate.type).toBe("zerocred:containerservice:ClusterAccessGate");
    const check = named(rs, "gated-deployer-access-check");
    expect(check.type).toBe("pulumi-nodejs:dynamic:Resource");
    expect(check.inputs).toMatchObject({
      verb: "create",
      resource: "namespaces",
      timeoutSeconds: 600,
    });
    expect(check.secretInputPaths).toContain("kubeconfig");
    expect(named(rs, "gated-k8s").dependencies).toContain(check.urn);
    expect(check.dependencies).toContain(named(rs, "gated-deployer-admin-assignment").urn);
  });
});
