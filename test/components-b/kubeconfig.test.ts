import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  AKS_AAD_SERVER_ID,
  decodeCredentialKubeconfig,
  rewriteKubeconfigLogin,
  type KubeconfigLoginOptions,
} from "../../components/kubeconfig";
import {
  KUBELOGIN_REQUIREMENTS,
  KUBELOGIN_VERSION,
  kubeloginInvocationError,
} from "../../components/kubelogin";

const TENANT = "8c3f1a52-7d4e-4b0a-9f6e-2d1c5b7a9e30";
const OTHER_TENANT = "1f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b";
const CLIENT = "0a1b2c3d-4e5f-4061-8273-9a8b7c6d5e4f";

/** What `az aks get-credentials --format exec` / listClusterUserCredential(format=exec) returns for an Entra ID cluster. */
const AKS_EXEC_KUBECONFIG = `apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUU2RENDQXRDZ0F3SUJBZ0lRCi0tLS0tRU5EIENFUlRJRklDQVRFLS0tLS0K
    server: https://zc-dev-aks-4f2a91c3.hcp.westeurope.azmk8s.io:443
  name: zc-dev-aks
contexts:
- context:
    cluster: zc-dev-aks
    user: clusterUser_rg-zc-dev_zc-dev-aks
  name: zc-dev-aks
current-context: zc-dev-aks
kind: Config
preferences: {}
users:
- name: clusterUser_rg-zc-dev_zc-dev-aks
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      args:
      - get-token
      - --environment
      - AzurePublicCloud
      - --server-id
      - 6dae42f8-4368-4678-94ff-3960e28e3630
      - --client-id
      - 80faf920-1908-4b52-b5ef-a8e7bedfc67a
      - --tenant-id
      - ${TENANT}
      - --login
      - devicecode
      command: kubelogin
      env: null
      installHint: |2

        kubelogin is not installed which is required to connect to AAD enabled cluster.

        To learn more, please go to https://azure.github.io/kubelogin/
      interactiveMode: IfAvailable
      provideClusterInfo: false
`;

const ADMIN_KUBECONFIG = `apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: LS0tLS1CRUdJTg==
    server: https://zc-dev-aks-4f2a91c3.hcp.westeurope.azmk8s.io:443
  name: zc-dev-aks
contexts:
- context:
    cluster: zc-dev-aks
    user: clusterAdmin_rg-zc-dev_zc-dev-aks
  name: zc-dev-aks-admin
current-context: zc-dev-aks-admin
kind: Config
users:
- name: clusterAdmin_rg-zc-dev_zc-dev-aks
  user:
    client-certificate-data: LS0tLS1CRUdJTg==
    client-key-data: LS0tLS1CRUdJTg==
    token: 0123456789abcdef
`;

function withUser(user: string): string {
  return AKS_EXEC_KUBECONFIG.replace(/users:\n[\s\S]*$/, `users:\n${user}`);
}

interface Exec {
  args: string[];
  command: string;
  apiVersion: string;
  interactiveMode: string;
  installHint: string;
  provideClusterInfo: boolean;
}
function execOf(yamlText: string): Exec {
  const doc = parse(yamlText) as { users: { user: { exec: Exec } }[] };
  return doc.users[0]!.user.exec;
}

describe("rewriteKubeconfigLogin: exact kubelogin args per mode", () => {
  const base = ["get-token", "--login"];
  it.each<[string, KubeconfigLoginOptions, string[], string?]>([
    [
      "azurecli",
      { loginMode: "azurecli" },
      [...base, "azurecli", "--server-id", AKS_AAD_SERVER_ID],
    ],
    [
      "azurecli with tenant",
      { loginMode: "azurecli", tenantId: TENANT, clientId: CLIENT },
      [...base, "azurecli", "--server-id", AKS_AAD_SERVER_ID, "--tenant-id", TENANT],
    ],
    [
      "workloadidentity (ids from AZURE_* env; kubelogin v0.1.3 needs the authority host)",
      { loginMode: "workloadidentity" },
      [
        ...base,
        "workloadidentity",
        "--server-id",
        AKS_AAD_SERVER_ID,
        "--authority-host",
        "https://login.microsoftonline.com/",
      ],
    ],
    [
      "workloadidentity with ids",
      { loginMode: "workloadidentity", tenantId: TENANT, clientId: CLIENT },
      [
        ...base,
        "workloadidentity",
        "--server-id",
        AKS_AAD_SERVER_ID,
        "--client-id",
        CLIENT,
        "--tenant-id",
        TENANT,
        "--authority-host",
        "https://login.microsoftonline.com/",
      ],
    ],
    [
      "workloadidentity in a sovereign cloud takes the environment's authority host",
      { loginMode: "workloadidentity" },
      [
        ...base,
        "workloadidentity",
        "--server-id",
        AKS_AAD_SERVER_ID,
        "--authority-host",
        "https://login.microsoftonline.us/",
      ],
      AKS_EXEC_KUBECONFIG.replace("AzurePublicCloud", "AzureUSGovernmentCloud"),
    ],
    [
      "workloadidentity with an explicit authority host",
      { loginMode: "workloadidentity", authorityHost: "https://login.partner.example/" },
      [
        ...base,
        "workloadidentity",
        "--server-id",
        AKS_AAD_SERVER_ID,
        "--authority-host",
        "https://login.partner.example/",
      ],
    ],
    [
      "spn keeps the kubeconfig's tenant and environment",
      { loginMode: "spn", clientId: CLIENT },
      [
        ...base,
        "spn",
        "--server-id",
        AKS_AAD_SERVER_ID,
        "--client-id",
        CLIENT,
        "--tenant-id",
        TENANT,
        "--environment",
        "AzurePublicCloud",
      ],
    ],
    [
      "spn with an explicit tenant",
      { loginMode: "spn", tenantId: OTHER_TENANT },
      [
        ...base,
        "spn",
        "--server-id",
        AKS_AAD_SERVER_ID,
        "--tenant-id",
        OTHER_TENANT,
        "--environment",
        "AzurePublicCloud",
      ],
    ],
    [
      "msi (system-assigned)",
      { loginMode: "msi", tenantId: TENANT },
      [...base, "msi", "--server-id", AKS_AAD_SERVER_ID],
    ],
    [
      "msi (user-assigned)",
      { loginMode: "msi", clientId: CLIENT },
      [...base, "msi", "--server-id", AKS_AAD_SERVER_ID, "--client-id", CLIENT],
    ],
  ])("%s", (_label, opts, args, source = AKS_EXEC_KUBECONFIG) => {
    const exec = execOf(rewriteKubeconfigLogin(source, opts));
    expect(exec.args).toEqual(args);
    expect(exec.args).not.toContain("devicecode");
    expect(exec.args).not.toContain("80faf920-1908-4b52-b5ef-a8e7bedfc67a");
    expect(exec.interactiveMode).toBe("Never");
  });

  it("keeps everything else: clusters, contexts, command, apiVersion, install hint", () => {
    const out = parse(rewriteKubeconfigLogin(AKS_EXEC_KUBECONFIG, { loginMode: "azurecli" }));
    const original = parse(AKS_EXEC_KUBECONFIG);
    expect(out.clusters).toEqual(original.clusters);
    expect(out.contexts).toEqual(original.contexts);
    expect(out["current-context"]).toBe("zc-dev-aks");
    expect(out.users[0].name).toBe("clusterUser_rg-zc-dev_zc-dev-aks");
    const exec = out.users[0].user.exec;
    expect(exec.command).toBe("kubelogin");
    expect(exec.apiVersion).toBe("client.authentication.k8s.io/v1beta1");
    expect(exec.installHint).toBe(original.users[0].user.exec.installHint);
    expect(exec.provideClusterInfo).toBe(false);
  });

  it("is idempotent: rewriting a rewritten kubeconfig changes nothing", () => {
    const once = rewriteKubeconfigLogin(AKS_EXEC_KUBECONFIG, {
      loginMode: "spn",
      clientId: CLIENT,
    });
    expect(rewriteKubeconfigLogin(once, { loginMode: "spn", clientId: CLIENT })).toBe(once);
  });

  it("is idempotent for workloadidentity in a sovereign cloud (the written host is kept)", () => {
    const gov = AKS_EXEC_KUBECONFIG.replace("AzurePublicCloud", "AzureUSGovernmentCloud");
    const once = rewriteKubeconfigLogin(gov, { loginMode: "workloadidentity" });
    expect(rewriteKubeconfigLogin(once, { loginMode: "workloadidentity" })).toBe(once);
    expect(execOf(once).args).toContain("https://login.microsoftonline.us/");
  });

  it("every mode's rewritten args satisfy the pinned kubelogin with the env CI sets", () => {
    // What main.yml's deploy job gives kubelogin: its env block plus GitHub's OIDC request pair.
    const ciEnv = {
      AZURE_CLIENT_ID: CLIENT,
      AZURE_TENANT_ID: TENANT,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: "opaque",
      ACTIONS_ID_TOKEN_REQUEST_URL: "https://pipelines.actions.example/idtoken",
    };
    const args = execOf(
      rewriteKubeconfigLogin(AKS_EXEC_KUBECONFIG, { loginMode: "workloadidentity" }),
    ).args;
    expect(kubeloginInvocationError(args, ciEnv)).toBeUndefined();
    // The kubeconfig as it was before the fix (no --authority-host) fails exactly as v0.1.3 does.
    const before = args.slice(0, args.indexOf("--authority-host"));
    expect(kubeloginInvocationError(before, ciEnv)).toBe(
      "kubelogin v0.1.3 -l workloadidentity: authorityHost cannot be empty (set --authority-host or AZURE_AUTHORITY_HOST).",
    );
  });
});

describe("rewriteKubeconfigLogin refuses what it must not use", () => {
  it.each<[string, string, KubeconfigLoginOptions, string]>([
    [
      "admin credentials",
      ADMIN_KUBECONFIG,
      { loginMode: "azurecli" },
      'kubeconfig user "clusterAdmin_rg-zc-dev_zc-dev-aks" is an admin credential: zerocred never uses admin or local accounts (disableLocalAccounts is true). Use listManagedClusterUserCredentials with format "exec".',
    ],
    [
      "a static token user",
      withUser("- name: clusterUser_rg_aks\n  user:\n    token: abc\n"),
      { loginMode: "azurecli" },
      'kubeconfig user "clusterUser_rg_aks" carries a static credential (token): that is an admin or local-account kubeconfig, which zerocred refuses. Use listManagedClusterUserCredentials with format "exec".',
    ],
    [
      "a client certificate user",
      withUser(
        "- name: u\n  user:\n    client-certificate-data: LS0t\n    client-key-data: LS0t\n",
      ),
      { loginMode: "azurecli" },
      'kubeconfig user "u" carries a static credential (client-certificate-data): that is an admin or local-account kubeconfig, which zerocred refuses. Use listManagedClusterUserCredentials with format "exec".',
    ],
    [
      "the legacy azure auth-provider",
      withUser(
        "- name: u\n  user:\n    auth-provider:\n      name: azure\n      config:\n        apiserver-id: 6dae42f8-4368-4678-94ff-3960e28e3630\n",
      ),
      { loginMode: "azurecli" },
      'kubeconfig user "u" uses the legacy auth-provider format: request the credentials with format "exec" (kubelogin).',
    ],
    [
      "a user without exec",
      withUser("- name: u\n  user: {}\n"),
      { loginMode: "azurecli" },
      'kubeconfig user "u" is not an exec user: request the credentials with format "exec" (kubelogin).',
    ],
    [
      "an exec plugin other than kubelogin",
      withUser("- name: u\n  user:\n    exec:\n      command: aws\n      args: [eks, get-token]\n"),
      { loginMode: "azurecli" },
      'kubeconfig user "u" runs "aws" instead of kubelogin: only kubelogin exec users can be rewritten.',
    ],
    [
      "kubelogin without --server-id",
      withUser(
        "- name: u\n  user:\n    exec:\n      command: kubelogin\n      args: [get-token, --login, devicecode]\n",
      ),
      { loginMode: "azurecli" },
      `kubeconfig user "u" has no --server-id in its kubelogin args: every login mode needs it (${AKS_AAD_SERVER_ID} for AKS-managed Entra ID).`,
    ],
    [
      "spn without any tenant",
      withUser(
        `- name: u\n  user:\n    exec:\n      command: kubelogin\n      args: [get-token, --server-id, ${AKS_AAD_SERVER_ID}]\n`,
      ),
      { loginMode: "spn" },
      'kubeconfig user "u": login mode spn needs a tenant id and the kubeconfig has none; pass tenantId.',
    ],
    [
      "no users",
      "apiVersion: v1\nkind: Config\nusers: []\n",
      { loginMode: "azurecli" },
      "kubeconfig has no users: expected the kubeconfig returned by listClusterUserCredential (format exec).",
    ],
    [
      "an interactive mode",
      AKS_EXEC_KUBECONFIG,
      { loginMode: "devicecode" as KubeconfigLoginOptions["loginMode"] },
      'kubeloginMode: "devicecode" is not supported. Allowed values are: azurecli, workloadidentity, spn, msi (non-interactive modes only).',
    ],
    [
      "a tenant id that is not a GUID",
      AKS_EXEC_KUBECONFIG,
      { loginMode: "azurecli", tenantId: "contoso.onmicrosoft.com" },
      'kubeconfig tenantId: "contoso.onmicrosoft.com" is not a GUID. Pass the Entra tenant id as a GUID.',
    ],
    [
      "an authority host without its trailing slash",
      AKS_EXEC_KUBECONFIG,
      { loginMode: "workloadidentity", authorityHost: "https://login.microsoftonline.com" },
      'kubeconfig authorityHost: "https://login.microsoftonline.com" is not an https origin ending with "/". kubelogin v0.1.3 builds <authorityHost><tenantId>/oauth2/token; use e.g. "https://login.microsoftonline.com/".',
    ],
    [
      "workloadidentity in an environment without a known authority host",
      AKS_EXEC_KUBECONFIG.replace("AzurePublicCloud", "AzureStackCloud"),
      { loginMode: "workloadidentity" },
      'kubeconfig user "clusterUser_rg-zc-dev_zc-dev-aks": --environment "AzureStackCloud" has no known Entra ID authority host, which kubelogin v0.1.3 workloadidentity requires; pass authorityHost (e.g. "https://login.microsoftonline.com/").',
    ],
    [
      "a client id that is not a GUID",
      AKS_EXEC_KUBECONFIG,
      { loginMode: "msi", clientId: "my-identity" },
      'kubeconfig clientId: "my-identity" is not a GUID. Pass the application (client) id as a GUID.',
    ],
  ])("%s", (_label, kubeconfig, opts, message) => {
    expect(() => rewriteKubeconfigLogin(kubeconfig, opts)).toThrow(new Error(message));
  });

  it("rejects text that is not YAML", () => {
    expect(() => rewriteKubeconfigLogin("users: [unclosed", { loginMode: "azurecli" })).toThrow(
      /^kubeconfig is not valid YAML \(/,
    );
  });
});

describe("decodeCredentialKubeconfig", () => {
  it("decodes the first base64 kubeconfig", () => {
    const value = Buffer.from(AKS_EXEC_KUBECONFIG).toString("base64");
    expect(decodeCredentialKubeconfig({ kubeconfigs: [{ name: "clusterUser", value }] })).toBe(
      AKS_EXEC_KUBECONFIG,
    );
  });
  it.each([[{ kubeconfigs: [] }], [{}], [{ kubeconfigs: [{ name: "clusterUser", value: "" }] }]])(
    "throws when there is none: %j",
    (result) => {
      expect(() => decodeCredentialKubeconfig(result)).toThrow(
        new Error(
          "listClusterUserCredential returned no kubeconfig: check the cluster exists and you may list user credentials.",
        ),
      );
    },
  );
});

describe("kubelogin v0.1.3 requirements per mode (Azure/kubelogin@v0.1.3 federatedIdentity.go, options.go)", () => {
  const GH = {
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: "opaque",
    ACTIONS_ID_TOKEN_REQUEST_URL: "https://pipelines.actions.example/idtoken",
  };
  const wi = ["get-token", "--login", "workloadidentity", "--server-id", AKS_AAD_SERVER_ID];
  it("pins the version the workflows install", () => {
    expect(KUBELOGIN_VERSION).toBe("v0.1.3");
    expect(Object.keys(KUBELOGIN_REQUIREMENTS).sort()).toEqual([
      "azurecli",
      "msi",
      "spn",
      "workloadidentity",
    ]);
  });
  it("workloadidentity checks, in kubelogin's order, with its own messages", () => {
    expect(
      KUBELOGIN_REQUIREMENTS.workloadidentity.settings.map((s) => [s.name, s.missingError]),
    ).toEqual([
      ["clientId", "clientID cannot be empty"],
      ["tenantId", "tenantID cannot be empty"],
      [
        "federatedToken",
        "either ACTIONS_ID_TOKEN_REQUEST_TOKEN and ACTIONS_ID_TOKEN_REQUEST_URL environment variables have to be set or federated token file has to be provided",
      ],
      ["authorityHost", "authorityHost cannot be empty"],
      ["serverId", "serverID cannot be empty"],
    ]);
  });
  it.each<[string, readonly string[], Record<string, string | undefined>, string | undefined]>([
    ["no client id", wi, { AZURE_TENANT_ID: TENANT, ...GH }, "clientID cannot be empty"],
    [
      "an empty AZURE_CLIENT_ID wins over --client-id (env is read after flags)",
      [...wi, "--client-id", CLIENT],
      { AZURE_CLIENT_ID: "", AZURE_TENANT_ID: TENANT, ...GH },
      "clientID cannot be empty",
    ],
    ["no tenant", wi, { AZURE_CLIENT_ID: CLIENT, ...GH }, "tenantID cannot be empty"],
    [
      "no federated token (a job without id-token: write)",
      wi,
      {
        AZURE_CLIENT_ID: CLIENT,
        AZURE_TENANT_ID: TENANT,
        AZURE_AUTHORITY_HOST: "https://login.microsoftonline.com/",
      },
      "either ACTIONS_ID_TOKEN_REQUEST_TOKEN",
    ],
    [
      "only half of GitHub's request pair",
      wi,
      {
        AZURE_CLIENT_ID: CLIENT,
        AZURE_TENANT_ID: TENANT,
        ACTIONS_ID_TOKEN_REQUEST_URL: "https://x.example/",
      },
      "either ACTIONS_ID_TOKEN_REQUEST_TOKEN",
    ],
    [
      "CI env without an authority host (the v0.1.3 failure)",
      wi,
      { AZURE_CLIENT_ID: CLIENT, AZURE_TENANT_ID: TENANT, ...GH },
      "authorityHost cannot be empty",
    ],
    [
      "an authority host without trailing slash",
      wi,
      {
        AZURE_CLIENT_ID: CLIENT,
        AZURE_TENANT_ID: TENANT,
        AZURE_AUTHORITY_HOST: "https://login.microsoftonline.com",
        ...GH,
      },
      'authority host "https://login.microsoftonline.com" has no trailing "/"',
    ],
    [
      "AZURE_AUTHORITY_HOST set",
      wi,
      {
        AZURE_CLIENT_ID: CLIENT,
        AZURE_TENANT_ID: TENANT,
        AZURE_AUTHORITY_HOST: "https://login.microsoftonline.com/",
        ...GH,
      },
      undefined,
    ],
    [
      "a pod: token file + the webhook's env",
      wi,
      {
        AZURE_CLIENT_ID: CLIENT,
        AZURE_TENANT_ID: TENANT,
        AZURE_FEDERATED_TOKEN_FILE: "/var/run/secrets/azure/tokens/azure-identity-token",
        AZURE_AUTHORITY_HOST: "https://login.microsoftonline.com/",
      },
      undefined,
    ],
    [
      "AAD_LOGIN_METHOD overrides --login",
      ["get-token", "--login", "azurecli", "--server-id", AKS_AAD_SERVER_ID],
      {
        AAD_LOGIN_METHOD: "workloadidentity",
        AZURE_CLIENT_ID: CLIENT,
        AZURE_TENANT_ID: TENANT,
        ...GH,
      },
      "authorityHost cannot be empty",
    ],
    [
      "azurecli needs only the server id",
      ["get-token", "--login", "azurecli", "--server-id", AKS_AAD_SERVER_ID],
      {},
      undefined,
    ],
    [
      "azurecli without a server id",
      ["get-token", "--login", "azurecli"],
      {},
      "resourceID cannot be empty",
    ],
    [
      "spn without a secret or certificate",
      ["get-token", "--login", "spn", "--server-id", AKS_AAD_SERVER_ID, "--tenant-id", TENANT],
      { AZURE_CLIENT_ID: CLIENT },
      "both clientSecret and clientcert cannot be empty. One must be specified",
    ],
    [
      "msi (system-assigned)",
      ["get-token", "--login", "msi", "--server-id", AKS_AAD_SERVER_ID],
      {},
      undefined,
    ],
    [
      "devicecode is not a CI mode",
      ["get-token", "--server-id", AKS_AAD_SERVER_ID],
      {},
      'login mode "devicecode" is not one zerocred supports',
    ],
  ])("%s", (_label, args, env, expected) => {
    const error = kubeloginInvocationError(args, env);
    if (expected === undefined) {
      expect(error).toBeUndefined();
    } else {
      expect(error).toContain(expected);
    }
  });
});
