/**
 * The llama31 format against Meta's Llama 3.1 JSON tool-calling format. The expected texts below are written out
 * by hand from Meta's documentation (llama-models `models/llama3_1/prompt_format.md`) and the logic of Meta's
 * default chat template (tokenizer_config.json of Llama-3.1-8B-Instruct): the header tokens, the system message with
 * `Environment: ipython`, the knowledge and date lines, the tool list with the template's instruction in the first
 * user message (or the system message), one `{"name", "parameters"}` call per assistant message, results through
 * `tojson` in the ipython role, `<|eot_id|>` after each message.
 */
import { describe, it, expect } from "vitest";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UsageError } from "../core/index.js";
import type { DialogueRecord, Message, ToolSpec } from "../core/index.js";
import { exampleDialogueRecord } from "../../test/support/example-dialogue.js";
import { cliInProcess } from "../../test/support/cli.js";
import { exportDataset } from "./export.js";
import { compileChatTemplate, getFormat, type Llama31Options } from "../data/index.js";
import { pyDumpsText, pyFloatRepr } from "../data/index.js";

const WEATHER: ToolSpec = {
  name: "get_weather",
  description: "Weather for a city.",
  parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  source: { file: "test", pointer: "", format: "toolspec" },
};

/** The tool as `tojson(indent=4)` writes {"type": "function", "function": {...}}, written out by hand. */
const WEATHER_JSON = [
  "{",
  '    "type": "function",',
  '    "function": {',
  '        "name": "get_weather",',
  '        "description": "Weather for a city.",',
  '        "parameters": {',
  '            "type": "object",',
  '            "properties": {',
  '                "city": {',
  '                    "type": "string"',
  "                }",
  "            },",
  '            "required": [',
  '                "city"',
  "            ]",
  "        }",
  "    }",
  "}",
].join("\n");

const USER_INTRO =
  "Given the following functions, please respond with a JSON for a function call with its proper arguments that best answers the given prompt.\n\n" +
  'Respond in the format {"name": function name, "parameters": dictionary of argument name and its value}.Do not use variables.\n\n';
const SYSTEM_INTRO =
  "You have access to the following functions. To call a function, please respond with JSON for a function call." +
  'Respond in the format {"name": function name, "parameters": dictionary of argument name and its value}.Do not use variables.\n\n';

const call = (id: string, city: string) => ({ id, type: "function" as const, function: { name: "get_weather", arguments: JSON.stringify({ city }) } });

function record(messages: Message[], id = "w1"): DialogueRecord {
  const r = exampleDialogueRecord();
  r.id = id;
  r.tools = [WEATHER];
  r.messages = messages;
  r.stepOf = messages.map(() => null);
  r.createdAt = "2024-05-01T10:00:00.000Z";
  return r;
}

/** A single call whose result is a JSON object, and a plain-text result. */
function single(result: string): DialogueRecord {
  return record([
    { role: "system", content: "You are a weather assistant." },
    { role: "user", content: "  Weather in Lisbon?  " },
    { role: "assistant", content: null, tool_calls: [call("c1", "Lisbon")] },
    { role: "tool", tool_call_id: "c1", content: result },
    { role: "assistant", content: "Sunny, 23 °C." },
  ]);
}

/** Two calls in one turn, with text beside them; the results come back in the other order. */
function parallel(): DialogueRecord {
  return record(
    [
      { role: "user", content: "Weather in Lisbon and Porto?" },
      { role: "assistant", content: "Checking both.", tool_calls: [call("c1", "Lisbon"), call("c2", "Porto")] },
      { role: "tool", tool_call_id: "c2", content: "Porto: rain" },
      { role: "tool", tool_call_id: "c1", content: "Lisbon: sun" },
      { role: "assistant", content: "Sun in Lisbon, rain in Porto." },
    ],
    "p1",
  );
}

const text = (r: DialogueRecord, llama: Partial<Llama31Options> = {}) =>
  (getFormat("llama31", { llama31: llama }).toRows(r) as Array<{ text: string }>).map((x) => x.text);

const SYSTEM_HEAD = "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nEnvironment: ipython\nCutting Knowledge Date: December 2023\n";

describe("llama31: Meta's JSON tool-calling format", () => {
  it("a single call with its result: tools in the first user message, the result a JSON string literal", () => {
    expect(text(single('{"forecast":"sunny","high_c":23.0}'))).toEqual([
      SYSTEM_HEAD +
        "Today Date: 26 Jul 2024\n\n" +
        "You are a weather assistant.<|eot_id|>" +
        "<|start_header_id|>user<|end_header_id|>\n\n" +
        USER_INTRO +
        WEATHER_JSON +
        "\n\n" +
        "Weather in Lisbon?<|eot_id|>" +
        '<|start_header_id|>assistant<|end_header_id|>\n\n{"name": "get_weather", "parameters": {"city": "Lisbon"}}<|eot_id|>' +
        '<|start_header_id|>ipython<|end_header_id|>\n\n"{\\"forecast\\":\\"sunny\\",\\"high_c\\":23.0}"<|eot_id|>' +
        "<|start_header_id|>assistant<|end_header_id|>\n\nSunny, 23 °C.<|eot_id|>",
    ]);
  });

  it("a plain-text result is a JSON string literal; --llama-results object writes JSON results as Python's json.dumps", () => {
    const [plain] = text(single("Sunny, 23 °C, \"clear\" skies"));
    expect(plain).toContain('<|start_header_id|>ipython<|end_header_id|>\n\n"Sunny, 23 °C, \\"clear\\" skies"<|eot_id|>');
    const [obj] = text(single('{"forecast":"sunny","high_c":23.0,"hours":[9,12]}'), { results: "object" });
    expect(obj).toContain('<|start_header_id|>ipython<|end_header_id|>\n\n{"forecast": "sunny", "high_c": 23.0, "hours": [9, 12]}<|eot_id|>');
    // text stays a string literal in object mode too
    expect(text(single("Sunny"), { results: "object" })[0]).toContain('<|end_header_id|>\n\n"Sunny"<|eot_id|>');
  });

  it("the system-message variant (--llama-tools-in system), the eom variant and the date options", () => {
    const [sys] = text(single("Sunny"), { toolsIn: "system", date: "created" });
    expect(sys).toBe(
      SYSTEM_HEAD +
        "Today Date: 01 May 2024\n\n" +
        SYSTEM_INTRO +
        WEATHER_JSON +
        "\n\n" +
        "You are a weather assistant.<|eot_id|>" +
        "<|start_header_id|>user<|end_header_id|>\n\nWeather in Lisbon?<|eot_id|>" +
        '<|start_header_id|>assistant<|end_header_id|>\n\n{"name": "get_weather", "parameters": {"city": "Lisbon"}}<|eot_id|>' +
        '<|start_header_id|>ipython<|end_header_id|>\n\n"Sunny"<|eot_id|>' +
        "<|start_header_id|>assistant<|end_header_id|>\n\nSunny, 23 °C.<|eot_id|>",
    );
    const [eom] = text(single("Sunny"), { callEnd: "eom", date: "21 September 2024" });
    expect(eom).toContain("Today Date: 21 September 2024\n\n");
    expect(eom).toContain('<|start_header_id|>assistant<|end_header_id|>\n\n<|python_tag|>{"name": "get_weather", "parameters": {"city": "Lisbon"}}<|eom_id|><|start_header_id|>ipython');
    // without tools: no Environment line, no tool list
    const noTools = single("Sunny");
    noTools.tools = [];
    expect(text(noTools)[0]!.startsWith(
      "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\nYou are a weather assistant.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nWeather in Lisbon?<|eot_id|>",
    )).toBe(true);
  });

  it("parallel calls: consecutive single calls each followed by its result (sequential), or left out (drop)", () => {
    expect(text(parallel())).toEqual([
      SYSTEM_HEAD +
        "Today Date: 26 Jul 2024\n\n<|eot_id|>" +
        "<|start_header_id|>user<|end_header_id|>\n\n" +
        USER_INTRO +
        WEATHER_JSON +
        "\n\nWeather in Lisbon and Porto?<|eot_id|>" +
        '<|start_header_id|>assistant<|end_header_id|>\n\n{"name": "get_weather", "parameters": {"city": "Lisbon"}}<|eot_id|>' +
        '<|start_header_id|>ipython<|end_header_id|>\n\n"Lisbon: sun"<|eot_id|>' +
        '<|start_header_id|>assistant<|end_header_id|>\n\n{"name": "get_weather", "parameters": {"city": "Porto"}}<|eot_id|>' +
        '<|start_header_id|>ipython<|end_header_id|>\n\n"Porto: rain"<|eot_id|>' +
        "<|start_header_id|>assistant<|end_header_id|>\n\nSun in Lisbon, rain in Porto.<|eot_id|>",
    ]);
    expect(text(parallel(), { parallel: "drop" })).toEqual([]);
    expect(text(single("Sunny"), { parallel: "drop" })).toHaveLength(1);
    expect(() => getFormat("llama31", { llama31: { parallel: "keep" } })).toThrow(UsageError);
  });

  it("the card counts what was split, dropped and not written", () => {
    const recs = [parallel(), single("Sunny")];
    const seq = getFormat("llama31").cardNotes!(recs);
    expect(seq).toContain(
      "1 assistant turn with parallel calls (2 calls, in 1 dialogue) written as consecutive single calls, each followed by its result (`--parallel sequential`): the format has one call per assistant message.",
    );
    expect(seq).toContain("1 assistant turn with text beside the calls: Meta's format has no place for it, and it is not written.");
    const drop = getFormat("llama31", { llama31: { parallel: "drop" } }).cardNotes!(recs);
    expect(drop).toContain("1 dialogue with parallel calls (1 turn, 2 calls) left out (`--parallel drop`); the row counts above do not include them.");
    expect(drop.join("\n")).not.toContain("text beside");
  });

  it("reads its rows back (both tool places, eot and eom, string and object results)", () => {
    const variants: Array<Partial<Llama31Options>> = [{}, { toolsIn: "system" }, { callEnd: "eom" }, { results: "object" }];
    for (const v of variants) {
      const f = getFormat("llama31", { llama31: v });
      for (const r of [single('{"forecast":"sunny"}'), single("Sunny"), parallel()]) {
        const parsed = f.fromRow(f.toRows(r)[0]);
        expect(parsed.tools).toEqual([{ name: WEATHER.name, description: WEATHER.description, parameters: WEATHER.parameters }]);
        const summary = parsed.messages.map((m) =>
          m.role === "tool" ? `tool:${JSON.stringify(JSON.parse(m.content.startsWith("{") ? m.content : JSON.stringify(m.content)))}` : m.role === "assistant" && m.tool_calls ? `call:${m.tool_calls[0]!.function.arguments}` : `${m.role}:${m.content}`,
        );
        const expected = r.id === "p1"
          ? ["user:Weather in Lisbon and Porto?", 'call:{"city":"Lisbon"}', 'tool:"Lisbon: sun"', 'call:{"city":"Porto"}', 'tool:"Porto: rain"', "assistant:Sun in Lisbon, rain in Porto."]
          : ["user:Weather in Lisbon?", 'call:{"city":"Lisbon"}', r.messages[3]!.content === "Sunny" ? 'tool:"Sunny"' : 'tool:{"forecast":"sunny"}', "assistant:Sunny, 23 °C."];
        expect(summary, JSON.stringify(v)).toEqual(expected);
        expect(parsed.system).toBe(r.id === "p1" ? undefined : "You are a weather assistant.");
      }
    }
  });
});

describe("JSON as Python's json.dumps writes it", () => {
  it("floats, big integers, key order, non-ASCII, indent", () => {
    expect(pyDumpsText('{"b":2.0,"2":1,"x":1e-5,"y":1E16,"z":12345678901234567890,"w":-0,"s":"São \\"x\\""}')).toBe(
      '{"b": 2.0, "2": 1, "x": 1e-05, "y": 1e+16, "z": 12345678901234567890, "w": 0, "s": "São \\"x\\""}',
    );
    expect(pyDumpsText('{"a":[],"b":{},"c":[1,{"d":null}]}', 4)).toBe('{\n    "a": [],\n    "b": {},\n    "c": [\n        1,\n        {\n            "d": null\n        }\n    ]\n}');
    expect([0.0001, 123.456, 1e15, 1.5e-7, -2.5e20, 0.1 + 0.2].map(pyFloatRepr)).toEqual([
      "0.0001",
      "123.456",
      "1000000000000000.0",
      "1.5e-07",
      "-2.5e+20",
      "0.30000000000000004",
    ]);
  });

  it("call arguments keep what Python keeps", () => {
    const r = single("ok");
    (r.messages[2] as { tool_calls: Array<{ function: { arguments: string } }> }).tool_calls[0]!.function.arguments = '{"city":"Lisbon","days":2.0,"1":true}';
    expect(text(r)[0]).toContain('{"name": "get_weather", "parameters": {"city": "Lisbon", "days": 2.0, "1": true}}<|eot_id|>');
  });
});

describe("llama31 with a chat template (--chat-template)", () => {
  /** A template in the manner of Meta's: it refuses more than one call in a message. */
  const SINGLE_ONLY = compileChatTemplate(
    "{{ bos_token }}{% for m in messages %}{% if m.tool_calls is defined %}{% if m.tool_calls | length != 1 %}{{ raise_exception('only single calls') }}{% endif %}" +
      "[{{ m.tool_calls[0].function.name }}]{% elif m.role == 'tool' %}({{ m.content | tojson }}){% else %}<{{ m.role }}>{{ m.content }}{% endif %}{% endfor %}" +
      "|{{ date_string is defined }}|{{ tools_in_user_message }}",
  );

  it("gets parallel calls as consecutive single calls, so a single-call template no longer aborts", () => {
    const f = getFormat("llama31", { chatTemplate: SINGLE_ONLY });
    expect((f.toRows(parallel())[0] as { text: string }).text).toBe(
      '<|begin_of_text|><user>Weather in Lisbon and Porto?[get_weather]("Lisbon: sun")[get_weather]("Porto: rain")<assistant>Sun in Lisbon, rain in Porto.|false|true',
    );
    expect(getFormat("llama31", { chatTemplate: SINGLE_ONLY, llama31: { parallel: "drop" } }).toRows(parallel())).toEqual([]);
    const keep = getFormat("llama31", { chatTemplate: SINGLE_ONLY, llama31: { parallel: "keep", toolsIn: "system", date: "created" } });
    expect(() => keep.toRows(parallel())).toThrow(/dialogue p1: .*only single calls/);
    expect((keep.toRows(single("x"))[0] as { text: string }).text.endsWith("|true|false")).toBe(true);
  });

  it("results as objects reach the template as objects", () => {
    const f = getFormat("llama31", { chatTemplate: SINGLE_ONLY, llama31: { results: "object" } });
    expect((f.toRows(single('{"a":1}'))[0] as { text: string }).text).toContain('({"a": 1})');
  });
});

describe("export --format llama31 (on disk)", () => {
  it("drop leaves the dialogue out and the card says so; the CLI checks its options", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tf-llama-"));
    writeFileSync(join(dir, "dialogues.jsonl"), [parallel(), single("Sunny")].map((r) => JSON.stringify(r)).join("\n") + "\n");
    const out = join(dir, "out");
    const s = await exportDataset({ dir, out, formats: ["llama31"], split: [1, 0, 0], llama31: { parallel: "drop" } });
    expect(s.rows.llama31).toEqual({ train: 1, validation: 0, test: 0 });
    const rows = readFileSync(join(out, "llama31", "train.jsonl"), "utf8").trim().split("\n");
    expect(rows).toHaveLength(1);
    expect(JSON.parse(rows[0]!).text).toContain("Weather in Lisbon?<|eot_id|>");
    const card = readFileSync(join(out, "README.md"), "utf8");
    expect(card).toContain("- 1 dialogue with parallel calls (1 turn, 2 calls) left out (`--parallel drop`)");
    expect(card).toContain("the tools in the first user message (the template's default)");

    const bad = await cliInProcess(["export", dir, "-o", join(dir, "o2"), "--format", "llama31", "--parallel", "merge"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--parallel must be one of sequential, drop, keep (got "merge")');
    const keep = await cliInProcess(["export", dir, "-o", join(dir, "o3"), "--format", "llama31", "--parallel", "keep"]);
    expect(keep.code).toBe(2);
    expect(keep.stderr).toContain("--parallel keep needs --chat-template");
    const ok = await cliInProcess(["export", dir, "-o", join(dir, "o4"), "--format", "llama31", "--llama-tools-in", "system", "--llama-call-end", "eom"]);
    expect(ok.stderr).toBe("");
    const text4 = readFileSync(join(dir, "o4", "llama31", "train.jsonl"), "utf8");
    expect(text4).toContain("<|python_tag|>");
    expect(text4).toContain("You have access to the following functions.");
  });
});
