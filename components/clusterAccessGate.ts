/**
 * A readiness gate between a fresh AKS data-plane role assignment and the first Kubernetes resource.
 *
 * Why: with Azure RBAC for Kubernetes authorization, a new role assignment "can take up to five minutes
 * to propagate and be updated by the authorization server" (https://learn.microsoft.com/azure/aks/manage-azure-rbac,
 * "Before you begin"), and pulumi-kubernetes retries a failed create only on NotFound / NoMatch — never on
 * 403 (pulumi/pulumi-kubernetes provider/pkg/await/await.go: `retrier.Do(apierrors.IsNotFound,
 * meta.IsNoMatchError)`, 5 tries with backoff ×2 from 1 s, at 9497796 after v4.32.0). So when the same
 * `pulumi up` creates the assignment and the first Namespace, the Namespace fails with 403.
 *
 * What: during `pulumi up` (never in preview), the gate asks the API server, as the deployer, whether it may
 * `create namespaces` (a SelfSubjectAccessReview, which every authenticated user may create:
 * https://kubernetes.io/docs/reference/access-authn-authz/authorization/#checking-api-access), with the
 * same kubeconfig and kubelogin as the Kubernetes provider, and retries with a bounded exponential backoff
 * until the answer is `allowed` — or fails after `timeoutSeconds` naming the assignment to check. Not a
 * fixed sleep: it returns as soon as authorization has propagated.
 *
 * Where it is not needed: when the role was assigned ahead of time at a scope covering the cluster
 * (bootstrap/ does that for the CI deployer and the operator; `zerocred:deployer.clusterAdmin: preassigned`).
 */
import * as pulumi from "@pulumi/pulumi";

/** The answer of one authorization probe. */
export interface AccessProbeResult {
  readonly allowed: boolean;
  /** Why not (the API's reason, an HTTP status, a kubelogin error), for the final message. */
  readonly reason?: string;
}

export interface AccessPollOptions {
  /** Give up after this long. */
  readonly timeoutMs: number;
  /** First wait between probes. Defaults to 5 s. */
  readonly initialDelayMs?: number;
  /** Longest wait between probes. Defaults to 30 s. */
  readonly maxDelayMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
}

/**
 * Calls `probe` until it answers `allowed`, waiting `initialDelayMs`, then twice as long each time (at most
 * `maxDelayMs`), and never past `timeoutMs`. Returns the number of probes and the time waited; throws one
 * line with the last reason at the deadline. Self-contained (it runs inside the dynamic provider).
 */
export async function pollUntilAuthorized(
  probe: () => Promise<AccessProbeResult>,
  options: AccessPollOptions,
): Promise<{ attempts: number; waitedMs: number }> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const now = options.now ?? Date.now;
  const start = now();
  let delay = options.initialDelayMs ?? 5_000;
  const maxDelay = options.maxDelayMs ?? 30_000;
  let attempts = 0;
  for (;;) {
    attempts += 1;
    const result = await probe();
    if (result.allowed) {
      return { attempts, waitedMs: now() - start };
    }
    const left = start + options.timeoutMs - now();
    if (left <= 0) {
      throw new Error(
        `still not authorized after ${Math.round((now() - start) / 1000)} s (${attempts} checks; last: ` +
          `${result.reason ?? "denied"}). Check that the deployer holds "Azure Kubernetes Service RBAC ` +
          `Cluster Admin" on the cluster or its resource group, then run pulumi up again.`,
      );
    }
    await sleep(Math.min(delay, left));
    delay = Math.min(delay * 2, maxDelay);
  }
}

/** What a SelfSubjectAccessReview asks. */
export interface ResourceAttributes {
  readonly verb: string;
  readonly resource: string;
  readonly group?: string;
  readonly namespace?: string;
}

/**
 * One SelfSubjectAccessReview with a kubeconfig whose user is a kubelogin exec plugin: runs the exec
 * command for a token (client.authentication.k8s.io ExecCredential on stdout), then POSTs
 * `/apis/authorization.k8s.io/v1/selfsubjectaccessreviews` to the current context's server with its CA.
 * Never logs the token. Self-contained (it runs inside the dynamic provider).
 */
export async function selfSubjectAccessReview(
  kubeconfigYaml: string,
  attributes: ResourceAttributes,
): Promise<AccessProbeResult> {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const yaml = require("yaml") as typeof import("yaml");
  const childProcess = require("node:child_process") as typeof import("node:child_process");
  const https = require("node:https") as typeof import("node:https");
  /* eslint-enable @typescript-eslint/no-require-imports */
  type Named<T> = { name: string } & T;
  const doc = yaml.parse(kubeconfigYaml) as {
    "current-context"?: string;
    contexts?: Named<{ context: { cluster: string; user: string } }>[];
    clusters?: Named<{ cluster: { server: string; "certificate-authority-data"?: string } }>[];
    users?: Named<{
      user: {
        exec?: {
          command: string;
          args?: string[];
          env?: { name: string; value: string }[] | null;
          apiVersion?: string;
        };
      };
    }>[];
  };
  const context = doc.contexts?.find((c) => c.name === doc["current-context"]) ?? doc.contexts?.[0];
  const cluster = doc.clusters?.find((c) => c.name === context?.context.cluster)?.cluster;
  const exec = doc.users?.find((u) => u.name === context?.context.user)?.user.exec;
  if (cluster === undefined || exec === undefined) {
    return { allowed: false, reason: "the kubeconfig has no current cluster or exec user" };
  }
  let token: string;
  try {
    const out = childProcess.execFileSync(exec.command, exec.args ?? [], {
      env: {
        ...process.env,
        ...Object.fromEntries((exec.env ?? []).map((e) => [e.name, e.value])),
        KUBERNETES_EXEC_INFO: JSON.stringify({
          apiVersion: exec.apiVersion ?? "client.authentication.k8s.io/v1beta1",
          kind: "ExecCredential",
          spec: { interactive: false },
        }),
      },
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 120_000,
    });
    token = (JSON.parse(out.toString("utf8")) as { status: { token: string } }).status.token;
  } catch (e) {
    const stderr = (e as { stderr?: Buffer }).stderr?.toString("utf8").trim().split("\n").pop();
    return { allowed: false, reason: `${exec.command} failed: ${stderr || (e as Error).message}` };
  }
  const url = new URL("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", cluster.server);
  const body = JSON.stringify({
    apiVersion: "authorization.k8s.io/v1",
    kind: "SelfSubjectAccessReview",
    spec: { resourceAttributes: attributes },
  });
  const ca = cluster["certificate-authority-data"];
  return new Promise((resolve) => {
    const req = https.request(
      url,
      {
        method: "POST",
        headers: {
          authorization: `Bearer ${token}`,
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body),
        },
        ca: ca !== undefined ? Buffer.from(ca, "base64") : undefined,
        timeout: 30_000,
      },
      (res) => {
        let text = "";
        res.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
        res.on("end", () => {
          if (res.statusCode !== 201 && res.statusCode !== 200) {
            resolve({
              allowed: false,
              reason: `HTTP ${res.statusCode ?? "?"} from the API server`,
            });
            return;
          }
          try {
            const status = (JSON.parse(text) as { status?: { allowed?: boolean; reason?: string } })
              .status;
            resolve({ allowed: status?.allowed === true, reason: status?.reason || "not allowed" });
          } catch {
            resolve({ allowed: false, reason: "an unreadable SelfSubjectAccessReview answer" });
          }
        });
      },
    );
    req.on("error", (e) => resolve({ allowed: false, reason: e.message }));
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.end(body);
  });
}

interface GateInputs {
  readonly kubeconfig: string;
  readonly server: string;
  readonly verb: string;
  readonly resource: string;
  readonly timeoutSeconds: number;
}

const gateProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: GateInputs) {
    const { attempts, waitedMs } = await pollUntilAuthorized(
      () =>
        selfSubjectAccessReview(inputs.kubeconfig, {
          verb: inputs.verb,
          resource: inputs.resource,
        }),
      { timeoutMs: inputs.timeoutSeconds * 1000 },
    );
    return {
      id: `${inputs.server}#${inputs.verb}-${inputs.resource}`,
      outs: { server: inputs.server, attempts, waitedSeconds: Math.round(waitedMs / 1000) },
    };
  },
  async diff(_id: string, olds: { server?: string }, news: GateInputs) {
    // Only a new API server (a replaced cluster) needs a new check; a refreshed token changes nothing.
    const replaces = olds.server !== news.server ? ["server"] : [];
    return { changes: replaces.length > 0, replaces, deleteBeforeReplace: false };
  },
};

/** The dynamic resource that runs the check (its provider is serialized into the Pulumi state). */
class AccessCheck extends pulumi.dynamic.Resource {
  declare public readonly attempts: pulumi.Output<number>;
  constructor(
    name: string,
    props: Record<string, pulumi.Input<unknown>>,
    opts: pulumi.CustomResourceOptions,
  ) {
    super(gateProvider, name, props, opts);
  }
}

export interface ClusterAccessGateArgs {
  /** Required. The kubeconfig the Kubernetes provider uses (kubelogin exec user; a secret). */
  readonly kubeconfig: pulumi.Input<string>;
  /** Optional. Verb to wait for. Defaults to `create`. */
  readonly verb?: string;
  /** Optional. Resource to wait for. Defaults to `namespaces` (the first object zerocred creates). */
  readonly resource?: string;
  /** Optional. Bound on the wait, 60–1800 s. Defaults to `600` (twice the documented ~5 min). */
  readonly timeoutSeconds?: number;
}

/** The API server URL of a kubeconfig's current context (plain: it is not a secret). */
export function kubeconfigServer(kubeconfigYaml: string): string {
  /* eslint-disable-next-line @typescript-eslint/no-require-imports */
  const doc = (require("yaml") as typeof import("yaml")).parse(kubeconfigYaml) as {
    "current-context"?: string;
    contexts?: { name: string; context: { cluster: string } }[];
    clusters?: { name: string; cluster: { server: string } }[];
  };
  const context = doc.contexts?.find((c) => c.name === doc["current-context"]) ?? doc.contexts?.[0];
  const server = doc.clusters?.find((c) => c.name === context?.context.cluster)?.cluster.server;
  if (server === undefined) {
    throw new Error("kubeconfig has no server for its current context.");
  }
  return server;
}

/**
 * Waits, during `pulumi up`, until the identity running it may create namespaces in the cluster (see the
 * module comment). Make the Kubernetes provider (or the first Kubernetes resource) depend on it.
 */
export class ClusterAccessGate extends pulumi.ComponentResource {
  /** How many authorization checks the wait took (1 = authorized at once). */
  public readonly attempts: pulumi.Output<number>;

  constructor(name: string, args: ClusterAccessGateArgs, opts?: pulumi.ComponentResourceOptions) {
    super("zerocred:containerservice:ClusterAccessGate", name, {}, opts);
    const timeoutSeconds = args.timeoutSeconds ?? 600;
    if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 60 || timeoutSeconds > 1800) {
      throw new pulumi.ResourceError(
        `timeoutSeconds: ${JSON.stringify(timeoutSeconds)} must be a whole number of seconds from 60 to 1800 ` +
          `(Azure documents up to ~5 minutes of propagation).`,
        this,
      );
    }
    const gate = new AccessCheck(
      `${name}-check`,
      {
        kubeconfig: pulumi.secret(args.kubeconfig),
        server: pulumi.output(args.kubeconfig).apply(kubeconfigServer),
        verb: args.verb ?? "create",
        resource: args.resource ?? "namespaces",
        timeoutSeconds,
        attempts: undefined,
        waitedSeconds: undefined,
      },
      // A component's dependsOn does not reach its children: the check itself must wait for the grant.
      { parent: this, dependsOn: opts?.dependsOn },
    );
    this.attempts = gate.attempts;
    this.registerOutputs({ attempts: this.attempts });
  }
}
