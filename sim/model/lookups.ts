/** Lookups over the model shared by the analyses (diagnosis, planning, picture). */
import { scopeCovers } from "../../components/rules/armIds";
import { serviceAccountSubject } from "../../components/rules/workloadIdentity";
import { CLIENT_ID_ANNOTATION, mutatePod, type WebhookResult } from "../webhook";
import { eqi } from "./recorded";
import type {
  ClusterModel,
  DeploymentModel,
  FederatedCredentialModel,
  IdentityModel,
  PodTemplateModel,
  RoleAssignmentModel,
  ServiceAccountModel,
} from "./types";

export function serviceAccountSubjectOf(namespace: string, name: string): string {
  return serviceAccountSubject(namespace, name);
}
export function effectiveServiceAccount(pod: PodTemplateModel): string {
  return pod.serviceAccountName || "default";
}
export function findServiceAccount(
  model: DeploymentModel,
  pod: PodTemplateModel,
): ServiceAccountModel | undefined {
  const name = effectiveServiceAccount(pod);
  return model.serviceAccounts.find(
    (sa) =>
      sa.name === name &&
      sa.namespace === pod.namespace &&
      (sa.cluster === pod.cluster || sa.cluster === undefined || pod.cluster === undefined),
  );
}
export function identityByClientId(
  model: DeploymentModel,
  clientId: string | undefined,
): IdentityModel | undefined {
  return clientId === undefined
    ? undefined
    : model.identities.find((i) => eqi(i.clientId, clientId));
}
export function identityByResourceId(
  model: DeploymentModel,
  id: string,
): IdentityModel | undefined {
  return model.identities.find((i) => eqi(i.resourceId, id));
}
export function ficsOf(
  model: DeploymentModel,
  identity: IdentityModel,
): FederatedCredentialModel[] {
  return model.federatedCredentials.filter((f) => f.identityUrn === identity.urn);
}
export function clusterByName(
  model: DeploymentModel,
  name: string | undefined,
): ClusterModel | undefined {
  return name === undefined ? undefined : model.clusters.find((c) => c.name === name);
}
/** Federated credentials whose subject is this pod's service account (any identity). */
export function ficsForSubject(
  model: DeploymentModel,
  subject: string,
): FederatedCredentialModel[] {
  return model.federatedCredentials.filter((f) => f.subject === subject);
}

/** The webhook's verdict for a pod template, in the model's terms. */
export function webhookFor(
  model: DeploymentModel,
  pod: PodTemplateModel,
  tenantId: string,
): WebhookResult {
  const sa = findServiceAccount(model, pod);
  return mutatePod(
    {
      namespace: pod.namespace,
      serviceAccountName: pod.serviceAccountName,
      labels: pod.labels,
      annotations: pod.annotations,
    },
    sa,
    { tenantId },
  );
}

/**
 * The identity a pod INTENDS to use: the one its service account's client-id annotation names, else
 * the identity holding a federated credential for its subject (declared intent, even when the
 * annotation is missing).
 */
export function intendedIdentityOfPod(
  model: DeploymentModel,
  pod: PodTemplateModel,
): IdentityModel | undefined {
  const sa = findServiceAccount(model, pod);
  const byAnnotation = identityByClientId(model, sa?.annotations[CLIENT_ID_ANNOTATION]);
  const subject = serviceAccountSubjectOf(pod.namespace, effectiveServiceAccount(pod));
  const fics = ficsForSubject(model, subject).filter((f) => f.identityUrn !== undefined);
  if (
    byAnnotation !== undefined &&
    (fics.length === 0 || fics.some((f) => f.identityUrn === byAnnotation.urn))
  ) {
    return byAnnotation;
  }
  const fic = fics[0];
  return fic === undefined ? byAnnotation : model.identities.find((i) => i.urn === fic.identityUrn);
}

/** Role assignments of a principal that apply to a resource id (scope covers it). */
export function assignmentsCovering(
  model: DeploymentModel,
  principalId: string | undefined,
  resourceId: string,
): RoleAssignmentModel[] {
  if (principalId === undefined) {
    return [];
  }
  return model.roleAssignments.filter(
    (a) => eqi(a.principalId, principalId) && a.scope !== "" && scopeCovers(a.scope, resourceId),
  );
}
