/**
 * Runs the SAME verifiers that deploy to Azure — the VM's POSIX `sh` script and the pod's bundled
 * Node verifier — against the emulators, for every principal × secret in the verification plan.
 *
 * - VM targets: one script run per (VM, secret), like the run command, with ZC_IMDS_ENDPOINT at the
 *   VM's IMDS emulator and the vault URL at the vault emulator (trusting the emulators' CA).
 * - Pod targets: the webhook's decision decides the environment: a mutated pod gets AZURE_* and a
 *   token minted by its own cluster's issuer for its own namespace/service account; an unmutated
 *   pod gets nothing, exactly as on AKS, and the verifier reports why.
 */
import { spawn } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { podVerifierBundle } from "../components/verification/bundle";
import { parseVerifierOutput } from "../components/verification/results";
import type { VerifierResult } from "./diagnose";
import type { EmulatorWorld, Emulators } from "./emulators";
import type { VerificationTarget } from "./model";

export const VM_VERIFIER_SCRIPT = path.join(
  __dirname,
  "..",
  "components",
  "verification",
  "vm-verifier.sh",
);

/** Runs the bundled pod verifier once per target in one process. */
export const POD_BATCH_RUNNER = path.join(__dirname, "pod-batch.cjs");

function isEnv(value: Record<string, string> | VerifierOutcome): value is Record<string, string> {
  return !("target" in value && "result" in value);
}

export interface VerifierOutcome {
  readonly target: VerificationTarget;
  readonly result: VerifierResult;
}

export interface RunVerifiersOptions {
  /** Retry budget handed to each verifier (ZC_TIMEOUT_SECONDS). */
  readonly timeoutSeconds: number;
  /** The shell for the VM script. Defaults to `sh` (dash on Debian/Ubuntu). */
  readonly shell?: string;
  /**
   * How many times as fast the verifiers' clocks run (ZC_TIME_SCALE; default 1). The caller scales
   * the emulators' propagation delay alike (simulate() does).
   */
  readonly timeScale?: number;
}

interface ProcessResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(
  command: string,
  args: readonly string[],
  env: Record<string, string>,
  killAfterMs: number,
): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), killAfterMs);
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The base environment for verifier processes: PATH only, nothing of the caller's secrets. */
function baseEnv(): Record<string, string> {
  return { PATH: process.env.PATH ?? "/usr/bin:/bin", LANG: "C.UTF-8" };
}

function errorResult(target: VerificationTarget, diagnosis: string): VerifierResult {
  return {
    principal: target.principal,
    expected: target.expected,
    actual: "error",
    secret: target.secret.name,
    diagnosis,
  };
}

function toResult(
  target: VerificationTarget,
  line: ReturnType<typeof parseVerifierOutput>["results"][number] | undefined,
  fallback: string,
): VerifierResult {
  if (!line) {
    return errorResult(target, fallback);
  }
  return {
    principal: target.principal,
    clientId: line.clientId ?? undefined,
    tokenClaims: line.tokenClaims
      ? {
          aud: line.tokenClaims.aud ?? undefined,
          iss: line.tokenClaims.iss ?? undefined,
          oid: line.tokenClaims.oid ?? undefined,
          tid: line.tokenClaims.tid ?? undefined,
          exp: line.tokenClaims.exp ?? undefined,
        }
      : undefined,
    secret: line.secret,
    expected: target.expected,
    actual: line.actual,
    status: String(line.status),
    attempts: line.attempts,
    elapsedMs: line.elapsedMs,
    diagnosis: line.diagnosis,
  };
}

/** SHA-256 of the value the vault emulator serves for the target's secret. */
function fingerprintOf(world: EmulatorWorld, target: VerificationTarget): string | undefined {
  const vault = world.vaults.find((v) => v.name === target.vault.name);
  const value = vault?.secrets.find((s) => s.name === target.secret.name)?.value;
  return value === undefined
    ? undefined
    : crypto.createHash("sha256").update(value, "utf8").digest("hex");
}

/** Runs every verifier of the plan against the emulators; never prints a token or a secret. */
export async function runVerifiers(
  world: EmulatorWorld,
  targets: readonly VerificationTarget[],
  emulators: Emulators,
  options: RunVerifiersOptions,
): Promise<VerifierOutcome[]> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "zerocred-verify-"));
  const timeScale = options.timeScale ?? 1;
  const killAfterMs = (options.timeoutSeconds / timeScale + 20) * 1000;
  const clockEnv: Record<string, string> =
    timeScale === 1 ? {} : { ZC_TIME_SCALE: String(timeScale) };
  try {
    const bundleFile = path.join(work, "verifier.js");
    if (targets.some((t) => t.via === "workload")) {
      fs.writeFileSync(bundleFile, podVerifierBundle(), { mode: 0o600 });
    }

    // VM targets: grouped per (VM, vault, secret), one script run each, like the run command.
    const vmGroups = new Map<string, VerificationTarget[]>();
    for (const t of targets) {
      if (t.via === "vm" && t.vm) {
        const key = `${t.vm.name}|${t.vault.name}|${t.secret.name}`;
        vmGroups.set(key, [...(vmGroups.get(key) ?? []), t]);
      }
    }
    const vmRuns = [...vmGroups.values()].map(async (group): Promise<VerifierOutcome[]> => {
      const first = group[0]!;
      const expectedSha = fingerprintOf(world, first);
      if (expectedSha === undefined) {
        return group.map((t) => ({
          target: t,
          result: errorResult(
            t,
            `the value of ${t.vault.name}/${t.secret.name} is not known to the simulation`,
          ),
        }));
      }
      const labels = group.map((_, i) => `p${i}`);
      const env = {
        ...baseEnv(),
        ZC_VAULT_URL: emulators.vaultUrl(first.vault.name),
        ZC_SECRET_NAME: first.secret.name,
        ZC_EXPECTED_SHA256: expectedSha,
        ZC_PRINCIPALS: group
          .map((t, i) => `${labels[i]}|${t.vm!.clientId}|${t.verifierExpected ?? t.expected}`)
          .join(";"),
        ZC_TIMEOUT_SECONDS: String(options.timeoutSeconds),
        ...clockEnv,
        ZC_IMDS_ENDPOINT: emulators.imdsEndpoint(first.vm!.name),
        ZC_CA_FILE: emulators.caFile,
      };
      const res = await run(options.shell ?? "sh", [VM_VERIFIER_SCRIPT], env, killAfterMs);
      const parsed = parseVerifierOutput(res.stdout);
      return group.map((t, i) => ({
        target: t,
        result: toResult(
          t,
          parsed.results.find((r) => r.principal === labels[i]),
          `the VM verifier printed no result (exit ${res.code}): ${res.stderr.trim().slice(-300)}`,
        ),
      }));
    });

    // Pod targets: the environment each pod would get, then one batch process that runs the
    // bundled verifier once per target (sim/pod-batch.cjs). One Node start-up instead of one per
    // pod: 100 workloads verify in a few seconds.
    const podTargets = targets.filter((t) => t.via === "workload" && t.pod);
    const podEnvs = await Promise.all(
      podTargets.map(async (t, index): Promise<Record<string, string> | VerifierOutcome> => {
        const expectedSha = fingerprintOf(world, t);
        if (expectedSha === undefined) {
          return {
            target: t,
            result: errorResult(
              t,
              `the value of ${t.vault.name}/${t.secret.name} is not known to the simulation`,
            ),
          };
        }
        const pod = t.pod!;
        if (pod.notCreated !== undefined) {
          return {
            target: t,
            result: errorResult(t, `the pod is never created: ${pod.notCreated}`),
          };
        }
        const env: Record<string, string> = {
          ZC_PRINCIPAL: `p${index}`,
          // Exactly what the deployed verifier gets, when one checks this pod.
          ZC_EXPECTED: t.verifierExpected ?? t.expected,
          ZC_VAULT_URL: emulators.vaultUrl(t.vault.name),
          ZC_SECRET_NAME: t.secret.name,
          ZC_EXPECTED_SHA256: expectedSha,
          ZC_TIMEOUT_SECONDS: String(options.timeoutSeconds),
          ...clockEnv,
        };
        const injected = pod.webhook.injected ? pod.webhook.env : undefined;
        if (injected && pod.cluster) {
          // The projected token kubelet would write: from the pod's own cluster, for its own SA.
          let token: string;
          try {
            token = await emulators.mintServiceAccountToken(
              pod.cluster,
              pod.namespace,
              pod.serviceAccount,
            );
          } catch {
            return {
              target: t,
              result: errorResult(
                t,
                `cluster ${pod.cluster} publishes no OIDC issuer, so Entra ID cannot validate the pod's ` +
                  `service-account token: enable oidcIssuerProfile and securityProfile.workloadIdentity`,
              ),
            };
          }
          const tokenFile = path.join(work, `token-${index}`);
          fs.writeFileSync(tokenFile, token, { mode: 0o600 });
          Object.assign(env, {
            AZURE_CLIENT_ID: injected.AZURE_CLIENT_ID,
            AZURE_TENANT_ID: injected.AZURE_TENANT_ID,
            AZURE_FEDERATED_TOKEN_FILE: tokenFile,
            // The webhook injects https://login.microsoftonline.com/; the simulation points the
            // same variable at the Entra emulator.
            AZURE_AUTHORITY_HOST: emulators.authorityHost,
          });
        }
        return env;
      }),
    );
    const podRuns = (async (): Promise<VerifierOutcome[]> => {
      const runnable = podEnvs
        .map((env, i) => ({ env, target: podTargets[i]! }))
        .filter((x): x is { env: Record<string, string>; target: VerificationTarget } =>
          isEnv(x.env),
        );
      const settled = podEnvs.filter((e): e is VerifierOutcome => !isEnv(e));
      if (runnable.length === 0) {
        return settled;
      }
      const targetsFile = path.join(work, "pod-targets.json");
      fs.writeFileSync(targetsFile, JSON.stringify(runnable.map((r) => r.env)), { mode: 0o600 });
      const res = await run(
        process.execPath,
        [POD_BATCH_RUNNER, bundleFile, targetsFile],
        { ...baseEnv(), NODE_EXTRA_CA_CERTS: emulators.caFile },
        killAfterMs,
      );
      let batch: { index: number; code: number; lines: string[]; error?: string }[] = [];
      try {
        batch = JSON.parse(res.stdout) as typeof batch;
      } catch {
        batch = [];
      }
      return [
        ...settled,
        ...runnable.map(({ target }, i) => {
          const entry = batch.find((b) => b.index === i);
          const parsed = parseVerifierOutput(entry?.lines.join("\n"));
          return {
            target,
            result: toResult(
              target,
              parsed.results[0],
              `the pod verifier printed no result (exit ${entry?.code ?? res.code}): ${
                entry?.error ?? res.stderr.trim().slice(-300)
              }`,
            ),
          };
        }),
      ];
    })();

    const [vmOutcomes, podOutcomes] = await Promise.all([Promise.all(vmRuns), podRuns]);
    const outcomes = [...vmOutcomes.flat(), ...podOutcomes];
    // Keep the plan's order.
    return targets
      .map((t) => outcomes.find((o) => o.target === t))
      .filter((o): o is VerifierOutcome => o !== undefined);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
