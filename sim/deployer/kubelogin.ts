/**
 * kubelogin as the Kubernetes provider runs it inside a CI step: the exec args of the stack's kubeconfig,
 * the step's environment (with what GitHub injects), the version the workflow pins. kubelogin's own
 * per-mode checks and messages live in one place, components/kubelogin.ts (KUBELOGIN_REQUIREMENTS,
 * `kubeloginInvocationError`); this module adds what only a workflow shows: a pinned version other than
 * the modelled one, and the runtime each mode needs (an `az login` session, IMDS, a stored secret).
 */
import { parse } from "yaml";
import {
  KUBELOGIN_REQUIREMENTS,
  KUBELOGIN_VERSION,
  kubeloginInvocationError,
} from "../../components/kubelogin";

export { KUBELOGIN_REQUIREMENTS, KUBELOGIN_VERSION };

export interface KubeloginCheck {
  readonly ok: boolean;
  readonly version: string;
  readonly mode: string;
  /** The error `kubelogin get-token` fails with. */
  readonly error?: string;
  readonly fix?: string;
}

/** The exec stanza's args, read from a kubeconfig (YAML). */
export function execArgs(kubeconfig: string): string[] {
  const doc = parse(kubeconfig) as { users?: { user?: { exec?: { args?: unknown[] } } }[] } | null;
  return (doc?.users?.[0]?.user?.exec?.args ?? []).map(String);
}

function loginMode(args: readonly string[], env: Readonly<Record<string, string | undefined>>) {
  const i = args.findIndex((a) => a === "--login" || a === "-l");
  return env.AAD_LOGIN_METHOD ?? (i >= 0 ? args[i + 1] : undefined) ?? "devicecode";
}

/**
 * Whether `kubelogin get-token` with `args` starts in a step with `env`, at the pinned `version`.
 * `azureCliSignedIn`: an azure/login step ran earlier in the job.
 */
export function checkKubelogin(
  version: string,
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  context: { readonly azureCliSignedIn: boolean },
): KubeloginCheck {
  const mode = loginMode(args, env);
  if (version !== KUBELOGIN_VERSION) {
    return {
      ok: false,
      version,
      mode,
      error: `kubelogin ${version} is pinned, but the requirement table models ${KUBELOGIN_VERSION}: its behaviour is not proven`,
      fix: `Pin kubelogin-version: ${KUBELOGIN_VERSION}, or model ${version} in components/kubelogin.ts (from Azure/kubelogin at that tag).`,
    };
  }
  const error = kubeloginInvocationError(args, env);
  if (error !== undefined) {
    return { ok: false, version, mode, error, fix: fixFor(error) };
  }
  if (mode === "azurecli" && !context.azureCliSignedIn) {
    return {
      ok: false,
      version,
      mode,
      error: `kubelogin ${version} -l azurecli needs ${KUBELOGIN_REQUIREMENTS.azurecli.runtime} The job has no azure/login step before this one.`,
      fix: "Add an azure/login step (OIDC) before the pulumi step, or set zerocred:deployer.kubeloginMode to workloadidentity.",
    };
  }
  if (mode === "msi") {
    return {
      ok: false,
      version,
      mode,
      error: `kubelogin ${version} -l msi needs ${KUBELOGIN_REQUIREMENTS.msi.runtime} GitHub-hosted runners have none.`,
      fix: "Set zerocred:deployer.kubeloginMode to workloadidentity in CI (pulumi config set --path).",
    };
  }
  if (mode === "spn") {
    return {
      ok: false,
      version,
      mode,
      error: `kubelogin ${version} -l spn signs in with a client secret or certificate: a stored credential.`,
      fix: "Set zerocred:deployer.kubeloginMode to workloadidentity in CI (GitHub OIDC, nothing stored).",
    };
  }
  return { ok: true, version, mode };
}

function fixFor(error: string): string {
  if (error.includes("authorityHost cannot be empty") || error.includes("trailing")) {
    return 'Set AZURE_AUTHORITY_HOST: https://login.microsoftonline.com/ (with the trailing "/") in the job env, or write --authority-host into the kubeconfig.';
  }
  if (error.includes("ACTIONS_ID_TOKEN_REQUEST")) {
    return "Grant the job `permissions: id-token: write` (GitHub injects ACTIONS_ID_TOKEN_REQUEST_TOKEN/_URL only then).";
  }
  if (error.includes("clientID") || error.includes("tenantID")) {
    return "Set AZURE_CLIENT_ID and AZURE_TENANT_ID in the job env from the repository variables the bootstrap printed (an env var set to an empty value overrides the kubeconfig's flag).";
  }
  return "Give kubelogin the setting it names (components/kubelogin.ts lists each mode's flags and variables).";
}
