/**
 * Rejection accounting: turn a failed Verification into `rejectedBy` entries, and count how many dialogues
 * fell to each check.
 */
import type { Verification } from "../core/index.js";

export interface RejectionEntry {
  check: string;
  reasons: string[];
}

/** The failed checks of a verification, as RejectedRecord.rejectedBy entries (flagged-only checks are not failures). */
export function rejectionsOf(v: Verification): RejectionEntry[] {
  return v.checks.filter((c) => !c.passed).map((c) => ({ check: c.name, reasons: c.reasons }));
}

export interface RejectionSummary {
  /** Number of rejected dialogues. */
  total: number;
  /** Dialogues rejected by each check (a dialogue failing two checks counts for both), most frequent first. */
  byCheck: Record<string, number>;
  /** Dialogues whose only failing check is this one. */
  onlyBy: Record<string, number>;
  /** One example reason per check. */
  examples: Record<string, string>;
}

/** Count rejected dialogues by check. Accepts RejectedRecord-like objects (`rejectedBy`). */
export function summarizeRejections(records: Iterable<{ rejectedBy: RejectionEntry[] }>): RejectionSummary {
  let total = 0;
  const by = new Map<string, number>();
  const only = new Map<string, number>();
  const examples: Record<string, string> = {};
  for (const r of records) {
    total++;
    const checks = new Set(r.rejectedBy.map((e) => e.check));
    for (const c of checks) by.set(c, (by.get(c) ?? 0) + 1);
    if (checks.size === 1) {
      const [c] = checks;
      if (c !== undefined) only.set(c, (only.get(c) ?? 0) + 1);
    }
    for (const e of r.rejectedBy) {
      const first = e.reasons[0];
      if (examples[e.check] === undefined && first !== undefined) examples[e.check] = first;
    }
  }
  const sorted = (m: Map<string, number>) =>
    Object.fromEntries([...m.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])));
  return { total, byCheck: sorted(by), onlyBy: sorted(only), examples };
}

/** Mean of each metric over the checks of many verifications, e.g. provenance.ungroundedRate. */
export function meanCheckMetrics(verifications: Iterable<Verification>): Record<string, number> {
  const sums = new Map<string, { sum: number; n: number }>();
  for (const v of verifications) {
    for (const c of v.checks) {
      for (const [k, x] of Object.entries(c.metrics ?? {})) {
        const key = `${c.name}.${k}`;
        const s = sums.get(key) ?? { sum: 0, n: 0 };
        s.sum += x;
        s.n++;
        sums.set(key, s);
      }
    }
  }
  return Object.fromEntries([...sums.entries()].sort().map(([k, s]) => [k, s.sum / s.n]));
}
