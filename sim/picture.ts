/**
 * A picture of who can read what, as Mermaid flowchart text:
 * - principal --role--> scope (solid when the role can read secret values, dashed otherwise);
 * - VM --system-assigned / user-assigned--> identity;
 * - pod template --runs as--> service account --federated credential--> identity
 *   (dashed "client-id, no federated credential" when only the annotation links them).
 *
 * The graph itself (`accessGraph`) is shared: the Mermaid text is printed (GitHub renders it), and
 * sim/svg.ts draws the same graph as a standalone SVG (`npm start -- --svg <file>`) without a browser.
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

/** How a node is drawn: Mermaid's box, rounded box, stadium and cylinder (a vault or secret). */
export type AccessNodeShape = "box" | "round" | "stadium" | "cyl";

/**
 * What a node stands for; also its column in the SVG (sim/svg.ts), left to right:
 * compute and workloads → service accounts → identities and principals → scopes.
 */
export type AccessNodeKind = "compute" | "serviceAccount" | "identity" | "scope";

export interface AccessNode {
  /** Mermaid node id, `n1`, `n2`, … in first-seen order. */
  readonly id: string;
  readonly label: string;
  readonly shape: AccessNodeShape;
  readonly kind: AccessNodeKind;
}

export interface AccessEdge {
  readonly from: string;
  readonly to: string;
  readonly label: string;
  /** Dashed: the link does not give access to secret values (metadata-only role, missing label/credential). */
  readonly dashed: boolean;
}

/** The picture's data, shared by the Mermaid text and the SVG renderer. */
export interface AccessGraph {
  readonly nodes: readonly AccessNode[];
  readonly edges: readonly AccessEdge[];
}

class Graph {
  private readonly ids = new Map<string, string>();
  private readonly nodes: AccessNode[] = [];
  private readonly edges: AccessEdge[] = [];
  private readonly edgeSet = new Set<string>();

  node(key: string, label: string, kind: AccessNodeKind, shape: AccessNodeShape = "box"): string {
    const existing = this.ids.get(key);
    if (existing !== undefined) {
      return existing;
    }
    const id = `n${this.ids.size + 1}`;
    this.ids.set(key, id);
    this.nodes.push({ id, label, shape, kind });
    return id;
  }

  edge(from: string, to: string, label: string, dashed = false): void {
    const key = JSON.stringify([from, to, label, dashed]);
    if (!this.edgeSet.has(key)) {
      this.edgeSet.add(key);
      this.edges.push({ from, to, label, dashed });
    }
  }

  graph(): AccessGraph {
    return { nodes: [...this.nodes], edges: [...this.edges] };
  }
}

/** Mermaid flowchart text of an access graph. */
export function mermaidFlowchart(graph: AccessGraph): string {
  const shaped = (n: AccessNode): string => {
    const l = `"${mermaidEscape(n.label)}"`;
    return n.shape === "round"
      ? `(${l})`
      : n.shape === "stadium"
        ? `([${l}])`
        : n.shape === "cyl"
          ? `[(${l})]`
          : `[${l}]`;
  };
  return (
    [
      "flowchart LR",
      ...graph.nodes.map((n) => `  ${n.id}${shaped(n)}`),
      ...graph.edges.map(
        (e) => `  ${e.from} ${e.dashed ? "-.->" : "-->"}|"${mermaidEscape(e.label)}"| ${e.to}`,
      ),
    ].join("\n") + "\n"
  );
}

/** Mermaid flowchart text of who can read what. Deterministic for a given model. */
export function accessPicture(model: DeploymentModel): string {
  return mermaidFlowchart(accessGraph(model));
}

/** The graph of who can read what (nodes in first-seen order). Deterministic for a given model. */
export function accessGraph(model: DeploymentModel): AccessGraph {
  const g = new Graph();
  const aliasPrincipal = new Map<string, string>();
  const identityNode = (name: string) =>
    g.node(`identity:${name}`, `identity ${name}`, "identity", "round");

  for (const vm of model.vms) {
    const vmId = g.node(`vm:${vm.name}`, `VM ${vm.name}`, "compute");
    if (vm.systemAssigned !== undefined) {
      g.edge(
        vmId,
        g.node(
          `principal:${vm.systemAssigned.principalId.toLowerCase()}`,
          `${vm.name} system-assigned identity`,
          "identity",
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
      "compute",
      "stadium",
    );
    const saId = g.node(
      `sa:${pod.cluster ?? "?"}/${pod.namespace}/${saName}`,
      `service account ${pod.namespace}/${saName}`,
      "serviceAccount",
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
        "identity",
        "round",
      );
    const to = g.node(
      `scope:${a.scope.toLowerCase()}`,
      a.scopeName,
      "scope",
      a.scopeKind === "vault" || a.scopeKind === "secret" ? "cyl" : "box",
    );
    g.edge(from, to, a.roleName, !a.grantsGetSecret);
  }
  return g.graph();
}
