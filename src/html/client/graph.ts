/**
 * The tool graph, drawn with sigma (WebGL) from a graphology graph laid out with ForceAtlas2: pan and zoom,
 * search a tool, hover an edge for the field pairs that made it (P-P blue, P-R orange), click a tool to list the
 * dialogues that call it.
 */
import { MultiDirectedGraph } from "graphology";
import forceAtlas2 from "graphology-layout-forceatlas2";
import Sigma from "sigma";
import type { DialogueRow, ReportGraph, ReportSummary } from "../types.js";
import { h, num } from "./dom.js";

const KIND_COLOR: Record<string, string> = { "P-P": "#2f6fde", "P-R": "#e07b1a", both: "#8e44ad" };
const PALETTE = ["#5470c6", "#91cc75", "#fac858", "#ee6666", "#73c0de", "#3ba272", "#fc8452", "#9a60b4", "#ea7ccc", "#8d6e63"];

function hash(s: string): number {
  let x = 2166136261;
  for (let i = 0; i < s.length; i++) x = Math.imul(x ^ s.charCodeAt(i), 16777619);
  return (x >>> 0) / 4294967296;
}

declare global {
  interface Window {
    toolflowGraph?: { nodes(): Array<{ name: string; x: number; y: number }> };
  }
}

export interface GraphView {
  /** Select a tool by name: highlight it, center it, list its dialogues. False when the graph has no such tool. */
  select(name: string): boolean;
}

export function renderGraph(
  root: HTMLElement,
  s: ReportSummary,
  rows: () => DialogueRow[],
  openDialogue: (pos: number) => void,
  /** The latest tool-name table (the live view's grows). */
  toolNames: () => string[] = () => s.toolNames,
): GraphView {
  root.replaceChildren();
  const g: ReportGraph | null = s.graph;
  if (!g) {
    root.append(h("p", { class: "panel muted" }, "No graph.json found for this run (give one with --graph)."));
    return { select: () => false };
  }
  const use = s.figures?.toolUse ?? {};
  const maxUse = Math.max(1, ...Object.values(use));
  const categories = [...new Set(g.nodes.map((n) => n.category ?? ""))];
  const graph = new MultiDirectedGraph();
  for (const n of g.nodes) {
    graph.mergeNode(n.id, {
      label: n.name,
      x: hash(n.id) * 100,
      y: hash(`${n.id}#y`) * 100,
      size: 1.5 + 2.5 * Math.sqrt((use[n.name] ?? 0) / maxUse),
      color: PALETTE[categories.indexOf(n.category ?? "") % PALETTE.length],
    });
  }
  // one drawn edge per pair of tools, holding every graph edge between them (P-P, P-R either way)
  const pairs = new Map<string, { a: string; b: string; edges: ReportGraph["edges"] }>();
  for (const e of g.edges) {
    if (!graph.hasNode(e.source) || !graph.hasNode(e.target)) continue;
    const [a, b] = e.source < e.target ? [e.source, e.target] : [e.target, e.source];
    const key = JSON.stringify([a, b]);
    const p = pairs.get(key) ?? { a, b, edges: [] };
    p.edges.push(e);
    pairs.set(key, p);
  }
  let i = 0;
  for (const p of pairs.values()) {
    const kinds = new Set(p.edges.map((e) => e.kind));
    const kind = kinds.size > 1 ? "both" : [...kinds][0]!;
    const weight = Math.max(...p.edges.map((e) => e.weight));
    graph.addEdgeWithKey(`e${i++}`, p.a, p.b, { kind, color: KIND_COLOR[kind], size: 0.3 + 0.7 * weight, edges: p.edges, weight });
  }
  forceAtlas2.assign(graph, { iterations: graph.order > 2000 ? 60 : 300, settings: { ...forceAtlas2.inferSettings(graph), edgeWeightInfluence: 0, scalingRatio: 20, gravity: 2 } });

  const canvas = h("div", { id: "graph" });
  const tip = h("div", { id: "graph-tip" });
  canvas.append(tip);
  const search = h("input", { id: "tool-search", type: "search", placeholder: "search a tool…", list: "tool-names", autocomplete: "off" });
  const datalist = h("datalist", { id: "tool-names" }, ...g.nodes.map((n) => h("option", { value: n.name })));
  const status = h("div", { class: "muted", id: "graph-status" });
  const panel = h("div", { id: "tool-panel" }, h("p", { class: "muted" }, "Click a tool (or search one) to list the dialogues that call it."));
  const legend = h(
    "div",
    { class: "legend muted" },
    `${num(graph.order)} tools, ${num(g.edges.length)} edges between ${num(graph.size)} pairs:`,
    h("i", { style: `background:${KIND_COLOR["P-P"]}` }),
    "P-P (similar parameters)",
    h("i", { style: `background:${KIND_COLOR["P-R"]}` }),
    "P-R (a return field feeds a parameter)",
    h("i", { style: `background:${KIND_COLOR.both}` }),
    "both (hover an edge for its field pairs)",
  );
  const side = h("div", { class: "panel" }, h("h2", {}, "Find a tool"), search, datalist, status, panel);
  root.append(legend, h("div", { id: "graph-wrap" }, canvas, side));

  let renderer: Sigma | null = null;
  try {
    renderer = new Sigma(graph, canvas, { settings: { enableEdgeEvents: true, renderEdgeLabels: false, labelDensity: 0.5, allowInvalidContainer: true } });
  } catch (err) {
    canvas.append(h("p", { class: "note" }, `The graph cannot be drawn in this browser (${(err as Error).message}); search and the tool lists still work.`));
  }
  const byName = new Map(g.nodes.map((n) => [n.name, n.id]));
  let selected: string | null = null;

  const select = (name: string): boolean => {
    const id = byName.get(name);
    if (id === undefined) {
      status.textContent = name.trim() ? `No tool named "${name}".` : "";
      return false;
    }
    if (renderer && selected !== null && graph.hasNode(selected)) renderer.setNodeState(selected, { isHighlighted: false });
    selected = id;
    status.textContent = "";
    if (renderer) {
      renderer.setNodeState(id, { isHighlighted: true });
      const d = renderer.getNodeDisplayData(id);
      if (d) void renderer.getCamera().animate({ x: d.x, y: d.y, ratio: 0.8 }, { duration: 300 });
    }
    const ti = toolNames().indexOf(name);
    const list = ti < 0 ? [] : rows().flatMap((r, pos) => (r.t.includes(ti) ? [{ r, pos }] : []));
    const node = g.nodes.find((n) => n.id === id);
    const out = list.slice(0, 200);
    panel.replaceChildren(
      h("h3", { id: "tool-name" }, name),
      h("div", { class: "muted" }, `${node?.category ?? "no category"}; ${num(graph.degree(id))} edges; ${num(use[name] ?? 0)} calls in the accepted dialogues; called in ${num(list.length)} dialogues (accepted or rejected):`),
      h(
        "ul",
        { class: "list", id: "tool-dialogues" },
        ...out.map(({ r, pos }) => h("li", { onclick: () => openDialogue(pos) }, `${r.id} `, h("span", { class: `badge ${r.a ? "ok" : "bad"}` }, r.a ? "accepted" : "rejected"))),
      ),
    );
    if (list.length > out.length) panel.append(h("div", { class: "muted" }, `and ${num(list.length - out.length)} more (filter by this tool in Dialogues)`));
    return true;
  };
  search.addEventListener("change", () => select(search.value));
  search.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter") select(search.value);
  });

  if (renderer) {
    renderer.on("clickNode", ({ node }) => select(String(graph.getNodeAttribute(node, "label"))));
    renderer.on("enterEdge", ({ edge, event }) => {
      const a = graph.getEdgeAttributes(edge) as { edges: ReportGraph["edges"] };
      const label = (id: string) => String(graph.getNodeAttribute(id, "label"));
      tip.replaceChildren(
        ...a.edges.map((e) =>
          h(
            "div",
            { class: "tip-edge" },
            h("b", {}, `${e.kind}: ${label(e.source)} → ${label(e.target)}`),
            ...e.evidence.map((x) => h("div", {}, `${x.sourceField} ↔ ${x.targetField} (${x.similarity.toFixed(2)})`)),
          ),
        ),
      );
      tip.style.left = `${event.x + 12}px`;
      tip.style.top = `${event.y + 12}px`;
      tip.style.display = "block";
    });
    renderer.on("leaveEdge", () => (tip.style.display = "none"));
    const r = renderer;
    // where tools and edges are on screen (page coordinates), for tests and scripts driving the page
    window.toolflowGraph = {
      nodes: () =>
        graph.mapNodes((id, a) => {
          const p = r.graphToViewport({ x: a.x as number, y: a.y as number });
          const box = canvas.getBoundingClientRect();
          return { name: String(a.label), x: box.left + p.x, y: box.top + p.y };
        }),
    };
  }
  return { select };
}
