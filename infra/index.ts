/**
 * The zerocred stack program (`pulumi up` runs this; `npm start` simulates it).
 *
 * Config is validated first — every problem reported at once, before any resource is
 * registered — then the stack is composed from the validated spec.
 */
import * as pulumi from "@pulumi/pulumi";
import { loadPulumiConfig } from "./config";
import { buildStack } from "./stack";

const outputs = buildStack(loadPulumiConfig(), pulumi.getStack());

export const resourceGroupName = outputs.resourceGroupName;
export const vaultName = outputs.vaultName;
export const vaultUri = outputs.vaultUri;
export const canarySecretName = outputs.canarySecretName;
export const canaryFingerprint = outputs.canaryFingerprint;
export const aksClusterName = outputs.clusterName;
export const oidcIssuerUrl = outputs.oidcIssuerUrl;
export const vmName = outputs.vmName;
export const vmPrincipalId = outputs.vmPrincipalId;
export const identities = outputs.identities;
export const workloads = outputs.workloads;
export const grants = outputs.grants;
export const expectedAccess = outputs.expectedAccess;
export const vmVerification = outputs.vmVerification;
export const podVerification = outputs.podVerification;
