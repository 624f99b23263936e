/**
 * JSON Schema helpers for tool ingestion: mapping non-standard type names (BFCL's `dict`, `float`, `tuple`,
 * `any`...) to JSON Schema, repairing harmless mistakes (recorded as fixes), canonical serialization for
 * deduplication, tool-name sanitizing, and an ajv compile check.
 */
import { createHash } from "node:crypto";
import { Ajv, type ErrorObject } from "ajv";
import addFormatsModule from "ajv-formats";
import type { JsonSchema } from "../core/types.js";

/** OpenAI's rule for function names. */
export const TOOL_NAME_RE = /^[a-zA-Z0-9_-]{1,64}$/;

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
 * Return a normalized deep copy of a schema: non-standard type names mapped, `required` repaired. Each repair
 * is pushed to `fixes` as a short sentence with the JSON pointer inside the schema. Unknown type names throw
 * a plain Error (the caller turns it into an InputError naming the file and tool).
 */
export function normalizeSchema(schema: unknown, fixes: string[], at = ""): unknown {
  if (!isPlainObject(schema)) return schema; // boolean schemas, or junk ajv will reject
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) out[k] = v;

  // type
  if ("type" in out) {
    const t = out.type;
    if (typeof t === "string") {
      if (!JSON_TYPES.has(t)) {
        const mapped = mapTypeName(t);
        if (mapped === undefined) throw new Error(`unknown type "${t}" at ${at || "/"}`);
        if (mapped === null) delete out.type;
        else out.type = mapped;
      }
    } else if (Array.isArray(t)) {
      const mapped: string[] = [];
      let anyType = false;
      for (const x of t) {
        if (typeof x !== "string") throw new Error(`type must be a string or array of strings at ${at || "/"}`);
        const m = JSON_TYPES.has(x) ? x : mapTypeName(x);
        if (m === undefined) throw new Error(`unknown type "${x}" at ${at || "/"}`);
        if (m === null) anyType = true;
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
        fixes.push(`${at}/properties/${escape(name)}: moved boolean "required" to the parent's required list`);
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
      out[k] = v.map((x, i) => normalizeSchema(x, fixes, `${at}/items/${i}`));
    } else {
      out[k] = normalizeSchema(v, fixes, `${at}/${k}`);
    }
  }
  for (const k of SCHEMA_ARRAY_KEYWORDS) {
    const v = out[k];
    if (Array.isArray(v)) out[k] = v.map((x, i) => normalizeSchema(x, fixes, `${at}/${k}/${i}`));
  }
  for (const k of SCHEMA_MAP_KEYWORDS) {
    const v = out[k];
    if (!isPlainObject(v)) continue;
    const m: Record<string, unknown> = {};
    for (const [name, sub] of Object.entries(v)) m[name] = normalizeSchema(sub, fixes, `${at}/${k}/${escape(name)}`);
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

function escape(s: string): string {
  return s.replace(/~/g, "~0").replace(/\//g, "~1");
}

/**
 * Normalize a tool's parameters into an object schema: missing -> empty object schema; missing `type` with
 * `properties` -> `type: "object"` (recorded); a non-object type is an error.
 */
export function normalizeParameters(parameters: unknown, fixes: string[]): JsonSchema & { type: "object" } {
  if (parameters === undefined || parameters === null) {
    return { type: "object", properties: {} };
  }
  if (!isPlainObject(parameters)) throw new Error(`"parameters" must be a JSON Schema object, got ${typeName(parameters)}`);
  const norm = normalizeSchema(parameters, fixes) as Record<string, unknown>;
  if (norm.type === undefined) {
    // A bare map of parameter name -> schema (no wrapper) is not guessed at: it would silently lose every parameter.
    const values = Object.values(norm);
    if (!("properties" in norm) && values.length > 0 && values.every((v) => isPlainObject(v) && "type" in v)) {
      throw new Error(`"parameters" has no "type"/"properties"; it looks like a bare map of parameters`);
    }
    norm.type = "object";
    if (Object.keys(parameters).length > 0) fixes.push(`: added missing type "object"`);
  }
  if (norm.type !== "object") {
    throw new Error(`"parameters" must have type "object", got ${JSON.stringify(norm.type)}`);
  }
  if (norm.properties === undefined) norm.properties = {};
  if (!isPlainObject(norm.properties)) throw new Error(`"parameters.properties" must be an object`);
  return norm as JsonSchema & { type: "object" };
}

function typeName(v: unknown): string {
  return v === null ? "null" : Array.isArray(v) ? "array" : typeof v;
}

/** JSON with object keys sorted recursively: equal schemas serialize equally. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (isPlainObject(v)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) out[k] = sortKeys(v[k]);
    return out;
  }
  return v;
}

/**
 * Sanitize a name to OpenAI's rule `^[a-zA-Z0-9_-]{1,64}$`, keeping it readable: runs of other characters
 * become one `_`, leading/trailing `_` are trimmed, and a name longer than 64 is cut to 55 characters plus `_`
 * and 8 hex digits of its hash (so distinct long names stay distinct). Returns "" when nothing is left.
 */
export function sanitizeToolName(name: string): string {
  let s = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[^a-zA-Z0-9_-]+/g, "_")
    .replace(/^_+|_+$/g, "");
  if (s.length > 64) {
    const h = createHash("sha256").update(name).digest("hex").slice(0, 8);
    s = `${s.slice(0, 55).replace(/_+$/, "")}_${h}`;
  }
  return s;
}

type AjvInstance = InstanceType<typeof Ajv>;
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (
  ajv: AjvInstance,
) => AjvInstance;

/** A schema compiler: one ajv instance (strict: false, all formats) reused over an import. */
export class SchemaChecker {
  private readonly ajv: AjvInstance;
  constructor() {
    // code.optimize off: compiling is ~3x faster, and these validators are only built to prove the schema compiles.
    this.ajv = new Ajv({
      strict: false,
      allErrors: false,
      logger: false,
      validateSchema: true,
      addUsedSchema: false,
      code: { optimize: false },
    });
    addFormats(this.ajv);
  }

  private readonly seen = new Map<string, string | undefined>();

  /** Compile a schema; returns undefined when it compiles, else the error message. Results are cached by content. */
  check(schema: unknown): string | undefined {
    if (typeof schema !== "object" || schema === null) return "schema must be an object";
    const key = canonicalJson(schema);
    if (this.seen.has(key)) return this.seen.get(key);
    let result: string | undefined;
    try {
      this.ajv.compile(schema as Record<string, unknown>);
    } catch (err) {
      result = (err as Error).message;
    }
    this.seen.set(key, result);
    return result;
  }

  /**
   * Validate a schema against the JSON Schema meta-schema without compiling it (about 50x cheaper than
   * `check`); used for `returns`, which is documentation for the tool agent, never used to validate calls.
   */
  checkStructure(schema: unknown): string | undefined {
    if (typeof schema !== "object" || schema === null) return "schema must be an object";
    const ok = this.ajv.validateSchema(schema as Record<string, unknown>);
    return ok ? undefined : SchemaChecker.formatErrors(this.ajv.errors);
  }

  /** Format ajv validation errors as one line. */
  static formatErrors(errors: ErrorObject[] | null | undefined): string {
    return (errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? ""}`.trim()).join("; ");
  }
}
