/**
 * JSON Schema normalization shared by tool import and the agents: non-standard type names mapped to JSON
 * Schema, harmless mistakes repaired.
 */
import { pointerSegment } from "./errors.js";
import type { JsonSchema } from "./types.js";

/** Type names seen in tool docs that are not JSON Schema, mapped to JSON Schema (null = no type constraint). */
const TYPE_ALIASES: Record<string, string | null> = {
  dict: "object",
  object: "object",
  map: "object",
  hashmap: "object",
  float: "number",
  double: "number",
  number: "number",
  decimal: "number",
  int: "integer",
  integer: "integer",
  long: "integer",
  str: "string",
  string: "string",
  char: "string",
  bool: "boolean",
  boolean: "boolean",
  list: "array",
  array: "array",
  tuple: "array",
  set: "array",
  null: "null",
  none: "null",
  nonetype: "null",
  any: null,
};

const JSON_TYPES = new Set(["object", "number", "integer", "string", "boolean", "array", "null"]);

/** Map one type name to JSON Schema; undefined when unknown. */
export function mapTypeName(t: string): string | null | undefined {
  const key = t.trim().toLowerCase();
  return key in TYPE_ALIASES ? TYPE_ALIASES[key] : undefined;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Keywords whose value is a schema. */
const SCHEMA_KEYWORDS = ["items", "additionalProperties", "not", "contains", "propertyNames", "if", "then", "else", "additionalItems", "unevaluatedItems", "unevaluatedProperties"];
/** Keywords whose value is an array of schemas. */
const SCHEMA_ARRAY_KEYWORDS = ["anyOf", "oneOf", "allOf", "prefixItems"];
/** Keywords whose value maps names to schemas. */
const SCHEMA_MAP_KEYWORDS = ["properties", "patternProperties", "$defs", "definitions", "dependentSchemas"];

/**
 * A normalized deep copy of a schema, so ajv and responseFormat accept it: non-standard type names (BFCL's
 * `dict`, `float`, `tuple`, `any`...) mapped to JSON Schema, `required` repaired, a scalar `enum` of an array
 * moved to its items. Standard schemas come back unchanged (deep copy); a non-object gives {}.
 *
 * With `fixes` (tool import), each repair is pushed to it as a short sentence with the JSON pointer inside the
 * schema, and an unknown type name throws a plain Error (the caller turns it into an InputError naming the file
 * and tool). Without `fixes`, unknown type names are kept (lower-cased) and nothing throws.
 */
export function normalizeSchema(schema: unknown, fixes?: string[], at = ""): JsonSchema {
  const r = normalizeNode(schema, fixes ?? [], at, fixes !== undefined);
  return isPlainObject(r) ? r : {};
}

function normalizeNode(schema: unknown, fixes: string[], at: string, strict: boolean): unknown {
  if (!isPlainObject(schema)) return schema; // boolean schemas, or junk ajv will reject
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) out[k] = v;

  // type
  if ("type" in out) {
    const t = out.type;
    if (typeof t === "string") {
      if (!JSON_TYPES.has(t)) {
        const mapped = mapTypeName(t);
        if (mapped === undefined && strict) throw new Error(`unknown type "${t}" at ${at || "/"}`);
        if (mapped === undefined) out.type = t.toLowerCase();
        else if (mapped === null) delete out.type;
        else out.type = mapped;
      }
    } else if (Array.isArray(t)) {
      const mapped: unknown[] = [];
      let anyType = false;
      for (const x of t) {
        if (typeof x !== "string" && strict) throw new Error(`type must be a string or array of strings at ${at || "/"}`);
        if (typeof x !== "string") {
          mapped.push(x);
          continue;
        }
        const m = JSON_TYPES.has(x) ? x : mapTypeName(x);
        if (m === undefined && strict) throw new Error(`unknown type "${x}" at ${at || "/"}`);
        if (m === undefined) mapped.push(x.toLowerCase());
        else if (m === null) anyType = true;
        else if (!mapped.includes(m)) mapped.push(m);
      }
      if (anyType) delete out.type;
      else out.type = mapped.length === 1 ? mapped[0] : mapped;
    }
  }

  // `required: true` on a property (OpenAPI 2 / hand-written style): move it to the parent's `required` list
  // (before recursing, which would otherwise drop the non-array `required` of the property).
  if (isPlainObject(out.properties)) {
    const copy: Record<string, unknown> = { ...out.properties };
    const lifted: string[] = [];
    for (const [name, sub] of Object.entries(copy)) {
      if (isPlainObject(sub) && typeof sub.required === "boolean") {
        const { required, ...rest } = sub;
        copy[name] = rest;
        if (required) lifted.push(name);
        fixes.push(`${at}/properties/${pointerSegment(name)}: moved boolean "required" to the parent's required list`);
      }
    }
    out.properties = copy;
    if (lifted.length > 0) {
      const existing = Array.isArray(out.required) ? (out.required as unknown[]) : [];
      out.required = [...existing, ...lifted.filter((n) => !existing.includes(n))];
    }
  }

  // `enum` of scalars on an array (BFCL writes it so, meaning "each item is one of these"): no array value can
  // match such an enum, so every call would fail validation. Move it to the items.
  if (out.type === "array" && Array.isArray(out.enum) && out.enum.every((x) => !Array.isArray(x))) {
    const items = isPlainObject(out.items) ? out.items : {};
    if (!("enum" in items)) {
      out.items = { ...items, enum: out.enum };
      fixes.push(`${at}: moved "enum" of an array to its items`);
    } else {
      fixes.push(`${at}: dropped "enum" of an array (its items have their own)`);
    }
    delete out.enum;
  }

  // recurse
  for (const k of SCHEMA_KEYWORDS) {
    if (!(k in out)) continue;
    const v = out[k];
    if (k === "items" && Array.isArray(v)) {
      out[k] = v.map((x, i) => normalizeNode(x, fixes, `${at}/items/${i}`, strict));
    } else {
      out[k] = normalizeNode(v, fixes, `${at}/${k}`, strict);
    }
  }
  for (const k of SCHEMA_ARRAY_KEYWORDS) {
    const v = out[k];
    if (Array.isArray(v)) out[k] = v.map((x, i) => normalizeNode(x, fixes, `${at}/${k}/${i}`, strict));
  }
  for (const k of SCHEMA_MAP_KEYWORDS) {
    const v = out[k];
    if (!isPlainObject(v)) continue;
    const m: Record<string, unknown> = {};
    for (const [name, sub] of Object.entries(v)) m[name] = normalizeNode(sub, fixes, `${at}/${k}/${pointerSegment(name)}`, strict);
    out[k] = m;
  }

  const props = isPlainObject(out.properties) ? (out.properties as Record<string, unknown>) : undefined;
  // required: must be a non-empty list of unique strings naming declared properties
  if ("required" in out) {
    const r = out.required;
    if (!Array.isArray(r)) {
      delete out.required;
      fixes.push(`${at}: removed non-array "required" (${JSON.stringify(r)})`);
    } else {
      const kept: string[] = [];
      for (const x of r) {
        if (typeof x !== "string") {
          fixes.push(`${at}: dropped non-string entry ${JSON.stringify(x)} from "required"`);
        } else if (kept.includes(x)) {
          fixes.push(`${at}: dropped repeated "${x}" from "required"`);
        } else if (props && !(x in props)) {
          fixes.push(`${at}: dropped "${x}" from "required" (not a declared property)`);
        } else {
          kept.push(x);
        }
      }
      if (kept.length === 0) {
        delete out.required;
        if (r.length === 0) fixes.push(`${at}: removed empty "required"`);
      } else {
        out.required = kept;
      }
    }
  }
  return out;
}


