import { describe, it, expect } from "vitest";
import { ToolflowError } from "../core/index.js";
import type { ChatModel, ChatRequest, ChatResult } from "../llm/index.js";
import { exampleDialogueRecord } from "../../test/support/example-dialogue.js";
import { buildJudgePrompt, judgeDialogue } from "./judge.js";

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
      { text: JSON.stringify({ naturalness: 4, coherence: 5, helpfulness: 3, accuracy: 5, rationale: "asks one question too many" }) },
      seen,
    );
    const r = await judgeDialogue(model, exampleDialogueRecord());
    expect(r.scores).toEqual({ naturalness: 4, coherence: 5, helpfulness: 3, accuracy: 5 });
    expect(r.rationale).toBe("asks one question too many");
    expect(seen[0]?.responseFormat?.name).toBe("dialogue_scores");
    expect(seen[0]?.role).toBe("judge");
    const prompt = seen[0]?.messages[0]?.content ?? "";
    expect(prompt).toContain("[assistant calls] book_flight(");
    expect(prompt).toContain('"name": "rent_car"');
    expect(prompt).not.toContain("{{");
  });

  it("the rubric names the flaws real runs show, each capping a criterion the schema asks for", () => {
    const prompt = buildJudgePrompt(exampleDialogueRecord());
    const flaws = prompt.slice(prompt.indexOf("Flaws that real generated dialogues show"), prompt.indexOf("Give a one- or two-sentence"));
    for (const f of [/empty cart/, /order or transfer of 0/, /presented as done/, /invented ids, dates, names/, /only to be cancelled/, /answering for the user/]) {
      expect(flaws).toMatch(f);
    }
    const capped = [...flaws.matchAll(/: (\w+)[;.]$/gm)].map((m) => m[1]);
    expect(capped).toHaveLength(5);
    for (const c of capped) expect(["naturalness", "coherence", "helpfulness", "accuracy"]).toContain(c);
  });

  it("reads (repaired) JSON text", async () => {
    const model = fakeModel({ text: "{naturalness: 2, coherence: 3, helpfulness: 4, accuracy: 1, rationale: 'x'}" });
    const r = await judgeDialogue(model, exampleDialogueRecord());
    expect(r.scores).toEqual({ naturalness: 2, coherence: 3, helpfulness: 4, accuracy: 1 });
  });

  it("rejects out-of-range or missing scores with a clear error", async () => {
    const seen: ChatRequest[] = [];
    const bad = fakeModel({ text: JSON.stringify({ naturalness: 6, coherence: 5, helpfulness: 3 }) }, seen);
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
