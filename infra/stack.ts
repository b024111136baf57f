/**
 * The stack: composes zerocred's components from a validated StackSpec. Everything the
 * program declares comes from the spec; nothing here reads Pulumi config (infra/index.ts does),
 * so tests and the simulation drive it with any spec.
 */
import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as resources from "@pulumi/azure-native/resources";
import {
  AksCluster,
  KeyVault,
  LinuxVirtualMachine,
  Network,
  RoleAssignment,
  UserAssignedIdentity,
  WorkloadIdentity,
  federatedCredentialName,
  serviceAccountSubject,
  vaultName,
} from "../components";
import { federatedCredentialChainOrder } from "../components/rules/workloadIdentity";
import { PodVerification } from "../components/verification/podVerification";
import { VmVerification } from "../components/verification/vmVerification";
import {
  expectedAccessMatrix,
  vmIdentityPrincipal,
  workloadPrincipal,
  type AccessExpectation,
} from "./access";
import { CANARY_SECRET_NAME, VM_PRINCIPAL, type GrantSpec, type StackSpec } from "./config";

export interface StackOutputs {
  readonly resourceGroupName: pulumi.Output<string>;
  readonly vaultName: pulumi.Output<string>;
  readonly vaultUri: pulumi.Output<string>;
  readonly canarySecretName: pulumi.Output<string>;
  /** SHA-256 of the canary value: what the verifiers compare with. Not a secret. */
  readonly canaryFingerprint: pulumi.Output<string>;
  readonly clusterName: pulumi.Output<string>;
  readonly oidcIssuerUrl: pulumi.Output<string>;
  readonly vmName: pulumi.Output<string>;
  readonly vmPrincipalId: pulumi.Output<string>;
  readonly identities: Record<
    string,
    {
      clientId: pulumi.Output<string>;
      principalId: pulumi.Output<string>;
      id: pulumi.Output<string>;
    }
  >;
  readonly workloads: Record<
    string,
    { namespace: string; serviceAccount: string; identity: string; subject: string }
  >;
  /** Who may read the canary secret and who may not — what the verifiers must find. */
  readonly expectedAccess: AccessExpectation[];
  readonly grants: {
    principal: string;
    role: string;
    scope: string;
    roleAssignmentName: pulumi.Output<string>;
  }[];
  readonly vmVerification?: {
    ok: pulumi.Output<boolean>;
    executionState: pulumi.Output<string>;
    results: pulumi.Output<unknown[]>;
    runCommandName: pulumi.Output<string>;
  };
  /** One entry per verification Job (what CI reads to fetch the Jobs' logs). */
  readonly podVerification?: {
    principal: string;
    namespace: string;
    jobName: pulumi.Output<string>;
  }[];
}

/** Child-name slug: lowercase letters, digits and hyphens (stable: used in logical names). */
export function slug(value: string): string {
  return value
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
}

/** The logical name of a grant's role assignment: stable per (principal, role, scope). */
export function grantResourceName(grant: GrantSpec): string {
  return `grant-${slug(grant.principal)}-${grant.roleId.slice(0, 8)}-${slug(grant.scope)}`;
}

/**
 * The resource group the stack deploys into. With `resourceGroupName` set (CI: the group the bootstrap
 * created, the only place the deployer's roles reach), the existing group is read and nothing is
 * created; otherwise the stack creates and owns `<prefix>-<stack>-rg` (logical name `rg`). Either way the
 * stack's resources take their region from `azure-native:location` (spec.location), not from the group.
 */
export function stackResourceGroup(
  spec: StackSpec,
  stack: string,
  tags: Record<string, string>,
): { name: pulumi.Output<string>; id: pulumi.Output<string> } {
  if (spec.resourceGroupName !== undefined) {
    const existing = resources.getResourceGroupOutput({
      resourceGroupName: spec.resourceGroupName,
    });
    return { name: existing.name, id: existing.id };
  }
  const rg = new resources.ResourceGroup("rg", {
    resourceGroupName: `${spec.prefix}-${stack}-rg`,
    location: spec.location,
    tags,
  });
  return { name: rg.name, id: rg.id };
}

export function buildStack(spec: StackSpec, stack: string = pulumi.getStack()): StackOutputs {
  const tags = { "managed-by": "zerocred", "zerocred-stack": stack };
  const client = authorization.getClientConfigOutput();
  const isDev = spec.environment === "dev";

  const rg = stackResourceGroup(spec, stack, tags);
  const common = { resourceGroupName: rg.name, location: spec.location, tags };

  const net = new Network("net", { ...common, addressSpace: spec.network.addressSpace });

  const aks = new AksCluster("aks", {
    ...common,
    clusterName: `${spec.prefix}-${stack}-aks`,
    subnetId: net.aksSubnetId,
    vnetAddressSpace: spec.network.addressSpace,
    tenantId: client.tenantId,
    deployerObjectId: client.objectId,
    deployerPrincipalType: spec.deployer.principalType,
    grantDeployerClusterAdmin: spec.deployer.clusterAdmin !== "preassigned",
    // Without the bootstrap nobody granted the role ahead of time: `gated` waits for its propagation.
    awaitDeployerAccess: spec.deployer.clusterAdmin === "gated",
    kubeloginMode: spec.deployer.kubeloginMode,
    nodeSize: spec.aks.nodeSize,
    nodeCount: spec.aks.nodeCount,
    kubernetesVersion: spec.aks.kubernetesVersion,
    authorizedIpRanges: spec.network.allowedIpRanges,
  });

  // One identity per config entry. Its federated credentials are added by the workloads bound to it
  // (below), each trusting the cluster's own issuer, written one at a time.
  const identities = new Map<string, UserAssignedIdentity>();
  for (const id of spec.identities) {
    identities.set(
      id.name,
      new UserAssignedIdentity(`id-${id.name}`, {
        ...common,
        identityName: `${spec.prefix}-${stack}-${id.name}`,
      }),
    );
  }
  const identity = (name: string): UserAssignedIdentity => {
    const found = identities.get(name);
    if (!found) {
      // The config schema rejects unknown references first; this guards direct callers.
      throw new Error(`identity ${name} is not declared in zerocred:identities`);
    }
    return found;
  };

  const vm = new LinuxVirtualMachine("vm", {
    ...common,
    vmName: `${spec.prefix}-${stack}-vm`,
    subnetId: net.vmSubnetId,
    size: spec.vm.size,
    adminUsername: spec.vm.adminUsername,
    sshPublicKey: spec.vm.sshPublicKey,
    userAssignedIdentities: spec.vm.identities.map(identity),
  });

  const kv = new KeyVault("kv", {
    ...common,
    vaultName: pulumi
      .all([client.subscriptionId, rg.name])
      .apply(([sub, rgName]) => vaultName(spec.prefix, sub, rgName, stack)),
    tenantId: client.tenantId,
    // dev is ephemeral: the shortest soft-delete retention and no purge protection, so a
    // destroyed stack's vault name can be purged and reused. prod keeps both at their maximum.
    softDeleteRetentionInDays: isDev ? 7 : 90,
    enablePurgeProtection: !isDev,
    allowedSubnetIds: [net.vmSubnetId, net.aksSubnetId],
    allowedIpRanges: spec.network.allowedIpRanges,
    canarySecretName: CANARY_SECRET_NAME,
  });

  // Grants, each at the scope it names and no wider.
  const principalOf = (principal: string) =>
    principal === VM_PRINCIPAL ? vm : identity(principal);
  const scopeOf = (scope: GrantSpec["scope"]): pulumi.Input<string> => {
    if (scope === "vault") {
      return kv.id;
    }
    if (scope === "resourceGroup") {
      return rg.id;
    }
    return pulumi.interpolate`${kv.id}/secrets/${scope.slice("secret/".length)}`;
  };
  const grants = spec.grants.map((g) => ({
    spec: g,
    assignment: new RoleAssignment(
      grantResourceName(g),
      {
        scope: scopeOf(g.scope),
        role: g.roleId,
        principal: principalOf(g.principal),
        principalType: "ServicePrincipal",
        description: `zerocred ${stack}: ${g.principal} → ${g.roleName ?? g.role} at ${g.scope}`,
      },
      // A secret-scoped grant needs the secret to exist.
      g.scope.startsWith("secret/") ? { dependsOn: [kv] } : undefined,
    ),
  }));
  const grantsFor = (principal: string) =>
    grants.filter((g) => g.spec.principal === principal).map((g) => g.assignment);

  // Kubernetes: each workload's service account and federated credential; a namespace is created
  // once per cluster and shared by every workload in it. An identity chains its credentials in the
  // order they are added, so the workloads are built in the credentials' chain order (by credential
  // name): reordering workloads in config then changes no dependency.
  const workloads = new Map<string, WorkloadIdentity>();
  const inChainOrder = federatedCredentialChainOrder(
    spec.workloads.map((w) => ({
      name: federatedCredentialName(w.namespace, w.serviceAccount),
      w,
    })),
  ).map((c) => c.w);
  for (const w of inChainOrder) {
    workloads.set(
      w.name,
      new WorkloadIdentity(`wl-${w.name}`, {
        namespace: w.namespace,
        serviceAccountName: w.serviceAccount,
        identity: identity(w.identity),
        cluster: aks,
      }),
    );
  }

  const expectedAccess = expectedAccessMatrix(spec);
  const expectationFor = (via: "vm" | "workload", key: string): "allow" | "deny" => {
    const row = expectedAccess.find((e) =>
      via === "vm"
        ? e.via === "vm" && e.identity === key
        : e.via === "workload" && e.workload === key,
    );
    return row?.expected ?? "deny";
  };

  let vmVerification: StackOutputs["vmVerification"];
  let podVerification: StackOutputs["podVerification"];
  if (spec.verification.enabled) {
    const allGrants = grants.map((g) => g.assignment.assignment);
    const canary = (expected: "allow" | "deny") => [kv.check(CANARY_SECRET_NAME, expected)];
    const vmCheck = new VmVerification("verify-vm", {
      vm,
      principals: [
        { name: VM_PRINCIPAL, checks: canary(expectationFor("vm", VM_PRINCIPAL)) },
        ...spec.vm.identities.map((n) => ({
          // The same label as the expected-access row, so results and expectations match by name.
          name: vmIdentityPrincipal(n),
          clientId: identity(n).clientId,
          checks: canary(expectationFor("vm", n)),
        })),
      ],
      timeoutSeconds: spec.verification.timeoutSeconds,
      dependsOn: [kv.canarySecret, ...allGrants],
    });
    vmVerification = {
      ok: vmCheck.ok,
      executionState: vmCheck.executionState,
      results: vmCheck.results,
      runCommandName: vmCheck.runCommandName,
    };
    podVerification = [];
    for (const w of spec.workloads) {
      const wl = workloads.get(w.name)!;
      const job = new PodVerification(
        `verify-${w.name}`,
        {
          workload: wl,
          principal: workloadPrincipal(w.name),
          checks: canary(expectationFor("workload", w.name)),
          timeoutSeconds: spec.verification.timeoutSeconds,
          dependsOn: [
            kv.canarySecret,
            ...(wl.federatedCredential ? [wl.federatedCredential] : []),
            ...grantsFor(w.identity).map((g) => g.assignment),
          ],
        },
        { provider: aks.provider },
      );
      podVerification.push({
        principal: workloadPrincipal(w.name),
        namespace: w.namespace,
        jobName: job.jobName,
      });
    }
  }

  return {
    resourceGroupName: rg.name,
    vaultName: kv.name,
    vaultUri: kv.vaultUri,
    canarySecretName: kv.canarySecretName,
    canaryFingerprint: kv.canaryFingerprint,
    clusterName: aks.name,
    oidcIssuerUrl: aks.oidcIssuerUrl,
    vmName: vm.name,
    vmPrincipalId: vm.principalId,
    identities: Object.fromEntries(
      [...identities].map(([n, id]) => [
        n,
        { clientId: id.clientId, principalId: id.principalId, id: id.id },
      ]),
    ),
    workloads: Object.fromEntries(
      spec.workloads.map((w) => [
        w.name,
        {
          namespace: w.namespace,
          serviceAccount: w.serviceAccount,
          identity: w.identity,
          subject: serviceAccountSubject(w.namespace, w.serviceAccount),
        },
      ]),
    ),
    expectedAccess,
    grants: grants.map((g) => ({
      principal: g.spec.principal,
      role: g.spec.roleName ?? g.spec.role,
      scope: g.spec.scope,
      roleAssignmentName: g.assignment.roleAssignmentName,
    })),
    vmVerification,
    podVerification,
  };
}
