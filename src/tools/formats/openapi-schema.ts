/**
 * OpenAPI 3.0 schema objects -> JSON Schema (2020-12 style, as ajv compiles them).
 *
 * OpenAPI 3.0 schemas are "an extended subset" of JSON Schema draft 4/5; ajv rejects or misreads some of what they
 * say, and a schema written that way would fail later, at synthesis time, naming no tool. Converted here, at
 * import, everywhere in the schema (properties, items, allOf/anyOf/oneOf, not, additionalProperties...):
 *
 * - `nullable: true` (and Swagger's `x-nullable: true`): with a `type`, "null" is added to it (`"string"` ->
 *   `["string","null"]`, and `null` to an `enum`); without one the schema already accepts null, so the keyword is
 *   just dropped (ajv refuses `nullable` without `type`). `nullable: false` is dropped.
 * - `exclusiveMinimum: true` / `exclusiveMaximum: true` (3.0, boolean) -> the numeric form (`exclusiveMinimum: 5`
 *   in place of `minimum: 5`); `false` is dropped.
 * - `example` -> `examples: [example]` (dropped when `examples` is already there); `examples` that is not an array
 *   (an OpenAPI media examples map put in a schema) -> its values' `value`s, or dropped.
 */
import { isPlainObject } from "../schema.js";

type Obj = Record<string, unknown>;

/** Keywords whose value is a map of name -> schema. */
const SCHEMA_MAPS = ["properties", "patternProperties", "$defs", "definitions", "dependentSchemas"];
/** Keywords whose value is a list of schemas. */
const SCHEMA_LISTS = ["allOf", "anyOf", "oneOf", "prefixItems"];
/** Keywords whose value is one schema (or, for items / additionalItems, a list of schemas). */
const SCHEMA_ONE = [
  "items",
  "additionalItems",
  "additionalProperties",
  "not",
  "if",
  "then",
  "else",
  "contains",
  "propertyNames",
  "unevaluatedItems",
  "unevaluatedProperties",
];

/** A copy of an OpenAPI 3.0 schema as JSON Schema (see the module doc). Non-objects are returned as they are. */
export function openApiSchemaToJsonSchema(schema: unknown): unknown {
  if (!isPlainObject(schema)) return schema;
  const out: Obj = {};
  for (const [k, v] of Object.entries(schema)) {
    if (SCHEMA_MAPS.includes(k) && isPlainObject(v)) {
      out[k] = Object.fromEntries(Object.entries(v).map(([name, sub]) => [name, openApiSchemaToJsonSchema(sub)]));
    } else if (SCHEMA_LISTS.includes(k) && Array.isArray(v)) {
      out[k] = v.map(openApiSchemaToJsonSchema);
    } else if (SCHEMA_ONE.includes(k)) {
      out[k] = Array.isArray(v) ? v.map(openApiSchemaToJsonSchema) : openApiSchemaToJsonSchema(v);
    } else {
      out[k] = v;
    }
  }

  // nullable / x-nullable
  const nullable = out.nullable === true || out["x-nullable"] === true;
  delete out.nullable;
  delete out["x-nullable"];
  if (nullable && out.type !== undefined) {
    if (typeof out.type === "string") {
      if (out.type !== "null") out.type = [out.type, "null"];
    } else if (Array.isArray(out.type) && !out.type.includes("null")) {
      out.type = [...out.type, "null"];
    }
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
  }

  // boolean exclusiveMinimum / exclusiveMaximum
  for (const [ex, bound] of [
    ["exclusiveMinimum", "minimum"],
    ["exclusiveMaximum", "maximum"],
  ] as const) {
    if (typeof out[ex] !== "boolean") continue;
    if (out[ex] === true && typeof out[bound] === "number") {
      out[ex] = out[bound];
      delete out[bound];
    } else {
      delete out[ex];
    }
  }

  // example -> examples
  if (out.examples !== undefined && !Array.isArray(out.examples)) {
    const values = isPlainObject(out.examples)
      ? Object.values(out.examples)
          .filter((e): e is Obj => isPlainObject(e) && "value" in e)
          .map((e) => e.value)
      : [];
    if (values.length > 0) out.examples = values;
    else delete out.examples;
  }
  if ("example" in out) {
    if (out.examples === undefined && out.example !== undefined) out.examples = [out.example];
    delete out.example;
  }
  return out;
}
