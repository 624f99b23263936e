import { describe, it, expect } from "vitest";
import type { Message } from "../core/index.js";
import { Deduper, candidateProbability, duplicateCheckResult, estimateJaccard, optimalBands, shingles } from "./dedup.js";

function dialogue(...userTurns: string[]): { messages: Message[] } {
  const messages: Message[] = [];
  for (const u of userTurns) {
    messages.push({ role: "user", content: u });
    messages.push({ role: "assistant", content: "Sure, here you go." });
  }
  return { messages };
}

const LONG = [
  "I am planning a week-long trip to Lisbon in early May with my sister and we would love some help with the bookings",
  "Could you look for direct flights leaving from Boston on the third of May and coming back on the tenth",
  "We would also like a quiet hotel close to the old town with breakfast included and a budget around one hundred fifty dollars",
  "Finally tell us what the weather is usually like during that week so we know what clothes to pack for the trip",
];

describe("Deduper", () => {
  it("finds an exact duplicate regardless of case, punctuation and assistant turns", () => {
    const dd = new Deduper();
    dd.add("a", dialogue("Find flights to Paris!", "Thanks."));
    const copy = dialogue("find flights to paris", "thanks");
    copy.messages[1] = { role: "assistant", content: "Completely different reply" };
    expect(dd.check(copy)).toEqual({ duplicate: true, of: "a", kind: "exact", similarity: 1 });
  });

  it("finds a near duplicate that differs in one word", () => {
    const dd = new Deduper({ threshold: 0.8 });
    dd.add("a", dialogue(...LONG));
    const edited = LONG.slice();
    edited[3] = edited[3]!.replace("clothes", "shoes");
    const r = dd.check(dialogue(...edited));
    expect(r.duplicate).toBe(true);
    if (r.duplicate) {
      expect(r.kind).toBe("near");
      expect(r.of).toBe("a");
      expect(r.similarity).toBeGreaterThanOrEqual(0.8);
      expect(r.similarity).toBeLessThan(1);
    }
  });

  it("does not flag a dialogue that shares only some turns", () => {
    const dd = new Deduper({ threshold: 0.8 });
    dd.add("a", dialogue(...LONG));
    const r = dd.check(
      dialogue(
        LONG[0]!,
        "Actually, what are the best seafood restaurants in Alfama that take reservations for a group of six on a Saturday night",
        "And how do we get from the airport to the city centre by metro with two large suitcases and a stroller",
      ),
    );
    expect(r).toEqual({ duplicate: false });
  });

  it("a lower threshold catches looser paraphrases the default does not", () => {
    const a = dialogue(...LONG);
    const b = dialogue(...LONG.slice(0, 3), "What is the weather like there in May?");
    const strict = new Deduper({ threshold: 0.9 });
    strict.add("a", a);
    expect(strict.check(b).duplicate).toBe(false);
    const loose = new Deduper({ threshold: 0.5 });
    loose.add("a", a);
    expect(loose.check(b).duplicate).toBe(true);
  });

  it("estimates Jaccard similarity close to the true value", () => {
    const dd = new Deduper({ numPerm: 256, bands: 32 });
    const A = dialogue(...LONG);
    const B = dialogue(...LONG.slice(0, 2));
    const sa = shingles(LONG.map((t) => t.toLowerCase().replace(/[^a-z0-9]+/g, " ").trim()), 3);
    const sb = shingles(LONG.slice(0, 2).map((t) => t.toLowerCase().replace(/[^a-z0-9]+/g, " ").trim()), 3);
    let inter = 0;
    for (const x of sa) if (sb.has(x)) inter++;
    const truth = inter / (sa.size + sb.size - inter);
    const est = estimateJaccard(dd.signature(A)!, dd.signature(B)!);
    expect(Math.abs(est - truth)).toBeLessThan(0.1);
  });

  it("checkAndAdd keeps the first and reports the second", () => {
    const dd = new Deduper();
    expect(dd.checkAndAdd("a", dialogue("hello there"))).toEqual({ duplicate: false });
    expect(dd.checkAndAdd("b", dialogue("Hello there."))).toMatchObject({ duplicate: true, of: "a" });
    expect(dd.size).toBe(1);
  });

  it("chooses LSH bands that catch pairs above the threshold and few below", () => {
    const [b, r] = optimalBands(0.8, 128);
    expect(b * r).toBeLessThanOrEqual(128);
    expect(candidateProbability(0.9, b, r)).toBeGreaterThan(0.99);
    expect(candidateProbability(0.5, b, r)).toBeLessThan(0.05);
    const dd = new Deduper({ threshold: 0.8 });
    expect([dd.bands, dd.rows]).toEqual([b, r]);
  });

  it("rejects bad options", () => {
    expect(() => new Deduper({ numPerm: 100, bands: 16 })).toThrow(/must divide/);
    expect(() => new Deduper({ threshold: 0 })).toThrow(/threshold/);
  });

  it("renders a CheckResult", () => {
    expect(duplicateCheckResult({ duplicate: false }).passed).toBe(true);
    const r = duplicateCheckResult({ duplicate: true, of: "x", kind: "near", similarity: 0.875 }, 0.8);
    expect(r).toMatchObject({ name: "duplicate", passed: false, reasons: ["near duplicate of x (estimated Jaccard 0.875 >= 0.8)"] });
  });
});
