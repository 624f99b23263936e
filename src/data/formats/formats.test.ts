import { describe, it, expect } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DialogueRecord, Message } from "../../core/index.js";
import { InputError } from "../../core/index.js";
import { exampleDialogueRecord } from "../../../test/support/example-dialogue.js";
import {
  compileChatTemplate,
  getFormat,
  readChatTemplate,
  sequentialCalls,
  EXPORT_FORMATS,
  type ExportFormatName,
  type ParsedDialogue,
} from "./index.js";
import { canonMessages } from "../../../test/support/canon-dialogue.js";

const canon = canonMessages;

const KEEPS_CALL_TEXT: Record<ExportFormatName, boolean> = {
  openai: true,
  sharegpt: true,
  hermes: true,
  llama31: false,
  xlam: false,
};

function roundTrip(name: ExportFormatName, record: DialogueRecord): ParsedDialogue[] {
  const f = getFormat(name);
  // through JSON text, as the files hold it
  return f.toRows(record).map((row) => f.fromRow(JSON.parse(JSON.stringify(row))));
}

function variants(): Array<[string, DialogueRecord]> {
  const noSystem = exampleDialogueRecord();
  noSystem.messages.shift();
  noSystem.stepOf.shift();
  const noPlan = exampleDialogueRecord();
  noPlan.plan = null;
  noPlan.stepOf = noPlan.stepOf.map(() => null);
  const textResult = exampleDialogueRecord();
  const t = textResult.messages[7];
  if (t?.role === "tool") t.content = "Booking confirmed: BK-7781";
  return [
    ["example", exampleDialogueRecord()],
    ["without system message", noSystem],
    ["without plan", noPlan],
    ["with a plain-text tool result", textResult],
  ];
}

describe.each(EXPORT_FORMATS.filter((f) => f !== "xlam"))("%s round trip", (name) => {
  it.each(variants())("parse(write(x)) = x: %s", (_label, record) => {
    const [parsed, ...more] = roundTrip(name, record);
    expect(more).toHaveLength(0);
    // llama31 has one call per assistant message: parallel calls come back as consecutive single calls
    const expected = name === "llama31" ? sequentialCalls(record.messages).messages : record.messages;
    expect(canon(parsed!.messages, KEEPS_CALL_TEXT[name])).toEqual(canon(expected, KEEPS_CALL_TEXT[name]));
    const sys = record.messages[0]?.role === "system" ? record.messages[0].content : undefined;
    expect(parsed!.system).toEqual(sys);
    expect(parsed!.tools).toEqual(record.tools.map((t) => ({ name: t.name, description: t.description, parameters: t.parameters })));
  });
});

describe("xlam", () => {
  const record = exampleDialogueRecord();
  const rows = getFormat("xlam").toRows(record) as Array<{ id: number; query: string; tools: string; answers: string }>;

  it("writes one row per user turn that leads to calls", () => {
    expect(rows.map((r) => r.id)).toEqual([0, 1, 2, 3]);
    expect(rows.map((r) => (r as unknown as { dialogue_id: string }).dialogue_id)).toEqual(Array(4).fill("example-0001"));
    expect(rows[0]?.query).toBe("Hi! I need a flight from Boston to Lisbon on May 3, 2024 for 2 people.");
    // the clarify step: the request and the answer to the assistant's question
    expect(rows[3]?.query).toBe("Great. Can you also rent me a car in Lisbon?\nPick it up on 4 May, for five days.");
    expect(JSON.parse(rows[2]!.answers)).toEqual([
      { name: "get_weather", arguments: { city: "Lisbon", date: "2024-05-03", units: "metric" } },
      { name: "search_hotels", arguments: { city: "Lisbon", check_in: "2024-05-03", nights: 3, max_price: 150 } },
    ]);
  });

  it("uses APIGen's flat parameter descriptions", () => {
    const tools = JSON.parse(rows[0]!.tools) as Array<{ name: string; parameters: Record<string, { type: string; default?: unknown }> }>;
    const flights = tools.find((t) => t.name === "search_flights");
    expect(flights?.parameters.origin?.type).toBe("str");
    expect(flights?.parameters.passengers?.type).toBe("int, optional");
    expect(flights?.parameters.cabin).toMatchObject({ type: "str, optional", default: "economy" });
  });

  it("reads the flat parameters back as JSON Schema: types, optional, defaults, nested fields (enums stay in the description)", () => {
    const f = getFormat("xlam");
    const tools = f.fromRow(JSON.parse(JSON.stringify(rows[0]))).tools;
    expect(tools.map((t) => t.name)).toEqual(record.tools.map((t) => t.name));
    expect(tools.find((t) => t.name === "search_flights")?.parameters).toEqual({
      type: "object",
      properties: {
        origin: { type: "string", description: "Departure city" },
        destination: { type: "string", description: "Arrival city" },
        date: { type: "string", description: "Departure date, YYYY-MM-DD" },
        passengers: { type: "integer", description: "Number of travellers" },
        cabin: { type: "string", description: 'One of: "economy", "business".', default: "economy" },
      },
      required: ["origin", "destination", "date"],
    });
    // APIGen's own type names (xlam-function-calling-60k), and a tool whose parameters are a JSON Schema already
    const schema = { type: "object", properties: { q: { type: "string" } }, required: ["q"] };
    const row = {
      query: "q",
      answers: "[]",
      tools: JSON.stringify([
        {
          name: "f",
          description: "",
          parameters: {
            ids: { type: "List[int]", description: "" },
            opts: { type: "Dict[str, Any], optional", description: "" },
            maybe: { type: "Optional[str]", description: "" },
            either: { type: "Union[int, float]", description: "" },
            nullable: { type: "str | None", description: "", default: null },
            pair: { type: "Tuple[int, int]", description: "two ints" },
            properties: { type: "str", description: "a parameter named properties" },
            nested: { type: "Dict", description: "", properties: { a: { type: "int", description: "" } } },
          },
        },
        { name: "g", description: "", parameters: schema },
      ]),
    };
    const [fTool, gTool] = f.fromRow(row).tools;
    expect(fTool?.parameters).toEqual({
      type: "object",
      properties: {
        ids: { type: "array", items: { type: "integer" } },
        opts: { type: "object" },
        maybe: { type: "string" },
        either: { type: ["integer", "number"] },
        nullable: { type: ["string", "null"], default: null },
        pair: { description: "two ints" },
        properties: { type: "string", description: "a parameter named properties" },
        nested: { type: "object", properties: { a: { type: "integer" } }, required: ["a"] },
      },
      required: ["ids", "either", "nullable", "pair", "properties", "nested"],
    });
    expect(gTool?.parameters).toEqual(schema);
  });

  it("round-trips each row to its user turn and calls", () => {
    const f = getFormat("xlam");
    const parsed = rows.map((r) => f.fromRow(JSON.parse(JSON.stringify(r))));
    const callMsgs = [2, 6, 10, 17].map((i) => record.messages[i] as Message);
    parsed.forEach((p, k) => {
      expect(p.messages[0]).toEqual({ role: "user", content: rows[k]!.query });
      expect(canon([p.messages[1]!], false)).toEqual(canon([callMsgs[k]!], false));
    });
  });
});

describe("format details", () => {
  const record = exampleDialogueRecord();

  it("openai: function tools, no tool names on tool messages, parallel flag", () => {
    const [row] = getFormat("openai").toRows(record) as Array<{ messages: Message[]; tools: unknown[]; parallel_tool_calls: boolean }>;
    expect(row?.tools[0]).toEqual({ type: "function", function: { name: "search_flights", description: expect.any(String), parameters: expect.any(Object) } });
    expect(row?.messages.filter((m) => m.role === "tool").every((m) => !("name" in m))).toBe(true);
    expect(row?.parallel_tool_calls).toBe(true);
    expect(typeof (row?.messages[2] as { tool_calls: Array<{ function: { arguments: unknown } }> }).tool_calls[0]?.function.arguments).toBe("string");
  });

  it("sharegpt: LLaMA-Factory's alternation, parallel calls as arrays, tools as a JSON string", () => {
    const [row] = getFormat("sharegpt").toRows(record) as Array<{ conversations: Array<{ from: string; value: string }>; system: string; tools: string }>;
    const conv = row!.conversations;
    conv.forEach((c, i) => expect(i % 2 === 0 ? ["human", "observation"] : ["gpt", "function_call"]).toContain(c.from));
    expect(conv.length % 2).toBe(0);
    expect(row!.system).toBe("You are a helpful travel assistant.");
    const parallel = conv.find((c) => c.from === "function_call" && c.value.startsWith("["));
    expect(JSON.parse(parallel!.value)).toHaveLength(2);
    const obs = conv[conv.indexOf(parallel!) + 1]!;
    expect(obs.from).toBe("observation");
    const parts = obs.value.split("\n</tool_response>\n<tool_response>\n");
    expect(parts.map((p) => JSON.parse(p))).toEqual([{ forecast: "sunny", high_c: 23, low_c: 14 }, expect.objectContaining({ hotels: expect.any(Array) })]);
    expect(JSON.parse(row!.tools)[0].name).toBe("search_flights");
  });

  it("hermes: <tools> in the system turn, <tool_call> and <tool_response> tags", () => {
    const [row] = getFormat("hermes").toRows(record) as Array<{ conversations: Array<{ from: string; value: string }> }>;
    const conv = row!.conversations;
    expect(conv[0]?.from).toBe("system");
    expect(conv[0]?.value).toMatch(/<tools>\n\[\{"type":"function","function":\{"name":"search_flights"/);
    expect(conv[0]?.value.endsWith("You are a helpful travel assistant.")).toBe(true);
    const parallel = conv.find((c) => c.from === "gpt" && (c.value.match(/<tool_call>/g) ?? []).length === 2);
    expect(parallel).toBeDefined();
    const responses = conv[conv.indexOf(parallel!) + 1]!;
    expect(responses.from).toBe("tool");
    expect(responses.value).toContain('<tool_response>\n{"name":"get_weather","content":{"forecast":"sunny"');
    expect(conv.find((c) => c.value.startsWith("Booking TP218 for Maria Silva.\n<tool_call>"))).toBeDefined();
  });

  it("llama31: Meta's header tokens, Environment: ipython, tools in the first user message, single calls, ipython results", () => {
    const [row] = getFormat("llama31").toRows(record) as Array<{ text: string }>;
    const text = row!.text;
    expect(text.startsWith("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nEnvironment: ipython\nCutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\nYou are a helpful travel assistant.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nGiven the following functions")).toBe(true);
    expect(text).toContain('<|start_header_id|>assistant<|end_header_id|>\n\n{"name": "search_flights", "parameters": {"origin": "Boston", "destination": "Lisbon", "date": "2024-05-03", "passengers": 2, "cabin": "economy"}}<|eot_id|>');
    expect(text).toContain('<|start_header_id|>ipython<|end_header_id|>\n\n"{\\"booking_id\\":\\"BK-7781\\",\\"status\\":\\"confirmed\\"}"<|eot_id|>');
    expect(text).not.toContain('[{"name"');
    expect(text.endsWith("perfect for walking around Alfama.<|eot_id|>")).toBe(true);
    // one <|eot_id|> per message, the parallel turn's two calls as two messages
    expect((text.match(/<\|eot_id\|>/g) ?? []).length).toBe(sequentialCalls(record.messages).messages.length);
  });

  it("llama31: renders with a model's own template from tokenizer_config.json", () => {
    const dir = mkdtempSync(join(tmpdir(), "tf-tmpl-"));
    const cfg = join(dir, "tokenizer_config.json");
    writeFileSync(
      cfg,
      JSON.stringify({
        chat_template:
          "{{ bos_token }}{% for m in messages %}<{{ m.role }}>{% if m.tool_calls %}{% for c in m.tool_calls %}{{ c.function.name }}{{ c.function.arguments | tojson }}{% endfor %}{% else %}{{ m.content }}{% endif %}{% endfor %}",
      }),
    );
    const tmpl = compileChatTemplate(readChatTemplate(cfg), cfg);
    const [row] = getFormat("llama31", { chatTemplate: tmpl }).toRows(record) as Array<{ text: string }>;
    expect(row!.text.startsWith("<|begin_of_text|><system>You are a helpful travel assistant.<user>Hi!")).toBe(true);
    expect(row!.text).toContain('<assistant>book_flight{"flight_id": "TP218", "passenger_name": "Maria Silva"}');
  });

  it("llama31: a template that raises names the dialogue; a bad template file is an InputError", () => {
    const tmpl = compileChatTemplate("{{ raise_exception('only single calls') }}");
    expect(() => getFormat("llama31", { chatTemplate: tmpl }).toRows(record)).toThrow(/dialogue example-0001: .*only single calls/);
    const dir = mkdtempSync(join(tmpdir(), "tf-tmpl-"));
    const bad = join(dir, "tokenizer_config.json");
    writeFileSync(bad, JSON.stringify({ eos_token: "x" }));
    expect(() => readChatTemplate(bad)).toThrow(InputError);
    expect(() => readChatTemplate(bad)).toThrow(/tokenizer_config\.json at \/chat_template: no chat_template/);
  });
});

describe("reasoning (export --reasoning)", () => {
  /** The example dialogue with reasoning on its first two assistant messages. */
  function withReasoning(): DialogueRecord {
    const r = exampleDialogueRecord();
    const assistants = r.messages.flatMap((m, i) => (m.role === "assistant" ? [i] : []));
    r.reasoning = r.messages.map(() => null);
    r.reasoning[assistants[0]!] = "Search flights first.";
    r.reasoning[assistants[1]!] = "  Offer the two options.  ";
    return r;
  }

  it("writes nothing of it without the option, in every format", () => {
    const r = withReasoning();
    for (const name of EXPORT_FORMATS) {
      const text = JSON.stringify(getFormat(name).toRows(r));
      expect(text, name).not.toContain("Search flights first");
      expect(text, name).not.toContain("<think>");
      expect(text, name).not.toContain("reasoning_content");
    }
  });

  it("openai: reasoning_content beside content; hermes / sharegpt: <think> before the answer; xlam: none", () => {
    const r = withReasoning();
    const [first, second] = r.messages.flatMap((m, i) => (m.role === "assistant" ? [i] : []));
    const openai = getFormat("openai").toRows(r, { reasoning: true })[0] as { messages: Array<Record<string, unknown>> };
    expect(openai.messages[first!]).toMatchObject({ role: "assistant", reasoning_content: "Search flights first." });
    expect(openai.messages[second!]).toMatchObject({ role: "assistant", reasoning_content: "Offer the two options." });
    expect(openai.messages.filter((m) => "reasoning_content" in m)).toHaveLength(2);
    // the parser reads the row back to the same messages
    expect(getFormat("openai").fromRow(openai).messages).toEqual(getFormat("openai").fromRow(getFormat("openai").toRows(r)[0]).messages);

    const hermes = getFormat("hermes").toRows(r, { reasoning: true })[0] as { conversations: Array<{ from: string; value: string }> };
    const gpt = hermes.conversations.filter((t) => t.from === "gpt");
    expect(gpt[0]!.value).toMatch(/^<think>\nSearch flights first\.\n<\/think>\n\n<tool_call>/);
    expect(gpt[1]!.value.startsWith("<think>\nOffer the two options.\n</think>\n\n")).toBe(true);
    expect(gpt.slice(2).every((t) => !t.value.includes("<think>"))).toBe(true);
    expect(getFormat("hermes").fromRow(hermes)).toEqual(getFormat("hermes").fromRow(getFormat("hermes").toRows(r)[0]));

    const sharegpt = getFormat("sharegpt").toRows(r, { reasoning: true })[0] as { conversations: Array<{ from: string; value: string }> };
    expect(sharegpt.conversations.find((t) => t.from === "function_call")!.value).toMatch(/^<think>\nSearch flights first\.\n<\/think>\n\n\{/);
    expect(getFormat("sharegpt").fromRow(sharegpt)).toEqual(getFormat("sharegpt").fromRow(getFormat("sharegpt").toRows(r)[0]));

    expect(getFormat("xlam").toRows(r, { reasoning: true })).toEqual(getFormat("xlam").toRows(r));
    expect(getFormat("llama31").toRows(r, { reasoning: true })).toEqual(getFormat("llama31").toRows(r));
  });

  it("refuses reasoning that does not fit the messages", () => {
    const r = withReasoning();
    r.reasoning = r.reasoning!.slice(1);
    expect(() => getFormat("openai").toRows(r, { reasoning: true })).toThrow(/reasoning has \d+ entries/);
  });
});

describe("calls written as text in rows: core's reader for every format", () => {
  it("keeps numbers as written (2.0 stays 2.0) and reads Python-literal calls, in hermes, sharegpt and xlam rows", () => {
    const hermes = getFormat("hermes").fromRow({
      conversations: [
        { from: "human", value: "go" },
        { from: "gpt", value: `<tool_call>\n{"name": "f", "arguments": {"x": 2.0, "y": 1e3}}\n</tool_call>` },
      ],
    });
    const a = hermes.messages[1];
    expect(a?.role === "assistant" && a.tool_calls?.[0]?.function.arguments).toBe('{"x":2.0,"y":1e3}');
    const sharegpt = getFormat("sharegpt").fromRow({
      conversations: [
        { from: "human", value: "go" },
        { from: "function_call", value: `{'name': 'f', 'arguments': {'ok': True, 'n': None}}` },
      ],
    });
    const b = sharegpt.messages[1];
    expect(b?.role === "assistant" && JSON.parse(b.tool_calls?.[0]?.function.arguments ?? "")).toEqual({ ok: true, n: null });
    const xlam = getFormat("xlam").fromRow({ query: "q", tools: "[]", answers: '[{"name": "f", "arguments": {"x": 2.0}}]' });
    const c = xlam.messages[1];
    expect(c?.role === "assistant" && c.tool_calls?.[0]?.function.arguments).toBe('{"x":2.0}');
    expect(() => getFormat("xlam").fromRow({ query: "q", answers: '{"nothing": 1}' })).toThrow(/not a call/);
  });
});
