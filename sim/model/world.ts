/** The emulator world a model declares: what the IMDS, Entra ID, issuer and vault emulators serve. */
import type { EmulatorWorld } from "../emulators";
import { derivedGuid, secretValueOf, type DeploymentModel } from "./types";

/** The emulator world the model declares. Secrets without a recorded value get a deterministic placeholder. */
export function toEmulatorWorld(model: DeploymentModel, tenantId: string): EmulatorWorld {
  return {
    tenantId,
    identities: model.identities
      .filter((i) => i.principalId !== undefined && i.clientId !== undefined)
      .map((i) => ({
        name: i.name,
        resourceId: i.resourceId,
        principalId: i.principalId!,
        clientId: i.clientId!,
      })),
    federatedCredentials: model.federatedCredentials
      .filter(
        (f) =>
          f.identityResourceId !== undefined && f.issuer !== undefined && f.subject !== undefined,
      )
      .map((f) => ({
        identityResourceId: f.identityResourceId!,
        name: f.name,
        issuer: f.issuer!,
        subject: f.subject!,
        audiences: [...f.audiences],
      })),
    vms: model.vms.map((v) => ({
      name: v.name,
      resourceId: v.resourceId,
      ...(v.systemAssigned !== undefined ? { systemAssigned: { ...v.systemAssigned } } : {}),
      userAssignedIdentityIds: [...v.userAssignedIdentityIds],
    })),
    clusters: model.clusters
      .filter((c) => c.issuerUrl !== undefined && c.oidcIssuerEnabled)
      .map((c) => ({ name: c.name, issuerUrl: c.issuerUrl! })),
    vaults: model.vaults.map((v) => ({
      name: v.name,
      resourceId: v.resourceId,
      enableRbacAuthorization: v.enableRbacAuthorization,
      secrets: v.secrets.map((s) => ({
        name: s.name,
        value: secretValueOf(s) ?? `simulated-${derivedGuid(`${s.resourceId}#value`)}`,
      })),
    })),
    roleAssignments: model.roleAssignments
      .filter((a) => a.principalId !== "" && a.roleDefinitionId !== "" && a.scope !== "")
      .map((a) => ({
        principalId: a.principalId,
        roleDefinitionId: a.roleDefinitionId,
        scope: a.scope,
        ...(a.customRole && a.role !== undefined
          ? {
              customRole: {
                dataActions: [...a.role.dataActions],
                notDataActions: [...a.role.notDataActions],
              },
            }
          : {}),
      })),
  };
}
