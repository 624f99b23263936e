/**
 * Whole values for the `sim` policy: argument values a simulated user states and simulated tool results, built
 * for a schema from the field's name, description and context (the tool, the enclosing object, the call's
 * arguments), with a seeded Rng. The leaves come from values.ts (valueFor), related fields are made to agree
 * (values.ts coherent), shapes the context rules do not cover ($ref, nested anyOf...) go to schemaExample.
 */
import type { JsonSchema, Rng } from "../core/index.js";
import { isRecord } from "../agents/index.js";
import { schemaExample } from "./schema-example.js";
import { coherent, startsEmpty, statusFor, tidyResultRecord, valueFor, type ValueHints } from "./values.js";

/**
 * A value for `schema` given the hints. Objects get their required properties (and, for results, all
 * properties); arrays get one to three items (none for the item lists of something just created).
 */
export function fakeValue(schema: JsonSchema, h: ValueHints, rng: Rng, depth = 0): unknown {
  if (Array.isArray(schema.enum) && schema.enum.length > 0) {
    if (h.purpose === "result" && /(^|_)(status|state)$/i.test(h.name)) return statusFor(h, rng, schema.enum);
    return rng.pick(schema.enum);
  }
  if ("const" in schema) return schema.const;
  const merged = mergeLocalAllOf(schema) ?? pickAlternative(schema);
  if (merged) return fakeValue(merged, h, rng, depth);
  // Documented examples are the most realistic values (ToolBench and OpenAPI specs often have them).
  const examples = Array.isArray(schema.examples) ? schema.examples : "example" in schema ? [schema.example] : [];
  const usable = examples.filter((e) => fitsSimpleType(schema, e) && !/^(default|string|none|null|example)$/i.test(String(e)));
  if (usable.length > 0 && h.purpose === "argument" && rng.chance(0.7)) return rng.pick(usable);
  const type = schemaType(schema);
  if (type === undefined && (schema.anyOf || schema.oneOf || schema.allOf || schema.$ref))
    return schemaExample(schema, { mode: "readable", rng });
  switch (type) {
    case "boolean":
    case "integer":
    case "number":
      return valueFor(schema, h, rng, type);
    case "null":
      return null;
    case "array": {
      const tuple = Array.isArray(schema.prefixItems) ? schema.prefixItems : Array.isArray(schema.items) ? schema.items : undefined;
      if (tuple) {
        return tuple.map((it, i) =>
          isRecord(it) ? fakeValue(it as JsonSchema, { ...h, name: `${h.name}_${i}` }, rng, depth + 1) : null,
        );
      }
      const items = isRecord(schema.items) ? (schema.items as JsonSchema) : { type: "string" };
      const min = typeof schema.minItems === "number" ? schema.minItems : 1;
      const max = typeof schema.maxItems === "number" ? schema.maxItems : Math.max(min, 3);
      // Something just created (a new cart) has no items yet.
      if (h.purpose === "result" && depth === 1 && !(typeof schema.minItems === "number" && schema.minItems > 0) && startsEmpty(h.tool, h.name))
        return [];
      const count = depth > 3 ? min : rng.int(Math.min(min, max), Math.max(min, Math.min(max, h.purpose === "argument" ? 2 : 3)));
      const singular = h.name.replace(/ies$/, "y").replace(/s$/, "");
      const out: unknown[] = [];
      // Two entries of a list are two things: no repeated entry, no repeated name.
      const label = (v: unknown) => (isRecord(v) ? (v.name ?? v.title) : undefined);
      const repeated = (v: unknown) =>
        out.some((o) => JSON.stringify(o) === JSON.stringify(v) || (label(v) !== undefined && label(o) === label(v)));
      for (let i = 0; i < count; i++) {
        const hint: ValueHints = { ...h, name: singular, parent: singular, description: items.description as string | undefined, index: i };
        let v = fakeValue(items, hint, rng, depth + 1);
        for (let t = 0; t < 4 && repeated(v); t++) v = fakeValue(items, hint, rng, depth + 1);
        out.push(v);
      }
      return out;
    }
    case "object": {
      const props = isRecord(schema.properties) ? (schema.properties as Record<string, JsonSchema>) : {};
      const req = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
      const out: Record<string, unknown> = {};
      const parent = h.name;
      for (const [k, v] of Object.entries(props)) {
        if (!isRecord(v)) continue;
        if (h.purpose === "argument" && !req.has(k) && (depth > 0 || !rng.chance(0.5))) continue;
        if (depth > 4 && !req.has(k)) continue;
        out[k] = fakeValue(v, { ...h, name: k, parent, description: v.description as string | undefined }, rng, depth + 1);
      }
      if (h.purpose === "result") tidyResultRecord(out);
      const names = Object.keys(out);
      for (const k of names) {
        const sub = props[k];
        out[k] = coherent(k, out[k], {
          names,
          get: (x) => out[x],
          rng,
          ...(sub ? { schema: sub } : {}),
          regen: () => (sub ? fakeValue(sub, { ...h, name: k, parent, description: sub.description as string | undefined }, rng, depth + 1) : out[k]),
        });
      }
      return out;
    }
    case "string":
    default:
      // Leaves come from the shared generator; patterns and other formats from the generic schema instance.
      return valueFor(schema, h, rng, "string") ?? schemaExample(schema, { mode: "readable", rng, name: h.name });
  }
}

// ------------------------------------------------------------------------------------------------ schema helpers

function schemaType(schema: JsonSchema): string | undefined {
  const t = schema.type;
  if (typeof t === "string") return t;
  if (Array.isArray(t)) return t.find((x): x is string => typeof x === "string" && x !== "null");
  if (isRecord(schema.properties)) return "object";
  if (schema.items !== undefined) return "array";
  return undefined;
}

function fitsSimpleType(schema: JsonSchema, v: unknown): boolean {
  if (v === null || v === undefined || v === "") return false;
  switch (schemaType(schema)) {
    case "string":
      return typeof v === "string";
    case "integer":
      return typeof v === "number" && Number.isInteger(v);
    case "number":
      return typeof v === "number";
    case "boolean":
      return typeof v === "boolean";
    case undefined:
      return typeof v === "string" || typeof v === "number";
    default:
      return false;
  }
}

/** allOf of plain local object schemas merged into one (properties and required unioned); else undefined. */
function mergeLocalAllOf(schema: JsonSchema): JsonSchema | undefined {
  const parts = schema.allOf;
  if (!Array.isArray(parts) || parts.length === 0) return undefined;
  const out: JsonSchema = { ...schema };
  delete out.allOf;
  let props: Record<string, unknown> = isRecord(schema.properties) ? { ...schema.properties } : {};
  const req = new Set<string>(Array.isArray(schema.required) ? (schema.required as string[]) : []);
  for (const p of parts) {
    if (!isRecord(p) || p.$ref !== undefined || p.allOf || p.anyOf || p.oneOf) return undefined;
    if (p.type !== undefined && p.type !== "object") return undefined;
    if (isRecord(p.properties)) props = { ...props, ...p.properties };
    if (Array.isArray(p.required)) for (const r of p.required) if (typeof r === "string") req.add(r);
    for (const [k, v] of Object.entries(p)) if (!["properties", "required"].includes(k) && !(k in out)) out[k] = v;
  }
  out.type = "object";
  out.properties = props;
  if (req.size > 0) out.required = [...req];
  return out;
}

/** The first non-null alternative of anyOf/oneOf without $ref, merged with its sibling keywords; else undefined. */
function pickAlternative(schema: JsonSchema): JsonSchema | undefined {
  const alts = Array.isArray(schema.anyOf) ? schema.anyOf : Array.isArray(schema.oneOf) ? schema.oneOf : undefined;
  if (!alts) return undefined;
  const alt = alts.find((a) => isRecord(a) && a.type !== "null");
  if (!isRecord(alt) || alt.$ref !== undefined || alt.allOf || alt.anyOf || alt.oneOf) return undefined;
  const { anyOf: _a, oneOf: _o, ...rest } = schema;
  return { ...rest, ...(alt as JsonSchema) };
}
