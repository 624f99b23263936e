import { describe, it, expect } from "vitest";
import { exampleDialogueRecord } from "../../test/support/example-dialogue.js";
import { verifyDialogue } from "../verify/index.js";
import { distinctN, shannonEntropy, words } from "../data/index.js";
import { datasetStats } from "./stats.js";
import { renderDatasetCard } from "./card.js";
import { summarizeRejections } from "../verify/index.js";

describe("diversity metrics", () => {
  it("H is the entropy of word frequencies in bits", () => {
    expect(shannonEntropy(["a b c d"])).toBeCloseTo(2, 10);
    expect(shannonEntropy(["a a a a"])).toBe(0);
    // p = (1/2, 1/4, 1/4) -> 1.5 bits
    expect(shannonEntropy(["x x", "y z"])).toBeCloseTo(1.5, 10);
    expect(shannonEntropy([])).toBe(0);
  });

  it("H does not depend on the order of the texts, to the last bit", () => {
    const texts = Array.from({ length: 60 }, (_, i) => `w${i % 7} v${(i * 5) % 11} u${(i * 3) % 13} the a of ${i % 2 ? "x" : "y z"}`);
    const h = shannonEntropy(texts);
    for (const order of [[...texts].reverse(), [...texts.slice(31), ...texts.slice(0, 31)]]) expect(shannonEntropy(order)).toBe(h);
  });

  it("D-3 is distinct trigrams over all trigrams, not crossing texts", () => {
    expect(distinctN(["a b c a b c"], 3)).toBeCloseTo(3 / 4, 10);
    expect(distinctN(["a b c", "a b c"], 3)).toBe(0.5);
    expect(distinctN(["a b", "c d"], 3)).toBe(0);
    expect(() => distinctN(["a"], 0)).toThrow(RangeError);
  });

  it("tokenizes words case-insensitively with apostrophes", () => {
    expect(words("Don't STOP, it's 5pm!")).toEqual(["don't", "stop", "it's", "5pm"]);
  });
});

describe("datasetStats", () => {
  it("counts turns, calls, step kinds and tools", () => {
    const a = exampleDialogueRecord();
    a.verification = verifyDialogue(a);
    const b = exampleDialogueRecord();
    b.id = "b";
    b.plan = null;
    b.backend = "openai";
    b.models = { assistant: "openai:gpt-4o" };
    b.judge = { naturalness: 4, coherence: 2 };
    b.usage = { assistant: { promptTokens: 100, completionTokens: 20, cachedTokens: 0, estimated: false } };
    b.verification = verifyDialogue(b, { provenance: "flag" });
    const s = datasetStats([a, b]);
    expect(s.dialogues).toBe(2);
    expect(s.withPlan).toBe(1);
    expect(s.userTurns).toEqual({ mean: 6, min: 6, max: 6 });
    expect(s.toolCalls).toEqual({ mean: 5, min: 5, max: 5 });
    expect(s.toolCallHistogram).toEqual({ "5": 2 });
    expect(s.parallelCallTurns).toBe(2);
    expect(s.stepKinds).toEqual({ single: 1, parallel: 1, chained: 1, clarify: 1, no_tool: 0, chitchat: 1, unsupported: 0 });
    expect(s.toolUse).toEqual({ book_flight: 2, get_weather: 2, rent_car: 2, search_flights: 2, search_hotels: 2 });
    expect(s.backends).toEqual({ openai: 1, sim: 1 });
    expect(s.models.assistant).toEqual({ "openai:gpt-4o": 1, sim: 1 });
    // each dialogue: cabin and units are enum members nobody named
    expect(s.provenance).toEqual({ args: 34, ungrounded: 0, rate: 0, dialoguesMeasured: 2, converted: 0, defaulted: 4, knowledge: 0 });
    expect(s.verification).toEqual({
      passed: 2,
      checks: {
        format: { passed: 2, failed: 0, skipped: 0 },
        plan: { passed: 1, failed: 0, skipped: 1 },
        provenance: { passed: 2, failed: 0, skipped: 0 },
      },
    });
    expect(s.judge).toEqual({ rated: 1, means: { naturalness: 4, coherence: 2 } });
    expect(s.usage).toEqual({ promptTokens: 100, completionTokens: 20 });
    expect(s.diversity.H).toBeGreaterThan(5);
    expect(s.diversity.D3).toBeGreaterThan(0.4);
    expect(s.diversity.D3).toBeLessThan(0.6); // the two dialogues are identical: about half the trigrams repeat
  });
});

describe("renderDatasetCard", () => {
  const base = () => {
    const r = exampleDialogueRecord();
    r.verification = verifyDialogue(r);
    return {
      source: "runs/demo",
      stats: datasetStats([r]),
      splitCounts: { train: 1, validation: 0, test: 0 },
      splitRatios: [0.9, 0.05, 0.05] as const,
      seed: 7,
      groups: 1,
      formats: [{ name: "openai", description: "OpenAI chat", rows: { train: 1, validation: 0, test: 0 } }],
      version: "0.1.0",
    };
  };

  it("warns loudly when the data comes from the sim backend", () => {
    const card = renderDatasetCard(base());
    expect(card).toMatch(/\*\*Not real data\.\*\* 1 of 1 dialogues were made by the built-in `sim` backend/);
    const real = base();
    real.stats.backends = { openai: 1 };
    expect(renderDatasetCard(real)).not.toMatch(/Not real data/);
  });

  it("lists splits, formats, step types, diversity and rejections", () => {
    const card = renderDatasetCard({
      ...base(),
      rejections: summarizeRejections([
        { rejectedBy: [{ check: "provenance", reasons: ["ungrounded argument x/y = 1"] }] },
        { rejectedBy: [{ check: "duplicate", reasons: ["exact duplicate of a"] }] },
      ]),
    });
    expect(card).toContain("configs:\n- config_name: openai\n  data_files:\n  - split: train\n    path: openai/train.jsonl");
    expect(card).not.toContain("path: openai/test.jsonl");
    expect(card).toContain("| train | 1 |");
    expect(card).toContain("| chained | 1 | 20.0 % |");
    expect(card).toMatch(/\| user \+ assistant \| \d+\.\d{3} \| 0\.\d{4} \|/);
    expect(card).toContain("Rejected during synthesis: 2 dialogues.");
    expect(card).toContain("| provenance | 1 | 1 | ungrounded argument x/y = 1 |");
    expect(card).toContain("Argument provenance: 0 ungrounded of 17 argument values (0.0 %)");
    expect(card).toContain("2 defaulted, 0 from general knowledge.");
    expect(card).toContain("1 of 1 dialogues carry a passing verification.");
    expect(card).toContain("| plan | 1 | 0 | 0 |");
  });

  it("says when rejection counts are unknown", () => {
    expect(renderDatasetCard(base())).toContain("No rejected.jsonl was found");
  });
});
