/**
 * buildToolGraph: the paper's tool graph. A node per tool; a P-P edge (undirected) where a parameter of one tool
 * is similar to a parameter of another, a P-R edge (producer -> consumer) where a return field of one tool is
 * similar to a parameter of another. Fields are embedded once per distinct text, candidate pairs come from an
 * index (see similarity-join.ts), and each edge keeps the field pairs that made it as evidence.
 */
import { InputError, ToolflowError } from "../core/index.js";
import type { EdgeEvidence, GraphEdge, GraphNode, ToolSpec } from "../core/index.js";
import { LexicalEmbedder } from "./embedders/lexical.js";
import type { FieldEmbedder, FieldInput } from "./embedders/types.js";
import { rowDot } from "./embedders/types.js";
import { returnFeedsParam } from "./field-kinds.js";
import { extractFields, type ToolField } from "./fields.js";
import { paramMentions } from "./mentions.js";
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
  /**
   * Similar (return field, parameter) pairs that were not P-R evidence: types or formats disagree, an identifier
   * parameter met a field naming another entity (or no identifier), or the parameter names other producers.
   */
  rejectedReturnPairs: number;
  edges: { "P-P": number; "P-R": number };
  topHubs: Array<{ id: string; degree: number }>;
  lsh?: { bits: number; bands: number };
}

/**
 * Tool edges being collected: one slot per (kind, source, target), with the weight (best similarity) and the
 * `maxEvidence` most similar field pairs (field indices), in typed arrays that grow by doubling.
 */
class EdgeAccumulator {
  private readonly index = new Map<number, number>();
  private readonly keys: number[] = [];
  size = 0;
  kind = new Uint8Array(1024);
  source = new Uint32Array(1024);
  target = new Uint32Array(1024);
  weight = new Float32Array(1024);
  evCount = new Uint8Array(1024);
  evA: Uint32Array;
  evB: Uint32Array;
  evSim: Float32Array;

  constructor(private readonly maxEvidence: number) {
    this.evA = new Uint32Array(1024 * maxEvidence);
    this.evB = new Uint32Array(1024 * maxEvidence);
    this.evSim = new Float32Array(1024 * maxEvidence);
  }

  private grow(): void {
    const n = this.kind.length * 2;
    const g = <A extends Uint8Array | Uint32Array | Float32Array>(a: A, len: number, make: (n: number) => A): A => {
      const b = make(len);
      b.set(a);
      return b;
    };
    this.kind = g(this.kind, n, (k) => new Uint8Array(k));
    this.source = g(this.source, n, (k) => new Uint32Array(k));
    this.target = g(this.target, n, (k) => new Uint32Array(k));
    this.weight = g(this.weight, n, (k) => new Float32Array(k));
    this.evCount = g(this.evCount, n, (k) => new Uint8Array(k));
    this.evA = g(this.evA, n * this.maxEvidence, (k) => new Uint32Array(k));
    this.evB = g(this.evB, n * this.maxEvidence, (k) => new Uint32Array(k));
    this.evSim = g(this.evSim, n * this.maxEvidence, (k) => new Float32Array(k));
  }

  /** Record that field fa (of tool s) and field fb (of tool t) are similar: evidence for edge (kind, s, t). */
  add(kind: 0 | 1, s: number, t: number, tools: number, fa: number, fb: number, sim: number): void {
    const key = (s * tools + t) * 2 + kind;
    let e = this.index.get(key);
    const m = this.maxEvidence;
    if (e === undefined) {
      if (this.size === this.kind.length) this.grow();
      e = this.size++;
      this.index.set(key, e);
      this.keys.push(key);
      this.kind[e] = kind;
      this.source[e] = s;
      this.target[e] = t;
      this.weight[e] = sim;
      if (m > 0) {
        this.evA[e * m] = fa;
        this.evB[e * m] = fb;
        this.evSim[e * m] = sim;
        this.evCount[e] = 1;
      }
      return;
    }
    if (sim > (this.weight[e] as number)) this.weight[e] = sim;
    const base = e * m;
    const count = this.evCount[e] as number;
    for (let k = 0; k < count; k++) if (this.evA[base + k] === fa && this.evB[base + k] === fb) return;
    // insertion into the list sorted by similarity (descending; ties keep the earlier pair)
    let pos = count;
    while (pos > 0 && sim > (this.evSim[base + pos - 1] as number)) pos--;
    if (pos >= m) return;
    for (let k = Math.min(count, m - 1); k > pos; k--) {
      this.evA[base + k] = this.evA[base + k - 1] as number;
      this.evB[base + k] = this.evB[base + k - 1] as number;
      this.evSim[base + k] = this.evSim[base + k - 1] as number;
    }
    this.evA[base + pos] = fa;
    this.evB[base + pos] = fb;
    this.evSim[base + pos] = sim;
    if (count < m) this.evCount[e] = count + 1;
  }

  /** Tools with the most distinct neighbours (any kind or direction), highest first, ties by name. */
  topHubs(k: number, name: (i: number) => string, tools: number): Array<{ id: string; degree: number }> {
    const deg = new Uint32Array(tools + 1);
    for (let e = 0; e < this.size; e++) {
      deg[(this.source[e] as number) + 1]!++;
      deg[(this.target[e] as number) + 1]!++;
    }
    for (let i = 0; i < tools; i++) deg[i + 1]! += deg[i] as number;
    const adj = new Uint32Array(deg[tools] as number);
    const fill = deg.slice(0, tools);
    for (let e = 0; e < this.size; e++) {
      const s = this.source[e] as number;
      const t = this.target[e] as number;
      adj[fill[s]!++] = t;
      adj[fill[t]!++] = s;
    }
    const all: Array<{ id: string; degree: number }> = [];
    for (let i = 0; i < tools; i++) {
      const list = adj.subarray(deg[i] as number, deg[i + 1] as number).sort();
      let distinct = 0;
      for (let j = 0; j < list.length; j++) if (j === 0 || list[j] !== list[j - 1]) distinct++;
      all.push({ id: name(i), degree: distinct });
    }
    all.sort((a, b) => b.degree - a.degree || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return all.slice(0, k);
  }

  /** Edge slots ordered by source, then target, then kind. */
  sortedIndices(): Uint32Array {
    const order = new Uint32Array(this.size);
    for (let i = 0; i < this.size; i++) order[i] = i;
    const keys = this.keys;
    return order.sort((a, b) => (keys[a] as number) - (keys[b] as number));
  }
}

/** Node attributes for a tool. */
function toolNode(tool: ToolSpec): GraphNode {
  const node: GraphNode = { id: tool.name, name: tool.name };
  if (tool.category !== undefined) node.category = tool.category;
  if (tool.description) node.description = tool.description;
  // variants of one source function (renamed on import, e.g. set_volume / set_volume_v2) share a family, so that
  // sampling can keep them out of one tool set
  if (tool.originalName !== undefined && tool.originalName !== tool.name) node.originalName = tool.originalName;
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

  // 4. Expand row pairs into tool edges (typed arrays: big graphs have ~10^6 field pairs), keeping the best evidence.
  const T = tools.length;
  const fTool = new Uint32Array(fields.length);
  const fParam = new Uint8Array(fields.length);
  fields.forEach((f, i) => {
    fTool[i] = f.tool;
    fParam[i] = f.role === "param" ? 1 : 0;
  });
  // A parameter whose description names producing tools of the catalogue ("the id from createCart") takes P-R
  // edges from those tools only.
  const toolIndex = new Map(tools.map((t, i) => [t.name, i]));
  const namedProducers = new Map<number, Set<number>>();
  const mentions = paramMentions(tools);
  fields.forEach((f, i) => {
    if (f.role !== "param") return;
    const named = mentions.get((tools[f.tool] as ToolSpec).name)?.find((m) => m.param === f.path);
    if (named) namedProducers.set(i, new Set(named.tools.map((n) => toolIndex.get(n) as number)));
  });
  let rejectedPairs = 0;
  /** May return field r (of tool tr) feed parameter p (a P-R evidence pair)? */
  const feeds = (r: number, tr: number, p: number): boolean => {
    const named = namedProducers.get(p);
    const ok = (named === undefined || named.has(tr)) && returnFeedsParam((fields[r] as ToolField).kind, (fields[p] as ToolField).kind);
    if (!ok) rejectedPairs++;
    return ok;
  };
  const acc = new EdgeAccumulator(maxEvidence);
  const link = (fa: number, fb: number, sim: number) => {
    const ta = fTool[fa] as number;
    const tb = fTool[fb] as number;
    if (ta === tb) return;
    const pa = fParam[fa] === 1;
    const pb = fParam[fb] === 1;
    if (pa && pb) {
      if (ta < tb) acc.add(0, ta, tb, T, fa, fb, sim);
      else acc.add(0, tb, ta, T, fb, fa, sim);
    } else if (pb) {
      if (feeds(fa, ta, fb)) acc.add(1, ta, tb, T, fa, fb, sim);
    } else if (pa) {
      if (feeds(fb, tb, fa)) acc.add(1, tb, ta, T, fb, fa, sim);
    }
  };
  const expand = (ra: number, rb: number, sim: number) => {
    const ae = rowStart[ra + 1] as number;
    const bs = rowStart[rb] as number;
    const be = rowStart[rb + 1] as number;
    for (let i = rowStart[ra] as number; i < ae; i++) {
      const fa = rowFields[i] as number;
      for (let j = ra === rb ? i + 1 : bs; j < be; j++) link(fa, rowFields[j] as number, sim);
    }
  };
  const pairs = join.pairs;
  let similarPairs = pairs.length;
  for (let p = 0; p < pairs.length; p++) {
    if (p % 100_000 === 0) {
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
  const round = (x: number) => Math.round(x * 1e4) / 1e4;
  let pp = 0;
  let pr = 0;
  const edgeList: GraphEdge[] = [];
  for (const e of acc.sortedIndices()) {
    const kind = acc.kind[e] as number;
    if (kind === 0) pp++;
    else pr++;
    const evidence: EdgeEvidence[] = [];
    for (let k = 0; k < (acc.evCount[e] as number); k++) {
      const slot = e * maxEvidence + k;
      evidence.push({
        sourceField: (fields[acc.evA[slot] as number] as ToolField).path,
        targetField: (fields[acc.evB[slot] as number] as ToolField).path,
        similarity: round(acc.evSim[slot] as number),
      });
    }
    edgeList.push({
      source: (tools[acc.source[e] as number] as ToolSpec).name,
      target: (tools[acc.target[e] as number] as ToolSpec).name,
      kind: kind === 0 ? "P-P" : "P-R",
      weight: round(acc.weight[e] as number),
      evidence,
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
    rejectedReturnPairs: rejectedPairs,
    edges: { "P-P": pp, "P-R": pr },
    topHubs: acc.topHubs(options.topHubs ?? 10, (i) => (tools[i] as ToolSpec).name, T),
    ...(join.lsh ? { lsh: join.lsh } : {}),
  };
  return ToolGraph.fromParts(tools.map(toolNode), edgeList, { ...meta });
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
