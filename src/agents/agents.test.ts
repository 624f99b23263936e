import { describe, it, expect, beforeAll } from "vitest";
import type { ToolSpec } from "../core/index.js";
import { AssistantAgent, chatTools, UngroundedCallError, type CallCheckHook } from "./assistant-agent.js";
import { ungroundedAtTurn } from "../verify/index.js";
import { bfclTools, ScriptedModel, simModels } from "../../test/support/agents.js";
import { GenerationError } from "./common.js";
import { personaFor } from "./generate.js";
import { loadPersonaParts, personaAt, renderPrompt } from "./prompts.js";
import { requestFromStep } from "./state.js";
import { compactSchema, paramProperties, requiredParams } from "./tool-schema.js";
import { ToolAgent, TOOL_RESULTS_SCHEMA, resultSchema } from "./tool-agent.js";

let all: ToolSpec[];
let bookFlight: ToolSpec;
beforeAll(async () => {
  all = await bfclTools();
  bookFlight = all.find((t) => t.name === "book_flight")!;
});

const toolInput = (extra: Partial<Parameters<ToolAgent["call"]>[0]> = {}) => ({
  seed: 1,
  tool: bookFlight,
  arguments: { access_token: "tok_1", card_id: "card_1", travel_date: "2025-05-01", travel_from: "JFK", travel_to: "LAX", travel_class: "economy" },
  callId: "call_1",
  injectError: false,
  known: [],
  history: [],
  ...extra,
});

describe("ToolAgent", () => {
  it("asks for the returns schema and echoes argument values into matching result fields (sim)", async () => {
    const { tool } = simModels();
    const out = await new ToolAgent(tool).call(toolInput());
    expect(out.ok).toBe(true);
    const r = out.result as { booking_history: Record<string, unknown>; booking_id: string };
    expect(r.booking_history.travel_from).toBe("JFK");
    expect(r.booking_history.travel_date).toBe("2025-05-01");
    // the nested booking id is the booking just created
    expect(r.booking_history.booking_id).toBe(r.booking_id);
  });

  it("keeps ids created earlier: a lookup by id returns the earlier entity's fields", async () => {
    const { tool } = simModels();
    const tickets = all.filter((t) => t.name === "create_ticket" || t.name === "get_ticket");
    const agent = new ToolAgent(tool);
    const created = await agent.call({ ...toolInput(), tool: tickets.find((t) => t.name === "create_ticket")!, arguments: { title: "login page error" } });
    const c = created.result as { id: number; title: string; status: string };
    const record = { callId: "call_1", tool: "create_ticket", arguments: { title: "login page error" }, result: c, ok: true, stepId: 1 };
    const got = await agent.call({
      ...toolInput(),
      callId: "call_2",
      tool: tickets.find((t) => t.name === "get_ticket")!,
      arguments: { ticket_id: c.id },
      history: [record],
    });
    expect(got.result).toMatchObject({ id: c.id, title: "login page error", status: c.status });
  });

  it("returns an error result when told to inject one", async () => {
    const { tool } = simModels();
    const out = await new ToolAgent(tool).call(toolInput({ injectError: true }));
    expect(out.ok).toBe(false);
    expect(out.error).toMatch(/\w/);
    expect(out.result).toEqual({ error: out.error });
  });

  it("simulates the calls of one message with one request, results in call order, an injected error where asked", async () => {
    const { tool } = simModels();
    const model = new ScriptedModel((r) => tool.chat(r).then((a) => ({ text: a.text })));
    const getTicket = all.find((t) => t.name === "get_ticket")!;
    const outs = await new ToolAgent(model).callAll({
      calls: [
        { seed: 1, tool: bookFlight, arguments: toolInput().arguments, callId: "call_1", injectError: false },
        { seed: 2, tool: getTicket, arguments: { ticket_id: 7 }, callId: "call_2", injectError: true },
        { seed: 3, tool: bookFlight, arguments: { ...toolInput().arguments, travel_to: "SFO" }, callId: "call_3", injectError: false },
      ],
      known: [],
      history: [],
    });
    expect(model.requests).toHaveLength(1);
    expect(outs.map((o) => o.ok)).toEqual([true, false, true]);
    expect((outs[0]!.result as { booking_history: { travel_to: string } }).booking_history.travel_to).toBe("LAX");
    expect((outs[2]!.result as { booking_history: { travel_to: string } }).booking_history.travel_to).toBe("SFO");
    expect(outs[1]!.result).toEqual({ error: outs[1]!.error });
    const asked = String(model.requests[0]!.messages.at(-1)!.content);
    expect(asked).toMatch(/^1\. book_flight\(.*\n2\. get_ticket\(\{"ticket_id":7\}\) \(this call fails: return an error\)\n3\. book_flight\(/);
  });

  it("re-asks when the answer has the wrong number of results", async () => {
    let n = 0;
    const good = { booking_id: "b1", transaction_id: "t1", booking_status: true, booking_history: {} };
    const model = new ScriptedModel(() => ({ json: { results: n++ === 0 ? [good] : [good, good] } }));
    const outs = await new ToolAgent(model).callAll({
      calls: [1, 2].map((i) => ({ seed: i, tool: bookFlight, arguments: toolInput().arguments, callId: `call_${i}`, injectError: false })),
      known: [],
      history: [],
    });
    expect(outs).toHaveLength(2);
    expect(model.requests[1]!.messages.at(-1)!.content).toMatch(/results has 1 entries; there are 2 calls/);
  });

  it("takes what models write without a schema: a bare array of results, or one call's bare result", async () => {
    const good = { booking_id: "b1", transaction_id: "t1", booking_status: true, booking_history: {} };
    const bareArray = new ScriptedModel(() => ({ json: [good, { ...good, booking_id: "b2" }] }));
    const two = await new ToolAgent(bareArray).callAll({
      calls: [1, 2].map((i) => ({ seed: i, tool: bookFlight, arguments: toolInput().arguments, callId: `call_${i}`, injectError: false })),
      known: [],
      history: [],
    });
    expect(two.map((o) => (o.result as { booking_id: string }).booking_id)).toEqual(["b1", "b2"]);
    expect(bareArray.requests).toHaveLength(1);
    const bareOne = new ScriptedModel(() => ({ json: good }));
    expect((await new ToolAgent(bareOne).call(toolInput())).result).toEqual(good);
    expect(bareOne.requests).toHaveLength(1);
    // a bare object is one result only for one call
    const bareForTwo = new ScriptedModel(() => ({ json: good }));
    const err = await new ToolAgent(bareForTwo)
      .callAll({ calls: [1, 2].map((i) => ({ seed: i, tool: bookFlight, arguments: toolInput().arguments, callId: `call_${i}`, injectError: false })), known: [], history: [] })
      .catch((e) => e);
    expect(err).toBeInstanceOf(GenerationError);
    expect(String((err as Error).message)).toMatch(/required property .results./);
  });

  it("re-asks once when a result does not match the returns schema, then fails with stage=tool", async () => {
    let n = 0;
    const good = { booking_id: "b1", transaction_id: "t1", booking_status: true, booking_history: {} };
    const flaky = new ScriptedModel(() => ({ json: { results: [n++ === 0 ? { booking_id: 42 } : good] } }));
    const out = await new ToolAgent(flaky).call(toolInput());
    expect(out.result).toEqual(good);
    expect(flaky.requests).toHaveLength(2);
    expect(flaky.requests[1]!.messages.at(-1)!.content).toMatch(/results\[0\] \(book_flight\): .*booking_id must be string/);
    expect(flaky.requests[0]!.responseFormat!.schema).toEqual(TOOL_RESULTS_SCHEMA);
    // the returns schema is in the tool documentation of the system message
    expect(flaky.requests[0]!.messages[0]!.content).toContain(compactSchema(resultSchema(bookFlight), "  "));

    const bad = new ScriptedModel(() => ({ json: { results: [{ booking_id: 42 }] } }));
    const err = await new ToolAgent(bad).call(toolInput()).catch((e) => e);
    expect(err).toBeInstanceOf(GenerationError);
    expect((err as GenerationError).stage).toBe("tool");
  });

  it("takes a non-object result as declared, with no wrapper, and checks it against the declared schema", async () => {
    const t: ToolSpec = { ...bookFlight, returns: { type: "array", items: { type: "number" } } };
    expect(resultSchema(t)).toEqual({ type: "array", items: { type: "number" } });
    let n = 0;
    const model = new ScriptedModel(() => ({ json: { results: [n++ === 0 ? { result: [1, 2] } : [1, 2]] } }));
    const out = await new ToolAgent(model).call({ ...toolInput(), tool: t });
    expect(out.result).toEqual([1, 2]);
    expect(model.requests).toHaveLength(2); // the {result: ...} wrapper is not the declared shape: re-asked
    expect(model.requests[1]!.messages.at(-1)!.content).toMatch(/results\[0\] \(book_flight\): .*must be array/);
  });

  it("documents each tool by its whole description, without Returns when it declares none, and gives the intent", async () => {
    const described: ToolSpec = {
      name: "getProduct",
      description: "Get a product. With stock level and sizes.",
      parameters: { type: "object", properties: { id: { type: "string" } }, required: ["id"] },
      source: bookFlight.source,
    };
    const model = new ScriptedModel(() => ({ json: { results: ["in stock: sizes S, M"] } }));
    const out = await new ToolAgent(model).callAll({
      calls: [{ seed: 1, tool: described, arguments: { id: "p1" }, callId: "c1", injectError: false }],
      known: [],
      history: [],
      intent: "check whether the red scarf is in stock",
    });
    // a tool without `returns` answers in the shape it likes (here a bare string), not a forced object
    expect(out[0]!.result).toBe("in stock: sizes S, M");
    const system = model.requests[0]!.messages[0]!.content as string;
    expect(system).toContain("getProduct: Get a product. With stock level and sizes.");
    expect(system).not.toMatch(/Returns:/);
    expect(model.requests[0]!.messages.at(-1)!.content).toContain("wants: check whether the red scarf is in stock");
  });
});

describe("AssistantAgent", () => {
  const request = () =>
    requestFromStep({ id: 1, kind: "single", intent: "book", tools: ["book_flight"], dependsOn: [] });
  const input = () => ({
    seed: 1,
    messages: [
      { role: "system" as const, content: "sys" },
      { role: "user" as const, content: "Book me a flight" },
    ],
    tools: [bookFlight],
    plan: null,
    request: request(),
    known: [],
    turnCalls: [],
    mustAnswer: false,
    usedCallIds: new Set(["call_1"]),
  });

  it("offers the tools with normalized schemas and fixes missing or duplicate call ids", async () => {
    const valid = (n: number) =>
      JSON.stringify(
        Object.fromEntries(requiredParams(bookFlight).map((p) => [p, paramProperties(bookFlight)[p]?.type === "number" ? n : `v${n}`])),
      );
    const model = new ScriptedModel(() => ({
      toolCalls: [
        { id: "call_1", type: "function", function: { name: "book_flight", arguments: valid(1) } },
        { id: "", type: "function", function: { name: "book_flight", arguments: valid(2) } },
      ],
    }));
    const msg = await new AssistantAgent(model).respond(input());
    const ids = msg.tool_calls!.map((c) => c.id);
    expect(new Set(ids).size).toBe(2);
    expect(ids).not.toContain("call_1");
    expect(JSON.parse(msg.tool_calls![1]!.function.arguments)).toEqual(JSON.parse(valid(2)));
    expect(model.requests[0]!.tools).toEqual(chatTools([bookFlight]));
    expect(model.requests[0]!.tools![0]!.parameters.type).toBe("object");
  });

  it("re-asks when the model calls an unknown tool, and fails with stage=assistant when it keeps doing so", async () => {
    const model = new ScriptedModel(() => ({
      toolCalls: [{ id: "x", type: "function", function: { name: "launch_rocket", arguments: "{}" } }],
    }));
    const err = await new AssistantAgent(model, 2).respond(input()).catch((e) => e);
    expect(err).toBeInstanceOf(GenerationError);
    expect((err as GenerationError).stage).toBe("assistant");
    expect((err as Error).message).toMatch(/launch_rocket/);
    expect(model.requests).toHaveLength(2);
    expect(model.requests[1]!.messages.at(-1)!.content).toMatch(/tool "launch_rocket" does not exist/);
  });

  describe("repair at the turn (checkCalls)", () => {
    // The verifier's own rule as the hook, as synth wires it.
    const hook: CallCheckHook = (before, reply, tools) =>
      ungroundedAtTurn({ tools: [...tools], plan: null, messages: [...before, reply], stepOf: [] }, (reply.tool_calls ?? []).map((c) => c.id));
    const said = () => ({
      ...input(),
      messages: [
        { role: "system" as const, content: "sys" },
        { role: "user" as const, content: "Book economy from JFK to LAX on 2025-05-01, card card_77, token tok_9." },
      ],
    });
    const args = (from: string) =>
      JSON.stringify({ access_token: "tok_9", card_id: "card_77", travel_date: "2025-05-01", travel_from: from, travel_to: "LAX", travel_class: "economy" });
    const call = (from: string) => ({ toolCalls: [{ id: "", type: "function" as const, function: { name: "book_flight", arguments: args(from) } }] });

    it("sends an invented value back to the assistant, naming the argument, and keeps the repaired call", async () => {
      const model = new ScriptedModel((_r, n) => (n === 1 ? call("SFO") : call("JFK")));
      const msg = await new AssistantAgent(model, 2).respond({ ...said(), checkCalls: hook });
      expect(JSON.parse(msg.tool_calls![0]!.function.arguments).travel_from).toBe("JFK");
      expect(model.requests).toHaveLength(2);
      expect(model.requests[1]!.messages.at(-1)!.content).toMatch(/nothing in the conversation gives book_flight argument `travel_from` = "SFO": ask the user/);
    });

    it("ends the dialogue with an UngroundedCallError when the value is still invented after the last attempt", async () => {
      const model = new ScriptedModel(() => call("SFO"));
      const err = await new AssistantAgent(model, 2).respond({ ...said(), checkCalls: hook }).catch((e) => e);
      expect(err).toBeInstanceOf(UngroundedCallError);
      expect((err as UngroundedCallError).problems.join()).toMatch(/travel_from/);
      expect(model.requests).toHaveLength(2);
    });

    it("leaves grounded calls and text replies alone (one request), and without the hook accepts anything well-formed", async () => {
      const good = new ScriptedModel(() => call("JFK"));
      await new AssistantAgent(good, 2).respond({ ...said(), checkCalls: hook });
      expect(good.requests).toHaveLength(1);
      const invented = new ScriptedModel(() => call("SFO"));
      const msg = await new AssistantAgent(invented, 2).respond(said());
      expect(JSON.parse(msg.tool_calls![0]!.function.arguments).travel_from).toBe("SFO");
      expect(invented.requests).toHaveLength(1);
    });
  });

  it("on the last round asks for a text answer (toolChoice none) and drops stray calls", async () => {
    const model = new ScriptedModel(() => ({
      text: "Here is your summary.",
      toolCalls: [{ id: "x", type: "function", function: { name: "book_flight", arguments: "{}" } }],
    }));
    const msg = await new AssistantAgent(model).respond({ ...input(), mustAnswer: true });
    expect(model.requests[0]!.toolChoice).toBe("none");
    expect(msg).toEqual({ role: "assistant", content: "Here is your summary." });
  });

  it("gives the model's reasoning beside the message, never inside it", async () => {
    const model = new ScriptedModel(() => ({ text: "Which date?", reasoning: "  The date is missing.  " }));
    const out = await new AssistantAgent(model).reply(input());
    expect(out).toEqual({ message: { role: "assistant", content: "Which date?" }, reasoning: "The date is missing." });
    const plain = await new AssistantAgent(new ScriptedModel(() => ({ text: "Which date?" }))).reply(input());
    expect(plain).toEqual({ message: { role: "assistant", content: "Which date?" } });
  });
});

describe("prompts and personas", () => {
  it("renders the role templates with their variables", () => {
    const view = { name: "book_flight", description: "Book a flight.", parameters: "{}", returns: "", required: [] };
    const planner = renderPrompt("planner", { tools: [view], edges: [{ from: "a", to: "b", kind: "P-R" }], kinds: [], maxTurns: 7 });
    expect(planner).toContain("- book_flight: Book a flight.");
    expect(planner).toContain("at most 7 user turns");
    expect(planner).toContain("a -> b (P-R)");
    const persona = personaAt(1, 0);
    const user = renderPrompt("user", { persona, plan: [{ id: 1, kind: "single", intent: "Book it", tools: "book_flight" }], tools: [] });
    expect(user).toContain(persona.name);
    expect(user).toMatch(/^1\. \[single\] Book it$/m);
    const turn = renderPrompt("user_turn", { continued: false, conversation: "", step: { id: 1, kind: "single", intent: "Book it" }, started: false, turnsLeft: 3 });
    expect(turn).toContain("Step 1 (the last): not started.");
    expect(turn).toContain("3 user turns left");
    const tool = renderPrompt("tool", { tools: [view] });
    expect(tool).toContain("- book_flight: Book a flight.");
    const call = renderPrompt("tool_call", { calls: [{ call: "book_flight({})", fails: false }, { call: "get_ticket({})", fails: true }], earlier: [], known: [] });
    expect(call).toContain("1. book_flight({})\n2. get_ticket({}) (this call fails: return an error)");
  });

  it("puts personas together from varied parts, picked by seed", () => {
    const parts = loadPersonaParts();
    expect(new Set(parts.names).size).toBe(parts.names.length);
    expect(new Set(parts.descriptions).size).toBe(parts.descriptions.length);
    expect(new Set(parts.styles)).toEqual(new Set(["polite", "terse", "chatty", "casual", "formal"]));
    // descriptions fit any name: no gendered pronouns
    for (const d of parts.descriptions) expect(d, d).not.toMatch(/\b(he|she|his|her|him|hers)\b/i);
    expect(personaFor(5)).toEqual(personaFor(5));
    expect(new Set(Array.from({ length: 20 }, (_, i) => personaFor(i).name)).size).toBeGreaterThanOrEqual(8);
  });

  it("gives a run's dialogues personas that vary: 200+ distinct over 1,000, none shared within 10 consecutive", () => {
    for (const runSeed of [1, 7, 123456]) {
      const list = Array.from({ length: 1000 }, (_, k) => personaAt(runSeed, k));
      const key = (p: { name: string; description: string; style: string }) => `${p.name}|${p.description}|${p.style}`;
      expect(new Set(list.map(key)).size).toBeGreaterThanOrEqual(200);
      for (let k = 0; k + 10 <= list.length; k++) {
        const window = list.slice(k, k + 10);
        expect(new Set(window.map((p) => p.name)).size, `dialogues ${k}..${k + 9}`).toBe(10);
      }
      expect(personaAt(runSeed, 17)).toEqual(personaAt(runSeed, 17));
    }
    expect(personaAt(1, 0)).not.toEqual(personaAt(2, 0));
  });
});

