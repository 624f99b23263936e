import { describe, it, expect } from "vitest";
import { meanCheckMetrics, rejectionsOf, summarizeRejections } from "./summary.js";
import { verifyDialogue } from "./verify.js";
import { exampleDialogueRecord } from "../../test/support/example-dialogue.js";

describe("rejection summaries", () => {
  it("turns failed checks into rejectedBy entries", () => {
    const d = exampleDialogueRecord();
    d.messages.pop();
    d.stepOf.pop();
    const entries = rejectionsOf(verifyDialogue(d));
    expect(entries.map((e) => e.check)).toEqual(["format", "plan"]);
    expect(entries[0]?.reasons).toContain("dialogue does not end with an assistant text message");
  });

  it("counts rejected dialogues by check", () => {
    const s = summarizeRejections([
      { rejectedBy: [{ check: "provenance", reasons: ["ungrounded argument a/x"] }] },
      { rejectedBy: [{ check: "format", reasons: ["bad"] }, { check: "provenance", reasons: ["ungrounded b/y"] }] },
      { rejectedBy: [{ check: "duplicate", reasons: ["exact duplicate of d1"] }] },
      { rejectedBy: [{ check: "provenance", reasons: [] }] },
    ]);
    expect(s.total).toBe(4);
    expect(s.byCheck).toEqual({ provenance: 3, duplicate: 1, format: 1 });
    expect(Object.keys(s.byCheck)).toEqual(["provenance", "duplicate", "format"]);
    expect(s.onlyBy).toEqual({ provenance: 2, duplicate: 1 });
    expect(s.examples.provenance).toBe("ungrounded argument a/x");
  });

  it("averages check metrics", () => {
    const good = verifyDialogue(exampleDialogueRecord());
    const m = meanCheckMetrics([good, good]);
    expect(m["provenance.ungroundedRate"]).toBe(0);
    expect(m["format.toolCalls"]).toBe(5);
  });
});
