import { parse, stringify } from "yaml";
import { AUTHORITY_HOSTS, KUBELOGIN_VERSION } from "./kubelogin";

/**
 * Application id of the AKS-managed Entra ID server app: the audience of every token kubelogin
 * requests for an AKS cluster with managed Entra ID, identical in all clusters and tenants
 * (Azure/kubelogin#104; present in every `listClusterUserCredential` exec kubeconfig).
 */
export const AKS_AAD_SERVER_ID = "6dae42f8-4368-4678-94ff-3960e28e3630";

/** Non-interactive kubelogin login modes zerocred supports (never `devicecode`/`interactive`). */
export const KUBELOGIN_MODES = ["azurecli", "workloadidentity", "spn", "msi"] as const;
export type KubeloginMode = (typeof KUBELOGIN_MODES)[number];

export interface KubeconfigLoginOptions {
  /** kubelogin `--login` mode. */
  readonly loginMode: KubeloginMode;
  /**
   * Tenant id. Written as `--tenant-id` for `azurecli` (optional: else the CLI's tenant),
   * `workloadidentity` (optional: else `AZURE_TENANT_ID`) and `spn` (required: falls back to the
   * kubeconfig's own `--tenant-id`). Not used by `msi`.
   */
  readonly tenantId?: string;
  /**
   * Client id. Written as `--client-id` for `workloadidentity` (optional: else `AZURE_CLIENT_ID`),
   * `spn` (optional: else `AAD_SERVICE_PRINCIPAL_CLIENT_ID`/`AZURE_CLIENT_ID`) and `msi` (a
   * user-assigned identity; omit for the system-assigned one). Not used by `azurecli`.
   */
  readonly clientId?: string;
  /**
   * Entra ID authority host for `workloadidentity`, written as `--authority-host` (kubelogin v0.1.3 has no
   * default and fails with "authorityHost cannot be empty"; components/kubelogin.ts). Must be an https URL
   * ending with "/". Optional: defaults to the host of the kubeconfig's `--environment` (AzurePublicCloud:
   * `https://login.microsoftonline.com/`). `AZURE_AUTHORITY_HOST`, when set, still wins over it. Not used
   * by the other modes.
   */
  readonly authorityHost?: string;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The value following `flag` in an exec args list (kubelogin's own `getExecArg` semantics). */
function argValue(args: readonly string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : undefined;
}

/**
 * The `--authority-host` for workloadidentity: the explicit one, else the kubeconfig's own (a rewritten
 * kubeconfig keeps its host), else the host of the kubeconfig's
 * `--environment` (AzurePublicCloud when absent), from go-autorest's environments (components/kubelogin.ts).
 */
function workloadAuthorityHost(
  userName: string,
  oldArgs: readonly string[],
  explicit: string | undefined,
): string {
  const kept = explicit ?? argValue(oldArgs, "--authority-host");
  if (kept !== undefined) {
    return kept;
  }
  const environment = argValue(oldArgs, "--environment") ?? "AzurePublicCloud";
  const host = Object.entries(AUTHORITY_HOSTS).find(
    ([name]) => name.toLowerCase() === environment.toLowerCase(),
  )?.[1];
  if (host === undefined) {
    throw new Error(
      `kubeconfig user "${userName}": --environment ${JSON.stringify(environment)} has no known Entra ID ` +
        `authority host, which kubelogin ${KUBELOGIN_VERSION} workloadidentity requires; pass authorityHost ` +
        `(e.g. "https://login.microsoftonline.com/").`,
    );
  }
  return host;
}

/** Static-credential fields that only admin/local-account kubeconfigs carry. */
const STATIC_CREDENTIAL_FIELDS = [
  "client-certificate-data",
  "client-key-data",
  "client-certificate",
  "client-key",
  "token",
  "tokenFile",
  "username",
  "password",
] as const;

/**
 * Rewrites the kubelogin exec stanza of an AKS user kubeconfig (from
 * `listClusterUserCredential` with `format=exec`) to a non-interactive login:
 * `get-token --login <mode> --server-id <server-id> [--tenant-id …] [--client-id …]`, mirroring
 * `kubelogin convert-kubeconfig`, and sets `interactiveMode: Never`. `workloadidentity` also gets
 * `--authority-host`, which kubelogin v0.1.3 requires and does not default (components/kubelogin.ts has
 * the per-mode table). The device-code-only flags of the original (`--login devicecode`,
 * the Azure CLI public `--client-id`, `--environment`, `--legacy`) are dropped, except that `spn`
 * keeps `--environment` and the tenant. Refuses — with an `Error` naming the problem and the fix —
 * admin or local-account kubeconfigs (static certificates, tokens, passwords, `clusterAdmin_` users),
 * the legacy `auth-provider` format, exec commands other than kubelogin, and a missing
 * `--server-id`. Pure.
 */
export function rewriteKubeconfigLogin(
  kubeconfigYaml: string,
  opts: KubeconfigLoginOptions,
): string {
  if (!(KUBELOGIN_MODES as readonly string[]).includes(opts.loginMode)) {
    throw new Error(
      `kubeloginMode: ${JSON.stringify(opts.loginMode)} is not supported. Allowed values are: ` +
        `${KUBELOGIN_MODES.join(", ")} (non-interactive modes only).`,
    );
  }
  for (const [field, value] of [
    ["tenantId", opts.tenantId],
    ["clientId", opts.clientId],
  ] as const) {
    if (value !== undefined && !GUID.test(value)) {
      throw new Error(
        `kubeconfig ${field}: ${JSON.stringify(value)} is not a GUID. Pass the ${field === "tenantId" ? "Entra tenant id" : "application (client) id"} as a GUID.`,
      );
    }
  }

  if (
    opts.authorityHost !== undefined &&
    !/^https:\/\/[A-Za-z0-9.-]+(:\d+)?\/$/.test(opts.authorityHost)
  ) {
    throw new Error(
      `kubeconfig authorityHost: ${JSON.stringify(opts.authorityHost)} is not an https origin ending with "/". ` +
        `kubelogin ${KUBELOGIN_VERSION} builds <authorityHost><tenantId>/oauth2/token; use e.g. ` +
        `"https://login.microsoftonline.com/".`,
    );
  }

  let doc: unknown;
  try {
    doc = parse(kubeconfigYaml);
  } catch (err) {
    throw new Error(`kubeconfig is not valid YAML (${(err as Error).message.split("\n")[0]}).`);
  }
  if (!isRecord(doc) || !Array.isArray(doc.users) || doc.users.length === 0) {
    throw new Error(
      "kubeconfig has no users: expected the kubeconfig returned by listClusterUserCredential (format exec).",
    );
  }

  for (const entry of doc.users) {
    const userName = isRecord(entry) && typeof entry.name === "string" ? entry.name : "<unnamed>";
    const user = isRecord(entry) && isRecord(entry.user) ? entry.user : undefined;
    if (userName.startsWith("clusterAdmin")) {
      throw new Error(
        `kubeconfig user "${userName}" is an admin credential: zerocred never uses admin or local ` +
          `accounts (disableLocalAccounts is true). Use listManagedClusterUserCredentials with format "exec".`,
      );
    }
    if (user === undefined) {
      throw new Error(
        `kubeconfig user "${userName}" has no user stanza: expected an exec (kubelogin) user.`,
      );
    }
    const staticField = STATIC_CREDENTIAL_FIELDS.find((f) => user[f] !== undefined);
    if (staticField !== undefined) {
      throw new Error(
        `kubeconfig user "${userName}" carries a static credential (${staticField}): that is an admin or ` +
          `local-account kubeconfig, which zerocred refuses. Use listManagedClusterUserCredentials with format "exec".`,
      );
    }
    if (user["auth-provider"] !== undefined) {
      throw new Error(
        `kubeconfig user "${userName}" uses the legacy auth-provider format: request the credentials ` +
          `with format "exec" (kubelogin).`,
      );
    }
    const exec = user.exec;
    if (!isRecord(exec)) {
      throw new Error(
        `kubeconfig user "${userName}" is not an exec user: request the credentials with format "exec" (kubelogin).`,
      );
    }
    if (typeof exec.command !== "string" || !exec.command.toLowerCase().includes("kubelogin")) {
      throw new Error(
        `kubeconfig user "${userName}" runs ${JSON.stringify(exec.command)} instead of kubelogin: only ` +
          `kubelogin exec users can be rewritten.`,
      );
    }
    const oldArgs = Array.isArray(exec.args) ? exec.args.map(String) : [];
    const serverId = argValue(oldArgs, "--server-id");
    if (serverId === undefined) {
      throw new Error(
        `kubeconfig user "${userName}" has no --server-id in its kubelogin args: every login mode needs ` +
          `it (${AKS_AAD_SERVER_ID} for AKS-managed Entra ID).`,
      );
    }

    const args = ["get-token", "--login", opts.loginMode, "--server-id", serverId];
    switch (opts.loginMode) {
      case "azurecli":
        if (opts.tenantId !== undefined) {
          args.push("--tenant-id", opts.tenantId);
        }
        break;
      case "workloadidentity":
        if (opts.clientId !== undefined) {
          args.push("--client-id", opts.clientId);
        }
        if (opts.tenantId !== undefined) {
          args.push("--tenant-id", opts.tenantId);
        }
        args.push("--authority-host", workloadAuthorityHost(userName, oldArgs, opts.authorityHost));
        break;
      case "spn": {
        if (opts.clientId !== undefined) {
          args.push("--client-id", opts.clientId);
        }
        const tenantId = opts.tenantId ?? argValue(oldArgs, "--tenant-id");
        if (tenantId === undefined) {
          throw new Error(
            `kubeconfig user "${userName}": login mode spn needs a tenant id and the kubeconfig has none; pass tenantId.`,
          );
        }
        args.push("--tenant-id", tenantId);
        const environment = argValue(oldArgs, "--environment");
        if (environment !== undefined) {
          args.push("--environment", environment);
        }
        break;
      }
      case "msi":
        if (opts.clientId !== undefined) {
          args.push("--client-id", opts.clientId);
        }
        break;
    }
    exec.args = args;
    // Never read stdin: a prompt would hang `pulumi up` in CI.
    exec.interactiveMode = "Never";
  }
  return stringify(doc);
}

/**
 * Decodes the first kubeconfig of a `listClusterUserCredential` result (base64 YAML). Throws when
 * the result holds none. Pure.
 */
export function decodeCredentialKubeconfig(result: {
  readonly kubeconfigs?: readonly { readonly name?: string; readonly value: string }[];
}): string {
  const first = result.kubeconfigs?.[0];
  if (first === undefined || first.value === "") {
    throw new Error(
      "listClusterUserCredential returned no kubeconfig: check the cluster exists and you may list user credentials.",
    );
  }
  return Buffer.from(first.value, "base64").toString("utf8");
}
