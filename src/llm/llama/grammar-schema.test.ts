import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { InputError } from "../../core/index.js";
import type { JsonSchema } from "../../core/index.js";
import { SHARED_DATA } from "../../../test/support/cli.js";
import { anyJsonGrammarSchema, normalizeSchemaForGrammar, stripOmittedOptionals } from "./grammar-schema.js";
import { validateAgainst } from "../validate.js";

const norm = (s: JsonSchema | boolean, o: Parameters<typeof normalizeSchemaForGrammar>[1] = {}) => normalizeSchemaForGrammar(s, o);

/** Keywords node-llama-cpp 3.21's GbnfJsonSchema understands. */
const GRAMMAR_KEYWORDS = new Set([
  "type", "description", "const", "enum", "oneOf", "$ref", "$defs", "properties", "additionalProperties",
  "minProperties", "maxProperties", "required", "items", "prefixItems", "minItems", "maxItems", "minLength",
  "maxLength", "format",
]);

/** Every keyword of a normalized schema must be one the grammar knows (walks all sub-schemas). */
function unsupportedKeywords(s: unknown, at = ""): string[] {
  if (typeof s !== "object" || s === null) return [];
  const out: string[] = [];
  const o = s as Record<string, unknown>;
  for (const [k, v] of Object.entries(o)) {
    if (!GRAMMAR_KEYWORDS.has(k)) out.push(`${at}/${k}`);
    if (k === "properties" || k === "$defs") for (const [pk, pv] of Object.entries(v as object)) out.push(...unsupportedKeywords(pv, `${at}/${k}/${pk}`));
    else if (k === "oneOf" || k === "prefixItems") (v as unknown[]).forEach((x, i) => out.push(...unsupportedKeywords(x, `${at}/${k}/${i}`)));
    else if (k === "items" || (k === "additionalProperties" && typeof v === "object")) out.push(...unsupportedKeywords(v, `${at}/${k}`));
  }
  if (Array.isArray(o.type) && o.type.some((t) => t === "object" || t === "array")) out.push(`${at}/type: ${JSON.stringify(o.type)}`);
  return out;
}

describe("normalizeSchemaForGrammar", () => {
  it("keeps what the grammar supports as it is", () => {
    const s = {
      type: "object",
      properties: {
        name: { type: "string", minLength: 1, maxLength: 20, description: "who" },
        kind: { enum: ["a", "b", 3, null] },
        at: { type: "string", format: "date-time" },
        tags: { type: "array", items: { type: "string" }, minItems: 1, maxItems: 3 },
        ok: { type: "boolean" },
        none: { type: "null" },
      },
      required: ["name", "kind", "at", "tags", "ok", "none"],
    };
    expect(norm(s)).toEqual({
      type: "object",
      properties: {
        name: { type: "string", minLength: 1, maxLength: 20, description: "who" },
        kind: { enum: ["a", "b", 3, null] },
        at: { type: "string", format: "date-time" },
        tags: { type: "array", items: { type: "string" }, minItems: 1, maxItems: 3 },
        ok: { type: "boolean" },
        none: { type: "null" },
      },
    });
  });

  it("handles optional properties by mode: nullable (default), keep, drop", () => {
    const s = { type: "object", properties: { a: { type: "string" }, b: { type: "integer" }, c: { type: ["string", "null"] } }, required: ["a"] };
    expect(norm(s).properties).toEqual({
      a: { type: "string" },
      b: { oneOf: [{ type: "null" }, { type: "integer" }] },
      c: { oneOf: [{ type: "null" }, { type: ["string", "null"] }] },
    });
    expect(norm(s, { optionalProperties: "keep" }).properties).toEqual({ a: { type: "string" }, b: { type: "integer" }, c: { type: ["string", "null"] } });
    expect(norm(s, { optionalProperties: "drop" }).properties).toEqual({ a: { type: "string" } });
  });

  it("maps anyOf and oneOf to oneOf, merging the shared part of the schema into each variant", () => {
    expect(norm({ anyOf: [{ type: "string" }, { type: "integer" }] })).toEqual({ oneOf: [{ type: "string" }, { type: "integer" }] });
    expect(norm({ oneOf: [{ type: "string" }] })).toEqual({ type: "string" });
    const s = {
      type: "object",
      properties: { id: { type: "integer" }, name: { type: "string" } },
      anyOf: [{ required: ["id"] }, { required: ["name"] }],
    };
    expect(norm(s, { optionalProperties: "drop" })).toEqual({
      oneOf: [
        { type: "object", properties: { id: { type: "integer" } } },
        { type: "object", properties: { name: { type: "string" } } },
      ],
    });
  });

  it("splits type arrays with object or array members into oneOf and keeps primitive type arrays", () => {
    expect(norm({ type: ["string", "null"] })).toEqual({ type: ["string", "null"] });
    expect(norm({ type: ["integer"] })).toEqual({ type: "integer" });
    expect(norm({ type: ["string", "array"], items: { type: "integer" } })).toEqual({
      oneOf: [{ type: "string" }, { type: "array", items: { type: "integer" } }],
    });
    expect(norm({ type: ["string", "null"], maxLength: 3 })).toEqual({ oneOf: [{ type: "string", maxLength: 3 }, { type: "null" }] });
  });

  it("drops what the grammar cannot express and reports each loss with its pointer", () => {
    const losses: string[] = [];
    const out = norm(
      {
        type: "object",
        properties: {
          code: { type: "string", pattern: "^[A-Z]{3}$" },
          mail: { type: "string", format: "email", maxLength: 40 },
          price: { type: "number", minimum: 0 },
          tags: { type: "array", items: { type: "string" }, uniqueItems: true },
          x: { not: { type: "null" }, type: "string" },
        },
        required: ["code", "mail", "price", "tags", "x"],
      },
      { onLoss: (p, w) => losses.push(`${p} ${w}`) },
    );
    expect(out.properties).toEqual({
      code: { type: "string" },
      mail: { type: "string", maxLength: 40 },
      price: { type: "number" },
      tags: { type: "array", items: { type: "string" } },
      x: { type: "string" },
    });
    expect(losses).toEqual([
      '/properties/code dropped "pattern" "^[A-Z]{3}$"',
      '/properties/mail dropped "format": "email"',
      '/properties/price dropped "minimum"',
      '/properties/tags dropped "uniqueItems"',
      '/properties/x dropped "not"',
    ]);
    expect(unsupportedKeywords(out)).toEqual([]);
  });

  it("turns small integer ranges into enums (so the grammar enforces them) and leaves big ones open", () => {
    expect(norm({ type: "integer", minimum: 1, maximum: 5 })).toEqual({ enum: [1, 2, 3, 4, 5] });
    expect(norm({ type: "integer", exclusiveMinimum: 0, exclusiveMaximum: 4 })).toEqual({ enum: [1, 2, 3] });
    expect(norm({ type: "integer", minimum: 0, maximum: 20, multipleOf: 5 })).toEqual({ enum: [0, 5, 10, 15, 20] });
    expect(norm({ type: "integer", minimum: 0, maximum: 1000 })).toEqual({ type: "integer" });
    expect(norm({ type: "integer", minimum: 0, maximum: 1000 }, { maxIntegerEnum: 2000 }).enum).toHaveLength(1001);
  });

  it("inlines local $refs (#/definitions, #/$defs, pointers) and merges sibling keywords", () => {
    const s = {
      type: "object",
      definitions: { Unit: { enum: ["c", "f"] } },
      $defs: { Place: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } },
      properties: {
        unit: { $ref: "#/definitions/Unit" },
        place: { $ref: "#/$defs/Place", description: "where" },
        again: { $ref: "#/properties/unit" },
      },
      required: ["unit", "place", "again"],
    };
    expect(norm(s)).toEqual({
      type: "object",
      properties: {
        unit: { enum: ["c", "f"] },
        place: { type: "object", properties: { city: { type: "string" } }, description: "where" },
        again: { enum: ["c", "f"] },
      },
    });
  });

  it("turns a recursive $ref into a #/$defs reference that node-llama-cpp resolves", () => {
    const s = {
      $defs: {
        Node: {
          type: "object",
          properties: { v: { type: "integer" }, children: { type: "array", items: { $ref: "#/$defs/Node" }, maxItems: 2 } },
          required: ["v", "children"],
        },
      },
      $ref: "#/$defs/Node",
    };
    const out = norm(s);
    expect(out).toEqual({
      type: "object",
      properties: { v: { type: "integer" }, children: { type: "array", items: { $ref: "#/$defs/Node" }, maxItems: 2 } },
      $defs: {
        Node: {
          type: "object",
          properties: { v: { type: "integer" }, children: { type: "array", items: { $ref: "#/$defs/Node" }, maxItems: 2 } },
        },
      },
    });
  });

  it("merges allOf members, including referenced ones", () => {
    const s = {
      definitions: { Base: { type: "object", properties: { id: { type: "integer" } }, required: ["id"] } },
      allOf: [{ $ref: "#/definitions/Base" }, { properties: { name: { type: "string" } }, required: ["name"] }],
    };
    expect(norm(s)).toEqual({ type: "object", properties: { id: { type: "integer" }, name: { type: "string" } } });
  });

  it("maps nullable (OpenAPI 3.0), const of any JSON, and object-valued enums", () => {
    expect(norm({ type: "string", nullable: true })).toEqual({ oneOf: [{ type: "string" }, { type: "null" }] });
    expect(norm({ const: { a: [1, "x"] } })).toEqual({
      type: "object",
      properties: { a: { type: "array", prefixItems: [{ const: 1 }, { const: "x" }], minItems: 2, maxItems: 2 } },
    });
    expect(norm({ enum: ["a", { b: 1 }] })).toEqual({ oneOf: [{ const: "a" }, { type: "object", properties: { b: { const: 1 } } }] });
  });

  it("gives an explicit any-JSON schema where the grammar would otherwise only allow null", () => {
    expect(norm({})).toEqual(anyJsonGrammarSchema());
    expect(norm(true)).toEqual(anyJsonGrammarSchema());
    expect(norm({ type: "object", properties: { x: {} }, required: ["x"] }).properties).toEqual({ x: anyJsonGrammarSchema() });
    expect(norm({ type: "object" })).toEqual({ type: "object", additionalProperties: true });
    expect(norm({ type: "object", additionalProperties: { type: "integer" } })).toEqual({ type: "object", additionalProperties: { type: "integer" } });
    expect(norm({ type: "object", additionalProperties: false })).toEqual({ type: "object" });
  });

  it("maps draft-04 tuple items to prefixItems", () => {
    expect(norm({ type: "array", items: [{ type: "string" }, { type: "integer" }], additionalItems: false })).toEqual({
      type: "array",
      prefixItems: [{ type: "string" }, { type: "integer" }],
      maxItems: 2,
    });
  });

  it("infers the type from the keywords when it is missing", () => {
    expect(norm({ properties: { a: { type: "string" } }, required: ["a"] })).toEqual({ type: "object", properties: { a: { type: "string" } } });
    expect(norm({ items: { type: "string" } })).toEqual({ type: "array", items: { type: "string" } });
    expect(norm({ maxLength: 4 })).toEqual({ type: "string", maxLength: 4 });
  });

  it("fails with an InputError naming the pointer for schemas it cannot read", () => {
    const bad = (s: unknown) => () => norm(s as JsonSchema);
    expect(bad({ type: "object", properties: { a: { $ref: "other.json#/x" } } })).toThrow(InputError);
    expect(bad({ type: "object", properties: { a: { $ref: "other.json#/x" } } })).toThrow(/at \/properties\/a: \$ref "other.json#\/x" points outside/);
    expect(bad({ properties: { a: { $ref: "#/definitions/Missing" } } })).toThrow(/does not resolve/);
    expect(bad({ type: "object", properties: { a: { type: "dict" } } })).toThrow(/at \/properties\/a\/type: unknown type "dict"/);
    expect(bad({ type: "object", properties: { a: [1] } })).toThrow(/at \/properties\/a: not a JSON Schema/);
  });

  it("is deterministic", () => {
    const s = { type: "object", properties: { b: { anyOf: [{ type: "string" }, { type: "integer", minimum: 0, maximum: 2 }] }, a: { type: "boolean" } } };
    expect(JSON.stringify(norm(s))).toBe(JSON.stringify(norm(JSON.parse(JSON.stringify(s)) as JsonSchema)));
  });

  it("leaves only grammar keywords for every BFCL multi-turn tool schema", () => {
    const dir = join(SHARED_DATA, "bfcl", "multi_turn_func_doc");
    let count = 0;
    for (const file of readdirSync(dir)) {
      for (const line of readFileSync(join(dir, file), "utf8").split("\n")) {
        if (line.trim() === "") continue;
        const doc = JSON.parse(line) as { name: string; parameters: JsonSchema };
        const out = norm(bfclToJsonSchema(doc.parameters) as JsonSchema);
        expect(unsupportedKeywords(out), doc.name).toEqual([]);
        expect(out.type, doc.name).toBe("object");
        count++;
      }
    }
    expect(count).toBeGreaterThan(100);
  });
});

/** BFCL writes "dict", "float", "tuple", "any": map them to JSON Schema (what the tools stage does for real). */
function bfclToJsonSchema(s: unknown): unknown {
  if (Array.isArray(s)) return s.map(bfclToJsonSchema);
  if (typeof s !== "object" || s === null) return s;
  const renamed: Record<string, string> = { dict: "object", float: "number", tuple: "array" };
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === "type" && typeof v === "string") {
      if (v !== "any") out.type = renamed[v] ?? v;
    } else if (k === "properties" && typeof v === "object" && v !== null) {
      out.properties = Object.fromEntries(Object.entries(v).map(([pk, pv]) => [pk, bfclToJsonSchema(pv)]));
    } else {
      out[k] = bfclToJsonSchema(v);
    }
  }
  return out;
}

describe("stripOmittedOptionals", () => {
  const schema = {
    type: "object",
    properties: {
      a: { type: "string" },
      b: { type: "integer" },
      c: { type: ["string", "null"] },
      nested: { type: "object", properties: { x: { type: "string" }, y: { type: "string" } }, required: ["x"] },
      list: { type: "array", items: { $ref: "#/definitions/Item" } },
    },
    required: ["a", "nested"],
    definitions: { Item: { type: "object", properties: { k: { type: "string" }, v: { type: "string" } }, required: ["k"] } },
  };

  it("removes nulls the model wrote for optional properties that do not accept null, at any depth", () => {
    const value = { a: "x", b: null, c: null, nested: { x: "1", y: null }, list: [{ k: "k", v: null }] };
    const out = stripOmittedOptionals(value, schema);
    expect(out).toEqual({ a: "x", c: null, nested: { x: "1" }, list: [{ k: "k" }] });
    expect(validateAgainst(schema, out).ok).toBe(true);
    expect(validateAgainst(schema, value).ok).toBe(false);
  });

  it("keeps nulls of required properties (so validation reports them) and leaves the input untouched", () => {
    const value = { a: null, nested: { x: null } };
    const out = stripOmittedOptionals(value, schema);
    expect(out).toEqual({ a: null, nested: { x: null } });
    expect(value).toEqual({ a: null, nested: { x: null } });
  });
});
