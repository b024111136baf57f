/**
 * `zerocred:verification:VmVerification` — runs `vm-verifier.sh` on the VM through a managed run
 * command (synchronously; a failed proof fails the deployment) and reads its result back.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as compute from "@pulumi/azure-native/compute";
import * as pulumi from "@pulumi/pulumi";
import { checkRequiredArgs } from "../args";
import { parseVerifierOutput, type ExpectedCheck, type VerifierResultLine } from "./results";

/** Absolute path of the VM verifier script. */
export const VM_VERIFIER_SCRIPT_PATH: string = path.join(__dirname, "vm-verifier.sh");

/** The VM verifier script, exactly as it is sent to the VM. */
export function vmVerifierScript(): string {
  return fs.readFileSync(VM_VERIFIER_SCRIPT_PATH, "utf8");
}

/** Seconds the run command may take beyond the script's own retry budget (requests in flight). */
export const RUN_COMMAND_MARGIN_SECONDS = 120;
/** Seconds Pulumi waits beyond the run command's own timeout. */
export const PULUMI_TIMEOUT_MARGIN_SECONDS = 300;
export const DEFAULT_VERIFICATION_TIMEOUT_SECONDS = 600;
export const MIN_VERIFICATION_TIMEOUT_SECONDS = 30;
export const MAX_VERIFICATION_TIMEOUT_SECONDS = 3600;

/**
 * One (vault, secret, expected) check. `KeyVault.check(secretName, expected)` builds one for a vault and
 * a secret it owns; spell it out for a vault made elsewhere.
 */
export interface VerificationCheck {
  /** Required. Vault URI, e.g. `https://x.vault.azure.net/`. */
  readonly vaultUrl: pulumi.Input<string>;
  /** Required. Name of the secret to read. */
  readonly secretName: pulumi.Input<string>;
  /** Required. Lowercase hex SHA-256 of the secret's value (a hash, not a secret). */
  readonly expectedSha256: pulumi.Input<string>;
  /** Required. Whether the principal must read the secret (`allow`) or be refused (`deny`). */
  readonly expected: "allow" | "deny";
}

export interface VmVerificationPrincipal {
  /** Required. Label in the result (`vm`, a UAI's name…): letters, digits, `.`, `_`, `-`. */
  readonly name: string;
  /** Optional. Client ID of a user-assigned identity. Defaults to the VM's system-assigned identity. */
  readonly clientId?: pulumi.Input<string>;
  /**
   * Optional. The checks this principal must pass. Defaults to one check of the args' `vaultUrl` /
   * `secretName` / `expectedSha256` with this principal's `expected`.
   */
  readonly checks?: readonly VerificationCheck[];
  /** Optional (required without `checks`). Expected access to the args' single secret. */
  readonly expected?: "allow" | "deny";
}

/** The VM to run on: a `LinuxVirtualMachine` (or anything with its name, resource group and region). */
export interface VerificationVm {
  readonly name: pulumi.Input<string>;
  readonly resourceGroupName: pulumi.Input<string>;
  readonly location: pulumi.Input<string>;
}

/**
 * Most checks one VmVerification runs: the compact result block (≤ 40 bytes a check without its
 * diagnosis) must fit the run command handler's 4096-byte output tail with its header and summary.
 */
export const MAX_VM_CHECKS = 90;

export interface VmVerificationArgs {
  /**
   * Optional (or `resourceGroupName` + `vmName` + `location`). The VM to verify on, e.g. a
   * `LinuxVirtualMachine`; the run command then also waits for it.
   */
  readonly vm?: VerificationVm;
  /** Optional (required without `vm`). Resource group of the VM. */
  readonly resourceGroupName?: pulumi.Input<string>;
  /** Optional (required without `vm`). Name of the VM to run the verifier on. */
  readonly vmName?: pulumi.Input<string>;
  /** Optional (required without `vm`). Azure region of the VM (the run command is a tracked child resource). */
  readonly location?: pulumi.Input<string>;
  /** Optional. Vault URI of the single secret principals without `checks` are tested against. */
  readonly vaultUrl?: pulumi.Input<string>;
  /** Optional. Name of that single secret. */
  readonly secretName?: pulumi.Input<string>;
  /** Optional. Lowercase hex SHA-256 of that secret's value (a hash, not a secret). */
  readonly expectedSha256?: pulumi.Input<string>;
  /** Required. The identities to test, at least one, names unique; at most 90 checks in all. */
  readonly principals: readonly VmVerificationPrincipal[];
  /** Optional. Retry budget of the script, in seconds (30–3600). Defaults to `600`. */
  readonly timeoutSeconds?: number;
  /** Optional. Resources to wait for (role assignments, federated credentials). Defaults to `[]`. */
  readonly dependsOn?: readonly pulumi.Resource[];
}

/** A principal's label in the results (the expected-access row's name): 1–64 of `A-Za-z0-9._-`. */
export const PRINCIPAL_NAME: RegExp = /^[A-Za-z0-9._-]{1,64}$/;

/** Both verifiers' retry budget: a whole number of seconds within the supported range. */
export function validateTimeoutSeconds(
  timeoutSeconds: number = DEFAULT_VERIFICATION_TIMEOUT_SECONDS,
): void {
  if (
    !Number.isInteger(timeoutSeconds) ||
    timeoutSeconds < MIN_VERIFICATION_TIMEOUT_SECONDS ||
    timeoutSeconds > MAX_VERIFICATION_TIMEOUT_SECONDS
  ) {
    throw new Error(
      `timeoutSeconds is ${timeoutSeconds}: use a whole number of seconds from ${MIN_VERIFICATION_TIMEOUT_SECONDS} to ${MAX_VERIFICATION_TIMEOUT_SECONDS}.`,
    );
  }
}
const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

function missing(value: unknown): boolean {
  return value === undefined || value === null || value === "";
}

/** Validates the plain parts of the args; throws an Error naming the setting, value and fix. */
export function validateVmVerificationArgs(args: VmVerificationArgs): void {
  validateTimeoutSeconds(args.timeoutSeconds);
  if (args.vm === undefined) {
    for (const key of ["resourceGroupName", "vmName", "location"] as const) {
      if (missing(args[key])) {
        throw new Error(
          `${key} is missing: pass vm (a LinuxVirtualMachine), or resourceGroupName, vmName and location of the VM.`,
        );
      }
    }
  }
  if (!Array.isArray(args.principals) || args.principals.length === 0) {
    throw new Error("principals is empty: list at least one identity to verify.");
  }
  let checks = 0;
  const seen = new Set<string>();
  for (const p of args.principals) {
    if (!PRINCIPAL_NAME.test(p.name)) {
      throw new Error(
        `principals[].name '${p.name}' is invalid: use 1-64 letters, digits, '.', '_' or '-'.`,
      );
    }
    if (seen.has(p.name)) {
      throw new Error(
        `principals[].name '${p.name}' is duplicated: give each principal a unique name.`,
      );
    }
    seen.add(p.name);
    if (p.checks !== undefined) {
      if (!Array.isArray(p.checks) || p.checks.length === 0) {
        throw new Error(
          `principals['${p.name}'].checks is empty: list at least one (vault, secret, expected) check, or omit checks.`,
        );
      }
      const list: readonly VerificationCheck[] = p.checks;
      list.forEach((c, i) => {
        for (const key of ["vaultUrl", "secretName", "expectedSha256"] as const) {
          if (missing(c[key])) {
            throw new Error(
              `principals['${p.name}'].checks[${i}].${key} is missing: build checks with KeyVault.check(secretName, expected).`,
            );
          }
        }
        if (c.expected !== "allow" && c.expected !== "deny") {
          throw new Error(
            `principals['${p.name}'].checks[${i}].expected is '${String(c.expected)}': use 'allow' or 'deny'.`,
          );
        }
      });
      checks += p.checks.length;
    } else {
      if (p.expected !== "allow" && p.expected !== "deny") {
        throw new Error(
          `principals['${p.name}'].expected is '${String(p.expected)}': use 'allow' or 'deny' (or give the principal checks).`,
        );
      }
      for (const key of ["vaultUrl", "secretName", "expectedSha256"] as const) {
        if (missing(args[key])) {
          throw new Error(
            `${key} is missing: principal '${p.name}' has no checks, so it is tested against the args' vaultUrl, secretName and expectedSha256.`,
          );
        }
      }
      checks += 1;
    }
    if (typeof p.clientId === "string" && p.clientId !== "" && !GUID.test(p.clientId)) {
      throw new Error(
        `principals['${p.name}'].clientId '${p.clientId}' is not a GUID: pass the identity's clientId, or omit it for the system-assigned identity.`,
      );
    }
  }
  if (checks > MAX_VM_CHECKS) {
    throw new Error(
      `principals hold ${checks} checks; one VmVerification runs at most ${MAX_VM_CHECKS} (its results must fit the run command's 4096-byte output). Split them across two VmVerifications.`,
    );
  }
}

/** One resolved check, in the order the script runs them. */
export interface VmVerifierCheckValues {
  readonly principal: string;
  /** Empty for the system-assigned identity. */
  readonly clientId: string;
  readonly vaultUrl: string;
  readonly secretName: string;
  readonly expectedSha256: string;
  readonly expected: "allow" | "deny";
}

export interface VmVerifierParameterValues {
  readonly checks: readonly VmVerifierCheckValues[];
  readonly timeoutSeconds: number;
}

/**
 * The run command parameters. Nothing here is secret. On Linux the run command handler sets each
 * NAMED parameter as an environment variable of the script and appends unnamed ones as arguments
 * (Azure/run-command-handler-linux, internal/exec/exec.go, SetEnvironmentVariables).
 *
 * `ZC_CHECKS` is `principal|clientId|vaultUrl|secretName|sha256|expected` per check, joined by `;`
 * (an empty clientId is the system-assigned identity); `ZC_TIMEOUT_SECONDS` is the retry budget.
 */
export function vmVerifierParameters(
  v: VmVerifierParameterValues,
): { name: string; value: string }[] {
  return [
    {
      name: "ZC_CHECKS",
      value: v.checks
        .map(
          (c) =>
            `${c.principal}|${c.clientId}|${c.vaultUrl}|${c.secretName}|${c.expectedSha256}|${c.expected}`,
        )
        .join(";"),
    },
    { name: "ZC_TIMEOUT_SECONDS", value: String(v.timeoutSeconds) },
  ];
}

/** SHA-256 over the script and its parameters: changes iff either changes. */
export function runCommandContentHash(
  script: string,
  parameters: readonly { name: string; value: string }[],
): string {
  return crypto
    .createHash("sha256")
    .update(script, "utf8")
    .update("\n--zerocred-parameters--\n", "utf8")
    .update(JSON.stringify(parameters.map((p) => [p.name, p.value])), "utf8")
    .digest("hex");
}

/** Run command name carrying the content hash (a change re-runs the verifier). */
export function runCommandName(contentHash: string): string {
  return `zerocred-verify-${contentHash.slice(0, 16)}`;
}

/** Pulumi custom timeout string for a number of seconds (rounded up to minutes). */
export function pulumiTimeout(seconds: number): string {
  return `${Math.ceil(seconds / 60)}m`;
}

/**
 * The last run command created per VM object, so two VmVerifications on the same VM run one after the
 * other. Managed run commands may run in parallel ("Parallel execution of multiple scripts",
 * MicrosoftDocs/azure-docs articles/virtual-machines/linux/run-command-managed.md), but the older action
 * Run Command answers 409 Conflict ("Run command extension execution is in progress") to a second one,
 * and two verifiers on one VM would share its IMDS rate limit: serializing costs little and keeps each
 * result independent. The chain is an explicit `dependsOn` (recorded, so the simulation can see it).
 */
const lastRunCommandOnVm = new WeakMap<object, pulumi.Resource>();

/**
 * Runs the VM verifier on a VM through a managed run command (synchronously: a failed proof fails the
 * deployment) for a list of (principal, vault, secret, expected) checks, and reads the results back.
 */
export class VmVerification extends pulumi.ComponentResource {
  /** The run command's name (carries the content hash). */
  public readonly runCommandName: pulumi.Output<string>;
  /** SHA-256 of the script and its parameters. */
  public readonly contentSha256: pulumi.Output<string>;
  /** One entry per principal, parsed from the run command's instance view. */
  public readonly results: pulumi.Output<VerifierResultLine[]>;
  /** True iff the script succeeded and every principal got exactly the expected access. */
  public readonly ok: pulumi.Output<boolean>;
  /** The run command's execution state (`Succeeded`, `Failed`, `TimedOut`…). */
  public readonly executionState: pulumi.Output<string>;
  /** The run command resource. */
  public readonly runCommand: compute.VirtualMachineRunCommandByVirtualMachine;

  constructor(name: string, args: VmVerificationArgs, opts?: pulumi.ComponentResourceOptions) {
    // The args object itself (its fields are checked by validateVmVerificationArgs, which names each fix).
    checkRequiredArgs("VmVerification", name, args, []);
    super("zerocred:verification:VmVerification", name, {}, opts);
    try {
      validateVmVerificationArgs(args);
    } catch (e) {
      throw new pulumi.ResourceError((e as Error).message, this, true);
    }
    const timeoutSeconds = args.timeoutSeconds ?? DEFAULT_VERIFICATION_TIMEOUT_SECONDS;
    const script = vmVerifierScript();
    const single: VerificationCheck | undefined =
      args.vaultUrl !== undefined
        ? {
            vaultUrl: args.vaultUrl,
            secretName: args.secretName ?? "",
            expectedSha256: args.expectedSha256 ?? "",
            expected: "allow",
          }
        : undefined;
    // Every (principal, check) pair, in order.
    const pairs = args.principals.flatMap((p) =>
      (p.checks ?? [{ ...single!, expected: p.expected! }]).map((c) => ({ p, c })),
    );
    const checks = pulumi.all(
      pairs.map(({ p, c }) =>
        pulumi
          .all([
            pulumi.output(p.clientId ?? ""),
            pulumi.output(c.vaultUrl),
            pulumi.output(c.secretName),
            pulumi.output(c.expectedSha256),
          ])
          .apply(([clientId, vaultUrl, secretName, expectedSha256]): VmVerifierCheckValues => ({
            principal: p.name,
            clientId,
            vaultUrl,
            secretName,
            expectedSha256,
            expected: c.expected,
          })),
      ),
    );
    const parameters = checks.apply((cs) => vmVerifierParameters({ checks: cs, timeoutSeconds }));
    const resourceGroupName = args.vm?.resourceGroupName ?? args.resourceGroupName!;
    const vmName = args.vm?.name ?? args.vmName!;
    const location = args.vm?.location ?? args.location!;
    // A hash reveals nothing about its input; keep the name readable even if an input was secret.
    this.contentSha256 = pulumi.unsecret(
      parameters.apply((ps) => runCommandContentHash(script, ps)),
    );
    const runInSeconds = timeoutSeconds + RUN_COMMAND_MARGIN_SECONDS;
    const previousOnVm = args.vm !== undefined ? lastRunCommandOnVm.get(args.vm) : undefined;
    const pulumiSeconds = runInSeconds + PULUMI_TIMEOUT_MARGIN_SECONDS;

    this.runCommand = new compute.VirtualMachineRunCommandByVirtualMachine(
      `${name}-run-command`,
      {
        resourceGroupName,
        vmName,
        location,
        runCommandName: this.contentSha256.apply(runCommandName),
        source: { script },
        parameters,
        asyncExecution: false,
        treatFailureAsDeploymentFailure: true,
        timeoutInSeconds: runInSeconds,
        tags: { "zerocred-content-sha256": this.contentSha256 },
      },
      {
        parent: this,
        dependsOn: [
          ...(args.vm instanceof pulumi.Resource ? [args.vm] : []),
          ...(previousOnVm !== undefined ? [previousOnVm] : []),
          ...(args.dependsOn ?? []),
        ],
        deleteBeforeReplace: true,
        customTimeouts: {
          create: pulumiTimeout(pulumiSeconds),
          update: pulumiTimeout(pulumiSeconds),
          delete: "10m",
        },
      },
    );
    if (args.vm !== undefined) {
      lastRunCommandOnVm.set(args.vm, this.runCommand);
    }
    this.runCommandName = this.runCommand.name;

    const view = compute.getVirtualMachineRunCommandByVirtualMachineOutput(
      {
        resourceGroupName,
        vmName,
        runCommandName: this.runCommand.name,
        expand: "instanceView",
      },
      { parent: this },
    ).instanceView;
    const parsed = pulumi.all([view, checks]).apply(([v, cs]) => ({
      state: v?.executionState ?? "Unknown",
      exitCode: v?.exitCode,
      ...parseVerifierOutput(
        v?.output,
        cs.map((c): ExpectedCheck => ({
          principal: c.principal,
          clientId: c.clientId === "" ? null : c.clientId,
          vault: c.vaultUrl.endsWith("/") ? c.vaultUrl : `${c.vaultUrl}/`,
          secret: c.secretName,
          expected: c.expected,
        })),
      ),
    }));
    this.results = parsed.apply((p) => p.results);
    this.executionState = parsed.apply((p) => p.state);
    this.ok = parsed.apply((p) => p.ok && p.state === "Succeeded" && p.exitCode === 0);

    this.registerOutputs({
      runCommandName: this.runCommandName,
      contentSha256: this.contentSha256,
      results: this.results,
      ok: this.ok,
      executionState: this.executionState,
    });
  }
}
