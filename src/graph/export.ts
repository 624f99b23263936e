/**
 * Graph file formats: graph.json (toolflow's own, see ToolGraphJsonZ), GEXF (Gephi; via graphology-gexf) and
 * Graphviz DOT. P-R edges are directed producer -> consumer; P-P edges are undirected.
 */
import { extname } from "node:path";
import { write as writeGexfString } from "graphology-gexf";
import { writeFileAtomic, writeLinesAtomic } from "../core/index.js";
import { UsageError } from "../core/index.js";
import type { EdgeEvidence } from "../core/index.js";
import type { EdgeAttributes, ToolGraph } from "./tool-graph.js";

export const GRAPH_FORMATS = ["json", "gexf", "dot"] as const;
export type GraphFormat = (typeof GRAPH_FORMATS)[number];

/** The format named by `--format`, else by the output file's extension, else json. */
export function graphFormatFor(path: string, format?: string): GraphFormat {
  if (format !== undefined) {
    const f = format.toLowerCase();
    if ((GRAPH_FORMATS as readonly string[]).includes(f)) return f as GraphFormat;
    throw new UsageError(`unknown graph format "${format}" (expected one of ${GRAPH_FORMATS.join(", ")})`);
  }
  const ext = extname(path).toLowerCase();
  if (ext === ".gexf") return "gexf";
  if (ext === ".dot" || ext === ".gv") return "dot";
  return "json";
}

/** Evidence as one line of text, e.g. `access_token ~ access_token (0.77); booking_id ~ booking_id (0.92)`. */
export function evidenceText(evidence: readonly EdgeEvidence[]): string {
  return evidence.map((e) => `${e.sourceField} ~ ${e.targetField} (${e.similarity})`).join("; ");
}

export function toGexf(tg: ToolGraph): string {
  return writeGexfString(tg.graph, {
    version: "1.3",
    pretty: true,
    formatNode: (_key: string, attrs: Record<string, unknown>) => {
      const attributes: Record<string, string> = {};
      if (typeof attrs.category === "string") attributes.category = attrs.category;
      if (typeof attrs.description === "string") attributes.description = attrs.description;
      return { label: typeof attrs.name === "string" ? attrs.name : _key, attributes };
    },
    formatEdge: (_key: string, attrs: EdgeAttributes) => ({
      label: attrs.kind,
      weight: attrs.weight,
      attributes: { kind: attrs.kind, evidence: evidenceText(attrs.evidence) },
    }),
  });
}

function dotString(s: string): string {
  return `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\r?\n/g, "\\n")}"`;
}

/** Graphviz DOT: a digraph where P-R edges point producer -> consumer and P-P edges have no arrow. */
export function toDot(tg: ToolGraph, options: { name?: string } = {}): string {
  const g = tg.graph;
  const lines: string[] = [`digraph ${dotString(options.name ?? "toolgraph")} {`];
  lines.push("  node [shape=box, fontname=\"Helvetica\"];");
  g.forEachNode((id, attrs) => {
    const extra = typeof attrs.category === "string" ? `, category=${dotString(attrs.category)}` : "";
    lines.push(`  ${dotString(id)} [label=${dotString(attrs.name ?? id)}${extra}];`);
  });
  g.forEachEdge((_e, attrs, source, target) => {
    const label = attrs.evidence.map((e) => `${e.sourceField} ~ ${e.targetField}`).join("\n");
    const style = attrs.kind === "P-P" ? "dir=none, style=dashed, " : "";
    lines.push(
      `  ${dotString(source)} -> ${dotString(target)} [${style}kind=${dotString(attrs.kind)}, similarity=${attrs.weight}, label=${dotString(label)}];`,
    );
  });
  lines.push("}");
  return lines.join("\n") + "\n";
}

export function serializeGraph(tg: ToolGraph, format: GraphFormat): string {
  if (format === "gexf") return toGexf(tg);
  if (format === "dot") return toDot(tg);
  return [...graphJsonChunks(tg)].join("");
}

/** graph.json as chunks of text (the same bytes as `JSON.stringify(tg.toJSON())` plus a newline). */
export function* graphJsonChunks(tg: ToolGraph, chunkSize = 5000): Generator<string> {
  const { nodes, edges, meta } = tg.toJSON();
  const list = (items: readonly unknown[]) => function* () {
    for (let i = 0; i < items.length; i += chunkSize) {
      const part = items.slice(i, i + chunkSize).map((x) => JSON.stringify(x)).join(",");
      yield i === 0 ? part : "," + part;
    }
  };
  yield '{"nodes":[';
  yield* list(nodes)();
  yield '],"edges":[';
  yield* list(edges)();
  yield "]";
  if (meta !== undefined) yield `,"meta":${JSON.stringify(meta)}`;
  yield "}\n";
}

/** Write the graph atomically in the format chosen by `format` or the path's extension; returns the format. */
export async function writeGraph(tg: ToolGraph, path: string, format?: string): Promise<GraphFormat> {
  const f = graphFormatFor(path, format);
  if (f === "json") await writeLinesAtomic(path, graphJsonChunks(tg));
  else await writeFileAtomic(path, serializeGraph(tg, f));
  return f;
}
