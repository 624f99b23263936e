import { describe, it, expect } from "vitest";
import type { DialogueRecord, Message, ToolCall } from "../core/index.js";
import { exampleDialogueRecord } from "../../test/support/example-dialogue.js";
import { checkFormat, checkPlan, checkProvenance, findUngroundedArgs, verifyDialogue } from "./verify.js";

type Assistant = Extract<Message, { role: "assistant" }>;

function rec(): DialogueRecord {
  return exampleDialogueRecord();
}

function assistantAt(d: DialogueRecord, i: number): Assistant {
  const m = d.messages[i];
  if (m?.role !== "assistant") throw new Error(`message ${i} is not an assistant message`);
  return m;
}

function callAt(d: DialogueRecord, i: number, k = 0): ToolCall {
  const c = assistantAt(d, i).tool_calls?.[k];
  if (!c) throw new Error(`no call ${k} at message ${i}`);
  return c;
}

function setArgs(d: DialogueRecord, i: number, patch: Record<string, unknown>, k = 0): void {
  const c = callAt(d, i, k);
  c.function.arguments = JSON.stringify({ ...JSON.parse(c.function.arguments), ...patch });
}

function reasonsOf(d: DialogueRecord, name: string): string[] {
  const v = verifyDialogue(d);
  return v.checks.find((c) => c.name === name)?.reasons ?? [];
}

describe("verifyDialogue on the good example", () => {
  it("passes every check with metrics", () => {
    const v = verifyDialogue(rec());
    expect(v.checks.map((c) => [c.name, c.passed, c.reasons])).toEqual([
      ["format", true, []],
      ["plan", true, []],
      ["provenance", true, []],
    ]);
    expect(v.passed).toBe(true);
    const fmt = v.checks[0];
    expect(fmt?.metrics).toEqual({ messages: 22, userTurns: 6, toolCalls: 5 });
    expect(v.checks[1]?.metrics).toEqual({ steps: 5, stepsCovered: 5 });
    // cabin "economy" and units "metric" are enum members nobody named: defaulted, judged by the schema alone
    expect(v.checks[2]?.metrics).toEqual({ args: 17, grounded: 15, converted: 0, defaulted: 2, knowledge: 0, ungrounded: 0, ungroundedRate: 0 });
  });
});

describe("format check", () => {
  it("rejects a call to a tool that is not in the sample", () => {
    const d = rec();
    callAt(d, 2).function.name = "search_trains";
    const r = checkFormat(d);
    expect(r.passed).toBe(false);
    expect(r.reasons.join("\n")).toMatch(/tool "search_trains" is not one of the sample's tools/);
  });

  it("rejects arguments that are not JSON or not an object", () => {
    const d = rec();
    callAt(d, 2).function.arguments = "{origin: Boston";
    expect(checkFormat(d).reasons.join("\n")).toMatch(/call_1 \(search_flights\): arguments are not valid JSON/);
    callAt(d, 2).function.arguments = "[1,2]";
    expect(checkFormat(d).reasons.join("\n")).toMatch(/arguments must be a JSON object/);
  });

  it("rejects a missing required argument, naming it", () => {
    const d = rec();
    callAt(d, 6).function.arguments = JSON.stringify({ flight_id: "TP218" });
    expect(checkFormat(d).reasons).toContain("message 6 call call_2 (book_flight): missing required argument /passenger_name");
  });

  it("rejects arguments that violate the schema (type, enum, unknown argument)", () => {
    const d = rec();
    setArgs(d, 2, { passengers: "two", cabin: "first", meal: "veg" });
    const reasons = checkFormat(d).reasons.join("\n");
    expect(reasons).toMatch(/argument \/passengers must be integer/);
    expect(reasons).toMatch(/argument \/cabin must be one of \["economy","business"\]/);
    expect(reasons).toMatch(/unknown argument \/meal/);
  });

  it("rejects an argument the schema does not declare, unless allowed", () => {
    const d = rec();
    setArgs(d, 6, { seat: "12A" });
    expect(checkFormat(d).reasons).toContain("message 6 call call_2 (book_flight): unknown argument /seat");
    expect(checkFormat(d, { allowUnknownArgs: true }).passed).toBe(true);
    d.tools[1]!.parameters.additionalProperties = true;
    expect(checkFormat(d).passed).toBe(true);
  });

  it("rejects a call without its tool result", () => {
    const d = rec();
    d.messages.splice(3, 1);
    d.stepOf.splice(3, 1);
    expect(checkFormat(d).reasons.join("\n")).toMatch(/call\(s\) call_1 not answered by a tool message/);
  });

  it("rejects a result answering an unknown call id, or answering twice", () => {
    const d = rec();
    const t = d.messages[3];
    if (t?.role !== "tool") throw new Error("fixture");
    t.tool_call_id = "call_99";
    const reasons = checkFormat(d).reasons.join("\n");
    expect(reasons).toMatch(/unknown call id "call_99"/);
    expect(reasons).toMatch(/call_1 not answered/);

    const d2 = rec();
    d2.messages.splice(4, 0, { role: "tool", tool_call_id: "call_1", content: "{}" });
    d2.stepOf.splice(4, 0, 1);
    expect(checkFormat(d2).reasons.join("\n")).toMatch(/call_1 answered more than once/);
  });

  it("rejects duplicate tool_call ids", () => {
    const d = rec();
    callAt(d, 6).id = "call_1";
    const t = d.messages[7];
    if (t?.role !== "tool") throw new Error("fixture");
    t.tool_call_id = "call_1";
    expect(checkFormat(d).reasons.join("\n")).toMatch(/call_1 \(book_flight\): duplicate tool_call id/);
  });

  it("rejects a tool result whose name differs from the called tool", () => {
    const d = rec();
    const t = d.messages[3];
    if (t?.role !== "tool") throw new Error("fixture");
    t.name = "book_flight";
    expect(checkFormat(d).reasons.join("\n")).toMatch(/named "book_flight" answers a call to "search_flights"/);
  });

  it("rejects a dialogue that does not end with an assistant text", () => {
    const d = rec();
    d.messages.pop();
    d.stepOf.pop();
    expect(checkFormat(d).reasons).toContain("dialogue does not end with an assistant text message");
    expect(checkFormat(d, { requireFinalAssistant: false }).passed).toBe(true);
  });

  it("rejects empty turns", () => {
    const d = rec();
    d.messages[1] = { role: "user", content: "   " };
    assistantAt(d, 4).content = "";
    const reasons = checkFormat(d).reasons.join("\n");
    expect(reasons).toMatch(/message 1: empty user turn/);
    expect(reasons).toMatch(/message 4: empty assistant turn/);
  });

  it("rejects broken role order", () => {
    const d = rec();
    d.messages.splice(5, 0, { role: "user", content: "Hello?" });
    d.stepOf.splice(5, 0, 2);
    expect(checkFormat(d).reasons.join("\n")).toMatch(/message 6: two user turns in a row/);

    const d2 = rec();
    d2.messages.splice(5, 0, { role: "assistant", content: "Anything else?" });
    d2.stepOf.splice(5, 0, 1);
    expect(checkFormat(d2).reasons.join("\n")).toMatch(/message 5: two assistant turns in a row/);

    const d3 = rec();
    d3.messages.splice(1, 0, { role: "assistant", content: "Welcome!" });
    d3.stepOf.splice(1, 0, null);
    expect(checkFormat(d3).reasons.join("\n")).toMatch(/message 1: dialogue must start with a user turn/);

    const d4 = rec();
    d4.messages.splice(5, 0, { role: "tool", tool_call_id: "call_1", content: "{}" });
    d4.stepOf.splice(5, 0, 1);
    expect(checkFormat(d4).reasons.join("\n")).toMatch(/message 5: tool message not after an assistant tool call/);
  });

  it("rejects stepOf of the wrong length", () => {
    const d = rec();
    d.stepOf.pop();
    expect(checkFormat(d).reasons).toContain("stepOf has 21 entries for 22 messages");
  });
});

describe("plan check", () => {
  it("is skipped when there is no plan", () => {
    const d = rec();
    d.plan = null;
    d.stepOf = d.stepOf.map(() => null);
    const r = checkPlan(d);
    expect(r).toMatchObject({ name: "plan", passed: true, skipped: true });
    expect(r.reasons[0]).toMatch(/skipped/);
    expect(verifyDialogue(d).passed).toBe(true);
  });

  it("rejects a step no message belongs to", () => {
    const d = rec();
    d.plan?.steps.push({ id: 6, kind: "single", intent: "weather again", tools: ["get_weather"], dependsOn: [] });
    expect(reasonsOf(d, "plan")).toContain("step 6 (single) is not covered: no message belongs to it");
  });

  it("rejects a single step with two calls", () => {
    const d = rec();
    const a = assistantAt(d, 2);
    a.tool_calls?.push({
      id: "call_1b",
      type: "function",
      function: { name: "search_flights", arguments: JSON.stringify({ origin: "Boston", destination: "Lisbon", date: "2024-05-03" }) },
    });
    d.messages.splice(4, 0, { role: "tool", tool_call_id: "call_1b", content: "{}" });
    d.stepOf.splice(4, 0, 1);
    expect(checkFormat(d).passed).toBe(true);
    expect(checkPlan(d).reasons).toContain("step 1 (single) expects 1 tool call, found 2");
  });

  it("does not count a call retried after an error result", () => {
    const d = rec();
    const retry = structuredClone(assistantAt(d, 2));
    const call = retry.tool_calls?.[0];
    if (!call) throw new Error("fixture");
    call.id = "call_1r";
    const t = d.messages[3];
    if (t?.role !== "tool") throw new Error("fixture");
    const okResult = { ...t, tool_call_id: "call_1r" };
    t.content = JSON.stringify({ error: "Service temporarily unavailable. Please retry." });
    retry.content = "The service failed, let me try again.";
    d.messages.splice(4, 0, retry, okResult);
    d.stepOf.splice(4, 0, 1, 1);
    expect(verifyDialogue(d).passed).toBe(true);
    // two successful calls are still too many for a single step
    t.content = JSON.stringify({ flights: [] });
    expect(checkPlan(d).reasons).toContain("step 1 (single) expects 1 tool call, found 2");
  });

  /** The example's parallel step 3 split: call_3 -> result, then a second assistant turn with call_4 -> result. */
  function splitParallel(d: DialogueRecord): ToolCall {
    const second = assistantAt(d, 10).tool_calls?.pop();
    if (!second) throw new Error("fixture");
    const r4 = d.messages.splice(12, 1)[0] as Message;
    d.stepOf.splice(12, 1);
    d.messages.splice(12, 0, { role: "assistant", content: null, tool_calls: [second] }, r4);
    d.stepOf.splice(12, 0, 3, 3);
    return second;
  }

  it("rejects a parallel step whose calls are in separate turns", () => {
    const d = rec();
    splitParallel(d);
    const fmt = checkFormat(d);
    expect(fmt.passed).toBe(true);
    expect(checkPlan(d).reasons).toContain(
      "step 3 (parallel) expects at least 2 calls in one assistant turn, found at most 1 (and no later call needed a value that came after the first)",
    );
  });

  it("accepts a parallel step split over turns when the later call needs the earlier one's result", () => {
    const d = rec();
    const second = splitParallel(d);
    // the weather result names the city as the hotel search wants it; the search waits for it
    const weather = d.messages[11];
    if (weather?.role !== "tool") throw new Error("fixture");
    weather.content = JSON.stringify({ forecast: "sunny", high_c: 23, low_c: 14, city_code: "LIS-PT-0117" });
    const args = JSON.parse(second.function.arguments) as Record<string, unknown>;
    second.function.arguments = JSON.stringify({ ...args, city: "LIS-PT-0117" });
    expect(checkPlan(d).reasons).toEqual([]);
    // a value the user gave when asked, between the two calls, makes the split right too
    const third = JSON.parse(second.function.arguments) as Record<string, unknown>;
    weather.content = JSON.stringify({ forecast: "sunny", high_c: 23, low_c: 14 });
    second.function.arguments = JSON.stringify({ ...third, city: "Lisbon", max_price: 120 });
    const question: Message = { role: "assistant", content: "What is your nightly budget for the hotel?" };
    const answer: Message = { role: "user", content: "Up to 120 a night." };
    d.messages.splice(12, 0, question, answer);
    d.stepOf.splice(12, 0, 3, 3);
    expect(checkPlan(d).reasons).toEqual([]);
    d.messages.splice(12, 2);
    d.stepOf.splice(12, 2);
    // the same split with no value passed on is still wrong
    second.function.arguments = JSON.stringify({ ...args, city: "Lisbon" });
    expect(checkPlan(d).reasons.join("\n")).toContain("step 3 (parallel) expects at least 2 calls in one assistant turn");
  });

  it("rejects a chained step whose call uses no earlier result", () => {
    const d = rec();
    d.messages[5] = { role: "user", content: "Book flight ZZ1 for Maria Silva, please." };
    setArgs(d, 6, { flight_id: "ZZ1" });
    expect(checkPlan(d).reasons.join("\n")).toMatch(/step 2 \(chained\): no call uses a value from an earlier tool result/);
  });

  it("rejects a clarify step without a question before the call", () => {
    const d = rec();
    // drop the assistant question and the user's answer: the call follows the request directly
    d.messages.splice(15, 2);
    d.stepOf.splice(15, 2);
    d.messages[14] = { role: "user", content: "Can you also rent me a car in Lisbon from 4 May for five days?" };
    expect(checkFormat(d).passed).toBe(true);
    expect(checkPlan(d).reasons).toContain("step 4 (clarify): no assistant question (without a call) before the call");
  });

  it("rejects a chitchat step with a tool call, and a step that does not call its tool", () => {
    const d = rec();
    d.plan?.steps.splice(3, 1, {
      id: 4,
      kind: "no_tool",
      intent: "rent a car",
      tools: [],
      dependsOn: [],
    });
    expect(checkPlan(d).reasons).toContain("step 4 (no_tool) should have no tool call, found 1");

    const d2 = rec();
    const step3 = d2.plan?.steps[2];
    if (!step3) throw new Error("fixture");
    step3.tools = ["get_weather", "search_hotels", "rent_car"];
    expect(checkPlan(d2).reasons).toContain('step 3 (parallel) does not call its tool "rent_car"');
  });

  it("rejects calls to a tool outside the step's tools and calls outside any step", () => {
    const d = rec();
    const s1 = d.plan?.steps[0];
    if (!s1) throw new Error("fixture");
    s1.tools = ["book_flight"];
    expect(checkPlan(d).reasons).toContain('step 1 (single) calls "search_flights", which is not among its tools');

    const d2 = rec();
    d2.stepOf[2] = null;
    expect(checkPlan(d2).reasons).toContain("message 2: tool calls outside any plan step");
  });

  it("rejects steps out of order and unknown step ids", () => {
    const d = rec();
    const [a, b] = [d.plan?.steps[0], d.plan?.steps[1]];
    if (!a || !b || !d.plan) throw new Error("fixture");
    d.plan.steps[0] = b;
    d.plan.steps[1] = a;
    expect(checkPlan(d).reasons.join("\n")).toMatch(/step 1 starts \(message 1\) before step 2/);
    expect(checkPlan(d, { requireStepOrder: false }).passed).toBe(true);

    const d2 = rec();
    d2.stepOf[20] = 9;
    expect(checkPlan(d2).reasons).toContain("message 20: refers to unknown plan step 9");
  });
});

describe("provenance check", () => {
  it("rejects a value nobody said and names it", () => {
    const d = rec();
    setArgs(d, 2, { destination: "Porto", passengers: 4 });
    const r = checkProvenance(d);
    expect(r.passed).toBe(false);
    expect(r.reasons).toEqual([
      'ungrounded argument search_flights/destination = "Porto" (call call_1)',
      "ungrounded argument search_flights/passengers = 4 (call call_1)",
    ]);
    expect(r.metrics).toEqual({ args: 17, grounded: 13, converted: 0, defaulted: 2, knowledge: 0, ungrounded: 2, ungroundedRate: 2 / 17 });
  });

  it("does not count values that only appear later in the dialogue", () => {
    const d = rec();
    // the booking id is only known after the booking call
    setArgs(d, 6, { passenger_name: "BK-7781" });
    expect(findUngroundedArgs(d).ungrounded).toEqual([
      { tool: "book_flight", callId: "call_2", path: "/passenger_name", value: "BK-7781" },
    ]);
  });

  it("does not ground values in the assistant's own words", () => {
    const d = rec();
    assistantAt(d, 4).content = "I found TP218 and UA66. Shall I also book for Maria Silva?";
    d.messages[5] = { role: "user", content: "Yes, book the cheaper one for her." };
    const names = findUngroundedArgs(d).ungrounded.map((u) => `${u.path}=${String(u.value)}`);
    expect(names).toEqual(["/passenger_name=Maria Silva"]);
  });

  it("accepts enum members and defaults nobody mentioned", () => {
    const d = rec();
    setArgs(d, 10, { units: "imperial" });
    expect(checkProvenance(d).passed).toBe(true);
  });

  it("checks the leaves of nested arrays and objects", () => {
    const d = rec();
    d.tools[1] = {
      ...d.tools[1]!,
      parameters: {
        type: "object",
        properties: {
          flight_id: { type: "string" },
          passenger_name: { type: "string" },
          extras: { type: "array", items: { type: "object", properties: { kind: { type: "string" }, qty: { type: "integer" } } } },
        },
        required: ["flight_id", "passenger_name"],
      },
    };
    setArgs(d, 6, { extras: [{ kind: "bags", qty: 2 }, { kind: "lounge", qty: 7 }] });
    d.messages[5] = { role: "user", content: "Book the cheaper one for Maria Silva, please, with 2 bags." };
    const u = findUngroundedArgs(d).ungrounded;
    expect(u.map((x) => x.path)).toEqual(["/extras/1/kind", "/extras/1/qty"]);
  });

  it("flags instead of rejecting in flag mode, and can be turned off", () => {
    const d = rec();
    setArgs(d, 2, { destination: "Porto" });
    const flagged = checkProvenance(d, { provenance: "flag" });
    expect(flagged).toMatchObject({ passed: true, flagged: true });
    expect(flagged.reasons).toHaveLength(1);
    expect(verifyDialogue(d, { provenance: "flag" }).passed).toBe(true);
    expect(verifyDialogue(d).passed).toBe(false);
    const off = checkProvenance(d, { provenance: "off" });
    expect(off).toMatchObject({ passed: true, skipped: true });
  });

  it("grounds in the system prompt only when asked", () => {
    const d = rec();
    d.messages[0] = { role: "system", content: "You are a travel assistant. The customer is Maria Silva." };
    d.messages[5] = { role: "user", content: "Book the cheaper one for me, please." };
    expect(checkProvenance(d).passed).toBe(false);
    expect(checkProvenance(d, { groundInSystem: true }).passed).toBe(true);
  });
});
