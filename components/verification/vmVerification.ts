/**
 * `zerocred:verification:VmVerification` — runs `vm-verifier.sh` on the VM through a managed run
 * command (synchronously; a failed proof fails the deployment) and reads its result back.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as compute from "@pulumi/azure-native/compute";
import * as pulumi from "@pulumi/pulumi";
import { parseVerifierOutput, type VerifierResultLine } from "./results";

/** Absolute path of the VM verifier script. */
export const VM_VERIFIER_SCRIPT_PATH = path.join(__dirname, "vm-verifier.sh");

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

export interface VmVerificationPrincipal {
  /** Required. Label in the result (`vm`, a UAI's name…): letters, digits, `.`, `_`, `-`. */
  readonly name: string;
  /** Optional. Client ID of a user-assigned identity. Defaults to the VM's system-assigned identity. */
  readonly clientId?: pulumi.Input<string>;
  /** Required. Whether the principal must be able to read the secret (`allow`) or be refused (`deny`). */
  readonly expected: "allow" | "deny";
}

export interface VmVerificationArgs {
  /** Required. Resource group of the VM. */
  readonly resourceGroupName: pulumi.Input<string>;
  /** Required. Name of the VM to run the verifier on. */
  readonly vmName: pulumi.Input<string>;
  /** Required. Azure region of the VM (the run command is a tracked child resource). */
  readonly location: pulumi.Input<string>;
  /** Required. Vault URI, e.g. `https://x.vault.azure.net/`. */
  readonly vaultUrl: pulumi.Input<string>;
  /** Required. Name of the canary secret. */
  readonly secretName: pulumi.Input<string>;
  /** Required. Lowercase hex SHA-256 of the canary value (a hash, not a secret). */
  readonly expectedSha256: pulumi.Input<string>;
  /** Required. The identities to test, at least one, names unique. */
  readonly principals: readonly VmVerificationPrincipal[];
  /** Optional. Retry budget of the script, in seconds (30–3600). Defaults to `600`. */
  readonly timeoutSeconds?: number;
  /** Optional. Resources to wait for (role assignments, federated credentials). Defaults to `[]`. */
  readonly dependsOn?: readonly pulumi.Resource[];
}

/** A principal's label in the results (the expected-access row's name): 1–64 of `A-Za-z0-9._-`. */
export const PRINCIPAL_NAME = /^[A-Za-z0-9._-]{1,64}$/;

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

/** Validates the plain parts of the args; throws an Error naming the setting, value and fix. */
export function validateVmVerificationArgs(args: VmVerificationArgs): void {
  validateTimeoutSeconds(args.timeoutSeconds);
  if (args.principals.length === 0) {
    throw new Error("principals is empty: list at least one identity to verify.");
  }
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
    if (p.expected !== "allow" && p.expected !== "deny") {
      throw new Error(
        `principals['${p.name}'].expected is '${String(p.expected)}': use 'allow' or 'deny'.`,
      );
    }
    if (typeof p.clientId === "string" && p.clientId !== "" && !GUID.test(p.clientId)) {
      throw new Error(
        `principals['${p.name}'].clientId '${p.clientId}' is not a GUID: pass the identity's clientId, or omit it for the system-assigned identity.`,
      );
    }
  }
}

export interface VmVerifierParameterValues {
  readonly vaultUrl: string;
  readonly secretName: string;
  readonly expectedSha256: string;
  readonly principals: readonly { name: string; clientId: string; expected: "allow" | "deny" }[];
  readonly timeoutSeconds: number;
}

/**
 * The run command parameters. Nothing here is secret. On Linux the run command handler sets each
 * NAMED parameter as an environment variable of the script and appends unnamed ones as arguments
 * (Azure/run-command-handler-linux, internal/exec/exec.go, SetEnvironmentVariables).
 */
export function vmVerifierParameters(
  v: VmVerifierParameterValues,
): { name: string; value: string }[] {
  return [
    { name: "ZC_VAULT_URL", value: v.vaultUrl },
    { name: "ZC_SECRET_NAME", value: v.secretName },
    { name: "ZC_EXPECTED_SHA256", value: v.expectedSha256 },
    {
      name: "ZC_PRINCIPALS",
      value: v.principals.map((p) => `${p.name}|${p.clientId}|${p.expected}`).join(";"),
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
    super("zerocred:verification:VmVerification", name, {}, opts);
    try {
      validateVmVerificationArgs(args);
    } catch (e) {
      throw new pulumi.ResourceError((e as Error).message, this);
    }
    const timeoutSeconds = args.timeoutSeconds ?? DEFAULT_VERIFICATION_TIMEOUT_SECONDS;
    const script = vmVerifierScript();
    const principals = pulumi
      .all(args.principals.map((p) => pulumi.output(p.clientId ?? "")))
      .apply((ids) =>
        args.principals.map((p, i) => ({ name: p.name, clientId: ids[i], expected: p.expected })),
      );
    const parameters = pulumi
      .all([args.vaultUrl, args.secretName, args.expectedSha256, principals])
      .apply(([vaultUrl, secretName, expectedSha256, ps]) =>
        vmVerifierParameters({
          vaultUrl,
          secretName,
          expectedSha256,
          principals: ps,
          timeoutSeconds,
        }),
      );
    // A hash reveals nothing about its input; keep the name readable even if an input was secret.
    this.contentSha256 = pulumi.unsecret(
      parameters.apply((ps) => runCommandContentHash(script, ps)),
    );
    const runInSeconds = timeoutSeconds + RUN_COMMAND_MARGIN_SECONDS;
    const pulumiSeconds = runInSeconds + PULUMI_TIMEOUT_MARGIN_SECONDS;

    this.runCommand = new compute.VirtualMachineRunCommandByVirtualMachine(
      `${name}-run-command`,
      {
        resourceGroupName: args.resourceGroupName,
        vmName: args.vmName,
        location: args.location,
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
        dependsOn: [...(args.dependsOn ?? [])],
        deleteBeforeReplace: true,
        customTimeouts: {
          create: pulumiTimeout(pulumiSeconds),
          update: pulumiTimeout(pulumiSeconds),
          delete: "10m",
        },
      },
    );
    this.runCommandName = this.runCommand.name;

    const view = compute.getVirtualMachineRunCommandByVirtualMachineOutput(
      {
        resourceGroupName: args.resourceGroupName,
        vmName: args.vmName,
        runCommandName: this.runCommand.name,
        expand: "instanceView",
      },
      { parent: this },
    ).instanceView;
    const parsed = view.apply((v) => ({
      state: v?.executionState ?? "Unknown",
      exitCode: v?.exitCode,
      ...parseVerifierOutput(v?.output),
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
