/**
 * `zerocred:verification:PodVerification` — one per workload: a ConfigMap carrying the bundled pod
 * verifier and a Job that runs it under the workload's service account. Pulumi awaits the Job's
 * completion, so a failed proof fails the deployment.
 */
import * as crypto from "node:crypto";
import * as batchv1 from "@pulumi/kubernetes/batch/v1";
import * as corev1 from "@pulumi/kubernetes/core/v1";
import * as pulumi from "@pulumi/pulumi";
import { checkRequiredArgs } from "../args";
import { POD_VERIFIER_FILE_NAME, podVerifierBundle } from "./bundle";
import {
  DEFAULT_VERIFICATION_TIMEOUT_SECONDS,
  PRINCIPAL_NAME,
  pulumiTimeout,
  validateTimeoutSeconds,
  type VerificationCheck,
} from "./vmVerification";

/**
 * The verifier image: Azure Linux distroless Node.js 24 (nonroot), pinned by tag and digest. From
 * MCR (no Docker Hub rate limits; MCR is on AKS's required egress list), no shell, no package
 * manager. The bundle targets Node 20 and uses built-ins only, so any Node >= 20 image works.
 */
export const DEFAULT_VERIFIER_IMAGE =
  "mcr.microsoft.com/azurelinux/distroless/nodejs:24.14-nonroot@sha256:2b7bc798de75eed10379e13fa1f828329fb097ff900aad79200add7653c11d37";
/** UID/GID of the distroless `nonroot` user. */
export const VERIFIER_UID = 65532;
export const DEFAULT_BACKOFF_LIMIT = 2;
/** Seconds the Job may run beyond one pod's retry budget (scheduling, image pull, a retry). */
export const JOB_DEADLINE_MARGIN_SECONDS = 300;
/** Seconds Pulumi waits beyond the Job's active deadline. */
export const JOB_PULUMI_MARGIN_SECONDS = 300;
export const VERIFIER_MOUNT_PATH = "/opt/zerocred";
export const WORKLOAD_IDENTITY_USE_LABEL = "azure.workload.identity/use";
export const CONTENT_HASH_ANNOTATION = "zerocred.dev/content-sha256";
/**
 * Job annotation that makes the next `pulumi up` replace a Job that failed (was not ready) instead of
 * awaiting the same failed Job again: "By default, if a resource failed to become ready in a previous
 * update, Pulumi will continue to wait for readiness on the next update. If you would prefer to schedule
 * a replacement for an unready resource on the next update, you can add the
 * "pulumi.com/replaceUnready": "true" annotation" (@pulumi/kubernetes 4.34.2, batch/v1/job.d.ts;
 * added in pulumi/pulumi-kubernetes PR #1575). Without it, re-running a failed verification does nothing.
 */
export const REPLACE_UNREADY_ANNOTATION = "pulumi.com/replaceUnready";

/** The workload to verify as: a `WorkloadIdentity` (or anything with its namespace and service account). */
export interface VerificationWorkload {
  readonly namespace: pulumi.Input<string>;
  readonly serviceAccountName: pulumi.Input<string>;
}

export interface PodVerificationArgs {
  /**
   * Optional (or `namespace` + `serviceAccountName`). The workload to run as, e.g. a `WorkloadIdentity`;
   * the Job then also waits for it (its service account and federated credential).
   */
  readonly workload?: VerificationWorkload;
  /** Optional (required without `workload`). Namespace of the workload (and of the ConfigMap and Job). */
  readonly namespace?: pulumi.Input<string>;
  /** Optional (required without `workload`). The workload's service account (annotated `azure.workload.identity/client-id`). */
  readonly serviceAccountName?: pulumi.Input<string>;
  /** Required. Label of the principal in the result (letters, digits, `.`, `_`, `-`). */
  readonly principal: string;
  /**
   * Optional. The (vault, secret, expected) checks to run, in order, under one identity and one retry
   * budget (`KeyVault.check()` builds them). Defaults to one check of `vaultUrl` / `secretName` /
   * `expectedSha256` / `expected`.
   */
  readonly checks?: readonly VerificationCheck[];
  /** Optional (required without `checks`). Whether the workload must read the secret (`allow`) or be refused (`deny`). */
  readonly expected?: "allow" | "deny";
  /** Optional (required without `checks`). Vault URI, e.g. `https://x.vault.azure.net/`. */
  readonly vaultUrl?: pulumi.Input<string>;
  /** Optional (required without `checks`). Name of the secret. */
  readonly secretName?: pulumi.Input<string>;
  /** Optional (required without `checks`). Lowercase hex SHA-256 of the secret's value (a hash, not a secret). */
  readonly expectedSha256?: pulumi.Input<string>;
  /** Optional. Retry budget of the verifier, in seconds (30–3600). Defaults to `600`. */
  readonly timeoutSeconds?: number;
  /** Optional. Container image, pinned by digest or exact tag. Defaults to `DEFAULT_VERIFIER_IMAGE`. */
  readonly image?: string;
  /** Optional. Pod retries of the Job (0–6). Defaults to `2`. */
  readonly backoffLimit?: number;
  /** Optional. Resources to wait for (federated credential, role assignments, service account). Defaults to `[]`. */
  readonly dependsOn?: readonly pulumi.Resource[];
}

const isMissing = (v: unknown) => v === undefined || v === null || v === "";

/** Validates the plain parts of the args; throws an Error naming the setting, value and fix. */
export function validatePodVerificationArgs(args: PodVerificationArgs): void {
  if (typeof args.principal !== "string" || !PRINCIPAL_NAME.test(args.principal)) {
    throw new Error(
      `principal '${String(args.principal)}' is invalid: use 1-64 letters, digits, '.', '_' or '-'.`,
    );
  }
  if (args.workload === undefined) {
    for (const key of ["namespace", "serviceAccountName"] as const) {
      if (isMissing(args[key])) {
        throw new Error(
          `${key} is missing: pass workload (a WorkloadIdentity), or namespace and serviceAccountName.`,
        );
      }
    }
  }
  if (args.checks !== undefined) {
    if (!Array.isArray(args.checks) || args.checks.length === 0) {
      throw new Error(
        "checks is empty: list at least one (vault, secret, expected) check, or omit checks.",
      );
    }
    args.checks.forEach((c, i) => {
      for (const key of ["vaultUrl", "secretName", "expectedSha256"] as const) {
        if (isMissing(c[key])) {
          throw new Error(
            `checks[${i}].${key} is missing: build checks with KeyVault.check(secretName, expected).`,
          );
        }
      }
      if (c.expected !== "allow" && c.expected !== "deny") {
        throw new Error(`checks[${i}].expected is '${String(c.expected)}': use 'allow' or 'deny'.`);
      }
    });
  } else {
    if (args.expected !== "allow" && args.expected !== "deny") {
      throw new Error(
        `expected is '${String(args.expected)}': use 'allow' or 'deny' (or pass checks).`,
      );
    }
    for (const key of ["vaultUrl", "secretName", "expectedSha256"] as const) {
      if (isMissing(args[key])) {
        throw new Error(`${key} is missing: pass it, or pass checks.`);
      }
    }
  }
  validateTimeoutSeconds(args.timeoutSeconds);
  const backoffLimit = args.backoffLimit ?? DEFAULT_BACKOFF_LIMIT;
  if (!Number.isInteger(backoffLimit) || backoffLimit < 0 || backoffLimit > 6) {
    throw new Error(`backoffLimit is ${backoffLimit}: use a whole number from 0 to 6.`);
  }
  if (args.image !== undefined) {
    const image = args.image;
    const lastSegment = image.split("/").pop() ?? "";
    const pinnedByDigest = /@sha256:[0-9a-f]{64}$/.test(image);
    const tag = lastSegment.includes(":") ? lastSegment.split(":").pop() : undefined;
    if (!pinnedByDigest && (tag === undefined || tag === "latest" || tag === "")) {
      throw new Error(
        `image '${image}' is not pinned: use an exact tag (not 'latest') or a digest (@sha256:…).`,
      );
    }
  }
}

/** SHA-256 over the verifier bundle, the image and the container env: changes iff one changes. */
export function podContentHash(
  bundle: string,
  image: string,
  env: readonly { name: string; value: string }[],
): string {
  return crypto
    .createHash("sha256")
    .update(bundle, "utf8")
    .update(`\n--zerocred-image--\n${image}\n--zerocred-env--\n`, "utf8")
    .update(JSON.stringify(env.map((e) => [e.name, e.value])), "utf8")
    .digest("hex");
}

export class PodVerification extends pulumi.ComponentResource {
  /** The Job's (auto-generated) name: `kubectl logs job/<jobName> -n <namespace>`. */
  public readonly jobName: pulumi.Output<string>;
  /** The ConfigMap's (auto-generated) name. */
  public readonly configMapName: pulumi.Output<string>;
  /** SHA-256 of the bundle, image and env (the pod-template annotation). */
  public readonly contentSha256: pulumi.Output<string>;

  constructor(name: string, args: PodVerificationArgs, opts?: pulumi.ComponentResourceOptions) {
    // The args object itself (its fields are checked by validatePodVerificationArgs, which names each fix).
    checkRequiredArgs("PodVerification", name, args, []);
    super("zerocred:verification:PodVerification", name, {}, opts);
    try {
      validatePodVerificationArgs(args);
    } catch (e) {
      throw new pulumi.ResourceError((e as Error).message, this, true);
    }
    const timeoutSeconds = args.timeoutSeconds ?? DEFAULT_VERIFICATION_TIMEOUT_SECONDS;
    const backoffLimit = args.backoffLimit ?? DEFAULT_BACKOFF_LIMIT;
    const image = args.image ?? DEFAULT_VERIFIER_IMAGE;
    const activeDeadlineSeconds = timeoutSeconds + JOB_DEADLINE_MARGIN_SECONDS;
    const pulumiSeconds = activeDeadlineSeconds + JOB_PULUMI_MARGIN_SECONDS;
    const bundle = podVerifierBundle();
    const labels = {
      "app.kubernetes.io/name": "zerocred-verifier",
      "app.kubernetes.io/component": "verification",
      "app.kubernetes.io/managed-by": "pulumi",
    };

    // The single-secret form keeps its four variables (what the simulation and older Jobs read);
    // a list of checks travels as ZC_CHECKS (JSON).
    const namespace = args.workload?.namespace ?? args.namespace!;
    const serviceAccountName = args.workload?.serviceAccountName ?? args.serviceAccountName!;
    const env =
      args.checks === undefined
        ? pulumi
            .all([args.vaultUrl!, args.secretName!, args.expectedSha256!])
            .apply(([vaultUrl, secretName, expectedSha256]) => [
              { name: "ZC_PRINCIPAL", value: args.principal },
              { name: "ZC_EXPECTED", value: args.expected! },
              { name: "ZC_VAULT_URL", value: vaultUrl },
              { name: "ZC_SECRET_NAME", value: secretName },
              { name: "ZC_EXPECTED_SHA256", value: expectedSha256 },
              { name: "ZC_TIMEOUT_SECONDS", value: String(timeoutSeconds) },
            ])
        : pulumi
            .all(
              args.checks.map((c) =>
                pulumi
                  .all([c.vaultUrl, c.secretName, c.expectedSha256])
                  .apply(([vaultUrl, secretName, expectedSha256]) => ({
                    vaultUrl,
                    secretName,
                    expectedSha256,
                    expected: c.expected,
                  })),
              ),
            )
            .apply((checks) => [
              { name: "ZC_PRINCIPAL", value: args.principal },
              { name: "ZC_CHECKS", value: JSON.stringify(checks) },
              { name: "ZC_TIMEOUT_SECONDS", value: String(timeoutSeconds) },
            ]);
    this.contentSha256 = pulumi.unsecret(env.apply((e) => podContentHash(bundle, image, e)));

    const configMap = new corev1.ConfigMap(
      `${name}-verifier`,
      {
        metadata: { namespace, labels },
        immutable: true,
        data: { [POD_VERIFIER_FILE_NAME]: bundle },
      },
      { parent: this },
    );

    const job = new batchv1.Job(
      `${name}-job`,
      {
        metadata: {
          namespace,
          labels,
          annotations: { [REPLACE_UNREADY_ANNOTATION]: "true" },
        },
        spec: {
          backoffLimit,
          activeDeadlineSeconds,
          template: {
            metadata: {
              labels: { ...labels, [WORKLOAD_IDENTITY_USE_LABEL]: "true" },
              annotations: { [CONTENT_HASH_ANNOTATION]: this.contentSha256 },
            },
            spec: {
              serviceAccountName,
              restartPolicy: "Never",
              securityContext: {
                runAsNonRoot: true,
                runAsUser: VERIFIER_UID,
                runAsGroup: VERIFIER_UID,
                seccompProfile: { type: "RuntimeDefault" },
              },
              containers: [
                {
                  name: "verifier",
                  image,
                  command: ["node", `${VERIFIER_MOUNT_PATH}/${POD_VERIFIER_FILE_NAME}`],
                  env,
                  securityContext: {
                    allowPrivilegeEscalation: false,
                    readOnlyRootFilesystem: true,
                    runAsNonRoot: true,
                    capabilities: { drop: ["ALL"] },
                  },
                  resources: {
                    requests: { cpu: "50m", memory: "64Mi" },
                    limits: { cpu: "500m", memory: "128Mi" },
                  },
                  volumeMounts: [
                    { name: "verifier", mountPath: VERIFIER_MOUNT_PATH, readOnly: true },
                  ],
                },
              ],
              volumes: [{ name: "verifier", configMap: { name: configMap.metadata.name } }],
            },
          },
        },
      },
      {
        parent: this,
        dependsOn: [
          configMap,
          ...(args.workload instanceof pulumi.Resource ? [args.workload] : []),
          ...(args.dependsOn ?? []),
        ],
        customTimeouts: {
          create: pulumiTimeout(pulumiSeconds),
          update: pulumiTimeout(pulumiSeconds),
        },
      },
    );

    this.jobName = job.metadata.name;
    this.configMapName = configMap.metadata.name;
    this.registerOutputs({
      jobName: this.jobName,
      configMapName: this.configMapName,
      contentSha256: this.contentSha256,
    });
  }
}
