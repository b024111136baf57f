import * as pulumi from "@pulumi/pulumi";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import { ComponentArgsError, checkRequiredArgs } from "./args";
import { federatedCredentialNameIssues } from "./naming";
import {
  duplicateIssuerSubjects,
  exceedsFederatedCredentialLimit,
  federatedCredentialChainOrder,
  hasTokenExchangeAudience,
  MAX_FEDERATED_CREDENTIALS_PER_IDENTITY,
  WORKLOAD_IDENTITY_AUDIENCE,
} from "./rules/workloadIdentity";

export { federatedCredentialChainOrder } from "./rules/workloadIdentity";

/** User-assigned identity names (Azure resource name rules): 3–128 of `[A-Za-z0-9_-]`, alphanumeric first. */
export const IDENTITY_NAME_PATTERN: RegExp = /^[A-Za-z0-9][A-Za-z0-9_-]{2,127}$/;

/** One federated identity credential to create on the identity. */
export interface FederatedCredentialSpec {
  /** Required. Credential name: 3–120 of `[A-Za-z0-9_-]`, starting with a letter or digit; unique per identity. */
  readonly name: string;
  /**
   * Required. Issuer URL trusted by the credential, byte for byte as the token's `iss` (AKS: the cluster's
   * `oidcIssuerProfile.issuerURL` output, with its trailing slash — never typed by hand).
   */
  readonly issuer: pulumi.Input<string>;
  /** Required. Token subject, e.g. `system:serviceaccount:<namespace>:<serviceAccount>` (case-sensitive). */
  readonly subject: string;
  /** Optional. Token audiences; Entra ID supports exactly one. Defaults to `["api://AzureADTokenExchange"]`. */
  readonly audiences?: readonly string[];
}

export interface UserAssignedIdentityArgs {
  /** Required. Resource group to create the identity in. */
  readonly resourceGroupName: pulumi.Input<string>;
  /** Optional. Azure region. Defaults to the resource group's provider location (`azure-native:location`). */
  readonly location?: pulumi.Input<string>;
  /**
   * Optional. Azure name of the identity (3–128 of `[A-Za-z0-9_-]`, alphanumeric first). Defaults to the
   * component's logical name, so the name is deterministic (no random suffix).
   */
  readonly identityName?: string;
  /** Optional. Resource tags. Defaults to none. */
  readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /**
   * Optional. Federated identity credentials, at most 20, unique names and unique (issuer, subject) pairs.
   * They are written one at a time (a `dependsOn` chain sorted by name) because Azure rejects concurrent
   * writes under one identity with 409 `ConcurrentFederatedIdentityCredentialsWritesForSingleManagedIdentity`.
   * Defaults to none.
   */
  readonly federatedCredentials?: readonly FederatedCredentialSpec[];
  /**
   * Optional. Allow audiences other than `api://AzureADTokenExchange` (e.g. a non-Entra token exchange).
   * Defaults to `false`: a different audience is almost always a mistake that makes every exchange fail.
   */
  readonly allowCustomAudiences?: boolean;
}

/** Problems with an identity name (empty when valid). */
export function identityNameIssues(name: string): string[] {
  return IDENTITY_NAME_PATTERN.test(name)
    ? []
    : [
        `Invalid value for identityName: ${JSON.stringify(name)}. Use 3 to 128 letters, digits, "-" or "_", starting with a letter or digit.`,
      ];
}

/**
 * Every problem with a list of federated credential specs (empty when valid): count ≤ 20, valid and unique
 * names, non-empty subjects, unique (issuer, subject) where the issuer is a plain string, and exactly one
 * audience equal to `api://AzureADTokenExchange` unless `allowCustomAudiences`.
 */
export function federatedCredentialIssues(
  specs: readonly FederatedCredentialSpec[],
  options: { readonly allowCustomAudiences?: boolean } = {},
): string[] {
  const issues: string[] = [];
  if (exceedsFederatedCredentialLimit(specs.length)) {
    issues.push(
      `federatedCredentials has ${specs.length} entries; Azure allows at most ${MAX_FEDERATED_CREDENTIALS_PER_IDENTITY} per user-assigned identity. Split the workloads across more identities.`,
    );
  }
  const names = new Set<string>();
  // (issuer, subject) pairs can be checked here only where the issuer is a plain string.
  const duplicates = new Map(
    duplicateIssuerSubjects(
      specs.map((spec, index) => ({ spec, index })),
      ({ spec }) => (typeof spec.issuer === "string" ? spec.issuer : undefined),
      ({ spec }) => spec.subject,
    ).map(([first, dup]) => [dup.index, first.spec]),
  );
  specs.forEach((spec, index) => {
    for (const issue of federatedCredentialNameIssues(spec.name)) {
      issues.push(`federatedCredentials: ${issue}`);
    }
    if (names.has(spec.name)) {
      issues.push(
        `federatedCredentials: name ${JSON.stringify(spec.name)} is used more than once; give each credential a unique name.`,
      );
    }
    names.add(spec.name);
    if (spec.subject.trim() === "" || spec.subject !== spec.subject.trim()) {
      issues.push(
        `federatedCredentials[${JSON.stringify(spec.name)}].subject ${JSON.stringify(spec.subject)} is empty or has surrounding whitespace; use the exact token subject, e.g. "system:serviceaccount:<namespace>:<serviceAccount>".`,
      );
    }
    const other = duplicates.get(index);
    if (other !== undefined) {
      issues.push(
        `federatedCredentials: ${JSON.stringify(other.name)} and ${JSON.stringify(spec.name)} both trust issuer ${JSON.stringify(spec.issuer)} with subject ${JSON.stringify(spec.subject)}; Azure rejects a duplicate (issuer, subject) pair on one identity. Remove one.`,
      );
    }
    const audiences = spec.audiences ?? [WORKLOAD_IDENTITY_AUDIENCE];
    if (audiences.length !== 1) {
      issues.push(
        `federatedCredentials[${JSON.stringify(spec.name)}].audiences has ${audiences.length} entries; Entra ID supports exactly one. Use [${JSON.stringify(WORKLOAD_IDENTITY_AUDIENCE)}].`,
      );
    } else if (!options.allowCustomAudiences && !hasTokenExchangeAudience(audiences)) {
      issues.push(
        `federatedCredentials[${JSON.stringify(spec.name)}].audiences is ${JSON.stringify(audiences)}; workload identity tokens carry ${JSON.stringify(WORKLOAD_IDENTITY_AUDIENCE)}. Remove the override or set allowCustomAudiences: true.`,
      );
    }
  });
  return issues;
}

/** Problems with resolved (issuer, subject) pairs, checked once every issuer output is known. */
export function duplicateIssuerSubjectIssues(
  resolved: readonly { name: string; issuer: string; subject: string }[],
): string[] {
  return duplicateIssuerSubjects(
    resolved,
    (r) => r.issuer,
    (r) => r.subject,
  ).map(
    ([other, r]) =>
      `federatedCredentials: ${JSON.stringify(other.name)} and ${JSON.stringify(r.name)} both trust issuer ${JSON.stringify(r.issuer)} with subject ${JSON.stringify(r.subject)}; Azure rejects a duplicate (issuer, subject) pair on one identity. Remove one.`,
  );
}

/**
 * Options for each federated credential child: parent, the previous credential in the chain, and
 * delete-before-replace (a create-before-delete replacement collides on the name or the issuer+subject pair).
 */
export function federatedCredentialChildOptions(
  parent: pulumi.Resource,
  previous: pulumi.Resource | undefined,
): pulumi.CustomResourceOptions {
  return {
    parent,
    deleteBeforeReplace: true,
    ...(previous !== undefined ? { dependsOn: [previous] } : {}),
  };
}

/** The component type token of {@link UserAssignedIdentity}. */
export const USER_ASSIGNED_IDENTITY_TYPE = "zerocred:identity:UserAssignedIdentity";

/**
 * A user-assigned managed identity and its federated identity credentials, written one at a time.
 *
 * Credentials come from `federatedCredentials` (e.g. a GitHub or other external issuer) and from
 * {@link UserAssignedIdentity.addFederatedCredential}, which a `WorkloadIdentity` given this identity and
 * a cluster calls for its own service account. Every credential is a child of this component named
 * `<name>-fic-<credential name>`, chained after the previous one (Azure rejects concurrent writes).
 */
export class UserAssignedIdentity extends pulumi.ComponentResource {
  /** ARM id of the identity (what a VM's `userAssignedIdentities` takes). */
  public readonly id: pulumi.Output<string>;
  /** Azure name of the identity. */
  public readonly name: pulumi.Output<string>;
  /** Object (principal) id: what role assignments grant to. */
  public readonly principalId: pulumi.Output<string>;
  /** Client (application) id: what workloads put in `AZURE_CLIENT_ID` / IMDS `client_id`. */
  public readonly clientId: pulumi.Output<string>;
  /** Entra tenant of the identity. */
  public readonly tenantId: pulumi.Output<string>;
  /** The identity child resource. */
  public readonly identity: managedidentity.UserAssignedIdentity;
  /**
   * Federated credentials in chain (creation) order: those of `federatedCredentials`, then those added
   * with `addFederatedCredential` (a WorkloadIdentity's), in the order they were added.
   */
  public readonly federatedCredentials: managedidentity.FederatedIdentityCredential[];

  private readonly componentName: string;
  private readonly resourceGroupName: pulumi.Input<string>;
  private readonly allowCustomAudiences: boolean;
  /** Every credential's name and (checked) issuer, in chain order. */
  private readonly written: { name: string; issuer: pulumi.Output<string>; subject: string }[];

  constructor(
    name: string,
    args: UserAssignedIdentityArgs,
    opts?: pulumi.ComponentResourceOptions,
  ) {
    checkRequiredArgs("UserAssignedIdentity", name, args, [
      {
        key: "resourceGroupName",
        fix: "pass the name of the resource group to create the identity in (e.g. rg.name)",
      },
    ]);
    super(USER_ASSIGNED_IDENTITY_TYPE, name, {}, opts);

    const identityName = args.identityName ?? name;
    const specs = args.federatedCredentials ?? [];
    const issues = [
      ...identityNameIssues(identityName),
      ...federatedCredentialIssues(specs, { allowCustomAudiences: args.allowCustomAudiences }),
    ];
    if (issues.length > 0) {
      throw new pulumi.ResourceError(
        `UserAssignedIdentity ${JSON.stringify(name)}: ${issues.join(" ")}`,
        this,
        true,
      );
    }

    this.identity = new managedidentity.UserAssignedIdentity(
      `${name}-identity`,
      {
        resourceGroupName: args.resourceGroupName,
        resourceName: identityName,
        location: args.location,
        tags: args.tags,
      },
      { parent: this },
    );

    const ordered = federatedCredentialChainOrder(specs);
    // Issuers are usually outputs (the cluster's issuer URL): check (issuer, subject) uniqueness once known.
    const checkedIssuers = pulumi
      .all(ordered.map((s) => pulumi.output(s.issuer)))
      .apply((issuers) => {
        const dup = duplicateIssuerSubjectIssues(
          ordered.map((s, i) => ({ name: s.name, issuer: issuers[i], subject: s.subject })),
        );
        if (dup.length > 0) {
          throw new Error(`UserAssignedIdentity ${JSON.stringify(name)}: ${dup.join(" ")}`);
        }
        return issuers;
      });

    const credentials: managedidentity.FederatedIdentityCredential[] = [];
    ordered.forEach((spec, i) => {
      const previous = credentials[credentials.length - 1];
      credentials.push(
        new managedidentity.FederatedIdentityCredential(
          `${name}-fic-${spec.name}`,
          {
            resourceGroupName: args.resourceGroupName,
            resourceName: this.identity.name,
            federatedIdentityCredentialResourceName: spec.name,
            issuer: checkedIssuers.apply((all) => all[i]),
            subject: spec.subject,
            audiences: [...(spec.audiences ?? [WORKLOAD_IDENTITY_AUDIENCE])],
          },
          federatedCredentialChildOptions(this, previous),
        ),
      );
    });

    this.componentName = name;
    this.resourceGroupName = args.resourceGroupName;
    this.allowCustomAudiences = args.allowCustomAudiences ?? false;
    this.written = ordered.map((spec, i) => ({
      name: spec.name,
      issuer: checkedIssuers.apply((all) => all[i]),
      subject: spec.subject,
    }));
    this.id = this.identity.id;
    this.name = this.identity.name;
    this.principalId = this.identity.principalId;
    this.clientId = this.identity.clientId;
    this.tenantId = this.identity.tenantId;
    this.federatedCredentials = credentials;
    this.registerOutputs({
      id: this.id,
      name: this.name,
      principalId: this.principalId,
      clientId: this.clientId,
      tenantId: this.tenantId,
    });
  }

  /**
   * Adds one federated identity credential to this identity, written after every credential before it.
   * Its child is named `<identity component name>-fic-<spec.name>`. Throws a `ComponentArgsError` for an
   * invalid or duplicate name, more than 20 credentials, or (once the issuer is known) a duplicate
   * (issuer, subject) pair.
   */
  public addFederatedCredential(
    spec: FederatedCredentialSpec,
  ): managedidentity.FederatedIdentityCredential {
    const all = [
      ...this.written.map((w) => ({ name: w.name, subject: w.subject, issuer: "" })),
      spec,
    ];
    const issues = federatedCredentialIssues(
      all.map((s) => ({ ...s, issuer: pulumi.output(s.issuer) })),
      { allowCustomAudiences: this.allowCustomAudiences },
    );
    if (issues.length > 0) {
      throw new ComponentArgsError("UserAssignedIdentity", this.componentName, issues);
    }
    const owner = this.componentName;
    const previous = this.written.map((w) => w.issuer);
    const issuer = pulumi
      .all([pulumi.output(spec.issuer), ...previous])
      .apply(([mine, ...others]) => {
        const dup = duplicateIssuerSubjectIssues([
          ...this.written.map((w, i) => ({ name: w.name, issuer: others[i]!, subject: w.subject })),
          { name: spec.name, issuer: mine, subject: spec.subject },
        ]);
        if (dup.length > 0) {
          throw new Error(`UserAssignedIdentity ${JSON.stringify(owner)}: ${dup.join(" ")}`);
        }
        return mine;
      });
    const credential = new managedidentity.FederatedIdentityCredential(
      `${owner}-fic-${spec.name}`,
      {
        resourceGroupName: this.resourceGroupName,
        resourceName: this.identity.name,
        federatedIdentityCredentialResourceName: spec.name,
        issuer,
        subject: spec.subject,
        audiences: [...(spec.audiences ?? [WORKLOAD_IDENTITY_AUDIENCE])],
      },
      federatedCredentialChildOptions(this, this.federatedCredentials.at(-1)),
    );
    this.written.push({ name: spec.name, issuer, subject: spec.subject });
    this.federatedCredentials.push(credential);
    return credential;
  }
}
