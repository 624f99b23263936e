/**
 * Counts and token usage of a run, computed from its records (accepted and rejected), so that a resumed run's
 * manifest covers every session, including ones that were killed before they could write their manifest.
 */
import type { DialogueRecord, ExecutedWrite, RejectedRecord } from "../core/index.js";
import { UsageCounter, type UsageBreakdown } from "../llm/index.js";

export type { UsageTotals } from "../llm/index.js";

export interface TallySnapshot {
  accepted: number;
  rejected: number;
  /** Rejected records per check (a record failing two checks counts under both). */
  rejectedBy: Record<string, number>;
  /** Tokens per role, model, and role and model (for exact per-role cost with a model pool). */
  usage: UsageBreakdown;
  /** Mean judge score per criterion over accepted dialogues that were judged. */
  judge: { judged: number; mean: Record<string, number> } | null;
  /**
   * Runs with --execute: the tool messages of accepted dialogues by how they were made (executed on a real server;
   * of those, real errors; simulated). null when no record says.
   */
  execution: ExecutionCounts | null;
  /** Writes executed by rejected dialogues (`synth --execute --allow-writes`); null when there were none. */
  rejectedWrites: RejectedWrites | null;
}

/** How many writes of rejected dialogues were discarded with their own server process or left on a server, and which. */
export interface RejectedWrites {
  discarded: number;
  left: number;
  /** The first REJECTED_WRITES_LISTED of them, in the order decided; rejected.jsonl holds all (`executedWrites`). */
  calls: Array<ExecutedWrite & { dialogue: string }>;
}
/** Writes of rejected dialogues listed in the manifest. */
export const REJECTED_WRITES_LISTED = 200;

export interface ExecutionCounts {
  executed: number;
  /** Executed calls whose real answer was an error (HTTP 4xx/5xx, an MCP error result, a timeout). */
  executedErrors: number;
  simulated: number;
  /** Executed calls whose answer did not match the tool's `returns`. */
  returnsMismatch: number;
}

type AnyRecord = Pick<DialogueRecord, "usage" | "models"> | Pick<RejectedRecord, "usage" | "models">;

export class RunTally {
  accepted = 0;
  rejected = 0;
  readonly rejectedBy: Record<string, number> = {};
  /** The tokens of every decided record (its per-role usage), by role and model. */
  readonly usage = new UsageCounter();
  private judgeSums: Record<string, number> = {};
  private judged = 0;
  private execution: ExecutionCounts | null = null;
  private rejectedWrites: RejectedWrites | null = null;

  addAccepted(record: DialogueRecord): void {
    this.accepted++;
    this.addUsageOf(record);
    if (record.execution) {
      const e = (this.execution ??= { executed: 0, executedErrors: 0, simulated: 0, returnsMismatch: 0 });
      for (const x of record.execution) {
        if (!x) continue;
        if (x.mode === "simulated") e.simulated++;
        else {
          e.executed++;
          if (x.error) e.executedErrors++;
          if (x.returnsMismatch && x.returnsMismatch.length > 0) e.returnsMismatch++;
        }
      }
    }
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
    for (const w of record.executedWrites ?? []) {
      const r = (this.rejectedWrites ??= { discarded: 0, left: 0, calls: [] });
      r[w.state]++;
      if (r.calls.length < REJECTED_WRITES_LISTED) r.calls.push({ dialogue: record.id, ...w });
    }
  }

  /** Total tokens (prompt + completion) so far. */
  get tokens(): number {
    const t = this.usage.breakdown().total;
    return t.promptTokens + t.completionTokens;
  }

  private addUsageOf(record: AnyRecord): void {
    const usage = record.usage ?? {};
    const models = record.models ?? {};
    for (const [role, u] of Object.entries(usage)) this.usage.record(role, models[role] ?? "unknown", u);
  }

  snapshot(): TallySnapshot {
    return {
      accepted: this.accepted,
      rejected: this.rejected,
      rejectedBy: Object.fromEntries(Object.keys(this.rejectedBy).sort().map((k) => [k, this.rejectedBy[k] as number])),
      usage: this.usage.breakdown(),
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
      execution: this.execution ? { ...this.execution } : null,
      rejectedWrites: this.rejectedWrites ? { ...this.rejectedWrites, calls: [...this.rejectedWrites.calls] } : null,
    };
  }
}
