import { describe, expect, it } from "vitest";
import { normalizeArguments, parseTextToolCalls, splitReasoning } from "./text-calls.js";

const TOOLS = ["get_weather", "book_flight"];

describe("parseTextToolCalls", () => {
  it("reads Hermes/Qwen <tool_call> blocks, several, and keeps the text around them", () => {
    const text =
      'Let me check.\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>\n<tool_call>{"name": "book_flight", "arguments": {"to": "Rome"}}</tool_call>';
    const r = parseTextToolCalls(text, TOOLS);
    expect(r.format).toBe("hermes");
    expect(r.calls).toEqual([
      { name: "get_weather", arguments: '{"city":"Paris"}' },
      { name: "book_flight", arguments: '{"to":"Rome"}' },
    ]);
    expect(r.text).toBe("Let me check.");
  });

  it("reads an unclosed last <tool_call> and repairs its JSON", () => {
    const r = parseTextToolCalls('<tool_call>{"name": "get_weather", "arguments": {"city": "Oslo"}', TOOLS);
    expect(r.calls).toEqual([{ name: "get_weather", arguments: '{"city":"Oslo"}' }]);
    expect(r.text).toBe("");
  });

  it("reads Llama <|python_tag|> calls, one or several separated by ;", () => {
    const r = parseTextToolCalls(
      '<|python_tag|>{"name": "get_weather", "parameters": {"city": "Paris"}}; {"name": "book_flight", "parameters": {"to": "Rome"}}<|eom_id|>',
      TOOLS,
    );
    expect(r.format).toBe("llama");
    expect(r.calls.map((c) => c.name)).toEqual(["get_weather", "book_flight"]);
    expect(JSON.parse(r.calls[0]!.arguments)).toEqual({ city: "Paris" });
    expect(r.text).toBe("");
  });

  it("reads a bare JSON call or a list of them (with parameters or arguments), also in a code fence", () => {
    const one = parseTextToolCalls('{"name": "get_weather", "parameters": {"city": "Paris"}}', TOOLS);
    expect(one.format).toBe("json");
    expect(one.calls).toEqual([{ name: "get_weather", arguments: '{"city":"Paris"}' }]);
    const list = parseTextToolCalls(
      'Sure.\n```json\n[{"name": "get_weather", "arguments": {"city": "Paris"}}, {"name": "book_flight", "arguments": "{\\"to\\": \\"Rome\\"}"}]\n```',
      TOOLS,
    );
    expect(list.calls.map((c) => c.name)).toEqual(["get_weather", "book_flight"]);
    expect(JSON.parse(list.calls[1]!.arguments)).toEqual({ to: "Rome" });
    expect(list.text).toBe("Sure.");
  });

  it("leaves bare JSON alone when its names are not offered tools, or when it is other JSON", () => {
    const text = 'Here is an example: {"name": "delete_everything", "arguments": {}}';
    expect(parseTextToolCalls(text, TOOLS)).toEqual({ calls: [], text });
    const other = '{"result": {"name": "get_weather", "arguments": {}}}';
    expect(parseTextToolCalls(other, TOOLS).calls).toEqual([]);
    expect(parseTextToolCalls('{"name": "get_weather"}', []).calls).toEqual([]);
  });

  it("reads Mistral [TOOL_CALLS] lists and the [ARGS] form", () => {
    const r = parseTextToolCalls('[TOOL_CALLS][{"name": "get_weather", "arguments": {"city": "Paris"}}]', TOOLS);
    expect(r.format).toBe("mistral");
    expect(r.calls).toEqual([{ name: "get_weather", arguments: '{"city":"Paris"}' }]);
    const v11 = parseTextToolCalls('[TOOL_CALLS]get_weather[ARGS]{"city": "Paris"}[TOOL_CALLS]book_flight[ARGS]{"to": "Rome"}', TOOLS);
    expect(v11.calls).toEqual([
      { name: "get_weather", arguments: '{"city": "Paris"}' },
      { name: "book_flight", arguments: '{"to": "Rome"}' },
    ]);
    expect(v11.text).toBe("");
  });

  it("keeps the arguments as written, so that 2.0 stays 2.0 (a float for BFCL's checker)", () => {
    const h = parseTextToolCalls('<tool_call>{"name": "get_weather", "arguments": {"days": [1.0, 3.0], "x": 0.0}}</tool_call>', TOOLS);
    expect(h.calls[0]?.arguments).toBe('{"days":[1.0,3.0],"x":0.0}');
    const l = parseTextToolCalls('<|python_tag|>{"name": "get_weather", "parameters": {"x": 2.0}}; {"name": "book_flight", "parameters": {"y": 1e-9}}', TOOLS);
    expect(l.calls.map((c) => c.arguments)).toEqual(['{"x":2.0}', '{"y":1e-9}']);
    const b = parseTextToolCalls('[{"name": "get_weather", "arguments": {"x": 2.0}}, {"function": {"name": "book_flight", "arguments": {"s": "a, \\"b\\" }"}}}]', TOOLS);
    expect(b.calls.map((c) => c.arguments)).toEqual(['{"x":2.0}', '{"s":"a, \\"b\\" }"}']);
    // a key given twice: the last one, as JSON.parse reads it
    expect(parseTextToolCalls('<tool_call>{"name": "get_weather", "arguments": {"x": 1, "x": 2}}</tool_call>', TOOLS).calls[0]?.arguments).toBe('{"x":2}');
    // repaired JSON keeps its numbers too
    expect(parseTextToolCalls("<tool_call>{'name': 'get_weather', 'arguments': {'x': 2.0,}}</tool_call>", TOOLS).calls[0]?.arguments).toBe('{"x":2.0}');
  });

  it("returns plain text unchanged", () => {
    expect(parseTextToolCalls("The weather in Paris is sunny.", TOOLS)).toEqual({ calls: [], text: "The weather in Paris is sunny." });
  });
});

describe("normalizeArguments", () => {
  it("serializes objects, keeps JSON strings, repairs almost-JSON, keeps the rest", () => {
    expect(normalizeArguments({ a: 1 })).toBe('{"a":1}');
    expect(normalizeArguments('{"a": 1}')).toBe('{"a": 1}');
    expect(normalizeArguments('{"a": 1')).toBe('{"a": 1}');
    expect(normalizeArguments("{'a': 1,}")).toBe('{"a": 1}');
    // a repair keeps the numbers as written (BFCL tells 2.0 from 2)
    expect(normalizeArguments("{'xs': [1.0, 3.0],}")).toBe('{"xs": [1.0, 3.0]}');
    expect(normalizeArguments('{"xs": [2.0, 4.50')).toBe('{"xs": [2.0, 4.50]}');
    expect(normalizeArguments(undefined)).toBe("{}");
    expect(normalizeArguments("")).toBe("{}");
    expect(normalizeArguments("not json")).toBe("not json");
    expect(normalizeArguments("{not json")).toBe("{not json");
    expect(normalizeArguments('{"a": [1, 2')).toBe('{"a": [1, 2]}');
  });
});

describe("splitReasoning", () => {
  it("takes <think> blocks out of the text", () => {
    expect(splitReasoning("<think>\nThe user wants X.\n</think>\n\nHere is X.")).toEqual({ text: "Here is X.", reasoning: "The user wants X." });
    expect(splitReasoning("Plain.")).toEqual({ text: "Plain." });
  });
  it("handles a lone </think> (opened in the prompt) and an unclosed <think>", () => {
    expect(splitReasoning("I should answer.</think>Answer.")).toEqual({ text: "Answer.", reasoning: "I should answer." });
    expect(splitReasoning("Answer.<think>more thoughts")).toEqual({ text: "Answer.", reasoning: "more thoughts" });
    expect(splitReasoning("<think></think>Answer.")).toEqual({ text: "Answer." });
  });
  it("keeps reasoning apart when a tool call was inside it: calls from the whole text first", () => {
    const raw = '<think>I need the weather.\n<tool_call>{"name": "get_weather", "arguments": {"city": "Paris"}}</tool_call></think>';
    const calls = parseTextToolCalls(raw, TOOLS);
    expect(calls.calls).toHaveLength(1);
    expect(splitReasoning(calls.text)).toEqual({ text: "", reasoning: "I need the weather." });
  });
});
