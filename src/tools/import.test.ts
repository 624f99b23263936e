/**
 * importTools on small hand-written inputs: each format, detection, dedup and conflict policies, bad input.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SHARED_DATA } from "../../test/support/cli.js";
import { InputError } from "../core/index.js";
import { importTools, readToolsJsonl, writeToolsJsonl } from "./index.js";
import { parseInputText } from "./read.js";
import { detectInputFormat } from "./detect.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "toolflow-tools-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function put(name: string, content: unknown): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, typeof content === "string" ? content : JSON.stringify(content));
  return path;
}

const weather = {
  name: "get_weather",
  description: "Current weather",
  parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
};

async function importError(files: string[], options = {}): Promise<InputError> {
  try {
    await importTools(files, options);
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return err as InputError;
  }
  throw new Error("expected an InputError");
}

describe("format detection and conversion", () => {
  it("reads OpenAI tools arrays, {tools} wrappers, single tools and bare functions", async () => {
    const a = await put("a.json", [{ type: "function", function: weather }]);
    const b = await put("b.json", { tools: [{ type: "function", function: { ...weather, name: "w2" } }] });
    const c = await put("c.json", { type: "function", function: { ...weather, name: "w3" } });
    const d = await put("d.json", { ...weather, name: "w4" });
    const e = await put("e.json", [{ ...weather, name: "w5" }]);
    const { tools, report } = await importTools([a, b, c, d, e]);
    expect(tools.map((t) => t.name)).toEqual(["get_weather", "w2", "w3", "w4", "w5"]);
    expect(report.files.map((f) => f.format)).toEqual(["openai", "openai", "openai", "openai", "openai"]);
    expect(tools[0]?.source).toEqual({ file: a, pointer: "/0/function", format: "openai" });
    expect(tools[1]?.source.pointer).toBe("/tools/0/function");
    expect(tools[0]?.parameters.required).toEqual(["city"]);
  });

  it("reads MCP tools/list results and JSON-RPC envelopes, outputSchema as returns", async () => {
    const tool = {
      name: "read_file",
      description: "Read a file",
      inputSchema: { type: "object", properties: { path: { type: "string" } }, required: ["path"] },
      outputSchema: { type: "object", properties: { text: { type: "string" } } },
    };
    const a = await put("mcp.json", { tools: [tool] });
    const b = await put("rpc.json", { jsonrpc: "2.0", id: 1, result: { tools: [{ ...tool, name: "stat" }] } });
    const { tools, report } = await importTools([a, b]);
    expect(report.files.map((f) => f.variant)).toEqual(["mcp-result", "mcp-jsonrpc"]);
    expect(tools[0]?.returns).toEqual({ type: "object", properties: { text: { type: "string" } } });
    expect(tools[1]?.source.pointer).toBe("/result/tools/0");
    expect(tools[1]?.source.format).toBe("mcp");
  });

  it("reads BFCL docs in JSONL with line numbers and maps float/dict; bare JSONL functions are OpenAI", async () => {
    const bfcl = await put(
      "w.jsonl",
      [
        // the first line alone looks like a plain function; the second one makes the file BFCL
        JSON.stringify({ name: "area", description: "", parameters: { type: "object", properties: { r: { type: "number" } }, required: ["r"] } }),
        "",
        JSON.stringify({ name: "vol", description: "", parameters: { type: "dict", properties: { h: { type: "float" } } }, response: { type: "dict", properties: { v: { type: "float" } } } }),
      ].join("\n"),
    );
    const plain = await put("plain.jsonl", `${JSON.stringify(weather)}\n`);
    const { tools, report } = await importTools([bfcl, plain]);
    expect(report.files.map((f) => f.format)).toEqual(["bfcl", "openai"]);
    expect(tools[0]?.parameters).toEqual({ type: "object", properties: { r: { type: "number" } }, required: ["r"] });
    expect(tools[1]?.source.line).toBe(3);
    expect(tools[1]?.parameters.properties).toEqual({ h: { type: "number" } });
    expect(tools[1]?.returns).toEqual({ type: "object", properties: { v: { type: "number" } } });
  });

  it("reads OpenAPI YAML: merges path/query/header/body parameters, resolves $refs, 2xx schema as returns", async () => {
    const yaml = `
openapi: 3.0.0
info: { title: Pets, version: "1" }
paths:
  /pets/{pet_id}/visits:
    parameters:
      - { name: pet_id, in: path, schema: { type: string } }
    post:
      summary: Book a vet visit
      parameters:
        - { name: X-Clinic, in: header, required: true, schema: { type: string } }
        - { name: notify, in: query, schema: { type: boolean } }
      requestBody:
        required: true
        content:
          application/json:
            schema: { $ref: "#/components/schemas/VisitRequest" }
      responses:
        "201":
          description: booked
          content:
            application/json:
              schema: { $ref: "#/components/schemas/Visit" }
  /pets:
    get:
      tags: [pets]
      responses: { "200": { description: ok } }
components:
  schemas:
    VisitRequest:
      type: object
      properties: { date: { type: string, format: date }, reason: { type: string } }
      required: [date]
    Visit:
      type: object
      properties: { visit_id: { type: string } }
`;
    const f = await put("pets.yaml", yaml);
    const { tools } = await importTools([f]);
    expect(tools.map((t) => t.name)).toEqual(["post_pets_pet_id_visits", "get_pets"]);
    const visit = tools[0]!;
    expect(Object.keys(visit.parameters.properties ?? {})).toEqual(["pet_id", "X-Clinic", "notify", "date", "reason"]);
    expect(visit.parameters.required).toEqual(["pet_id", "X-Clinic", "date"]);
    expect(visit.returns).toEqual({ type: "object", properties: { visit_id: { type: "string" } } });
    expect(visit.description).toBe("Book a vet visit");
    expect(visit.category).toBe("Pets");
    expect(visit.source.pointer).toBe("/paths/~1pets~1{pet_id}~1visits/post");
    expect(tools[1]?.category).toBe("pets");
    expect(tools[1]?.returns).toBeUndefined();
  });

  it("reads ToolBench api_list entries: types, required vs optional, template_response", async () => {
    const f = await put("tb.json", [
      {
        query: "q",
        api_list: [
          {
            category_name: "Sports",
            tool_name: "Cricket Live!",
            api_name: "Match Score",
            api_description: "Live score of a match",
            required_parameters: [{ name: "match_id", type: "NUMBER", description: "Match", default: "42" }],
            optional_parameters: [
              { name: "lang", type: "ENUM", description: "", default: "en" },
              { name: "from", type: "DATE (YYYY-MM-DD)", description: "", default: "" },
            ],
            method: "GET",
            template_response: { score: "int", teams: [{ name: "str", _list_length: 2 }], live: "bool", odds: "list of float with length 2" },
          },
        ],
      },
    ]);
    const { tools } = await importTools([f]);
    const t = tools[0]!;
    expect(t.name).toBe("match_score_for_cricket_live");
    expect(t.originalName).toBe("Cricket Live!/Match Score");
    expect(t.category).toBe("Sports");
    expect(t.parameters).toEqual({
      type: "object",
      properties: {
        match_id: { type: "number", description: "Match", examples: [42] },
        lang: { type: "string", default: "en" },
        from: { type: "string", format: "date" },
      },
      required: ["match_id"],
    });
    expect(t.returns).toEqual({
      type: "object",
      properties: {
        score: { type: "integer" },
        teams: { type: "array", items: { type: "object", properties: { name: { type: "string" } } } },
        live: { type: "boolean" },
        odds: { type: "array", items: { type: "number" } },
      },
    });
  });

  it("re-imports its own tools.jsonl unchanged", async () => {
    const src = await put("re.json", [{ type: "function", function: weather }, { ...weather, name: "a.b" }]);
    const first = await importTools([src]);
    const out = join(dir, "tools.jsonl");
    await writeToolsJsonl(out, first.tools);
    const again = await importTools([out]);
    expect(again.report.files[0]?.format).toBe("toolspec");
    expect(again.tools).toEqual(first.tools);
    expect(await readToolsJsonl(out)).toEqual(first.tools);
  });

  it("detects known non-tool files and unknown shapes", () => {
    expect(() => detectInputFormat(parseInputText('{"id":"x","ground_truth":[]}\n{"id":"y","ground_truth":[]}\n', "pa.json"))).toThrow(/ground truth/);
    expect(() => detectInputFormat(parseInputText('{"hello": 1}', "h.json"))).toThrow(/pa|h\.json: unknown format/);
    expect(() => detectInputFormat(parseInputText('{"swagger": "2.0", "paths": {}}', "s.json"))).toThrow(/Swagger 2.0/);
  });

  it("refuses the real BFCL checker vectors file", async () => {
    const err = await importError([join(SHARED_DATA, "bfcl", "checker_vectors.jsonl")]);
    expect(err.message).toMatch(/checker_vectors\.jsonl line 1: .*checker vectors/);
  });
});

describe("duplicates and name conflicts", () => {
  const v1 = { ...weather };
  const v2 = { ...weather, parameters: { type: "object", properties: { city: { type: "string" }, unit: { type: "string" } } } };

  it("merges exact duplicates (key order and description aside) and renames other variants", async () => {
    const reordered = { description: "other words", parameters: { required: ["city"], properties: { city: { type: "string" } }, type: "object" }, name: "get_weather" };
    const f = await put("dup.json", [v1, reordered, v2, { ...v2, name: "get_weather_v2", description: "taken name" }, { ...v2, parameters: { type: "object" } }]);
    const { tools, report } = await importTools([f]);
    expect(tools.map((t) => t.name)).toEqual(["get_weather", "get_weather_v3", "get_weather_v2", "get_weather_v4"]);
    expect(tools[1]?.originalName).toBe("get_weather");
    expect(tools[0]?.description).toBe("Current weather");
    expect(report).toMatchObject({ toolsRead: 5, duplicatesMerged: 1, conflictsRenamed: 2, toolsWritten: 4 });
    expect(report.perFormat.openai).toMatchObject({ files: 1, toolsRead: 5, duplicatesMerged: 1, conflictsRenamed: 2, toolsWritten: 4 });
  });

  it("policy first keeps the first variant, error refuses", async () => {
    const f = await put("conf.json", [v1, v2]);
    const first = await importTools([f], { onConflict: "first" });
    expect(first.tools).toHaveLength(1);
    expect(first.tools[0]?.parameters.required).toEqual(["city"]);
    expect(first.report.conflictsDropped).toBe(1);
    const err = await importError([f], { onConflict: "error" });
    expect(err.message).toMatch(/"get_weather" has two different schemas/);
    expect(err.message).toContain("/1");
  });

  it("is stable: the same inputs give the same output", async () => {
    const f = await put("stable.json", [v2, v1, v2, v1]);
    const a = await importTools([f]);
    const b = await importTools([f]);
    expect(a.tools).toEqual(b.tools);
    expect(a.tools.map((t) => t.name)).toEqual(["get_weather", "get_weather_v2"]);
  });
});

describe("bad input", () => {
  it("broken JSON names file and line", async () => {
    const f = await put("broken.json", '{\n  "name": "x",\n  "parameters": {\n}}}');
    const err = await importError([f]);
    expect(err.message).toContain(f);
    expect(err.line).toBeDefined();
    const g = await put("broken.jsonl", `${JSON.stringify(weather)}\n{"name": "y",\n`);
    const err2 = await importError([g]);
    expect(err2.line).toBe(2);
  });

  it("a tool without a name names the pointer", async () => {
    const f = await put("noname.json", [{ type: "function", function: weather }, { type: "function", function: { description: "x", parameters: { type: "object" } } }]);
    const err = await importError([f]);
    expect(err.pointer).toBe("/1/function/name");
    expect(err.message).toMatch(/no name/);
  });

  it("a schema ajv rejects names the tool and the schema's place", async () => {
    const f = await put("bad-schema.json", { tools: [{ type: "function", function: { ...weather, parameters: { type: "object", properties: { n: { type: "integer", minimum: "five" } } } } }] });
    const err = await importError([f]);
    expect(err.code).toBe("BAD_SCHEMA");
    expect(err.pointer).toBe("/tools/0/function/parameters");
    expect(err.message).toMatch(/get_weather.*does not compile/);
  });

  it("with strict, a returns schema that does not compile is an error at the source's key (else a warning: schema-budget.test.ts)", async () => {
    const f = await put("bad-returns.jsonl", JSON.stringify({ ...weather, response: { type: "dict", properties: { a: { minimum: "five" } } } }) + "\n");
    const err = await importError([f], { strict: true });
    expect(err.code).toBe("BAD_SCHEMA");
    expect(err.line).toBe(1);
    expect(err.pointer).toBe("/response");
  });

  it("a $ref cycle in OpenAPI imports, cut at the recursion depth (see openapi-recursive.test.ts)", async () => {
    const doc = {
      openapi: "3.0.0",
      info: { title: "t", version: "1" },
      paths: { "/n": { get: { operationId: "getNode", responses: { "200": { description: "ok", content: { "application/json": { schema: { $ref: "#/components/schemas/Node" } } } } } } } },
      components: { schemas: { Node: { type: "object", properties: { child: { $ref: "#/components/schemas/Node" } } } } },
    };
    const f = await put("cycle.json", doc);
    const { tools } = await importTools([f]);
    const returns = tools[0]!.returns as { properties: { child: { properties: { child: { type: string; description: string } } } } };
    expect(returns.properties.child.properties.child.type).toBe("object");
    expect(returns.properties.child.properties.child.description).toMatch(/Node: recursive schema/);
  });

  it("broken YAML names the line; a forced format that does not fit is an error", async () => {
    const y = await put("broken.yaml", "openapi: 3.0.0\npaths:\n  /a: {get: [\n");
    const err = await importError([y]);
    expect(err.message).toMatch(/invalid YAML/);
    expect(err.line).toBeGreaterThan(0);
    const f = await put("openai-as-mcp.json", [{ type: "function", function: weather }]);
    expect((await importError([f], { format: "mcp" })).pointer).toBe("/0/inputSchema");
  });

  it("unknown formats, empty results and missing files are errors", async () => {
    expect((await importError([await put("unknown.json", { foo: [1, 2] })])).message).toMatch(/unknown format/);
    expect((await importError([await put("empty.json", { tools: [] })])).message).toMatch(/no tools found/);
    expect((await importError([join(dir, "nope.json")])).message).toMatch(/file not found/);
    expect((await importError([await put("blank.json", "  \n")])).message).toMatch(/empty/);
  });

  it("readToolsJsonl reports the line of an invalid ToolSpec and repeated names", async () => {
    const good = { name: "a", description: "", parameters: { type: "object" }, source: { file: "x", pointer: "", format: "openai" } };
    const f = await put("bad-tools.jsonl", `${JSON.stringify(good)}\n${JSON.stringify({ ...good, name: "b", parameters: { type: "array" } })}\n`);
    await expect(readToolsJsonl(f)).rejects.toThrow(/line 2.*parameters/);
    const g = await put("dup-tools.jsonl", `${JSON.stringify(good)}\n\n${JSON.stringify(good)}\n`);
    await expect(readToolsJsonl(g)).rejects.toThrow(/line 3.*repeats the one on line 1/);
  });
});
