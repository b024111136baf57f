/**
 * The simulated cloud: a Pulumi mocks implementation that answers the way Azure and Kubernetes
 * would, shared by the unit tests and `npm start`.
 *
 * - Computed outputs are realistic: ARM resource IDs, GUID principal/client IDs derived from the
 *   URN (identical across runs), AKS `oidcIssuerProfile.issuerURL` in AKS's format (trailing
 *   slash), `vaultUri`, the VM's `identity.principalId`, NIC private IPs, autonames.
 * - Write-only values are not echoed back (a Key Vault secret's `properties.value`), as in ARM.
 * - Invokes the programs use are answered; any other invoke throws, naming its token.
 * - Every registration is recorded with what the engine would see: parent, `dependsOn`,
 *   property dependencies, resource options and which inputs were secret.
 */
import * as crypto from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { v5 as uuidv5 } from "uuid";
import { PULUMI_SECRET_SIG, PULUMI_SECRET_SIG_KEY } from "./model/recorded";

export const SIM_TENANT_ID = "8c3f1a52-7d4e-4b0a-9f6e-2d1c5b7a9e30";
export const SIM_SUBSCRIPTION_ID = "3b9d2e71-5a4c-4f86-b1d0-7e2a6c9f4d18";
export const SIM_DEPLOYER_OBJECT_ID = "5e7c9a13-2b4d-4e6f-8a1c-3d5b7f9e1a24";
export const SIM_DEPLOYER_CLIENT_ID = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"; // Azure CLI's public client id
export const SIM_DEFAULT_LOCATION = "westeurope";
/** AKS's default Kubernetes version when none is set (the simulated region default). */
export const SIM_DEFAULT_KUBERNETES_VERSION = "1.33.5";

/** Namespace for the simulated cloud's deterministic GUIDs (not used by the library). */
const SIM_NAMESPACE = "6f1d3c5e-8a2b-4c7d-9e1f-0a3b5c7d9e2f";

/** The Pulumi secret signature inside serialized property structs (defined once, in the model). */
const SECRET_SIG = PULUMI_SECRET_SIG;
const SPECIAL_SIG_KEY = PULUMI_SECRET_SIG_KEY;

export interface RecordedOptions {
  readonly deleteBeforeReplace?: boolean;
  readonly protect?: boolean;
  readonly retainOnDelete?: boolean;
  readonly ignoreChanges: string[];
  readonly replaceOnChanges: string[];
  readonly additionalSecretOutputs: string[];
  readonly customTimeouts?: { create?: string; update?: string; delete?: string };
}

/** One registered resource, as the engine would have seen it. */
export interface RecordedResource {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  readonly parent?: string;
  readonly custom: boolean;
  readonly provider?: string;
  readonly id: string;
  /** Registration order, from 0. */
  readonly order: number;
  readonly inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
  /** Every URN the engine orders this resource after (`dependsOn` ∪ property dependencies). */
  readonly dependencies: string[];
  /**
   * URNs that are only in `dependsOn` (not behind any input). A resource both in `dependsOn`
   * and behind an input appears only under propertyDependencies.
   */
  readonly dependsOn: string[];
  /** Input property name → URNs of the resources whose outputs it was built from. */
  readonly propertyDependencies: Record<string, string[]>;
  readonly options: RecordedOptions;
  /** Dotted paths of inputs that were Pulumi secrets. */
  readonly secretInputPaths: string[];
}

export interface RecordedInvoke {
  readonly token: string;
  readonly args: Record<string, unknown>;
}

/** The part of a run command's instance view that a simulation run can supply. */
export interface RunCommandInstanceView {
  executionState: string;
  executionMessage?: string;
  exitCode?: number;
  output?: string;
  error?: string;
  startTime?: string;
  endTime?: string;
}

export interface SimulatedCloudOptions {
  readonly tenantId?: string;
  readonly subscriptionId?: string;
  readonly deployerObjectId?: string;
  /**
   * In preview mode, return Azure-computed outputs (principal IDs, client IDs, issuer URL,
   * vault URI…) as unknowns, as a first `pulumi preview` would. Defaults to false.
   */
  readonly unknownComputedOutputs?: boolean;
  /** Supplies a run command's instance view (the simulation runs the real VM verifier). */
  readonly runCommandView?: (command: RecordedResource) => RunCommandInstanceView | undefined;
  /** Results for invokes that read resources outside the program (`--invoke-result token=file`). */
  readonly invokeResults?: Readonly<Record<string, Record<string, unknown>>>;
  /** Outputs of other stacks (`--stack-outputs org/project/stack=file`), by stack name. */
  readonly stackOutputs?: Readonly<Record<string, Record<string, unknown>>>;
}

/**
 * Something the program asks of the cloud that the simulation cannot answer truthfully (an invoke
 * reading a resource outside the program, a StackReference without supplied outputs): the run
 * is refused with this message (exit 2) instead of guessing.
 */
export interface Refusal {
  readonly what: string;
  readonly message: string;
}

interface PendingRegistration {
  urn: string;
  parent?: string;
  dependencies: string[];
  dependsOn: string[];
  propertyDependencies: Record<string, string[]>;
  options: RecordedOptions;
  secretInputPaths: string[];
}

/** Minimal structural views of the generated protobuf request classes we read. */
interface StructLike {
  toJavaScript(): Record<string, unknown>;
}
interface RegisterRequestLike {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getObject(): StructLike | undefined;
  getDependenciesList(): string[];
  getPropertydependenciesMap(): {
    forEach(cb: (value: { getUrnsList(): string[] }, key: string) => void): void;
  };
  getDeletebeforereplace(): boolean;
  getDeletebeforereplacedefined(): boolean;
  getProtect(): boolean | undefined;
  getRetainondelete(): boolean | undefined;
  getIgnorechangesList(): string[];
  getReplaceonchangesList(): string[];
  getAdditionalsecretoutputsList(): string[];
  getCustomtimeouts():
    { getCreate(): string; getUpdate(): string; getDelete(): string } | undefined;
}
interface MockMonitorLike {
  newUrn(parent: string, type: string, name: string): string;
  registerResource(req: RegisterRequestLike, callback: (...a: unknown[]) => void): Promise<void>;
}

export class SimulatedCloud implements pulumi.runtime.Mocks {
  readonly tenantId: string;
  readonly subscriptionId: string;
  readonly deployerObjectId: string;
  readonly resources: RecordedResource[] = [];
  readonly invokes: RecordedInvoke[] = [];
  /** What the simulation refused to answer (see Refusal); the first one fails the run. */
  readonly refusals: Refusal[] = [];
  private pending: PendingRegistration | undefined;
  private preview = false;
  private readonly options: SimulatedCloudOptions;

  constructor(options: SimulatedCloudOptions = {}) {
    this.options = options;
    this.tenantId = options.tenantId ?? SIM_TENANT_ID;
    this.subscriptionId = options.subscriptionId ?? SIM_SUBSCRIPTION_ID;
    this.deployerObjectId = options.deployerObjectId ?? SIM_DEPLOYER_OBJECT_ID;
  }

  /**
   * Installs this cloud as the Pulumi mock monitor (awaits `setMocks`) and starts recording.
   * Call before importing the program under test.
   */
  async install(project = "zerocred", stack = "dev", preview = false): Promise<void> {
    this.preview = preview;
    await pulumi.runtime.setMocks(this, project, stack, preview);
    const monitor = pulumi.runtime.getMonitor() as unknown as MockMonitorLike;
    const original = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req, callback) => {
      // The mock monitor calls `newResource` synchronously at the start of registerResource,
      // so the metadata captured here belongs to exactly that call.
      this.pending = captureRegistration(monitor, req);
      return original(req, callback);
    };
  }

  /** Deterministic GUID for a seed (e.g. `${urn}#principalId`). */
  guid(seed: string): string {
    return uuidv5(seed, SIM_NAMESPACE);
  }

  find(type: string, predicate: (r: RecordedResource) => boolean = () => true) {
    return this.resources.find((r) => r.type === type && predicate(r));
  }

  byType(type: string): RecordedResource[] {
    return this.resources.filter((r) => r.type === type);
  }

  newResource(args: pulumi.runtime.MockResourceArgs): {
    id: string;
    state: Record<string, unknown>;
  } {
    const meta = this.pending;
    this.pending = undefined;
    // Mock inputs keep nested secrets as signature objects; record them plain (which paths were
    // secret is in meta.secretInputPaths).
    const inputs = unwrapSecrets(clone(args.inputs ?? {})) as Record<string, unknown>;
    const urn = meta?.urn ?? `urn:pulumi:unknown::unknown::${args.type}::${args.name}`;
    const simulated = args.custom
      ? this.simulate(args.type, args.name, urn, inputs)
      : { id: "", state: {} };
    const id = simulated.id;
    // Drop undefined values (the SDK cannot deserialize them), as a JSON round trip does.
    const state = clone(simulated.state) as Record<string, unknown>;
    const record: RecordedResource = {
      type: args.type,
      name: args.name,
      urn,
      parent: meta?.parent,
      custom: args.custom ?? false,
      provider: args.provider || undefined,
      id,
      order: this.resources.length,
      inputs,
      outputs: state,
      dependencies: meta?.dependencies ?? [],
      dependsOn: meta?.dependsOn ?? [],
      propertyDependencies: meta?.propertyDependencies ?? {},
      options: meta?.options ?? {
        ignoreChanges: [],
        replaceOnChanges: [],
        additionalSecretOutputs: [],
      },
      secretInputPaths: meta?.secretInputPaths ?? [],
    };
    this.resources.push(record);
    return { id, state: this.withEngineSecrets(state, record) };
  }

  /**
   * The engine, not the SDK, marks `additionalSecretOutputs` and the outputs that echo secret
   * inputs as secret; the mock monitor does neither, so the simulated cloud does it here.
   */
  private withEngineSecrets(
    state: Record<string, unknown>,
    record: RecordedResource,
  ): Record<string, unknown> {
    const secretKeys = new Set([
      ...record.options.additionalSecretOutputs,
      ...record.secretInputPaths.map((p) => p.split(/[.[]/)[0]!),
    ]);
    const out: Record<string, unknown> = { ...state };
    for (const key of secretKeys) {
      if (key in out && out[key] !== undefined) {
        out[key] = pulumi.secret(out[key]);
      }
    }
    return out;
  }

  call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
    const inputs = (args.inputs ?? {}) as Record<string, unknown>;
    this.invokes.push({ token: args.token, args: clone(inputs) as Record<string, unknown> });
    switch (args.token) {
      case "azure-native:authorization:getClientConfig":
        return {
          clientId: SIM_DEPLOYER_CLIENT_ID,
          objectId: this.deployerObjectId,
          subscriptionId: this.subscriptionId,
          tenantId: this.tenantId,
        };
      case "azure-native:containerservice:listManagedClusterUserCredentials":
        return this.userCredentials(inputs);
      case "azure-native:compute:getVirtualMachineRunCommandByVirtualMachine":
        return this.runCommand(inputs);
      case "azure-native:resources:getResourceGroup":
        return this.resourceGroup(inputs);
      default: {
        const declared = this.declaredReadResult(args.token, inputs);
        if (declared !== undefined) {
          return declared;
        }
        const supplied = this.options.invokeResults?.[args.token];
        if (supplied !== undefined) {
          return supplied;
        }
        return this.refuse(
          `invoke ${args.token}`,
          `the program calls ${args.token}(${JSON.stringify(inputs)}), which reads a resource the program does not declare: ` +
            `declare that resource in the program, or supply its result with --invoke-result ${args.token}=<file.json>`,
        );
      }
    }
  }

  private refuse(what: string, message: string): never {
    this.refusals.push({ what, message });
    // The SDK turns a mock error into `new Error(err.details)`: carry the message there too.
    const err = new Error(message) as Error & { details?: string };
    err.details = message;
    throw err;
  }

  /**
   * The common read invokes, answered from the program's OWN declared resources when they match
   * (same name, and resource group when given): `get<Type>` returns the resource's state.
   */
  private declaredReadResult(
    token: string,
    inputs: Record<string, unknown>,
  ): Record<string, unknown> | undefined {
    const reads: Record<string, { type: string; nameKeys: string[] }> = {
      "azure-native:keyvault:getVault": {
        type: "azure-native:keyvault:Vault",
        nameKeys: ["vaultName"],
      },
      "azure-native:keyvault:getSecret": {
        type: "azure-native:keyvault:Secret",
        nameKeys: ["vaultName", "secretName"],
      },
      "azure-native:containerservice:getManagedCluster": {
        type: "azure-native:containerservice:ManagedCluster",
        nameKeys: ["resourceName"],
      },
      "azure-native:managedidentity:getUserAssignedIdentity": {
        type: "azure-native:managedidentity:UserAssignedIdentity",
        nameKeys: ["resourceName"],
      },
      "azure-native:compute:getVirtualMachine": {
        type: "azure-native:compute:VirtualMachine",
        nameKeys: ["vmName"],
      },
    };
    const read = reads[token];
    if (read === undefined) {
      return undefined;
    }
    const rg = str(inputs.resourceGroupName);
    const found = this.resources.find(
      (r) =>
        r.type === read.type &&
        (rg === undefined || eqId(String(r.inputs.resourceGroupName ?? ""), rg)) &&
        read.nameKeys.every((k, i) => {
          const wanted = str(inputs[k]);
          const have =
            i === read.nameKeys.length - 1
              ? (str(r.inputs[k]) ?? str(r.outputs.name))
              : str(r.inputs[k]);
          return wanted !== undefined && have !== undefined && eqId(have, wanted);
        }),
    );
    if (found === undefined) {
      return undefined;
    }
    const { ...state } = found.outputs;
    return { azureApiVersion: "simulated", ...state };
  }

  // ---------------------------------------------------------------------------------------------
  // Resource simulation

  private computed<T>(value: T): T | string {
    return this.preview && this.options.unknownComputedOutputs
      ? pulumi.runtime.unknownValue
      : value;
  }

  private rgId(inputs: Record<string, unknown>): string {
    const rg = str(inputs.resourceGroupName) ?? "unknown-rg";
    return `/subscriptions/${this.subscriptionId}/resourceGroups/${rg}`;
  }

  private simulate(
    type: string,
    name: string,
    urn: string,
    inputs: Record<string, unknown>,
  ): { id: string; state: Record<string, unknown> } {
    if (type.startsWith("pulumi:providers:")) {
      return { id: this.guid(`${urn}#provider`), state: { ...inputs } };
    }
    if (type.startsWith("kubernetes:")) {
      return this.simulateKubernetes(type, name, urn, inputs);
    }
    if (type.startsWith("random:")) {
      return this.simulateRandom(type, urn, inputs);
    }
    if (type === "pulumi:pulumi:StackReference") {
      const stackName = str(inputs.name) ?? name;
      const outputs = this.options.stackOutputs?.[stackName];
      if (outputs === undefined) {
        return this.refuse(
          `StackReference ${stackName}`,
          `the program reads StackReference ${stackName}, another stack's outputs the simulation does not have: ` +
            `supply them with --stack-outputs ${stackName}=<file.json> (the JSON of \`pulumi stack output --json\`)`,
        );
      }
      return { id: stackName, state: { name: stackName, outputs, secretOutputNames: [] } };
    }
    const loc = str(inputs.location) ?? SIM_DEFAULT_LOCATION;
    const auto = (key: string) => str(inputs[key]) ?? autoname(name, urn);
    const rg = this.rgId(inputs);
    const state: Record<string, unknown> = { ...inputs };
    let id: string;
    switch (type) {
      case "azure-native:resources:ResourceGroup": {
        const n = auto("resourceGroupName");
        id = `/subscriptions/${this.subscriptionId}/resourceGroups/${n}`;
        Object.assign(state, {
          name: n,
          location: loc,
          properties: { provisioningState: "Succeeded" },
        });
        break;
      }
      case "azure-native:authorization:RoleDefinition": {
        // ARM: {scope}/providers/Microsoft.Authorization/roleDefinitions/{roleDefinitionId (a GUID)}.
        const guid = str(inputs.roleDefinitionId) ?? this.guid(`${urn}#roleDefinitionId`);
        const scope = (str(inputs.scope) ?? `/subscriptions/${this.subscriptionId}`).replace(
          /\/+$/,
          "",
        );
        id = `${scope}/providers/Microsoft.Authorization/roleDefinitions/${guid}`;
        Object.assign(state, { name: guid, type: "Microsoft.Authorization/roleDefinitions" });
        break;
      }
      case "azure-native:managedidentity:UserAssignedIdentity": {
        const n = auto("resourceName");
        id = `${rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${n}`;
        Object.assign(state, {
          name: n,
          location: loc,
          principalId: this.computed(this.guid(`${urn}#principalId`)),
          clientId: this.computed(this.guid(`${urn}#clientId`)),
          tenantId: this.tenantId,
          type: "Microsoft.ManagedIdentity/userAssignedIdentities",
        });
        break;
      }
      case "azure-native:managedidentity:FederatedIdentityCredential": {
        const n = auto("federatedIdentityCredentialResourceName");
        id = `${rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${str(inputs.resourceName)}/federatedIdentityCredentials/${n}`;
        Object.assign(state, {
          name: n,
          type: "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials",
        });
        break;
      }
      case "azure-native:keyvault:Vault": {
        const n = auto("vaultName");
        id = `${rg}/providers/Microsoft.KeyVault/vaults/${n}`;
        const props = (inputs.properties ?? {}) as Record<string, unknown>;
        Object.assign(state, {
          name: n,
          location: loc,
          type: "Microsoft.KeyVault/vaults",
          properties: {
            ...props,
            vaultUri: this.computed(`https://${n.toLowerCase()}.vault.azure.net/`),
            provisioningState: "Succeeded",
          },
        });
        break;
      }
      case "azure-native:keyvault:Secret": {
        const n = auto("secretName");
        const vault = str(inputs.vaultName) ?? "unknown-vault";
        id = `${rg}/providers/Microsoft.KeyVault/vaults/${vault}/secrets/${n}`;
        const { value: _writeOnly, ...props } = (inputs.properties ?? {}) as Record<
          string,
          unknown
        >;
        const uri = `https://${vault.toLowerCase()}.vault.azure.net/secrets/${n}`;
        Object.assign(state, {
          name: n,
          type: "Microsoft.KeyVault/vaults/secrets",
          // ARM never returns a secret's value.
          properties: {
            ...props,
            secretUri: uri,
            secretUriWithVersion: `${uri}/${this.guid(`${urn}#version`).replace(/-/g, "")}`,
          },
        });
        break;
      }
      case "azure-native:keyvault:Key": {
        const n = auto("keyName");
        const vault = str(inputs.vaultName) ?? "unknown-vault";
        id = `${rg}/providers/Microsoft.KeyVault/vaults/${vault}/keys/${n}`;
        const uri = `https://${vault.toLowerCase()}.vault.azure.net/keys/${n}`;
        Object.assign(state, {
          name: n,
          keyUri: uri,
          keyUriWithVersion: `${uri}/${this.guid(`${urn}#version`).replace(/-/g, "")}`,
        });
        break;
      }
      case "azure-native:authorization:RoleAssignment": {
        const scope = str(inputs.scope) ?? `/subscriptions/${this.subscriptionId}`;
        const n = str(inputs.roleAssignmentName) ?? this.guid(`${urn}#autoname`);
        id = `${scope}/providers/Microsoft.Authorization/roleAssignments/${n}`;
        Object.assign(state, {
          name: n,
          type: "Microsoft.Authorization/roleAssignments",
          principalType: inputs.principalType ?? "ServicePrincipal",
          createdBy: this.deployerObjectId,
        });
        break;
      }
      case "azure-native:compute:VirtualMachine": {
        const n = auto("vmName");
        id = `${rg}/providers/Microsoft.Compute/virtualMachines/${n}`;
        Object.assign(state, {
          name: n,
          location: loc,
          vmId: this.guid(`${urn}#vmId`),
          provisioningState: "Succeeded",
          identity: this.vmIdentity(urn, inputs.identity),
        });
        break;
      }
      case "azure-native:compute:VirtualMachineRunCommandByVirtualMachine": {
        const n = auto("runCommandName");
        id = `${rg}/providers/Microsoft.Compute/virtualMachines/${str(inputs.vmName)}/runCommands/${n}`;
        Object.assign(state, { name: n, location: loc, provisioningState: "Succeeded" });
        break;
      }
      case "azure-native:containerservice:ManagedCluster": {
        const n = auto("resourceName");
        id = `${rg}/providers/Microsoft.ContainerService/managedClusters/${n}`;
        Object.assign(state, this.clusterOutputs(n, urn, loc, inputs));
        break;
      }
      case "azure-native:network:VirtualNetwork": {
        const n = auto("virtualNetworkName");
        id = `${rg}/providers/Microsoft.Network/virtualNetworks/${n}`;
        const subnets = Array.isArray(inputs.subnets) ? inputs.subnets : [];
        Object.assign(state, {
          name: n,
          location: loc,
          subnets: subnets.map((s) => {
            const sn = (s ?? {}) as Record<string, unknown>;
            return { ...sn, id: `${id}/subnets/${str(sn.name) ?? "subnet"}` };
          }),
        });
        break;
      }
      case "azure-native:network:Subnet": {
        const n = auto("subnetName");
        id = `${rg}/providers/Microsoft.Network/virtualNetworks/${str(inputs.virtualNetworkName)}/subnets/${n}`;
        Object.assign(state, { name: n, provisioningState: "Succeeded" });
        break;
      }
      case "azure-native:network:NetworkInterface": {
        const n = auto("networkInterfaceName");
        id = `${rg}/providers/Microsoft.Network/networkInterfaces/${n}`;
        const configs = Array.isArray(inputs.ipConfigurations) ? inputs.ipConfigurations : [];
        Object.assign(state, {
          name: n,
          location: loc,
          ipConfigurations: configs.map((c, i) => ({
            ...((c ?? {}) as Record<string, unknown>),
            privateIPAddress:
              str(((c ?? {}) as Record<string, unknown>).privateIPAddress) ?? `10.42.0.${4 + i}`,
          })),
        });
        break;
      }
      case "azure-native:monitor:DiagnosticSetting": {
        const n = auto("name");
        id = `${str(inputs.resourceUri) ?? rg}/providers/Microsoft.Insights/diagnosticSettings/${n}`;
        Object.assign(state, { name: n });
        break;
      }
      case "azure-native:storage:BlobContainer": {
        const n = auto("containerName");
        id = `${rg}/providers/Microsoft.Storage/storageAccounts/${str(inputs.accountName)}/blobServices/default/containers/${n}`;
        Object.assign(state, { name: n });
        break;
      }
      default: {
        id = this.genericArmId(type, name, urn, inputs, rg);
        Object.assign(state, { name: id.split("/").pop(), location: loc });
      }
    }
    return { id, state: { ...state, id } };
  }

  /** `azure-native:<module>:<Type>` with a `<x>Name` input → a plausible ARM id. */
  private genericArmId(
    type: string,
    name: string,
    urn: string,
    inputs: Record<string, unknown>,
    rg: string,
  ): string {
    const [, module = "unknown", resource = "Resource"] = type.split(":");
    const nameKey = Object.keys(inputs).find(
      (k) => k.endsWith("Name") && k !== "resourceGroupName" && typeof inputs[k] === "string",
    );
    const n = nameKey ? String(inputs[nameKey]) : autoname(name, urn);
    const ns = `Microsoft.${module.charAt(0).toUpperCase()}${module.slice(1)}`;
    const rt = `${resource.charAt(0).toLowerCase()}${resource.slice(1)}s`;
    return `${rg}/providers/${ns}/${rt}/${n}`;
  }

  private vmIdentity(urn: string, identityInput: unknown): Record<string, unknown> | undefined {
    if (!identityInput || typeof identityInput !== "object") {
      return undefined;
    }
    const identity = identityInput as Record<string, unknown>;
    const type = str(identity.type) ?? "None";
    const out: Record<string, unknown> = { type };
    if (/SystemAssigned/i.test(type)) {
      out.principalId = this.computed(this.guid(`${urn}#systemPrincipalId`));
      out.tenantId = this.tenantId;
    }
    const uais = Array.isArray(identity.userAssignedIdentities)
      ? (identity.userAssignedIdentities as unknown[]).map(String)
      : [];
    if (uais.length > 0) {
      // ARM returns a map keyed by resource id with each identity's principal and client ids.
      out.userAssignedIdentities = Object.fromEntries(
        uais.map((uaiId) => {
          const uai = this.resources.find(
            (r) =>
              r.type === "azure-native:managedidentity:UserAssignedIdentity" && eqId(r.id, uaiId),
          );
          return [
            uaiId,
            {
              principalId: uai?.outputs.principalId ?? this.guid(`${uaiId}#principalId`),
              clientId: uai?.outputs.clientId ?? this.guid(`${uaiId}#clientId`),
            },
          ];
        }),
      );
    }
    return out;
  }

  private clusterOutputs(
    n: string,
    urn: string,
    loc: string,
    inputs: Record<string, unknown>,
  ): Record<string, unknown> {
    const oidc = (inputs.oidcIssuerProfile ?? {}) as Record<string, unknown>;
    const dnsPrefix = str(inputs.dnsPrefix) ?? n;
    const hcp = this.guid(`${urn}#fqdn`).slice(0, 8);
    const identity = (inputs.identity ?? { type: "SystemAssigned" }) as Record<string, unknown>;
    return {
      name: n,
      location: loc,
      provisioningState: "Succeeded",
      powerState: { code: "Running" },
      kubernetesVersion: str(inputs.kubernetesVersion) || SIM_DEFAULT_KUBERNETES_VERSION,
      currentKubernetesVersion: str(inputs.kubernetesVersion) || SIM_DEFAULT_KUBERNETES_VERSION,
      fqdn: `${dnsPrefix}-${hcp}.hcp.${loc}.azmk8s.io`,
      azurePortalFQDN: `${dnsPrefix}-${hcp}.portal.hcp.${loc}.azmk8s.io`,
      nodeResourceGroup:
        str(inputs.nodeResourceGroup) ?? `MC_${str(inputs.resourceGroupName)}_${n}_${loc}`,
      // AKS's issuer format, with its trailing slash; empty when the issuer is not enabled.
      oidcIssuerProfile: {
        ...oidc,
        issuerURL:
          oidc.enabled === true
            ? this.computed(
                `https://${loc}.oic.prod-aks.azure.com/${this.tenantId}/${this.guid(`${urn}#issuer`)}/`,
              )
            : undefined,
      },
      identity: {
        ...identity,
        ...(/SystemAssigned/i.test(str(identity.type) ?? "")
          ? { principalId: this.guid(`${urn}#principalId`), tenantId: this.tenantId }
          : {}),
      },
      identityProfile: {
        kubeletidentity: {
          clientId: this.guid(`${urn}#kubeletClientId`),
          objectId: this.guid(`${urn}#kubeletObjectId`),
          resourceId: `/subscriptions/${this.subscriptionId}/resourceGroups/MC_${str(inputs.resourceGroupName)}_${n}_${loc}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${n}-agentpool`,
        },
      },
    };
  }

  private simulateKubernetes(
    type: string,
    name: string,
    urn: string,
    inputs: Record<string, unknown>,
  ): { id: string; state: Record<string, unknown> } {
    const metadata = { ...((inputs.metadata ?? {}) as Record<string, unknown>) };
    // The Kubernetes provider autonames with a random suffix when metadata.name is absent.
    const metaName = str(metadata.name) ?? `${name}-${this.guid(`${urn}#k8sname`).slice(0, 8)}`;
    const clusterScoped =
      /:core\/v1:Namespace$|ClusterRole|:v1:Node$|StorageClass|CustomResourceDefinition/.test(type);
    const namespace = clusterScoped ? undefined : (str(metadata.namespace) ?? "default");
    Object.assign(metadata, {
      name: metaName,
      ...(namespace ? { namespace } : {}),
      uid: this.guid(`${urn}#uid`),
      creationTimestamp: "2026-01-01T00:00:00Z",
    });
    const id = namespace ? `${namespace}/${metaName}` : metaName;
    return { id, state: { ...inputs, metadata } };
  }

  private simulateRandom(
    type: string,
    urn: string,
    inputs: Record<string, unknown>,
  ): { id: string; state: Record<string, unknown> } {
    const length = typeof inputs.length === "number" ? inputs.length : 16;
    const special = inputs.special !== false;
    const alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789" +
      (special ? "!#%&*-_=+" : "");
    // Deterministic per URN (so a second run is identical), unpredictable to a reader.
    const bytes = crypto.createHash("sha512").update(`zerocred-sim#${urn}`).digest();
    let result = "";
    for (let i = 0; i < length; i++) {
      result += alphabet[bytes[i % bytes.length]! % alphabet.length];
    }
    if (type === "random:index/randomPassword:RandomPassword" || type.endsWith("RandomPassword")) {
      return { id: "none", state: { ...inputs, result, bcryptHash: "$2a$10$simulated" } };
    }
    return { id: result, state: { ...inputs, result } };
  }

  // ---------------------------------------------------------------------------------------------
  // Invokes

  private userCredentials(inputs: Record<string, unknown>): Record<string, unknown> {
    const resourceName = str(inputs.resourceName);
    const cluster = this.resources.find(
      (r) =>
        r.type === "azure-native:containerservice:ManagedCluster" &&
        r.outputs.name === resourceName &&
        r.inputs.resourceGroupName === inputs.resourceGroupName,
    );
    if (!cluster) {
      throw new Error(
        `ResourceNotFound: The Resource 'Microsoft.ContainerService/managedClusters/${resourceName}' under resource group '${str(inputs.resourceGroupName)}' was not found.`,
      );
    }
    const fqdn = String(cluster.outputs.fqdn);
    const aad = (cluster.inputs.aadProfile ?? {}) as Record<string, unknown>;
    const format = str(inputs.format) ?? "azure";
    const user = `clusterUser_${str(inputs.resourceGroupName)}_${resourceName}`;
    const ca = Buffer.from(
      `-----BEGIN CERTIFICATE-----\nMIIsimulated${this.guid(`${cluster.urn}#ca`)}\n-----END CERTIFICATE-----\n`,
    ).toString("base64");
    const userBlock =
      aad.managed === true && format === "exec"
        ? [
            `- name: ${user}`,
            "  user:",
            "    exec:",
            "      apiVersion: client.authentication.k8s.io/v1beta1",
            "      args:",
            "      - get-token",
            "      - --environment",
            "      - AzurePublicCloud",
            "      - --server-id",
            "      - 6dae42f8-4368-4678-94ff-3960e28e3630",
            "      - --client-id",
            "      - 80faf920-1908-4b52-b5ef-a8e7bedfc67a",
            "      - --tenant-id",
            `      - ${this.tenantId}`,
            "      - --login",
            "      - devicecode",
            "      command: kubelogin",
            "      env: null",
            "      installHint: |2",
            "",
            "        kubelogin is not installed which is required to connect to AAD enabled cluster.",
            "      interactiveMode: IfAvailable",
            "      provideClusterInfo: false",
          ]
        : [
            `- name: ${user}`,
            "  user:",
            `    token: ${this.guid(`${cluster.urn}#token`).replace(/-/g, "")}`,
          ];
    const kubeconfig = [
      "apiVersion: v1",
      "clusters:",
      "- cluster:",
      `    certificate-authority-data: ${ca}`,
      `    server: https://${fqdn}:443`,
      `  name: ${resourceName}`,
      "contexts:",
      "- context:",
      `    cluster: ${resourceName}`,
      `    user: ${user}`,
      `  name: ${resourceName}`,
      `current-context: ${resourceName}`,
      "kind: Config",
      "preferences: {}",
      "users:",
      ...userBlock,
      "",
    ].join("\n");
    return {
      kubeconfigs: [{ name: "clusterUser", value: Buffer.from(kubeconfig).toString("base64") }],
    };
  }

  /**
   * `GET /subscriptions/<sub>/resourceGroups/<name>` (API 2024-03-01). A group registered in this
   * run answers with its own location and tags; any other name is a group that already exists
   * (e.g. created by the bootstrap), in the simulated default region.
   */
  private resourceGroup(inputs: Record<string, unknown>): Record<string, unknown> {
    const name = str(inputs.resourceGroupName);
    if (name === undefined) {
      throw new Error(
        "InvalidParameter: resourceGroupName is required for azure-native:resources:getResourceGroup.",
      );
    }
    const created = this.resources.find(
      (r) =>
        r.type === "azure-native:resources:ResourceGroup" && eqId(String(r.outputs.name), name),
    );
    const tags = created?.outputs.tags;
    return {
      azureApiVersion: "2024-03-01",
      id: `/subscriptions/${this.subscriptionId}/resourceGroups/${str(created?.outputs.name) ?? name}`,
      name: str(created?.outputs.name) ?? name,
      location: str(created?.outputs.location) ?? SIM_DEFAULT_LOCATION,
      type: "Microsoft.Resources/resourceGroups",
      properties: { provisioningState: "Succeeded" },
      ...(tags !== undefined ? { tags } : {}),
    };
  }

  private runCommand(inputs: Record<string, unknown>): Record<string, unknown> {
    const rc = this.resources.find(
      (r) =>
        r.type === "azure-native:compute:VirtualMachineRunCommandByVirtualMachine" &&
        r.outputs.name === inputs.runCommandName &&
        r.inputs.vmName === inputs.vmName,
    );
    if (!rc) {
      throw new Error(
        `ResourceNotFound: run command '${str(inputs.runCommandName)}' on VM '${str(inputs.vmName)}' was not found.`,
      );
    }
    const view: RunCommandInstanceView = this.options.runCommandView?.(rc) ?? {
      // Nothing ran: unit tests and program evaluation do not execute scripts. `npm start`
      // supplies the real result by running the VM verifier against the emulators.
      executionState: "Pending",
      executionMessage: "Simulated cloud: the script was not executed.",
      output: "",
      error: "",
    };
    return { ...rc.outputs, instanceView: view };
  }
}

// -----------------------------------------------------------------------------------------------
// Helpers

function captureRegistration(
  monitor: MockMonitorLike,
  req: RegisterRequestLike,
): PendingRegistration {
  const propertyDependencies: Record<string, string[]> = {};
  req.getPropertydependenciesMap().forEach((value, key) => {
    propertyDependencies[key] = [...value.getUrnsList()];
  });
  const timeouts = req.getCustomtimeouts();
  const raw = req.getObject()?.toJavaScript() ?? {};
  const dependencies = [...req.getDependenciesList()];
  const behindInputs = new Set(Object.values(propertyDependencies).flat());
  return {
    urn: monitor.newUrn(req.getParent(), req.getType(), req.getName()),
    parent: req.getParent() || undefined,
    dependencies,
    dependsOn: dependencies.filter((d) => !behindInputs.has(d)),
    propertyDependencies,
    options: {
      deleteBeforeReplace: req.getDeletebeforereplacedefined()
        ? req.getDeletebeforereplace()
        : undefined,
      protect: req.getProtect(),
      retainOnDelete: req.getRetainondelete(),
      ignoreChanges: [...req.getIgnorechangesList()],
      replaceOnChanges: [...req.getReplaceonchangesList()],
      additionalSecretOutputs: [...req.getAdditionalsecretoutputsList()],
      customTimeouts: timeouts
        ? {
            create: timeouts.getCreate() || undefined,
            update: timeouts.getUpdate() || undefined,
            delete: timeouts.getDelete() || undefined,
          }
        : undefined,
    },
    secretInputPaths: secretPaths(raw, ""),
  };
}

function secretPaths(value: unknown, path: string): string[] {
  if (value === null || typeof value !== "object") {
    return [];
  }
  if (Array.isArray(value)) {
    return value.flatMap((v, i) => secretPaths(v, `${path}[${i}]`));
  }
  const obj = value as Record<string, unknown>;
  if (obj[SPECIAL_SIG_KEY] === SECRET_SIG) {
    return [path];
  }
  return Object.entries(obj).flatMap(([k, v]) => secretPaths(v, path ? `${path}.${k}` : k));
}

function unwrapSecrets(value: unknown): unknown {
  if (value === null || typeof value !== "object") {
    return value;
  }
  if (Array.isArray(value)) {
    return value.map(unwrapSecrets);
  }
  const obj = value as Record<string, unknown>;
  if (obj[SPECIAL_SIG_KEY] === SECRET_SIG) {
    return unwrapSecrets(obj.value);
  }
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, unwrapSecrets(v)]));
}

function clone(value: unknown): unknown {
  if (value === undefined) {
    return undefined;
  }
  return JSON.parse(JSON.stringify(value)) as unknown;
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v.length > 0 ? v : undefined;
}

function eqId(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** Provider autonaming: the logical name plus a short suffix, stable per URN. */
function autoname(name: string, urn: string): string {
  const suffix = crypto.createHash("sha256").update(urn).digest("hex").slice(0, 7);
  return `${name}${suffix}`;
}
