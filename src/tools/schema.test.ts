import { describe, expect, it } from "vitest";
import { canonicalJson } from "../core/index.js";
import { normalizeSchema } from "../core/index.js";
import { normalizeParameters, sanitizeToolName, SchemaChecker, TOOL_NAME_RE } from "./schema.js";

describe("normalizeSchema", () => {
  it("maps BFCL types recursively through properties, items and combinators", () => {
    const fixes: string[] = [];
    const out = normalizeSchema(
      {
        type: "dict",
        properties: {
          // a property literally named "type" must stay a property, not be read as a keyword
          type: { type: "string" },
          ratio: { type: "float" },
          point: { type: "tuple", items: { type: "float" } },
          anything: { type: "any", description: "whatever" },
          nested: { type: "dict", properties: { deep: { type: "float" } } },
          either: { anyOf: [{ type: "dict" }, { type: "float" }] },
          many: { type: ["float", "null"] },
        },
      },
      fixes,
    );
    expect(out).toEqual({
      type: "object",
      properties: {
        type: { type: "string" },
        ratio: { type: "number" },
        point: { type: "array", items: { type: "number" } },
        anything: { description: "whatever" },
        nested: { type: "object", properties: { deep: { type: "number" } } },
        either: { anyOf: [{ type: "object" }, { type: "number" }] },
        many: { type: ["number", "null"] },
      },
    });
    expect(fixes).toEqual([]);
  });

  it("does not mutate its input", () => {
    const input = { type: "dict", properties: { a: { type: "float" } }, required: [] };
    const copy = structuredClone(input);
    normalizeSchema(input, []);
    expect(input).toEqual(copy);
  });

  it("repairs required and records each repair", () => {
    const fixes: string[] = [];
    const out = normalizeSchema(
      {
        type: "object",
        properties: {
          a: { type: "string", required: true },
          b: { type: "string", required: false },
          c: { type: "object", properties: {}, required: [] },
        },
        required: ["b", "b", "ghost", 3],
      },
      fixes,
    ) as Record<string, unknown>;
    expect(out.required).toEqual(["b", "a"]);
    expect((out.properties as Record<string, unknown>).a).toEqual({ type: "string" });
    expect((out.properties as Record<string, unknown>).c).toEqual({ type: "object", properties: {} });
    expect(fixes.some((f) => f.includes('dropped repeated "b"'))).toBe(true);
    expect(fixes.some((f) => f.includes('dropped "ghost"'))).toBe(true);
    expect(fixes.some((f) => f.includes("non-string entry 3"))).toBe(true);
    expect(fixes.some((f) => f.startsWith("/properties/c") && f.includes("empty"))).toBe(true);
    expect(fixes.filter((f) => f.includes("boolean"))).toHaveLength(2);
  });

  it("moves a scalar enum from an array to its items, so that valid arrays validate", async () => {
    const { Ajv } = await import("ajv");
    const fixes: string[] = [];
    const bfcl = {
      type: "dict",
      properties: { metrics: { type: "array", items: { type: "string" }, enum: ["temperature", "co2"], default: [] } },
    };
    const out = normalizeSchema(bfcl, fixes) as Record<string, unknown>;
    expect(out).toMatchObject({ properties: { metrics: { type: "array", items: { type: "string", enum: ["temperature", "co2"] } } } });
    expect((out.properties as Record<string, Record<string, unknown>>).metrics).not.toHaveProperty("enum");
    expect(fixes).toEqual(['/properties/metrics: moved "enum" of an array to its items']);
    const validate = new Ajv({ strict: false }).compile(out);
    expect(validate({ metrics: ["co2"] })).toBe(true);
    expect(validate({ metrics: ["pm10"] })).toBe(false);
  });

  it("rejects unknown type names", () => {
    expect(() => normalizeSchema({ type: "object", properties: { x: { type: "strin" } } }, [])).toThrow(/unknown type "strin" at \/properties\/x/);
  });
});

describe("normalizeParameters", () => {
  it("gives tools without parameters an empty object schema", () => {
    expect(normalizeParameters(undefined, [])).toEqual({ type: "object", properties: {} });
  });
  it("adds a missing object type and records it", () => {
    const fixes: string[] = [];
    expect(normalizeParameters({ properties: { a: { type: "string" } } }, fixes)).toEqual({ type: "object", properties: { a: { type: "string" } } });
    expect(fixes).toHaveLength(1);
  });
  it("rejects non-object parameters and bare parameter maps", () => {
    expect(() => normalizeParameters({ type: "array", items: {} }, [])).toThrow(/type "object"/);
    expect(() => normalizeParameters("x", [])).toThrow(/must be a JSON Schema object/);
    expect(() => normalizeParameters({ city: { type: "string" } }, [])).toThrow(/bare map/);
  });
});

describe("sanitizeToolName", () => {
  it("keeps valid names and makes others readable and valid", () => {
    expect(sanitizeToolName("get_weather")).toBe("get_weather");
    expect(sanitizeToolName("math.factorial")).toBe("math_factorial");
    expect(sanitizeToolName("GET /users/{id}")).toBe("GET_users_id");
    expect(sanitizeToolName("Améthyste avatar")).toBe("Amethyste_avatar");
    expect(sanitizeToolName("...")).toBe("");
  });
  it("cuts long names to 64 characters and keeps distinct long names distinct", () => {
    const a = sanitizeToolName("x".repeat(80) + "a");
    const b = sanitizeToolName("x".repeat(80) + "b");
    expect(a).toMatch(TOOL_NAME_RE);
    expect(a.length).toBeLessThanOrEqual(64);
    expect(a).not.toBe(b);
  });
});

describe("canonicalJson / SchemaChecker", () => {
  it("serializes equal objects equally whatever the key order", () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { f: 2, e: 3 }], c: 0 } })).toBe(canonicalJson({ a: { c: 0, d: [1, { e: 3, f: 2 }] }, b: 1 }));
    expect(canonicalJson({ a: [1, 2] })).not.toBe(canonicalJson({ a: [2, 1] }));
  });
  it("accepts valid schemas (unknown keywords allowed) and reports invalid ones", () => {
    const c = new SchemaChecker();
    expect(c.check({ type: "object", properties: { a: { type: "string", optional: true, format: "date" } } })).toBeUndefined();
    expect(c.check({ type: "object", properties: { a: { type: "string", minLength: -1 } } })).toMatch(/minLength/);
    expect(c.check({ type: "string", pattern: "(" })).toBeDefined();
  });
});
