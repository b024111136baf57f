/**
 * A picture of who can read what, as Mermaid flowchart text:
 * - principal --role--> scope (solid when the role can read secret values, dashed otherwise);
 * - VM --system-assigned / user-assigned--> identity;
 * - pod template --runs as--> service account --federated credential--> identity
 *   (dashed "client-id, no federated credential" when only the annotation links them).
 *
 * Rendering to SVG/PNG needs a headless browser (mermaid-cli drives Puppeteer), which this project
 * does not install: the text is printed, to paste into any Mermaid renderer (GitHub renders it).
 */
import { CLIENT_ID_ANNOTATION } from "./webhook";
import {
  effectiveServiceAccount,
  findServiceAccount,
  identityByClientId,
  identityByResourceId,
  serviceAccountSubjectOf,
  type DeploymentModel,
} from "./model";

/** Escapes text for a quoted Mermaid label (entity codes for characters Mermaid would parse). */
export function mermaidEscape(text: string): string {
  return text
    .replace(/#/g, "#35;")
    .replace(/"/g, "#quot;")
    .replace(/</g, "#lt;")
    .replace(/>/g, "#gt;")
    .replace(/\|/g, "#124;")
    .replace(/[\r\n]+/g, " ");
}

class Graph {
  private readonly ids = new Map<string, string>();
  private readonly nodeLines: string[] = [];
  private readonly edgeLines: string[] = [];
  private readonly edgeSet = new Set<string>();

  node(key: string, label: string, shape: "box" | "round" | "stadium" | "cyl" = "box"): string {
    const existing = this.ids.get(key);
    if (existing !== undefined) {
      return existing;
    }
    const id = `n${this.ids.size + 1}`;
    this.ids.set(key, id);
    const l = `"${mermaidEscape(label)}"`;
    const shaped =
      shape === "round"
        ? `(${l})`
        : shape === "stadium"
          ? `([${l}])`
          : shape === "cyl"
            ? `[(${l})]`
            : `[${l}]`;
    this.nodeLines.push(`  ${id}${shaped}`);
    return id;
  }

  edge(from: string, to: string, label: string, dashed = false): void {
    const line = `  ${from} ${dashed ? "-.->" : "-->"}|"${mermaidEscape(label)}"| ${to}`;
    if (!this.edgeSet.has(line)) {
      this.edgeSet.add(line);
      this.edgeLines.push(line);
    }
  }

  render(): string {
    return ["flowchart LR", ...this.nodeLines, ...this.edgeLines].join("\n") + "\n";
  }
}

/** Mermaid flowchart text of who can read what. Deterministic for a given model. */
export function accessPicture(model: DeploymentModel): string {
  const g = new Graph();
  const aliasPrincipal = new Map<string, string>();
  const identityNode = (name: string) => g.node(`identity:${name}`, `identity ${name}`, "round");

  for (const vm of model.vms) {
    const vmId = g.node(`vm:${vm.name}`, `VM ${vm.name}`);
    if (vm.systemAssigned !== undefined) {
      g.edge(
        vmId,
        g.node(
          `principal:${vm.systemAssigned.principalId.toLowerCase()}`,
          `${vm.name} system-assigned identity`,
          "round",
        ),
        "system-assigned",
      );
    }
    for (const id of vm.userAssignedIdentityIds) {
      const uai = identityByResourceId(model, id);
      const name = uai?.name ?? id.split("/").pop() ?? id;
      g.edge(vmId, identityNode(name), "user-assigned");
    }
  }
  for (const identity of model.identities) {
    const node = identityNode(identity.name);
    if (identity.principalId !== undefined) {
      // role assignments find the identity by its principal id
      aliasPrincipal.set(identity.principalId.toLowerCase(), node);
    }
  }
  for (const pod of model.podTemplates) {
    const sa = findServiceAccount(model, pod);
    const saName = effectiveServiceAccount(pod);
    const podId = g.node(
      `pod:${pod.cluster ?? "?"}/${pod.namespace}/${pod.kind}/${pod.name}`,
      `${pod.kind} ${pod.namespace}/${pod.name}`,
      "stadium",
    );
    const saId = g.node(
      `sa:${pod.cluster ?? "?"}/${pod.namespace}/${saName}`,
      `service account ${pod.namespace}/${saName}`,
      "stadium",
    );
    g.edge(
      podId,
      saId,
      pod.labels["azure.workload.identity/use"] === "true"
        ? "runs as"
        : "runs as (no workload identity label)",
      pod.labels["azure.workload.identity/use"] !== "true",
    );
    const subject = serviceAccountSubjectOf(pod.namespace, saName);
    const fics = model.federatedCredentials.filter((f) => f.subject === subject);
    for (const f of fics) {
      const identity = model.identities.find((i) => i.urn === f.identityUrn);
      g.edge(
        saId,
        identityNode(identity?.name ?? f.identityName),
        `federated credential ${f.name}`,
      );
    }
    const annotated = identityByClientId(model, sa?.annotations[CLIENT_ID_ANNOTATION]);
    if (annotated !== undefined && !fics.some((f) => f.identityUrn === annotated.urn)) {
      g.edge(saId, identityNode(annotated.name), "client-id, no federated credential", true);
    }
  }
  for (const a of model.roleAssignments) {
    const key = `principal:${a.principalId.toLowerCase()}`;
    const from =
      aliasPrincipal.get(a.principalId.toLowerCase()) ??
      g.node(
        key,
        a.principalKind === "unknown" ? `principal ${a.principalId}` : a.principalName,
        "round",
      );
    const to = g.node(
      `scope:${a.scope.toLowerCase()}`,
      a.scopeName,
      a.scopeKind === "vault" || a.scopeKind === "secret" ? "cyl" : "box",
    );
    g.edge(from, to, a.roleName, !a.grantsGetSecret);
  }
  return g.render();
}
