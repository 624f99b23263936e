import { describe, expect, it } from "vitest";
import { z } from "zod";
import { openAIModelOnTestServer, PLAN_SCHEMA, userSays, WEATHER_TOOL } from "../../test/support/llm.js";
import { ModelOutputError, ModelRequestError } from "./errors.js";
import { fromZod, generateChecked, generateObject } from "./generate.js";
import type { ChatModel, ChatResult, ChatTool } from "./types.js";
import { checkToolCalls } from "./validate.js";

const KEY = "sk-test-key-0002";
const setup = openAIModelOnTestServer(KEY);
const user = userSays;
const planSchema = PLAN_SCHEMA;
const weather = WEATHER_TOOL;

/** A check of tool-call answers: every call valid against the offered tools. */
const callsCheck = (tools: ChatTool[], choice?: "required" | "auto") => (r: ChatResult) => {
  const problems = checkToolCalls(r.toolCalls, tools, choice);
  return problems.length > 0 ? { ok: false as const, problems } : { ok: true as const, value: r.toolCalls };
};

describe("generateObject over a real HTTP backend", () => {
  it("repairs broken JSON (fences, trailing commas, single quotes) without a re-ask", async () => {
    const { model, server: s } = await setup({
      script: [{ content: "Here it is:\n```json\n{'steps': [{'id': 1, 'intent': 'book a flight',},],}\n```" }],
    });
    const r = await generateObject({ model, request: { messages: user("plan") }, name: "plan", schema: planSchema });
    expect(r.value).toEqual({ steps: [{ id: 1, intent: "book a flight" }] });
    expect(r.attempts).toBe(1);
    expect(s.count()).toBe(1);
  });

  it("re-asks with the validation error when the JSON breaks the schema, then accepts a fixed answer", async () => {
    const { model, server: s } = await setup({
      script: [{ json: { steps: [{ id: 0, intent: "x" }] } }, "non-json", { json: { steps: [{ id: 1, intent: "x" }] } }],
    });
    const r = await generateObject({ model, request: { messages: user("plan") }, name: "plan", schema: planSchema });
    expect(r.value).toEqual({ steps: [{ id: 1, intent: "x" }] });
    expect(r.attempts).toBe(3);
    const reqs = s.chatRequests();
    expect(reqs).toHaveLength(3);
    const second = reqs[1]!.body as { messages: Array<{ role: string; content: string }> };
    const last = second.messages[second.messages.length - 1]!;
    expect(last.role).toBe("user");
    expect(last.content).toContain("/steps/0/id must be >= 1");
    expect(second.messages[second.messages.length - 2]).toMatchObject({ role: "assistant" });
    const third = reqs[2]!.body as { messages: Array<{ content: string }> };
    expect(third.messages[third.messages.length - 1]!.content).toContain("not JSON");
  });

  it("costs at most maxAttempts calls, then throws one ModelOutputError carrying every answer", async () => {
    const { model, server: s } = await setup({ script: ["non-json", "non-json", "non-json", "non-json"] });
    const err = await generateObject({ model, request: { messages: user("plan") }, name: "plan", schema: planSchema, maxAttempts: 3 }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ModelOutputError);
    const e = err as ModelOutputError;
    expect(s.count()).toBe(3);
    expect(e.attempts).toBe(3);
    expect(e.answers).toHaveLength(3);
    expect(e.problems[0]).toContain("not JSON");
    expect(e.output).toContain("plain words");
    expect(e.message).toContain("after 3 attempts");
  });

  it("runs the typed parse after the schema (zod issues are shown to the model)", async () => {
    const { model, server: s } = await setup({
      script: [{ json: { steps: [{ id: 1, intent: "x" }, { id: 1, intent: "y" }] } }, { json: { steps: [{ id: 1, intent: "x" }, { id: 2, intent: "y" }] } }],
    });
    const Plan = z.object({ steps: z.array(z.object({ id: z.number(), intent: z.string() })) }).refine(
      (p) => new Set(p.steps.map((x) => x.id)).size === p.steps.length,
      { message: "step ids must be distinct" },
    );
    const r = await generateObject({ model, request: { messages: user("plan") }, name: "plan", schema: planSchema, parse: fromZod(Plan) });
    expect(r.value.steps.map((x) => x.id)).toEqual([1, 2]);
    const reask = (s.chatRequests()[1]!.body as { messages: Array<{ content: string }> }).messages.at(-1)!.content;
    expect(reask).toContain("step ids must be distinct");
  });

  it("a schema that does not compile is a request error, not a re-ask", async () => {
    const { model, server: s } = await setup({});
    const err = await generateObject({ model, request: { messages: user("x") }, name: "bad", schema: { type: "nonsense" } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelRequestError);
    expect(s.count()).toBe(1);
  });
});

describe("generateChecked: tool calls", () => {
  it("re-asks after an invented tool and after schema-breaking arguments, then accepts", async () => {
    const { model, server: s } = await setup({ script: ["invented-tool", "bad-args"] });
    const r = await generateChecked({
      model,
      request: { messages: user("weather?"), tools: [weather], toolChoice: "required" },
      check: callsCheck([weather], "required"),
    });
    expect(r.value[0]!.function.name).toBe("get_weather");
    const reqs = s.chatRequests();
    expect(reqs.map((x) => x.outcome)).toEqual(["invented-tool", "bad-args", "generic"]);
    const m2 = (reqs[1]!.body as { messages: Array<{ content: string }> }).messages;
    expect(m2[m2.length - 1]!.content).toContain('tool "tool_that_does_not_exist" does not exist');
    const m3 = (reqs[2]!.body as { messages: Array<{ content: string }> }).messages;
    expect(m3[m3.length - 1]!.content).toMatch(/arguments of "get_weather"/);
  });

  it("arguments that are not JSON are re-asked", async () => {
    const { model } = await setup({
      script: [{ toolCalls: [{ name: "get_weather", arguments: "city is Lisbon" }] }, { toolCalls: [{ name: "get_weather", arguments: { city: "Lisbon" } }] }],
    });
    const r = await generateChecked({ model, request: { messages: user("weather?"), tools: [weather] }, check: callsCheck([weather]) });
    expect(JSON.parse(r.value[0]!.function.arguments)).toEqual({ city: "Lisbon" });
    expect(r.attempts).toBe(2);
  });

  it("invalid calls on every attempt -> ModelOutputError", async () => {
    const { model, server: s } = await setup({ script: ["invented-tool", "invented-tool"] });
    const err = await generateChecked({
      model,
      request: { messages: user("weather?"), tools: [weather], toolChoice: "required" },
      check: callsCheck([weather], "required"),
      maxAttempts: 2,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelOutputError);
    expect((err as ModelOutputError).problems.join(" ")).toContain("does not exist");
    expect(s.count()).toBe(2);
  });
});

describe("generateChecked: bounds and cancellation", () => {
  it("never calls again after a usable answer, and stops at once when the signal is aborted", async () => {
    let calls = 0;
    const model: ChatModel = {
      id: "count",
      backend: "test",
      chat: async () => {
        calls++;
        return { text: "no", toolCalls: [], finishReason: "stop", usage: { promptTokens: 1, completionTokens: 1, cachedTokens: 0, estimated: false }, model: "count" };
      },
    };
    const ok = await generateChecked({ model, request: { messages: user("x") }, check: (r) => ({ ok: true, value: r.text }) });
    expect(ok).toMatchObject({ value: "no", attempts: 1 });
    expect(calls).toBe(1);
    const ac = new AbortController();
    ac.abort(new Error("stop"));
    await expect(generateChecked({ model, request: { messages: user("x"), signal: ac.signal }, check: () => ({ ok: false, problems: ["bad"] }) })).rejects.toThrow(
      "stop",
    );
    expect(calls).toBe(1);
  });
});
