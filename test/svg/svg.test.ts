/**
 * The access graph as a standalone SVG (sim/svg.ts, `npm start -- --svg <file>`): the document is
 * well-formed XML, holds every node of the graph (each principal by its label) and every edge (by
 * its endpoints), draws the edges that give no access to values dashed, escapes labels, lays out
 * deterministically, and the CLI writes it.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import { buildModel } from "../../sim/model";
import { accessGraph, type AccessGraph } from "../../sim/picture";
import { accessSvg, xmlEscape } from "../../sim/svg";
import * as f from "../sim/fixtures";

interface Element {
  readonly [key: string]: unknown;
}

/** Every element named `tag` anywhere below `node` (fast-xml-parser's preserveOrder tree). */
function findAll(node: unknown, tag: string): Element[] {
  if (Array.isArray(node)) {
    return node.flatMap((n) => findAll(n, tag));
  }
  if (node === null || typeof node !== "object") {
    return [];
  }
  const el = node as Record<string, unknown>;
  return Object.entries(el).flatMap(([k, v]) =>
    k === ":@" ? [] : [...(k === tag ? [el] : []), ...findAll(v, tag)],
  );
}

function attrs(el: Element): Record<string, string> {
  return (el[":@"] ?? {}) as Record<string, string>;
}

function text(el: Element, tag: string): string {
  return findAll(el[tag], "#text")
    .map((t) => String(t["#text"]))
    .join("");
}

function parse(svg: string) {
  expect(XMLValidator.validate(svg)).toBe(true);
  const tree = new XMLParser({
    preserveOrder: true,
    ignoreAttributes: false,
    attributeNamePrefix: "",
    processEntities: true,
  }).parse(svg) as unknown;
  const nodes = findAll(tree, "g")
    .filter((g) => attrs(g).class === "node")
    .map((g) => ({
      id: attrs(g)["data-id"],
      kind: attrs(g)["data-kind"],
      label: text(g, "g"),
    }));
  const edges = findAll(tree, "path")
    .filter((p) => attrs(p).class === "edge")
    .map((p) => ({
      from: attrs(p)["data-from"],
      to: attrs(p)["data-to"],
      dashed: attrs(p)["stroke-dasharray"] !== undefined,
    }));
  const labels = findAll(tree, "g")
    .filter((g) => attrs(g).class === "edge-label")
    .map((g) => text(g, "g"));
  return { tree, nodes, edges, labels };
}

const healthy = () => accessGraph(buildModel(f.healthy()));

describe("accessSvg", () => {
  it("parses and holds every principal, workload and scope, and every edge with its role label", () => {
    const graph = healthy();
    const { nodes, edges, labels } = parse(accessSvg(graph));
    expect(nodes.map((n) => n.label).sort()).toEqual([
      "Job shop/orders-check",
      "VM vm1",
      "identity orders",
      "service account shop/orders",
      "vault kv1",
      "vm1 system-assigned identity",
    ]);
    expect(nodes.map((n) => `${n.id} ${n.kind}`).sort()).toEqual(
      graph.nodes.map((n) => `${n.id} ${n.kind}`).sort(),
    );
    expect(edges.map((e) => `${e.from}->${e.to}`).sort()).toEqual(
      ["n1->n2", "n4->n5", "n5->n3", "n3->n6", "n2->n6"].sort(),
    );
    expect(labels.sort()).toEqual(
      [
        "Key Vault Secrets User",
        "Key Vault Secrets User",
        "federated credential orders-fic",
        "runs as",
        "system-assigned",
      ].sort(),
    );
    expect(edges.every((e) => !e.dashed)).toBe(true);
  });

  it("dashes the edges that give no access to values", () => {
    const list = f.replace(
      f.healthy(),
      "orders-reads",
      f.ra("orders-reads", "p-orders", f.KV_READER, f.vaultId("kv1")),
    );
    const graph = accessGraph(buildModel(list));
    const { edges } = parse(accessSvg(graph));
    const reader = graph.edges.find((e) => e.label === "Key Vault Reader")!;
    expect(edges.find((e) => e.from === reader.from && e.to === reader.to)?.dashed).toBe(true);
    expect(edges.filter((e) => e.dashed)).toHaveLength(1);
  });

  it("escapes labels and is deterministic", () => {
    const graph: AccessGraph = {
      nodes: [
        { id: "n1", label: 'VM a<b> & "c"', shape: "box", kind: "compute" },
        { id: "n2", label: "identity x'y", shape: "round", kind: "identity" },
        { id: "n3", label: "vault <kv>", shape: "cyl", kind: "scope" },
      ],
      edges: [
        { from: "n1", to: "n2", label: "user-assigned", dashed: false },
        { from: "n2", to: "n3", label: "Reader & <more>", dashed: true },
      ],
    };
    const svg = accessSvg(graph);
    expect(svg).toContain("VM a&lt;b&gt; &amp; &quot;c&quot;");
    const { nodes, labels } = parse(svg);
    expect(nodes.map((n) => n.label)).toEqual(['VM a<b> & "c"', "identity x'y", "vault <kv>"]);
    expect(labels).toEqual(["user-assigned", "Reader & <more>"]);
    expect(accessSvg(graph)).toBe(svg);
    expect(xmlEscape(`<&>"'`)).toBe("&lt;&amp;&gt;&quot;&apos;");
  });

  it("routes an edge that skips a column around the nodes of that column", () => {
    // VM → identity skips the service-account column: the curve runs through its own row there.
    const svg = accessSvg(healthy());
    const vmEdge = /<path class="edge" data-from="n1" data-to="n2" d="([^"]+)"/.exec(svg)?.[1];
    expect(vmEdge).toMatch(/ H/);
  });
});

describe("npm start -- --svg <file>", () => {
  it("writes the dev stack's access graph; a missing directory is a usage error (exit 2)", async () => {
    const { runCli } = await import("../../sim/cli");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zerocred-svg-"));
    try {
      const file = path.join(dir, "access.svg");
      const result = await runCli([
        "--no-verify",
        "--no-policy",
        "--no-ci",
        "--json",
        "--svg",
        file,
      ]);
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      const graph = (JSON.parse(result.stdout) as { accessGraph: AccessGraph }).accessGraph;
      const { nodes, edges } = parse(fs.readFileSync(file, "utf8"));
      expect(nodes.map((n) => n.label)).toEqual(
        expect.arrayContaining([
          "VM zc-dev-vm",
          "zc-dev-vm system-assigned identity",
          "identity zc-dev-orders",
          "identity zc-dev-shared",
          "service account shop/orders",
          "service account shop/reports",
        ]),
      );
      expect(nodes.map((n) => n.label).sort()).toEqual(graph.nodes.map((n) => n.label).sort());
      expect(edges.map((e) => `${e.from}->${e.to} ${e.dashed}`).sort()).toEqual(
        graph.edges.map((e) => `${e.from}->${e.to} ${e.dashed}`).sort(),
      );

      const missing = await runCli(["--no-verify", "--svg", path.join(dir, "nope", "a.svg")]);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toMatch(/^--svg .*nope.*does not exist/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
