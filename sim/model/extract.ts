/**
 * Extraction: the deployment model rebuilt from RAW recorded resources (type tokens + resolved
 * inputs/outputs), so it works for any program, with or without zerocred's components. Pure.
 */
import {
  findRole,
  KEY_VAULT_GET_SECRET,
  permits,
  type RoleDefinition,
} from "../../components/roles";
import { parseArmId } from "../../components/rules/armIds";
import {
  arr,
  bool,
  eqi,
  obj,
  pick,
  str,
  stringMap,
  strings,
  T,
  unsecret,
  type RecordedResourceLike,
} from "./recorded";
import {
  derivedGuid,
  setSecretValue,
  type ClusterModel,
  type ConfigMapModel,
  type DeploymentModel,
  type EnvVarModel,
  type FederatedCredentialModel,
  type IdentityModel,
  type PodTemplateModel,
  type RoleAssignmentModel,
  type RunCommandModel,
  type ScopeKind,
  type SecretModel,
  type ServiceAccountModel,
  type VaultModel,
  type VmModel,
} from "./types";

function rgOfId(id: string): string | undefined {
  return parseArmId(id).resourceGroup;
}

// ---------------------------------------------------------------------------------------------
// buildModel

function clusterResolver(
  resources: readonly RecordedResourceLike[],
  clusters: readonly ClusterModel[],
): (r: RecordedResourceLike) => string | undefined {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  return (r) => {
    if (clusters.length === 0) {
      return undefined;
    }
    const providerUrn = r.provider?.split("::").slice(0, -1).join("::");
    const provider = providerUrn !== undefined ? byUrn.get(providerUrn) : undefined;
    if (provider !== undefined) {
      const deps = new Set(provider.dependencies ?? []);
      const byDep = clusters.find((c) => deps.has(c.urn));
      if (byDep !== undefined) {
        return byDep.name;
      }
      const kubeconfig = JSON.stringify(provider.inputs.kubeconfig ?? "");
      const byText = clusters.find((c) => kubeconfig.includes(c.name));
      if (byText !== undefined) {
        return byText.name;
      }
    }
    return clusters.length === 1 ? clusters[0]!.name : undefined;
  };
}

const POD_TEMPLATE_PATHS: Record<string, string[]> = {
  [T.job]: ["spec", "template"],
  [T.deployment]: ["spec", "template"],
  [T.statefulSet]: ["spec", "template"],
  [T.daemonSet]: ["spec", "template"],
  [T.replicaSet]: ["spec", "template"],
  [T.cronJob]: ["spec", "jobTemplate", "spec", "template"],
  [T.pod]: [],
};

function k8sKind(type: string): string {
  return type.split(":").pop() ?? type;
}

/** `customData`/`userData` are base64 in ARM; decode when they are, keep the text when not. */
function decodedText(value: string | undefined): string {
  if (value === undefined) {
    return "";
  }
  if (/^[A-Za-z0-9+/=\s]+$/.test(value) && value.replace(/\s/g, "").length % 4 === 0) {
    const decoded = Buffer.from(value, "base64").toString("utf8");
    // eslint-disable-next-line no-control-regex -- printable text check
    if (!/[\x00-\x08\x0e-\x1f]/.test(decoded)) {
      return decoded;
    }
  }
  return value;
}

/** Principal/object ids found anywhere in a resource's outputs (depth-limited). */
function principalIdsIn(value: unknown, out: Set<string>, depth = 0): void {
  const u = unsecret(value);
  if (depth > 6 || u === null || typeof u !== "object") {
    return;
  }
  for (const [k, v] of Object.entries(u as Record<string, unknown>)) {
    const sv = unsecret(v);
    if (typeof sv === "string" && /^(principalId|objectId)$/i.test(k)) {
      out.add(sv.toLowerCase());
    } else {
      principalIdsIn(sv, out, depth + 1);
    }
  }
}

export interface BuildModelOptions {
  /** Principals outside the recorded resources that are known (the deployer's object id). */
  readonly knownPrincipalIds?: readonly string[];
}

/** Builds the deployment model from raw recorded resources. Pure. */
export function buildModel(
  resources: readonly RecordedResourceLike[],
  options: BuildModelOptions = {},
): DeploymentModel {
  const of = (type: string) => resources.filter((r) => r.type === type);

  const identities: IdentityModel[] = of(T.uai).map((r) => ({
    urn: r.urn,
    logicalName: r.name,
    name: pick(r, "resourceName", "name") ?? r.name,
    resourceGroupName: pick(r, "resourceGroupName"),
    resourceId: str(r.outputs.id) ?? r.id,
    principalId: pick(r, "principalId"),
    clientId: pick(r, "clientId"),
  }));

  const federatedCredentials: FederatedCredentialModel[] = of(T.fic).map((r) => {
    const identityName = pick(r, "resourceName") ?? "";
    const rg = pick(r, "resourceGroupName");
    const parent =
      identities.find(
        (i) =>
          i.name === identityName &&
          (rg === undefined || i.resourceGroupName === undefined || eqi(i.resourceGroupName, rg)),
      ) ?? undefined;
    const audiences = strings(r.inputs.audiences ?? r.outputs.audiences);
    return {
      urn: r.urn,
      logicalName: r.name,
      name: pick(r, "federatedIdentityCredentialResourceName", "name") ?? r.name,
      identityName,
      resourceGroupName: rg,
      identityUrn: parent?.urn,
      identityResourceId: parent?.resourceId,
      issuer: pick(r, "issuer"),
      subject: pick(r, "subject"),
      audiences,
      dependencies: r.dependencies,
    };
  });

  const nicSubnets = new Map<string, string[]>();
  for (const nic of of(T.nic)) {
    const subnets = arr(nic.inputs.ipConfigurations)
      .map((c) => str(obj(obj(c).subnet).id))
      .filter((id): id is string => id !== undefined);
    nicSubnets.set((str(nic.outputs.id) ?? nic.id).toLowerCase(), subnets);
  }
  const vms: VmModel[] = of(T.vm).map((r) => {
    const identityIn = obj(r.inputs.identity);
    const identityOut = obj(r.outputs.identity);
    const identityType = str(identityIn.type) ?? str(identityOut.type) ?? "None";
    const uaiIn = unsecret(identityIn.userAssignedIdentities);
    const uaiOut = unsecret(identityOut.userAssignedIdentities);
    const ids = Array.isArray(uaiIn)
      ? strings(uaiIn)
      : uaiIn !== undefined
        ? Object.keys(obj(uaiIn))
        : Array.isArray(uaiOut)
          ? strings(uaiOut)
          : Object.keys(obj(uaiOut));
    const hasSystem = /systemassigned/i.test(identityType.replace(/\s/g, ""));
    const principalId = str(identityOut.principalId);
    const resourceId = str(r.outputs.id) ?? r.id;
    return {
      urn: r.urn,
      logicalName: r.name,
      name: pick(r, "vmName", "name") ?? r.name,
      resourceId,
      identityType,
      ...(hasSystem && principalId !== undefined
        ? { systemAssigned: { principalId, clientId: derivedGuid(`${principalId}#clientId`) } }
        : {}),
      userAssignedIdentityIds: /userassigned/i.test(identityType) ? ids : [],
      subnetIds: arr(obj(r.inputs.networkProfile).networkInterfaces)
        .map((n) => str(obj(n).id))
        .filter((id): id is string => id !== undefined)
        .flatMap((id) => nicSubnets.get(id.toLowerCase()) ?? []),
      bootText: [
        decodedText(str(obj(r.inputs.osProfile).customData)),
        decodedText(str(r.inputs.userData)),
      ]
        .filter((t) => t.length > 0)
        .join("\n"),
    };
  });

  const secrets: SecretModel[] = of(T.secret).map((r) => {
    const vaultName = pick(r, "vaultName") ?? "";
    const name = pick(r, "secretName", "name") ?? r.name;
    const value = str(obj(r.inputs.properties).value);
    const model: SecretModel = {
      urn: r.urn,
      logicalName: r.name,
      vaultName,
      name,
      resourceId: str(r.outputs.id) ?? r.id,
      valueRecorded: value !== undefined,
    };
    if (value !== undefined) {
      setSecretValue(model, value);
    }
    return model;
  });

  const vaults: VaultModel[] = of(T.vault).map((r) => {
    const props = obj(r.inputs.properties);
    const outProps = obj(r.outputs.properties);
    const name = pick(r, "vaultName", "name") ?? r.name;
    const rbac = bool(props.enableRbacAuthorization) ?? bool(outProps.enableRbacAuthorization);
    const acls = obj(props.networkAcls ?? outProps.networkAcls);
    const hasAcls = Object.keys(acls).length > 0;
    const rg = pick(r, "resourceGroupName");
    return {
      urn: r.urn,
      logicalName: r.name,
      name,
      resourceGroupName: rg,
      resourceId: str(r.outputs.id) ?? r.id,
      enableRbacAuthorization: rbac ?? false,
      rbacSetExplicitly: rbac !== undefined,
      accessPolicyCount: Array.isArray(unsecret(props.accessPolicies))
        ? (unsecret(props.accessPolicies) as unknown[]).length
        : 0,
      publicNetworkAccess: str(props.publicNetworkAccess) ?? str(outProps.publicNetworkAccess),
      ...(hasAcls
        ? {
            networkAcls: {
              defaultAction: str(acls.defaultAction),
              bypass: str(acls.bypass),
              ipRules: (Array.isArray(unsecret(acls.ipRules))
                ? (unsecret(acls.ipRules) as unknown[])
                : []
              ).map((x) => str(obj(x).value) ?? ""),
              virtualNetworkRules: (Array.isArray(unsecret(acls.virtualNetworkRules))
                ? (unsecret(acls.virtualNetworkRules) as unknown[])
                : []
              ).map((x) => str(obj(x).id) ?? ""),
            },
          }
        : {}),
      vaultUri: str(outProps.vaultUri) ?? str(props.vaultUri),
      secrets: secrets.filter(
        (s) =>
          s.vaultName.toLowerCase() === name.toLowerCase() &&
          (rg === undefined || rgOfId(s.resourceId) === undefined || eqi(rgOfId(s.resourceId), rg)),
      ),
    };
  });

  const clusters: ClusterModel[] = of(T.cluster).map((r) => {
    const oidc = obj(r.outputs.oidcIssuerProfile);
    const oidcIn = obj(r.inputs.oidcIssuerProfile);
    const wi = obj(obj(r.inputs.securityProfile).workloadIdentity);
    return {
      urn: r.urn,
      logicalName: r.name,
      name: pick(r, "resourceName", "name") ?? r.name,
      resourceId: str(r.outputs.id) ?? r.id,
      issuerUrl: str(oidc.issuerURL) ?? str(oidcIn.issuerURL),
      oidcIssuerEnabled: bool(oidcIn.enabled) ?? bool(oidc.enabled) ?? false,
      workloadIdentityEnabled:
        bool(wi.enabled) ??
        bool(obj(obj(r.outputs.securityProfile).workloadIdentity).enabled) ??
        false,
      subnetIds: arr(r.inputs.agentPoolProfiles)
        .map((p) => str(obj(p).vnetSubnetID))
        .filter((id): id is string => id !== undefined),
    };
  });

  const clusterOf = clusterResolver(resources, clusters);

  const serviceAccounts: ServiceAccountModel[] = of(T.serviceAccount).map((r) => {
    const meta = { ...obj(r.outputs.metadata), ...obj(r.inputs.metadata) };
    return {
      urn: r.urn,
      logicalName: r.name,
      cluster: clusterOf(r),
      namespace: str(meta.namespace) ?? "default",
      name: str(meta.name) ?? str(obj(r.outputs.metadata).name) ?? r.name,
      annotations: stringMap(meta.annotations),
      labels: stringMap(meta.labels),
    };
  });

  const podTemplates: PodTemplateModel[] = [];
  for (const r of resources) {
    const path = POD_TEMPLATE_PATHS[r.type];
    if (path === undefined) {
      continue;
    }
    const meta = { ...obj(r.outputs.metadata), ...obj(r.inputs.metadata) };
    let template: Record<string, unknown> = r.inputs;
    for (const key of path) {
      template = obj(template[key]);
    }
    const tmeta = obj(template.metadata);
    const spec = obj(template.spec);
    const containers = [...arr(spec.initContainers), ...arr(spec.containers)].map(obj);
    const env: EnvVarModel[] = containers.flatMap((c) =>
      arr(c.env).map((e): EnvVarModel => {
        const o = obj(e);
        const ref = obj(obj(o.valueFrom).configMapKeyRef);
        const cmName = str(ref.name);
        const cmKey = str(ref.key);
        return {
          container: str(c.name) ?? "",
          name: str(o.name) ?? "",
          ...(str(o.value) !== undefined ? { value: str(o.value)! } : {}),
          ...(cmName !== undefined && cmKey !== undefined
            ? { configMap: { name: cmName, key: cmKey } }
            : {}),
        };
      }),
    );
    const envValue = (name: string) => env.find((e) => e.name === name)?.value;
    const zcVault = envValue("ZC_VAULT_URL");
    const zcSecret = envValue("ZC_SECRET_NAME");
    const zcExpected = envValue("ZC_EXPECTED");
    // zerocred's pod verifier: one check in ZC_EXPECTED/ZC_VAULT_URL/ZC_SECRET_NAME, or several
    // in ZC_CHECKS (JSON [{ vaultUrl, secretName, expected, … }]); read defensively.
    const verifierChecks: { expected: string; vaultUrl: string; secretName: string }[] = [];
    if (zcVault !== undefined && zcSecret !== undefined && zcExpected !== undefined) {
      verifierChecks.push({ expected: zcExpected, vaultUrl: zcVault, secretName: zcSecret });
    }
    const zcChecks = envValue("ZC_CHECKS");
    if (zcChecks !== undefined) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(zcChecks);
      } catch {
        parsed = undefined;
      }
      for (const c of arr(parsed)) {
        const o = obj(c);
        const vaultUrl = str(o.vaultUrl);
        const secretName = str(o.secretName);
        const expected = str(o.expected);
        if (vaultUrl !== undefined && secretName !== undefined && expected !== undefined) {
          verifierChecks.push({ expected, vaultUrl, secretName });
        }
      }
    }
    podTemplates.push({
      urn: r.urn,
      logicalName: r.name,
      kind: k8sKind(r.type),
      name: str(meta.name) ?? str(obj(r.outputs.metadata).name) ?? r.name,
      cluster: clusterOf(r),
      namespace: str(meta.namespace) ?? "default",
      serviceAccountName: str(spec.serviceAccountName) ?? str(spec.serviceAccount) ?? "",
      labels: stringMap(tmeta.labels),
      annotations: stringMap(tmeta.annotations),
      objectLabels: stringMap(meta.labels),
      env,
      envFromConfigMaps: containers.flatMap((c) =>
        arr(c.envFrom)
          .map((e) => str(obj(obj(e).configMapRef).name))
          .filter((n): n is string => n !== undefined),
      ),
      ...(verifierChecks.length > 0
        ? { verifier: { principal: envValue("ZC_PRINCIPAL") ?? "", checks: verifierChecks } }
        : {}),
    });
  }

  const configMaps: ConfigMapModel[] = of(T.configMap).map((r) => {
    const meta = { ...obj(r.outputs.metadata), ...obj(r.inputs.metadata) };
    return {
      urn: r.urn,
      cluster: clusterOf(r),
      namespace: str(meta.namespace) ?? "default",
      name: str(meta.name) ?? r.name,
      data: stringMap(r.inputs.data ?? r.outputs.data),
    };
  });

  // Custom roles the program declares: evaluated by their own permissions, like built-in ones.
  const customRoles = of(T.roleDefinition).map((r) => {
    const perms = arr(r.inputs.permissions).map(obj);
    const id = str(r.outputs.id) ?? r.id;
    const role: RoleDefinition = {
      roleName: pick(r, "roleName") ?? r.name,
      id: (id.split("/").pop() ?? id).toLowerCase(),
      description: pick(r, "description") ?? "",
      actions: perms.flatMap((p) => strings(p.actions)),
      notActions: perms.flatMap((p) => strings(p.notActions)),
      dataActions: perms.flatMap((p) => strings(p.dataActions)),
      notDataActions: perms.flatMap((p) => strings(p.notDataActions)),
    };
    return { resourceId: id, role };
  });
  const roleOf = (
    roleDefinitionId: string,
  ): { role?: RoleDefinition; known: boolean; custom: boolean } => {
    if (roleDefinitionId === "") {
      return { known: false, custom: false };
    }
    const guid = roleDefinitionId.split("/").pop() ?? roleDefinitionId;
    const custom = customRoles.find(
      (c) => eqi(c.resourceId, roleDefinitionId) || eqi(c.role.id, guid),
    );
    if (custom !== undefined) {
      return { role: custom.role, known: true, custom: true };
    }
    const builtIn = findRole(roleDefinitionId);
    return {
      ...(builtIn !== undefined ? { role: builtIn } : {}),
      known: builtIn !== undefined,
      custom: false,
    };
  };

  const principalName = (
    principalId: string,
  ): { name: string; kind: RoleAssignmentModel["principalKind"] } => {
    const uai = identities.find((i) => eqi(i.principalId, principalId));
    if (uai !== undefined) {
      return { name: uai.name, kind: "user-assigned" };
    }
    const vm = vms.find((v) => eqi(v.systemAssigned?.principalId, principalId));
    if (vm !== undefined) {
      return { name: `${vm.name} (system-assigned)`, kind: "vm-system" };
    }
    return { name: principalId, kind: "unknown" };
  };

  const describeScope = (scope: string): { kind: ScopeKind; name: string } => {
    const parsed = parseArmId(scope);
    const last = parsed.segments[parsed.segments.length - 1];
    const vault = vaults.find((v) => eqi(v.resourceId, scope));
    if (vault !== undefined) {
      return { kind: "vault", name: `vault ${vault.name}` };
    }
    const secret = secrets.find((s) => eqi(s.resourceId, scope));
    if (secret !== undefined) {
      return { kind: "secret", name: `secret ${secret.vaultName}/${secret.name}` };
    }
    if (last === undefined) {
      if (parsed.resourceGroup !== undefined) {
        return { kind: "resourceGroup", name: `resource group ${parsed.resourceGroup}` };
      }
      if (parsed.subscriptionId !== undefined) {
        return { kind: "subscription", name: `subscription ${parsed.subscriptionId}` };
      }
      return { kind: "other", name: scope };
    }
    const segs = parsed.segments;
    if (eqi(parsed.provider, "Microsoft.KeyVault") && eqi(segs[0]?.type, "vaults")) {
      const where =
        parsed.resourceGroup !== undefined ? ` in resource group ${parsed.resourceGroup}` : "";
      if (segs.length >= 2 && eqi(segs[1]?.type, "secrets")) {
        return { kind: "secret", name: `secret ${segs[0]!.name}/${segs[1]!.name}${where}` };
      }
      return { kind: "vault", name: `vault ${segs[0]!.name}${where}` };
    }
    return { kind: "resource", name: `${last.type}/${last.name}` };
  };

  const roleAssignments: RoleAssignmentModel[] = of(T.roleAssignment).map((r) => {
    const principalId = pick(r, "principalId") ?? "";
    const roleDefinitionId = pick(r, "roleDefinitionId") ?? "";
    const scope = pick(r, "scope") ?? "";
    const { role, known, custom } = roleOf(roleDefinitionId);
    const p = principalName(principalId);
    const s = describeScope(scope);
    return {
      urn: r.urn,
      logicalName: r.name,
      principalId,
      principalName: p.name,
      principalKind: p.kind,
      principalType: pick(r, "principalType"),
      roleDefinitionId,
      ...(role !== undefined ? { role } : {}),
      roleKnown: known,
      customRole: custom,
      roleName: role?.roleName ?? roleDefinitionId,
      scope,
      scopeKind: s.kind,
      scopeName: s.name,
      grantsGetSecret: role !== undefined && permits(role, KEY_VAULT_GET_SECRET, "dataAction"),
    };
  });

  const runCommands: RunCommandModel[] = of(T.runCommand).map((r) => {
    const text = JSON.stringify([
      r.inputs.source ?? null,
      r.inputs.parameters ?? null,
      r.inputs.protectedParameters ?? null,
    ]);
    const parameters: Record<string, string> = {};
    for (const p of arr(r.inputs.parameters)) {
      const name = str(obj(p).name);
      const value = str(obj(p).value);
      if (name !== undefined && value !== undefined) {
        parameters[name] = value;
      }
    }
    return {
      urn: r.urn,
      logicalName: r.name,
      name: pick(r, "runCommandName", "name") ?? r.name,
      vmName: pick(r, "vmName") ?? "",
      script: str(obj(r.inputs.source).script) ?? "",
      parameters,
      selectsIdentity:
        /client_id|clientid|msi_res_id|object_id/i.test(text) ||
        identities.some((i) => i.clientId !== undefined && text.includes(i.clientId)),
    };
  });

  const known = new Set((options.knownPrincipalIds ?? []).map((id) => id.toLowerCase()));
  for (const r of resources) {
    if (r.type !== T.roleAssignment) {
      principalIdsIn(r.outputs, known);
    }
  }

  return {
    identities,
    federatedCredentials,
    vms,
    runCommands,
    configMaps,
    knownPrincipalIds: [...known],
    roleAssignments,
    vaults,
    clusters,
    serviceAccounts,
    podTemplates,
    dependenciesRecorded: resources.some((r) => Array.isArray(r.dependencies)),
    dependencyGraph: Object.fromEntries(resources.map((r) => [r.urn, [...(r.dependencies ?? [])]])),
  };
}
