import * as pulumi from "@pulumi/pulumi";
import * as corev1 from "@pulumi/kubernetes/core/v1";
import { ComponentArgsError, checkRequiredArgs } from "./args";
import {
  federatedCredentialName,
  isDns1123Label,
  isDns1123Subdomain,
  serviceAccountSubject,
} from "./naming";

/** Service account annotation the webhook copies into `AZURE_CLIENT_ID`. */
export const CLIENT_ID_ANNOTATION = "azure.workload.identity/client-id";
/** Service account annotation the webhook copies into `AZURE_TENANT_ID`. */
export const TENANT_ID_ANNOTATION = "azure.workload.identity/tenant-id";
/** Service account annotation for the projected token lifetime (3600–86400 s). */
export const TOKEN_EXPIRATION_ANNOTATION =
  "azure.workload.identity/service-account-token-expiration";
/** Pod label the webhook selects on (objectSelector): only labelled pods are mutated. */
export const USE_LABEL = "azure.workload.identity/use";

/** Labels a pod template needs for the workload identity webhook to inject the token and environment. */
export const WORKLOAD_IDENTITY_POD_LABELS: Readonly<Record<string, string>> = Object.freeze({
  [USE_LABEL]: "true",
});

/**
 * The identity a workload acts as: a `UserAssignedIdentity` component (its client and tenant ids are
 * read from it and, with a cluster, this workload's federated credential is added to it), or the ids of
 * an identity made elsewhere.
 */
export interface WorkloadIdentityIdentity {
  readonly clientId: pulumi.Input<string>;
  readonly tenantId: pulumi.Input<string>;
}

/** The cluster a workload runs on: an `AksCluster` (its OIDC issuer and Kubernetes provider are used). */
export interface WorkloadIdentityCluster {
  readonly oidcIssuerUrl: pulumi.Input<string>;
  readonly provider: pulumi.ProviderResource;
}

export interface WorkloadIdentityArgs {
  /** Required. Kubernetes namespace (DNS-1123 label). */
  readonly namespace: string;
  /** Required. Service account name (DNS-1123 subdomain). */
  readonly serviceAccountName: string;
  /**
   * Optional (or `clientId` + `tenantId`). The identity to act as, e.g. a `UserAssignedIdentity`. With a
   * `cluster` (or `issuerUrl`), the component creates this service account's federated credential on it
   * and orders the service account after it.
   */
  readonly identity?: WorkloadIdentityIdentity;
  /**
   * Optional. The cluster, e.g. an `AksCluster`: its OIDC issuer is trusted by the federated credential
   * and its Kubernetes provider creates the namespace and service account (unless `opts.provider` is
   * given). Defaults to none.
   */
  readonly cluster?: WorkloadIdentityCluster;
  /**
   * Optional. OIDC issuer URL of a cluster made elsewhere (byte for byte its `issuerURL`, trailing slash
   * included), used instead of `cluster.oidcIssuerUrl`. Defaults to the cluster's.
   */
  readonly issuerUrl?: pulumi.Input<string>;
  /**
   * Optional. Name of the federated credential created on the identity. Defaults to
   * `federatedCredentialName(namespace, serviceAccountName)` (`<namespace>_<serviceAccount>`).
   */
  readonly federatedCredentialName?: string;
  /** Optional (required without `identity`). Client id of an identity made elsewhere. */
  readonly clientId?: pulumi.Input<string>;
  /** Optional (required without `identity`). Entra tenant id of that identity. Defaults to `identity.tenantId`. */
  readonly tenantId?: pulumi.Input<string>;
  /**
   * Optional. Create the namespace. Defaults to creating it once per cluster (per Kubernetes provider,
   * from `cluster` or `opts.provider`): the first WorkloadIdentity in a namespace creates it, later ones in
   * the same namespace use it (and wait for it). Pass `false` for a namespace that exists already.
   */
  readonly createNamespace?: boolean;
  /**
   * Optional. A federated identity credential made elsewhere for this service account's subject: the
   * service account is created after it, so a pod never runs before the credential exists. Defaults to
   * the credential this component creates (with `identity` + `cluster`), else none.
   */
  readonly federatedCredential?: pulumi.Input<pulumi.Resource>;
  /**
   * Optional. Projected token lifetime in seconds (3600–86400), set as the
   * `azure.workload.identity/service-account-token-expiration` annotation. Defaults to the webhook's 3600.
   */
  readonly tokenExpirationSeconds?: number;
  /** Optional. Extra labels on the namespace and service account. Defaults to none. */
  readonly labels?: Readonly<Record<string, string>>;
}

/** Every problem with the plain workload identity settings (empty when valid). */
export function workloadIdentityArgsIssues(args: WorkloadIdentityArgs): string[] {
  const issues: string[] = [];
  if (!isDns1123Label(args.namespace)) {
    issues.push(
      `Invalid value for namespace: ${JSON.stringify(args.namespace)}. Use a DNS-1123 label: at most 63 lowercase letters, digits or "-", starting and ending with a letter or digit.`,
    );
  }
  if (!isDns1123Subdomain(args.serviceAccountName)) {
    issues.push(
      `Invalid value for serviceAccountName: ${JSON.stringify(args.serviceAccountName)}. Use a DNS-1123 subdomain: at most 253 lowercase letters, digits, "-" or ".", starting and ending with a letter or digit.`,
    );
  }
  const ttl = args.tokenExpirationSeconds;
  if (ttl !== undefined && (!Number.isInteger(ttl) || ttl < 3600 || ttl > 86400)) {
    issues.push(
      `Invalid value for tokenExpirationSeconds: ${ttl}. Use a whole number of seconds from 3600 to 86400.`,
    );
  }
  if (args.identity === undefined && args.tenantId === undefined) {
    issues.push(
      "tenantId is required without identity: pass identity (a UserAssignedIdentity), or the identity's clientId and tenantId.",
    );
  }
  if (args.identity !== undefined && args.clientId !== undefined) {
    issues.push(
      "identity and clientId are both set: pass one (identity for a UserAssignedIdentity, clientId for an identity made elsewhere).",
    );
  }
  return issues;
}

/** An identity that can take a federated credential (a `UserAssignedIdentity`). */
interface FederatableIdentity extends WorkloadIdentityIdentity {
  addFederatedCredential(spec: {
    name: string;
    issuer: pulumi.Input<string>;
    subject: string;
  }): pulumi.CustomResource;
}

function isFederatable(
  identity: WorkloadIdentityIdentity | undefined,
): identity is FederatableIdentity {
  return (
    identity !== undefined &&
    typeof (identity as Partial<FederatableIdentity>).addFederatedCredential === "function"
  );
}

/**
 * Namespaces created by WorkloadIdentity components, per Kubernetes provider: a later workload in the same
 * namespace on the same cluster uses the first one's Namespace. Without a provider (the ambient one)
 * nothing is shared: each component creates its namespace unless `createNamespace: false`.
 */
const createdNamespaces = new WeakMap<object, Map<string, corev1.Namespace>>();

/**
 * A Kubernetes namespace (created once per cluster), a service account annotated for Azure workload
 * identity and, given the identity and the cluster, the identity's federated credential for it:
 *
 *     new WorkloadIdentity("orders", { namespace: "shop", serviceAccountName: "orders", identity, cluster });
 *
 * For an identity or cluster made elsewhere pass `clientId` + `tenantId` and the cluster's provider in
 * `opts.provider`.
 */
export class WorkloadIdentity extends pulumi.ComponentResource {
  /** Token subject of the service account: `system:serviceaccount:<namespace>:<serviceAccount>`. */
  public readonly subject: string;
  /** Service account name, resolved once the service account exists. */
  public readonly serviceAccountName: pulumi.Output<string>;
  /** Namespace name, resolved once the namespace (when created) and the service account exist. */
  public readonly namespace: pulumi.Output<string>;
  /** Client id the service account is annotated with (`AZURE_CLIENT_ID` in its pods). */
  public readonly clientId: pulumi.Output<string>;
  /** Labels every pod template using this identity must carry. */
  public readonly podTemplateLabels: Readonly<Record<string, string>>;
  /** The namespace child, when this component created it. */
  public readonly namespaceResource?: corev1.Namespace;
  /** The service account child. */
  public readonly serviceAccount: corev1.ServiceAccount;
  /** The federated credential this component added to the identity, when it did. */
  public readonly federatedCredential?: pulumi.CustomResource;

  constructor(name: string, args: WorkloadIdentityArgs, opts?: pulumi.ComponentResourceOptions) {
    checkRequiredArgs("WorkloadIdentity", name, args, [
      { key: "namespace", fix: 'pass the Kubernetes namespace, e.g. "shop"' },
      { key: "serviceAccountName", fix: 'pass the service account name, e.g. "orders"' },
      {
        key: "identity|clientId",
        fix: "pass identity (a UserAssignedIdentity), or clientId and tenantId of an identity made elsewhere",
      },
    ]);
    const issues = workloadIdentityArgsIssues(args);
    if (issues.length > 0) {
      throw new ComponentArgsError("WorkloadIdentity", name, issues);
    }
    const provider = opts?.provider ?? args.cluster?.provider;
    super(
      "zerocred:kubernetes:WorkloadIdentity",
      name,
      {},
      {
        ...opts,
        ...(provider !== undefined ? { provider } : {}),
      },
    );

    this.subject = serviceAccountSubject(args.namespace, args.serviceAccountName);
    const labels = { ...(args.labels ?? {}) };

    // One Namespace per (provider, name): the first workload creates it, the others use it.
    const known =
      (provider !== undefined ? createdNamespaces.get(provider) : undefined) ??
      new Map<string, corev1.Namespace>();
    if (provider !== undefined) {
      createdNamespaces.set(provider, known);
    }
    const existing = known.get(args.namespace);
    let namespace: pulumi.Output<string> = pulumi.output(args.namespace);
    if (args.createNamespace === true && existing !== undefined) {
      throw new ComponentArgsError("WorkloadIdentity", name, [
        `namespace ${JSON.stringify(args.namespace)} is already created by another WorkloadIdentity on this cluster: omit createNamespace (it is then shared).`,
      ]);
    }
    if (args.createNamespace ?? existing === undefined) {
      this.namespaceResource = new corev1.Namespace(
        `${name}-namespace`,
        { metadata: { name: args.namespace, labels } },
        { parent: this },
      );
      known.set(args.namespace, this.namespaceResource);
      namespace = this.namespaceResource.metadata.name;
    } else if (args.createNamespace === undefined && existing !== undefined) {
      namespace = existing.metadata.name;
    }

    // The federated credential: on the identity, trusting the cluster's issuer for this subject.
    const issuer = args.issuerUrl ?? args.cluster?.oidcIssuerUrl;
    if (
      isFederatable(args.identity) &&
      issuer !== undefined &&
      args.federatedCredential === undefined
    ) {
      this.federatedCredential = args.identity.addFederatedCredential({
        name:
          args.federatedCredentialName ??
          federatedCredentialName(args.namespace, args.serviceAccountName),
        issuer,
        subject: this.subject,
      });
    }
    const credential = args.federatedCredential ?? this.federatedCredential;

    const clientId = args.identity?.clientId ?? args.clientId!;
    const tenantId = args.tenantId ?? args.identity!.tenantId;
    const annotations: Record<string, pulumi.Input<string>> = {
      [CLIENT_ID_ANNOTATION]: clientId,
      [TENANT_ID_ANNOTATION]: tenantId,
    };
    if (args.tokenExpirationSeconds !== undefined) {
      annotations[TOKEN_EXPIRATION_ANNOTATION] = String(args.tokenExpirationSeconds);
    }

    this.serviceAccount = new corev1.ServiceAccount(
      `${name}-serviceaccount`,
      {
        metadata: {
          name: args.serviceAccountName,
          namespace,
          labels,
          annotations,
        },
      },
      {
        parent: this,
        ...(credential !== undefined ? { dependsOn: [credential] } : {}),
      },
    );

    this.serviceAccountName = this.serviceAccount.metadata.name;
    this.namespace = this.serviceAccount.metadata.namespace;
    this.clientId = pulumi.output(clientId);
    this.podTemplateLabels = WORKLOAD_IDENTITY_POD_LABELS;
    this.registerOutputs({
      subject: this.subject,
      serviceAccountName: this.serviceAccountName,
      namespace: this.namespace,
      clientId: this.clientId,
      podTemplateLabels: this.podTemplateLabels,
    });
  }
}
