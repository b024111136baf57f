import * as pulumi from "@pulumi/pulumi";
import * as corev1 from "@pulumi/kubernetes/core/v1";
import { isDns1123Label, isDns1123Subdomain, serviceAccountSubject } from "./naming";

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

export interface WorkloadIdentityArgs {
  /** Required. Kubernetes namespace (DNS-1123 label). */
  readonly namespace: string;
  /** Required. Service account name (DNS-1123 subdomain). */
  readonly serviceAccountName: string;
  /** Required. Client id of the user-assigned identity the service account acts as. */
  readonly clientId: pulumi.Input<string>;
  /** Required. Entra tenant id of the identity (annotated so the webhook need not default it). */
  readonly tenantId: pulumi.Input<string>;
  /**
   * Optional. Create the namespace. Defaults to `true`; pass `false` when it exists already or is created
   * by another workload sharing it.
   */
  readonly createNamespace?: boolean;
  /**
   * Optional. The federated identity credential for this service account's subject (on the
   * UserAssignedIdentity): the service account is created after it, so a pod never runs before the
   * credential exists. Defaults to none.
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
  return issues;
}

/**
 * A Kubernetes namespace (optional) and a service account annotated for Azure workload identity.
 * The federated credential lives on the UserAssignedIdentity; pass it as `federatedCredential` to order
 * the service account after it. Pass the cluster's Kubernetes provider through `opts.provider`/`providers`.
 */
export class WorkloadIdentity extends pulumi.ComponentResource {
  /** Token subject of the service account: `system:serviceaccount:<namespace>:<serviceAccount>`. */
  public readonly subject: string;
  /** Service account name, resolved once the service account exists. */
  public readonly serviceAccountName: pulumi.Output<string>;
  /** Namespace name, resolved once the namespace (when created) exists. */
  public readonly namespace: pulumi.Output<string>;
  /** Labels every pod template using this identity must carry. */
  public readonly podTemplateLabels: Readonly<Record<string, string>>;
  /** The namespace child, when created. */
  public readonly namespaceResource?: corev1.Namespace;
  /** The service account child. */
  public readonly serviceAccount: corev1.ServiceAccount;

  constructor(name: string, args: WorkloadIdentityArgs, opts?: pulumi.ComponentResourceOptions) {
    super("zerocred:kubernetes:WorkloadIdentity", name, {}, opts);

    const issues = workloadIdentityArgsIssues(args);
    if (issues.length > 0) {
      throw new pulumi.ResourceError(
        `WorkloadIdentity ${JSON.stringify(name)}: ${issues.join(" ")}`,
        this,
      );
    }
    this.subject = serviceAccountSubject(args.namespace, args.serviceAccountName);
    const labels = { ...(args.labels ?? {}) };

    let namespace: pulumi.Output<string> = pulumi.output(args.namespace);
    if (args.createNamespace ?? true) {
      this.namespaceResource = new corev1.Namespace(
        `${name}-namespace`,
        { metadata: { name: args.namespace, labels } },
        { parent: this },
      );
      namespace = this.namespaceResource.metadata.name;
    }

    const annotations: Record<string, pulumi.Input<string>> = {
      [CLIENT_ID_ANNOTATION]: args.clientId,
      [TENANT_ID_ANNOTATION]: args.tenantId,
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
        ...(args.federatedCredential !== undefined
          ? { dependsOn: [args.federatedCredential] }
          : {}),
      },
    );

    this.serviceAccountName = this.serviceAccount.metadata.name;
    this.namespace = this.serviceAccount.metadata.namespace;
    this.podTemplateLabels = WORKLOAD_IDENTITY_POD_LABELS;
    this.registerOutputs({
      subject: this.subject,
      serviceAccountName: this.serviceAccountName,
      namespace: this.namespace,
      podTemplateLabels: this.podTemplateLabels,
    });
  }
}
