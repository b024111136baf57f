/** Groups the federated identity credentials of a stack by the user-assigned identity they belong to. */
import { federatedCredentialOwner, TYPES } from "./arm";
import type { StackResource } from "./rule";

export function credentialsByIdentity(
  resources: readonly StackResource[],
): Map<string, StackResource[]> {
  const groups = new Map<string, StackResource[]>();
  for (const r of resources) {
    if (r.type !== TYPES.federatedCredential) {
      continue;
    }
    const owner = federatedCredentialOwner(r.props);
    if (owner === undefined) {
      continue;
    }
    const list = groups.get(owner) ?? [];
    list.push(r);
    groups.set(owner, list);
  }
  return groups;
}
