/**
 * The tokens of a tool's JSON and the n-gram index of the leakage test.
 *
 * Tokens: the tool's canonical JSON `{description, name, parameters}` (keys sorted at every level, as
 * `canonicalJson` writes it) read in document order; every object key and every scalar value (string, number,
 * boolean, null) is split into maximal runs of Unicode letters and digits (`/[\p{L}\p{N}]+/u`), lower-cased. JSON
 * punctuation, quotes, spaces, `_`, `-`, `.` and escapes separate tokens and are not tokens themselves, so the
 * JSON syntax every tool shares (`"}},"required":["`) cannot make a long shared run on its own; the schema's
 * keywords (`properties`, `type`, `string`, `required`, `description`) are tokens, as they are in the JSON.
 */
import type { JsonSchema, ToolSpec } from "../core/index.js";

const WORD_RE = /[\p{L}\p{N}]+/gu;

/** The part of a tool the test looks at. */
export type ToolJson = Pick<ToolSpec, "name" | "description"> & { parameters: JsonSchema };

/** The words of one text, lower-cased. */
export function wordTokens(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(WORD_RE)) out.push(m[0].toLowerCase());
  return out;
}

function walk(value: unknown, out: string[]): void {
  if (value === null || value === undefined) {
    if (value === null) out.push("null");
    return;
  }
  if (typeof value === "string") {
    for (const m of value.matchAll(WORD_RE)) out.push(m[0].toLowerCase());
    return;
  }
  if (typeof value !== "object") {
    for (const m of String(value).matchAll(WORD_RE)) out.push(m[0].toLowerCase());
    return;
  }
  if (Array.isArray(value)) {
    for (const v of value) walk(v === undefined ? null : v, out);
    return;
  }
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [k, v] of entries) {
    walk(k, out);
    walk(v, out);
  }
}

/** The tokens of a tool's JSON (see the module comment): the word tokens of canonicalJson({name, description, parameters}). */
export function toolTokens(tool: ToolJson): string[] {
  const out: string[] = [];
  walk({ name: tool.name, description: tool.description, parameters: tool.parameters }, out);
  return out;
}

/** The paper's embedding text of a tool. */
export function embeddingText(tool: Pick<ToolSpec, "name" | "description">): string {
  return `${tool.name}: ${tool.description}`;
}

/** Token -> integer id, shared by both sides so n-grams hash the same. */
export class Vocabulary {
  private readonly ids = new Map<string, number>();
  idsOf(tokens: readonly string[]): Uint32Array {
    const out = new Uint32Array(tokens.length);
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i] as string;
      let id = this.ids.get(t);
      if (id === undefined) {
        id = this.ids.size;
        this.ids.set(t, id);
      }
      out[i] = id;
    }
    return out;
  }
  get size(): number {
    return this.ids.size;
  }
}

/**
 * A 53-bit key of the n-gram ids[start..start+n): two independent 32-bit multiplicative hashes, 32 + 21 bits
 * kept (a collision among a million n-grams has a probability near 1e-4).
 */
export function ngramKey(ids: Uint32Array, start: number, n: number): number {
  let h1 = 0x811c9dc5 | 0;
  let h2 = 0x9e3779b9 | 0;
  for (let k = start; k < start + n; k++) {
    const x = ids[k] as number;
    h1 = Math.imul(h1 ^ x, 0x01000193);
    h1 ^= h1 >>> 15;
    h2 = Math.imul(h2 + x + 0x7f4a7c15, 0x85ebca6b);
    h2 ^= h2 >>> 13;
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 0x85ebca6b);
  h1 ^= h1 >>> 13;
  h2 = Math.imul(h2 ^ (h2 >>> 16), 0xc2b2ae35);
  h2 ^= h2 >>> 16;
  return (h1 >>> 0) * 2097152 + ((h2 >>> 0) & 0x1fffff);
}

/** At most this many EVAL tools are remembered per n-gram (to name the nearest one; coverage counts every n-gram). */
const MAX_POSTINGS = 16;

/** The n-grams of a set of token sequences (EVAL's tools), each with the tools it occurs in (up to 16). */
export class NgramIndex {
  /** key -> tool index (>= 0), or -(list index + 1) when several tools share it. */
  private readonly map = new Map<number, number>();
  private readonly lists: number[][] = [];
  constructor(readonly n: number) {}

  get size(): number {
    return this.map.size;
  }

  add(tool: number, ids: Uint32Array): void {
    const n = this.n;
    for (let i = 0; i + n <= ids.length; i++) {
      const key = ngramKey(ids, i, n);
      const cur = this.map.get(key);
      if (cur === undefined) this.map.set(key, tool);
      else if (cur >= 0) {
        if (cur !== tool) {
          this.lists.push([cur, tool]);
          this.map.set(key, -this.lists.length);
        }
      } else {
        const list = this.lists[-cur - 1] as number[];
        if (list.length < MAX_POSTINGS && list[list.length - 1] !== tool && !list.includes(tool)) list.push(tool);
      }
    }
  }

  /**
   * Which tokens of ids lie in an n-gram of the index: the count of covered tokens and, per EVAL tool, how many
   * of the matching n-grams it holds.
   */
  cover(ids: Uint32Array): { covered: number; byTool: Map<number, number> } {
    const n = this.n;
    const byTool = new Map<number, number>();
    if (ids.length < n) return { covered: 0, byTool };
    let covered = 0;
    let coveredUpTo = 0; // tokens [0, coveredUpTo) are already counted
    for (let i = 0; i + n <= ids.length; i++) {
      const cur = this.map.get(ngramKey(ids, i, n));
      if (cur === undefined) continue;
      const from = Math.max(i, coveredUpTo);
      covered += i + n - from;
      coveredUpTo = i + n;
      if (cur >= 0) byTool.set(cur, (byTool.get(cur) ?? 0) + 1);
      else for (const t of this.lists[-cur - 1] as number[]) byTool.set(t, (byTool.get(t) ?? 0) + 1);
    }
    return { covered, byTool };
  }
}
