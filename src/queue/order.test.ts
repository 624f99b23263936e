import { describe, expect, it } from "vitest";
import type { DialogueRecord, RejectedRecord } from "../core/index.js";
import { SynthRunError, type DeduperLike, type DialogueForChecks } from "../synth/index.js";
import { OrderedRun } from "./order.js";
import type { StoredOutcome } from "./store.js";

/** A deduper that calls two dialogues duplicates when their first message is the same. */
function textDeduper(): DeduperLike {
  const seen = new Map<string, string>();
  const key = (d: DialogueForChecks) => JSON.stringify(d.messages[0]);
  return {
    check: (d) => {
      const of = seen.get(key(d));
      return of === undefined ? { duplicate: false } : { duplicate: true, of, kind: "exact", similarity: 1 };
    },
    add: (id, d) => void seen.set(key(d), id),
  };
}

function accepted(index: number, text: string): StoredOutcome {
  const record = {
    id: `tf-1-${index}`,
    index,
    seed: index,
    sampleId: "s",
    tools: [],
    plan: null,
    messages: [{ role: "user", content: text }],
    stepOf: [null],
    verification: { passed: true, checks: [] },
    models: {},
    backend: "sim",
    usage: {},
    createdAt: "t",
  } as unknown as DialogueRecord;
  return { kind: "accepted", record };
}

function rejected(index: number, generationFailure: boolean): StoredOutcome {
  const record: RejectedRecord = { id: `tf-1-${index}`, index, seed: index, sampleId: "s", rejectedBy: [{ check: "generation", reasons: ["boom"] }] };
  return { kind: "rejected", generationFailure, record };
}

describe("OrderedRun", () => {
  it("rejects a later near-duplicate of an accepted dialogue and stops at --count", () => {
    const run = new OrderedRun(2, textDeduper(), 4);
    expect(run.take(accepted(0, "a")).kind).toBe("accepted");
    const dup = run.take(accepted(1, "a"));
    expect(dup.kind).toBe("rejected");
    expect((dup.record as RejectedRecord).rejectedBy).toEqual([{ check: "duplicate", reasons: ["exact duplicate of tf-1-0 (similarity 1.000)"] }]);
    expect("tools" in dup.record).toBe(false); // a rejected record does not repeat the tool specs
    expect(run.take(rejected(2, false)).kind).toBe("rejected");
    expect(run.done).toBe(false);
    expect(run.take(accepted(3, "b")).kind).toBe("accepted");
    expect(run.done).toBe(true);
    expect(run.workerAccepted).toBe(3);
    expect(run.tally.snapshot()).toMatchObject({ accepted: 2, rejected: 2, rejectedBy: { duplicate: 1, generation: 1 } });
    expect(() => run.take(accepted(4, "c"))).toThrow(/already has its 2 dialogues/);
  });

  it("takes indices only in order", () => {
    const run = new OrderedRun(3, textDeduper(), 1);
    expect(() => run.take(accepted(1, "a"))).toThrow(/stored for dialogue 0 is that of dialogue 1/);
  });

  it("stops after max(20, 2 * concurrency) generation failures in a row, as the local run does", () => {
    const run = new OrderedRun(5, textDeduper(), 15);
    let i = 0;
    for (; i < 29; i++) run.take(rejected(i, true));
    expect(() => run.take(rejected(i, true))).toThrow(SynthRunError);
    const other = new OrderedRun(5, textDeduper(), 1);
    for (let k = 0; k < 19; k++) other.take(rejected(k, true));
    other.take(accepted(19, "x")); // an accepted dialogue resets the streak
    for (let k = 20; k < 39; k++) other.take(rejected(k, true));
    expect(() => other.take(rejected(39, true))).toThrow(/20 dialogues in a row failed to generate; last failure: generation: boom/);
  });
});
