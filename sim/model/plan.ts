/**
 * Verification planning: every principal × vault secret that a grant, an intent or a verifier
 * concerns, with how to test it and the expected result.
 */
import { parseArmId } from "../../components/rules/armIds";
import { CLIENT_ID_ANNOTATION, type WebhookResult } from "../webhook";
import {
  declaredIntent,
  inferredIntent,
  verifierIntent,
  type IntentRule,
  type IntentSubject,
  type VerifierProblem,
} from "./intent";
import {
  assignmentsCovering,
  effectiveServiceAccount,
  ficsForSubject,
  findServiceAccount,
  identityByResourceId,
  intendedIdentityOfPod,
  serviceAccountSubjectOf,
  webhookFor,
} from "./lookups";
import { eqi } from "./recorded";
import type { DeploymentModel, PodTemplateModel, ServiceAccountModel } from "./types";

export type ExpectationSource = "declared" | "inferred" | "verifier" | "derived";

export interface VerificationTarget {
  /** Stable key: `vm:<vm>:<system|identity>` or `pod:<cluster>/<ns>/<kind>/<name>`, then `→<vault>/<secret>`. */
  readonly key: string;
  /** Readable principal: `vm1 (system-assigned)`, `vm1 → shared`, `Job shop/orders-check (sa orders)`. */
  readonly principal: string;
  readonly via: "vm" | "workload";
  /** The identity the principal uses (or intends to use). */
  readonly identity?: {
    readonly kind: "system" | "user";
    readonly name: string;
    readonly principalId?: string;
    readonly clientId?: string;
  };
  /** How to test it from a VM: IMDS of `vm`, with `clientId` (empty = the default identity). */
  readonly vm?: { readonly name: string; readonly clientId: string };
  /** How to test it from a pod: token minted by `cluster`'s issuer for ns/serviceAccount, env from the webhook. */
  readonly pod?: {
    readonly cluster?: string;
    readonly namespace: string;
    readonly serviceAccount: string;
    readonly kind: string;
    readonly name: string;
    readonly webhook: WebhookResult;
    /** Why the pod is never created (its service account does not exist in its namespace). */
    readonly notCreated?: string;
  };
  readonly vault: {
    readonly name: string;
    readonly resourceId: string;
    readonly vaultUri?: string;
  };
  readonly secret: { readonly name: string; readonly resourceId: string };
  /** The intended result: declared > inferred > the deployed verifier's own parameter > derived. */
  readonly expected: "allow" | "deny";
  readonly expectedSource: ExpectationSource;
  /** Where the expectation comes from (`expectedAccess[0]`, `from env KEYVAULT_URL of …`, …). */
  readonly expectedFrom: string;
  /** A deployed zerocred verifier checks this principal × secret, expecting this (what `pulumi up` enforces). */
  readonly verifierExpected?: "allow" | "deny";
  /** That verifier, readable. */
  readonly verifierName?: string;
  /** The assignment that grants access, when one does. */
  readonly grantedBy?: { readonly role: string; readonly scope: string };
}

interface Candidate extends IntentSubject {
  key: string;
  principal: string;
  identity?: VerificationTarget["identity"];
  vm?: VerificationTarget["vm"];
  podTarget?: VerificationTarget["pod"];
  principalId?: string;
  /** Whether the workload-identity analysis concerns it without any intent naming it. */
  concerned: boolean;
  /** A zerocred pod verifier: checks only its own parameters. */
  isVerifier: boolean;
}

/** Where a pod's service account exists when not in its own namespace (same cluster). */
export function serviceAccountElsewhere(
  model: DeploymentModel,
  pod: PodTemplateModel,
): ServiceAccountModel[] {
  const name = effectiveServiceAccount(pod);
  if (name === "default" || findServiceAccount(model, pod) !== undefined) {
    return [];
  }
  return model.serviceAccounts.filter(
    (sa) =>
      sa.name === name &&
      sa.namespace !== pod.namespace &&
      (sa.cluster === pod.cluster || sa.cluster === undefined || pod.cluster === undefined),
  );
}

function candidates(model: DeploymentModel, tenantId: string): Candidate[] {
  const out: Candidate[] = [];
  for (const vm of model.vms) {
    if (
      vm.systemAssigned !== undefined ||
      vm.identityType === "None" ||
      vm.userAssignedIdentityIds.length === 0
    ) {
      out.push({
        key: `vm:${vm.name}:system`,
        principal: `${vm.name} (system-assigned)`,
        via: "vm",
        vmName: vm.name,
        identityKind: "system",
        identityName: `${vm.name} (system-assigned)`,
        ...(vm.systemAssigned !== undefined
          ? {
              identityClientId: vm.systemAssigned.clientId,
              identity: {
                kind: "system",
                name: `${vm.name} (system-assigned)`,
                principalId: vm.systemAssigned.principalId,
                clientId: vm.systemAssigned.clientId,
              },
            }
          : {}),
        vm: { name: vm.name, clientId: "" },
        principalId: vm.systemAssigned?.principalId,
        concerned: false,
        isVerifier: false,
      });
    }
    for (const uaiId of vm.userAssignedIdentityIds) {
      const uai = identityByResourceId(model, uaiId);
      const name = uai?.name ?? parseArmId(uaiId).segments.pop()?.name ?? uaiId;
      out.push({
        key: `vm:${vm.name}:${name}`,
        principal: `${vm.name} → ${name}`,
        via: "vm",
        vmName: vm.name,
        identityKind: "user",
        identityName: name,
        ...(uai?.clientId !== undefined ? { identityClientId: uai.clientId } : {}),
        identity: { kind: "user", name, principalId: uai?.principalId, clientId: uai?.clientId },
        vm: { name: vm.name, clientId: uai?.clientId ?? "" },
        principalId: uai?.principalId,
        concerned: true,
        isVerifier: false,
      });
    }
  }
  for (const pod of model.podTemplates) {
    const sa = findServiceAccount(model, pod);
    const subject = serviceAccountSubjectOf(pod.namespace, effectiveServiceAccount(pod));
    const concerned =
      pod.labels["azure.workload.identity/use"] !== undefined ||
      sa?.annotations[CLIENT_ID_ANNOTATION] !== undefined ||
      sa?.labels["azure.workload.identity/use"] !== undefined ||
      ficsForSubject(model, subject).length > 0;
    const identity = intendedIdentityOfPod(model, pod);
    const saName = effectiveServiceAccount(pod);
    const elsewhere = serviceAccountElsewhere(model, pod);
    out.push({
      key: `pod:${pod.cluster ?? "?"}/${pod.namespace}/${pod.kind}/${pod.name}`,
      principal: `${pod.kind} ${pod.namespace}/${pod.name} (sa ${saName})`,
      via: "workload",
      ...(identity !== undefined
        ? {
            identityKind: "user" as const,
            identityName: identity.name,
            ...(identity.clientId !== undefined ? { identityClientId: identity.clientId } : {}),
            identity: {
              kind: "user",
              name: identity.name,
              principalId: identity.principalId,
              clientId: identity.clientId,
            },
          }
        : {}),
      pod: {
        cluster: pod.cluster,
        namespace: pod.namespace,
        serviceAccount: saName,
        kind: pod.kind,
        name: pod.name,
      },
      podTarget: {
        cluster: pod.cluster,
        namespace: pod.namespace,
        serviceAccount: saName,
        kind: pod.kind,
        name: pod.name,
        webhook: webhookFor(model, pod, tenantId),
        ...(elsewhere.length > 0
          ? {
              notCreated: `serviceaccount "${saName}" not found in namespace ${pod.namespace} (it exists in ${elsewhere.map((e) => e.namespace).join(", ")}): the ${pod.kind === "Pod" ? "API server rejects the pod" : `${pod.kind} controller cannot create its pods`}`,
            }
          : {}),
      },
      principalId: identity?.principalId,
      concerned,
      isVerifier: pod.verifier !== undefined,
    });
  }
  return out;
}

export interface VerificationPlan {
  readonly targets: VerificationTarget[];
  /** The weakest source any target's expectation has: `derived` when nothing but grants speak. */
  readonly expectationSource: "declared" | "inferred" | "derived" | "mixed";
  /** Deployed verifiers whose vault or secret is not in the program. */
  readonly verifierProblems: VerifierProblem[];
  /** Deployed verifiers that expect something else than the declared or inferred intent. */
  readonly disagreements: {
    readonly target: VerificationTarget;
    readonly intent: "declared" | "inferred";
  }[];
}

/**
 * Every principal × vault secret that a grant, an intent or a verifier concerns, each with how to
 * test it and the expected result: declared (`expectedAccess`, validated — throws IntentError) >
 * inferred (the apps' own configuration) > the deployed verifier's parameter > derived (allow iff
 * an RBAC role assignment permits getSecret at a covering scope).
 */
export function principalsToVerify(
  model: DeploymentModel,
  options: { tenantId: string; expectedAccess?: unknown },
): VerificationPlan {
  const all = candidates(model, options.tenantId);
  const declared = declaredIntent(model, options.expectedAccess, all) ?? [];
  const inferred = inferredIntent(model);
  const verifiers = verifierIntent(model);
  const targets: VerificationTarget[] = [];
  const disagreements: VerificationPlan["disagreements"][number][] = [];
  const sources = new Set<ExpectationSource>();
  for (const vault of model.vaults) {
    for (const secret of vault.secrets) {
      for (const c of all) {
        const about = (r: IntentRule) => r.secret === secret && r.matches(c);
        const dec = declared.find(about);
        const inf = inferred.find(about);
        const ver = verifiers.rules.find(about);
        if (c.isVerifier && ver === undefined) {
          // A verifier Job checks exactly its own vault and secret.
          continue;
        }
        const granting = assignmentsCovering(model, c.principalId, secret.resourceId);
        const grant = granting.find((a) => a.grantsGetSecret);
        const concerned =
          dec !== undefined ||
          inf !== undefined ||
          ver !== undefined ||
          (c.via === "workload"
            ? c.concerned
            : granting.length > 0 ||
              c.identityKind === "user" ||
              model.roleAssignments.some((a) => eqi(a.principalId, c.principalId)));
        if (!concerned) {
          continue;
        }
        const intent = dec ?? inf;
        const chosen = intent ?? ver;
        const expected = chosen?.expected ?? (grant !== undefined ? "allow" : "deny");
        const expectedSource: ExpectationSource = chosen?.source ?? "derived";
        sources.add(expectedSource);
        const target: VerificationTarget = {
          key: `${c.key}→${vault.name}/${secret.name}`,
          principal: c.principal,
          via: c.via,
          ...(c.identity !== undefined ? { identity: c.identity } : {}),
          ...(c.vm !== undefined ? { vm: c.vm } : {}),
          ...(c.podTarget !== undefined ? { pod: c.podTarget } : {}),
          vault: {
            name: vault.name,
            resourceId: vault.resourceId,
            ...(vault.vaultUri !== undefined ? { vaultUri: vault.vaultUri } : {}),
          },
          secret: { name: secret.name, resourceId: secret.resourceId },
          expected,
          expectedSource,
          expectedFrom:
            chosen?.from ??
            (grant !== undefined
              ? `derived from ${grant.logicalName} (${grant.roleName})`
              : "derived: no grant reads it"),
          ...(ver !== undefined ? { verifierExpected: ver.expected, verifierName: ver.from } : {}),
          ...(grant !== undefined
            ? { grantedBy: { role: grant.roleName, scope: grant.scope } }
            : {}),
        };
        targets.push(target);
        if (ver !== undefined && intent !== undefined && ver.expected !== intent.expected) {
          disagreements.push({ target, intent: intent.source as "declared" | "inferred" });
        }
      }
    }
  }
  const intentSources = [...sources].filter((x) => x !== "derived" && x !== "verifier");
  const expectationSource: VerificationPlan["expectationSource"] =
    intentSources.length === 0
      ? "derived"
      : sources.has("derived") || intentSources.length > 1
        ? "mixed"
        : (intentSources[0] as "declared" | "inferred");
  return { targets, expectationSource, verifierProblems: verifiers.problems, disagreements };
}
