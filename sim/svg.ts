/**
 * The access graph (sim/picture.ts) as a standalone SVG file: `npm start -- --svg <file>`.
 *
 * A deterministic layered layout of our own (the graph is small and always flows one way):
 * - columns by node kind, left to right: compute and workloads → service accounts → identities and
 *   principals → scopes;
 * - rows ordered by a few barycenter sweeps (each node moves toward the mean row of its neighbours,
 *   ties kept in first-seen order), which removes most edge crossings;
 * - edges are cubic curves from a node's right side to the next node's left side, labelled at their
 *   middle on a white plate; labels that would overlap are pushed apart vertically.
 * Text widths are estimated (no font metrics without a browser): ~7 px per character at 12 px.
 * Solid edges give access to secret values; dashed ones do not (metadata-only role, no workload
 * identity label, or a client-id annotation without a federated credential).
 */
import type { AccessEdge, AccessGraph, AccessNode, AccessNodeKind } from "./picture";

const COLUMNS: readonly AccessNodeKind[] = ["compute", "serviceAccount", "identity", "scope"];
const COLUMN_TITLES: Record<AccessNodeKind, string> = {
  compute: "compute and workloads",
  serviceAccount: "service accounts",
  identity: "identities and principals",
  scope: "scopes",
};
const FILL: Record<AccessNodeKind, string> = {
  compute: "#dbeafe",
  serviceAccount: "#dcfce7",
  identity: "#fef3c7",
  scope: "#ede9fe",
};
const STROKE: Record<AccessNodeKind, string> = {
  compute: "#2563eb",
  serviceAccount: "#16a34a",
  identity: "#d97706",
  scope: "#7c3aed",
};

const FONT = "12px";
const CHAR_WIDTH = 7;
const NODE_HEIGHT = 36;
const NODE_PAD_X = 14;
const MIN_NODE_WIDTH = 110;
const ROW_GAP = 22;
const MARGIN = 24;
const HEADER = 56;
const LABEL_HEIGHT = 18;
const LEGEND_HEIGHT = 46;

/** Escapes text for XML character data and attribute values. */
export function xmlEscape(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

function textWidth(text: string): number {
  return [...text].length * CHAR_WIDTH;
}

interface Placed {
  readonly node: AccessNode;
  readonly column: number;
  x: number;
  y: number;
  width: number;
}

/** A node of the layout: a real node, or a waypoint where an edge crosses a column it skips. */
interface LayoutNode {
  readonly id: string;
  readonly column: number;
  readonly node?: AccessNode;
}

/** An edge split at the columns it crosses: `path` runs source → waypoints → target. */
interface Route {
  readonly edge: AccessEdge;
  readonly index: number;
  readonly path: readonly string[];
}

/**
 * Columns of layout nodes (waypoints included, as in Sugiyama's layered drawing), ordered by
 * barycenter sweeps. Deterministic: stable sorts, a fixed number of passes.
 */
function layout(graph: AccessGraph): { columns: LayoutNode[][]; routes: Route[] } {
  const columnOf = new Map(graph.nodes.map((n) => [n.id, COLUMNS.indexOf(n.kind)]));
  const columns: LayoutNode[][] = COLUMNS.map((_, c) =>
    graph.nodes
      .filter((n) => columnOf.get(n.id) === c)
      .map((n) => ({ id: n.id, column: c, node: n })),
  );
  const links: [string, string][] = [];
  const routes = graph.edges.map((edge, index) => {
    const from = columnOf.get(edge.from)!;
    const to = columnOf.get(edge.to)!;
    const path = [edge.from];
    for (let c = from + 1; c < to; c++) {
      const id = `${edge.from}>${edge.to}#${index}@${c}`;
      columns[c]!.push({ id, column: c });
      path.push(id);
    }
    path.push(edge.to);
    for (let i = 1; i < path.length; i++) {
      links.push([path[i - 1]!, path[i]!]);
    }
    return { edge, index, path };
  });
  const rowOf = new Map<string, number>();
  const reindex = () => columns.forEach((col) => col.forEach((n, i) => rowOf.set(n.id, i)));
  reindex();
  const sweep = (index: number, direction: "in" | "out") => {
    const centre = (n: LayoutNode): number => {
      const rows = links
        .filter(([a, b]) => (direction === "in" ? b === n.id : a === n.id))
        .map(([a, b]) => rowOf.get(direction === "in" ? a : b)!);
      return rows.length === 0 ? rowOf.get(n.id)! : rows.reduce((x, y) => x + y, 0) / rows.length;
    };
    const keyed = columns[index]!.map((n, i) => ({ n, i, c: centre(n) }));
    keyed.sort((p, q) => p.c - q.c || p.i - q.i);
    columns[index] = keyed.map((k) => k.n);
    reindex();
  };
  for (let pass = 0; pass < 4; pass++) {
    for (let i = 1; i < columns.length; i++) {
      sweep(i, "in");
    }
    for (let i = columns.length - 2; i >= 0; i--) {
      sweep(i, "out");
    }
  }
  return { columns, routes };
}

function nodeShape(p: Placed): string {
  const { x, y, width } = p;
  const h = NODE_HEIGHT;
  const fill = FILL[p.node.kind];
  const stroke = STROKE[p.node.kind];
  const style = `fill="${fill}" stroke="${stroke}" stroke-width="1.5"`;
  switch (p.node.shape) {
    case "cyl": {
      const ry = 5;
      return (
        `<path d="M${x},${y + ry} a${width / 2},${ry} 0 0,0 ${width},0 v${h - 2 * ry} a${width / 2},${ry} 0 0,1 ${-width},0 Z" ${style}/>` +
        `<ellipse cx="${x + width / 2}" cy="${y + ry}" rx="${width / 2}" ry="${ry}" ${style}/>`
      );
    }
    case "round":
      return `<rect x="${x}" y="${y}" width="${width}" height="${h}" rx="10" ${style}/>`;
    case "stadium":
      return `<rect x="${x}" y="${y}" width="${width}" height="${h}" rx="${h / 2}" ${style}/>`;
    default:
      return `<rect x="${x}" y="${y}" width="${width}" height="${h}" rx="2" ${style}/>`;
  }
}

/** A standalone SVG document of the access graph. Deterministic for a given graph. */
export function accessSvg(graph: AccessGraph, title = "Who can read what"): string {
  const { columns, routes } = layout(graph);
  const labelWidths = graph.edges.map((e) => textWidth(e.label) + 12);
  // Each edge is labelled in the gap right of its source: size each gap for its widest label.
  const gaps = COLUMNS.map((_, c) =>
    Math.max(
      90,
      ...routes
        .filter((r) => columns[c]!.some((n) => n.id === r.path[0]))
        .map((r) => labelWidths[r.index]! + 50),
    ),
  );
  const columnWidths = columns.map((col) =>
    Math.max(
      MIN_NODE_WIDTH,
      ...col.map((n) => (n.node ? textWidth(n.node.label) + 2 * NODE_PAD_X : 0)),
    ),
  );
  const columnHeights = columns.map((col) => col.length * (NODE_HEIGHT + ROW_GAP) - ROW_GAP);
  const contentHeight = Math.max(NODE_HEIGHT, ...columnHeights);
  const placed = new Map<string, Placed>();
  const waypoints = new Map<string, { left: number; right: number; y: number }>();
  const columnLeft: number[] = [];
  let x = MARGIN;
  columns.forEach((col, c) => {
    columnLeft.push(x);
    let y = HEADER + (contentHeight - Math.max(0, columnHeights[c]!)) / 2;
    for (const n of col) {
      if (n.node) {
        const w = Math.max(MIN_NODE_WIDTH, textWidth(n.node.label) + 2 * NODE_PAD_X);
        placed.set(n.id, {
          node: n.node,
          column: c,
          x: x + (columnWidths[c]! - w) / 2,
          y,
          width: w,
        });
      } else {
        waypoints.set(n.id, { left: x, right: x + columnWidths[c]!, y: y + NODE_HEIGHT / 2 });
      }
      y += NODE_HEIGHT + ROW_GAP;
    }
    x += columnWidths[c]! + (c < columns.length - 1 ? gaps[c]! : 0);
  });
  const width = Math.max(620, Math.ceil(x + MARGIN));
  const height = Math.ceil(HEADER + contentHeight + LEGEND_HEIGHT + MARGIN);

  // Edges: curves across the gaps, straight through the columns they skip; a label plate in the
  // first gap, pushed apart from plates it would overlap.
  const edgeParts: string[] = [];
  const plates: { x: number; y: number; w: number; label: string; dashed: boolean }[] = [];
  for (const route of routes) {
    const e = route.edge;
    const a = placed.get(e.from);
    const b = placed.get(e.to);
    if (a === undefined || b === undefined || b.column <= a.column) {
      continue;
    }
    const points: { inX: number; outX: number; y: number }[] = [
      { inX: a.x + a.width, outX: a.x + a.width, y: a.y + NODE_HEIGHT / 2 },
      ...route.path.slice(1, -1).map((id) => {
        const w = waypoints.get(id)!;
        return { inX: w.left, outX: w.right, y: w.y };
      }),
      { inX: b.x - 6, outX: b.x - 6, y: b.y + NODE_HEIGHT / 2 },
    ];
    let d = `M${points[0]!.outX},${points[0]!.y}`;
    for (let i = 1; i < points.length; i++) {
      const p = points[i - 1]!;
      const q = points[i]!;
      const dx = (q.inX - p.outX) / 2;
      d += ` C${p.outX + dx},${p.y} ${q.inX - dx},${q.y} ${q.inX},${q.y}`;
      if (i < points.length - 1) {
        d += ` H${q.outX}`;
      }
    }
    const colour = e.dashed ? "#6b7280" : "#111827";
    edgeParts.push(
      `<path class="edge" data-from="${e.from}" data-to="${e.to}" d="${d}" fill="none" stroke="${colour}" stroke-width="1.4"` +
        `${e.dashed ? ' stroke-dasharray="6 4"' : ""} marker-end="url(#${e.dashed ? "arrow-dashed" : "arrow"})">` +
        `<title>${xmlEscape(`${a.node.label} → ${e.label} → ${b.node.label}`)}</title></path>`,
    );
    const p = points[0]!;
    const q = points[1]!;
    plates.push({
      x: (p.outX + q.inX) / 2,
      y: (p.y + q.y) / 2,
      w: labelWidths[route.index]!,
      label: e.label,
      dashed: e.dashed,
    });
  }
  const sorted = [...plates].sort((p, q) => p.y - q.y || p.x - q.x);
  for (let i = 0; i < sorted.length; i++) {
    for (let j = 0; j < i; j++) {
      const p = sorted[i]!;
      const q = sorted[j]!;
      const overlapX = Math.abs(p.x - q.x) < (p.w + q.w) / 2;
      if (overlapX && Math.abs(p.y - q.y) < LABEL_HEIGHT + 2) {
        p.y = q.y + LABEL_HEIGHT + 2;
      }
    }
  }
  const labelParts = plates.map(
    (p) =>
      `<g class="edge-label"><rect x="${p.x - p.w / 2}" y="${p.y - LABEL_HEIGHT / 2}" width="${p.w}" height="${LABEL_HEIGHT}" rx="3" fill="#ffffff" fill-opacity="0.92" stroke="#e5e7eb"/>` +
      `<text x="${p.x}" y="${p.y + 4}" text-anchor="middle" fill="${p.dashed ? "#6b7280" : "#111827"}"${p.dashed ? ' font-style="italic"' : ""}>${xmlEscape(p.label)}</text></g>`,
  );
  const headers = columns
    .map((col, c) =>
      col.some((n) => n.node)
        ? `<text x="${columnLeft[c]! + columnWidths[c]! / 2}" y="${HEADER - 16}" text-anchor="middle" font-weight="bold" fill="#374151">${xmlEscape(COLUMN_TITLES[COLUMNS[c]!])}</text>`
        : "",
    )
    .filter((h) => h !== "");
  const nodeParts = [...placed.values()].map(
    (p) =>
      `<g class="node" data-id="${p.node.id}" data-kind="${p.node.kind}">${nodeShape(p)}` +
      `<text x="${p.x + p.width / 2}" y="${p.y + NODE_HEIGHT / 2 + 4}" text-anchor="middle" fill="#111827">${xmlEscape(p.node.label)}</text></g>`,
  );
  const ly = HEADER + contentHeight + 28;
  const legend =
    `<g class="legend"><path d="M${MARGIN},${ly} h40" stroke="#111827" stroke-width="1.4" marker-end="url(#arrow)"/>` +
    `<text x="${MARGIN + 50}" y="${ly + 4}" fill="#111827">reads secret values</text>` +
    `<path d="M${MARGIN + 200},${ly} h40" stroke="#6b7280" stroke-width="1.4" stroke-dasharray="6 4" marker-end="url(#arrow-dashed)"/>` +
    `<text x="${MARGIN + 250}" y="${ly + 4}" fill="#6b7280">no access to values (metadata-only role, or a broken link)</text></g>`;
  const marker = (id: string, colour: string) =>
    `<marker id="${id}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${colour}"/></marker>`;
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="${FONT}">`,
    `<title>${xmlEscape(title)}</title>`,
    `<defs>${marker("arrow", "#111827")}${marker("arrow-dashed", "#6b7280")}</defs>`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="${MARGIN}" y="22" font-size="15" font-weight="bold" fill="#111827">${xmlEscape(title)}</text>`,
    ...headers,
    ...edgeParts,
    ...nodeParts,
    ...labelParts,
    legend,
    `</svg>`,
    "",
  ].join("\n");
}
