/**
 * Diagnoses, in the user's terms: static ones over the deployment model (what was declared), and
 * the interpretation of the verifiers' results (what the emulators answered).
 *
 * Facts behind each rule: shared/reference/pitfalls.md §1 (FIC limits, concurrent writes), §2 (role
 * assignments), §6 (workload identity: pod label, SA annotation, issuer trailing slash, audience,
 * case-sensitive subject), §7 (IMDS identity selection); protocols.md (Key Vault RBAC evaluation,
 * access-policy mode); Azure/azure-workload-identity pkg/webhook (see webhook.ts).
 */
import { findRole, KEY_VAULT_GET_SECRET } from "../components/roles";
import { scopeCovers } from "../components/rules/armIds";
import { nearest } from "../components/rules/didYouMean";
import {
  concurrentWrites,
  duplicateIssuerSubjects,
  exceedsFederatedCredentialLimit,
  hasTokenExchangeAudience,
  issuerMatches,
  issuersDifferOnlyByTrailingSlash,
  looksLikeServiceAccountSubject,
  MAX_FEDERATED_CREDENTIALS_PER_IDENTITY,
  subjectMatches,
  subjectsDifferOnlyInCase,
  transitiveDependencies,
} from "../components/rules/workloadIdentity";
import {
  assignmentsCovering,
  serviceAccountElsewhere,
  effectiveServiceAccount,
  ficsForSubject,
  ficsOf,
  findServiceAccount,
  identityByClientId,
  serviceAccountSubjectOf,
  type DeploymentModel,
  type FederatedCredentialModel,
  type IdentityModel,
  type PodTemplateModel,
  type RoleAssignmentModel,
  type VerificationPlan,
  type VerificationTarget,
} from "./model";
import { CLIENT_ID_ANNOTATION, TOKEN_AUDIENCE, USE_LABEL } from "./webhook";

export type Severity = "error" | "warning";

export interface Diagnosis {
  readonly severity: Severity;
  /** Stable, machine-readable: e.g. `FIC_SUBJECT_MISSING`. */
  readonly code: string;
  /** What it is about, e.g. `Job shop/orders-check` or `identity orders`. */
  readonly subject: string;
  readonly message: string;
  readonly fix: string;
  /**
   * Keys linking it to verification targets: a pod principal key (`pod:<cluster>/<ns>/<Kind>/<name>`),
   * `vm:<name>`, `identity:<name>`, `principal:<principalId>`, `vault:<name>`.
   */
  readonly related: string[];
}

export const MAX_FICS_PER_IDENTITY = MAX_FEDERATED_CREDENTIALS_PER_IDENTITY;
export const SECRETS_USER_ROLE = "Key Vault Secrets User";

export { editDistance, nearest as closest } from "../components/rules/didYouMean";

function podSubject(pod: PodTemplateModel): string {
  return `${pod.kind} ${pod.namespace}/${pod.name}`;
}
export function podKey(pod: {
  cluster?: string;
  namespace: string;
  kind: string;
  name: string;
}): string {
  return `pod:${pod.cluster ?? "?"}/${pod.namespace}/${pod.kind}/${pod.name}`;
}
function labelPath(kind: string): string {
  if (kind === "Pod") {
    return "metadata.labels";
  }
  if (kind === "CronJob") {
    return "spec.jobTemplate.spec.template.metadata.labels";
  }
  return "spec.template.metadata.labels";
}
function identityOfFic(
  model: DeploymentModel,
  fic: FederatedCredentialModel,
): IdentityModel | undefined {
  return model.identities.find((i) => i.urn === fic.identityUrn);
}
function eqi(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();
}
function q(s: string): string {
  return JSON.stringify(s);
}

/** Pods the workload-identity analysis concerns: labelled, annotated SA, or a FIC for their subject. */
function concernedPods(model: DeploymentModel): PodTemplateModel[] {
  return model.podTemplates.filter((pod) => {
    const sa = findServiceAccount(model, pod);
    const subject = serviceAccountSubjectOf(pod.namespace, effectiveServiceAccount(pod));
    return (
      pod.labels[USE_LABEL] !== undefined ||
      sa?.annotations[CLIENT_ID_ANNOTATION] !== undefined ||
      sa?.labels[USE_LABEL] !== undefined ||
      ficsForSubject(model, subject).length > 0
    );
  });
}

// ---------------------------------------------------------------------------------------------
// static diagnoses

function podDiagnoses(model: DeploymentModel): Diagnosis[] {
  const out: Diagnosis[] = [];
  for (const pod of concernedPods(model)) {
    const subjectName = podSubject(pod);
    const key = podKey(pod);
    const saName = effectiveServiceAccount(pod);
    const subject = serviceAccountSubjectOf(pod.namespace, saName);
    const sa = findServiceAccount(model, pod);
    const cluster = model.clusters.find((c) => c.name === pod.cluster);

    // the cluster must issue tokens and run the webhook
    if (cluster !== undefined && !cluster.oidcIssuerEnabled) {
      out.push({
        severity: "error",
        code: "CLUSTER_OIDC_ISSUER_DISABLED",
        subject: `cluster ${cluster.name}`,
        message: `cluster ${cluster.name} does not enable the OIDC issuer, so Entra cannot validate ${subjectName}'s service account token`,
        fix: `set oidcIssuerProfile: { enabled: true } on cluster ${cluster.name}`,
        related: [key],
      });
    }
    if (cluster !== undefined && !cluster.workloadIdentityEnabled) {
      out.push({
        severity: "error",
        code: "CLUSTER_WORKLOAD_IDENTITY_DISABLED",
        subject: `cluster ${cluster.name}`,
        message: `cluster ${cluster.name} does not enable workload identity, so no webhook injects ${subjectName}'s token and AZURE_* environment`,
        fix: `set securityProfile: { workloadIdentity: { enabled: true } } on cluster ${cluster.name}`,
        related: [key],
      });
    }

    // the label on the pod template
    if (pod.labels[USE_LABEL] !== "true") {
      const onSa = sa?.labels[USE_LABEL] === "true";
      const onObject = pod.kind !== "Pod" && pod.objectLabels[USE_LABEL] === "true";
      const where = onSa
        ? `the label ${USE_LABEL}: "true" is only on service account ${pod.namespace}/${saName}, not on the pod template of ${subjectName}`
        : onObject
          ? `the label ${USE_LABEL}: "true" is on the ${pod.kind}'s own metadata, not on its pod template`
          : pod.labels[USE_LABEL] !== undefined
            ? `the pod template of ${subjectName} has ${USE_LABEL}: ${q(pod.labels[USE_LABEL]!)}, not "true"`
            : `the pod template of ${subjectName} lacks the label ${USE_LABEL}: "true"`;
      out.push({
        severity: "error",
        code: "POD_LABEL_MISSING",
        subject: subjectName,
        message: `${where}: the webhook selects pods by that label, so the pod gets no token file and no AZURE_* environment`,
        fix: `add ${USE_LABEL}: "true" to ${labelPath(pod.kind)} of ${subjectName}`,
        related: [key],
      });
    }

    if (sa === undefined && serviceAccountElsewhere(model, pod).length > 0) {
      continue;
    }
    if (sa === undefined) {
      out.push({
        severity: "warning",
        code: "SERVICE_ACCOUNT_NOT_DECLARED",
        subject: subjectName,
        message: `${subjectName} runs as service account ${pod.namespace}/${saName}, which the program does not declare: unless it already exists, the webhook rejects the pod`,
        fix: `declare ServiceAccount ${pod.namespace}/${saName} (annotated ${CLIENT_ID_ANNOTATION}) or set serviceAccountName to one that is`,
        related: [key],
      });
      continue;
    }

    // the client-id annotation
    const clientId = sa.annotations[CLIENT_ID_ANNOTATION];
    const ficIdentities = ficsForSubject(model, subject)
      .map((f) => identityOfFic(model, f))
      .filter((i): i is IdentityModel => i !== undefined);
    const ficIdentity = ficIdentities[0];
    const annotated = identityByClientId(model, clientId);
    if (clientId === undefined || clientId === "") {
      out.push({
        severity: "error",
        code: "SA_CLIENT_ID_MISSING",
        subject: `service account ${pod.namespace}/${saName}`,
        message:
          `service account ${pod.namespace}/${saName} (used by ${subjectName}) has no ${CLIENT_ID_ANNOTATION} annotation: the webhook injects no AZURE_CLIENT_ID` +
          (ficIdentity !== undefined
            ? `; the federated credential for ${subject} is on identity ${ficIdentity.name}`
            : ""),
        fix:
          `annotate service account ${pod.namespace}/${saName} with ${CLIENT_ID_ANNOTATION}: ` +
          (ficIdentity !== undefined
            ? `the clientId output of identity ${ficIdentity.name}`
            : `the clientId of the identity it should use`),
        related: [key, ...(ficIdentity !== undefined ? [`identity:${ficIdentity.name}`] : [])],
      });
      continue;
    }
    if (annotated === undefined) {
      if (ficIdentity !== undefined) {
        out.push({
          severity: "error",
          code: "SA_CLIENT_ID_OTHER_IDENTITY",
          subject: `service account ${pod.namespace}/${saName}`,
          message: `service account ${pod.namespace}/${saName}'s ${CLIENT_ID_ANNOTATION} is ${clientId}, which is no identity in this program, but the federated credential for ${subject} is on identity ${ficIdentity.name}`,
          fix: `set ${CLIENT_ID_ANNOTATION} to the clientId output of identity ${ficIdentity.name}`,
          related: [key, `identity:${ficIdentity.name}`],
        });
      } else {
        out.push({
          severity: "warning",
          code: "SA_CLIENT_ID_UNKNOWN",
          subject: `service account ${pod.namespace}/${saName}`,
          message: `service account ${pod.namespace}/${saName}'s ${CLIENT_ID_ANNOTATION} is ${clientId}, which is no identity in this program: the simulation cannot check its federated credentials or roles`,
          fix: `take the annotation from the identity's clientId output, declared in the same program`,
          related: [key],
        });
      }
      continue;
    }
    const own = ficsOf(model, annotated);
    const forSubject = own.filter(
      (f) => f.subject !== undefined && subjectMatches(f.subject, subject),
    );
    if (forSubject.length > 0) {
      // Trusted for this subject — but for THIS pod's cluster's issuer? (The same service account
      // on two clusters needs one federated credential per issuer.)
      const issuer = cluster?.issuerUrl;
      if (
        issuer !== undefined &&
        cluster !== undefined &&
        !forSubject.some((f) => f.issuer !== undefined && issuerMatches(f.issuer, issuer)) &&
        forSubject.some((f) =>
          model.clusters.some(
            (c) =>
              c !== cluster &&
              c.issuerUrl !== undefined &&
              f.issuer !== undefined &&
              issuerMatches(f.issuer, c.issuerUrl),
          ),
        )
      ) {
        const others = forSubject
          .map((f) => model.clusters.find((c) => c.issuerUrl === f.issuer)?.name)
          .filter((n): n is string => n !== undefined);
        out.push({
          severity: "error",
          code: "FIC_MISSING_FOR_CLUSTER",
          subject: subjectName,
          message: `identity ${annotated.name} trusts ${subject} only from cluster ${others.join(", ")}'s issuer; ${subjectName} runs on cluster ${cluster.name}, whose issuer ${issuer} has no federated credential: Entra answers AADSTS70021 (no matching federated identity record)`,
          fix: `add a federated credential to identity ${annotated.name} with issuer = cluster ${cluster.name}'s oidcIssuerProfile.issuerURL, subject ${subject}, audience ${TOKEN_AUDIENCE}`,
          related: [key, `identity:${annotated.name}`],
        });
      }
      continue;
    }
    const other = ficIdentities.find((i) => i.urn !== annotated.urn);
    if (other !== undefined) {
      out.push({
        severity: "error",
        code: "SA_CLIENT_ID_OTHER_IDENTITY",
        subject: `service account ${pod.namespace}/${saName}`,
        message: `service account ${pod.namespace}/${saName}'s ${CLIENT_ID_ANNOTATION} names identity ${annotated.name}, but the federated credential for ${subject} is on identity ${other.name}`,
        fix: `set ${CLIENT_ID_ANNOTATION} to the clientId output of identity ${other.name}, or move the federated credential to ${annotated.name}`,
        related: [key, `identity:${annotated.name}`, `identity:${other.name}`],
      });
      continue;
    }
    const caseOnly = own.find(
      (f) => f.subject !== undefined && subjectsDifferOnlyInCase(f.subject, subject),
    );
    if (caseOnly !== undefined) {
      out.push({
        severity: "error",
        code: "FIC_SUBJECT_MISSING",
        subject: subjectName,
        message: `no federated credential on identity ${annotated.name} matches ${subject} exactly: ${caseOnly.name} has ${caseOnly.subject} (subjects are case-sensitive, AADSTS7002138)`,
        fix: `set the subject of ${caseOnly.name} to ${subject}`,
        related: [key, `identity:${annotated.name}`],
      });
      continue;
    }
    const subjects = own.map((f) => f.subject).filter((s): s is string => s !== undefined);
    const near = nearest(subject, subjects);
    out.push({
      severity: "error",
      code: "FIC_SUBJECT_MISSING",
      subject: subjectName,
      message:
        `no federated credential for ${subject} on identity ${annotated.name}` +
        (near !== undefined ? ` (closest: ${near})` : ` (it has no federated credentials)`) +
        `: Entra answers AADSTS70021 (no matching federated identity record)`,
      fix:
        near !== undefined
          ? `change the subject ${near} to ${subject}, or add a federated credential for ${subject} to identity ${annotated.name}`
          : `add a federated credential to identity ${annotated.name}: issuer = the cluster's oidcIssuerProfile.issuerURL, subject ${subject}, audience ${TOKEN_AUDIENCE}`,
      related: [key, `identity:${annotated.name}`],
    });
  }
  return out;
}

function ficDiagnoses(model: DeploymentModel): Diagnosis[] {
  const out: Diagnosis[] = [];
  const issuers = model.clusters.filter((c) => c.issuerUrl !== undefined);
  for (const fic of model.federatedCredentials) {
    const identity = identityOfFic(model, fic);
    const idName = identity?.name ?? fic.identityName;
    const related = [`identity:${idName}`];
    if (identity === undefined) {
      out.push({
        severity: "warning",
        code: "FIC_IDENTITY_NOT_DECLARED",
        subject: `federated credential ${fic.name}`,
        message: `federated credential ${fic.name} belongs to identity ${fic.identityName}, which this program does not declare`,
        fix: `declare identity ${fic.identityName} in the program, or correct resourceName`,
        related,
      });
    }
    if (!hasTokenExchangeAudience(fic.audiences)) {
      out.push({
        severity: "error",
        code: "FIC_AUDIENCE",
        subject: `federated credential ${fic.name}`,
        message: `federated credential ${fic.name} on identity ${idName} has audiences ${JSON.stringify(fic.audiences)}: workload identity tokens carry exactly ${TOKEN_AUDIENCE}, so Entra rejects them (AADSTS700212)`,
        fix: `set audiences: ["${TOKEN_AUDIENCE}"]`,
        related,
      });
    }
    if (
      fic.issuer !== undefined &&
      fic.subject !== undefined &&
      looksLikeServiceAccountSubject(fic.subject) &&
      issuers.length > 0
    ) {
      const issuer = fic.issuer;
      if (issuers.some((c) => issuerMatches(issuer, c.issuerUrl!))) {
        continue;
      }
      const near = nearest(
        issuer,
        issuers.map((c) => c.issuerUrl!),
      );
      const cluster = issuers.find((c) => c.issuerUrl === near)!;
      const slashOnly = issuersDifferOnlyByTrailingSlash(issuer, cluster.issuerUrl!);
      const slashNote = slashOnly
        ? fic.issuer.endsWith("/")
          ? ` — it has a trailing slash that the cluster's issuer lacks`
          : ` — it lacks the trailing slash`
        : "";
      out.push({
        severity: "error",
        code: "FIC_ISSUER_MISMATCH",
        subject: `federated credential ${fic.name}`,
        message: `federated credential ${fic.name} on identity ${idName} has issuer ${fic.issuer}, but cluster ${cluster.name}'s issuer is ${cluster.issuerUrl}${slashNote}; Entra compares issuers byte for byte (AADSTS700211)`,
        fix: `take the issuer from cluster ${cluster.name}'s oidcIssuerProfile.issuerURL output instead of typing it`,
        related,
      });
    }
  }
  const reach = transitiveDependencies((urn) => model.dependencyGraph[urn]);
  for (const identity of model.identities) {
    const fics = ficsOf(model, identity);
    const related = [`identity:${identity.name}`];
    if (exceedsFederatedCredentialLimit(fics.length)) {
      out.push({
        severity: "error",
        code: "FIC_LIMIT",
        subject: `identity ${identity.name}`,
        message: `identity ${identity.name} has ${fics.length} federated credentials; Azure allows at most ${MAX_FICS_PER_IDENTITY} per identity`,
        fix: `split the workloads across identities (for example one identity per workload or namespace)`,
        related,
      });
    }
    const duplicates = duplicateIssuerSubjects(
      fics,
      (f) => f.issuer,
      (f) => f.subject,
    );
    for (const [first, f] of duplicates) {
      out.push({
        severity: "error",
        code: "FIC_DUPLICATE_SUBJECT",
        subject: `identity ${identity.name}`,
        message: `federated credentials ${first.name} and ${f.name} on identity ${identity.name} have the same issuer and subject ${f.subject}: Azure rejects the second ("Issuer and subject combination already exists")`,
        fix: `keep one federated credential per issuer and subject`,
        related,
      });
    }
    if (model.dependenciesRecorded && fics.length > 1) {
      const pair = concurrentWrites(fics, (f) => f.urn, reach)[0];
      if (pair !== undefined) {
        out.push({
          severity: "error",
          code: "FIC_WRITES_NOT_SERIALIZED",
          subject: `identity ${identity.name}`,
          message: `federated credentials ${pair[0].name} and ${pair[1].name} on identity ${identity.name} can be written at the same time (no dependsOn chain between them): Azure rejects concurrent writes under one identity with 409 ConcurrentFederatedIdentityCredentialsWritesForSingleManagedIdentity`,
          fix: `chain the federated credentials of identity ${identity.name}: each one dependsOn the previous, in a stable order`,
          related,
        });
      }
    }
  }
  return out;
}

function roleDiagnoses(model: DeploymentModel): Diagnosis[] {
  const out: Diagnosis[] = [];
  const vaultIds = model.vaults.map((v) => v.resourceId);
  const secretIds = model.vaults.flatMap((v) => v.secrets.map((s) => s.resourceId));
  const touchesProgramVault = (a: RoleAssignmentModel) =>
    vaultIds.some((id) => scopeCovers(a.scope, id)) ||
    secretIds.some((id) => scopeCovers(a.scope, id));
  const readsAnyProgramSecret = (principalId: string) =>
    model.vaults.some((v) =>
      v.secrets.some((s) =>
        assignmentsCovering(model, principalId, s.resourceId).some((a) => a.grantsGetSecret),
      ),
    ) ||
    model.vaults.some((v) =>
      assignmentsCovering(model, principalId, v.resourceId).some((a) => a.grantsGetSecret),
    );
  const secretsUser = findRole(SECRETS_USER_ROLE);
  const useInstead = `\`${SECRETS_USER_ROLE}\`${secretsUser !== undefined ? ` (${secretsUser.id})` : ""}`;

  for (const a of model.roleAssignments) {
    const related = [`principal:${a.principalId}`];
    if (
      a.grantsGetSecret &&
      model.vaults.length > 0 &&
      !touchesProgramVault(a) &&
      (a.scopeKind === "vault" || a.scopeKind === "secret" || a.scopeKind === "resourceGroup")
    ) {
      const names = model.vaults.map((v) => v.name).join(", ");
      const scopeLeaf =
        a.scope
          .split("/")
          .filter((p) => p.length > 0)
          .pop() ?? "";
      const sameName = model.vaults.find((v) => v.name.toLowerCase() === scopeLeaf.toLowerCase());
      const target = sameName ?? model.vaults[0]!;
      out.push({
        severity: "error",
        code: "ROLE_SCOPE_ELSEWHERE",
        subject: `role assignment ${a.logicalName}`,
        message:
          `${a.roleName} for ${a.principalName} is assigned at ${a.scopeName}, which contains none of this program's vaults (${names})` +
          (sameName !== undefined
            ? `: a vault named ${sameName.name} in another resource group or subscription`
            : ""),
        fix: `set the scope to vault ${target.name} (${target.resourceId}) or to the secret inside it`,
        related,
      });
    }
    const role = a.role;
    if (
      role === undefined ||
      a.grantsGetSecret ||
      !touchesProgramVault(a) ||
      a.principalKind === "unknown"
    ) {
      continue;
    }
    const kvData = role.dataActions.some((d) => d.toLowerCase().startsWith("microsoft.keyvault/"));
    const readsElsewhere = readsAnyProgramSecret(a.principalId);
    if (readsElsewhere) {
      continue;
    }
    if (kvData) {
      out.push({
        severity: "error",
        code: "ROLE_METADATA_ONLY",
        subject: `role assignment ${a.logicalName}`,
        message: `\`${a.roleName}\` on ${a.scopeName} grants ${a.principalName} metadata only: it lacks ${KEY_VAULT_GET_SECRET}, so secret values cannot be read`,
        fix: `use ${useInstead} instead`,
        related,
      });
    } else if (
      role.dataActions.length === 0 &&
      (a.scopeKind === "vault" || a.scopeKind === "secret")
    ) {
      out.push({
        severity: "error",
        code: "ROLE_CONTROL_PLANE_ONLY",
        subject: `role assignment ${a.logicalName}`,
        message: `\`${a.roleName}\` on ${a.scopeName} is a control-plane role with no data actions: ${a.principalName} cannot read secret values in an RBAC vault`,
        fix: `use ${useInstead} instead`,
        related,
      });
    }
  }
  return out;
}

function vaultDiagnoses(model: DeploymentModel): Diagnosis[] {
  const out: Diagnosis[] = [];
  for (const v of model.vaults) {
    if (v.enableRbacAuthorization) {
      continue;
    }
    const grants = model.roleAssignments.filter(
      (a) =>
        a.grantsGetSecret &&
        (scopeCovers(a.scope, v.resourceId) ||
          v.secrets.some((s) => scopeCovers(a.scope, s.resourceId))),
    );
    if (grants.length === 0) {
      continue;
    }
    const setting = v.rbacSetExplicitly
      ? "enableRbacAuthorization is false"
      : "enableRbacAuthorization is not set, and Azure's default is false";
    out.push({
      severity: "error",
      code: "VAULT_ACCESS_POLICY_MODE",
      subject: `vault ${v.name}`,
      message: `vault ${v.name} is in access-policy mode (${setting}): its data plane ignores the ${grants.length} role assignment(s) granting secret reads (${grants.map((g) => `${g.roleName} for ${g.principalName}`).join(", ")})`,
      fix: `set properties.enableRbacAuthorization: true on vault ${v.name}`,
      related: [`vault:${v.name}`],
    });
  }
  return out;
}

function firewallDiagnoses(model: DeploymentModel): Diagnosis[] {
  const out: Diagnosis[] = [];
  for (const v of model.vaults) {
    if (v.publicNetworkAccess?.toLowerCase() === "disabled") {
      out.push({
        severity: "warning",
        code: "VAULT_PUBLIC_ACCESS_DISABLED",
        subject: `vault ${v.name}`,
        message: `vault ${v.name} has public network access disabled: in Azure only private endpoints reach its data plane (the simulation does not model network paths)`,
        fix: `give the VM and cluster subnets a private endpoint to vault ${v.name}, or enable public access with networkAcls defaultAction Deny and their subnets as virtualNetworkRules`,
        related: [`vault:${v.name}`],
      });
      continue;
    }
    if (v.networkAcls?.defaultAction?.toLowerCase() !== "deny") {
      continue;
    }
    const allowed = new Set(v.networkAcls.virtualNetworkRules.map((id) => id.toLowerCase()));
    const callers = [
      ...model.vms.map((vm) => ({ what: `VM ${vm.name}`, subnets: vm.subnetIds })),
      ...model.clusters.map((c) => ({ what: `cluster ${c.name}`, subnets: c.subnetIds })),
    ];
    for (const caller of callers) {
      const outside = caller.subnets.filter((s) => !allowed.has(s.toLowerCase()));
      if (outside.length === 0) {
        continue;
      }
      out.push({
        severity: "warning",
        code: "VAULT_FIREWALL_BLOCKS",
        subject: `vault ${v.name}`,
        message: `vault ${v.name}'s firewall denies by default, and ${caller.what}'s subnet ${outside.join(", ")} is not among its virtual network rules: in Azure its reads fail with 403 ForbiddenByFirewall (the simulation does not model network paths)`,
        fix: `add ${outside.join(", ")} to vault ${v.name}'s networkAcls.virtualNetworkRules (the subnet needs the Microsoft.KeyVault service endpoint)`,
        related: [`vault:${v.name}`],
      });
    }
  }
  return out;
}

function vmDiagnoses(model: DeploymentModel, plan: VerificationPlan | undefined): Diagnosis[] {
  const out: Diagnosis[] = [];
  for (const vm of model.vms) {
    const declaredDefault =
      plan?.targets.some(
        (t) => t.vm?.name === vm.name && t.vm.clientId === "" && t.expected === "allow",
      ) ?? false;
    const commands = model.runCommands.filter((c) => c.vmName === vm.name);
    const runsCommand = commands.length > 0;
    const commandWithoutClientId = commands.find((c) => !c.selectsIdentity);
    if (vm.systemAssigned === undefined && vm.userAssignedIdentityIds.length === 0) {
      out.push({
        severity: declaredDefault || runsCommand ? "error" : "warning",
        code: "VM_NO_IDENTITY",
        subject: `VM ${vm.name}`,
        message: `VM ${vm.name} has no managed identity (identity type ${vm.identityType}): IMDS answers 400 "Identity not found", so nothing on it can get a token`,
        fix: `set identity: { type: "SystemAssigned" } (or attach a user-assigned identity) on VM ${vm.name}`,
        related: [`vm:${vm.name}`],
      });
    } else if (vm.systemAssigned === undefined && vm.userAssignedIdentityIds.length > 1) {
      out.push({
        severity: declaredDefault || commandWithoutClientId !== undefined ? "error" : "warning",
        code: "VM_AMBIGUOUS_IDENTITY",
        subject: `VM ${vm.name}`,
        message: `VM ${vm.name} has ${vm.userAssignedIdentityIds.length} user-assigned identities and no system-assigned identity: a token request without client_id fails with 400 "Multiple user assigned identities exist, please specify the clientId / resourceId of the identity in the token request"`,
        fix: `pass the identity's client_id (or msi_res_id) in every IMDS token request, e.g. ManagedIdentityCredential({ clientId })`,
        related: [`vm:${vm.name}`],
      });
    }
  }
  return out;
}

function planDiagnoses(plan: VerificationPlan | undefined): Diagnosis[] {
  const out: Diagnosis[] = [];
  for (const p of plan?.verifierProblems ?? []) {
    out.push({
      severity: "error",
      code: "VERIFIER_TARGET_UNKNOWN",
      subject: p.verifier,
      message: p.message,
      fix: p.fix,
      related: [],
    });
  }
  for (const { target: t, intent } of plan?.disagreements ?? []) {
    out.push({
      severity: "error",
      code: "VERIFIER_DISAGREES_WITH_INTENT",
      subject: t.verifierName ?? t.principal,
      message: `${t.verifierName} expects ${t.principal} to ${t.verifierExpected === "allow" ? "read" : "be denied"} ${t.vault.name}/${t.secret.name}, but the ${intent} intent (${t.expectedFrom}) says ${t.expected}: one of them is wrong, and \`pulumi up\` enforces the verifier's`,
      fix: `make the verifier's expected result "${t.expected}" (it should take it from the same declaration), or correct ${t.expectedFrom}`,
      related: targetRelations(t),
    });
  }
  return out;
}

/** Role assignments whose principal is wrong for certain, or unknown to the program. */
function principalDiagnoses(model: DeploymentModel): Diagnosis[] {
  const out: Diagnosis[] = [];
  const known = new Set(model.knownPrincipalIds);
  for (const a of model.roleAssignments) {
    if (a.principalId === "") {
      continue;
    }
    const related = [`principal:${a.principalId}`];
    const byClientId = identityByClientId(model, a.principalId);
    const vmByClientId = model.vms.find((v) => eqi(v.systemAssigned?.clientId, a.principalId));
    if (byClientId !== undefined || vmByClientId !== undefined) {
      const who =
        byClientId !== undefined
          ? `identity ${byClientId.name}`
          : `VM ${vmByClientId!.name}'s system identity`;
      out.push({
        severity: "error",
        code: "PRINCIPAL_IS_CLIENT_ID",
        subject: `role assignment ${a.logicalName}`,
        message: `role assignment ${a.logicalName} (${a.roleName} at ${a.scopeName}) names principal ${a.principalId}, which is the CLIENT id of ${who}, not its principal (object) id: Azure RBAC matches the token's oid, so the grant applies to no one`,
        fix: `set principalId to ${byClientId !== undefined ? `identity ${byClientId.name}'s principalId output` : `VM ${vmByClientId!.name}'s identity.principalId output`} (az role assignment --assignee-object-id, not --assignee <clientId>)`,
        related: [
          ...related,
          ...(byClientId !== undefined
            ? [`identity:${byClientId.name}`]
            : [`vm:${vmByClientId!.name}`]),
        ],
      });
      continue;
    }
    if (a.principalKind === "unknown" && !known.has(a.principalId.toLowerCase())) {
      out.push({
        severity: "warning",
        code: "PRINCIPAL_UNKNOWN",
        subject: `role assignment ${a.logicalName}`,
        message: `role assignment ${a.logicalName} (${a.roleName} at ${a.scopeName}) names principal ${a.principalId}, which matches no identity, VM or cluster in this program and is not the deployer: unless it is a user, group or app outside the program, the grant reaches no workload`,
        fix: `take principalId from the principalId output of the identity that should hold the role`,
        related,
      });
    }
    if (!a.roleKnown && a.roleDefinitionId !== "") {
      out.push({
        severity: "warning",
        code: "ROLE_UNKNOWN",
        subject: `role assignment ${a.logicalName}`,
        message: `role ${a.roleDefinitionId} of ${a.logicalName} is neither an Azure built-in role nor a RoleDefinition this program declares: the simulation cannot tell what it permits and treats it as granting no data action`,
        fix: `declare the custom role with authorization.RoleDefinition in the program (its id as roleDefinitionId), or use a built-in role such as ${SECRETS_USER_ROLE}`,
        related,
      });
    }
  }
  return out;
}

/** Pods whose service account exists only in another namespace: they are never created. */
function serviceAccountNamespaceDiagnoses(model: DeploymentModel): Diagnosis[] {
  const out: Diagnosis[] = [];
  for (const pod of model.podTemplates) {
    const elsewhere = serviceAccountElsewhere(model, pod);
    if (elsewhere.length === 0) {
      continue;
    }
    const saName = effectiveServiceAccount(pod);
    const where = elsewhere.map((e) => e.namespace).join(", ");
    out.push({
      severity: "error",
      code: "SERVICE_ACCOUNT_NOT_IN_NAMESPACE",
      subject: podSubject(pod),
      message: `${podSubject(pod)} runs as service account ${saName}, which the program declares in namespace ${where}, not in ${pod.namespace}: Kubernetes' ServiceAccount admission rejects the pod (serviceaccount "${saName}" not found), so ${pod.kind === "Pod" ? "the pod is never created" : `the ${pod.kind} controller cannot create any pod`}`,
      fix: `move ${podSubject(pod)} to namespace ${elsewhere[0]!.namespace}, or declare ServiceAccount ${pod.namespace}/${saName} (with its own federated credential subject system:serviceaccount:${pod.namespace}:${saName})`,
      related: [podKey(pod)],
    });
  }
  return out;
}

/** Every static diagnosis over the model (and the verification plan, when given), errors first. */
export function diagnoseModel(model: DeploymentModel, plan?: VerificationPlan): Diagnosis[] {
  const all = [
    ...principalDiagnoses(model),
    ...serviceAccountNamespaceDiagnoses(model),
    ...podDiagnoses(model),
    ...ficDiagnoses(model),
    ...roleDiagnoses(model),
    ...vaultDiagnoses(model),
    ...firewallDiagnoses(model),
    ...vmDiagnoses(model, plan),
    ...planDiagnoses(plan),
  ];
  return [
    ...all.filter((d) => d.severity === "error"),
    ...all.filter((d) => d.severity === "warning"),
  ];
}

// ---------------------------------------------------------------------------------------------
// verifier results

/** One verifier result line (components/verification contract). */
export interface VerifierResult {
  readonly principal: string;
  readonly clientId?: string;
  readonly tokenClaims?: {
    readonly aud?: string;
    readonly iss?: string;
    readonly oid?: string;
    readonly tid?: string;
    readonly exp?: number;
  };
  readonly secret?: string;
  readonly expected: "allow" | "deny";
  readonly actual: string;
  readonly status?: string;
  readonly attempts?: number;
  readonly elapsedMs?: number;
  readonly diagnosis?: string;
}

/** Keys by which a static diagnosis relates to a verification target. */
export function targetRelations(t: VerificationTarget): string[] {
  const keys: string[] = [`vault:${t.vault.name}`];
  if (t.pod !== undefined) {
    keys.push(podKey(t.pod));
  }
  if (t.vm !== undefined) {
    keys.push(`vm:${t.vm.name}`);
  }
  if (t.identity !== undefined) {
    keys.push(`identity:${t.identity.name}`);
    if (t.identity.principalId !== undefined) {
      keys.push(`principal:${t.identity.principalId}`);
    }
  }
  return keys;
}

/** The codes interpretResults gives (what the verifiers measured), as opposed to static diagnoses. */
export const RESULT_CODES: readonly string[] = [
  "ACCESS_DENIED",
  "ACCESS_GRANTED",
  "VERIFICATION_ERROR",
  "VERIFIER_WILL_FAIL",
];

/** The result in one word: `allow`, `deny`, or `error(<cause>)` — never a read unless it read. */
export function verdictOf(result: VerifierResult): "allow" | "deny" | "error" {
  return result.actual === "allow" ? "allow" : result.actual === "deny" ? "deny" : "error";
}

/**
 * Interprets the verifiers' results: one error per mismatch, naming the cause (the related static
 * diagnoses, else the verifier's own diagnosis) and a fix consistent with the model (never "grant"
 * what is already granted). An `error` (no token, the pod never created, …) is reported as such,
 * never as a read. A deployed verifier whose own expectation the result contradicts makes
 * `pulumi up` fail: that is reported too, even when the intent is met.
 */
export function interpretResults(
  model: DeploymentModel,
  outcomes: readonly { readonly target: VerificationTarget; readonly result: VerifierResult }[],
  staticDiagnoses: readonly Diagnosis[],
): Diagnosis[] {
  const out: Diagnosis[] = [];
  for (const { target, result } of outcomes) {
    const actual = verdictOf(result);
    const where = `${target.vault.name}/${target.secret.name}`;
    const rel = new Set(targetRelations(target));
    const causes = staticDiagnoses.filter(
      (d) => d.severity === "error" && d.related.some((r) => rel.has(r)),
    );
    const causeText = causes.length > 0 ? ` — cause: ${causes.map((c) => c.code).join(", ")}` : "";
    const detail = result.diagnosis ? `: ${result.diagnosis}` : "";
    const grants = assignmentsCovering(
      model,
      target.identity?.principalId,
      target.secret.resourceId,
    ).filter((a) => a.grantsGetSecret);
    const who = target.identity?.name ?? target.principal;
    if (
      target.verifierExpected !== undefined &&
      target.expectedSource !== "verifier" &&
      actual !== target.verifierExpected
    ) {
      out.push({
        severity: "error",
        code: "VERIFIER_WILL_FAIL",
        subject: target.verifierName ?? target.principal,
        message: `${target.verifierName} expects ${target.principal} to ${target.verifierExpected === "allow" ? "read" : "be denied"} ${where}, but the simulation measured ${actual}${detail}: \`pulumi up\` fails at this verifier`,
        fix:
          actual === target.expected
            ? `make the verifier's expected result "${target.expected}", as ${target.expectedFrom} says`
            : (causes[0]?.fix ?? `see the access mismatch for ${target.principal} on ${where}`),
        related: [...rel],
      });
    }
    if (actual === target.expected) {
      continue;
    }
    const expectedFrom =
      target.expectedSource === "derived" ? "" : ` (expected by ${target.expectedFrom})`;
    if (actual === "error") {
      out.push({
        severity: "error",
        code: "VERIFICATION_ERROR",
        subject: target.principal,
        message:
          `${target.principal} could not be checked against ${where}${expectedFrom}: it neither read the secret nor was refused by the vault${detail}` +
          causeText,
        fix:
          causes.length > 0
            ? causes.map((c) => c.fix).join("; ")
            : target.pod?.notCreated !== undefined
              ? `declare the service account in namespace ${target.pod.namespace}`
              : `fix what the verifier reports above, then re-run`,
        related: [...rel],
      });
    } else if (target.expected === "allow") {
      const fix =
        causes.length > 0
          ? causes.map((c) => c.fix).join("; ")
          : grants.length > 0
            ? `the grant exists (${grants.map((g) => `${g.roleName} at ${g.scopeName}`).join(", ")}), so the failure is in the token chain: ${result.diagnosis ?? "see the verifier's diagnosis"}`
            : `grant ${who} ${SECRETS_USER_ROLE} on vault ${target.vault.name} (or secret ${target.secret.name})`;
      out.push({
        severity: "error",
        code: "ACCESS_DENIED",
        subject: target.principal,
        message:
          `${target.principal} was expected to read ${where}${expectedFrom} but was denied${detail}` +
          causeText,
        fix,
        related: [...rel],
      });
    } else {
      const oid = result.tokenClaims?.oid;
      out.push({
        severity: "error",
        code: "ACCESS_GRANTED",
        subject: target.principal,
        message:
          `${target.principal} was expected to be denied ${where}${expectedFrom} but read it` +
          (oid !== undefined ? ` (token oid ${oid})` : "") +
          (grants.length > 0
            ? `; granted by ${grants.map((g) => `${g.roleName} at ${g.scopeName}`).join(", ")}`
            : ""),
        fix:
          grants.length > 0
            ? `remove ${grants.map((g) => g.logicalName).join(", ")} or narrow its scope to the secrets this principal needs`
            : `find what grants ${who} access to ${where} and remove it`,
        related: [...rel],
      });
    }
  }
  return out;
}
