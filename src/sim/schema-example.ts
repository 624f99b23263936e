/**
 * Build a JSON value that validates against a JSON Schema, deterministically.
 *
 * Two modes:
 * - "minimal": required properties only, the smallest arrays and plain values (what a terse server might send);
 * - "readable": values chosen with a seeded Rng, strings that read naturally from the property name
 *   ("city" -> "Lisbon", "email" -> "alex.morgan@example.com"), used by the `sim` backend.
 *
 * Covers the subset of JSON Schema that tool parameters and structured-output schemas use: type (incl. arrays of
 * types), properties/required/additionalProperties, items/prefixItems/minItems/maxItems/uniqueItems, enum, const,
 * anyOf/oneOf/allOf, local $ref (#/$defs/..., #/definitions/...), string formats and lengths, numeric bounds and
 * multipleOf, and simple patterns (via a small generator for the common regex subset). Callers that need a
 * guarantee validate the result with ajv (the sim backend does).
 */
import { Rng } from "../core/index.js";
import type { JsonSchema } from "../core/index.js";

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
  if (schema === true || schema === undefined) return ctx.mode === "readable" ? readableString(name, ctx, variant, parent) : "";
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
      return genNumber(schema, ctx, name, true, variant);
    case "number":
      return genNumber(schema, ctx, name, false, variant);
    case "boolean":
      return ctx.mode === "readable" ? (variant + ctx.rng.int(0, 1)) % 2 === 0 : variant % 2 === 1;
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
  if (ctx.mode === "readable") orderRanges(out, props);
  return out;
}

/** End-of-range property words and the start words they follow (check_out after check_in). */
const RANGE_ENDS: Array<[string, string[]]> = [
  ["out", ["in"]],
  ["end", ["start", "begin"]],
  ["until", ["from", "since"]],
  ["to", ["from"]],
  ["return", ["departure", "depart", "start"]],
  ["arrival", ["departure"]],
  ["updated", ["created"]],
];
const ISO_DATE = /^(\d{4}-\d{2}-\d{2})(T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * Readable objects: an end date or date-time property (check_out_date, arrival_time...) that is not after its
 * start property is moved after it (by a few days for dates, a few hours for date-times), keeping its format.
 */
function orderRanges(out: Record<string, unknown>, props: Record<string, unknown>): void {
  const norm = (k: string) => words(k).split(" ").join("_");
  const byNorm = new Map(Object.keys(out).map((k) => [norm(k), k]));
  for (const key of Object.keys(out)) {
    const sub = props[key];
    if (isObj(sub) && (Array.isArray(sub.enum) || "const" in sub || typeof sub.pattern === "string")) continue;
    const w = norm(key).split("_");
    for (let i = 0; i < w.length; i++) {
      const starts = RANGE_ENDS.find(([e]) => e === w[i])?.[1] ?? [];
      const startKey = starts.map((s) => byNorm.get([...w.slice(0, i), s, ...w.slice(i + 1)].join("_"))).find((k) => k !== undefined);
      if (startKey === undefined) continue;
      const a = out[startKey];
      const b = out[key];
      if (typeof a !== "string" || typeof b !== "string" || b > a) continue;
      const ma = ISO_DATE.exec(a);
      const mb = ISO_DATE.exec(b);
      if (!ma || !mb || Boolean(ma[2]) !== Boolean(mb[2])) continue;
      const d = new Date(ma[2] ? `${ma[1]}${ma[2]!.slice(0, 6)}:00Z` : `${ma[1]}T00:00:00Z`);
      if (Number.isNaN(d.getTime())) continue;
      if (ma[2]) d.setUTCHours(d.getUTCHours() + 3);
      else d.setUTCDate(d.getUTCDate() + 3);
      const iso = d.toISOString();
      out[key] = mb[2] ? `${iso.slice(0, 10)}T${iso.slice(11, 16)}${mb[2]!.slice(6)}` : iso.slice(0, 10);
    }
  }
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
  const itemName = singular(name);
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

function genNumber(schema: JsonSchema, ctx: Ctx, name: string, integer: boolean, variant: number): number {
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
    const [dlo, dhi] = numberRangeForName(name);
    const a = lo ?? (hi !== undefined ? Math.min(dlo, hi - (dhi - dlo)) : dlo);
    const b = hi ?? Math.max(a, dhi);
    v = integer ? ctx.rng.int(Math.ceil(a), Math.floor(b)) : Math.round((a + ctx.rng.next() * (b - a)) * 100) / 100;
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

function numberRangeForName(name: string): [number, number] {
  const n = name.toLowerCase();
  if (/(year)/.test(n)) return [2020, 2026];
  if (/(month)/.test(n)) return [1, 12];
  if (/(day)/.test(n)) return [1, 28];
  if (/(hour)/.test(n)) return [0, 23];
  if (/(lat)/.test(n)) return [-60, 60];
  if (/(lon|lng)/.test(n)) return [-120, 120];
  if (/(age)/.test(n)) return [18, 80];
  if (/(price|amount|cost|budget|salary|total)/.test(n)) return [10, 500];
  if (/(limit|count|num|size|quantity|max|page|top|guests|people|adults|rooms|nights)/.test(n)) return [1, 10];
  if (/(rating|score|stars)/.test(n)) return [1, 5];
  if (/(percent|rate)/.test(n)) return [1, 100];
  return [1, 100];
}

const FORMAT_VALUES: Record<string, string[]> = {
  date: ["2025-03-14", "2025-06-02", "2025-09-21"],
  "date-time": ["2025-03-14T09:30:00Z", "2025-06-02T18:00:00Z", "2025-09-21T12:15:00Z"],
  time: ["09:30:00", "18:00:00", "12:15:00"],
  email: ["alex.morgan@example.com", "sam.lee@example.org", "priya.shah@example.net"],
  "idn-email": ["alex.morgan@example.com"],
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

/** Readable values by what a field name is about (first matching rule wins). */
const NAME_VALUES: Array<[RegExp, string[]]> = [
  [/e-?mail/, ["alex.morgan@example.com", "sam.lee@example.org", "priya.shah@example.net"]],
  [/(phone|mobile|tel)/, ["+1-555-0142", "+44 20 7946 0958", "+1-555-0199"]],
  [/(url|link|website|href|uri)/, ["https://example.com/page", "https://example.org/info"]],
  [/(first_?name|given)/, ["Alex", "Sam", "Priya", "Jordan"]],
  [/(last_?name|surname|family)/, ["Morgan", "Lee", "Shah", "Rivera"]],
  [/(user_?name|login|handle)/, ["alexm", "samlee", "priya_s"]],
  [/(author|artist|person|customer|passenger|guest|contact|owner|^name$|full_?name|user$)/, ["Alex Morgan", "Sam Lee", "Priya Shah", "Jordan Rivera"]],
  [/(departure|origin|from)/, ["Boston", "Chicago", "Seattle"]],
  [/(arrival|destination|^to$|_to$)/, ["Lisbon", "Tokyo", "Denver"]],
  [/(city|location|place|region|destination|town|area)/, ["Lisbon", "San Francisco", "Tokyo", "Denver", "Berlin"]],
  [/(country)/, ["Portugal", "Japan", "Canada", "Germany"]],
  [/(zip|postal|postcode)/, ["94103", "10001", "60601"]],
  [/(street)/, ["221 Baker Street", "12 Harbor Street", "48 Oak Avenue"]],
  [/(address)/, ["221 Baker Street, London", "12 Harbor Street, Lisbon", "48 Oak Avenue, Denver"]],
  [/(tracking)/, ["1Z999AA10123456784", "JD014600006281234567"]],
  [/(carrier|courier)/, ["UPS", "DHL Express", "PostNL"]],
  [/(currency)/, ["USD", "EUR", "JPY"]],
  [/(lang|locale)/, ["en", "fr", "es"]],
  [/(date|day|when|deadline|birthday)/, ["2025-03-14", "2025-06-02", "2025-09-21"]],
  [/(time|hour)/, ["09:30", "18:00", "12:15"]],
  [/(symbol|ticker)/, ["AAPL", "MSFT", "GOOG"]],
  [/(movie|film)/, ["The Grand Budapest Hotel", "Spirited Away", "Inception"]],
  [/(song|track)/, ["Clair de Lune", "Bohemian Rhapsody"]],
  [/(book)/, ["Dune", "Pride and Prejudice"]],
  [/(restaurant|hotel|venue)/, ["Harbor View", "The Green Table", "Blue Door Inn"]],
  [/(cuisine|food|dish)/, ["Italian", "Thai", "Mexican"]],
  [/(genre|category|type|kind)/, ["general", "travel", "news"]],
  [/(color|colour)/, ["blue", "green", "red"]],
  [/(status|state)/, ["active", "pending", "confirmed"]],
  [/(unit)/, ["metric", "celsius"]],
  [/(password|secret|token|key)/, ["example-token-123"]],
  [/(query|search|keyword|term|q$|question|prompt)/, ["weekend hiking trails", "best coffee nearby", "latest market news"]],
  [/(title|subject|headline|topic)/, ["Quarterly planning", "Weekend trip", "Team sync"]],
  [/(message|text|content|body|comment|note|description|summary|reason|answer|reply|response|intent)/, [
    "Please take care of this request.",
    "Here is a short summary of the details.",
    "Looking forward to hearing back soon.",
  ]],
  [/(id|code|number|ref)$/, ["A1B2C3", "REF-1042", "ID-7781"]],
  [/(company|organization|org|brand)/, ["Acme Corp", "Globex", "Initech"]],
  [/(team|club)/, ["Lisbon Lions", "Riverside FC"]],
  [/(airline|carrier)/, ["TAP Air Portugal", "Delta"]],
  [/(flight)/, ["TP205", "DL44"]],
  [/(language)/, ["English", "Spanish"]],
];

function words(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/[_\-.]+/g, " ")
    .trim()
    .toLowerCase();
}

function singular(name: string): string {
  if (/ies$/.test(name)) return name.slice(0, -3) + "y";
  if (/(ss|us)$/.test(name)) return name;
  if (/s$/.test(name)) return name.slice(0, -1);
  return name;
}

/** What a plain `name`/`title` property names, by the object it belongs to (a product's name is not a person's). */
const PARENT_NAMES: Array<[RegExp, string[]]> = [
  [/(product|item|catalog|cart|order|sku)/, ["Trailblazer Rain Jacket", "Aria Wireless Headphones", "Summit 30L Backpack", "Lumen LED Desk Lamp"]],
  [/(hotel|lodging|accommodation|propert)/, ["Harbor View Hotel", "The Grand Meridian", "Casa Azul Inn"]],
  [/(restaurant|cafe|venue)/, ["The Green Table", "Trattoria Lucca", "Blue Door Bistro"]],
  [/(compan|business|organi[sz]ation|vendor|merchant|brand|store|shop|employer)/, ["Acme Corp", "Globex", "Initech"]],
  [/(city|town)/, ["Lisbon", "Tokyo", "Denver"]],
  [/(airline)/, ["TAP Air Portugal", "Delta Air Lines", "KLM"]],
  [/(playlist)/, ["Morning Focus", "Road Trip Mix"]],
  [/(movie|film)/, ["Spirited Away", "Inception"]],
  [/(song|track|album)/, ["Clair de Lune", "Here Comes the Sun"]],
  [/(book)/, ["Dune", "Pride and Prejudice"]],
  [/(project)/, ["Website Redesign", "Mobile App Launch"]],
  [/(event|meeting)/, ["Team Offsite", "Quarterly Review"]],
  [/(team|club)/, ["Lisbon Lions", "Riverside FC"]],
  [/(file|document|folder)/, ["report.pdf", "notes.txt"]],
  [/(note)/, ["Packing list", "Meeting notes"]],
];

function readableString(name: string, ctx: Ctx, variant: number, parent = ""): string {
  const key = name.toLowerCase();
  if (/^(name|title|display_?name)$/.test(key) && parent !== "") {
    const p = parent.toLowerCase();
    const person = /(user|customer|guest|passenger|person|people|member|author|owner|contact|recipient|employee|shipping|billing|address|profile|account)/;
    if (!person.test(p)) {
      const hit = PARENT_NAMES.find(([re]) => re.test(p));
      if (hit) return hit[1][(ctx.rng.int(0, hit[1].length - 1) + variant) % hit[1].length] as string;
    }
  }
  for (const [re, values] of NAME_VALUES) {
    if (re.test(key)) return values[(ctx.rng.int(0, values.length - 1) + variant) % values.length] as string;
  }
  const w = words(name) || "value";
  return variant > 0 ? `example ${w} ${variant + 1}` : `example ${w}`;
}

function genString(schema: JsonSchema, ctx: Ctx, name: string, variant: number, parent = ""): string {
  const minLen = typeof schema.minLength === "number" ? schema.minLength : 0;
  const maxLen = typeof schema.maxLength === "number" ? schema.maxLength : Infinity;
  let s: string;
  const format = typeof schema.format === "string" ? schema.format : undefined;
  const pattern = typeof schema.pattern === "string" ? schema.pattern : undefined;
  if (format && FORMAT_VALUES[format]) {
    const vals = FORMAT_VALUES[format] as string[];
    s = vals[(variant + (ctx.mode === "readable" ? ctx.rng.int(0, vals.length - 1) : 0)) % vals.length] as string;
  } else if (pattern) {
    const fromPattern = stringForPattern(pattern, ctx, variant);
    s = fromPattern ?? (ctx.mode === "readable" ? readableString(name, ctx, variant, parent) : "a");
  } else if (ctx.mode === "readable") {
    s = readableString(name, ctx, variant, parent);
  } else {
    s = variant > 0 ? `${"a".repeat(Math.max(minLen, 1))}${variant}` : "a".repeat(minLen);
  }
  if (!format && !pattern) {
    if (s.length < minLen) {
      const base = s.trim() === "" ? "a" : s;
      while (s.length < minLen) s = s === "" ? base : `${s} ${base}`;
    }
    if (s.length > maxLen) s = s.slice(0, maxLen);
  }
  return s;
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
