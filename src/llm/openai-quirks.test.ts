/** The openai backend against servers as they are (docs/llm.md "Servers as they are"). */
import { describe, expect, it } from "vitest";
import { openAIModelOnTestServer, PLAN_SCHEMA, userSays, WEATHER_TOOL } from "../../test/support/llm.js";
import { cleanSchema } from "./openai.js";

const setup = openAIModelOnTestServer("sk-test-quirks-1");
const ID = /^[A-Za-z0-9]{9}$/;
type Body = { tool_choice?: unknown; response_format?: { type: string }; tools?: unknown[]; messages: Array<{ role: string; content: string }> };

describe("openai backend: tool calls as servers send them", () => {
  it("reads calls written as text (Hermes), keeps the text, makes 9-char ids", async () => {
    const { model } = await setup({
      script: [{ content: 'Checking.\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>', finishReason: "stop" }],
    });
    const r = await model.chat({ messages: userSays("weather?"), tools: [WEATHER_TOOL] });
    expect(r.text).toBe("Checking.");
    expect(r.finishReason).toBe("tool_calls");
    expect(r.toolCalls).toHaveLength(1);
    expect(r.toolCalls[0]!.function).toEqual({ name: "get_weather", arguments: '{"city":"Paris"}' });
    expect(r.toolCalls[0]!.id).toMatch(ID);
  });

  it("leaves call-shaped text alone when no tools were offered", async () => {
    const text = '<tool_call>{"name": "get_weather", "arguments": {}}</tool_call>';
    const { model } = await setup({ script: [{ content: text }] });
    const r = await model.chat({ messages: userSays("hi") });
    expect(r.text).toBe(text);
    expect(r.toolCalls).toEqual([]);
  });

  it("accepts arguments as an object and replaces missing, empty and foreign ids", async () => {
    const { model } = await setup({
      profile: "llamacpp-object-args",
      script: [{ toolCalls: [{ name: "get_weather", arguments: { city: "Oslo" } }, { name: "get_weather", arguments: { city: "Rome" } }] }],
    });
    const r = await model.chat({ messages: userSays("weather?"), tools: [WEATHER_TOOL] });
    expect(r.toolCalls.map((c) => c.function.arguments)).toEqual(['{"city":"Oslo"}', '{"city":"Rome"}']);
    expect(r.toolCalls.every((c) => ID.test(c.id))).toBe(true);
    expect(new Set(r.toolCalls.map((c) => c.id)).size).toBe(2);
  });
});

describe("openai backend: reasoning", () => {
  it("takes <think> out of the text, also around a call written inside it", async () => {
    const { model } = await setup({
      script: [
        { content: "<think>\nThe user greets me.\n</think>\n\nHello!" },
        { content: '<think>Need weather.\n<tool_call>{"name": "get_weather", "arguments": {"city": "Paris"}}</tool_call>\n</think>' },
      ],
    });
    const a = await model.chat({ messages: userSays("hi") });
    expect(a).toMatchObject({ text: "Hello!", reasoning: "The user greets me." });
    const b = await model.chat({ messages: userSays("weather?"), tools: [WEATHER_TOOL] });
    expect(b.text).toBe("");
    expect(b.reasoning).toBe("Need weather.");
    expect(b.toolCalls[0]!.function.name).toBe("get_weather");
  });

  it("reads reasoning_content (DeepSeek) and DeepSeek's cached tokens", async () => {
    const { model } = await setup({ profile: "deepseek-reasoning", script: [{ content: "Hi." }] });
    const r = await model.chat({ messages: userSays("hi") });
    expect(r.text).toBe("Hi.");
    expect(r.reasoning).toContain("of my reasoning");
    expect(r.usage.estimated).toBe(false);
  });
});

describe("openai backend: step-downs", () => {
  it("json_schema refused -> json_object refused -> prompted JSON, remembered", async () => {
    const { model, server, logs } = await setup({
      noJsonSchema: true,
      profile: "lmstudio",
      respond: () => ({ json: { steps: [{ id: 0, intent: "x" }] } }),
    });
    const r = await model.chat({ messages: userSays("plan"), responseFormat: { name: "plan", schema: PLAN_SCHEMA } });
    expect(JSON.parse(r.text)).toEqual({ steps: [{ id: 0, intent: "x" }] });
    const reqs = server.chatRequests();
    expect(reqs.map((x) => x.outcome)).toEqual(["400", "400", "answer"]);
    const last = reqs[2]!.body as Body;
    expect(last.response_format).toBeUndefined();
    expect(last.messages[0]!.content).toContain('"steps"');
    expect(logs.some((l) => l.includes("prompted JSON"))).toBe(true);
    await model.chat({ messages: userSays("again"), responseFormat: { name: "plan", schema: PLAN_SCHEMA } });
    expect(server.chatRequests()).toHaveLength(4);
  });

  it("response_format accepted but ignored: the next request gets prompted JSON", async () => {
    const { model, server } = await setup({ script: [{ content: "Sure, here is a plan: do x." }, { json: { steps: [] } }] });
    const a = await model.chat({ messages: userSays("plan"), responseFormat: { name: "plan", schema: PLAN_SCHEMA } });
    expect(a.text).toContain("Sure");
    await model.chat({ messages: userSays("plan"), responseFormat: { name: "plan", schema: PLAN_SCHEMA } });
    const [first, second] = server.chatRequests().map((x) => x.body as Body);
    expect(first!.response_format?.type).toBe("json_schema");
    expect(second!.response_format).toBeUndefined();
    expect(second!.messages[0]!.content).toContain('"steps"');
  });

  it("tool_choice required/named refused -> auto with an instruction in the system prompt", async () => {
    const { model, server } = await setup({
      script: [{ fault: "http", status: 400, message: "tool_choice 'required' is not supported" }, "generic", "generic"],
    });
    await model.chat({ messages: userSays("weather?"), tools: [WEATHER_TOOL], toolChoice: { name: "get_weather" } });
    const bodies = server.chatRequests().map((x) => x.body as Body);
    expect(bodies[1]!.tool_choice).toBe("auto");
    expect(bodies[1]!.tools).toHaveLength(1);
    expect(bodies[1]!.messages[0]!.content).toContain("you must call the tool get_weather");
  });

  it.each([
    '"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set',
    "tools param requires --jinja flag",
  ])("%s -> prompted tools", async (message) => {
    const { model, server } = await setup({
      script: [{ fault: "http", status: 400, message }, { content: '{"tool_calls": [{"name": "get_weather", "arguments": {"city": "Oslo", "days": [1.0, 2.50]}}]}' }],
    });
    const r = await model.chat({ messages: userSays("weather?"), tools: [WEATHER_TOOL] });
    // the prompted answer's numbers stay as written (1.0 is a float for BFCL's checker)
    expect(r.toolCalls[0]!.function).toEqual({ name: "get_weather", arguments: '{"city":"Oslo","days":[1.0,2.50]}' });
    expect((server.chatRequests()[1]!.body as Body).tools).toBeUndefined();
  });

  it("schema keywords refused (Gemini) -> cleaned schemas, remembered", async () => {
    const tool = {
      name: "set_mode",
      description: "Set a mode.",
      parameters: {
        $schema: "http://json-schema.org/draft-07/schema#",
        type: "object",
        properties: { mode: { const: "fast" }, const: { type: "string" } },
        additionalProperties: false,
      },
    };
    const { model, server } = await setup({ profile: "gemini-openai" });
    await model.chat({ messages: userSays("go"), tools: [tool], toolChoice: "required" });
    await model.chat({ messages: userSays("go"), tools: [tool], toolChoice: "required" });
    expect(server.chatRequests().map((x) => x.outcome)).toEqual(["400", "generic", "generic"]);
    const sent = (server.chatRequests()[1]!.body as { tools: Array<{ function: { parameters: unknown } }> }).tools[0]!.function.parameters;
    expect(sent).toEqual({ type: "object", properties: { mode: { enum: ["fast"] }, const: { type: "string" } } });
  });
});

describe("cleanSchema", () => {
  it("keeps property names that look like keywords", () => {
    expect(cleanSchema({ type: "object", properties: { additionalProperties: { type: "string" } }, required: ["additionalProperties"] })).toEqual({
      type: "object",
      properties: { additionalProperties: { type: "string" } },
      required: ["additionalProperties"],
    });
  });
});
