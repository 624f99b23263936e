import { describe, it, expect } from "vitest";
import { ToolflowError } from "../core/index.js";
import type { ChatModel, ChatRequest, ChatResult } from "../llm/index.js";
import { exampleDialogueRecord } from "../../test/support/example-dialogue.js";
import { buildJudgePrompt, judgeDialogue, JUDGE_FLAW_KINDS, JUDGE_SCHEMA } from "./judge.js";

function fakeModel(answer: Partial<ChatResult>, seen: ChatRequest[] = []): ChatModel {
  return {
    id: "fake",
    backend: "fake",
    async chat(req) {
      seen.push(req);
      return {
        text: "",
        toolCalls: [],
        finishReason: "stop",
        usage: { promptTokens: 10, completionTokens: 5, cachedTokens: 0, estimated: false },
        model: "fake",
        ...answer,
      };
    },
  };
}

describe("judgeDialogue", () => {
  it("asks for the score schema and returns validated scores", async () => {
    const seen: ChatRequest[] = [];
    const model = fakeModel(
      {
        text: JSON.stringify({
          flaws: [{ kind: "decided_for_user", note: "books the car without asking which one" }],
          naturalness: 4,
          coherence: 5,
          helpfulness: 3,
          accuracy: 5,
          rationale: "asks one question too many",
        }),
      },
      seen,
    );
    const r = await judgeDialogue(model, exampleDialogueRecord());
    expect(r.scores).toEqual({ naturalness: 4, coherence: 5, helpfulness: 3, accuracy: 5 });
    expect(r.flaws).toEqual([{ kind: "decided_for_user", note: "books the car without asking which one" }]);
    expect(r.rationale).toBe("asks one question too many");
    expect(seen[0]?.responseFormat?.name).toBe("dialogue_scores");
    expect(seen[0]?.role).toBe("judge");
    const prompt = seen[0]?.messages[0]?.content ?? "";
    expect(prompt).toContain("[assistant calls] book_flight(");
    expect(prompt).toContain('"name": "rent_car"');
    // the judge sees what each result's fields mean (a tool's returns schema), to tell a misreported result
    const d = exampleDialogueRecord();
    const priced = { ...d, tools: d.tools.map((t, i) => (i === 0 ? { ...t, returns: { type: "object", properties: { price: { type: "number", description: "in EUR" } } } } : t)) };
    expect(buildJudgePrompt(priced)).toContain('"description": "in EUR"');
    expect(prompt).not.toContain("{{");
  });

  it("the rubric defines every flaw kind the schema allows, each capping a criterion the schema asks for", () => {
    const prompt = buildJudgePrompt(exampleDialogueRecord());
    const section = prompt.slice(prompt.indexOf("Before scoring, look for the flaws"), prompt.indexOf("Give a one- or two-sentence"));
    const defined = [...section.matchAll(/^- (\w+): /gm)].map((m) => m[1]);
    expect(defined).toEqual([...JUDGE_FLAW_KINDS]);
    const items = (JUDGE_SCHEMA.properties as Record<string, { items: { properties: { kind: { enum: string[] } } } }>).flaws!.items;
    expect(items.properties.kind.enum).toEqual([...JUDGE_FLAW_KINDS]);
    // each kind caps one criterion, named in the closing sentence
    const caps = section.slice(section.indexOf("Each flaw found also caps")).replace(/\s+/g, " ");
    for (const k of JUDGE_FLAW_KINDS) expect(caps).toContain(k);
    for (const [, c] of caps.matchAll(/cap (\w+)/g)) expect(["naturalness", "coherence", "helpfulness", "accuracy"]).toContain(c);
    // the flaws the real runs showed are named
    for (const f of [/empty cart/, /amount of 0/, /before, or without, the call/, /cancelled or deleted in the same dialogue/, /even when the assistant explains/, /which option to buy or book/]) {
      expect(section).toMatch(f);
    }
  });

  it("refuses a flaw of a kind the rubric does not define (asked again, then given up)", async () => {
    const seen: ChatRequest[] = [];
    const odd = { flaws: [{ kind: "rude", note: "x" }], naturalness: 3, coherence: 3, helpfulness: 3, accuracy: 3, rationale: "" };
    const err = await judgeDialogue(fakeModel({ text: JSON.stringify(odd) }, seen), exampleDialogueRecord()).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/flaws/);
    expect(seen).toHaveLength(2);
  });

  it("reads (repaired) JSON text", async () => {
    const model = fakeModel({ text: "{flaws: [], naturalness: 2, coherence: 3, helpfulness: 4, accuracy: 1, rationale: 'x'}" });
    const r = await judgeDialogue(model, exampleDialogueRecord());
    expect(r.scores).toEqual({ naturalness: 2, coherence: 3, helpfulness: 4, accuracy: 1 });
  });

  it("rejects out-of-range or missing scores with a clear error", async () => {
    const seen: ChatRequest[] = [];
    const bad = fakeModel({ text: JSON.stringify({ flaws: [], naturalness: 6, coherence: 5, helpfulness: 3 }) }, seen);
    const err = await judgeDialogue(bad, exampleDialogueRecord()).catch((e: unknown) => e);
    expect(seen).toHaveLength(2); // asked again once with what was wrong, then given up
    expect(seen[1]!.messages.at(-1)!.content).toMatch(/naturalness/);
    expect(err).toBeInstanceOf(ToolflowError);
    expect((err as ToolflowError).code).toBe("JUDGE_OUTPUT_INVALID");
    expect((err as Error).message).toMatch(/naturalness/);
    expect((err as Error).message).toMatch(/accuracy/);
  });

  it("uses a custom template", () => {
    const p = buildJudgePrompt(exampleDialogueRecord(), "T={{tools}}|D={{dialogue}}");
    expect(p.startsWith("T=[")).toBe(true);
    expect(p).toContain("|D=[system] You are a helpful travel assistant.");
  });
});
