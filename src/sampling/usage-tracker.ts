/**
 * UsageTracker: how often each tool was sampled so far, and the balanced walk's weights over those counts,
 * weight(t) = 1 / (1 + uses(t))^alpha. Weights are kept as integers (scaled by 2^30, at least 1) so every sum is
 * exact: a start tool is drawn in O(log n) from a Fenwick tree over the start pool, and a linear scan over the
 * same weights (`startWeight`) would pick the very same tool.
 *
 * The start pool is every tool a walk can start from, plus (by default) the tools a walk never reaches (no edge, or
 * edges only to variants of their own function) while they are unused: the balanced run draws each of those once,
 * alone, so that it covers the whole collection, and then never again (their start weight drops to 0).
 */
import type { Rng } from "../core/index.js";
import type { SamplingGraph } from "./sampling-graph.js";

const SCALE = 2 ** 30;

/** Largest alpha accepted (beyond it every weight but the least-used tool's is the floor of 1 anyway). */
export const MAX_BALANCE_ALPHA = 16;

export class UsageTracker {
  readonly alpha: number;
  private readonly counts = new Map<string, number>();
  private readonly startIndex = new Map<string, number>();
  /** The tools a start is drawn from, in Fenwick order. */
  readonly startTools: readonly string[];
  private readonly walkable: ReadonlySet<string>;
  /** Fenwick tree (1-based) of the start tools' weights. */
  private readonly tree: Float64Array;
  private readonly highBit: number;
  private total = 0;

  constructor(sg: SamplingGraph, alpha: number, initial?: ReadonlyMap<string, number>, options: { coverUnwalkable?: boolean } = {}) {
    this.alpha = alpha;
    this.walkable = new Set(sg.startable);
    this.startTools = options.coverUnwalkable === false ? sg.startable : sg.nodes;
    const n = this.startTools.length;
    this.tree = new Float64Array(n + 1);
    this.startTools.forEach((t, i) => this.startIndex.set(t, i));
    if (initial) {
      for (const [t, u] of initial) {
        if (!Number.isInteger(u) || u < 0) throw new RangeError(`usage of ${t} must be an integer >= 0, got ${u}`);
        if (u > 0) this.counts.set(t, u);
      }
    }
    // O(n) Fenwick build
    for (let i = 1; i <= n; i++) {
      const w = this.startWeight(this.startTools[i - 1] as string);
      this.tree[i] = (this.tree[i] ?? 0) + w;
      this.total += w;
      const parent = i + (i & -i);
      if (parent <= n) this.tree[parent] = (this.tree[parent] ?? 0) + (this.tree[i] ?? 0);
    }
    let hb = 1;
    while (hb * 2 <= n) hb *= 2;
    this.highBit = n === 0 ? 0 : hb;
  }

  uses(tool: string): number {
    return this.counts.get(tool) ?? 0;
  }

  /** Integer weight of a tool: round(2^30 / (1 + uses)^alpha), at least 1. */
  weight(tool: string): number {
    return Math.max(1, Math.round(SCALE / Math.pow(1 + this.uses(tool), this.alpha)));
  }

  /** Weight of a tool as a start: its weight, or for a tool a walk never reaches, its weight while unused and 0 after. */
  startWeight(tool: string): number {
    if (this.walkable.has(tool)) return this.weight(tool);
    return this.uses(tool) === 0 ? this.weight(tool) : 0;
  }

  /** Count one more use of a tool. */
  add(tool: string): void {
    const before = this.startWeight(tool);
    this.counts.set(tool, this.uses(tool) + 1);
    const i = this.startIndex.get(tool);
    if (i === undefined) return;
    const delta = this.startWeight(tool) - before;
    if (delta === 0) return;
    this.total += delta;
    for (let k = i + 1; k < this.tree.length; k += k & -k) this.tree[k] = (this.tree[k] ?? 0) + delta;
  }

  /** Draw a start tool with probability proportional to its weight. */
  pickStart(rng: Rng): string {
    if (this.startTools.length === 0 || this.total <= 0) throw new RangeError("no start tools");
    let r = Math.floor(rng.next() * this.total);
    // find the smallest index whose prefix sum exceeds r
    let pos = 0;
    for (let step = this.highBit; step > 0; step >>= 1) {
      const next = pos + step;
      if (next < this.tree.length && (this.tree[next] ?? 0) <= r) {
        pos = next;
        r -= this.tree[next] ?? 0;
      }
    }
    return this.startTools[Math.min(pos, this.startTools.length - 1)] as string;
  }

  /** Draw one of `items` with probability proportional to `weights` (integers), exactly as pickStart would. */
  static pickWeighted<T>(rng: Rng, items: readonly T[], weights: readonly number[]): T {
    let total = 0;
    for (const w of weights) total += w;
    let r = Math.floor(rng.next() * total);
    for (let i = 0; i < items.length; i++) {
      r -= weights[i] ?? 0;
      if (r < 0) return items[i] as T;
    }
    return items[items.length - 1] as T;
  }

  /** Current counts (tools never used are absent). */
  entries(): IterableIterator<[string, number]> {
    return this.counts.entries();
  }
}
