import { describe, it, expect, afterEach } from "vitest";
import { openAIModelOnTestServer, PLAN_SCHEMA, userSays, WEATHER_TOOL } from "../../test/support/llm.js";
import { startOpenAIServer, type OpenAIServer } from "../../test/support/openai-server.js";
import { MalformedResponseError, OpenAIChatModel } from "./openai.js";
import { ToolflowError } from "../core/index.js";
import {
  ModelAuthError,
  ModelConfigError,
  ModelRequestError,
  ModelTimeoutError,
  ModelUnavailableError,
  ModelAbortError,
} from "./errors.js";
import { RequestLimiter } from "./limiter.js";
import { validateAgainst } from "./validate.js";

const KEY = "sk-test-key-0001";
const setup = openAIModelOnTestServer(KEY);
const user = userSays;
const weather = WEATHER_TOOL;
const planSchema = PLAN_SCHEMA;
let server: OpenAIServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("OpenAIChatModel: plain answers", () => {
  it("returns text, finish reason and usage from the server", async () => {
    const { model, server: s } = await setup({ script: [{ content: "Hello!", usage: { prompt_tokens: 11, completion_tokens: 2, cached_tokens: 4 } }] });
    const r = await model.chat({ messages: user("hi"), temperature: 0.2, seed: 3, maxTokens: 50 });
    expect(r).toMatchObject({ text: "Hello!", finishReason: "stop", model: "openai:test-model", toolCalls: [] });
    expect(r.usage).toEqual({ promptTokens: 11, completionTokens: 2, cachedTokens: 4, estimated: false });
    const body = s.chatRequests()[0]!.body as Record<string, unknown>;
    expect(body).toMatchObject({ model: "test-model", temperature: 0.2, seed: 3, max_tokens: 50 });
  });

  it("estimates usage with a tokenizer when the server omits it, and marks it", async () => {
    const { model } = await setup({ script: ["no-usage"] });
    const r = await model.chat({ messages: user("tell me something about the weather in Lisbon") });
    expect(r.usage.estimated).toBe(true);
    expect(r.usage.promptTokens).toBeGreaterThan(5);
    expect(r.usage.completionTokens).toBeGreaterThan(0);
  });
});

describe("OpenAIChatModel: faults", () => {
  it("survives 429, 500, a connection reset and a malformed body, then succeeds", async () => {
    const { model, server: s, logs } = await setup(
      { script: ["429", "500", "reset", "malformed", { content: "finally" }] },
      { retry: { maxRetries: 4, baseDelayMs: 5, maxDelayMs: 20 } },
    );
    const r = await model.chat({ messages: user("q") });
    expect(r.text).toBe("finally");
    expect(s.chatRequests().map((x) => x.outcome)).toEqual(["429", "500", "reset", "malformed", "answer"]);
    expect(logs.filter((l) => l.includes("retrying"))).toHaveLength(4);
  });

  it("honours retry-after-ms", async () => {
    const { model, server: s } = await setup({ script: [{ fault: "429", retryAfterMs: 300 }, { content: "ok" }] });
    await model.chat({ messages: user("q") });
    const [a, b] = s.chatRequests();
    expect(b!.at - a!.at).toBeGreaterThanOrEqual(295);
  });

  it("honours Retry-After in seconds (fractional)", async () => {
    const { model, server: s } = await setup({ script: [{ fault: "429", retryAfter: 0.4 }, "503", { content: "ok" }] });
    await model.chat({ messages: user("q") });
    const [a, b, c] = s.chatRequests();
    expect(b!.at - a!.at).toBeGreaterThanOrEqual(395);
    // the 503 had no Retry-After: exponential backoff (5-20 ms here), far below the 429's wait
    expect(c!.at - b!.at).toBeLessThan(300);
  });

  it("caps a huge Retry-After", async () => {
    const { model, server: s } = await setup(
      { script: [{ fault: "429", retryAfter: 3600 }, { content: "ok" }] },
      { retry: { maxRetries: 2, baseDelayMs: 5, maxDelayMs: 20, maxRetryAfterMs: 100 } },
    );
    await model.chat({ messages: user("q") });
    const [a, b] = s.chatRequests();
    expect(b!.at - a!.at).toBeGreaterThanOrEqual(95);
    expect(b!.at - a!.at).toBeLessThan(2000);
  });

  it("401 fails at once with the server's message, no retry, no key", async () => {
    server = await startOpenAIServer({ apiKey: KEY });
    const wrong = "sk-wrong-PLANTED-987654";
    const model = new OpenAIChatModel("m", { baseURL: server.baseURL, apiKey: wrong, retry: { baseDelayMs: 1 } });
    const err = await model.chat({ messages: user("q") }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelAuthError);
    const e = err as ModelAuthError;
    expect(e.message).toContain("Incorrect API key provided");
    expect(e.message).toContain("openai:m");
    expect(e.message).not.toContain(wrong);
    expect(String((e.cause as Error).message)).not.toContain(wrong);
    expect(e.status).toBe(401);
    expect(e.exitCode).toBe(1);
    expect(server.count()).toBe(1);
  });

  it("400 and 404 are not retried and carry the server's message", async () => {
    const { model, server: s } = await setup({
      script: [
        { fault: "http", status: 400, message: "context_length_exceeded: too long" },
        { fault: "http", status: 404, message: "The model `nope` does not exist" },
      ],
    });
    const e1 = await model.chat({ messages: user("q") }).catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(ModelRequestError);
    expect((e1 as Error).message).toContain("context_length_exceeded");
    const e2 = await model.chat({ messages: user("q") }).catch((e: unknown) => e);
    expect(e2).toBeInstanceOf(ModelRequestError);
    expect((e2 as Error).message).toContain("does not exist");
    expect(s.count()).toBe(2);
  });

  it("a server that hangs: each attempt times out, retries, then ModelTimeoutError", async () => {
    const { model, server: s } = await setup(
      { script: ["hang", "hang", "hang"] },
      { timeoutMs: 150, retry: { maxRetries: 2, baseDelayMs: 5, maxDelayMs: 10 } },
    );
    const err = await model.chat({ messages: user("q") }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelTimeoutError);
    expect((err as ModelTimeoutError).attempts).toBe(3);
    expect(s.chatRequests()).toHaveLength(3);
  });

  it("a hang once, then an answer: the retry succeeds", async () => {
    const { model } = await setup({ script: ["hang", { content: "late but fine" }] }, { timeoutMs: 150 });
    expect((await model.chat({ messages: user("q") })).text).toBe("late but fine");
  });

  it("gives up on persistent 5xx with ModelUnavailableError after maxRetries", async () => {
    const { model, server: s } = await setup({ script: ["500", "502", "503", "500"] });
    const err = await model.chat({ messages: user("q") }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelUnavailableError);
    expect((err as Error).message).toContain("after 4 attempts");
    expect(s.count()).toBe(4);
  });

  it("aborts when the caller's signal fires, without retrying", async () => {
    const { model, server: s } = await setup({ script: ["hang"] }, { timeoutMs: 5000 });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    const err = await model.chat({ messages: user("q"), signal: ac.signal }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelAbortError);
    expect(s.count()).toBe(1);
  });
});

describe("OpenAIChatModel with the runtime's global fetch", () => {
  it("maps the same faults the same way", async () => {
    const { model, server: s } = await setup(
      { script: ["429", "reset", "hang", "malformed", { content: "ok" }, { fault: "http", status: 401, message: "bad key" }] },
      { http: "global", timeoutMs: 150, retry: { maxRetries: 4, baseDelayMs: 1, maxDelayMs: 5 } },
    );
    expect((await model.chat({ messages: user("q") })).text).toBe("ok");
    expect(s.count()).toBe(5);
    await expect(model.chat({ messages: user("q") })).rejects.toBeInstanceOf(ModelAuthError);
  });
});

describe("OpenAIChatModel: the node:http fetch (default) vs the runtime's fetch", () => {
  it("sends the same authorized request either way (also with a trailing slash in the base URL)", async () => {
    const { model: viaNode, server: s } = await setup({});
    const viaGlobal = new OpenAIChatModel("test-model", { baseURL: `${s.baseURL}/`, apiKey: KEY, http: "global" });
    const viaNodeSlash = new OpenAIChatModel("test-model", { baseURL: `${s.baseURL}/`, apiKey: KEY, http: "node" });
    const req = { messages: user("weather in Oslo"), tools: [weather], toolChoice: "required" as const, temperature: 0, maxTokens: 40 };
    const answers = [await viaNode.chat(req), await viaGlobal.chat(req), await viaNodeSlash.chat(req)];
    expect(answers.map((a) => a.toolCalls[0]?.function.name)).toEqual(["get_weather", "get_weather", "get_weather"]);
    const [a, b, c] = s.chatRequests();
    expect([a?.authorized, b?.authorized, c?.authorized]).toEqual([true, true, true]);
    expect(b?.body).toEqual(a?.body);
    expect(c?.body).toEqual(a?.body);
  });

  it("TOOLFLOW_OPENAI_HTTP picks the fetch; an unknown value (the removed \"direct\" too) is a config error", async () => {
    const before = process.env.TOOLFLOW_OPENAI_HTTP;
    try {
      process.env.TOOLFLOW_OPENAI_HTTP = "global";
      const { model } = await setup({});
      expect((await model.chat({ messages: user("hello") })).text.length).toBeGreaterThan(0);
      process.env.TOOLFLOW_OPENAI_HTTP = "direct";
      expect(() => new OpenAIChatModel("m", { baseURL: "http://127.0.0.1:9/v1", apiKey: KEY })).toThrow(ModelConfigError);
      expect(() => new OpenAIChatModel("m", { baseURL: "http://127.0.0.1:9/v1", apiKey: KEY })).toThrow(
        /TOOLFLOW_OPENAI_HTTP must be node or global, got "direct"/,
      );
    } finally {
      if (before === undefined) delete process.env.TOOLFLOW_OPENAI_HTTP;
      else process.env.TOOLFLOW_OPENAI_HTTP = before;
    }
  });
});

describe("OpenAIChatModel: structured output", () => {
  it("sends json_schema natively and validates the answer", async () => {
    const { model, server: s } = await setup({});
    const r = await model.chat({ messages: user("plan"), responseFormat: { name: "plan", schema: planSchema } });
    expect(validateAgainst(planSchema, JSON.parse(r.text)).ok).toBe(true);
    const body = s.chatRequests()[0]!.body as { response_format: { type: string; json_schema: { name: string } } };
    expect(body.response_format.type).toBe("json_schema");
    expect(body.response_format.json_schema.name).toBe("plan");
  });

  it("returns the model's text as it was said; nothing is validated or re-asked here", async () => {
    const { model, server: s } = await setup({ script: [{ json: { steps: [{ id: 0, intent: "x" }] } }] });
    const r = await model.chat({ messages: user("plan"), responseFormat: { name: "plan", schema: planSchema } });
    expect(JSON.parse(r.text)).toEqual({ steps: [{ id: 0, intent: "x" }] });
    expect(s.count()).toBe(1);
  });

  it("steps down to json_object (with prompted instructions) when the server rejects json_schema (detected from the 400)", async () => {
    const { model, server: s, logs } = await setup({
      noJsonSchema: true,
      respond: () => ({ content: '{"steps":[{"id":2,"intent":"check the weather"}]}' }),
    });
    const r = await model.chat({
      messages: [
        { role: "system", content: "You plan." },
        { role: "user", content: "plan" },
      ],
      responseFormat: { name: "plan", schema: planSchema },
    });
    expect(JSON.parse(r.text)).toEqual({ steps: [{ id: 2, intent: "check the weather" }] });
    const reqs = s.chatRequests();
    expect(reqs.map((x) => x.outcome)).toEqual(["400", "answer"]);
    const body = reqs[1]!.body as { response_format?: unknown; messages: Array<{ role: string; content: string }> };
    expect(body.response_format).toEqual({ type: "json_object" });
    expect(body.messages[0]!.content).toContain("You plan.");
    expect(body.messages[0]!.content).toContain('"steps"');
    expect(logs.some((l) => l.includes("json_object"))).toBe(true);
    // remembered: the next request goes straight to prompted JSON
    await model.chat({ messages: user("again"), responseFormat: { name: "plan", schema: planSchema } });
    expect(s.count()).toBe(3);
  });
});

describe("OpenAIChatModel: tool calls", () => {
  it("sends native tools and returns validated calls", async () => {
    const { model, server: s } = await setup({});
    const r = await model.chat({ messages: user("weather?"), tools: [weather], toolChoice: { name: "get_weather" } });
    expect(r.finishReason).toBe("tool_calls");
    expect(r.toolCalls).toHaveLength(1);
    expect(r.toolCalls[0]!.function.name).toBe("get_weather");
    expect(validateAgainst(weather.parameters, JSON.parse(r.toolCalls[0]!.function.arguments)).ok).toBe(true);
    const body = s.chatRequests()[0]!.body as { tool_choice: unknown; tools: unknown[] };
    expect(body.tool_choice).toEqual({ type: "function", function: { name: "get_weather" } });
    expect(body.tools).toHaveLength(1);
  });

  it("returns invented tools and broken arguments as they came (the caller's check decides)", async () => {
    const { model, server: s } = await setup({ script: ["invented-tool", { toolCalls: [{ name: "get_weather", arguments: '{"city": "Lis' }] }] });
    const a = await model.chat({ messages: user("weather?"), tools: [weather], toolChoice: "required" });
    expect(a.toolCalls[0]!.function.name).toBe("tool_that_does_not_exist");
    const b = await model.chat({ messages: user("weather?"), tools: [weather], toolChoice: "auto" });
    // almost JSON (no closing brace): repaired
    expect(b.toolCalls[0]!.function.arguments).toBe('{"city": "Lis"}');
    expect(s.count()).toBe(2);
  });

  it("falls back to prompted tool calls when the server has no native tools, mapping history", async () => {
    const { model, server: s } = await setup({
      noTools: true,
      respond: () => ({ content: '{"tool_calls":[{"name":"get_weather","arguments":{"city":"Porto"}}]}' }),
    });
    const r = await model.chat({
      messages: [
        { role: "user", content: "weather in Lisbon, then Porto" },
        { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "get_weather", arguments: '{"city":"Lisbon"}' } }] },
        { role: "tool", tool_call_id: "c1", name: "get_weather", content: '{"temp": 21}' },
      ],
      tools: [weather],
      toolChoice: "required",
    });
    expect(r.toolCalls).toHaveLength(1);
    expect(JSON.parse(r.toolCalls[0]!.function.arguments)).toEqual({ city: "Porto" });
    expect(r.finishReason).toBe("tool_calls");
    const body = s.chatRequests()[1]!.body as { tools?: unknown; messages: Array<{ role: string; content: string }> };
    expect(body.tools).toBeUndefined();
    expect(body.messages.map((m) => m.role)).toEqual(["system", "user", "assistant", "user"]);
    expect(body.messages[0]!.content).toContain("get_weather");
    expect(body.messages[3]!.content).toContain('{"temp": 21}');
  });

  it("prompted mode: a plain-text reply is text when no call is required", async () => {
    const { model } = await setup({ script: [{ content: "It is sunny, no need to look it up." }] }, { nativeTools: false });
    const r = await model.chat({ messages: user("hi"), tools: [weather] });
    expect(r.toolCalls).toEqual([]);
    expect(r.text).toContain("sunny");
  });
});

describe("shared limiter", () => {
  it("caps requests in flight across models", async () => {
    let inFlight = 0;
    let peak = 0;
    server = await startOpenAIServer({
      apiKey: KEY,
      latencyMs: (r) => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        setTimeout(() => inFlight--, 40);
        return r.index >= 0 ? 40 : 0;
      },
    });
    const limiter = new RequestLimiter({ concurrency: 3 });
    const a = new OpenAIChatModel("a", { baseURL: server.baseURL, apiKey: KEY, limiter });
    const b = new OpenAIChatModel("b", { baseURL: server.baseURL, apiKey: KEY, limiter });
    await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b).chat({ messages: user(`q${i}`) })));
    expect(server.count()).toBe(12);
    expect(peak).toBeLessThanOrEqual(3);
    expect(peak).toBeGreaterThanOrEqual(2);
    expect(limiter.started).toBe(12);
  });
});

describe("MalformedResponseError (internal)", () => {
  it("is a ToolflowError with a stable, non-empty code", () => {
    const e = new MalformedResponseError("message");
    expect(e).toBeInstanceOf(ToolflowError);
    expect(typeof e.code === "string" && e.code.length > 0).toBe(true);
    expect(new MalformedResponseError("other").code).toBe(e.code);
  });
});
