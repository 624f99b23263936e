/**
 * Turn a tool's (or a plan's) JSON Schema into the subset that node-llama-cpp 3.21's JSON-Schema grammar
 * (`llama.createGrammarForJsonSchema`, type `GbnfJsonSchema`) understands, so that grammar-constrained generation
 * produces values that are (almost always) valid for the ORIGINAL schema. What comes back is still validated with
 * ajv against the original schema: the grammar is a guide, not the judge.
 *
 * What node-llama-cpp's grammar does (read from its source, version 3.21.1):
 * - every property listed in `properties` is generated (`required` is ignored), in the listed order;
 * - `oneOf` is a union (so `anyOf` and `type: [...]` with objects/arrays are mapped onto it);
 * - `$ref` only as `#/$defs/<name>`; `const`, `enum` (primitive values), `minLength`/`maxLength`,
 *   `format` date-time|date|time, `items`/`prefixItems`/`minItems`/`maxItems`, `additionalProperties`,
 *   `minProperties`/`maxProperties`;
 * - no `pattern`, no other formats, no `minimum`/`maximum`, no `allOf`, no `not`, no `if`/`then`; a schema with no
 *   recognised keyword (e.g. `{}`) becomes `null` only.
 *
 * The rules below are deterministic (same schema in, same schema out).
 */
import { InputError } from "../../core/index.js";
import type { JsonSchema } from "../../core/index.js";

/** What to do with properties that are not `required` (the grammar would always generate them). */
export type OptionalPropertyMode =
  /** Generate them, but allow `null` as a way to leave them out; `stripOmittedOptionals` removes those nulls. */
  | "nullable"
  /** Generate them (always present in the output). */
  | "keep"
  /** Leave them out of the grammar (never present in the output). */
  | "drop";

export interface NormalizeOptions {
  /** Default "nullable". */
  optionalProperties?: OptionalPropertyMode;
  /** Integer ranges with at most this many values become an enum (default 64). */
  maxIntegerEnum?: number;
  /** Told about every keyword dropped or approximated, with its JSON pointer in the original schema. */
  onLoss?: (pointer: string, what: string) => void;
}

const PRIMITIVES = new Set(["string", "number", "integer", "boolean", "null"]);
const SUPPORTED_FORMATS = new Set(["date-time", "date", "time"]);
/** Keywords dropped silently: annotations that carry no constraint. */
const ANNOTATIONS = new Set([
  "$schema",
  "$id",
  "$comment",
  "$anchor",
  "title",
  "examples",
  "example",
  "default",
  "deprecated",
  "readOnly",
  "writeOnly",
  "$defs",
  "definitions",
  "description",
  "contentMediaType",
  "contentEncoding",
  "x-order",
]);

/** A grammar schema that accepts any JSON value. */
export function anyJsonGrammarSchema(): JsonSchema {
  return {
    oneOf: [
      { type: ["string", "number", "boolean", "null"] },
      { type: "array" },
      { type: "object", additionalProperties: true },
    ],
  };
}

type Schema = { [key: string]: unknown };

function isObject(v: unknown): v is Schema {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function escapePointer(s: string): string {
  return s.replace(/~/g, "~0").replace(/\//g, "~1");
}

class Normalizer {
  private readonly defs: Record<string, JsonSchema> = {};
  private readonly defNames = new Map<string, string>();
  private readonly mode: OptionalPropertyMode;
  private readonly maxIntegerEnum: number;

  constructor(
    private readonly root: unknown,
    private readonly options: NormalizeOptions,
  ) {
    this.mode = options.optionalProperties ?? "nullable";
    this.maxIntegerEnum = options.maxIntegerEnum ?? 64;
  }

  run(): JsonSchema {
    const out = this.node(this.root, "", []);
    if (Object.keys(this.defs).length > 0) return { ...out, $defs: this.defs };
    return out;
  }

  private loss(pointer: string, what: string): void {
    this.options.onLoss?.(pointer === "" ? "/" : pointer, what);
  }

  /** Resolve a local `$ref` ("#", "#/definitions/x", "#/$defs/x", "#/properties/a"...) in the root schema. */
  private resolveRef(ref: string, pointer: string): unknown {
    if (!ref.startsWith("#")) {
      throw new InputError(
        `$ref "${ref}" points outside the schema; only local references (#/...) can be turned into a grammar (dereference the schema first)`,
        { pointer },
      );
    }
    const path = ref.slice(1);
    if (path === "") return this.root;
    if (!path.startsWith("/")) throw new InputError(`$ref "${ref}" is not a JSON pointer`, { pointer });
    let cur: unknown = this.root;
    for (const raw of path.slice(1).split("/")) {
      const seg = decodeURIComponent(raw).replace(/~1/g, "/").replace(/~0/g, "~");
      if (Array.isArray(cur)) cur = cur[Number(seg)];
      else if (isObject(cur)) cur = cur[seg];
      else cur = undefined;
      if (cur === undefined) throw new InputError(`$ref "${ref}" does not resolve`, { pointer });
    }
    return cur;
  }

  /** Merge allOf members (and a base schema) into one schema, shallowly, combining properties and required. */
  private mergeSchemas(parts: Schema[], pointer: string): Schema {
    const out: Schema = {};
    const properties: Schema = {};
    const required: string[] = [];
    let hasProps = false;
    for (const part of parts) {
      for (const [k, v] of Object.entries(part)) {
        if (k === "properties" && isObject(v)) {
          hasProps = true;
          for (const [pk, pv] of Object.entries(v)) {
            const prev = properties[pk];
            properties[pk] = isObject(prev) && isObject(pv) ? this.mergeSchemas([prev, pv], pointer) : pv;
          }
        } else if (k === "required" && Array.isArray(v)) {
          for (const r of v) if (typeof r === "string" && !required.includes(r)) required.push(r);
        } else if (k === "type" && out.type !== undefined && v !== out.type) {
          const a = Array.isArray(out.type) ? out.type : [out.type];
          const b = Array.isArray(v) ? v : [v];
          const both = a.filter((t) => b.includes(t) || (t === "integer" && b.includes("number")));
          for (const t of b) if (t === "integer" && a.includes("number") && !both.includes("integer")) both.push("integer");
          out.type = both.length === 1 ? both[0] : both.length === 0 ? a : both;
          if (both.length === 0) this.loss(pointer, "allOf members with incompatible types: kept the first");
        } else if (k === "enum" && Array.isArray(out.enum) && Array.isArray(v)) {
          out.enum = (out.enum as unknown[]).filter((x) => v.some((y) => JSON.stringify(y) === JSON.stringify(x)));
        } else {
          out[k] = v;
        }
      }
    }
    if (hasProps) out.properties = properties;
    if (required.length > 0) out.required = required;
    return out;
  }

  private node(input: unknown, pointer: string, refStack: string[]): JsonSchema {
    if (input === true || input === undefined) return anyJsonGrammarSchema();
    if (input === false) {
      this.loss(pointer, "schema `false` (nothing is valid): generating any JSON");
      return anyJsonGrammarSchema();
    }
    if (!isObject(input)) {
      throw new InputError(`not a JSON Schema (expected an object, got ${Array.isArray(input) ? "an array" : typeof input})`, {
        pointer,
      });
    }
    let s: Schema = input;
    const description = typeof s.description === "string" ? s.description : undefined;
    const withDescription = (out: JsonSchema): JsonSchema =>
      description !== undefined && out.description === undefined && out.$ref === undefined
        ? { ...out, description }
        : out;

    // $ref: inline, except a reference to a schema we are already inside (recursion): that one goes to $defs.
    if (typeof s.$ref === "string") {
      const ref = s.$ref;
      if (refStack.includes(ref)) return { $ref: `#/$defs/${this.defName(ref, pointer, refStack)}` };
      const target = this.resolveRef(ref, pointer);
      const { $ref: _r, ...siblings } = s;
      const merged = isObject(target) && Object.keys(siblings).length > 0 ? this.mergeSchemas([target, siblings], pointer) : target;
      return this.node(merged, pointer, [...refStack, ref]);
    }

    if (Array.isArray(s.allOf)) {
      const { allOf, ...base } = s;
      const parts: Schema[] = [base];
      (allOf as unknown[]).forEach((member, i) => {
        let m: unknown = member;
        const seen = new Set<string>();
        while (isObject(m) && typeof m.$ref === "string" && !seen.has(m.$ref)) {
          seen.add(m.$ref);
          const { $ref, ...rest } = m;
          const t = this.resolveRef($ref as string, `${pointer}/allOf/${i}`);
          m = isObject(t) ? this.mergeSchemas([t, rest], pointer) : t;
        }
        if (isObject(m)) parts.push(m);
      });
      s = this.mergeSchemas(parts, pointer);
    }

    // Unions: anyOf / oneOf, with the rest of the schema merged into every variant.
    const unionKey = Array.isArray(s.oneOf) ? "oneOf" : Array.isArray(s.anyOf) ? "anyOf" : undefined;
    if (unionKey !== undefined) {
      const { oneOf: _o, anyOf: _a, ...base } = s;
      if (Array.isArray(s.oneOf) && Array.isArray(s.anyOf)) this.loss(pointer, "both oneOf and anyOf: used oneOf");
      const hasBase = Object.keys(base).some((k) => !ANNOTATIONS.has(k));
      const variants = (s[unionKey] as unknown[]).map((v, i) => {
        const vp = `${pointer}/${unionKey}/${i}`;
        if (!hasBase) return this.node(v, vp, refStack);
        let vv: unknown = v;
        if (isObject(vv) && typeof vv.$ref === "string" && !refStack.includes(vv.$ref)) {
          const { $ref, ...rest } = vv;
          const t = this.resolveRef($ref as string, vp);
          vv = isObject(t) ? this.mergeSchemas([t, rest], vp) : t;
        }
        return this.node(isObject(vv) ? this.mergeSchemas([base, vv], vp) : base, vp, refStack);
      });
      const unique = dedupe(variants);
      if (unique.length === 0) return withDescription(anyJsonGrammarSchema());
      if (unique.length === 1) return withDescription(unique[0] as JsonSchema);
      return withDescription({ oneOf: unique });
    }

    for (const k of ["not", "if", "then", "else", "dependentSchemas", "dependentRequired", "dependencies", "patternProperties", "propertyNames", "unevaluatedProperties", "unevaluatedItems", "contains"]) {
      if (s[k] !== undefined) this.loss(pointer, `dropped "${k}"`);
    }

    if (s.const !== undefined) return withDescription(constSchema(s.const));

    if (Array.isArray(s.enum)) {
      const values = s.enum as unknown[];
      if (values.length === 0) {
        this.loss(pointer, "empty enum: generating any JSON");
        return withDescription(anyJsonGrammarSchema());
      }
      if (values.every(isPrimitive)) return withDescription({ enum: values });
      return withDescription({ oneOf: dedupe(values.map(constSchema)) });
    }

    // OpenAPI 3.0 `nullable: true`
    if (s.nullable === true) {
      const { nullable: _n, ...rest } = s;
      const inner = this.node(rest, pointer, refStack);
      return withDescription({ oneOf: dedupe([inner, { type: "null" }]) });
    }

    let type = s.type;
    if (type === undefined) {
      if (isObject(s.properties) || s.additionalProperties !== undefined || s.required !== undefined) type = "object";
      else if (s.items !== undefined || s.prefixItems !== undefined) type = "array";
      else if (s.minLength !== undefined || s.maxLength !== undefined || s.pattern !== undefined || s.format !== undefined) type = "string";
      else if (s.minimum !== undefined || s.maximum !== undefined) type = "number";
    }
    if (type === undefined) return withDescription(anyJsonGrammarSchema());

    if (Array.isArray(type)) {
      const types = [...new Set(type.filter((t): t is string => typeof t === "string"))];
      if (types.length === 0) return withDescription(anyJsonGrammarSchema());
      if (types.length === 1) return this.node({ ...s, type: types[0] }, pointer, refStack);
      const plain = types.every((t) => PRIMITIVES.has(t)) && !hasTypeSpecificKeywords(s);
      if (plain) return withDescription({ type: types });
      const variants = types.map((t) => this.node({ ...s, type: t }, pointer, refStack));
      return withDescription({ oneOf: dedupe(variants.map(stripDescription)) });
    }

    switch (type) {
      case "string":
        return withDescription(this.stringSchema(s, pointer));
      case "integer":
      case "number":
        return withDescription(this.numberSchema(s, type as "integer" | "number", pointer));
      case "boolean":
        return withDescription({ type: "boolean" });
      case "null":
        return withDescription({ type: "null" });
      case "object":
        return withDescription(this.objectSchema(s, pointer, refStack));
      case "array":
        return withDescription(this.arraySchema(s, pointer, refStack));
      default:
        throw new InputError(`unknown type "${String(type)}"`, { pointer: `${pointer}/type` });
    }
  }

  private defName(ref: string, pointer: string, refStack: string[]): string {
    let name = this.defNames.get(ref);
    if (name !== undefined) return name;
    const base = (ref.split("/").pop() ?? "def").replace(/[^A-Za-z0-9_-]/g, "_") || "def";
    name = base;
    for (let i = 2; Object.prototype.hasOwnProperty.call(this.defs, name) || [...this.defNames.values()].includes(name); i++) {
      name = `${base}_${i}`;
    }
    this.defNames.set(ref, name);
    this.defs[name] = { type: "null" }; // placeholder while the definition is being normalized
    this.defs[name] = this.node(this.resolveRef(ref, pointer), pointer, refStack.filter((r) => r !== ref).concat(ref));
    return name;
  }

  private stringSchema(s: Schema, pointer: string): JsonSchema {
    if (s.pattern !== undefined) this.loss(pointer, `dropped "pattern" ${JSON.stringify(s.pattern)}`);
    if (typeof s.format === "string") {
      if (SUPPORTED_FORMATS.has(s.format)) return { type: "string", format: s.format };
      this.loss(pointer, `dropped "format": "${s.format}"`);
    }
    const out: JsonSchema = { type: "string" };
    const min = typeof s.minLength === "number" && s.minLength > 0 ? Math.floor(s.minLength) : undefined;
    let max = typeof s.maxLength === "number" && s.maxLength >= 0 ? Math.floor(s.maxLength) : undefined;
    if (min !== undefined && max !== undefined && max < min) max = min;
    if (min !== undefined) out.minLength = min;
    if (max !== undefined) out.maxLength = max;
    return out;
  }

  private numberSchema(s: Schema, type: "integer" | "number", pointer: string): JsonSchema {
    const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
    let lo = num(s.minimum);
    let hi = num(s.maximum);
    const exLo = num(s.exclusiveMinimum);
    const exHi = num(s.exclusiveMaximum);
    if (exLo !== undefined) lo = lo === undefined ? exLo + (type === "integer" ? 1 : 0) : Math.max(lo, exLo + 1);
    if (exHi !== undefined) hi = hi === undefined ? exHi - (type === "integer" ? 1 : 0) : Math.min(hi, exHi - 1);
    const multiple = num(s.multipleOf);
    if (type === "integer" && lo !== undefined && hi !== undefined) {
      const from = Math.ceil(lo);
      const to = Math.floor(hi);
      const step = multiple !== undefined && Number.isInteger(multiple) && multiple > 0 ? multiple : 1;
      const first = Math.ceil(from / step) * step;
      if (to >= first && (to - first) / step + 1 <= this.maxIntegerEnum) {
        const values: number[] = [];
        for (let v = first; v <= to; v += step) values.push(v);
        return { enum: values };
      }
    }
    for (const k of ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"]) {
      if (s[k] !== undefined) this.loss(pointer, `dropped "${k}"`);
    }
    return { type };
  }

  private objectSchema(s: Schema, pointer: string, refStack: string[]): JsonSchema {
    const props = isObject(s.properties) ? s.properties : {};
    const required = new Set(Array.isArray(s.required) ? s.required.filter((r): r is string => typeof r === "string") : []);
    const out: JsonSchema = { type: "object" };
    const properties: Record<string, JsonSchema> = {};
    for (const [key, sub] of Object.entries(props)) {
      const p = `${pointer}/properties/${escapePointer(key)}`;
      if (required.has(key)) {
        properties[key] = this.node(sub, p, refStack);
      } else if (this.mode === "keep") {
        properties[key] = this.node(sub, p, refStack);
      } else if (this.mode === "nullable") {
        const inner = this.node(sub, p, refStack);
        properties[key] = acceptsNullOnly(inner) ? inner : { oneOf: dedupe([{ type: "null" }, stripDescription(inner)]), ...descriptionOf(inner) };
      }
      // "drop": left out
    }
    for (const key of required) {
      if (!(key in props)) {
        properties[key] = anyJsonGrammarSchema();
        this.loss(`${pointer}/required`, `required "${key}" has no schema in properties: generating any JSON`);
      }
    }
    const nProps = Object.keys(properties).length;
    if (nProps > 0 || isObject(s.properties)) out.properties = properties;
    const ap = s.additionalProperties;
    if (nProps === 0 && !isObject(s.properties)) {
      // A free-form object (a map): keep what its additionalProperties say.
      if (ap === false) {
        // only {}
      } else if (isObject(ap)) {
        out.additionalProperties = this.node(ap, `${pointer}/additionalProperties`, refStack);
      } else {
        out.additionalProperties = true;
      }
      if (typeof s.minProperties === "number") out.minProperties = s.minProperties;
      if (typeof s.maxProperties === "number") out.maxProperties = s.maxProperties;
    } else if (ap !== undefined && ap !== false && isObject(ap)) {
      this.loss(`${pointer}/additionalProperties`, "extra properties beside the listed ones are not generated");
    }
    return out;
  }

  private arraySchema(s: Schema, pointer: string, refStack: string[]): JsonSchema {
    const out: JsonSchema = { type: "array" };
    if (Array.isArray(s.prefixItems)) {
      out.prefixItems = s.prefixItems.map((it, i) => this.node(it, `${pointer}/prefixItems/${i}`, refStack));
      if (isObject(s.items) || s.items === true) out.items = this.node(s.items, `${pointer}/items`, refStack);
      else if (s.items === false) out.maxItems = s.prefixItems.length;
    } else if (Array.isArray(s.items)) {
      // draft-04..2019 tuple form
      out.prefixItems = s.items.map((it, i) => this.node(it, `${pointer}/items/${i}`, refStack));
      if (s.additionalItems === false) out.maxItems = s.items.length;
      else if (isObject(s.additionalItems)) out.items = this.node(s.additionalItems, `${pointer}/additionalItems`, refStack);
    } else if (isObject(s.items) || s.items === true) {
      out.items = this.node(s.items, `${pointer}/items`, refStack);
    }
    if (typeof s.minItems === "number" && s.minItems > 0) out.minItems = Math.floor(s.minItems);
    if (typeof s.maxItems === "number" && s.maxItems >= 0) {
      const max = Math.floor(s.maxItems);
      out.maxItems = typeof out.maxItems === "number" ? Math.min(out.maxItems, max) : max;
    }
    if (typeof out.minItems === "number" && typeof out.maxItems === "number" && out.maxItems < out.minItems) {
      out.maxItems = out.minItems;
    }
    if (s.uniqueItems === true) this.loss(pointer, `dropped "uniqueItems"`);
    return out;
  }
}

function isPrimitive(v: unknown): v is string | number | boolean | null {
  return v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean";
}

/** A grammar schema for exactly one JSON value. */
function constSchema(value: unknown): JsonSchema {
  if (isPrimitive(value)) return { const: value };
  if (Array.isArray(value)) {
    return { type: "array", prefixItems: value.map(constSchema), minItems: value.length, maxItems: value.length };
  }
  const obj = value as Schema;
  const properties: Record<string, JsonSchema> = {};
  for (const [k, v] of Object.entries(obj)) properties[k] = constSchema(v);
  return { type: "object", properties };
}

function hasTypeSpecificKeywords(s: Schema): boolean {
  return ["minLength", "maxLength", "format", "pattern", "properties", "items", "prefixItems", "additionalProperties", "minimum", "maximum", "minItems", "maxItems"].some(
    (k) => s[k] !== undefined,
  );
}

function stripDescription(s: JsonSchema): JsonSchema {
  if (s.description === undefined) return s;
  const { description: _d, ...rest } = s;
  return rest;
}

function descriptionOf(s: JsonSchema): JsonSchema {
  return typeof s.description === "string" ? { description: s.description } : {};
}

function acceptsNullOnly(s: JsonSchema): boolean {
  return s.type === "null" || s.const === null;
}

function dedupe(schemas: JsonSchema[]): JsonSchema[] {
  const seen = new Set<string>();
  const out: JsonSchema[] = [];
  for (const s of schemas) {
    const key = JSON.stringify(s);
    if (!seen.has(key)) {
      seen.add(key);
      out.push(s);
    }
  }
  return out;
}

/**
 * Turn `schema` into node-llama-cpp's grammar subset (see the file comment). Throws InputError (with the JSON
 * pointer) for a schema that cannot be read: a non-local or dangling `$ref`, an unknown type, a non-object node.
 */
export function normalizeSchemaForGrammar(schema: JsonSchema | boolean, options: NormalizeOptions = {}): JsonSchema {
  return new Normalizer(schema, options).run();
}

/**
 * Undo the "nullable" trick: remove object properties that are `null` where the ORIGINAL schema does not require
 * them and does not accept null for them (the model used null to leave them out). Walks properties, items,
 * additionalProperties and local $refs of the original schema; returns a new value.
 */
export function stripOmittedOptionals(value: unknown, schema: JsonSchema | boolean): unknown {
  const root = schema;
  const resolve = (s: unknown, depth: number): Schema | undefined => {
    let cur = s;
    for (let i = 0; i < 32 && isObject(cur) && typeof cur.$ref === "string" && cur.$ref.startsWith("#"); i++) {
      let t: unknown = root;
      for (const raw of cur.$ref.slice(2).split("/").filter((x) => x !== "")) {
        const seg = decodeURIComponent(raw).replace(/~1/g, "/").replace(/~0/g, "~");
        t = isObject(t) ? t[seg] : undefined;
      }
      cur = t;
    }
    if (!isObject(cur) || depth > 64) return undefined;
    if (Array.isArray(cur.allOf)) {
      const merged: Schema = { ...cur };
      const props: Schema = isObject(cur.properties) ? { ...cur.properties } : {};
      const req: unknown[] = Array.isArray(cur.required) ? [...cur.required] : [];
      for (const m of cur.allOf) {
        const r = resolve(m, depth + 1);
        if (!r) continue;
        if (isObject(r.properties)) Object.assign(props, r.properties);
        if (Array.isArray(r.required)) req.push(...r.required);
        if (r.items !== undefined && merged.items === undefined) merged.items = r.items;
      }
      merged.properties = props;
      merged.required = req;
      return merged;
    }
    return cur;
  };
  const acceptsNull = (s: unknown): boolean => {
    const r = resolve(s, 0);
    if (r === undefined) return s === true || s === undefined;
    if (r.nullable === true || r.const === null) return true;
    if (Array.isArray(r.enum)) return r.enum.includes(null);
    if (r.type === "null" || (Array.isArray(r.type) && r.type.includes("null"))) return true;
    for (const k of ["anyOf", "oneOf"]) {
      const u = r[k];
      if (Array.isArray(u) && u.some((x) => acceptsNull(x))) return true;
    }
    return r.type === undefined && r.properties === undefined && r.items === undefined && r.enum === undefined && r.const === undefined && r.anyOf === undefined && r.oneOf === undefined;
  };
  const walk = (v: unknown, s: unknown, depth: number): unknown => {
    const r = resolve(s, depth);
    if (r === undefined || depth > 64) return v;
    if (Array.isArray(v)) {
      const items = r.items;
      const prefix = Array.isArray(r.prefixItems) ? r.prefixItems : Array.isArray(items) ? items : undefined;
      return v.map((x, i) => walk(x, prefix?.[i] ?? (Array.isArray(items) ? undefined : items), depth + 1));
    }
    if (!isObject(v)) return v;
    const props = isObject(r.properties) ? r.properties : {};
    const required = new Set(Array.isArray(r.required) ? r.required : []);
    const out: Schema = {};
    for (const [k, x] of Object.entries(v)) {
      const ps = props[k] ?? (isObject(r.additionalProperties) ? r.additionalProperties : undefined);
      if (x === null && k in props && !required.has(k) && !acceptsNull(ps)) continue;
      out[k] = walk(x, ps, depth + 1);
    }
    return out;
  };
  return walk(value, schema, 0);
}
