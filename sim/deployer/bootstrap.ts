/**
 * The deployer's side of Azure as `bootstrap/` declares it, read from an evaluation of the bootstrap
 * program in the simulated cloud: the identities CI signs in as, their federated credentials, every role
 * assignment (with its ABAC condition), custom role definitions, the resource providers it registers,
 * and the repository variables it tells the operator to set (`ghVariableCommands`).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import type { RecordedResource } from "../cloud";
import { evaluateProgram, ProgramError } from "../program";
import { freshRequire } from "../evaluate";

export const BOOTSTRAP_DIR = path.join(__dirname, "..", "..", "bootstrap");
export const DEFAULT_BOOTSTRAP_CONFIG = path.join(BOOTSTRAP_DIR, "Pulumi.example.yaml");

export interface DeployerIdentity {
  readonly name: string;
  readonly resourceId: string;
  readonly principalId: string;
  readonly clientId: string;
}

export interface DeployerCredential {
  readonly identityResourceId: string;
  readonly name: string;
  readonly issuer: string;
  readonly subject: string;
  readonly audiences: string[];
}

export interface DeployerRoleAssignment {
  readonly name: string;
  readonly principalId: string;
  readonly principalType?: string;
  readonly roleDefinitionId: string;
  readonly scope: string;
  readonly condition?: string;
}

export interface CustomRole {
  readonly guid: string;
  readonly roleName: string;
  readonly actions: readonly string[];
  readonly notActions: readonly string[];
  readonly dataActions: readonly string[];
  readonly notDataActions: readonly string[];
}

export interface BootstrapWorld {
  readonly configFile: string;
  readonly repository: string;
  readonly tenantId: string;
  readonly subscriptionId: string;
  readonly identities: readonly DeployerIdentity[];
  readonly credentials: readonly DeployerCredential[];
  readonly roleAssignments: readonly DeployerRoleAssignment[];
  readonly customRoles: readonly CustomRole[];
  /** Resource provider namespaces the bootstrap registers (lowercase). */
  readonly registeredProviders: readonly string[];
  /** Repository variables (`gh variable set NAME … --body V`). */
  readonly variables: Readonly<Record<string, string>>;
  /** Environment-scoped variables (`gh variable set NAME --env E …`): environment → name → value. */
  readonly environmentVariables: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly resources: readonly RecordedResource[];
}

/** Reads the `config:` block of a bootstrap stack file. Throws naming the file when unreadable. */
export function readBootstrapConfig(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    throw new ProgramError(`--bootstrap-config ${file}: no such file.`, undefined);
  }
  const doc = parse(text) as { config?: Record<string, unknown> } | null;
  return { ...(doc?.config ?? {}) };
}

/** Parses `gh variable set` lines into repository and environment variables. */
export function parseVariableCommands(commands: string): {
  variables: Record<string, string>;
  environmentVariables: Record<string, Record<string, string>>;
} {
  const variables: Record<string, string> = {};
  const environmentVariables: Record<string, Record<string, string>> = {};
  for (const line of commands.split("\n")) {
    const m = /^gh variable set (\S+)(.*)$/.exec(line.trim());
    if (!m) {
      continue;
    }
    const rest = m[2]!;
    const body = /--body\s+"([^"]*)"|--body\s+(\S+)/.exec(rest);
    const env = /(?:--env|-e)\s+"?([^"\s]+)"?/.exec(rest);
    const value = body?.[1] ?? body?.[2] ?? "";
    if (env) {
      (environmentVariables[env[1]!] ??= {})[m[1]!] = value;
    } else {
      variables[m[1]!] = value;
    }
  }
  return { variables, environmentVariables };
}

function str(v: unknown): string {
  return typeof v === "string" ? v : "";
}

/** `REQUIRED_RESOURCE_PROVIDERS` of bootstrap/providers.ts, lowercase; none when the module is absent. */
export function documentedRegistrations(dir = BOOTSTRAP_DIR): string[] {
  const file = path.join(dir, "providers.ts");
  if (!fs.existsSync(file)) {
    return [];
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded through tsx's hook
  const mod = require(file) as { REQUIRED_RESOURCE_PROVIDERS?: readonly { namespace: string }[] };
  return (mod.REQUIRED_RESOURCE_PROVIDERS ?? []).map((p) => p.namespace.toLowerCase());
}

/** Evaluates bootstrap/ with the given stack file in the simulated cloud and extracts its world. */
export async function evaluateBootstrap(
  configFile = DEFAULT_BOOTSTRAP_CONFIG,
): Promise<BootstrapWorld> {
  const config = readBootstrapConfig(configFile);
  const evaluation = await evaluateProgram({
    config,
    project: "zerocred-bootstrap",
    stack: path.basename(configFile).replace(/^Pulumi\.|\.yaml$/g, "") || "cicd",
    load: async () => freshRequire(path.join(BOOTSTRAP_DIR, "index.ts")),
  });
  const resources = evaluation.resources;
  const custom = resources.filter((r) => r.custom);
  const outputsOf = (r: RecordedResource) => ({ ...r.inputs, ...r.outputs });

  const identities = custom
    .filter((r) => r.type === "azure-native:managedidentity:UserAssignedIdentity")
    .map((r) => {
      const o = outputsOf(r);
      return {
        name: str(o.resourceName) || r.name,
        resourceId: r.id,
        principalId: str(o.principalId),
        clientId: str(o.clientId),
      };
    });
  const credentials = custom
    .filter((r) => r.type === "azure-native:managedidentity:FederatedIdentityCredential")
    .map((r) => {
      const o = outputsOf(r);
      return {
        identityResourceId: r.id.replace(/\/federatedIdentityCredentials\/[^/]+$/i, ""),
        name: str(o.federatedIdentityCredentialResourceName) || r.name,
        issuer: str(o.issuer),
        subject: str(o.subject),
        audiences: Array.isArray(o.audiences) ? o.audiences.map(String) : [],
      };
    });
  const roleAssignments = custom
    .filter((r) => r.type === "azure-native:authorization:RoleAssignment")
    .map((r) => {
      const o = outputsOf(r);
      return {
        name: r.name,
        principalId: str(o.principalId),
        principalType: str(o.principalType) || undefined,
        roleDefinitionId: str(o.roleDefinitionId),
        scope: str(o.scope),
        condition: str(o.condition) || undefined,
      };
    });
  const customRoles = custom
    .filter((r) => r.type === "azure-native:authorization:RoleDefinition")
    .map((r) => {
      const o = outputsOf(r);
      const perms = (Array.isArray(o.permissions) ? o.permissions : []) as Record<
        string,
        unknown
      >[];
      const list = (k: string) =>
        perms.flatMap((p) => (Array.isArray(p[k]) ? p[k].map(String) : []));
      return {
        guid: str(o.roleDefinitionId).toLowerCase() || r.id.split("/").pop()!.toLowerCase(),
        roleName: str(o.roleName),
        actions: list("actions"),
        notActions: list("notActions"),
        dataActions: list("dataActions"),
        notDataActions: list("notDataActions"),
      };
    });
  // Resource provider registrations, whatever resource bootstrap uses for them: any resource with a
  // provider-namespace input.
  const registeredProviders = custom
    .map((r) => outputsOf(r))
    .map((o) => str(o.resourceProviderNamespace) || str(o.providerNamespace))
    .filter((ns) => ns !== "")
    .map((ns) => ns.toLowerCase());
  // Namespaces the documented bootstrap procedure registers (bootstrap/providers.ts, run once per
  // subscription by someone holding <namespace>/register/action there; azure-native has no resource for it).
  registeredProviders.push(...documentedRegistrations());
  const github = (() => {
    const raw = config["zerocred-bootstrap:github"];
    const g = (typeof raw === "string" ? JSON.parse(raw) : raw) as
      Record<string, unknown> | undefined;
    return `${str(g?.organization)}/${str(g?.repository)}`;
  })();
  const { variables, environmentVariables } = parseVariableCommands(
    str(evaluation.exports.ghVariableCommands),
  );
  return {
    configFile,
    repository: github,
    tenantId: evaluation.cloud.tenantId,
    subscriptionId: evaluation.cloud.subscriptionId,
    identities,
    credentials,
    roleAssignments,
    customRoles,
    registeredProviders,
    variables,
    environmentVariables,
    resources,
  };
}
