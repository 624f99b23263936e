import { describe, it, expect, afterEach } from "vitest";
import OpenAI from "openai";
import { Ajv } from "ajv";
import { startOpenAIServer, hashEmbedding, type OpenAIServer } from "./openai-server.js";

let server: OpenAIServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function client(s: OpenAIServer, apiKey = "sk-test", timeout = 5000) {
  return new OpenAI({ baseURL: s.baseURL, apiKey, maxRetries: 0, timeout });
}

const weatherTool = {
  type: "function" as const,
  function: {
    name: "get_weather",
    description: "Weather for a city",
    parameters: {
      type: "object",
      properties: { city: { type: "string", minLength: 2 }, days: { type: "integer", minimum: 1, maximum: 7 } },
      required: ["city", "days"],
      additionalProperties: false,
    },
  },
};

describe("startOpenAIServer", () => {
  it("answers text by echo, lists models and records requests", async () => {
    server = await startOpenAIServer({ apiKey: "sk-test", models: ["m1", "m2"] });
    const c = client(server);
    const r = await c.chat.completions.create({ model: "m1", messages: [{ role: "user", content: "ping" }] });
    expect(r.choices[0]?.message.content).toBe("You said: ping");
    expect(r.usage?.prompt_tokens).toBeGreaterThan(0);
    const models = await c.models.list();
    expect(models.data.map((m) => m.id)).toEqual(["m1", "m2"]);
    expect(server.count()).toBe(2);
    expect(server.chatRequests()).toHaveLength(1);
    expect((server.requests[0]?.body as { model: string }).model).toBe("m1");
  });

  it("checks the key: wrong key -> 401 with a message", async () => {
    server = await startOpenAIServer({ apiKey: "sk-right" });
    const err = await client(server, "sk-wrong")
      .chat.completions.create({ model: "m", messages: [{ role: "user", content: "x" }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((err as Error).message).toContain("Incorrect API key");
    expect(server.requests[0]?.authorized).toBe(false);
  });

  it("generic json_schema answers validate; forced tool calls validate", async () => {
    server = await startOpenAIServer();
    const c = client(server);
    const schema = {
      type: "object",
      properties: {
        steps: { type: "array", minItems: 2, items: { type: "object", properties: { id: { type: "integer", minimum: 1 } }, required: ["id"] } },
        mood: { enum: ["happy", "sad"] },
      },
      required: ["steps", "mood"],
      additionalProperties: false,
    };
    const r = await c.chat.completions.create({
      model: "m",
      messages: [{ role: "user", content: "plan" }],
      response_format: { type: "json_schema", json_schema: { name: "plan", schema } },
    });
    const ajv = new Ajv();
    expect(ajv.validate(schema, JSON.parse(r.choices[0]?.message.content ?? "null"))).toBe(true);

    const t = await c.chat.completions.create({
      model: "m",
      messages: [{ role: "user", content: "weather" }],
      tools: [weatherTool],
      tool_choice: "required",
    });
    const call = t.choices[0]?.message.tool_calls?.[0];
    expect(call?.type).toBe("function");
    if (call?.type !== "function") throw new Error("no call");
    expect(call.function.name).toBe("get_weather");
    expect(ajv.validate(weatherTool.function.parameters, JSON.parse(call.function.arguments))).toBe(true);
    expect(t.choices[0]?.finish_reason).toBe("tool_calls");
  });

  it("plays a script of faults and answers in order", async () => {
    server = await startOpenAIServer({
      script: [
        { fault: "429", retryAfter: 1, retryAfterMs: 20 },
        "500",
        "malformed",
        "reset",
        "invented-tool",
        "bad-args",
        "non-json",
        "no-usage",
        { content: "done", usage: { prompt_tokens: 7, completion_tokens: 3 } },
      ],
    });
    const c = client(server);
    const ask = () =>
      c.chat.completions.create({ model: "m", messages: [{ role: "user", content: "q" }], tools: [weatherTool], tool_choice: "required" });
    const e429 = await ask().catch((e: unknown) => e);
    expect(e429).toBeInstanceOf(OpenAI.RateLimitError);
    expect((e429 as InstanceType<typeof OpenAI.RateLimitError>).headers?.get("retry-after")).toBe("1");
    expect((e429 as InstanceType<typeof OpenAI.RateLimitError>).headers?.get("retry-after-ms")).toBe("20");
    expect(await ask().catch((e: unknown) => e)).toBeInstanceOf(OpenAI.InternalServerError);
    const malformed = await ask().catch((e: unknown) => e);
    expect(malformed).toBeInstanceOf(Error);
    expect(await ask().catch((e: unknown) => e)).toBeInstanceOf(OpenAI.APIConnectionError);
    const invented = await ask();
    const ic = invented.choices[0]?.message.tool_calls?.[0];
    expect(ic?.type === "function" && ic.function.name).toBe("tool_that_does_not_exist");
    const bad = await ask();
    const bc = bad.choices[0]?.message.tool_calls?.[0];
    if (bc?.type !== "function") throw new Error("no call");
    expect(new Ajv().validate(weatherTool.function.parameters, JSON.parse(bc.function.arguments))).toBe(false);
    const nonJson = await ask();
    expect(() => JSON.parse(nonJson.choices[0]?.message.content ?? "")).toThrow();
    const noUsage = await ask();
    expect(noUsage.usage).toBeUndefined();
    const done = await ask();
    expect(done.choices[0]?.message.content).toBe("done");
    expect(done.usage?.prompt_tokens).toBe(7);
    expect(server.chatRequests().map((r) => r.outcome)).toEqual([
      "429",
      "500",
      "malformed",
      "reset",
      "invented-tool",
      "bad-args",
      "non-json",
      "no-usage",
      "answer",
    ]);
  });

  it("hangs past the client's timeout", async () => {
    server = await startOpenAIServer({ script: ["hang"] });
    const err = await client(server, "k", 150)
      .chat.completions.create({ model: "m", messages: [{ role: "user", content: "q" }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
  });

  it("applies latency and respond()", async () => {
    server = await startOpenAIServer({
      latencyMs: 60,
      respond: (r) => ({ content: `n=${r.body.messages?.length ?? 0}` }),
    });
    const start = performance.now();
    const r = await client(server).chat.completions.create({
      model: "m",
      messages: [
        { role: "system", content: "s" },
        { role: "user", content: "u" },
      ],
    });
    expect(performance.now() - start).toBeGreaterThanOrEqual(55);
    expect(r.choices[0]?.message.content).toBe("n=2");
  });

  it("streams SSE chunks that the client reassembles", async () => {
    server = await startOpenAIServer({ script: [{ content: "hello streaming world" }] });
    const stream = await client(server).chat.completions.create({
      model: "m",
      messages: [{ role: "user", content: "q" }],
      stream: true,
    });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe("hello streaming world");
  });

  it("draws random faults by rate, deterministically by seed", async () => {
    const outcomes: string[][] = [];
    for (let round = 0; round < 2; round++) {
      server = await startOpenAIServer({ faultRate: 0.5, faults: ["500", "no-usage"], seed: 7 });
      const c = client(server);
      for (let i = 0; i < 20; i++) await c.chat.completions.create({ model: "m", messages: [{ role: "user", content: "q" }] }).catch(() => null);
      outcomes.push(server.chatRequests().map((r) => r.outcome ?? ""));
      await server.close();
      server = undefined;
    }
    expect(outcomes[0]).toEqual(outcomes[1]);
    const faults = (outcomes[0] ?? []).filter((o) => o !== "generic").length;
    expect(faults).toBeGreaterThan(3);
    expect(faults).toBeLessThan(17);
  });

  it("embeds deterministically, batched, float and base64", async () => {
    server = await startOpenAIServer({ embeddingDimension: 16 });
    const c = client(server);
    const r = await c.embeddings.create({ model: "e", input: ["alpha", "beta", "alpha"] }); // client asks base64
    expect(r.data).toHaveLength(3);
    const [a, b, a2] = r.data.map((d) => d.embedding);
    expect(a).toHaveLength(16);
    expect(a2).toEqual(a);
    expect(b).not.toEqual(a);
    const f = await c.embeddings.create({ model: "e", input: "alpha", encoding_format: "float", dimensions: 8 });
    expect(f.data[0]?.embedding).toEqual(hashEmbedding("alpha", 8));
    const norm = Math.sqrt((a ?? []).reduce((s, x) => s + x * x, 0));
    expect(norm).toBeCloseTo(1, 4);
  });

  it("can refuse json_schema and tools with a 400 like older servers", async () => {
    server = await startOpenAIServer({ noJsonSchema: true, noTools: true });
    const c = client(server);
    const e = await c.chat.completions
      .create({
        model: "m",
        messages: [{ role: "user", content: "q" }],
        response_format: { type: "json_schema", json_schema: { name: "x", schema: { type: "object" } } },
      })
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(OpenAI.BadRequestError);
    expect((e as Error).message).toContain("json_schema");
    const e2 = await c.chat.completions
      .create({ model: "m", messages: [{ role: "user", content: "q" }], tools: [weatherTool] })
      .catch((x: unknown) => x);
    expect(e2).toBeInstanceOf(OpenAI.BadRequestError);
  });
});
