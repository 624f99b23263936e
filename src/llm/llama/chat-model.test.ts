import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TemplateChatWrapper } from "node-llama-cpp";
import type { JsonSchema, Message } from "../../core/index.js";
import { SHARED_DATA } from "../../../test/support/cli.js";
import { writeTinyLlamaGguf } from "../../../test/support/gguf.js";
import { ModelAbortError, ModelOutputError, ModelRequestError } from "../errors.js";
import { generateObject } from "../generate.js";
import type { ChatModel, ChatTool } from "../types.js";
import { validateAgainst } from "../validate.js";
import { createLlamaModel, messagesToChatHistory } from "./chat-model.js";
import { llamaResourceStats, loadNodeLlamaCpp } from "./engine.js";
import { normalizeSchemaForGrammar } from "./grammar-schema.js";
import type { LlamaProgress } from "./spec.js";
import { TINY_MODEL_CPU, tempDirForFile } from "../../../test/support/tmp.js";

const dir = tempDirForFile("toolflow-llama-");
const CPU = TINY_MODEL_CPU;

describe("messagesToChatHistory", () => {
  it("maps system/user/assistant(tool_calls)/tool onto chat history items", () => {
    const messages: Message[] = [
      { role: "system", content: "sys" },
      { role: "user", content: "weather in Paris and Rome?" },
      {
        role: "assistant",
        content: "Let me look.",
        tool_calls: [
          { id: "c1", type: "function", function: { name: "weather", arguments: '{"city":"Paris"}' } },
          { id: "c2", type: "function", function: { name: "weather", arguments: '{"city":"Rome"}' } },
        ],
      },
      { role: "tool", tool_call_id: "c2", content: '{"temp":25}' },
      { role: "tool", tool_call_id: "c1", content: "sunny" },
      { role: "assistant", content: "Paris is sunny, Rome 25." },
      { role: "user", content: "thanks" },
    ];
    expect(messagesToChatHistory(messages)).toEqual([
      { type: "system", text: "sys" },
      { type: "user", text: "weather in Paris and Rome?" },
      {
        type: "model",
        response: [
          "Let me look.",
          { type: "functionCall", name: "weather", params: { city: "Paris" }, result: "sunny", startsNewChunk: true },
          { type: "functionCall", name: "weather", params: { city: "Rome" }, result: { temp: 25 }, startsNewChunk: false },
          "Paris is sunny, Rome 25.",
        ],
      },
      { type: "user", text: "thanks" },
    ]);
  });

  it("keeps unparsable arguments as text and rejects a tool message that answers no call", () => {
    const h = messagesToChatHistory([
      { role: "user", content: "x" },
      { role: "assistant", content: null, tool_calls: [{ id: "a", type: "function", function: { name: "f", arguments: "{broken" } }] },
    ]);
    expect(h[1]).toEqual({ type: "model", response: [{ type: "functionCall", name: "f", params: "{broken", result: null, startsNewChunk: true }] });
    expect(() => messagesToChatHistory([{ role: "user", content: "x" }, { role: "tool", tool_call_id: "zz", content: "1" }])).toThrow(
      ModelRequestError,
    );
    expect(() => messagesToChatHistory([{ role: "user", content: "x" }, { role: "tool", tool_call_id: "zz", content: "1" }])).toThrow(
      /messages\[1\]: tool message answers tool_call_id "zz"/,
    );
  });
});

// ------------------------------------------------------------------ real inference on tiny random models

const weatherTool: ChatTool = {
  name: "get_weather",
  description: "Current weather for a city",
  parameters: {
    type: "object",
    properties: { city: { type: "string", maxLength: 10 }, unit: { enum: ["celsius", "fahrenheit"] } },
    required: ["city"],
  },
};
const bookTool: ChatTool = {
  name: "book_table",
  description: "Book a table",
  parameters: {
    type: "object",
    properties: { people: { type: "integer", minimum: 1, maximum: 8 }, terrace: { type: "boolean" } },
    required: ["people", "terrace"],
    additionalProperties: false,
  },
};
const answerSchema: JsonSchema = {
  type: "object",
  properties: {
    ok: { type: "boolean" },
    color: { enum: ["red", "green", "blue"] },
    count: { type: "integer", minimum: 0, maximum: 9 },
    note: { type: "string", maxLength: 6 },
    extra: { type: "string", maxLength: 4 },
  },
  required: ["ok", "color", "count", "note"],
  additionalProperties: false,
};

describe("on a tiny random GGUF model", () => {
  let path: string;
  let model: ChatModel;
  const progress: LlamaProgress[] = [];

  beforeAll(async () => {
    path = await writeTinyLlamaGguf(join(dir(), "tiny.gguf"), { seed: 7 });
    model = await createLlamaModel(`llama:${path}`, { ...CPU, onProgress: (p) => progress.push(p) });
  });
  afterAll(async () => {
    await model?.close?.();
  });

  it("loads, reporting load progress, and names itself", () => {
    expect(model.id).toBe(`llama:${path}`);
    expect(model.backend).toBe("llama");
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.every((p) => p.phase === "load")).toBe(true);
    expect(progress.at(-1)).toEqual({ phase: "load", fraction: 1 });
  });

  it("generates text, stopping at maxTokens, with token usage", async () => {
    const r = await model.chat({ messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Hello!" }], maxTokens: 12 });
    expect(r.text.length).toBeGreaterThan(0);
    expect(r.toolCalls).toEqual([]);
    expect(r.finishReason).toBe("length");
    expect(r.usage.completionTokens).toBe(12);
    expect(r.usage.promptTokens).toBeGreaterThan(5);
    expect(r.model).toBe(`llama:${path}`);
  });

  it("is deterministic at temperature 0 and reuses the evaluated prefix (cached tokens)", async () => {
    const req = { messages: [{ role: "user" as const, content: "Say something about tools." }], maxTokens: 10 };
    const a = await model.chat(req);
    const b = await model.chat(req);
    expect(b.text).toBe(a.text);
    expect(b.usage.cachedTokens).toBeGreaterThan(0);
  });

  it("returns JSON valid for the schema through the grammar (responseFormat)", async () => {
    const r = await model.chat({ messages: [{ role: "user", content: "Answer in JSON." }], responseFormat: { name: "answer", schema: answerSchema }, maxTokens: 120 });
    expect(r.finishReason).toBe("stop");
    const parsed = JSON.parse(r.text) as Record<string, unknown>;
    expect(validateAgainst(answerSchema, parsed).ok).toBe(true);
    for (const k of ["ok", "color", "count", "note"]) expect(parsed).toHaveProperty(k);
    // "extra" is optional: either a real string or left out (never the null the grammar allowed)
    expect(parsed.extra === undefined || typeof parsed.extra === "string").toBe(true);
  });

  it("returns a forced tool call as a ToolCall whose arguments fit the tool's schema (toolChoice required)", async () => {
    const tools = [weatherTool, bookTool];
    const r = await model.chat({ messages: [{ role: "user", content: "Weather in Paris?" }], tools, toolChoice: "required", maxTokens: 120 });
    expect(r.finishReason).toBe("tool_calls");
    expect(r.toolCalls).toHaveLength(1);
    const call = r.toolCalls[0]!;
    expect(call.type).toBe("function");
    expect(call.id).toMatch(/^call_[0-9a-f]{16}$/);
    const tool = tools.find((t) => t.name === call.function.name);
    expect(tool).toBeDefined();
    expect(validateAgainst(tool!.parameters, JSON.parse(call.function.arguments)).ok).toBe(true);
  });

  it("calls the named tool when toolChoice names one", async () => {
    const r = await model.chat({
      messages: [{ role: "user", content: "A table please." }],
      tools: [weatherTool, bookTool],
      toolChoice: { name: "book_table" },
      maxTokens: 120,
    });
    expect(r.toolCalls.map((c) => c.function.name)).toEqual(["book_table"]);
    const args = JSON.parse(r.toolCalls[0]!.function.arguments) as { people: number; terrace: boolean };
    expect(args.people).toBeGreaterThanOrEqual(1);
    expect(args.people).toBeLessThanOrEqual(8);
    expect(typeof args.terrace).toBe("boolean");
  });

  it("rejects a toolChoice naming a tool that is not offered, or requiring a call without tools", async () => {
    await expect(
      model.chat({ messages: [{ role: "user", content: "x" }], tools: [weatherTool], toolChoice: { name: "nope" } }),
    ).rejects.toThrow(/toolChoice names "nope", which is not among the offered tools/);
    await expect(model.chat({ messages: [{ role: "user", content: "x" }], toolChoice: "required" })).rejects.toThrow(ModelRequestError);
  });

  it("reports a forced call cut by maxTokens as a ModelOutputError", async () => {
    const err = await model
      .chat({ messages: [{ role: "user", content: "Weather?" }], tools: [weatherTool], toolChoice: "required", maxTokens: 4 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelOutputError);
    expect((err as ModelOutputError).problems).toEqual(["the answer was cut at maxTokens"]);
  });

  it("continues a conversation that holds tool calls and their results", async () => {
    const r = await model.chat({
      messages: [
        { role: "user", content: "Weather in Paris?" },
        { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }] },
        { role: "tool", tool_call_id: "c1", content: '{"temp": 21}' },
      ],
      tools: [weatherTool],
      toolChoice: "none",
      maxTokens: 8,
    });
    expect(r.toolCalls).toEqual([]);
    expect(r.usage.completionTokens).toBe(8);
  });

  it("serves concurrent requests one after the other on the shared sequence, with the same answers", async () => {
    const reqs = ["one", "two", "three"].map((w) => ({ messages: [{ role: "user" as const, content: `Word: ${w}` }], maxTokens: 6 }));
    const sequential: string[] = [];
    for (const r of reqs) sequential.push((await model.chat(r)).text);
    const concurrent = await Promise.all(reqs.map((r) => model.chat(r)));
    expect(concurrent.map((r) => r.text)).toEqual(sequential);
  });

  it("turns an aborted request into a ModelAbortError, whether running or waiting", async () => {
    const controller = new AbortController();
    controller.abort(new Error("stop"));
    await expect(model.chat({ messages: [{ role: "user", content: "x" }], maxTokens: 5, signal: controller.signal })).rejects.toThrow(
      ModelAbortError,
    );
    const long = model.chat({ messages: [{ role: "user", content: "long" }], maxTokens: 64 });
    const c2 = new AbortController();
    const waiting = model.chat({ messages: [{ role: "user", content: "queued" }], maxTokens: 64, signal: c2.signal });
    c2.abort(new Error("stop"));
    await expect(waiting).rejects.toThrow(ModelAbortError);
    await expect(long).resolves.toMatchObject({ finishReason: "length" });
  });

  it("shares the loaded weights between models of the same file and frees them on the last close", async () => {
    const other = await writeTinyLlamaGguf(join(dir(), "shared.gguf"), { seed: 3, blockCount: 1, embeddingLength: 32 });
    const a = await createLlamaModel(`llama:${other}`, CPU);
    const b = await createLlamaModel(`llama:${other}`, CPU);
    const c = await createLlamaModel(`llama:${other}`, { ...CPU, parallel: 2 });
    expect(llamaResourceStats().models.filter((m) => m.path === other)).toEqual([{ path: other, users: 2 }]); // 2 engines
    const [ra, rc1, rc2] = await Promise.all([
      a.chat({ messages: [{ role: "user", content: "hi" }], maxTokens: 4 }),
      c.chat({ messages: [{ role: "user", content: "hi" }], maxTokens: 4 }),
      c.chat({ messages: [{ role: "user", content: "yo" }], maxTokens: 4 }),
    ]);
    expect([ra, rc1, rc2].map((r) => r.usage.completionTokens)).toEqual([4, 4, 4]);
    await a.close?.();
    await a.close?.(); // idempotent
    expect(llamaResourceStats().models.some((m) => m.path === other)).toBe(true);
    await expect(a.chat({ messages: [{ role: "user", content: "x" }] })).rejects.toThrow(/closed/);
    await b.close?.();
    await c.close?.();
    expect(llamaResourceStats().models.some((m) => m.path === other)).toBe(false);
    expect(llamaResourceStats().models.some((m) => m.path === path)).toBe(true); // the suite's model is still open
  });

  it("rejects an unknown chat wrapper name", async () => {
    await expect(createLlamaModel(`llama:${path}`, { ...CPU, chatWrapper: "nope" as "auto" })).rejects.toThrow(/unknown chat wrapper "nope"/);
  });

  it("builds node-llama-cpp grammars for every normalized BFCL multi-turn tool schema", async () => {
    const { getLlama } = await loadNodeLlamaCpp();
    const llama = await getLlama({ gpu: false, build: "never" });
    const docs = readdirSync(join(SHARED_DATA, "bfcl", "multi_turn_func_doc")).flatMap((f) =>
      readFileSync(join(SHARED_DATA, "bfcl", "multi_turn_func_doc", f), "utf8")
        .split("\n")
        .filter((l) => l.trim() !== "")
        .map((l) => JSON.parse(l) as { name: string; parameters: unknown }),
    );
    const mapType = (s: unknown): unknown =>
      JSON.parse(JSON.stringify(s).replace(/"type":"dict"/g, '"type":"object"').replace(/"type":"float"/g, '"type":"number"').replace(/"type":"tuple"/g, '"type":"array"').replace(/"type":"any",?/g, ""));
    let built = 0;
    for (const d of docs) {
      const schema = normalizeSchemaForGrammar(mapType(d.parameters) as JsonSchema);
      const create = llama.createGrammarForJsonSchema.bind(llama) as unknown as (s: JsonSchema) => Promise<unknown>;
      await expect(create(schema), d.name).resolves.toBeDefined();
      built++;
    }
    expect(built).toBe(docs.length);
    expect(built).toBeGreaterThan(100);
  });
});

describe("native function calling (toolChoice auto) on a tiny model that favours '@'", () => {
  let model: ChatModel;
  beforeAll(async () => {
    // The model's chat format calls a function as "@name(params)": a model that always prefers "@" starts a call,
    // then node-llama-cpp's own function-calling grammar constrains the name and the parameters.
    const path = await writeTinyLlamaGguf(join(dir(), "at.gguf"), { seed: 11, blockCount: 1, favoredTokens: { "@": 40 } });
    const chatWrapper = new TemplateChatWrapper({
      template: "{{systemPrompt}}\n{{history}}model: {{completion}}\nuser: ",
      historyTemplate: { system: "system: {{message}}\n", user: "user: {{message}}\n", model: "model: {{message}}\n" },
      functionCallMessageTemplate: { call: "@{{functionName}}({{functionParams}})", result: " -> {{functionCallResult}}\n" },
    });
    model = await createLlamaModel(`llama:${path}`, { ...CPU, chatWrapper });
  });
  afterAll(async () => {
    await model?.close?.();
  });

  it("returns the model's function call as a ToolCall, not executed, with optional nulls left out", async () => {
    const r = await model.chat({ messages: [{ role: "user", content: "Weather in Paris?" }], tools: [weatherTool], maxTokens: 80 });
    expect(r.finishReason).toBe("tool_calls");
    expect(r.toolCalls).toHaveLength(1);
    expect(r.toolCalls[0]!.function.name).toBe("get_weather");
    const args = JSON.parse(r.toolCalls[0]!.function.arguments) as Record<string, unknown>;
    expect(validateAgainst(weatherTool.parameters, args).ok).toBe(true);
    expect(Object.values(args)).not.toContain(null);
  });

  it("answers in text when tools are off (toolChoice none)", async () => {
    const r = await model.chat({ messages: [{ role: "user", content: "Hi" }], tools: [weatherTool], toolChoice: "none", maxTokens: 5 });
    expect(r.toolCalls).toEqual([]);
    expect(r.text).toBe("@@@@@");
  });

  it("output is checked against the ORIGINAL schema (generateObject): a pattern the grammar cannot enforce gives a ModelOutputError", async () => {
    const schema: JsonSchema = {
      type: "object",
      properties: { code: { type: "string", maxLength: 3, pattern: "^[0-9]+$" } },
      required: ["code"],
    };
    const err = await generateObject({ model, request: { messages: [{ role: "user", content: "code?" }], maxTokens: 40 }, name: "code", schema, maxAttempts: 1 }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ModelOutputError);
    expect((err as ModelOutputError).problems.join(" ")).toMatch(/\/code must match pattern/);
    expect((err as ModelOutputError).output).toContain("@@@");
  });
});
