/**
 * Each format held to what its consumer's published rules require (docs/verify-export.md lists them): LLaMA-Factory
 * for ShareGPT and the OpenAI export, Hermes 2 Pro's tool_use template for `--hermes-style nous`, the published
 * rows of Salesforce/xlam-function-calling-60k for xLAM. And each writes and reads back the same dialogue, for
 * dialogues with parallel calls, error results and text beside calls.
 */
import { describe, it, expect } from "vitest";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DialogueRecord, Message, ToolSpec } from "../core/index.js";
import { datasetStats, llamaFactoryDatasetInfo, renderDatasetCard } from "../report/index.js";
import { exampleDialogueRecord } from "../../test/support/example-dialogue.js";
import { exportDataset } from "./export.js";
import { getFormat, nousPythonType, nousTool, OBSERVATION_JOIN, type ExportFormat, type FunctionDef } from "../data/index.js";

type Conv = Array<{ from: string; value: string }>;

/** The example dialogue with text beside its parallel calls, and error results (JSON and plain text) among them. */
function tricky(): DialogueRecord {
  const r = exampleDialogueRecord();
  const parallel = r.messages.find((m) => m.role === "assistant" && (m.tool_calls?.length ?? 0) > 1);
  if (parallel?.role === "assistant") parallel.content = "Let me check the weather and the hotels.";
  const hotels = r.messages.find((m) => m.role === "tool" && m.name === "search_hotels");
  if (hotels?.role === "tool") hotels.content = "Error: the hotel service is unavailable";
  const car = r.messages.find((m) => m.role === "tool" && m.name === "rent_car");
  if (car?.role === "tool") car.content = JSON.stringify({ error: "no cars left", code: 409 });
  return r;
}

/** Every message with calls and results paired by position (ids are renumbered by formats without ids). */
function canon(messages: Message[]): unknown[] {
  const index = new Map<string, number>();
  let n = 0;
  return messages.map((m) => {
    if (m.role === "assistant") {
      const calls = m.tool_calls ?? [];
      for (const c of calls) index.set(c.id, n++);
      return {
        role: "assistant",
        content: calls.length > 0 ? m.content?.trim() || null : (m.content ?? "").trim(),
        calls: calls.map((c) => ({ name: c.function.name, args: JSON.parse(c.function.arguments) as unknown })),
      };
    }
    if (m.role === "tool") return { role: "tool", answers: index.get(m.tool_call_id), content: m.content };
    return { role: m.role, content: m.content };
  });
}

function roundTrip(format: ExportFormat, record: DialogueRecord) {
  const rows = format.toRows(record);
  expect(rows).toHaveLength(1);
  return format.fromRow(JSON.parse(JSON.stringify(rows[0])));
}

const defs = (r: DialogueRecord): FunctionDef[] => r.tools.map((t) => ({ name: t.name, description: t.description, parameters: t.parameters }));

/** The messages without the text beside calls (formats with no place for it). */
const withoutTextBesideCalls = (messages: Message[]): Message[] =>
  messages.map((m) => (m.role === "assistant" && (m.tool_calls?.length ?? 0) > 0 ? { ...m, content: null } : m));

describe("round trip: parallel calls, error results, text beside calls", () => {
  const cases: Array<[string, ExportFormat, boolean]> = [
    ["openai", getFormat("openai"), true],
    ["openai --tool-name", getFormat("openai", { toolName: true }), true],
    ["sharegpt", getFormat("sharegpt"), true],
    ["hermes", getFormat("hermes"), true],
    // Hermes 2 Pro's template writes no text beside calls
    ["hermes --hermes-style nous", getFormat("hermes", { hermesStyle: "nous" }), false],
  ];
  it.each(cases)("%s reads back the same dialogue, system prompt and tools", (_name, format, keepsText) => {
    for (const record of [exampleDialogueRecord(), tricky()]) {
      const parsed = roundTrip(format, record);
      const [system, ...rest] = record.messages;
      expect(canon(parsed.messages)).toEqual(canon(keepsText ? rest : withoutTextBesideCalls(rest)));
      expect(parsed.system).toBe(system?.role === "system" ? system.content : undefined);
      expect(parsed.tools).toEqual(defs(record));
    }
  });
});

describe("ShareGPT as LLaMA-Factory reads it", () => {
  const record = tricky();
  const [row] = getFormat("sharegpt").toRows(record) as Array<{ conversations: Conv; system: string; tools: string }>;
  const conv = row!.conversations;

  it("human / observation at odd positions, gpt / function_call at even ones, ending with gpt", () => {
    conv.forEach((t, i) => expect(i % 2 === 0 ? ["human", "observation"] : ["gpt", "function_call"], `turn ${i}`).toContain(t.from));
    expect(conv.at(-1)?.from).toBe("gpt");
  });

  it("one observation holds every result of its calls, in call order, joined as LLaMA-Factory's converter joins them", () => {
    const calls = record.messages.filter((m) => m.role === "assistant" && (m.tool_calls?.length ?? 0) > 0);
    const results = record.messages.filter((m): m is Extract<Message, { role: "tool" }> => m.role === "tool");
    const observations = conv.filter((t) => t.from === "observation");
    expect(observations).toHaveLength(calls.length);
    // each function_call turn is followed by its observation
    conv.forEach((t, i) => {
      if (t.from === "function_call") expect(conv[i + 1]?.from).toBe("observation");
    });
    expect(observations.flatMap((o) => o.value.split(OBSERVATION_JOIN))).toEqual(results.map((m) => m.content));
    const parallel = observations.find((o) => o.value.includes(OBSERVATION_JOIN));
    expect(parallel?.value.split(OBSERVATION_JOIN)).toEqual([JSON.stringify({ forecast: "sunny", high_c: 23, low_c: 14 }), "Error: the hotel service is unavailable"]);
  });

  it("text beside calls is kept before <tool_call>, where LLaMA-Factory's function formatter keeps it", () => {
    const withText = conv.filter((t) => t.from === "function_call" && t.value.includes("<tool_call>"));
    expect(withText.map((t) => t.value.slice(0, t.value.indexOf("<tool_call>")))).toEqual([
      "Booking TP218 for Maria Silva.\n",
      "Let me check the weather and the hotels.\n",
    ]);
    // what the formatter parses: the JSON inside the first <tool_call> … </tool_call>, one call or a list
    const inner = /<tool_call>(.*?)<\/tool_call>/s.exec(withText[1]!.value)?.[1];
    expect(JSON.parse(inner!)).toEqual([
      { name: "get_weather", arguments: { city: "Lisbon", date: "2024-05-03", units: "metric" } },
      { name: "search_hotels", arguments: { city: "Lisbon", check_in: "2024-05-03", nights: 3, max_price: 150 } },
    ]);
    // calls without text stay plain JSON (read by every LLaMA-Factory version)
    const plain = conv.find((t) => t.from === "function_call" && !t.value.includes("<tool_call>"));
    expect(JSON.parse(plain!.value)).toMatchObject({ name: "search_flights", arguments: { origin: "Boston" } });
  });

  it("system and tools are columns of the row; tools a JSON string of {name, description, parameters}", () => {
    expect(row!.system).toBe("You are a helpful travel assistant.");
    expect(conv.some((t) => t.from === "system")).toBe(false);
    expect(JSON.parse(row!.tools)).toEqual(defs(record));
  });

  it("refuses a parallel result that holds the joining text", () => {
    const r = tricky();
    const hotels = r.messages.find((m) => m.role === "tool" && m.name === "search_hotels");
    if (hotels?.role === "tool") hotels.content = `a${OBSERVATION_JOIN}b`;
    expect(() => getFormat("sharegpt").toRows(r)).toThrow(/search_hotels holds the text that joins parallel results/);
  });

  it("still reads the JSON-array observations earlier toolflow versions wrote", () => {
    const old = structuredClone(row!);
    const obs = old.conversations.find((t) => t.value.includes(OBSERVATION_JOIN))!;
    obs.value = JSON.stringify(obs.value.split(OBSERVATION_JOIN).map((v) => (v.startsWith("{") ? JSON.parse(v) : v)));
    expect(canon(getFormat("sharegpt").fromRow(old).messages)).toEqual(canon(getFormat("sharegpt").fromRow(row).messages));
  });
});

describe("the dataset card's dataset_info.json entries", () => {
  const formats = [
    { name: "openai", description: "", rows: { train: 9, validation: 1, test: 0 } },
    { name: "sharegpt", description: "", rows: { train: 9, validation: 1, test: 0 } },
    { name: "xlam", description: "", rows: { train: 9, validation: 1, test: 0 } },
  ];
  const info = JSON.parse(llamaFactoryDatasetInfo(formats)!) as Record<string, Record<string, unknown>>;

  it("give ShareGPT its columns messages / system / tools and every tag", () => {
    expect(info.toolflow_sharegpt_train).toEqual({
      file_name: "sharegpt/train.jsonl",
      formatting: "sharegpt",
      columns: { messages: "conversations", system: "system", tools: "tools" },
      tags: { role_tag: "from", content_tag: "value", user_tag: "human", assistant_tag: "gpt", observation_tag: "observation", function_tag: "function_call", system_tag: "system" },
    });
  });

  it("give the OpenAI export LLaMA-Factory's openai formatting, tool messages as observations", () => {
    expect(info.toolflow_openai_validation).toMatchObject({
      file_name: "openai/validation.jsonl",
      formatting: "openai",
      columns: { messages: "messages", tools: "tools" },
      tags: { role_tag: "role", content_tag: "content", user_tag: "user", assistant_tag: "assistant", observation_tag: "tool", system_tag: "system" },
    });
    // one entry per non-empty split, none for formats LLaMA-Factory does not read
    expect(Object.keys(info).sort()).toEqual(["toolflow_openai_train", "toolflow_openai_validation", "toolflow_sharegpt_train", "toolflow_sharegpt_validation"]);
  });

  it("are in the card, as JSON to paste", () => {
    const card = renderDatasetCard({
      source: "run",
      stats: datasetStats([exampleDialogueRecord()]),
      splitCounts: { train: 9, validation: 1, test: 0 },
      splitRatios: [0.9, 0.1, 0],
      seed: 0,
      groups: 1,
      formats,
      version: "0.0.0",
    });
    const block = /### LLaMA-Factory[\s\S]*?```json\n([\s\S]*?)\n```/.exec(card)?.[1];
    expect(JSON.parse(block!)).toEqual(info);
    expect(card).toContain("silently drops both");
  });
});

/**
 * Worked out by hand from the template as llama.cpp ships it (models/templates/NousResearch-Hermes-2-Pro-Llama-3-8B-tool_use.jinja);
 * src/export/real-templates.test.ts renders that template itself for every dialogue of a sim run.
 */
describe("Hermes 2 Pro's tool_use template (--hermes-style nous)", () => {
  const record = tricky();
  const [row] = getFormat("hermes", { hermesStyle: "nous" }).toRows(record) as Array<{ conversations: Conv }>;
  const conv = row!.conversations;

  it("the system turn: the template's sentence, <tools> with each tool as it writes it, the pydantic sentence", () => {
    const sys = conv[0]!;
    expect(sys.from).toBe("system");
    expect(sys.value.startsWith("You are a function calling AI model. You are provided with function signatures within <tools></tools> XML tags. You may call one or more functions to assist with the user query. Don't make assumptions about what values to plug into functions. Here are the available tools: <tools> {\"type\": \"function\", \"function\": {\"name\": \"search_flights\", ")).toBe(true);
    expect(sys.value).toContain(
      ' </tools>Use the following pydantic model json schema for each tool call you will make: {"properties": {"name": {"title": "Name", "type": "string"}, "arguments": {"title": "Arguments", "type": "object"}}, "required": ["name", "arguments"], "title": "FunctionCall", "type": "object"}}\nFor each function call return a json object with function name and arguments within <tool_call></tool_call> XML tags as follows:\n<tool_call>\n{"name": <function-name>, "arguments": <args-dict>}\n</tool_call>',
    );
    expect(sys.value.endsWith("</tool_call>")).toBe(true);
    // the dialogue's own system prompt is a system turn of its own, as the template renders a system message
    expect(conv[1]).toEqual({ from: "system", value: "You are a helpful travel assistant." });
  });

  it("a tool as the template writes it: signature and Args in the description, parameters as tojson", () => {
    const tool: FunctionDef = {
      name: "get_stock",
      description: "Get a stock quote.",
      parameters: {
        type: "object",
        properties: { symbol: { type: "string", description: " The ticker. " }, days: { type: "integer", description: "Days back." } },
        required: ["symbol"],
      },
    };
    // worked out by hand from the template: "name(p: type, …) - description\n\n    Args:\n" and one
    // "        p(type): description|trim" per parameter with no line break between them
    expect(nousTool(tool)).toBe(
      '{"type": "function", "function": {"name": "get_stock", "description": "get_stock(symbol: str, days: int) - Get a stock quote.\n\n    Args:\n        symbol(str): The ticker.        days(int): Days back.", "parameters": {"type": "object", "properties": {"symbol": {"type": "string", "description": " The ticker. "}, "days": {"type": "integer", "description": "Days back."}}, "required": ["symbol"]}}',
    );
    expect(nousTool({ name: "ping", description: "Ping.", parameters: { type: "object", properties: {} } })).toBe(
      '{"type": "function", "function": {"name": "ping", "description": "ping() - Ping.\n\n", "parameters": {}}',
    );
  });

  it("types as the template's json_to_python_type names them under Python's Jinja, its slips kept", () => {
    expect(["string", "number", "integer", "boolean"].map((type) => nousPythonType({ type }))).toEqual(["str", "float", "int", "bool"]);
    // the macro recurses on `json_spec|items` (key-value pairs), whose undefined `.type` is an empty iterable
    expect(nousPythonType({ type: "array", items: { type: "string" } })).toBe("list[Union[]]");
    expect(nousPythonType({ type: "object" })).toBe("dict");
    expect(nousPythonType({ type: "object", additionalProperties: { type: "number" } })).toBe("dict[str, float]");
    expect(nousPythonType({ type: ["string", "integer"] })).toBe("Union[str,int]");
    expect(nousPythonType({ enum: ["a"] })).toBe("Union[]");
    // "null" makes the macro recurse without end; toolflow writes Any there
    expect(nousPythonType({ type: ["string", "null"] })).toBe("Union[str,Any]");
  });

  it("calls as <tool_call> JSON, name first; the text beside them is not written (the template drops it)", () => {
    const at = record.messages.findIndex((m) => m.role === "assistant" && (m.tool_calls?.length ?? 0) > 1);
    const parallel = conv.find((t) => t.from === "gpt" && t.value.includes('"name": "get_weather"'))!;
    expect(parallel.value).toBe(
      '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Lisbon", "date": "2024-05-03", "units": "metric"}}\n</tool_call>\n<tool_call>\n{"name": "search_hotels", "arguments": {"city": "Lisbon", "check_in": "2024-05-03", "nights": 3, "max_price": 150}}\n</tool_call>',
    );
    expect(record.messages[at]?.content).toBe("Let me check the weather and the hotels.");
    expect(JSON.stringify(conv)).not.toContain("Let me check");
    const beside = record.messages.filter((m) => m.role === "assistant" && m.tool_calls && m.content).length;
    expect(beside).toBeGreaterThan(1);
    expect(getFormat("hermes", { hermesStyle: "nous" }).cardNotes!([record])).toEqual([
      `${beside} assistant turns with text beside the calls: Hermes 2 Pro's template does not write it, and it is not written (\`--hermes-style nous\`).`,
    ]);
  });

  it("one tool turn per call turn, each result as it is in <tool_response> tags, each tag followed by a line break", () => {
    const at = conv.findIndex((t) => t.from === "gpt" && t.value.includes('"name": "get_weather"'));
    expect(conv[at + 1]).toEqual({
      from: "tool",
      value:
        '<tool_response>\n{"forecast":"sunny","high_c":23,"low_c":14}\n</tool_response>\n' +
        "<tool_response>\nError: the hotel service is unavailable\n</tool_response>\n",
    });
    expect(conv[at + 2]?.from).toBe("gpt");
  });

  it("the default style is unchanged: the results as JSON values, all in one tool turn", () => {
    const [plain] = getFormat("hermes").toRows(record) as Array<{ conversations: Conv }>;
    const tools = plain!.conversations.filter((t) => t.from === "tool");
    expect(tools.find((t) => t.value.includes("get_weather"))?.value).toContain('{"name":"get_weather","content":{"forecast":"sunny"');
    const parallel = tools.find((t) => t.value.includes("get_weather"))!;
    expect(parallel.value.split("<tool_response>").length - 1).toBe(2);
  });
});

describe("OpenAI tool messages with --tool-name", () => {
  it("carry the called function's name only with the option", () => {
    const record = tricky();
    const plain = getFormat("openai").toRows(record)[0] as { messages: Array<Record<string, unknown>> };
    expect(plain.messages.filter((m) => m.role === "tool").every((m) => !("name" in m))).toBe(true);
    const named = getFormat("openai", { toolName: true }).toRows(record)[0] as { messages: Array<Record<string, unknown>> };
    const calls = new Map(record.messages.flatMap((m) => (m.role === "assistant" ? (m.tool_calls ?? []).map((c) => [c.id, c.function.name] as const) : [])));
    const tools = named.messages.filter((m) => m.role === "tool");
    expect(tools.length).toBe(record.messages.filter((m) => m.role === "tool").length);
    for (const m of tools) expect(m.name).toBe(calls.get(m.tool_call_id as string));
  });
});

describe("xLAM as the published rows are", () => {
  const nested: ToolSpec = {
    ...exampleDialogueRecord().tools[0]!,
    name: "create_order",
    description: "Create an order.",
    parameters: {
      type: "object",
      properties: {
        customer: {
          type: "object",
          description: "Who orders.",
          properties: { name: { type: "string", description: "Full name." }, email: { type: "string" } },
          required: ["name"],
        },
        items: {
          type: "array",
          description: "What is ordered.",
          items: { type: "object", properties: { sku: { type: "string" }, qty: { type: "integer", default: 1 } }, required: ["sku"] },
        },
      },
      required: ["customer", "items"],
    },
  };

  it("keeps the fields of nested object parameters (properties, items) in the flat form", () => {
    const r = exampleDialogueRecord();
    r.tools.push(nested);
    const [row] = getFormat("xlam").toRows(r) as Array<{ tools: string }>;
    const tool = (JSON.parse(row!.tools) as Array<{ name: string; parameters: Record<string, unknown> }>).find((t) => t.name === "create_order");
    expect(tool?.parameters).toEqual({
      customer: {
        type: "Dict",
        description: "Who orders.",
        properties: { name: { type: "str", description: "Full name." }, email: { type: "str, optional", description: "" } },
      },
      items: {
        type: "List[Dict]",
        description: "What is ordered.",
        items: { type: "Dict", description: "", properties: { sku: { type: "str", description: "" }, qty: { type: "int, optional", description: "", default: 1 } } },
      },
    });
  });

  it("writes integer ids 0, 1, 2, … through each file, and query / tools / answers as the published rows type them", async () => {
    const recs = [exampleDialogueRecord(), exampleDialogueRecord()];
    recs[1]!.id = "example-0002";
    recs[1]!.index = 1;
    const dir = mkdtempSync(join(tmpdir(), "tf-xlam-"));
    writeFileSync(join(dir, "dialogues.jsonl"), recs.map((r) => JSON.stringify(r)).join("\n") + "\n");
    const out = join(dir, "out");
    await exportDataset({ dir, out, formats: ["xlam"], split: [1, 0, 0], version: "0.0.0" });
    const rows = readFileSync(join(out, "xlam", "train.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows.map((r) => r.id)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    for (const r of rows) {
      expect(Number.isInteger(r.id)).toBe(true);
      expect(typeof r.query).toBe("string");
      expect(Array.isArray(JSON.parse(r.tools as string))).toBe(true);
      expect(Array.isArray(JSON.parse(r.answers as string))).toBe(true);
    }
    expect(new Set(rows.map((r) => r.dialogue_id))).toEqual(new Set(["example-0001", "example-0002"]));
  });
});

describe("export --hermes-style nous --tool-name, on disk", () => {
  it("writes the nous rows and named tool messages, and the card says so", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tf-nous-"));
    writeFileSync(join(dir, "dialogues.jsonl"), JSON.stringify(tricky()) + "\n");
    const out = join(dir, "out");
    await exportDataset({ dir, out, formats: ["openai", "hermes"], split: [1, 0, 0], hermesStyle: "nous", toolName: true, version: "0.0.0" });
    const hermes = JSON.parse(readFileSync(join(out, "hermes", "train.jsonl"), "utf8")) as { conversations: Conv };
    expect(hermes.conversations[0]?.value).toContain("Use the following pydantic model json schema");
    const openai = JSON.parse(readFileSync(join(out, "openai", "train.jsonl"), "utf8")) as { messages: Array<Record<string, unknown>> };
    expect(openai.messages.filter((m) => m.role === "tool").every((m) => typeof m.name === "string")).toBe(true);
    const card = readFileSync(join(out, "README.md"), "utf8");
    expect(card).toContain("--hermes-style nous");
    expect(card).toContain("--tool-name");
    expect(card).toContain('"formatting": "openai"');
  });
});
