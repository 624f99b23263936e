/**
 * Import the real data sets in ../shared/data and check the counts against figures computed here, independently,
 * from the raw JSON (distinct names / APIs / schemas), not numbers taken from the importer.
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { Ajv } from "ajv";
import { beforeAll, describe, expect, it } from "vitest";
import { SHARED_DATA } from "../../test/support/cli.js";
import type { ToolSpec } from "../core/index.js";
import { importTools, type ImportResult } from "./index.js";
import { TOOL_NAME_RE } from "./schema.js";

type Obj = Record<string, unknown>;

/** JSON with keys sorted at every level (the test's own canonical form). */
function sorted(v: unknown): string {
  const walk = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(walk);
    if (x && typeof x === "object") {
      return Object.fromEntries(
        Object.keys(x as Obj)
          .sort()
          .map((k) => [k, walk((x as Obj)[k])]),
      );
    }
    return x;
  };
  return JSON.stringify(walk(v));
}

function jsonLines(file: string): Obj[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as Obj);
}

function allCompile(tools: ToolSpec[]): void {
  const ajv = new Ajv({ strict: false, logger: false, validateFormats: false, code: { optimize: false } });
  for (const t of tools) {
    expect(() => ajv.compile(t.parameters), t.name).not.toThrow();
    expect(t.parameters.type).toBe("object");
    expect(t.name).toMatch(TOOL_NAME_RE);
  }
}

const BFCL = join(SHARED_DATA, "bfcl");
const bfclFiles = [
  ...readdirSync(BFCL)
    .filter((f) => /^BFCL_v4_.*\.json$/.test(f))
    .map((f) => join(BFCL, f)),
  ...readdirSync(join(BFCL, "multi_turn_func_doc")).map((f) => join(BFCL, "multi_turn_func_doc", f)),
];

describe("BFCL (all question files and multi-turn func docs)", () => {
  let result: ImportResult;
  const rawDocs: Obj[] = [];
  beforeAll(async () => {
    for (const f of bfclFiles) {
      for (const rec of jsonLines(f)) {
        if (Array.isArray(rec.function)) rawDocs.push(...(rec.function as Obj[]));
        else rawDocs.push(rec);
      }
    }
    result = await importTools(bfclFiles);
  });

  it("reads every doc and keeps one tool per distinct (name, parameters, response)", () => {
    const distinct = new Set(rawDocs.map((d) => `${String(d.name)}\u0000${sorted(d.parameters)}\u0000${sorted(d.response ?? null)}`));
    const { report, tools } = result;
    expect(report.inputsRead).toBe(bfclFiles.length);
    expect(report.toolsRead).toBe(rawDocs.length);
    expect(tools.length).toBe(distinct.size);
    expect(report.duplicatesMerged).toBe(rawDocs.length - distinct.size);
    expect(report.perFormat.bfcl?.toolsWritten).toBe(distinct.size);
    // every source name survives (as name or originalName); names are unique
    const rawNames = new Set(rawDocs.map((d) => String(d.name)));
    expect(new Set(tools.map((t) => t.originalName ?? t.name))).toEqual(rawNames);
    expect(new Set(tools.map((t) => t.name)).size).toBe(tools.length);
    // name conflicts: every distinct schema beyond the first of a (sanitized) name is renamed
    const sanitizedNames = new Set([...rawNames].map((n) => n.replace(/[^a-zA-Z0-9_-]+/g, "_").replace(/^_+|_+$/g, "")));
    expect(report.conflictsRenamed).toBe(distinct.size - sanitizedNames.size);
  });

  it("every parameters schema compiles, with BFCL types mapped", () => {
    allCompile(result.tools);
    const text = JSON.stringify(result.tools.map((t) => [t.parameters, t.returns]));
    for (const bad of ['"type":"dict"', '"type":"float"', '"type":"tuple"', '"type":"any"']) expect(text).not.toContain(bad);
  });

  it("maps float to number and dict to object, recursively", () => {
    const raw = rawDocs.find((d) => d.name === "calculate_triangle_area" || d.name === "math.hypot");
    expect(raw).toBeDefined();
    const floatDoc = rawDocs.find((d) => JSON.stringify(d.parameters).includes('"float"'));
    expect(floatDoc).toBeDefined();
    const floatProp = Object.entries((floatDoc!.parameters as Obj).properties as Obj).find(([, s]) => (s as Obj).type === "float");
    const tool = result.tools.find((t) => (t.originalName ?? t.name) === floatDoc!.name && sorted(t.parameters).includes(floatProp![0]));
    expect(tool).toBeDefined();
    expect((tool!.parameters.properties as Obj)[floatProp![0]]).toMatchObject({ type: "number" });
  });

  it("takes the multi-turn response schema as returns, with the collection as category", () => {
    // BFCL question files also have a book_flight (read first), so this one may carry a _vN suffix
    const book = result.tools.find((t) => (t.originalName ?? t.name) === "book_flight" && t.category === "travel_booking");
    expect(book).toBeDefined();
    const props = (book!.returns as Obj).properties as Obj;
    expect(props.booking_id).toMatchObject({ type: "string" });
    expect((book!.returns as Obj).type).toBe("object");
    expect(book!.source.format).toBe("bfcl");
    expect(book!.source.line).toBeGreaterThan(0);
  });

  it("sanitizes dotted names to OpenAI's rule and keeps the source name", () => {
    const t = result.tools.find((x) => x.originalName === "math.factorial");
    expect(t?.name).toBe("math_factorial");
  });
});

describe("ToolBench G1-G3 api_list", () => {
  const files = ["G1", "G2", "G3"].map((g) => join(SHARED_DATA, "toolbench", `${g}_instruction.json`));
  let result: ImportResult;
  const apis: Obj[] = [];
  beforeAll(async () => {
    for (const f of files) for (const q of JSON.parse(readFileSync(f, "utf8")) as Obj[]) apis.push(...(q.api_list as Obj[]));
    result = await importTools(files);
  });

  it("keeps one tool per API, deduplicated across queries", () => {
    const ids = new Set(apis.map((a) => `${String(a.tool_name)}/${String(a.api_name)}`));
    const variants = new Set(
      apis.map((a) => `${String(a.tool_name)}/${String(a.api_name)}\u0000${sorted([a.required_parameters, a.optional_parameters, a.template_response ?? null])}`),
    );
    const { tools, report } = result;
    expect(report.toolsRead).toBe(apis.length);
    expect(new Set(tools.map((t) => t.originalName))).toEqual(ids);
    expect(tools.length).toBe(variants.size);
    expect(report.conflictsRenamed).toBe(variants.size - ids.size);
    expect(new Set(tools.map((t) => t.name)).size).toBe(tools.length);
    allCompile(tools);
  });

  it("names tools {api}_for_{tool}, with categories from category_name", () => {
    const t = result.tools.find((x) => x.originalName === "TheClique/Songkick concert");
    expect(t?.name).toBe("songkick_concert_for_theclique");
    expect(t?.category).toBe("Data");
    const cats = new Set(apis.map((a) => a.category_name));
    for (const tool of result.tools) expect(cats.has(tool.category)).toBe(true);
  });

  it("turns template_response into a returns schema", () => {
    const raw = apis.find((a) => a.tool_name === "TheClique" && a.api_name === "Songkick artist");
    expect(raw).toBeDefined();
    const t = result.tools.find((x) => x.originalName === "TheClique/Songkick artist");
    const r = t!.returns as Obj;
    expect(r.type).toBe("object");
    const props = r.properties as Obj;
    expect(props.fans_num).toEqual({ type: "integer" });
    expect(props.bio).toEqual({ type: "string" });
    expect(props.posters).toEqual({ type: "array", items: { type: "string" } });
    const events = props.upcoming_events as Obj;
    expect(events.type).toBe("array");
    const item = events.items as Obj;
    expect(Object.keys(item.properties as Obj)).not.toContain("_list_length");
    expect((item.properties as Obj).location).toMatchObject({ type: "object" });
    // required parameter with a ToolBench "default" -> an example value
    expect((t!.parameters.properties as Obj).artist_id).toMatchObject({ type: "string", examples: ["520117-arctic-monkeys"] });
    expect(t!.parameters.required).toEqual(["artist_id"]);
  });

  it("tools whose API has no template_response have no returns", () => {
    const raw = apis.find((a) => a.template_response === null || a.template_response === undefined);
    expect(raw).toBeDefined();
    const t = result.tools.find((x) => x.originalName === `${String(raw!.tool_name)}/${String(raw!.api_name)}`);
    expect(t).toBeDefined();
    expect(t!.returns).toBeUndefined();
  });
});

describe("ToolAlpaca eval_simulated.json (OpenAPI inside Documentation)", () => {
  const file = join(SHARED_DATA, "toolalpaca", "eval_simulated.json");
  it("makes one tool per operation, named by operationId, with the entry's category", async () => {
    const entries = JSON.parse(readFileSync(file, "utf8")) as Obj[];
    const expected: Array<{ id: string; category: string }> = [];
    for (const e of entries) {
      const doc = JSON.parse(String(e.Documentation)) as { paths: Record<string, Obj> };
      for (const item of Object.values(doc.paths)) {
        for (const [m, op] of Object.entries(item)) {
          if (["get", "post", "put", "delete", "patch"].includes(m)) expected.push({ id: String((op as Obj).operationId), category: String(e.Category) });
        }
      }
    }
    const { tools, report } = await importTools([file]);
    expect(report.files[0]).toMatchObject({ format: "openapi", variant: "toolalpaca" });
    expect(tools.length).toBe(expected.length);
    expect(tools.map((t) => t.name).sort()).toEqual(expected.map((e) => e.id).sort());
    for (const e of expected) expect(tools.find((t) => t.name === e.id)?.category).toBe(e.category);
    allCompile(tools);
    const search = tools.find((t) => t.name === "searchAxolotlImages")!;
    expect(Object.keys(search.parameters.properties ?? {})).toEqual(["color", "gender", "size", "page"]);
    expect(search.returns).toMatchObject({ type: "object" });
    expect(search.source.pointer).toBe("/0/Documentation#/paths/~1search/get");
  });
});
