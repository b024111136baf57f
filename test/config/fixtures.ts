/** Shared fixtures for the config tests: the dev stack's raw config and a path-based editor. */
import * as path from "node:path";
import { readStackConfigFile } from "../../infra/config";

export const REPO_ROOT = path.resolve(__dirname, "../..");
export const DEV_STACK_FILE = path.join(REPO_ROOT, "Pulumi.dev.yaml");
export const DEV_SSH_KEY =
  "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINJAjZ+F4+6sg5Zj7Y909cVf0Pl9k3xWA1HyzZew8KOP zerocred-dev";

/** Marks a key to delete in {@link edited}. */
export const DELETE = Symbol("delete");

type Container = Record<string | number, unknown>;

/** The dev stack's `config:` block (a fresh deep copy each call). */
export function devRaw(): Record<string, unknown> {
  return structuredClone(readStackConfigFile(DEV_STACK_FILE));
}

/** `zerocred:workloads[1].identity` → `["zerocred:workloads", 1, "identity"]`. */
function splitPath(p: string): (string | number)[] {
  const [top, ...rest] = p.split(/(?=[.[])/);
  return [top, ...rest.map((s) => (s.startsWith("[") ? Number(s.slice(1, -1)) : s.slice(1)))];
}

/** A copy of the dev config with each `path → value` applied (`DELETE` removes the key). */
export function edited(changes: Record<string, unknown>): Record<string, unknown> {
  const c = devRaw();
  for (const [p, value] of Object.entries(changes)) {
    const parts = splitPath(p);
    let cur = c as Container;
    for (const part of parts.slice(0, -1)) {
      cur = cur[part] as Container;
    }
    const last = parts[parts.length - 1];
    if (value === DELETE) {
      delete cur[last];
    } else {
      cur[last] = value;
    }
  }
  return c;
}
