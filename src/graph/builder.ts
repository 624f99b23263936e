/**
 * buildToolGraph: the paper's tool graph. A node per tool; a P-P edge (undirected) where a parameter of one tool
 * is similar to a parameter of another, a P-R edge (producer -> consumer) where a return field of one tool is
 * similar to a parameter of another. Fields are embedded once per distinct text, candidate pairs come from an
 * index (see similarity-join.ts), and each edge keeps the field pairs that made it as evidence.
 */
import { InputError, ToolflowError } from "../core/errors.js";
import type { EdgeEvidence, GraphNode, ToolSpec } from "../core/types.js";
import { LexicalEmbedder } from "./embedders/lexical.js";
import type { FieldEmbedder, FieldInput } from "./embedders/types.js";
import { rowDot } from "./embedders/types.js";
import { extractFields, type ToolField } from "./fields.js";
import { ROLE_PARAM, ROLE_RETURN, similarityJoin } from "./similarity-join.js";
import { ToolGraph } from "./tool-graph.js";

export type BuildPhase = "fields" | "embed" | "join" | "edges";

export interface BuildProgress {
  phase: BuildPhase;
  done: number;
  total: number;
}

export interface BuildToolGraphOptions {
  /** Default: the lexical embedder. */
  embedder?: FieldEmbedder;
  /** Similarity an edge needs; default: the embedder's calibrated default. */
  threshold?: number;
  /** Compare all pairs instead of using the index (slow; for checking the index). */
  exact?: boolean;
  /** Evidence entries kept per edge, most similar first (default 3). */
  maxEvidence?: number;
  /** Hubs listed in meta.topHubs (default 10). */
  topHubs?: number;
  signal?: AbortSignal;
  onProgress?: (p: BuildProgress) => void;
}

/** What the build did, recorded in graph.json meta. */
export interface BuildMeta {
  embedder: string;
  embedderOptions: Record<string, unknown>;
  threshold: number;
  exact: boolean;
  joinMethod: string;
  tools: number;
  duplicateToolsSkipped: number;
  fields: { params: number; returns: number; distinct: number };
  candidatePairs: number;
  similarPairs: number;
  edges: { "P-P": number; "P-R": number };
  topHubs: Array<{ id: string; degree: number }>;
  lsh?: { bits: number; bands: number };
}

interface EdgeAcc {
  kind: 0 | 1; // 0 = P-P, 1 = P-R
  source: number;
  target: number;
  weight: number;
  evidence: EdgeEvidence[];
}

/** Node attributes for a tool. */
function toolNode(tool: ToolSpec): GraphNode {
  const node: GraphNode = { id: tool.name, name: tool.name };
  if (tool.category !== undefined) node.category = tool.category;
  if (tool.description) node.description = tool.description;
  return node;
}

/** What makes two specs the same tool (the source location does not). */
function toolKey(t: ToolSpec): string {
  return JSON.stringify([t.description, t.parameters, t.returns ?? null, t.category ?? null]);
}

/**
 * Tools with distinct names. A repeated name with an identical spec (the same function listed in two files) is
 * kept once; a repeated name with a different spec is an InputError, since graph nodes are named by tool.
 */
export function uniqueTools(tools: readonly ToolSpec[]): { tools: ToolSpec[]; duplicates: number } {
  const seen = new Map<string, ToolSpec>();
  const out: ToolSpec[] = [];
  let duplicates = 0;
  for (const t of tools) {
    const prev = seen.get(t.name);
    if (!prev) {
      seen.set(t.name, t);
      out.push(t);
      continue;
    }
    if (toolKey(prev) === toolKey(t)) {
      duplicates++;
      continue;
    }
    const where = (s: ToolSpec) =>
      `${s.source.file}${s.source.line !== undefined ? ` line ${s.source.line}` : ""} at ${s.source.pointer || "/"}`;
    throw new InputError(
      `duplicate tool name "${t.name}" with a different definition (first at ${where(prev)}); graph nodes are named by tool, rename one`,
      { file: t.source.file, pointer: t.source.pointer, ...(t.source.line !== undefined ? { line: t.source.line } : {}) },
    );
  }
  return { tools: out, duplicates };
}

export async function buildToolGraph(input: readonly ToolSpec[], options: BuildToolGraphOptions = {}): Promise<ToolGraph> {
  const embedder = options.embedder ?? new LexicalEmbedder();
  const threshold = options.threshold ?? embedder.defaultThreshold;
  if (!Number.isFinite(threshold) || threshold <= 0 || threshold > 1) {
    throw new ToolflowError(`graph threshold must be in (0, 1], got ${threshold}`, { code: "BAD_THRESHOLD", exitCode: 2 });
  }
  const maxEvidence = options.maxEvidence ?? 3;
  const progress = options.onProgress;
  const { tools, duplicates } = uniqueTools(input);

  // 1. Fields, grouped by distinct (name, description): each distinct text is embedded and joined once.
  const fields: ToolField[] = [];
  for (let i = 0; i < tools.length; i++) for (const f of extractFields(tools[i] as ToolSpec, i)) fields.push(f);
  progress?.({ phase: "fields", done: fields.length, total: fields.length });
  const rowOf = new Map<string, number>();
  const inputs: FieldInput[] = [];
  const fieldRow = new Uint32Array(fields.length);
  const roleList: number[] = [];
  let params = 0;
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i] as ToolField;
    const key = `${f.name}\u0000${f.description}\u0000${f.context}`;
    let row = rowOf.get(key);
    if (row === undefined) {
      row = inputs.length;
      rowOf.set(key, row);
      inputs.push({ name: f.name, description: f.description, ...(f.context ? { context: f.context } : {}), count: 0 });
      roleList.push(0);
    }
    (inputs[row] as FieldInput).count! += 1;
    roleList[row]! |= f.role === "param" ? ROLE_PARAM : ROLE_RETURN;
    if (f.role === "param") params++;
    fieldRow[i] = row;
  }
  const roles = Uint8Array.from(roleList);
  // Fields of each row (CSR), to expand row pairs into tool pairs.
  const rowStart = new Uint32Array(inputs.length + 1);
  for (let i = 0; i < fields.length; i++) rowStart[(fieldRow[i] as number) + 1]!++;
  for (let r = 0; r < inputs.length; r++) rowStart[r + 1]! += rowStart[r] as number;
  const rowFields = new Uint32Array(fields.length);
  const fill = rowStart.slice(0, inputs.length);
  for (let i = 0; i < fields.length; i++) rowFields[fill[fieldRow[i] as number]!++] = i;

  // 2. Embed.
  const vectors = await embedder.embed(inputs, {
    ...(options.signal ? { signal: options.signal } : {}),
    onProgress: (p) => progress?.({ phase: "embed", ...p }),
  });
  if (vectors.count !== inputs.length) {
    throw new ToolflowError(`embedder ${embedder.id} returned ${vectors.count} vectors for ${inputs.length} fields`);
  }

  // 3. Similar row pairs (index or exact), plus rows similar to themselves (the same text in several tools).
  const join = similarityJoin(vectors, roles, {
    threshold,
    exact: options.exact ?? false,
    ...(options.signal ? { signal: options.signal } : {}),
    onProgress: (p) => progress?.({ phase: "join", ...p }),
  });

  // 4. Expand row pairs into tool edges, keeping the best evidence.
  const T = tools.length;
  const edges = new Map<number, EdgeAcc>();
  const addEvidence = (kind: 0 | 1, source: number, target: number, ev: EdgeEvidence) => {
    const key = (source * T + target) * 2 + kind;
    let acc = edges.get(key);
    if (!acc) {
      acc = { kind, source, target, weight: ev.similarity, evidence: [ev] };
      edges.set(key, acc);
      return;
    }
    if (ev.similarity > acc.weight) acc.weight = ev.similarity;
    const list = acc.evidence;
    if (list.some((e) => e.sourceField === ev.sourceField && e.targetField === ev.targetField)) return;
    if (list.length < maxEvidence) list.push(ev);
    else if (ev.similarity > (list[list.length - 1] as EdgeEvidence).similarity) list[list.length - 1] = ev;
    else return;
    list.sort((x, y) => y.similarity - x.similarity || x.sourceField.localeCompare(y.sourceField));
  };
  const link = (fa: ToolField, fb: ToolField, sim: number) => {
    if (fa.tool === fb.tool) return;
    const similarity = Math.round(sim * 1e4) / 1e4;
    if (fa.role === "param" && fb.role === "param") {
      const [s, t] = fa.tool < fb.tool ? [fa, fb] : [fb, fa];
      addEvidence(0, s.tool, t.tool, { sourceField: s.path, targetField: t.path, similarity });
    } else if (fa.role === "return" && fb.role === "param") {
      addEvidence(1, fa.tool, fb.tool, { sourceField: fa.path, targetField: fb.path, similarity });
    } else if (fa.role === "param" && fb.role === "return") {
      addEvidence(1, fb.tool, fa.tool, { sourceField: fb.path, targetField: fa.path, similarity });
    }
  };
  const expand = (ra: number, rb: number, sim: number) => {
    for (let i = rowStart[ra] as number; i < (rowStart[ra + 1] as number); i++) {
      const fa = fields[rowFields[i] as number] as ToolField;
      for (let j = rowStart[rb] as number; j < (rowStart[rb + 1] as number); j++) {
        if (ra === rb && j <= i) continue;
        link(fa, fields[rowFields[j] as number] as ToolField, sim);
      }
    }
  };
  const pairs = join.pairs;
  let similarPairs = pairs.length;
  for (let p = 0; p < pairs.length; p++) {
    if (p % 50_000 === 0) {
      options.signal?.throwIfAborted();
      progress?.({ phase: "edges", done: p, total: pairs.length });
    }
    expand(pairs.a[p] as number, pairs.b[p] as number, pairs.sim[p] as number);
  }
  for (let r = 0; r < inputs.length; r++) {
    if ((rowStart[r + 1] as number) - (rowStart[r] as number) < 2 || ((roles[r] as number) & ROLE_PARAM) === 0) continue;
    const self = rowDot(vectors, r, r);
    if (self >= threshold) {
      similarPairs++;
      expand(r, r, self);
    }
  }
  progress?.({ phase: "edges", done: pairs.length, total: pairs.length });

  // 5. The graph, in a deterministic order (tools as given; edges by source, target, kind).
  const sorted = [...edges.values()].sort((x, y) => x.source - y.source || x.target - y.target || x.kind - y.kind);
  let pp = 0;
  let pr = 0;
  const graph = new ToolGraph();
  for (const t of tools) graph.addTool(toolNode(t));
  for (const e of sorted) {
    if (e.kind === 0) pp++;
    else pr++;
    graph.addEdge({
      source: (tools[e.source] as ToolSpec).name,
      target: (tools[e.target] as ToolSpec).name,
      kind: e.kind === 0 ? "P-P" : "P-R",
      weight: Math.round(e.weight * 1e4) / 1e4,
      evidence: e.evidence,
    });
  }
  const meta: BuildMeta = {
    embedder: embedder.id,
    embedderOptions: embedder.describe(),
    threshold,
    exact: options.exact ?? false,
    joinMethod: join.method,
    tools: tools.length,
    duplicateToolsSkipped: duplicates,
    fields: { params, returns: fields.length - params, distinct: inputs.length },
    candidatePairs: join.candidates,
    similarPairs,
    edges: { "P-P": pp, "P-R": pr },
    topHubs: topHubs(graph, options.topHubs ?? 10),
    ...(join.lsh ? { lsh: join.lsh } : {}),
  };
  Object.assign(graph.meta, meta);
  return graph;
}

/** Tools with the most distinct neighbours (any edge kind or direction), highest first. */
export function topHubs(graph: ToolGraph, k: number): Array<{ id: string; degree: number }> {
  const all: Array<{ id: string; degree: number }> = [];
  graph.graph.forEachNode((id) => {
    const seen = new Set<string>();
    graph.graph.forEachNeighbor(id, (n) => seen.add(n));
    all.push({ id, degree: seen.size });
  });
  all.sort((a, b) => b.degree - a.degree || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return all.slice(0, k);
}
