/**
 * Pulumi entry point of the bootstrap project (bootstrap/Pulumi.yaml). See docs/ci.md.
 */
import * as pulumi from "@pulumi/pulumi";
import {
  BOOTSTRAP_CONFIG_KEYS,
  createBootstrap,
  parseBootstrapConfig,
  type BootstrapSettings,
} from "./program";

const config = new pulumi.Config("zerocred-bootstrap");
const raw: Record<string, unknown> = {};
for (const key of BOOTSTRAP_CONFIG_KEYS) {
  const value = config.get(key);
  if (value !== undefined) {
    raw[key] = value;
  }
}

let settings: BootstrapSettings;
try {
  settings = parseBootstrapConfig(raw, new pulumi.Config("azure-native").get("location"));
} catch (e) {
  // Every problem at once, no stack trace: the messages name the key, the value and the fix.
  throw new pulumi.RunError((e as Error).message);
}

const out = createBootstrap(settings);

export const clientId = out.clientId;
export const tenantId = out.tenantId;
export const subscriptionId = out.subscriptionId;
export const principalId = out.principalId;
export const targetResourceGroupId = out.targetResourceGroupId;
export const subjects = out.subjects;
export const previewClientId = out.previewClientId;
export const previewSubject = out.previewSubject;
export const backendUrl = out.backendUrl;
export const secretsProvider = out.secretsProvider;
export const ghVariableCommands = out.ghVariableCommands;
