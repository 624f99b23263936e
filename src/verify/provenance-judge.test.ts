import { describe, it, expect, afterEach } from "vitest";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ToolflowError, type Message, type ToolSpec } from "../core/index.js";
import { SqliteResponseCache, UsageCounter, usageMiddleware, type ChatModel, type ChatRequest } from "../llm/index.js";
import { createChatModel } from "../models/index.js";
import { startOpenAIServer, type OpenAIServer } from "../../test/support/openai-server.js";
import { judgeProvenance, parseProvenanceOption, withProvenanceCheck } from "./provenance-judge.js";
import { verifyDialogue } from "./verify.js";
import type { VerifiableDialogue } from "./types.js";

const source = { file: "test", pointer: "", format: "toolspec" } as const;
const flights: ToolSpec = {
  name: "search_flights",
  description: "Search flights",
  parameters: {
    type: "object",
    properties: { origin: { type: "string", description: "IATA code or city" }, destination: { type: "string" } },
    required: ["origin", "destination"],
  },
  source,
};

function dialogue(args: Record<string, unknown>, said = "Flights from Berlin Tegel to Lisbon, please."): VerifiableDialogue {
  const messages: Message[] = [
    { role: "user", content: said },
    { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "search_flights", arguments: JSON.stringify(args) } }] },
    { role: "tool", tool_call_id: "c1", name: "search_flights", content: '{"flights": []}' },
    { role: "assistant", content: "None found." },
  ];
  return { tools: [flights], plan: null, messages, stepOf: messages.map(() => null) };
}

/** A ChatModel answering from a script, one answer a request. */
function scripted(answers: unknown[], seen: ChatRequest[]): ChatModel {
  return {
    id: "scripted",
    backend: "scripted",
    async chat(req) {
      seen.push(req);
      const a = answers.shift();
      return {
        text: typeof a === "string" ? a : JSON.stringify(a),
        toolCalls: [],
        finishReason: "stop",
        usage: { promptTokens: 100, completionTokens: 20, cachedTokens: 0, estimated: false },
        model: "scripted",
      };
    },
  };
}

describe("parseProvenanceOption", () => {
  it("reads the modes and judge:<spec>, and names the option otherwise", () => {
    expect(parseProvenanceOption("flag")).toEqual({ mode: "flag" });
    expect(parseProvenanceOption("judge:openai:gpt-4o-mini")).toEqual({ mode: "reject", judge: "openai:gpt-4o-mini" });
    expect(() => parseProvenanceOption("judge:")).toThrow(/--provenance must be reject, flag, off or judge:<model spec> \(got "judge:"\)/);
    expect(() => parseProvenanceOption("maybe")).toThrow(/got "maybe"/);
  });
});

describe("judgeProvenance", () => {
  it("asks once per dialogue about every leaf the rules leave ungrounded; supported ones are entailed", async () => {
    const seen: ChatRequest[] = [];
    // TXL (closed, not in the airport data) is what the user meant; Porto was never said
    const d = dialogue({ origin: "TXL", destination: "Porto" });
    expect(verifyDialogue(d).passed).toBe(false);
    const model = scripted(
      [{ verdicts: [{ id: 1, supported: true, reason: "TXL is Berlin Tegel" }, { id: 2, supported: false, reason: "the user asked for Lisbon" }] }],
      seen,
    );
    const r = await judgeProvenance(model, d);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.role).toBe("provenance");
    expect(seen[0]?.responseFormat?.name).toBe("provenance_verdicts");
    const prompt = seen[0]?.messages[0]?.content ?? "";
    expect(prompt).toContain('1. In the call to search_flights (message 1): does the conversation support origin = "TXL"?');
    expect(prompt).toContain('2. In the call to search_flights (message 1): does the conversation support destination = "Porto"?');
    expect(prompt).toContain("#0 [user] Flights from Berlin Tegel to Lisbon");
    expect(prompt).not.toContain("{{");
    expect(r.check.passed).toBe(false);
    expect(r.check.metrics).toMatchObject({ args: 2, ungrounded: 1, judged: 2, entailed: 1 });
    expect(r.check.reasons).toEqual(['ungrounded argument search_flights/destination = "Porto" (call c1): judge: the user asked for Lisbon']);
    expect(r.judgements.map((j) => [j.path, j.supported])).toEqual([["/origin", true], ["/destination", false]]);

    const all = withProvenanceCheck(verifyDialogue(d), r.check);
    expect(all.passed).toBe(false);
    const ok = await judgeProvenance(scripted([{ verdicts: [{ id: 1, supported: true, reason: "" }] }], []), dialogue({ origin: "TXL", destination: "LIS" }));
    expect(ok.check).toMatchObject({ passed: true, metrics: { judged: 1, entailed: 1, converted: 1 } });
    expect(withProvenanceCheck(verifyDialogue(dialogue({ origin: "TXL", destination: "LIS" })), ok.check).passed).toBe(true);
  });

  it("asks nothing when the rules settle every leaf", async () => {
    const seen: ChatRequest[] = [];
    const r = await judgeProvenance(scripted([], seen), dialogue({ origin: "BER", destination: "LIS" }));
    expect(seen).toHaveLength(0);
    expect(r.check).toMatchObject({ passed: true, metrics: { judged: 0, entailed: 0, converted: 2 } });
  });

  it("re-asks when a question is left unanswered, then fails with a named error", async () => {
    const seen: ChatRequest[] = [];
    const model = scripted([{ verdicts: [{ id: 1, supported: true, reason: "" }] }, { verdicts: [{ id: 3, supported: true, reason: "" }] }], seen);
    const err = await judgeProvenance(model, dialogue({ origin: "TXL", destination: "Porto" })).catch((e: unknown) => e);
    expect(seen).toHaveLength(2);
    expect(seen[1]?.messages.at(-1)?.content).toMatch(/no verdict for question 2/);
    expect(err).toBeInstanceOf(ToolflowError);
    expect((err as ToolflowError).code).toBe("PROVENANCE_JUDGE_OUTPUT_INVALID");
    expect((err as Error).message).toMatch(/there is no question 3/);
  });
});

describe("judgeProvenance over the local OpenAI-compatible server", () => {
  let server: OpenAIServer | undefined;
  const dirs: string[] = [];
  afterEach(async () => {
    await server?.close();
    server = undefined;
    for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
  });

  it("records usage under role provenance, and a repeated dialogue is answered from the response cache", async () => {
    server = await startOpenAIServer({
      apiKey: "sk-prov",
      script: [{ json: { verdicts: [{ id: 1, supported: true, reason: "Tegel" }, { id: 2, supported: false, reason: "not said" }] } }],
    });
    const dir = await mkdtemp(join(tmpdir(), "toolflow-prov-"));
    dirs.push(dir);
    const run = async () => {
      const cache = new SqliteResponseCache(join(dir, "responses.sqlite"));
      const meter = new UsageCounter();
      const model = await createChatModel("openai:judge-model", { baseURL: server!.baseURL, apiKey: "sk-prov", cache, middleware: [usageMiddleware(meter)] });
      const r = await judgeProvenance(model, dialogue({ origin: "TXL", destination: "Porto" }));
      cache.close();
      return { r, usage: meter.summary() };
    };
    const first = await run();
    expect(first.r.check.metrics).toMatchObject({ judged: 2, entailed: 1, ungrounded: 1 });
    expect(Object.keys(first.usage.byRole)).toEqual(["provenance"]);
    expect(first.usage.byRole.provenance?.requests).toBe(1);
    const body = JSON.stringify(server.requests[0]?.body ?? "");
    expect(body).toContain("provenance_verdicts");
    const second = await run();
    expect(server.count()).toBe(1);
    expect(second.r.check.metrics).toMatchObject({ judged: 2, entailed: 1 });
    expect(second.usage.total.cachedResponses).toBe(1);
  });
});
