/**
 * The schema budget of `tools import`: a tool's description, `parameters` and `returns` cut so that together they
 * fit a prompt (`--schema-budget TOKENS`, default DEFAULT_SCHEMA_BUDGET per tool; `--keep-full-schemas` keeps them
 * whole). A description longer than a third of the budget keeps its start, with a note of what was cut.
 *
 * A schema over its share of the budget is cut at the mildest of CUT_LEVELS that fits (each level limits the
 * nesting depth, the properties per object, the members of an enum or `anyOf`, and the length of descriptions),
 * else at the harshest. Where something was cut the schema's description says so, `(cut: 40 more properties)`.
 * A sub-schema met a second time (GitHub's `simple-user` as owner, sender, assignee...) is written once; later
 * copies become a stub `(cut: same schema as repository.owner)`.
 *
 * The cut never makes a schema stricter: dropped properties, items and alternatives become "anything" (an object
 * that loses properties also loses `additionalProperties: false`, and `required` names only kept properties), and a
 * long enum becomes its type with the first members named in the description. In `parameters` the required
 * properties are never dropped, at any depth (their descriptions and enums may be shortened). The cut is a pure
 * function of the schema and the budget: the same input gives byte-identical output.
 *
 * Tokens are estimated from the schema's JSON text, one token per 4 characters (o200k counts 4.2 on the returns
 * and 4.6 on the parameters of GitHub's REST description, so the estimate errs high).
 */
import type { JsonSchema } from "../core/index.js";
import { isPlainObject } from "../core/index.js";

/** Default `--schema-budget`: estimated tokens of a tool's description + parameters + returns JSON. */
export const DEFAULT_SCHEMA_BUDGET = 1500;

/** What one cut level allows. */
export interface SchemaLimits {
  /** Object / array levels below the root that keep their properties or items. */
  depth: number;
  /** Properties kept per object (required ones first; in `parameters` required ones are always kept). */
  properties: number;
  /** Members of an `enum` (or alternatives of an `anyOf` / `oneOf`) kept. */
  enum: number;
  /** Characters of a description or title. */
  description: number;
}

/** From mildest to harshest; level 0 only writes repeated sub-schemas once. */
export const CUT_LEVELS: readonly SchemaLimits[] = [
  { depth: Infinity, properties: Infinity, enum: Infinity, description: Infinity },
  { depth: 8, properties: 40, enum: 40, description: 400 },
  { depth: 6, properties: 25, enum: 25, description: 200 },
  { depth: 5, properties: 15, enum: 15, description: 120 },
  { depth: 4, properties: 10, enum: 10, description: 80 },
  { depth: 3, properties: 8, enum: 8, description: 60 },
  { depth: 2, properties: 6, enum: 6, description: 40 },
  { depth: 1, properties: 4, enum: 4, description: 30 },
  { depth: 0, properties: 3, enum: 3, description: 20 },
];

/** Estimated tokens of a schema (its JSON text / 4). */
export function schemaTokens(schema: unknown): number {
  return schema === undefined ? 0 : Math.ceil(JSON.stringify(schema).length / 4);
}

/** Sub-schemas shorter than this (JSON characters) are repeated rather than replaced by a stub. */
const SHARED_MIN_CHARS = 160;
/** Members of a cut enum named in its description, at most. */
const ENUM_EXAMPLES = 8;

export interface CutOptions {
  /** `parameters`: required properties are never dropped (at any depth). */
  keepRequired?: boolean;
}

/** Keys whose value is a map of name -> sub-schema. */
const SCHEMA_MAPS = ["properties", "patternProperties", "$defs", "definitions", "dependentSchemas"] as const;
/** Keys whose value is one sub-schema one level deeper (an item or a value of the object). */
const DEEPER = ["items", "additionalItems", "additionalProperties", "unevaluatedProperties", "unevaluatedItems", "contains", "propertyNames"] as const;
/**
 * Keys whose value is one sub-schema at the same level, cut like the node. (`not` and `if` are copied as written:
 * a looser `not` or `if` would refuse more.)
 */
const SAME_LEVEL = ["then", "else"] as const;

/** Whether a schema has structure below it (properties, items, alternatives). */
function hasStructure(s: Record<string, unknown>): boolean {
  return (
    isPlainObject(s.properties) ||
    s.items !== undefined ||
    Array.isArray(s.prefixItems) ||
    isPlainObject(s.additionalProperties) ||
    Array.isArray(s.anyOf) ||
    Array.isArray(s.oneOf) ||
    Array.isArray(s.allOf)
  );
}

/** JSON text of input sub-schemas, by node (shared by the levels of one fit; the input is never changed). */
type Texts = WeakMap<object, string>;

class Cutter {
  /** JSON text of a sub-schema kept in full -> where it is (dotted path). */
  private readonly seen = new Map<string, string>();

  constructor(
    private readonly limits: SchemaLimits,
    private readonly keepRequired: boolean,
    private readonly texts: Texts = new WeakMap(),
  ) {}

  private text(node: Record<string, unknown>): string {
    let t = this.texts.get(node);
    if (t === undefined) {
      t = JSON.stringify(node);
      this.texts.set(node, t);
    }
    return t;
  }

  /** `depth`: object / array levels above this node; `path`: where it is, for the stubs of later copies. */
  cut(node: unknown, depth: number, path: string): unknown {
    if (!isPlainObject(node)) return node;
    const notes: string[] = [];
    const structured = hasStructure(node);
    // Beyond the depth limit: the node's type and description, its structure cut (required parameters stay).
    if (structured && depth > this.limits.depth) {
      const required = this.keepRequired ? requiredNames(node) : [];
      if (required.length === 0) return this.stub(node, describeCut(node));
    }
    // Later copies of a sub-schema become stubs (in parameters, not those with required properties).
    if (structured && depth > 0 && !(this.keepRequired && requiredNames(node).length > 0)) {
      const text = this.text(node);
      if (text.length >= SHARED_MIN_CHARS) {
        const first = this.seen.get(text);
        if (first !== undefined) return this.stub(node, `same schema as ${first}`);
        this.seen.set(text, path);
      }
    }
    const out: Record<string, unknown> = {};
    const beyond = depth > this.limits.depth;
    // `required` names only the properties kept (set where `properties` is cut, in the key order of the node).
    let required: unknown = node.required;
    for (const [key, value] of Object.entries(node)) {
      if (key === "properties" && isPlainObject(value)) {
        const props = this.cutProperties(node, value, depth, path, beyond, notes);
        out.properties = props.properties;
        if (props.dropped > 0 && Array.isArray(node.required)) {
          const kept = node.required.filter((r) => typeof r === "string" && Object.prototype.hasOwnProperty.call(props.properties, r));
          required = kept.length > 0 ? kept : undefined;
          if (required === undefined) delete out.required;
          else if ("required" in out) out.required = required;
        }
        continue;
      }
      if (key === "required") {
        if (required !== undefined) out.required = required;
        continue;
      }
      if ((SCHEMA_MAPS as readonly string[]).includes(key) && isPlainObject(value)) {
        const deeper = key === "$defs" || key === "definitions" ? 0 : depth + 1;
        out[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.cut(v, deeper, `${path}.${k}`)]));
        continue;
      }
      if ((DEEPER as readonly string[]).includes(key) && isPlainObject(value)) {
        if (beyond) {
          notes.push(key === "items" ? "items not shown" : `${key} not shown`);
          continue;
        }
        out[key] = this.cut(value, depth + 1, key === "items" ? `${path}[]` : `${path}.${key}`);
        continue;
      }
      if ((key === "items" || key === "prefixItems") && Array.isArray(value)) {
        if (beyond) {
          notes.push("items not shown");
          continue;
        }
        out[key] = value.map((v, i) => this.cut(v, depth + 1, `${path}[${i}]`));
        continue;
      }
      if (key.startsWith("x-") || key === "externalDocs" || key === "xml") continue; // annotations for other tools
      if ((key === "anyOf" || key === "oneOf") && Array.isArray(value)) {
        if (value.length > this.limits.enum || beyond) {
          // Dropping alternatives would refuse what they allowed: the choice goes, any value is accepted.
          notes.push(`one of ${value.length} schemas, not shown${titlesOf(value, this.limits)}`);
          continue;
        }
        out[key] = value.map((v, i) => this.cut(v, depth, `${path}|${i}`));
        continue;
      }
      if (key === "allOf" && Array.isArray(value)) {
        out[key] = value.map((v) => this.cut(v, depth, path));
        continue;
      }
      if ((SAME_LEVEL as readonly string[]).includes(key) && isPlainObject(value)) {
        out[key] = this.cut(value, depth, path);
        continue;
      }
      if (key === "enum" && Array.isArray(value) && value.length > this.limits.enum) {
        const shown = value.slice(0, Math.min(ENUM_EXAMPLES, this.limits.enum)).map((v) => JSON.stringify(v));
        notes.push(`one of ${value.length} values, such as ${shown.join(", ")}`);
        if (node.type === undefined) {
          const types = [...new Set(value.map(jsonType))];
          out.type = types.length === 1 ? types[0] : types;
        }
        continue;
      }
      if ((key === "description" || key === "title") && typeof value === "string") {
        out[key] = shorten(value, this.limits.description);
        continue;
      }
      if (key === "examples" && Array.isArray(value) && this.limits.description !== Infinity) {
        const first = value[0];
        if (value.length > 0 && JSON.stringify(first).length <= Math.min(this.limits.description, 80)) out.examples = [first];
        continue;
      }
      out[key] = value;
    }
    if (notes.length > 0) {
      if (out.additionalProperties === false) delete out.additionalProperties;
      const d = typeof out.description === "string" ? out.description : "";
      out.description = `${d}${d ? " " : ""}(cut: ${notes.join("; ")})`;
    }
    return out;
  }

  private cutProperties(
    node: Record<string, unknown>,
    props: Record<string, unknown>,
    depth: number,
    path: string,
    beyond: boolean,
    notes: string[],
  ): { properties: Record<string, unknown>; dropped: number } {
    const names = Object.keys(props);
    const required = new Set(requiredNames(node));
    const limit = beyond ? 0 : this.limits.properties;
    let keep: Set<string>;
    if (names.length <= limit) keep = new Set(names);
    else {
      // Required ones first (all of them in parameters), then the others in the order written.
      const req = names.filter((n) => required.has(n));
      const chosen = this.keepRequired ? req : req.slice(0, limit);
      for (const n of names) if (chosen.length < limit && !required.has(n)) chosen.push(n);
      keep = new Set(chosen);
    }
    const out: Record<string, unknown> = {};
    for (const n of names) {
      if (keep.has(n)) out[n] = this.cut(props[n], depth + 1, path === "" ? n : `${path}.${n}`);
    }
    const dropped = names.length - keep.size;
    if (dropped > 0) notes.push(`${dropped} more propert${dropped === 1 ? "y" : "ies"}`);
    return { properties: out, dropped };
  }

  /** A node reduced to its type and description, with why. */
  private stub(node: Record<string, unknown>, why: string): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const type = node.type ?? (isPlainObject(node.properties) ? "object" : node.items !== undefined ? "array" : undefined);
    if (typeof type === "string" || Array.isArray(type)) out.type = type;
    const d = typeof node.description === "string" ? shorten(node.description, this.limits.description) : typeof node.title === "string" ? shorten(node.title, this.limits.description) : "";
    out.description = `${d}${d ? " " : ""}(cut: ${why})`;
    return out;
  }
}

/** `: Labeled Issue Event, Unlabeled Issue Event, ...` (the titles of the first alternatives, when they have titles). */
function titlesOf(alternatives: unknown[], limits: SchemaLimits): string {
  const titles = alternatives
    .map((a) => (isPlainObject(a) && typeof a.title === "string" ? a.title : undefined))
    .filter((t): t is string => t !== undefined);
  if (titles.length === 0) return "";
  const n = Math.min(titles.length, ENUM_EXAMPLES, Math.max(limits.enum, 3));
  return `: ${titles.slice(0, n).join(", ")}${titles.length > n ? ", ..." : ""}`;
}

function requiredNames(node: Record<string, unknown>): string[] {
  return Array.isArray(node.required) ? node.required.filter((r): r is string => typeof r === "string") : [];
}

/** What a stub at the depth limit leaves out. */
function describeCut(node: Record<string, unknown>): string {
  if (isPlainObject(node.properties)) {
    const n = Object.keys(node.properties).length;
    return `${n} propert${n === 1 ? "y" : "ies"} not shown`;
  }
  if (node.items !== undefined || Array.isArray(node.prefixItems)) return "items not shown";
  const alts = (node.anyOf ?? node.oneOf ?? node.allOf) as unknown[] | undefined;
  if (Array.isArray(alts)) return `${alts.length} schemas not shown`;
  return "not shown";
}

function jsonType(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

/** A text cut to at most `max` characters at a word boundary, ending with "…". */
function shorten(text: string, max: number): string {
  if (text.length <= max) return text;
  const head = text.slice(0, Math.max(1, max - 1));
  const space = head.lastIndexOf(" ");
  return `${(space > max / 2 ? head.slice(0, space) : head).trimEnd()}…`;
}

/** A schema cut at one level (a new object; the input is not changed). */
export function cutSchema(schema: JsonSchema, limits: SchemaLimits, options: CutOptions = {}, texts?: Texts): JsonSchema {
  return new Cutter(limits, options.keepRequired === true, texts).cut(schema, 0, "") as JsonSchema;
}

/**
 * A schema within `budget` estimated tokens: itself when it fits, else cut at the mildest level that fits (or the
 * harshest). The levels are searched by bisection (a harsher level never gives a larger schema), so a large schema
 * is cut 3 or 4 times, not 9. `tokens`: the schema's estimate when the caller has it.
 */
export function fitSchema(schema: JsonSchema, budget: number, options: CutOptions = {}, tokens = schemaTokens(schema)): { schema: JsonSchema; cut: boolean } {
  if (tokens <= budget) return { schema, cut: false };
  const texts: Texts = new WeakMap();
  const at = new Map<number, JsonSchema>();
  const level = (i: number) => {
    let s = at.get(i);
    if (!s) {
      s = cutSchema(schema, CUT_LEVELS[i]!, options, texts);
      at.set(i, s);
    }
    return s;
  };
  // The mildest level that fits lies in (lo, hi]; hi is the harshest level when none fits.
  let lo = -1;
  let hi = CUT_LEVELS.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (schemaTokens(level(mid)) <= budget) hi = mid;
    else lo = mid;
  }
  return { schema: level(hi), cut: true };
}

/** A tool's description may take at most this share of the budget; a longer one is cut (its start kept). */
export const DESCRIPTION_SHARE = 1 / 3;

export interface FittedTool<P extends JsonSchema> {
  description: string;
  parameters: P;
  returns?: JsonSchema;
  /** What was cut. */
  cut: { description: boolean; parameters: boolean; returns: boolean };
}

/**
 * A tool's description, parameters and returns within `budget` estimated tokens together. The description keeps
 * at most a third of the budget (cut at a word, with a note of what was left out). Of the rest, the parameters get
 * what the returns leave, and at least 60%; the returns get what the cut parameters leave, and at least 25%. A tool
 * whose required parameters alone are larger stays over the budget (they are never dropped).
 */
export function fitTool<P extends JsonSchema>(
  tool: { description: string; parameters: P; returns?: JsonSchema | undefined },
  budget: number,
): FittedTool<P> {
  const { parameters, returns } = tool;
  let description = tool.description;
  const pTokens = schemaTokens(parameters);
  const rTokens = schemaTokens(returns);
  const dTokens = Math.ceil(description.length / 4);
  const cut = { description: false, parameters: false, returns: false };
  if (dTokens + pTokens + rTokens <= budget) return { description, parameters, ...(returns !== undefined ? { returns } : {}), cut };
  const dMax = Math.floor(budget * DESCRIPTION_SHARE) * 4;
  if (description.length > dMax) {
    const kept = shorten(description, dMax - 40);
    description = `${kept} (cut: ${description.length - kept.length + 1} more characters)`;
    cut.description = true;
  }
  const left = budget - Math.ceil(description.length / 4);
  const p = fitSchema(parameters, Math.max(left - rTokens, Math.ceil(left * 0.6)), { keepRequired: true }, pTokens);
  cut.parameters = p.cut;
  if (returns === undefined) return { description, parameters: p.schema as P, cut };
  const pLeft = p.cut ? schemaTokens(p.schema) : pTokens;
  const r = fitSchema(returns, Math.max(left - pLeft, Math.ceil(left * 0.25)), {}, rTokens);
  cut.returns = r.cut;
  return { description, parameters: p.schema as P, returns: r.schema, cut };
}
