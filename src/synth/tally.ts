/**
 * Counts and token usage of a run, computed from its records (accepted and rejected), so that a resumed run's
 * manifest covers every session, including ones that were killed before they could write their manifest.
 */
import type { DialogueRecord, RejectedRecord, Usage } from "../core/types.js";

export interface UsageTotals {
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  /** True when some of the counts were estimated (a server omitted usage). */
  estimated: boolean;
}

export function emptyUsage(): UsageTotals {
  return { promptTokens: 0, completionTokens: 0, cachedTokens: 0, estimated: false };
}

export function addUsage(into: UsageTotals, u: Partial<Usage> | UsageTotals): void {
  into.promptTokens += u.promptTokens ?? 0;
  into.completionTokens += u.completionTokens ?? 0;
  into.cachedTokens += u.cachedTokens ?? 0;
  into.estimated = into.estimated || Boolean(u.estimated);
}

export interface TallySnapshot {
  accepted: number;
  rejected: number;
  /** Rejected records per check (a record failing two checks counts under both). */
  rejectedBy: Record<string, number>;
  usage: {
    total: UsageTotals;
    byRole: Record<string, UsageTotals>;
    byModel: Record<string, UsageTotals>;
    /** Usage per role and, within it, per model (for exact per-role cost with a model pool). */
    byRoleModel: Record<string, Record<string, UsageTotals>>;
  };
  /** Mean judge score per criterion over accepted dialogues that were judged. */
  judge: { judged: number; mean: Record<string, number> } | null;
}

type AnyRecord = Pick<DialogueRecord, "usage" | "models"> | Pick<RejectedRecord, "usage" | "models">;

export class RunTally {
  accepted = 0;
  rejected = 0;
  readonly rejectedBy: Record<string, number> = {};
  readonly total = emptyUsage();
  readonly byRole: Record<string, UsageTotals> = {};
  readonly byModel: Record<string, UsageTotals> = {};
  readonly byRoleModel: Record<string, Record<string, UsageTotals>> = {};
  private judgeSums: Record<string, number> = {};
  private judged = 0;

  addAccepted(record: DialogueRecord): void {
    this.accepted++;
    this.addUsageOf(record);
    if (record.judge) {
      this.judged++;
      for (const [k, v] of Object.entries(record.judge)) this.judgeSums[k] = (this.judgeSums[k] ?? 0) + v;
    }
  }

  addRejected(record: RejectedRecord): void {
    this.rejected++;
    this.addUsageOf(record);
    const checks = new Set(record.rejectedBy.map((r) => r.check));
    for (const c of checks) this.rejectedBy[c] = (this.rejectedBy[c] ?? 0) + 1;
  }

  /** Total tokens (prompt + completion) so far. */
  get tokens(): number {
    return this.total.promptTokens + this.total.completionTokens;
  }

  private addUsageOf(record: AnyRecord): void {
    const usage = record.usage ?? {};
    const models = record.models ?? {};
    for (const [role, u] of Object.entries(usage)) {
      addUsage(this.total, u);
      addUsage((this.byRole[role] ??= emptyUsage()), u);
      const model = models[role] ?? "unknown";
      addUsage((this.byModel[model] ??= emptyUsage()), u);
      addUsage(((this.byRoleModel[role] ??= {})[model] ??= emptyUsage()), u);
    }
  }

  snapshot(): TallySnapshot {
    const clone = (r: Record<string, UsageTotals>) =>
      Object.fromEntries(Object.keys(r).sort().map((k) => [k, { ...(r[k] as UsageTotals) }]));
    return {
      accepted: this.accepted,
      rejected: this.rejected,
      rejectedBy: Object.fromEntries(Object.keys(this.rejectedBy).sort().map((k) => [k, this.rejectedBy[k] as number])),
      usage: {
        total: { ...this.total },
        byRole: clone(this.byRole),
        byModel: clone(this.byModel),
        byRoleModel: Object.fromEntries(
          Object.keys(this.byRoleModel)
            .sort()
            .map((r) => [r, clone(this.byRoleModel[r] as Record<string, UsageTotals>)]),
        ),
      },
      judge:
        this.judged === 0
          ? null
          : {
              judged: this.judged,
              mean: Object.fromEntries(
                Object.keys(this.judgeSums)
                  .sort()
                  .map((k) => [k, Math.round(((this.judgeSums[k] as number) / this.judged) * 100) / 100]),
              ),
            },
    };
  }
}
