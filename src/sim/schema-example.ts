/**
 * Build a JSON value that validates against a JSON Schema, deterministically.
 *
 * Two modes:
 * - "minimal": required properties only, the smallest arrays and plain values (what a terse server might send);
 * - "readable": values chosen with a seeded Rng by the sim backend's one value generator (values.ts valueFor: "city"
 *   -> "Lisbon", "email" -> "jordan.lee@example.com", from vocab.ts), related properties kept in agreement the way
 *   values.ts coherent keeps them (an end date after its start, the postal code and country of the city).
 *
 * Covers the subset of JSON Schema that tool parameters and structured-output schemas use: type (incl. arrays of
 * types), properties/required/additionalProperties, items/prefixItems/minItems/maxItems/uniqueItems, enum, const,
 * anyOf/oneOf/allOf, local $ref (#/$defs/..., #/definitions/...), string formats and lengths, numeric bounds and
 * multipleOf, and simple patterns (via a small generator for the common regex subset). Callers that need a
 * guarantee validate the result with ajv (the sim backend does).
 */
import { Rng, type JsonSchema } from "../core/index.js";
import { coherent, fitLength, singularWord, valueFor, type ValueHints } from "./values.js";
import { PEOPLE } from "./vocab.js";

export interface SchemaExampleOptions {
  mode?: "minimal" | "readable";
  /** Seed or Rng for the readable mode (ignored by minimal). */
  rng?: Rng;
  /** Depth after which optional parts are left out and nested objects are kept minimal. */
  maxDepth?: number;
  /** Name of the value itself (a field or tool name), for readable strings and its properties' context. */
  name?: string;
}

interface Ctx {
  mode: "minimal" | "readable";
  rng: Rng;
  root: unknown;
  maxDepth: number;
  refDepth: number;
}

/** A JSON value valid for `schema` (best effort for exotic keywords; see the module comment). */
export function schemaExample(schema: unknown, options: SchemaExampleOptions = {}): unknown {
  const ctx: Ctx = {
    mode: options.mode ?? "minimal",
    rng: options.rng ?? new Rng(0),
    root: schema,
    maxDepth: options.maxDepth ?? 6,
    refDepth: 0,
  };
  return gen(schema, ctx, options.name ?? "value", 0, 0);
}

function isObj(x: unknown): x is JsonSchema {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

function resolveRef(ref: string, root: unknown): unknown {
  if (!ref.startsWith("#")) return {};
  const parts = ref
    .slice(1)
    .split("/")
    .filter((p) => p !== "")
    .map((p) => decodeURIComponent(p).replace(/~1/g, "/").replace(/~0/g, "~"));
  let cur: unknown = root;
  for (const p of parts) {
    if (!isObj(cur) && !Array.isArray(cur)) return {};
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur ?? {};
}

/** Merge allOf members shallowly (properties and required are unioned). */
function mergeAllOf(schema: JsonSchema, ctx: Ctx): JsonSchema {
  const out: JsonSchema = { ...schema };
  delete out.allOf;
  const parts = Array.isArray(schema.allOf) ? schema.allOf : [];
  for (let part of parts) {
    if (isObj(part) && typeof part.$ref === "string") part = resolveRef(part.$ref, ctx.root);
    if (!isObj(part)) continue;
    const p = part.allOf ? mergeAllOf(part, ctx) : part;
    for (const [k, v] of Object.entries(p)) {
      if (k === "properties" && isObj(v)) out.properties = { ...(isObj(out.properties) ? out.properties : {}), ...v };
      else if (k === "required" && Array.isArray(v))
        out.required = [...new Set([...(Array.isArray(out.required) ? out.required : []), ...v])];
      else if (!(k in out)) out[k] = v;
    }
  }
  return out;
}

function typeOf(schema: JsonSchema): string {
  const t = schema.type;
  if (typeof t === "string") return t;
  if (Array.isArray(t)) {
    const nonNull = t.find((x) => x !== "null");
    return typeof nonNull === "string" ? nonNull : "null";
  }
  if (isObj(schema.properties) || schema.required || schema.additionalProperties !== undefined) return "object";
  if (schema.items !== undefined || schema.prefixItems !== undefined) return "array";
  if (
    schema.minimum !== undefined ||
    schema.maximum !== undefined ||
    schema.exclusiveMinimum !== undefined ||
    schema.exclusiveMaximum !== undefined
  )
    return "number";
  return "string";
}

function gen(schema: unknown, ctx: Ctx, name: string, depth: number, variant: number, parent = ""): unknown {
  if (schema === true || schema === undefined) return ctx.mode === "readable" ? readable({ type: "string" }, ctx, name, parent, "string") : "";
  if (schema === false) throw new RangeError(`schema for "${name}" accepts nothing`);
  if (!isObj(schema)) return null;
  if (typeof schema.$ref === "string") {
    if (ctx.refDepth > 20) return null;
    ctx.refDepth++;
    try {
      const { $ref: _ignored, ...rest } = schema;
      const target = resolveRef(schema.$ref, ctx.root);
      const merged = isObj(target) ? { ...target, ...rest } : rest;
      return gen(merged, ctx, name, depth, variant, parent);
    } finally {
      ctx.refDepth--;
    }
  }
  if (Array.isArray(schema.allOf)) return gen(mergeAllOf(schema, ctx), ctx, name, depth, variant, parent);
  if ("const" in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) {
    if (ctx.mode === "readable") return schema.enum[(variant + ctx.rng.int(0, schema.enum.length - 1)) % schema.enum.length];
    return schema.enum[variant % schema.enum.length];
  }
  const alts = Array.isArray(schema.oneOf) ? schema.oneOf : Array.isArray(schema.anyOf) ? schema.anyOf : undefined;
  if (alts && alts.length > 0) {
    // Prefer the first alternative that is not plain null; keep sibling keywords (e.g. description).
    const { oneOf: _o, anyOf: _a, ...rest } = schema;
    const alt = alts.find((a) => !(isObj(a) && a.type === "null")) ?? alts[0];
    const merged = isObj(alt) ? { ...rest, ...alt } : alt;
    return gen(merged, ctx, name, depth, variant, parent);
  }
  switch (typeOf(schema)) {
    case "object":
      return genObject(schema, ctx, depth, variant, name);
    case "array":
      return genArray(schema, ctx, name, depth, variant);
    case "integer":
      return genNumber(schema, ctx, name, true, variant, parent);
    case "number":
      return genNumber(schema, ctx, name, false, variant, parent);
    case "boolean":
      return ctx.mode === "readable" ? readable(schema, ctx, name, parent, "boolean") : variant % 2 === 1;
    case "null":
      return null;
    default:
      return genString(schema, ctx, name, variant, parent);
  }
}

function genObject(schema: JsonSchema, ctx: Ctx, depth: number, variant: number, name = ""): Record<string, unknown> {
  const props = isObj(schema.properties) ? schema.properties : {};
  const required = Array.isArray(schema.required) ? schema.required.filter((r): r is string => typeof r === "string") : [];
  const out: Record<string, unknown> = {};
  const keys = Object.keys(props);
  const chosen = new Set(required);
  if (ctx.mode === "readable" && depth < ctx.maxDepth) {
    for (const k of keys) if (!chosen.has(k) && ctx.rng.chance(0.6)) chosen.add(k);
  }
  const minProps = typeof schema.minProperties === "number" ? schema.minProperties : 0;
  for (const k of keys) {
    if (chosen.size >= minProps) break;
    chosen.add(k);
  }
  // Keep the schema's property order, then required names not listed in properties.
  const ordered = [...keys.filter((k) => chosen.has(k)), ...required.filter((r) => !(r in props))];
  for (const k of ordered) {
    const sub = props[k];
    const addl = schema.additionalProperties;
    out[k] = gen(sub !== undefined ? sub : isObj(addl) ? addl : true, ctx, k, depth + 1, variant, name);
  }
  let extra = 0;
  while (Object.keys(out).length < minProps) {
    const addl = schema.additionalProperties;
    out[`field_${++extra}`] = gen(isObj(addl) ? addl : true, ctx, "value", depth + 1, extra, name);
  }
  if (ctx.mode === "readable") agree(out, props, ctx);
  return out;
}

/** The readable value of a leaf, from the shared generator (values.ts valueFor). */
function readable(schema: JsonSchema, ctx: Ctx, name: string, parent: string, type: string): string | number | boolean | undefined {
  const hints: ValueHints = parent !== "" ? { name, parent, purpose: "result" } : { name, purpose: "result" };
  return valueFor(schema, hints, ctx.rng, type);
}

/**
 * Readable objects: related properties made to agree by the shared rules (values.ts coherent, with vocab.ts's
 * range table and city table): an end date, time or number after its start, the postal code and country of the
 * city. A changed value is kept only when it still fits its property's schema.
 */
function agree(out: Record<string, unknown>, props: Record<string, unknown>, ctx: Ctx): void {
  const names = Object.keys(out);
  for (const k of names) {
    const sub = leafSchema(props[k], ctx);
    if (sub === undefined) continue;
    const v = coherent(k, out[k], { names, get: (x) => out[x], rng: ctx.rng, schema: sub });
    if (v !== out[k] && fitsLeaf(sub, v, out[k])) out[k] = v;
  }
}

/** A property's schema with a local $ref resolved; undefined for composites, enums and consts (left as made). */
function leafSchema(schema: unknown, ctx: Ctx): JsonSchema | undefined {
  if (schema === true || schema === undefined) return {};
  if (!isObj(schema)) return undefined;
  let s: JsonSchema = schema;
  if (typeof s.$ref === "string") {
    const target = resolveRef(s.$ref, ctx.root);
    const { $ref: _ignored, ...rest } = s;
    s = isObj(target) ? { ...target, ...rest } : rest;
  }
  if (s.$ref !== undefined || s.allOf || s.anyOf || s.oneOf || s.not || s.enum || "const" in s) return undefined;
  return s;
}

/** Whether `v`, replacing the generated `old`, still fits a leaf schema (type, lengths, format shape, pattern, bounds). */
function fitsLeaf(schema: JsonSchema, v: unknown, old: unknown): boolean {
  const t = typeOf(schema);
  if (typeof v === "string") {
    if (t !== "string" || typeof old !== "string") return false;
    if (typeof schema.minLength === "number" && v.length < schema.minLength) return false;
    if (typeof schema.maxLength === "number" && v.length > schema.maxLength) return false;
    if (typeof schema.format === "string" && v.replace(/\d/g, "0") !== old.replace(/\d/g, "0")) return false;
    if (typeof schema.pattern === "string") {
      try {
        if (!new RegExp(schema.pattern, "u").test(v)) return false;
      } catch {
        return false;
      }
    }
    return true;
  }
  if (typeof v === "number") {
    if (t !== "number" && t !== "integer") return false;
    if (t === "integer" && !Number.isInteger(v)) return false;
    const n = (x: unknown) => (typeof x === "number" ? x : undefined);
    const [lo, hi, exLo, exHi, step] = [n(schema.minimum), n(schema.maximum), n(schema.exclusiveMinimum), n(schema.exclusiveMaximum), n(schema.multipleOf)];
    if ((lo !== undefined && v < lo) || (hi !== undefined && v > hi)) return false;
    if ((exLo !== undefined && v <= exLo) || (exHi !== undefined && v >= exHi)) return false;
    return step === undefined || step <= 0 || Math.abs(v / step - Math.round(v / step)) < 1e-9;
  }
  return false;
}

function genArray(schema: JsonSchema, ctx: Ctx, name: string, depth: number, _variant: number): unknown[] {
  const min = typeof schema.minItems === "number" ? schema.minItems : 0;
  const max = typeof schema.maxItems === "number" ? schema.maxItems : Infinity;
  const prefix = Array.isArray(schema.prefixItems) ? schema.prefixItems : Array.isArray(schema.items) ? schema.items : [];
  let count = min;
  if (ctx.mode === "readable" && depth < ctx.maxDepth) count = Math.max(min, ctx.rng.int(1, 2));
  count = Math.max(count, Math.min(prefix.length, max === Infinity ? prefix.length : max));
  if (count > max) count = max;
  const itemSchema = Array.isArray(schema.items) ? (schema.additionalItems ?? true) : (schema.items ?? true);
  const itemName = singularWord(name);
  const out: unknown[] = [];
  const seen = new Set<string>();
  for (let i = 0; out.length < count && i < count + 20; i++) {
    const sub = i < prefix.length ? prefix[i] : itemSchema;
    const v = gen(sub, ctx, itemName, depth + 1, i);
    if (schema.uniqueItems === true) {
      const key = JSON.stringify(v);
      if (seen.has(key)) continue;
      seen.add(key);
    }
    out.push(v);
  }
  return out;
}

function genNumber(schema: JsonSchema, ctx: Ctx, name: string, integer: boolean, variant: number, parent = ""): number {
  const num = (x: unknown): number | undefined => (typeof x === "number" && Number.isFinite(x) ? x : undefined);
  let lo = num(schema.minimum);
  let hi = num(schema.maximum);
  const exLo = num(schema.exclusiveMinimum);
  const exHi = num(schema.exclusiveMaximum);
  const step = num(schema.multipleOf);
  const eps = integer ? 1 : step ?? 0.5;
  if (exLo !== undefined) lo = Math.max(lo ?? -Infinity, exLo + (integer ? 1 : Math.min(eps, 1e-6) || 1e-6));
  if (exHi !== undefined) hi = Math.min(hi ?? Infinity, exHi - (integer ? 1 : Math.min(eps, 1e-6) || 1e-6));
  if (integer) {
    if (lo !== undefined) lo = Math.ceil(lo);
    if (hi !== undefined) hi = Math.floor(hi);
  }
  let v: number;
  if (ctx.mode === "readable") {
    // The shared generator's number for the name within the bounds; multipleOf and the bounds are enforced below.
    v = readable(schema, ctx, name, parent, integer ? "integer" : "number") as number;
  } else {
    v = lo ?? (hi !== undefined ? Math.min(0, hi) : 0);
    v += variant;
    if (hi !== undefined && v > hi) v = hi;
  }
  if (step !== undefined && step > 0) {
    let m = Math.ceil(v / step) * step;
    if (hi !== undefined && m > hi) m = Math.floor(v / step) * step;
    if (lo !== undefined && m < lo) m = Math.ceil(lo / step) * step;
    v = Number(m.toFixed(10));
  }
  if (integer) v = Math.round(v);
  if (lo !== undefined && v < lo) v = lo;
  if (hi !== undefined && v > hi) v = hi;
  return v;
}

/** "Jordan Lee" -> "jordan.lee@example.com". */
function emailOf(person: string): string {
  return `${person.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().replace(/\s+/g, ".")}@example.com`;
}

/** Values for string formats the shared generator does not make (and for the minimal mode). */
const FORMAT_VALUES: Record<string, string[]> = {
  date: ["2025-03-14", "2025-06-02", "2025-09-21"],
  "date-time": ["2025-03-14T09:30:00Z", "2025-06-02T18:00:00Z", "2025-09-21T12:15:00Z"],
  time: ["09:30:00", "18:00:00", "12:15:00"],
  email: PEOPLE.slice(0, 3).map(emailOf),
  "idn-email": PEOPLE.slice(0, 1).map(emailOf),
  uri: ["https://example.com/resource/1", "https://example.org/items/42"],
  "uri-reference": ["/resource/1", "https://example.com/a"],
  url: ["https://example.com/resource/1"],
  iri: ["https://example.com/resource/1"],
  hostname: ["api.example.com", "www.example.org"],
  "idn-hostname": ["api.example.com"],
  ipv4: ["192.0.2.10", "198.51.100.7"],
  ipv6: ["2001:db8::1", "2001:db8::7"],
  uuid: ["3f2c1a9e-8b4d-4c6e-9f1a-2b3c4d5e6f70", "7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"],
  duration: ["P1D", "PT2H"],
  "json-pointer": ["/items/0"],
  regex: ["^[a-z]+$"],
};

function genString(schema: JsonSchema, ctx: Ctx, name: string, variant: number, parent = ""): string {
  const minLen = typeof schema.minLength === "number" ? schema.minLength : 0;
  const maxLen = typeof schema.maxLength === "number" ? schema.maxLength : Infinity;
  const format = typeof schema.format === "string" ? schema.format : undefined;
  const pattern = typeof schema.pattern === "string" ? schema.pattern : undefined;
  // Readable: the shared generator's value for the name (dates, emails and plain strings; not patterns).
  const named = ctx.mode === "readable" ? readable(schema, ctx, name, parent, "string") : undefined;
  if (typeof named === "string") return named;
  // The name's plain value where a pattern or format cannot be followed.
  const plain = () => readable({ type: "string", minLength: minLen, maxLength: maxLen }, ctx, name, parent, "string") as string;
  let s: string;
  if (format && FORMAT_VALUES[format]) {
    const vals = FORMAT_VALUES[format] as string[];
    s = vals[(variant + (ctx.mode === "readable" ? ctx.rng.int(0, vals.length - 1) : 0)) % vals.length] as string;
  } else if (pattern) {
    const fromPattern = stringForPattern(pattern, ctx, variant);
    s = fromPattern ?? (ctx.mode === "readable" ? plain() : "a");
  } else if (ctx.mode === "readable") {
    s = plain();
  } else {
    s = variant > 0 ? `${"a".repeat(Math.max(minLen, 1))}${variant}` : "a".repeat(minLen);
  }
  return !format && !pattern ? fitLength(s, minLen, maxLen) : s;
}

/**
 * A string matching a regex, for the common subset: literals, escapes \d \w \s, classes [a-z0-9_], groups with
 * alternation (first branch), quantifiers ? * + {n} {n,m}, anchors. Returns undefined when the pattern uses
 * something outside that subset or the candidate does not match.
 */
export function stringForPattern(pattern: string, ctx: { rng: Rng; mode: string }, variant = 0): string | undefined {
  let re: RegExp;
  try {
    re = new RegExp(pattern, "u");
  } catch {
    return undefined;
  }
  try {
    const p = new PatternGen(pattern, ctx.mode === "readable" ? ctx.rng : new Rng(variant));
    const out = p.parseAlternation();
    if (p.pos !== pattern.length) return undefined;
    if (re.test(out)) return out;
  } catch {
    return undefined;
  }
  return undefined;
}

class PatternGen {
  pos = 0;
  constructor(
    private readonly src: string,
    private readonly rng: Rng,
  ) {}

  parseAlternation(): string {
    const first = this.parseSequence();
    while (this.src[this.pos] === "|") {
      this.pos++;
      this.parseSequence(); // later branches are parsed and dropped
    }
    return first;
  }

  private parseSequence(): string {
    let out = "";
    while (this.pos < this.src.length) {
      const c = this.src[this.pos];
      if (c === "|" || c === ")") break;
      if (c === "^" || c === "$") {
        this.pos++;
        continue;
      }
      const atom = this.parseAtom();
      const [min, max] = this.parseQuantifier();
      const n = min === max ? min : this.rng.int(min, Math.min(max, min + 2));
      for (let i = 0; i < n; i++) out += atom();
    }
    return out;
  }

  private parseQuantifier(): [number, number] {
    const c = this.src[this.pos];
    let q: [number, number] = [1, 1];
    if (c === "?") q = [0, 1];
    else if (c === "*") q = [0, 3];
    else if (c === "+") q = [1, 3];
    else if (c === "{") {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.pos));
      if (!m) throw new Error("bad quantifier");
      this.pos += m[0].length;
      const lo = Number(m[1]);
      const hi = m[2] === undefined ? lo : m[3] === "" || m[3] === undefined ? lo + 3 : Number(m[3]);
      if (this.src[this.pos] === "?") this.pos++;
      return [lo, hi];
    } else return q;
    this.pos++;
    if (this.src[this.pos] === "?") this.pos++;
    return q;
  }

  private parseAtom(): () => string {
    const c = this.src[this.pos] as string;
    if (c === "(") {
      this.pos++;
      if (this.src.startsWith("?:", this.pos)) this.pos += 2;
      else if (this.src[this.pos] === "?") throw new Error("lookaround unsupported");
      const start = this.pos;
      const value = this.parseAlternation();
      if (this.src[this.pos] !== ")") throw new Error("unclosed group");
      this.pos++;
      void start;
      return () => value;
    }
    if (c === "[") return this.parseClass();
    if (c === "\\") {
      const e = this.src[this.pos + 1];
      this.pos += 2;
      if (e === "d") return () => String(this.rng.int(0, 9));
      if (e === "w") return () => this.rng.pick(["a", "b", "c", "x", "1", "2"]);
      if (e === "s") return () => " ";
      if (e === undefined || /[DWSbBpPuxck0-9]/.test(e)) throw new Error("unsupported escape");
      return () => e;
    }
    if (c === ".") {
      this.pos++;
      return () => this.rng.pick(["a", "b", "x", "1"]);
    }
    if ("*+?{}".includes(c)) throw new Error("dangling quantifier");
    this.pos++;
    return () => c;
  }

  private parseClass(): () => string {
    this.pos++; // [
    if (this.src[this.pos] === "^") throw new Error("negated class unsupported");
    const choices: string[] = [];
    while (this.pos < this.src.length && this.src[this.pos] !== "]") {
      let ch = this.src[this.pos] as string;
      if (ch === "\\") {
        const e = this.src[this.pos + 1];
        this.pos += 2;
        if (e === "d") choices.push(..."0123456789");
        else if (e === "w") choices.push(..."abcxyz012_");
        else if (e === "s") choices.push(" ");
        else if (e !== undefined && !/[DWSbBpPux]/.test(e)) choices.push(e);
        else throw new Error("unsupported escape in class");
        continue;
      }
      this.pos++;
      if (this.src[this.pos] === "-" && this.src[this.pos + 1] !== "]" && this.pos + 1 < this.src.length) {
        const to = this.src[this.pos + 1] as string;
        this.pos += 2;
        const a = ch.codePointAt(0) as number;
        const b = to.codePointAt(0) as number;
        for (let x = a; x <= b && x - a < 64; x++) choices.push(String.fromCodePoint(x));
        continue;
      }
      choices.push(ch);
      ch = "";
    }
    if (this.src[this.pos] !== "]") throw new Error("unclosed class");
    this.pos++;
    if (choices.length === 0) throw new Error("empty class");
    return () => this.rng.pick(choices);
  }
}
