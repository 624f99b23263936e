/**
 * JSON Schema helpers of the verification stage: a cache of compiled ajv validators (one compile per distinct
 * parameter schema), and a walk over the leaves of an argument object with the sub-schema of each leaf.
 */
import { compiledSchemaCount, SchemaCompileError, tryCompileSchema, type ErrorObject, type ValidateFunction } from "../core/index.js";
import type { JsonSchema, ToolSpec } from "../core/index.js";

/** The compiled validator of a tool's parameter schema (shared cache of core/ajv), or an Error when it does not compile. */
export function validatorFor(tool: Pick<ToolSpec, "parameters">): ValidateFunction | Error {
  const v = tryCompileSchema(tool.parameters as JsonSchema);
  return v instanceof SchemaCompileError && v.cause instanceof Error ? v.cause : v;
}

/** Number of compiled schemas held (for tests and benchmarks). */
export function validatorCacheSize(): number {
  return compiledSchemaCount();
}

/** One ajv error as a short phrase naming the argument path. */
export function describeAjvError(e: ErrorObject): string {
  const where = e.instancePath === "" ? "arguments" : `argument ${e.instancePath}`;
  if (e.keyword === "required") {
    const missing = (e.params as { missingProperty?: string }).missingProperty;
    return `missing required argument ${e.instancePath}/${missing ?? "?"}`;
  }
  if (e.keyword === "additionalProperties") {
    const extra = (e.params as { additionalProperty?: string }).additionalProperty;
    return `unknown argument ${e.instancePath}/${extra ?? "?"}`;
  }
  if (e.keyword === "enum") {
    const allowed = (e.params as { allowedValues?: unknown[] }).allowedValues;
    return `${where} must be one of ${JSON.stringify(allowed)}`;
  }
  return `${where} ${e.message ?? "is invalid"}`;
}

// ---------------------------------------------------------------- leaves

export interface ArgLeaf {
  /** JSON pointer of the leaf inside the arguments, e.g. "/passengers/0/name". */
  path: string;
  /** Name of the nearest object key (the argument's own name for top-level leaves). */
  key: string | undefined;
  value: string | number | boolean | null;
  /** The leaf's sub-schema when it could be resolved. */
  schema: JsonSchema | undefined;
}

function isObject(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === "object" && !Array.isArray(x);
}

function escapeSegment(s: string | number): string {
  return String(s).replace(/~/g, "~0").replace(/\//g, "~1");
}

/** Alternatives of a schema (anyOf / oneOf / allOf members), plus itself. */
function variants(schema: JsonSchema | undefined): JsonSchema[] {
  if (!schema) return [];
  const out: JsonSchema[] = [schema];
  for (const k of ["anyOf", "oneOf", "allOf"]) {
    const list = schema[k];
    if (Array.isArray(list)) for (const s of list) if (isObject(s)) out.push(...variants(s));
  }
  return out;
}

function propertySchema(schema: JsonSchema | undefined, key: string): JsonSchema | undefined {
  for (const v of variants(schema)) {
    const props = v.properties;
    if (isObject(props) && isObject(props[key])) return props[key] as JsonSchema;
    if (isObject(v.additionalProperties)) return v.additionalProperties as JsonSchema;
  }
  return undefined;
}

function itemSchema(schema: JsonSchema | undefined, index: number): JsonSchema | undefined {
  for (const v of variants(schema)) {
    if (Array.isArray(v.prefixItems) && isObject(v.prefixItems[index])) return v.prefixItems[index] as JsonSchema;
    if (isObject(v.items)) return v.items as JsonSchema;
    if (Array.isArray(v.items) && isObject(v.items[index])) return v.items[index] as JsonSchema;
  }
  return undefined;
}

/** Every leaf (string, number, boolean, null) of an argument value, with its path and sub-schema. */
export function argLeaves(args: unknown, schema: JsonSchema | undefined): ArgLeaf[] {
  const out: ArgLeaf[] = [];
  const walk = (v: unknown, s: JsonSchema | undefined, path: string, key: string | undefined) => {
    if (Array.isArray(v)) {
      v.forEach((x, i) => walk(x, itemSchema(s, i), `${path}/${i}`, key));
    } else if (isObject(v)) {
      for (const [k, x] of Object.entries(v)) walk(x, propertySchema(s, k), `${path}/${escapeSegment(k)}`, k);
    } else if (v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean") {
      out.push({ path, key, value: v, schema: s });
    }
  };
  walk(args, schema, "", undefined);
  return out;
}

/** The value is an enum member, the const, or the default of its schema (deep-equal for JSON values). */
export function isDocumentedValue(value: unknown, schema: JsonSchema | undefined): boolean {
  for (const v of variants(schema)) {
    if (Array.isArray(v.enum) && v.enum.some((e) => sameJson(e, value))) return true;
    if ("const" in v && sameJson(v.const, value)) return true;
    if ("default" in v && sameJson(v.default, value)) return true;
  }
  return false;
}

function sameJson(a: unknown, b: unknown): boolean {
  if (typeof a === "string" && typeof b === "string") return a.trim().toLowerCase() === b.trim().toLowerCase();
  return JSON.stringify(a) === JSON.stringify(b);
}
