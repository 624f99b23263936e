/**
 * OpenAPI 3.0 as it is written (issue 19): `nullable` (with and without `type`, in parameters and in returns),
 * `x-nullable`, boolean `exclusiveMinimum`, `example`, and dangling `$ref`s in parts a tool does and does not use.
 * Small documents written here in the style of GitHub's and other public REST descriptions. Everything imported
 * must compile with the project's ajv (`createAjv`, as synthesis uses it).
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDirForFile } from "../../test/support/tmp.js";
import { createAjv, type ToolSpec } from "../core/index.js";
import { openApiSchemaToJsonSchema } from "./formats/openapi-schema.js";
import { importTools, type ImportResult } from "./index.js";

const tmp = tempDirForFile("toolflow-openapi-30-");

async function importDoc(doc: unknown, name = "api.json"): Promise<ImportResult> {
  const f = join(tmp(), name);
  await writeFile(f, JSON.stringify(doc));
  return importTools([f]);
}

function byName(tools: ToolSpec[], name: string): ToolSpec {
  const t = tools.find((x) => x.name === name);
  if (!t) throw new Error(`no tool ${name}`);
  return t;
}

/** Every schema (parameters and returns) compiles with the project's ajv factory. */
function expectAllCompile(tools: ToolSpec[]): void {
  const ajv = createAjv();
  for (const t of tools) {
    expect(() => ajv.compile(t.parameters), `${t.name} parameters`).not.toThrow();
    if (t.returns) expect(() => ajv.compile(t.returns!), `${t.name} returns`).not.toThrow();
  }
}

const info = { title: "Code hosting", version: "1" };
const json = (schema: unknown) => ({ "application/json": { schema } });

describe("OpenAPI 3.0 keywords -> JSON Schema", () => {
  it("nullable with a type adds null; without a type the keyword is dropped; x-nullable too", () => {
    expect(openApiSchemaToJsonSchema({ type: "string", nullable: true })).toEqual({ type: ["string", "null"] });
    expect(openApiSchemaToJsonSchema({ type: "string", enum: ["a", "b"], nullable: true })).toEqual({ type: ["string", "null"], enum: ["a", "b", null] });
    expect(openApiSchemaToJsonSchema({ nullable: true, allOf: [{ type: "object" }] })).toEqual({ allOf: [{ type: "object" }] });
    expect(openApiSchemaToJsonSchema({ type: "integer", "x-nullable": true })).toEqual({ type: ["integer", "null"] });
    expect(openApiSchemaToJsonSchema({ type: "integer", nullable: false })).toEqual({ type: "integer" });
    // nested everywhere, but a property *named* like a keyword is a property
    expect(
      openApiSchemaToJsonSchema({
        type: "object",
        properties: { nullable: { type: "boolean", nullable: true }, list: { type: "array", items: { oneOf: [{ nullable: true, description: "x" }] } } },
      }),
    ).toEqual({
      type: "object",
      properties: { nullable: { type: ["boolean", "null"] }, list: { type: "array", items: { oneOf: [{ description: "x" }] } } },
    });
  });

  it("boolean exclusiveMinimum/Maximum become numeric; example becomes examples", () => {
    expect(openApiSchemaToJsonSchema({ type: "number", minimum: 0, exclusiveMinimum: true, maximum: 10, exclusiveMaximum: false })).toEqual({
      type: "number",
      exclusiveMinimum: 0,
      maximum: 10,
    });
    expect(openApiSchemaToJsonSchema({ type: "number", exclusiveMaximum: true })).toEqual({ type: "number" });
    expect(openApiSchemaToJsonSchema({ type: "number", exclusiveMinimum: 3 })).toEqual({ type: "number", exclusiveMinimum: 3 });
    expect(openApiSchemaToJsonSchema({ type: "string", example: "octocat" })).toEqual({ type: "string", examples: ["octocat"] });
    expect(openApiSchemaToJsonSchema({ type: "string", example: "x", examples: ["y"] })).toEqual({ type: "string", examples: ["y"] });
    expect(openApiSchemaToJsonSchema({ type: "string", examples: { a: { value: "v" } } })).toEqual({ type: "string", examples: ["v"] });
  });
});

describe("importing OpenAPI 3.0 documents", () => {
  const doc = {
    openapi: "3.0.3",
    info,
    paths: {
      "/repos/{owner}/{repo}": {
        get: {
          operationId: "repos/get",
          parameters: [
            { name: "owner", in: "path", required: true, schema: { type: "string" } },
            { name: "repo", in: "path", required: true, schema: { type: "string" } },
          ],
          responses: {
            "200": { description: "ok", content: json({ $ref: "#/components/schemas/repository" }) },
            "403": { $ref: "#/components/responses/forbidden" },
          },
        },
      },
      "/search": {
        get: {
          operationId: "search",
          parameters: [
            { name: "per_page", in: "query", schema: { type: "integer", minimum: 0, exclusiveMinimum: true, example: 30 } },
            { name: "since", in: "query", schema: { type: "string", format: "date-time", nullable: true } },
            { name: "sort", in: "query", schema: { nullable: true, oneOf: [{ type: "string" }, { type: "integer" }] } },
          ],
          responses: { "200": { description: "ok", content: json({ type: "array", items: { $ref: "#/components/schemas/repository" } }) } },
        },
      },
    },
    components: {
      schemas: {
        repository: {
          type: "object",
          required: ["id"],
          properties: {
            id: { type: "integer", example: 1296269 },
            // nullable without type (GitHub writes this beside allOf / anyOf)
            license: { nullable: true, allOf: [{ $ref: "#/components/schemas/license" }] },
            homepage: { type: "string", nullable: true, format: "uri" },
            stars: { type: "number", minimum: 0, exclusiveMinimum: true },
          },
        },
        license: { type: "object", properties: { key: { type: "string" } }, nullable: true },
      },
      responses: { forbidden: { description: "Forbidden", content: json({ $ref: "#/components/schemas/basic-error" }) } },
    },
  };

  it("nullable (with and without type) in parameters and returns imports, compiles, and accepts null", async () => {
    const { tools, report } = await importDoc(doc);
    expect(tools.map((t) => t.name).sort()).toEqual(["repos_get", "search"]);
    expect(report.skipped).toEqual([]);
    expectAllCompile(tools);
    const search = byName(tools, "search");
    expect(search.parameters.properties!.per_page).toEqual({ type: "integer", exclusiveMinimum: 0, examples: [30] });
    expect(search.parameters.properties!.since).toEqual({ type: ["string", "null"], format: "date-time" });
    expect(search.parameters.properties!.sort).toEqual({ oneOf: [{ type: "string" }, { type: "integer" }] });
    const repo = byName(tools, "repos_get").returns as { properties: Record<string, unknown> };
    expect(repo.properties.homepage).toEqual({ type: ["string", "null"], format: "uri" });
    expect(repo.properties.id).toEqual({ type: "integer", examples: [1296269] });
    expect(JSON.stringify(tools)).not.toMatch(/"nullable"|"example"|"exclusiveMinimum":true/);
    const ajv = createAjv();
    const validate = ajv.compile(repo);
    expect(validate({ id: 1, license: null, homepage: null, stars: 3 })).toBe(true);
    expect(validate({ id: 1, stars: 0 })).toBe(false); // exclusive
  });

  it("a dangling $ref in a 403 response is a warning (pointing at the $ref), not a skipped operation", async () => {
    const { tools, report } = await importDoc(doc);
    expect(tools).toHaveLength(2);
    expect(report.skipped).toEqual([]);
    expect(report.warnings).toHaveLength(1);
    expect(report.warnings[0]).toMatchObject({ pointer: "/components/responses/forbidden/content/application~1json/schema" });
    expect(report.warnings[0]!.operation).toBeUndefined();
    expect(report.warnings[0]!.message).toMatch(/basic-error.*no tool uses/);
    // the counts add up
    expect(report.toolsRead).toBe(report.toolsWritten + report.duplicatesMerged + report.conflictsDropped + report.skipped.length);
  });

  it("a dangling $ref in a request body becomes {} with a note, and a warning naming the operation", async () => {
    const { tools, report } = await importDoc({
      openapi: "3.0.0",
      info,
      paths: {
        "/issues": {
          post: {
            operationId: "createIssue",
            requestBody: { required: true, content: json({ type: "object", required: ["title"], properties: { title: { type: "string" }, labels: { $ref: "#/components/schemas/labels" } } }) },
            responses: { "201": { description: "created", content: json({ type: "object", properties: { number: { type: "integer" } } }) } },
          },
        },
        "/notes": {
          put: {
            operationId: "putNote",
            requestBody: { content: json({ $ref: "#/components/schemas/note" }) },
            responses: { "204": { description: "done" } },
          },
        },
      },
    });
    expect(tools.map((t) => t.name)).toEqual(["createIssue", "putNote"]);
    expect(report.skipped).toEqual([]);
    expectAllCompile(tools);
    const labels = byName(tools, "createIssue").parameters.properties!.labels as Record<string, unknown>;
    expect(labels).toEqual({ description: expect.stringMatching(/labels: \$ref "#\/components\/schemas\/labels" points to nothing/) });
    expect(byName(tools, "putNote").parameters.properties!.body).toBeDefined();
    expect(report.warnings.map((w) => [w.operation, w.pointer])).toEqual([
      ["POST /issues (createIssue)", "/paths/~1issues/post/requestBody/content/application~1json/schema/properties/labels"],
      ["PUT /notes (putNote)", "/paths/~1notes/put/requestBody/content/application~1json/schema"],
    ]);
  });

  it("one dangling $ref in an error response leaves every operation in (it used to skip 4 of 5)", async () => {
    const op = (id: string) => ({
      operationId: id,
      responses: {
        "200": { description: "ok", content: json({ type: "object", properties: { id: { type: "string", nullable: true } } }) },
        "403": { description: "no", content: json({ $ref: "#/components/schemas/Error" }) },
      },
    });
    const paths: Record<string, unknown> = {};
    for (const id of ["a", "b", "c", "d", "e"]) paths[`/${id}`] = { get: op(id) };
    const { tools, report } = await importDoc({ openapi: "3.0.1", info, paths });
    expect(tools).toHaveLength(5);
    expect(report.skipped).toEqual([]);
    expect(report.warnings).toHaveLength(5);
    expect(report.warnings.every((w) => /\/responses\/403\/content\/application~1json\/schema$/.test(w.pointer))).toBe(true);
    expectAllCompile(tools);
  });
});
