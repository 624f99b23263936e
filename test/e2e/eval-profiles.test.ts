/**
 * `eval bfcl` through the local test server behaving like real servers (test/support/openai-server.ts `profile`):
 * the same questions, answered the same way (right, a wrong value, text only), through a clean server and through
 * each profile, which mangles the answer the way that server does (calls as text, object arguments, reasoning,
 * foreign ids, refused keywords). Answers are scored as they came (no re-ask): decoding calls from text or object
 * arguments is allowed, changing values is not, so every profile must give the clean server's accuracy.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readBfclEvalItems, runBfclEval, type BfclEvalItem, type BfclResult } from "../../src/eval/index.js";
import { stringifyPyJson } from "../../src/core/index.js";
import { bfclResponder, groundTruthCalls, groundTruthPasses, uniqueByPrompt, type AnswerKind } from "../support/bfcl-eval.js";
import { SHARED_DATA } from "../support/cli.js";
import { SERVER_PROFILES, startOpenAIServer, type ServerProfile } from "../support/openai-server.js";

const CATEGORIES = ["simple_python", "multiple", "parallel", "parallel_multiple", "live_simple", "irrelevance"];
const PER_CATEGORY = 4;
const FLOATY = 8;
const KINDS: AnswerKind[] = ["right", "wrong-value", "right", "text"];

let items: BfclEvalItem[] = [];
let byPrompt = new Map<string, BfclEvalItem>();
const kindById = new Map<string, AnswerKind>();
const floatyIds = new Set<string>();
const work = mkdtempSync(join(tmpdir(), "eval-profiles-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

beforeAll(async () => {
  const all = await readBfclEvalItems([join(SHARED_DATA, "bfcl")], CATEGORIES);
  byPrompt = uniqueByPrompt(all.filter((i) => i.category === "irrelevance" || groundTruthPasses(i)));
  const usable = new Set([...byPrompt.values()].map((i) => i.id));
  const n = new Map<string, number>();
  items = all.filter((i) => {
    const k = n.get(i.category) ?? 0;
    if (!usable.has(i.id) || k >= PER_CATEGORY) return false;
    n.set(i.category, k + 1);
    kindById.set(i.id, KINDS[k % KINDS.length]!);
    return true;
  });
  // and questions whose right answer holds whole floats (2.0, [1.0, 3.0]): a decoder that re-serializes the
  // arguments with JSON.parse would turn them into ints, which BFCL's checker refuses inside lists
  const floaty = all.filter(
    (i) => usable.has(i.id) && !kindById.has(i.id) && i.category !== "irrelevance" && /\d\.0\b/.test(stringifyPyJson(groundTruthCalls(i))),
  );
  for (const i of floaty.slice(0, FLOATY)) {
    items.push(i);
    kindById.set(i.id, "right");
    floatyIds.add(i.id);
  }
});

interface Scored {
  accuracy: Record<string, number>;
  results: Map<string, BfclResult>;
  outcomes: Record<string, number>;
}

/** Prompt mode (`--tool-mode prompt`): the answer kinds as Python call text (right and wrong values), JSON, prose. */
const PROMPT_KINDS: Partial<Record<AnswerKind, AnswerKind>> = { right: "python", "wrong-value": "python-wrong-value", text: "prose" };

async function evalThrough(profile: ServerProfile | undefined, toolMode: "native" | "prompt" = "native"): Promise<Scored> {
  const server = await startOpenAIServer({
    apiKey: "sk-test",
    respond: bfclResponder(byPrompt, (i) => {
      const k = kindById.get(i.id) ?? "right";
      return toolMode === "prompt" ? (PROMPT_KINDS[k] ?? k) : k;
    }),
    ...(profile ? { profile } : {}),
    ...(toolMode === "prompt" ? { noTools: true } : {}),
  });
  const out = join(work, `${profile ?? "clean"}-${toolMode}`);
  try {
    const summary = await runBfclEval({
      llm: "openai:test-model", baseURL: server.baseURL, apiKey: "sk-test", items, outDir: out, concurrency: 4, toolMode,
      progressStream: { write: () => true } as unknown as NodeJS.WritableStream, print: null,
    });
    expect(summary.complete).toBe(true);
    const outcomes: Record<string, number> = {};
    for (const r of server.chatRequests()) outcomes[r.outcome ?? "?"] = (outcomes[r.outcome ?? "?"] ?? 0) + 1;
    const results = new Map(
      readFileSync(join(out, "results.jsonl"), "utf8").split("\n").filter((l) => l.trim() !== "")
        .map((l) => JSON.parse(l) as BfclResult).map((r) => [r.id, r] as const),
    );
    return { accuracy: Object.fromEntries(summary.categories.map((c) => [c.category, c.accuracy])), results, outcomes };
  } finally {
    await server.close();
  }
}

describe("eval bfcl through servers as they are", () => {
  let clean: Scored;
  beforeAll(async () => {
    clean = await evalThrough(undefined);
  }, 60_000);

  it("the clean server scores the answers as given", () => {
    expect(items.length).toBe(CATEGORIES.length * PER_CATEGORY + FLOATY);
    expect(Object.keys(clean.accuracy)).toEqual(CATEGORIES);
    // right answers pass, wrong values and text fail (irrelevance: passes unless a call is made)
    for (const i of items) {
      const k = kindById.get(i.id);
      const want = i.category === "irrelevance" ? k !== "wrong-value" : k === "right";
      expect([i.id, clean.results.get(i.id)?.valid]).toEqual([i.id, want]);
    }
  });

  for (const profile of SERVER_PROFILES) {
    it(`${profile}: the same accuracy per category and the same decoded calls`, async () => {
      const through = await evalThrough(profile);
      // Object arguments (llama.cpp) keep their numbers as the server wrote them: the questions whose right answer
      // holds whole floats ([1.0, 3.0]) score as on the clean server too.
      expect(through.accuracy).toEqual(clean.accuracy);
      for (const [id, r] of clean.results) {
        const p = through.results.get(id)!;
        expect([id, p.valid, p.calls]).toEqual([id, r.valid, r.calls]);
        // reasoning is never scored nor kept as the answer's text
        expect(p.text ?? "").not.toMatch(/<think>|<\/think>|<tool_call>|of my reasoning|Let me work out/);
      }
      if (profile !== "gemini-openai") expect(through.outcomes["400"] ?? 0).toBe(0);
    }, 60_000);
  }
});

describe("eval bfcl --tool-mode prompt through servers as they are", () => {
  let clean: Scored;
  beforeAll(async () => {
    clean = await evalThrough(undefined, "prompt");
  }, 60_000);

  it("the clean server scores the calls written as text", () => {
    for (const i of items) {
      const k = kindById.get(i.id);
      const want = i.category === "irrelevance" ? k !== "wrong-value" : k === "right";
      expect([i.id, clean.results.get(i.id)?.valid]).toEqual([i.id, want]);
    }
  });

  // Without tools in the request, the profiles that matter are those that change the text: reasoning in
  // <think> or its own field, no usage; the others must not change anything either.
  for (const profile of SERVER_PROFILES) {
    it(`${profile}: the same accuracy and the same decoded calls in prompt mode`, async () => {
      const through = await evalThrough(profile, "prompt");
      expect(through.accuracy).toEqual(clean.accuracy);
      for (const [id, r] of clean.results) {
        const p = through.results.get(id)!;
        expect([id, p.valid, p.calls]).toEqual([id, r.valid, r.calls]);
      }
      if (profile !== "gemini-openai") expect(through.outcomes["400"] ?? 0).toBe(0);
    }, 60_000);
  }
});
