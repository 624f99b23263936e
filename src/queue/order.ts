/**
 * The decisions of a queued run, taken in index order as the local run takes them: each stored outcome is checked
 * for near-duplicates against the dialogues accepted before it (lower indices), the first `count` accepted
 * dialogues are the run, and rejected outcomes count as rejected. Workers finish in any order; this makes the
 * result depend only on (definition, index), so it equals a local run with the same seed.
 */
import type { DialogueRecord, RejectedRecord } from "../core/index.js";
import { maxConsecutiveFailuresFor, rejectAsDuplicate, RunTally, SynthRunError, type DeduperLike } from "../synth/index.js";
import type { StoredOutcome } from "./store.js";

export type Decision = { kind: "accepted"; record: DialogueRecord } | { kind: "rejected"; record: RejectedRecord };

export class OrderedRun {
  /** The next index to decide (every lower index is decided). */
  next = 0;
  readonly tally = new RunTally();
  /** Outcomes of decided indices that a worker stored as accepted (duplicates included). */
  workerAccepted = 0;
  private consecutiveFailures = 0;
  private lastFailure = "";
  private readonly maxConsecutive: number;

  constructor(
    readonly count: number,
    private readonly deduper: DeduperLike,
    concurrency: number,
  ) {
    this.maxConsecutive = maxConsecutiveFailuresFor(concurrency);
  }

  get done(): boolean {
    return this.tally.accepted >= this.count;
  }

  /** Decide index `next` from its stored outcome. Throws SynthRunError after too many generation failures in a row. */
  take(outcome: StoredOutcome): Decision {
    if (this.done) throw new SynthRunError(`the run already has its ${this.count} dialogues`);
    if (outcome.record.index !== this.next) {
      throw new SynthRunError(`the outcome stored for dialogue ${this.next} is that of dialogue ${outcome.record.index}`);
    }
    this.next++;
    let decision: Decision;
    if (outcome.kind === "accepted") {
      this.workerAccepted++;
      const dup = this.deduper.check(outcome.record);
      if (dup.duplicate) decision = { kind: "rejected", record: rejectAsDuplicate(outcome.record, dup) };
      else {
        this.deduper.add(outcome.record.id, outcome.record);
        decision = { kind: "accepted", record: outcome.record };
      }
    } else decision = { kind: "rejected", record: outcome.record };

    if (decision.kind === "accepted") {
      this.tally.addAccepted(decision.record);
      this.consecutiveFailures = 0;
    } else {
      this.tally.addRejected(decision.record);
      if (outcome.kind === "rejected" && outcome.generationFailure) {
        this.consecutiveFailures++;
        this.lastFailure = decision.record.rejectedBy.map((r) => `${r.check}: ${r.reasons.join("; ")}`).join(" | ");
        if (this.consecutiveFailures >= this.maxConsecutive) {
          throw new SynthRunError(
            `stopping: ${this.consecutiveFailures} dialogues in a row failed to generate; last failure: ${this.lastFailure}`,
          );
        }
      } else this.consecutiveFailures = 0;
    }
    return decision;
  }
}
