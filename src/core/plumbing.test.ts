import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { describe, expect, it } from "vitest";
import { compileSchema, SchemaCompileError, schemaErrors } from "./ajv.js";
import { InputError } from "./errors.js";
import { readJsonlAll } from "./jsonl.js";
import { packageRoot, packageVersion } from "./package.js";
import { promptText, renderPrompt, renderTemplateText } from "./prompts.js";
import { normalizeSchema } from "./schema.js";

describe("core/ajv", () => {
  it("validates with formats, compiles once per schema text, and reports readable lines", () => {
    const schema = { type: "object", properties: { steps: { type: "array", items: { type: "object", properties: { id: { type: "integer" } } } }, at: { type: "string", format: "date" } } };
    expect(compileSchema(schema)).toBe(compileSchema(structuredClone(schema)));
    expect(schemaErrors(schema, { steps: [{ id: "x" }] })).toEqual(["/steps/0/id must be integer"]);
    expect(schemaErrors(schema, { at: "not a date" })).toEqual(['/at must match format "date"']);
    expect(schemaErrors(schema, { at: "2024-05-03" })).toEqual([]);
    expect(() => compileSchema({ type: "nonsense" })).toThrow(SchemaCompileError);
    expect(schemaErrors({ type: "nonsense" }, 1)[0]).toMatch(/does not compile/);
  });
});

describe("core/schema normalizeSchema", () => {
  it("maps non-standard types; strict (with fixes) rejects unknown names, lenient keeps them", () => {
    expect(normalizeSchema({ type: "dict", properties: { a: { type: "Float" }, b: { type: "any" } } })).toEqual({
      type: "object",
      properties: { a: { type: "number" }, b: {} },
    });
    expect(normalizeSchema({ type: "Widget" })).toEqual({ type: "widget" });
    expect(() => normalizeSchema({ type: "Widget" }, [])).toThrow(/unknown type "Widget"/);
    expect(normalizeSchema("junk")).toEqual({});
  });
});

describe("core/package and core/prompts", () => {
  it("reads the version from package.json and renders prompts with Jinja", async () => {
    const pkg = JSON.parse(await readFile(join(packageRoot(), "package.json"), "utf8")) as { version: string };
    expect(packageVersion()).toBe(pkg.version);
    expect(promptText("judge")).toContain("{{tools}}");
    expect(renderPrompt("llm-reask", { problems: ["p1"], schema: false })).toContain("p1");
    expect(renderTemplateText("a {{ x }}\n\n\n\nb{% if y %}!{% endif %}", { x: 1, y: true })).toBe("a 1\n\nb!");
    expect(() => promptText("../package")).toThrow(/bad prompt name/);
    expect(() => promptText("no-such-prompt")).toThrow(expect.objectContaining({ code: "PROMPT_NOT_FOUND" }));
  });
});

describe("core/jsonl", () => {
  it("validates each line and names file, line and field", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tf-core-jsonl-"));
    const file = join(dir, "x.jsonl");
    const Z = z.object({ id: z.number().int() });
    await writeFile(file, '{"id": 1}\n\n{"id": 2}\n');
    expect(await readJsonlAll(file, Z, { what: "thing" })).toEqual([{ id: 1 }, { id: 2 }]);
    await writeFile(file, '{"id": 1}\n{"id": "two"}\n');
    const err = await readJsonlAll(file, Z, { what: "thing", code: "BAD_THING" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toMatch(/x\.jsonl line 2 at \/id: not a valid thing: /);
    expect((err as InputError).code).toBe("BAD_THING");
    await writeFile(file, '{"id": 1}\n{"id":\n');
    await expect(readJsonlAll(file, Z, { what: "thing" })).rejects.toThrow(/x\.jsonl line 2: invalid JSON/);
    await expect(readJsonlAll(join(dir, "none.jsonl"))).rejects.toThrow(/file not found/);
  });
});
