import { describe, it, expect } from "vitest";
import { Rng } from "../core/index.js";
import { schemaExample, stringForPattern } from "./schema-example.js";
import { validateAgainst } from "../llm/index.js";

describe("schemaExample", () => {
  it("minimal mode keeps only required properties and the smallest values", () => {
    const schema = {
      type: "object",
      properties: { a: { type: "string" }, b: { type: "integer", minimum: 3 }, c: { type: "array", items: { type: "string" } } },
      required: ["b", "c"],
    };
    expect(schemaExample(schema)).toEqual({ b: 3, c: [] });
  });

  it("readable mode pads to minLength with words, not filler characters", () => {
    const schema = { type: "object", properties: { note: { type: "string", minLength: 50 } }, required: ["note"] };
    const v = schemaExample(schema, { mode: "readable", rng: new Rng(1) }) as { note: string };
    expect(v.note.length).toBeGreaterThanOrEqual(50);
    expect(v.note).not.toMatch(/xxx/);
    expect(validateAgainst(schema, v).ok).toBe(true);
  });

  it("follows local $ref recursion without looping forever", () => {
    const schema = {
      $defs: { node: { type: "object", properties: { name: { type: "string" }, children: { type: "array", items: { $ref: "#/$defs/node" } } }, required: ["name"] } },
      $ref: "#/$defs/node",
    };
    for (let i = 0; i < 5; i++) {
      const v = schemaExample(schema, { mode: "readable", rng: new Rng(i) });
      expect(validateAgainst(schema, v).ok).toBe(true);
    }
  });

  it("generates strings for common regex patterns", () => {
    const ctx = { rng: new Rng(3), mode: "readable" };
    for (const p of ["^[A-Z]{2}\\d{3}$", "^(GET|POST)$", "^[a-z0-9_]+@example\\.com$", "^\\d{4}-\\d{2}-\\d{2}$", "^[0-9a-f]{8}$"]) {
      const s = stringForPattern(p, ctx);
      expect(s, p).toBeDefined();
      expect(new RegExp(p).test(s!), `${p} -> ${s}`).toBe(true);
    }
    expect(stringForPattern("^(?=lookahead)x$", ctx)).toBeUndefined();
  });

  it("refuses a false schema", () => {
    expect(() => schemaExample({ type: "object", properties: { a: false }, required: ["a"] })).toThrow(/accepts nothing/);
  });
});
