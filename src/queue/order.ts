/**
 * The decisions of a queued run, taken in index order as the local run takes them (synth's RunDecider): each stored
 * outcome is checked for near-duplicates against the dialogues accepted before it (lower indices), the first
 * `count` accepted dialogues are the run, and rejected outcomes count as rejected. Workers finish in any order; this
 * makes the result depend only on (definition, index), so it equals a local run with the same seed.
 */
import { maxConsecutiveFailuresFor, RunDecider, SynthRunError, type DeduperLike, type Decision } from "../synth/index.js";
import type { StoredOutcome } from "./store.js";

export class OrderedRun {
  /** The next index to decide (every lower index is decided). */
  next = 0;
  /** Outcomes of decided indices that a worker stored as accepted (duplicates included). */
  workerAccepted = 0;
  private readonly decider: RunDecider;

  constructor(count: number, deduper: DeduperLike, concurrency: number) {
    this.decider = new RunDecider(count, deduper, maxConsecutiveFailuresFor(concurrency));
  }

  get tally() {
    return this.decider.tally;
  }

  get done(): boolean {
    return this.decider.done;
  }

  /** Why the run stops when `maxAttempts` attempts were decided without its count (RunDecider.giveUpMessage). */
  giveUpMessage(maxAttempts: number): string {
    return this.decider.giveUpMessage(maxAttempts);
  }

  /** Decide index `next` from its stored outcome. Throws SynthRunError after too many generation failures in a row. */
  take(outcome: StoredOutcome): Decision {
    if (this.done) throw new SynthRunError(`the run already has its ${this.decider.count} dialogues`);
    if (outcome.record.index !== this.next) {
      throw new SynthRunError(`the outcome stored for dialogue ${this.next} is that of dialogue ${outcome.record.index}`);
    }
    this.next++;
    if (outcome.kind === "accepted") this.workerAccepted++;
    const decision = this.decider.decide(
      outcome.kind === "accepted" ? { kind: "accepted", record: outcome.record, checks: outcome.record } : outcome,
    )!;
    const stop = this.decider.failureStop();
    if (stop) throw new SynthRunError(stop);
    return decision;
  }
}
