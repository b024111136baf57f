/**
 * What the pinned kubelogin needs, per login mode: the flags and environment variables it reads, in the
 * order it checks them, and its own error when one is missing. One home for that fact: the kubeconfig
 * rewrite (components/kubeconfig.ts), the workflow tests (test/cicd) and the simulation of the deployer
 * chain all read it.
 *
 * Source, all at tag v0.1.3 (commit 308f96875c026012123a3b0e95c8fc5473e95a33) of Azure/kubelogin:
 * - pkg/internal/token/options.go — flags (`AddFlags`) and `UpdateFromEnv`, which runs AFTER the flags are
 *   parsed (pkg/cmd/token.go `RunE`), so an environment variable that is set — even to "" — wins over its
 *   flag; `AAD_LOGIN_METHOD` even overrides `--login`;
 * - pkg/internal/env/variables.go — the variable names;
 * - pkg/internal/token/provider.go — which constructor each mode calls;
 * - pkg/internal/token/federatedIdentity.go — workloadidentity: client id, tenant id, a federated token
 *   (file, or GitHub Actions' ACTIONS_ID_TOKEN_REQUEST_TOKEN + _URL), then `authorityHost cannot be
 *   empty`: there is NO default authority host, and the token endpoint is built as
 *   `fmt.Sprintf("%s%s/oauth2/token", authorityHost, tenantID)`, so the host needs its trailing slash;
 * - pkg/internal/token/azurecli.go, msi.go, serviceprincipaltoken.go — the other modes' checks.
 * The same `authorityHost cannot be empty` check is still in federatedIdentity.go at v0.1.9 (the last
 * v0.1.x tag); v0.2.0 replaced that file.
 *
 * `azure/login` (v2.3.0, src/common/Utils.ts, src/main.ts) exports no AZURE_AUTHORITY_HOST or
 * AZURE_FEDERATED_TOKEN_FILE: a workflow must set the authority host itself (or the kubeconfig must carry
 * `--authority-host`, which zerocred's rewrite writes).
 */
import type { KubeloginMode } from "./kubeconfig";

/** The kubelogin release the workflows install (azure/use-kubelogin `kubelogin-version`) and this table models. */
export const KUBELOGIN_VERSION = "v0.1.3";

/**
 * Entra ID authority hosts by kubeconfig `--environment` name, exactly as go-autorest's
 * `ActiveDirectoryEndpoint` (Azure/go-autorest autorest/azure/environments.go, which kubelogin v0.1.3 uses
 * through `azure.EnvironmentFromName`): each ends with "/", as kubelogin's URL building needs.
 */
export const AUTHORITY_HOSTS: Readonly<Record<string, string>> = {
  AzurePublicCloud: "https://login.microsoftonline.com/",
  AzureUSGovernmentCloud: "https://login.microsoftonline.us/",
  AzureChinaCloud: "https://login.chinacloudapi.cn/",
};

/** One input a login mode reads. */
export interface KubeloginSetting {
  /** What it is. */
  readonly name:
    "serverId" | "clientId" | "tenantId" | "federatedToken" | "authorityHost" | "clientCredential";
  /** The `get-token` flag(s) that set it, if any. */
  readonly flags: readonly string[];
  /**
   * Environment variables that set it, in the order kubelogin reads them (a later one that is set wins;
   * any that is set wins over the flag).
   */
  readonly env: readonly string[];
  /** Also satisfied when ALL of these variables are set (GitHub Actions' OIDC request pair). */
  readonly orAllOf?: readonly string[];
  /** Whether the mode fails without it. */
  readonly required: boolean;
  /** kubelogin's own error when a required setting is missing (verbatim). */
  readonly missingError?: string;
  /** Anything else about the value (format, default). */
  readonly note?: string;
}

/** What one login mode needs from flags, environment and the machine it runs on. */
export interface KubeloginModeRequirements {
  readonly mode: KubeloginMode;
  readonly version: string;
  /** In the order kubelogin checks them (the first missing one is the error it prints). */
  readonly settings: readonly KubeloginSetting[];
  /** What must exist besides flags and environment. */
  readonly runtime: string;
}

const SERVER_ID = (error: string): KubeloginSetting => ({
  name: "serverId",
  flags: ["--server-id"],
  env: [],
  required: true,
  missingError: error,
  note: "The AKS-managed Entra ID server app id; listClusterUserCredential's exec kubeconfig carries it.",
});

/** Per mode, what kubelogin {@link KUBELOGIN_VERSION} reads and requires. */
export const KUBELOGIN_REQUIREMENTS: Readonly<Record<KubeloginMode, KubeloginModeRequirements>> = {
  azurecli: {
    mode: "azurecli",
    version: KUBELOGIN_VERSION,
    settings: [
      SERVER_ID("resourceID cannot be empty"),
      {
        name: "tenantId",
        flags: ["--tenant-id", "-t"],
        env: ["AZURE_TENANT_ID"],
        required: false,
        note: "Optional: else the Azure CLI's current tenant.",
      },
    ],
    runtime: "an `az login` session of the principal (laptop: the operator; CI: azure/login).",
  },
  workloadidentity: {
    mode: "workloadidentity",
    version: KUBELOGIN_VERSION,
    settings: [
      {
        name: "clientId",
        flags: ["--client-id"],
        env: ["AAD_SERVICE_PRINCIPAL_CLIENT_ID", "AZURE_CLIENT_ID"],
        required: true,
        missingError: "clientID cannot be empty",
      },
      {
        name: "tenantId",
        flags: ["--tenant-id", "-t"],
        env: ["AZURE_TENANT_ID"],
        required: true,
        missingError: "tenantID cannot be empty",
      },
      {
        name: "federatedToken",
        flags: ["--federated-token-file"],
        env: ["AZURE_FEDERATED_TOKEN_FILE"],
        orAllOf: ["ACTIONS_ID_TOKEN_REQUEST_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_URL"],
        required: true,
        missingError:
          "either ACTIONS_ID_TOKEN_REQUEST_TOKEN and ACTIONS_ID_TOKEN_REQUEST_URL environment variables have to be set or federated token file has to be provided",
        note: "GitHub injects ACTIONS_ID_TOKEN_REQUEST_* only into jobs with `permissions: id-token: write`; kubelogin requests audience api://AzureADTokenExchange.",
      },
      {
        name: "authorityHost",
        flags: ["--authority-host"],
        env: ["AZURE_AUTHORITY_HOST"],
        required: true,
        missingError: "authorityHost cannot be empty",
        note: 'No default. Must end with "/": the token URL is <authorityHost><tenantId>/oauth2/token.',
      },
      SERVER_ID("serverID cannot be empty"),
    ],
    runtime:
      "a federated token: GitHub Actions' OIDC request pair (CI) or a projected service-account token file (pods).",
  },
  spn: {
    mode: "spn",
    version: KUBELOGIN_VERSION,
    settings: [
      {
        name: "clientId",
        flags: ["--client-id"],
        env: ["AAD_SERVICE_PRINCIPAL_CLIENT_ID", "AZURE_CLIENT_ID"],
        required: true,
        missingError: "clientID cannot be empty",
      },
      {
        name: "clientCredential",
        flags: ["--client-secret", "--client-certificate"],
        env: [
          "AAD_SERVICE_PRINCIPAL_CLIENT_SECRET",
          "AZURE_CLIENT_SECRET",
          "AAD_SERVICE_PRINCIPAL_CLIENT_CERTIFICATE",
          "AZURE_CLIENT_CERTIFICATE_PATH",
        ],
        required: true,
        missingError: "both clientSecret and clientcert cannot be empty. One must be specified",
        note: "A stored secret or certificate: zerocred never writes one; prefer workloadidentity or msi.",
      },
      SERVER_ID("resourceID cannot be empty"),
      {
        name: "tenantId",
        flags: ["--tenant-id", "-t"],
        env: ["AZURE_TENANT_ID"],
        required: true,
        missingError: "tenantID cannot be empty",
      },
    ],
    runtime: "nothing beyond the credential.",
  },
  msi: {
    mode: "msi",
    version: KUBELOGIN_VERSION,
    settings: [
      SERVER_ID("resourceID cannot be empty"),
      {
        name: "clientId",
        flags: ["--client-id"],
        env: [],
        required: false,
        note: "Optional: a user-assigned identity's client id; omit for the system-assigned identity.",
      },
    ],
    runtime: "an Azure host with a managed identity (IMDS at 169.254.169.254).",
  },
};

/** The requirements of one login mode (pure). */
export function kubeloginRequirements(mode: KubeloginMode): KubeloginModeRequirements {
  return KUBELOGIN_REQUIREMENTS[mode];
}

/** The environment a kubelogin process sees: a variable that is present (even "") is "set". */
export type KubeloginEnv = Readonly<Record<string, string | undefined>>;

function flagValue(args: readonly string[], flags: readonly string[]): string | undefined {
  let value: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    for (const flag of flags) {
      if (arg === flag && i + 1 < args.length) {
        value = args[i + 1];
      } else if (arg.startsWith(`${flag}=`)) {
        value = arg.slice(flag.length + 1);
      }
    }
  }
  return value;
}

/**
 * The value kubelogin ends up with for a setting: the flag, overridden by each listed variable that is
 * set (`os.LookupEnv`), in order. `undefined`/"" both mean empty.
 */
function effectiveValue(setting: KubeloginSetting, args: readonly string[], env: KubeloginEnv) {
  let value = flagValue(args, setting.flags);
  for (const name of setting.env) {
    if (env[name] !== undefined) {
      value = env[name];
    }
  }
  return value;
}

/**
 * Checks a `kubelogin get-token` invocation (its args, as in a kubeconfig's exec stanza, and its
 * environment) the way kubelogin {@link KUBELOGIN_VERSION} does, and returns the error it would fail with
 * (its own message, prefixed with the mode), or `undefined` when it would go on to request a token.
 * Besides kubelogin's own checks it reports an authority host without its trailing slash, which kubelogin
 * accepts and then turns into a wrong token URL. Runtime preconditions (an `az login` session, IMDS) are
 * not checked: see {@link KubeloginModeRequirements.runtime}. Pure.
 */
export function kubeloginInvocationError(
  args: readonly string[],
  env: KubeloginEnv,
): string | undefined {
  const login = env.AAD_LOGIN_METHOD ?? flagValue(args, ["--login", "-l"]) ?? "devicecode";
  const requirements = (KUBELOGIN_REQUIREMENTS as Record<string, KubeloginModeRequirements>)[login];
  if (requirements === undefined) {
    return `kubelogin ${KUBELOGIN_VERSION}: login mode ${JSON.stringify(login)} is not one zerocred supports non-interactively (${Object.keys(KUBELOGIN_REQUIREMENTS).join(", ")}).`;
  }
  const missing = (setting: KubeloginSetting) =>
    `kubelogin ${KUBELOGIN_VERSION} -l ${login}: ${setting.missingError} (set ${[
      ...setting.flags.filter((f) => f.startsWith("--")),
      ...setting.env,
    ].join(" or ")}${setting.orAllOf ? `, or all of ${setting.orAllOf.join(" + ")}` : ""}).`;
  for (const setting of requirements.settings) {
    const value = effectiveValue(setting, args, env);
    const viaPair = (setting.orAllOf ?? []).length > 0 && setting.orAllOf!.every((n) => !!env[n]);
    if (setting.required && !value && !viaPair) {
      return missing(setting);
    }
    if (setting.name === "authorityHost" && value && !value.endsWith("/")) {
      return (
        `kubelogin ${KUBELOGIN_VERSION} -l ${login}: authority host ${JSON.stringify(value)} has no trailing "/": ` +
        `kubelogin builds the token URL as <authorityHost><tenantId>/oauth2/token. Use ${JSON.stringify(`${value}/`)}.`
      );
    }
  }
  return undefined;
}
