/**
 * How a run decides its dialogues, in index order: an accepted dialogue is checked for near-duplicates against the
 * ones accepted before it, the first `count` accepted are the run, and generation failures in a row stop it. The
 * local run (runner.ts) and a queued run's collect (src/queue) decide with this one class, so both give the same
 * records for the same (definition, index).
 */
import type { DialogueRecord, ExecutedWrite, RejectedRecord } from "../core/index.js";
import type { DeduperLike, DialogueForChecks } from "./deps.js";
import { RunTally } from "./tally.js";

/** What dialogue i came to, before the run decides it. */
export type FinishedOutcome =
  | { kind: "accepted"; record: DialogueRecord; checks: DialogueForChecks }
  | { kind: "rejected"; record: RejectedRecord; generationFailure: boolean };

export type Decision = { kind: "accepted"; record: DialogueRecord } | { kind: "rejected"; record: RejectedRecord };

/** A near-duplicate, rejected with check `duplicate` (with the writes its calls executed, as every rejected record). */
export function rejectAsDuplicate(record: DialogueRecord, dup: { of: string; kind: string; similarity: number }): RejectedRecord {
  const writes = executedWritesOf(record);
  return {
    ...stripForRejected(record),
    rejectedBy: [{ check: "duplicate", reasons: [`${dup.kind} duplicate of ${dup.of} (similarity ${dup.similarity.toFixed(3)})`] }],
    ...(writes.length > 0 ? { executedWrites: writes } : {}),
  };
}

/** The writes a dialogue's executed tool calls made, from its messages and `execution` (see ExecutedWriteZ). */
export function executedWritesOf(record: Pick<DialogueRecord, "messages" | "execution">): ExecutedWrite[] {
  if (!record.execution) return [];
  const calls = new Map(record.messages.flatMap((m) => (m.role === "assistant" ? (m.tool_calls ?? []) : [])).map((c) => [c.id, c.function]));
  const out: ExecutedWrite[] = [];
  record.messages.forEach((m, i) => {
    const how = record.execution?.[i];
    if (m.role !== "tool" || !how || how.mode !== "executed" || !how.write) return;
    const call = calls.get(m.tool_call_id);
    let args: Record<string, unknown> = {};
    try {
      const parsed: unknown = JSON.parse(call?.arguments ?? "{}");
      if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) args = parsed as Record<string, unknown>;
    } catch {
      // arguments that are not JSON were never executed; keep the entry without them
    }
    out.push({
      tool: call?.name ?? m.name ?? "",
      callId: m.tool_call_id,
      target: how.target ?? "",
      arguments: args,
      state: how.isolation === "dialogue" ? "discarded" : "left",
      ...(how.error ? { error: true } : {}),
    });
  });
  return out;
}

/** A rejected record keeps the dialogue (for inspection) but not the tool specs (they are in the tools file). */
export function stripForRejected(record: DialogueRecord): Omit<RejectedRecord, "rejectedBy"> {
  const { tools: _tools, ...rest } = record;
  return rest;
}

/** Generation failures in a row after which a run stops (SynthRunError). */
export function maxConsecutiveFailuresFor(concurrency: number): number {
  return Math.max(20, 2 * concurrency);
}

export class RunDecider {
  readonly tally = new RunTally();
  private consecutiveFailures = 0;
  private lastFailure = "";

  constructor(
    readonly count: number,
    private readonly deduper: DeduperLike,
    private readonly maxConsecutive: number,
  ) {}

  /** `count` dialogues are accepted. */
  get done(): boolean {
    return this.tally.accepted >= this.count;
  }

  /** Records a resumed run already decided (counted, and known to the duplicate check). */
  restore(record: DialogueRecord | RejectedRecord, accepted: boolean): void {
    if (accepted) {
      this.tally.addAccepted(record as DialogueRecord);
      this.deduper.add(record.id, record as DialogueRecord);
    } else this.tally.addRejected(record as RejectedRecord);
  }

  /** Decide the next dialogue; undefined for an accepted one beyond `count` (it stays undecided). */
  decide(outcome: FinishedOutcome): Decision | undefined {
    if (outcome.kind === "accepted") {
      if (this.done) return undefined;
      const dup = this.deduper.check(outcome.checks);
      if (dup.duplicate) return this.reject(rejectAsDuplicate(outcome.record, dup), false);
      this.deduper.add(outcome.record.id, outcome.checks);
      this.tally.addAccepted(outcome.record);
      this.consecutiveFailures = 0;
      return { kind: "accepted", record: outcome.record };
    }
    return this.reject(outcome.record, outcome.generationFailure);
  }

  /** The error that stops the run when too many dialogues in a row failed to generate, else undefined. */
  failureStop(): string | undefined {
    if (this.consecutiveFailures < this.maxConsecutive) return undefined;
    return `stopping: ${this.consecutiveFailures} dialogues in a row failed to generate; last failure: ${this.lastFailure}`;
  }

  /** Why the run stops when `maxAttempts` attempts were decided without `count` accepted dialogues. */
  giveUpMessage(maxAttempts: number): string {
    const reasons = Object.entries(this.tally.rejectedBy)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ");
    return (
      `gave up after ${maxAttempts} attempts (--max-attempts): ${this.tally.accepted} of ${this.count} dialogues accepted, ` +
      `${this.tally.rejected} rejected (${reasons || "no reasons"})`
    );
  }

  private reject(record: RejectedRecord, generationFailure: boolean): Decision {
    this.tally.addRejected(record);
    if (generationFailure) {
      this.consecutiveFailures++;
      this.lastFailure = record.rejectedBy.map((r) => `${r.check}: ${r.reasons.join("; ")}`).join(" | ");
    } else this.consecutiveFailures = 0;
    return { kind: "rejected", record };
  }
}
