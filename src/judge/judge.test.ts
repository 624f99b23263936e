/**
 * `toolflow judge` on hand-built dialogues whose values are worked out by hand (SS with the lexical embedder, EnR
 * and the judge with scripted answers, bootstrap bounds), resume, and the CLI's --json summary.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { DialogueRecord, Message } from "../core/index.js";
import { createEmbedder } from "../graph/index.js";
import type { ChatRequest, ChatResult, ModelMiddleware } from "../llm/index.js";
import { exampleDialogueRecord } from "../../test/support/example-dialogue.js";
import { cliInProcess } from "../../test/support/cli.js";
import { bootstrapMean, formatJudgeSummary, dialogueRounds, pairSimilarities, roundPairs, runJudge, sampleBySeed } from "./index.js";

/** A dialogue of rounds [request, answer]; the first round's answer goes through a tool call. */
function talk(rounds: Array<[string, string]>): Message[] {
  const out: Message[] = [{ role: "system", content: "You help." }];
  rounds.forEach(([q, a], k) => {
    out.push({ role: "user", content: q });
    if (k === 0) {
      out.push({ role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "search_flights", arguments: '{"origin":"Paris","destination":"Rome","date":"2025-05-01"}' } }] });
      out.push({ role: "tool", tool_call_id: "c1", name: "search_flights", content: '{"flights":[]}' });
    }
    out.push({ role: "assistant", content: a });
  });
  return out;
}

// Every word is unknown to the background collection and occurs in exactly two texts of the four dialogues, so
// every word has the same IDF and the plain cosine of two texts is |shared| / sqrt(|a| |b|):
//   A: "zorp quax" vs "zorp blint"  -> 1/2     B: "quax frob" vs "blint frob" -> 1/2
//   C: "snarf glorp" vs "snarf glorp" -> 1     D: "wibbel" vs "wubbel" (df 1 each, nothing shared) -> 0
const DIALOGUES: Array<{ id: string; messages: Message[] }> = [
  { id: "A", messages: talk([["zorp", "quax"], ["zorp blint", "ok"]]) },
  { id: "B", messages: talk([["quax", "frob"], ["blint frob", "ok"]]) },
  { id: "C", messages: talk([["snarf glorp", ""], ["snarf glorp", "ok"]]) },
  { id: "D", messages: talk([["wibbel", ""], ["wubbel", "ok"]]) },
];

function writeRun(dialogues = DIALOGUES): string {
  const dir = mkdtempSync(join(tmpdir(), "judge-"));
  const base = exampleDialogueRecord();
  const lines = dialogues.map((d, i): DialogueRecord => ({ ...base, id: d.id, index: i, seed: 100 + i, messages: d.messages, plan: null, stepOf: d.messages.map(() => null) }));
  writeFileSync(join(dir, "dialogues.jsonl"), lines.map((l) => JSON.stringify(l)).join("\n") + "\n");
  return dir;
}

const text = (json: unknown): ChatResult => ({
  text: JSON.stringify(json),
  toolCalls: [],
  finishReason: "stop",
  usage: { promptTokens: 10, completionTokens: 5, cachedTokens: 0, estimated: false },
  model: "scripted",
});

/** Answers nli and judge requests from the prompt; counts the requests. */
function scripted(seen: ChatRequest[] = []): ModelMiddleware {
  return {
    name: "scripted",
    async chat({ request }) {
      seen.push(request);
      const prompt = request.messages.at(-1)!.content ?? "";
      if (request.role === "nli") {
        // entailment unless the hypothesis is D's "wubbel": 3 of 4 pairs
        return text({ label: prompt.includes("wubbel") ? "neutral" : "entailment", rationale: "r" });
      }
      if (request.role === "judge") {
        const s = prompt.includes("zorp") ? 5 : prompt.includes("quax") ? 3 : 4; // A 5, B 3, C 4, D 4
        return text({ flaws: s < 4 ? [{ kind: "no_outcome", note: `scored ${s}` }] : [], naturalness: s, coherence: 4, helpfulness: s, accuracy: 2, rationale: `scored ${s}` });
      }
      throw new Error(`unexpected role ${request.role}`);
    },
  };
}

describe("rounds", () => {
  it("a round is a user message and the assistant's final text answer; calls and results in between do not count", () => {
    const r = dialogueRounds(DIALOGUES[0]!.messages);
    expect(r.map((x) => [x.request, x.response])).toEqual([["zorp", "quax"], ["zorp blint", "ok"]]);
    expect(roundPairs(DIALOGUES[0]!.messages)).toEqual([{ round: 1, previous: "zorp\nquax", current: "zorp blint" }]);
    expect(roundPairs(DIALOGUES[2]!.messages)[0]!.previous).toBe("snarf glorp"); // no answer: the request alone
  });
});

describe("SS with the lexical embedder", () => {
  it("gives the hand-worked cosines", async () => {
    const sims = await pairSimilarities(createEmbedder("lexical", { lexical: { smoothing: 0 } }), DIALOGUES.map((d) => roundPairs(d.messages)));
    expect(sims.map((s) => s.length)).toEqual([1, 1, 1, 1]);
    expect(sims[0]![0]).toBeCloseTo(0.5, 5);
    expect(sims[1]![0]).toBeCloseTo(0.5, 5);
    expect(sims[2]![0]).toBeCloseTo(1, 5);
    expect(sims[3]![0]).toBeCloseTo(0, 5);
  });
});

describe("bootstrap interval", () => {
  it("equal scores: mean = low = high", () => {
    expect(bootstrapMean([4, 4, 4, 4, 4], { seed: 1 })).toEqual({ mean: 4, low: 4, high: 4 });
  });
  it("two scores 2 and 4: resampled means are 2, 3, 4 (1/4, 1/2, 1/4), so the 95% interval is [2, 4]", () => {
    expect(bootstrapMean([2, 4], { seed: 7 })).toEqual({ mean: 3, low: 2, high: 4 });
  });
  it("is seeded, and lies within the values' range around the mean", () => {
    const xs = [1, 2, 3, 4, 5, 5, 4, 3, 2, 1, 5, 5];
    const a = bootstrapMean(xs, { seed: 3 })!;
    expect(bootstrapMean(xs, { seed: 3 })).toEqual(a);
    expect(a.low).toBeGreaterThanOrEqual(1);
    expect(a.high).toBeLessThanOrEqual(5);
    expect(a.low).toBeLessThan(a.mean);
    expect(a.high).toBeGreaterThan(a.mean);
    expect(bootstrapMean([])).toBeNull();
  });
});

describe("sampleBySeed", () => {
  it("is deterministic by seed, keeps file order, and takes everything when N is large", () => {
    const items = Array.from({ length: 50 }, (_, i) => ({ id: `d${i}` }));
    const a = sampleBySeed(items, 10, 1);
    expect(a).toHaveLength(10);
    expect(sampleBySeed(items, 10, 1)).toEqual(a);
    expect(sampleBySeed(items, 10, 2)).not.toEqual(a);
    expect(a.map((x) => Number(x.id.slice(1)))).toEqual([...a.map((x) => Number(x.id.slice(1)))].sort((x, y) => x - y));
    expect(sampleBySeed(items, 100, 1)).toHaveLength(50);
  });
});

describe("runJudge", () => {
  it("SS, EnR and the judge on the hand-built run, per dialogue and summed", async () => {
    const data = writeRun();
    const out = join(data, "judged");
    const seen: ChatRequest[] = [];
    const s = await runJudge({ data, out, llm: "sim", metrics: ["ss", "enr", "judge"], middleware: [scripted(seen)], seed: 3 });
    expect(s.dialogues).toBe(4);
    expect(s.ss!.pairs).toBe(4);
    expect(s.ss!.mean).toBeCloseTo((0.5 + 0.5 + 1 + 0) / 4, 5);
    expect(s.enr).toEqual({ rate: 0.75, pairs: 4, entailment: 3, neutral: 1, contradiction: 0 });
    expect(s.judge!.dialogues).toBe(4);
    expect(s.judge!.naturalness!.mean).toBe((5 + 3 + 4 + 4) / 4);
    expect(s.judge!.coherence).toEqual({ mean: 4, low: 4, high: 4 });
    expect(s.judge!.accuracy).toEqual({ mean: 2, low: 2, high: 2 });
    // the flaws the judge named (one dialogue scored 3 on naturalness) are counted by kind
    expect(s.judge!.flawed).toBe(1);
    expect(s.judge!.flaws).toEqual({ no_outcome: 1 });
    expect(formatJudgeSummary(s)).toContain("flaws named in 1 of 4 dialogues (no_outcome 1)");
    const n = s.judge!.naturalness!;
    expect(n.low).toBeGreaterThanOrEqual(3);
    expect(n.high).toBeLessThanOrEqual(5);
    expect(s.roundTrip).toBeUndefined();
    expect(s.usage).toHaveProperty("total"); // (the scripted middleware answers outside the usage counter)
    expect(seen).toHaveLength(8);
    const lines = readFileSync(join(out, "judge.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(lines.map((l) => l.id).sort()).toEqual(["A", "B", "C", "D"]);
    const a = lines.find((l) => l.id === "A");
    expect(a.judge).toEqual({ scores: { naturalness: 5, coherence: 4, helpfulness: 5, accuracy: 2 }, rationale: "scored 5", model: "scripted", flaws: [] });
    expect(lines.find((l) => l.judge.scores.naturalness === 3).judge.flaws).toEqual([{ kind: "no_outcome", note: "scored 3" }]);
    expect(a.enr.labels).toEqual(["entailment"]);
    expect(a.ss.pairs[0]).toBeCloseTo(0.5, 5);
    expect(JSON.parse(readFileSync(join(out, "summary.json"), "utf8")).enr.rate).toBe(0.75);
  });

  it("resumes: a rerun asks nothing, a lost line is asked again and only it, a torn tail is cut", async () => {
    const data = writeRun();
    const out = join(data, "judged");
    const first: ChatRequest[] = [];
    await runJudge({ data, out, llm: "sim", metrics: ["enr", "judge"], middleware: [scripted(first)] });
    expect(first).toHaveLength(8);
    // --resume where nothing is on file is an error; where results are, it is the same as a rerun
    await expect(runJudge({ data, out: join(data, "none"), llm: "sim", metrics: ["enr"], resume: true })).rejects.toThrow(/--resume: nothing to resume .*judge-run\.json/);
    const again: ChatRequest[] = [];
    const s2 = await runJudge({ data, out, llm: "sim", metrics: ["enr", "judge"], middleware: [scripted(again)], resume: true });
    expect(again).toHaveLength(0);
    expect(s2.resumed).toBe(4);
    expect(s2.enr!.rate).toBe(0.75);
    // lose the last line and leave a torn one, as a kill would
    const file = join(out, "judge.jsonl");
    const lines = readFileSync(file, "utf8").trim().split("\n");
    const lost = JSON.parse(lines.at(-1)!).id as string;
    writeFileSync(file, lines.slice(0, -1).join("\n") + '\n{"id":"' + lost + '","enr":{');
    const third: ChatRequest[] = [];
    const s3 = await runJudge({ data, out, llm: "sim", metrics: ["enr", "judge"], middleware: [scripted(third)] });
    expect(third).toHaveLength(2); // one nli pair + one judge call of the lost dialogue
    expect(s3.resumed).toBe(3);
    expect(s3.enr!.rate).toBe(0.75);
    expect(readFileSync(file, "utf8").trim().split("\n")).toHaveLength(4);
    // other settings are refused, naming them; --force starts over
    await expect(runJudge({ data, out, llm: "sim", metrics: ["judge"], middleware: [scripted()] })).rejects.toThrow(
      /other settings \(--metrics: was \["enr","judge"\], now \["judge"\]\).*--force/,
    );
    const forced: ChatRequest[] = [];
    await runJudge({ data, out, llm: "sim", metrics: ["judge"], middleware: [scripted(forced)], force: true });
    expect(forced).toHaveLength(4);
  });

  it("a deterministic sample by seed", async () => {
    const data = writeRun();
    const a = await runJudge({ data, out: join(data, "a"), llm: "sim", metrics: ["ss"], sample: 2, seed: 9 });
    const b = await runJudge({ data, out: join(data, "b"), llm: "sim", metrics: ["ss"], sample: 2, seed: 9 });
    expect(a.dialogues).toBe(2);
    expect(a.available).toBe(4);
    const ids = (dir: string) => readFileSync(join(data, dir, "judge.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l).id).sort();
    expect(ids("a")).toEqual(ids("b"));
    expect(b.ss!.pairs).toBe(2);
  });

  it("the CLI prints the --json summary with only the metrics that ran", async () => {
    const data = writeRun();
    const r = await cliInProcess(["judge", data, "-o", join(data, "out"), "--metrics", "ss", "--json"]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(Object.keys(j)).toContain("ss");
    expect(j.ss.mean).toBeCloseTo(0.5, 5);
    for (const k of ["enr", "judge", "roundTrip"]) expect(j).not.toHaveProperty(k);
    const bad = await cliInProcess(["judge", data, "-o", join(data, "out2"), "--metrics", "ss,bogus"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown metric "bogus"/);
  });
});
