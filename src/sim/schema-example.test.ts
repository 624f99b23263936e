import { describe, it, expect } from "vitest";
import { Rng } from "../core/index.js";
import { schemaExample, stringForPattern } from "./schema-example.js";
import { validateAgainst } from "../llm/index.js";
import { CITY_INFO, PEOPLE, PRODUCTS, RANGE_PAIRS } from "./vocab.js";

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

describe("schemaExample readable mode uses the sim's one vocabulary and range table", () => {
  it("gives a postal code and country that belong to the city in vocab's city table", () => {
    const schema = {
      type: "object",
      properties: { city: { type: "string" }, postal_code: { type: "string" }, country: { type: "string" } },
      required: ["city", "postal_code", "country"],
    };
    for (let seed = 0; seed < 40; seed++) {
      const v = schemaExample(schema, { mode: "readable", rng: new Rng(seed) }) as { city: string; postal_code: string; country: string };
      const info = CITY_INFO[v.city];
      expect(info, `${seed}: ${v.city}`).toBeDefined();
      expect(info!.postal, `${seed}: ${JSON.stringify(v)}`).toContain(v.postal_code);
      expect(v.country, `${seed}: ${JSON.stringify(v)}`).toBe(info!.country);
      expect(validateAgainst(schema, v).ok).toBe(true);
    }
  });

  it("leaves the postal code as generated when the city's code would break the schema (maxLength)", () => {
    const schema = {
      type: "object",
      properties: { city: { type: "string" }, postal_code: { type: "string", maxLength: 5 } },
      required: ["city", "postal_code"],
    };
    for (let seed = 0; seed < 20; seed++) {
      const v = schemaExample(schema, { mode: "readable", rng: new Rng(seed) });
      expect(validateAgainst(schema, v).ok, JSON.stringify(v)).toBe(true);
    }
  });

  it("orders every start/end pair of the shared range table, within its span", () => {
    for (const pair of RANGE_PAIRS) {
      const start = `trip_${pair.starts[0]}_date`;
      const end = `trip_${pair.end}_date`;
      const schema = {
        type: "object",
        properties: { [start]: { type: "string", format: "date" }, [end]: { type: "string", format: "date" } },
        required: [start, end],
      };
      for (let seed = 0; seed < 15; seed++) {
        const v = schemaExample(schema, { mode: "readable", rng: new Rng(seed) }) as Record<string, string>;
        const days = (Date.parse(v[end]!) - Date.parse(v[start]!)) / 86_400_000;
        expect(days, `${start} ${v[start]} -> ${end} ${v[end]}`).toBeGreaterThan(0);
        if (pair.maxDays !== undefined) expect(days, `${start} -> ${end}`).toBeLessThanOrEqual(pair.maxDays);
        expect(validateAgainst(schema, v).ok).toBe(true);
      }
    }
    const prices = {
      type: "object",
      properties: { min_price: { type: "integer", minimum: 0 }, max_price: { type: "integer", minimum: 0 } },
      required: ["min_price", "max_price"],
    };
    for (let seed = 0; seed < 15; seed++) {
      const v = schemaExample(prices, { mode: "readable", rng: new Rng(seed) }) as { min_price: number; max_price: number };
      expect(v.max_price, JSON.stringify(v)).toBeGreaterThan(v.min_price);
    }
  });

  it("names people and products from vocab's lists, and answers the same for the same seed", () => {
    const schema = {
      type: "object",
      properties: {
        customer_name: { type: "string" },
        product: { type: "object", properties: { name: { type: "string" } }, required: ["name"] },
      },
      required: ["customer_name", "product"],
    };
    for (let seed = 0; seed < 20; seed++) {
      const v = schemaExample(schema, { mode: "readable", rng: new Rng(seed) }) as { customer_name: string; product: { name: string } };
      expect(PEOPLE.map((p) => p.normalize("NFD").replace(/[\u0300-\u036f]/g, ""))).toContain(v.customer_name);
      expect(PRODUCTS).toContain(v.product.name);
      expect(schemaExample(schema, { mode: "readable", rng: new Rng(seed) })).toEqual(v);
    }
  });
});
