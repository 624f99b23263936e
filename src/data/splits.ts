/**
 * Deterministic train / validation / test splits that never put one tool set on both sides: dialogues are
 * grouped by sampleId and by identical tool set (union of both relations), and each group goes to the split
 * chosen by a hash of its key and the seed.
 */
import { hashToUint32, UsageError, type DialogueRecord } from "../core/index.js";

/** The splits of an exported dataset, in order (--split gives their ratios in this order). */
export const SPLIT_NAMES = ["train", "validation", "test"] as const;
export type SplitName = (typeof SPLIT_NAMES)[number];

export type SplitRatios = readonly [number, number, number];

/** Parse "0.9,0.05,0.05" (three non-negative numbers summing to 1). */
export function parseSplit(text: string): SplitRatios {
  const parts = text.split(",").map((p) => p.trim());
  const nums = parts.map(Number);
  if (nums.length !== 3 || nums.some((n, i) => parts[i] === "" || !Number.isFinite(n) || n < 0)) {
    throw new UsageError(`--split must be three non-negative numbers train,validation,test (got "${text}")`);
  }
  const sum = nums[0]! + nums[1]! + nums[2]!;
  if (Math.abs(sum - 1) > 1e-6) throw new UsageError(`--split ratios must sum to 1 (got ${sum})`);
  return [nums[0]!, nums[1]!, nums[2]!];
}

class UnionFind {
  private parent = new Map<string, string>();
  find(x: string): string {
    let p = this.parent.get(x);
    if (p === undefined) {
      this.parent.set(x, x);
      return x;
    }
    while (p !== x) {
      const gp = this.parent.get(p) as string;
      this.parent.set(x, gp);
      x = p;
      p = gp;
    }
    return x;
  }
  union(a: string, b: string): void {
    const ra = this.find(a);
    const rb = this.find(b);
    // keep the smaller key as the root so the grouping does not depend on input order
    if (ra < rb) this.parent.set(rb, ra);
    else if (rb < ra) this.parent.set(ra, rb);
  }
}

/** Key of a tool set: its sorted tool names. */
export function toolSetKey(r: Pick<DialogueRecord, "tools">): string {
  return r.tools
    .map((t) => t.name)
    .sort()
    .join("\u0000");
}

/** Group key of every record (records sharing a sample or an identical tool set share a group). */
export function groupRecords(records: Array<Pick<DialogueRecord, "id" | "sampleId" | "tools">>): Map<string, string> {
  const uf = new UnionFind();
  for (const r of records) uf.union(`s:${r.sampleId}`, `t:${toolSetKey(r)}`);
  const out = new Map<string, string>();
  for (const r of records) out.set(r.id, uf.find(`s:${r.sampleId}`));
  return out;
}

/** The split of every record id, with the number of groups. */
export function assignSplits(
  records: Array<Pick<DialogueRecord, "id" | "sampleId" | "tools">>,
  ratios: SplitRatios,
  seed: number,
): { splits: Map<string, SplitName>; groups: number } {
  const groups = groupRecords(records);
  const bucket = new Map<string, SplitName>();
  for (const g of new Set(groups.values())) {
    const u = hashToUint32(`${seed}\u0000${g}`) / 4294967296;
    let acc = 0;
    let chosen: SplitName = "train";
    for (let i = 0; i < SPLIT_NAMES.length; i++) {
      acc += ratios[i]!;
      if (u < acc) {
        chosen = SPLIT_NAMES[i]!;
        break;
      }
      // rounding: fall into the last split with a non-zero ratio
      if (ratios[i]! > 0) chosen = SPLIT_NAMES[i]!;
    }
    bucket.set(g, chosen);
  }
  const splits = new Map<string, SplitName>();
  for (const [id, g] of groups) splits.set(id, bucket.get(g) as SplitName);
  return { splits, groups: bucket.size };
}
