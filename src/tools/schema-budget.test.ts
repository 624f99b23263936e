/**
 * The schema budget of `tools import` (issue 19): small documents written here in the style of the problem (a
 * listing whose items hold a user object many times over, an event with two dozen kinds, deep nesting, long enums
 * and descriptions, a body with many optional fields beside required ones). The cut fits the budget, says where
 * it cut, writes a shared sub-schema once, keeps every required parameter, stays permissive (what the full schema
 * accepted, the cut one accepts), compiles with the project's ajv, and is the same bytes every time.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cliInProcess } from "../../test/support/cli.js";
import { tempDirForFile } from "../../test/support/tmp.js";
import { createAjv, type JsonSchema, type ToolSpec } from "../core/index.js";
import {
  CUT_LEVELS,
  cutSchema,
  DEFAULT_SCHEMA_BUDGET,
  fitSchema,
  fitTool,
  importTools,
  schemaTokens,
  writeToolsJsonl,
  type ImportOptions,
  type ImportResult,
} from "./index.js";

const tmp = tempDirForFile("toolflow-schema-budget-");
const ajv = createAjv();
const json = (schema: unknown) => ({ "application/json": { schema } });

async function importDoc(doc: unknown, options: ImportOptions = {}, name = "api.json") {
  const f = join(tmp(), name);
  await writeFile(f, JSON.stringify(doc));
  return importTools([f], options);
}

let fullImport: Promise<ImportResult> | undefined;
/** The document imported with --keep-full-schemas (once). */
const importFull = () => (fullImport ??= importDoc(doc, { keepFullSchemas: true }, "full.json"));

function byName(tools: ToolSpec[], name: string): ToolSpec {
  const t = tools.find((x) => x.name === name);
  if (!t) throw new Error(`no tool ${name}`);
  return t;
}

/** Estimated tokens of a tool as the budget counts them. */
const toolTokens = (t: ToolSpec) => Math.ceil(t.description.length / 4) + schemaTokens(t.parameters) + schemaTokens(t.returns);

/** Every string of a schema's descriptions, for "where was it cut" checks. */
function descriptions(s: unknown, out: string[] = []): string[] {
  if (Array.isArray(s)) s.forEach((x) => descriptions(x, out));
  else if (typeof s === "object" && s !== null) {
    for (const [k, v] of Object.entries(s)) {
      if (k === "description" && typeof v === "string") out.push(v);
      else descriptions(v, out);
    }
  }
  return out;
}

// A code-hosting API in the style of GitHub's: a user object everywhere, a repository with 60 fields, an event
// listing whose items are one of 24 kinds, a search with a 300-value enum, a body with many optional fields.
const userFields = Object.fromEntries(
  ["login", "id", "node_id", "avatar_url", "url", "html_url", "followers_url", "following_url", "gists_url", "type", "site_admin"].map((k) => [
    k,
    { type: k === "id" ? "integer" : k === "site_admin" ? "boolean" : "string", description: `The user's ${k.replace(/_/g, " ")}.` },
  ]),
);
const repoFields: Record<string, unknown> = {
  id: { type: "integer" },
  name: { type: "string", description: "The name of the repository." },
  owner: { $ref: "#/components/schemas/user" },
  organization: { $ref: "#/components/schemas/user" },
  template_owner: { $ref: "#/components/schemas/user" },
};
for (let i = 0; i < 60; i++) repoFields[`field_${i}_url`] = { type: "string", format: "uri", description: `URL number ${i} of the repository, a template with placeholders that the client fills in.` };
const eventKinds = Array.from({ length: 24 }, (_, i) => ({
  title: `Kind ${i} Event`,
  type: "object",
  properties: { event: { type: "string", enum: [`kind_${i}`] }, actor: { $ref: "#/components/schemas/user" }, note: { type: "string", description: "x".repeat(300) } },
  required: ["event"],
}));
const languages = Array.from({ length: 300 }, (_, i) => `lang-${String(i).padStart(3, "0")}`);
let deep: Record<string, unknown> = { type: "object", properties: { leaf: { type: "string" } }, required: ["leaf"] };
for (let i = 14; i >= 0; i--) deep = { type: "object", description: `Level ${i}.`, properties: { [`level_${i}`]: deep, [`side_${i}`]: { type: "string" } }, required: [`level_${i}`] };
const optionalBody: Record<string, unknown> = {};
for (let i = 0; i < 150; i++) optionalBody[`option_${i}`] = { type: "string", description: `Optional setting number ${i}, which most callers leave unset.` };

const doc = {
  openapi: "3.0.3",
  info: { title: "Code hosting", version: "1" },
  paths: {
    "/repos/{owner}/{repo}": {
      get: {
        operationId: "repos/get",
        summary: "Get a repository",
        parameters: [
          { name: "owner", in: "path", required: true, schema: { type: "string" } },
          { name: "repo", in: "path", required: true, schema: { type: "string" } },
        ],
        responses: { "200": { description: "ok", content: json({ $ref: "#/components/schemas/repository" }) } },
      },
    },
    "/repos/{owner}/{repo}/events": {
      get: {
        operationId: "issues/list-events",
        summary: "List events",
        description: "Lists events. ".repeat(400),
        parameters: [
          { name: "owner", in: "path", required: true, schema: { type: "string" } },
          { name: "repo", in: "path", required: true, schema: { type: "string" } },
          { name: "per_page", in: "query", schema: { type: "integer", default: 30 } },
        ],
        responses: { "200": { description: "ok", content: json({ type: "array", items: { anyOf: eventKinds.map((_, i) => ({ $ref: `#/components/schemas/event-${i}` })) } }) } },
      },
    },
    "/search": {
      get: {
        operationId: "search/code",
        summary: "Search code",
        parameters: [
          { name: "q", in: "query", required: true, schema: { type: "string" } },
          { name: "language", in: "query", required: true, schema: { type: "string", enum: languages } },
          { name: "also", in: "query", schema: { type: "array", items: { type: "string", enum: languages } } },
        ],
        responses: { "200": { description: "ok", content: json({ type: "object", properties: { total: { type: "integer" }, tree: deep } }) } },
      },
    },
    "/orgs/{org}/settings": {
      patch: {
        operationId: "orgs/update",
        summary: "Update an organization",
        parameters: [{ name: "org", in: "path", required: true, schema: { type: "string" } }],
        requestBody: {
          required: true,
          content: json({
            type: "object",
            additionalProperties: false,
            properties: {
              ...optionalBody,
              billing_email: { type: "string", description: "Billing email address. ".repeat(40) },
              security: {
                type: "object",
                properties: { level: { type: "string" }, ...Object.fromEntries(Object.entries(optionalBody).slice(0, 40)) },
                required: ["level"],
              },
            },
            required: ["billing_email", "security"],
          }),
        },
        responses: { "200": { description: "ok", content: json({ $ref: "#/components/schemas/repository" }) } },
      },
    },
  },
  components: {
    schemas: {
      user: { title: "Simple User", description: "A GitHub user.", type: "object", properties: userFields, required: ["login", "id"] },
      repository: { title: "Repository", type: "object", properties: repoFields, required: ["id", "name", "owner"] },
      ...Object.fromEntries(eventKinds.map((e, i) => [`event-${i}`, e])),
    },
  },
};

describe("the schema budget at import", () => {
  it("fits every tool in the budget and says where it cut; --keep-full-schemas keeps them whole", async () => {
    const { tools, report } = await importDoc(doc);
    const full = await importFull();
    expect(report.schemaBudget).toBe(DEFAULT_SCHEMA_BUDGET);
    expect(full.report.schemaBudget).toBeNull();
    expect(full.report.schemasCut.tools).toBe(0);
    expect(report.schemasCut.tools).toBeGreaterThanOrEqual(3);
    for (const t of full.tools) expect(toolTokens(t), t.name).toBeGreaterThan(DEFAULT_SCHEMA_BUDGET);
    for (const t of tools) expect(toolTokens(t), t.name).toBeLessThanOrEqual(DEFAULT_SCHEMA_BUDGET);

    // a repository with 65 fields: the rest are counted in the description
    const repo = byName(tools, "repos_get").returns as { properties: Record<string, unknown>; description: string; required: string[] };
    const kept = Object.keys(repo.properties).length;
    expect(kept).toBeLessThan(65);
    expect(repo.description).toContain(`(cut: ${65 - kept} more properties)`);
    expect(repo.required.every((r) => r in repo.properties)).toBe(true);
    expect(Object.keys(byName(full.tools, "repos_get").returns!.properties as object)).toHaveLength(65);

    // the event kinds: too many to keep, so any item is accepted, and the description names the first kinds
    const events = byName(tools, "issues_list-events");
    const items = (events.returns as { items: { anyOf?: unknown; description: string } }).items;
    expect(items.anyOf).toBeUndefined();
    expect(items.description).toMatch(/cut: one of 24 schemas, not shown: Kind 0 Event, Kind 1 Event/);
    // the long description keeps its start and says what was cut
    expect(events.description).toMatch(/^List events\. Lists events\./);
    expect(events.description).toMatch(/\(cut: \d+ more characters\)$/);
    expect(events.description.length).toBeLessThanOrEqual(Math.floor(DEFAULT_SCHEMA_BUDGET / 3) * 4);
  });

  it("writes a shared sub-schema once: later copies are stubs naming where it is", async () => {
    // A budget just below the tool's full size: level 0 fits, where only the repeated user objects go.
    const full = await importFull();
    const { tools } = await importDoc(doc, { schemaBudget: toolTokens(byName(full.tools, "repos_get")) - 1 }, "shared.json");
    const repo = byName(tools, "repos_get").returns as { properties: Record<string, { properties?: object; description?: string; type?: unknown }> };
    expect(Object.keys(repo.properties)).toHaveLength(65);
    expect(Object.keys(repo.properties.owner!.properties!)).toHaveLength(11);
    for (const copy of ["organization", "template_owner"]) {
      expect(repo.properties[copy]!.properties, copy).toBeUndefined();
      expect(repo.properties[copy]!.type).toBe("object");
      expect(repo.properties[copy]!.description).toBe("A GitHub user. (cut: same schema as owner)");
    }
  });

  it("never drops a required parameter, at any depth; optional ones go first", async () => {
    const { tools } = await importDoc(doc, {}, "required.json");
    const full = await importFull();
    const cut = byName(tools, "orgs_update").parameters as JsonSchema & { properties: Record<string, JsonSchema> };
    const whole = byName(full.tools, "orgs_update").parameters as JsonSchema & { properties: Record<string, JsonSchema> };
    expect(cut.required).toEqual(whole.required);
    for (const r of whole.required as string[]) expect(cut.properties[r], r).toBeDefined();
    expect(Object.keys(cut.properties).length).toBeLessThan(Object.keys(whole.properties).length);
    expect(cut.description).toMatch(/\(cut: \d+ more properties\)/);
    const security = cut.properties.security as { properties: Record<string, unknown>; required: string[] };
    expect(security.properties.level).toBeDefined();
    expect(security.required).toEqual(["level"]);
    // a long description of a required parameter is shortened, not dropped
    expect((cut.properties.billing_email as { description: string }).description).toMatch(/…$/);

    // the deep required chain of a parameter survives the depth limit
    const chain = cutSchema(deep as JsonSchema, CUT_LEVELS[CUT_LEVELS.length - 1]!, { keepRequired: true });
    let node = chain as { properties: Record<string, unknown> };
    for (let i = 0; i <= 14; i++) node = node.properties[`level_${i}`] as typeof node;
    expect(node.properties.leaf).toEqual({ type: "string" });
  });

  it("cuts long enums to their type, naming the first values, so every value still validates", async () => {
    const { tools } = await importDoc(doc, {}, "enum.json");
    const p = byName(tools, "search_code").parameters as { properties: Record<string, { enum?: unknown; type?: unknown; description?: string; items?: { enum?: unknown } }> };
    const language = p.properties.language!;
    expect(language.enum).toBeUndefined();
    expect(language.type).toBe("string");
    expect(language.description).toMatch(/cut: one of 300 values, such as "lang-000", "lang-001"/);
    const validate = ajv.compile(byName(tools, "search_code").parameters);
    for (const l of [languages[0], languages[150], languages[299]]) expect(validate({ q: "x", language: l, also: [l] }), l).toBe(true);
    expect(validate({ language: "lang-001" })).toBe(false); // q is still required
  });

  it("cuts deep nesting at a stated depth; values the full schema accepted still validate", async () => {
    const { tools } = await importDoc(doc, { schemaBudget: 300 }, "deep.json");
    const full = await importFull();
    const cut = byName(tools, "search_code").returns!;
    expect(descriptions(cut).some((d) => /\(cut: \d+ propert(y|ies) not shown\)/.test(d))).toBe(true);
    let value: Record<string, unknown> = { leaf: "x" };
    for (let i = 14; i >= 0; i--) value = { [`level_${i}`]: value, [`side_${i}`]: "s" };
    const sample = { total: 3, tree: value };
    expect(ajv.compile(byName(full.tools, "search_code").returns!)(sample)).toBe(true);
    expect(ajv.compile(cut)(sample)).toBe(true);
  });

  it("every cut schema compiles and accepts what the full one accepted (no additionalProperties: false left behind)", async () => {
    const { tools } = await importDoc(doc, { schemaBudget: 300 }, "tight.json");
    for (const t of tools) {
      expect(() => ajv.compile(t.parameters), t.name).not.toThrow();
      if (t.returns) expect(() => ajv.compile(t.returns!), t.name).not.toThrow();
    }
    const body: Record<string, unknown> = { org: "acme", billing_email: "a@b.c", security: { level: "high", option_3: "on" } };
    for (let i = 0; i < 150; i += 7) body[`option_${i}`] = "on";
    expect(ajv.compile(byName(tools, "orgs_update").parameters)(body)).toBe(true);
    const user = Object.fromEntries(Object.keys(userFields).map((k) => [k, k === "id" ? 1 : k === "site_admin" ? false : "v"]));
    const event = { event: "kind_5", actor: user, note: "n" };
    expect(ajv.compile(byName(tools, "issues_list-events").returns!)([event, { event: "kind_20" }])).toBe(true);
    const repo: Record<string, unknown> = { id: 1, name: "r", owner: user, organization: user, template_owner: user };
    for (let i = 0; i < 60; i++) repo[`field_${i}_url`] = `https://x/${i}`;
    expect(ajv.compile(byName(tools, "repos_get").returns!)(repo)).toBe(true);
  });

  it("is deterministic: the same document gives the same bytes, and the input is not changed", async () => {
    const outs: string[] = [];
    const input = join(tmp(), "same.json");
    await writeFile(input, JSON.stringify(doc));
    for (const n of [1, 2]) {
      const { tools } = await importTools([input], { schemaBudget: 800 });
      const f = join(tmp(), `same-${n}.jsonl`);
      await writeToolsJsonl(f, tools);
      outs.push(await readFile(f, "utf8"));
    }
    expect(outs[1]).toBe(outs[0]);
    const before = JSON.stringify(deep);
    const a = fitSchema(deep as JsonSchema, 50);
    expect(JSON.stringify(deep)).toBe(before);
    expect(JSON.stringify(fitSchema(deep as JsonSchema, 50))).toBe(JSON.stringify(a));
    expect(a.cut).toBe(true);
  });

  it("leaves a tool that fits alone, and a smaller budget gives smaller tools", async () => {
    const small = { type: "object", properties: { city: { type: "string" } }, required: ["city"] } as const;
    const fitted = fitTool({ description: "Weather.", parameters: small as JsonSchema, returns: { type: "number" } }, DEFAULT_SCHEMA_BUDGET);
    expect(fitted.cut).toEqual({ description: false, parameters: false, returns: false });
    expect(fitted.parameters).toBe(small);
    const sizes = [];
    for (const budget of [1500, 600, 300]) {
      const { tools } = await importDoc(doc, { schemaBudget: budget }, `b-${budget}.json`);
      sizes.push(tools.reduce((n, t) => n + toolTokens(t), 0));
    }
    expect(sizes[1]).toBeLessThan(sizes[0]!);
    expect(sizes[2]).toBeLessThan(sizes[1]!);
  });

  it("the CLI: --schema-budget and --keep-full-schemas, which exclude each other", async () => {
    const f = join(tmp(), "cli.json");
    await writeFile(f, JSON.stringify(doc));
    const out = join(tmp(), "cli.jsonl");
    const r = await cliInProcess(["tools", "import", f, "-o", out, "--schema-budget", "500", "-q"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/tools cut to the schema budget of 500 tokens 4/);
    const lines = (await readFile(out, "utf8")).trim().split("\n");
    for (const l of lines) {
      const t = JSON.parse(l) as ToolSpec;
      // orgs_update's required parameters alone are larger than 500 tokens; the others fit
      if (t.name !== "orgs_update") expect(toolTokens(t), t.name).toBeLessThanOrEqual(500);
    }
    const keep = await cliInProcess(["tools", "import", f, "-o", out, "--keep-full-schemas", "-q"]);
    expect(keep.code).toBe(0);
    expect(keep.stderr).not.toMatch(/schema budget/);
    const both = await cliInProcess(["tools", "import", f, "-o", out, "--keep-full-schemas", "--schema-budget", "500"]);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/exclude each other/);
  });
});

describe("returns schemas are compiled at import", () => {
  const weather = { name: "get_weather", description: "Weather for a city.", parameters: { type: "dict", properties: { city: { type: "string" } }, required: ["city"] } };

  it("a returns schema that does not compile is a warning naming the tool and the pointer, and becomes {} with a note", async () => {
    const f = join(tmp(), "bad-returns.jsonl");
    await writeFile(f, JSON.stringify({ ...weather, response: { type: "dict", properties: { a: { minimum: "five" } } } }) + "\n");
    const seen: string[] = [];
    const { tools, report } = await importTools([f], { onWarning: (w) => seen.push(w.message) });
    expect(tools).toHaveLength(1);
    expect(tools[0]!.returns).toEqual({ description: expect.stringMatching(/^\(returns schema did not compile at import: .*minimum.*; any value accepted\)$/) });
    expect(report.warnings).toHaveLength(1);
    const w = report.warnings[0]!;
    expect(w).toMatchObject({ file: f, line: 1, pointer: "/response", operation: "get_weather" });
    expect(w.message).toMatch(/tool "get_weather": returns schema does not compile/);
    expect(seen).toEqual([w.message]);
    expect(() => ajv.compile(tools[0]!.returns!)).not.toThrow();
    // with --strict it is an error, as before
    await expect(importTools([f], { strict: true })).rejects.toMatchObject({ code: "BAD_SCHEMA", pointer: "/response" });
  });

  it("OpenAPI: the warning points at the response's schema; the operation is kept, and so are the others", async () => {
    const api = {
      openapi: "3.1.0",
      info: { title: "t", version: "1" },
      paths: {
        "/a": { get: { operationId: "getA", responses: { "200": { description: "ok", content: json({ type: "object", properties: { n: { type: "integer", maximum: "ten" } } }) } } } },
        "/b": { get: { operationId: "getB", responses: { "200": { description: "ok", content: json({ type: "object", properties: { n: { type: "integer", maximum: 10 } } }) } } } },
      },
    };
    const { tools, report } = await importDoc(api, {}, "openapi-returns.json");
    expect(tools.map((t) => t.name)).toEqual(["getA", "getB"]);
    expect(report.skipped).toEqual([]);
    expect(report.warnings.map((w) => [w.pointer, w.operation])).toEqual([["/paths/~1a/get/responses/200/content/application~1json/schema", "GET /a (getA)"]]);
    expect(byName(tools, "getB").returns).toMatchObject({ properties: { n: { maximum: 10 } } });
  });
});
