/**
 * What a field holds, beyond its words: its JSON type (and item type), its string format, and, for identifier
 * fields (`cart_id`, `productId`, `id`, `id_fest`), the entity it identifies. A P-R pair of fields only counts as
 * evidence when a value of the return field could be passed as the parameter (`returnFeedsParam`): the types and
 * formats agree, and an identifier parameter takes only an identifier of the same entity. Lexical similarity alone
 * joins `items[].product_id` of a cart to anything about products, `notes` to `limit`, `status` to `order_id`.
 */
import type { JsonSchema } from "../core/index.js";
import { splitWords, stem, stemTokens } from "./text.js";

/** A field's JSON type, normalized over JSON Schema, BFCL (`dict`, `float`, `tuple`) and ToolBench spellings. */
export type FieldType = "string" | "number" | "boolean" | "object" | "array" | "any";

const TYPE_NAMES: Record<string, FieldType> = {
  string: "string", str: "string", text: "string", enum: "string", char: "string",
  number: "number", integer: "number", int: "number", float: "number", double: "number", long: "number",
  boolean: "boolean", bool: "boolean",
  object: "object", dict: "object", map: "object", record: "object",
  array: "array", list: "array", tuple: "array", set: "array",
};

function isRecord(v: unknown): v is JsonSchema {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The type of a schema: its `type` (a single non-null type), else what its shape says, else "any". */
export function fieldType(schema: JsonSchema): FieldType {
  const t = schema.type;
  const names = (Array.isArray(t) ? t : [t]).filter((x): x is string => typeof x === "string" && x.toLowerCase() !== "null");
  const kinds = new Set(names.map((n) => TYPE_NAMES[n.toLowerCase()] ?? "any"));
  if (kinds.size === 1) return [...kinds][0] as FieldType;
  if (kinds.size > 1) return "any";
  if (isRecord(schema.properties)) return "object";
  if (schema.items !== undefined) return "array";
  if (Array.isArray(schema.enum) && schema.enum.length > 0 && schema.enum.every((v) => typeof v === "string")) return "string";
  return "any";
}

/** The item type of an array schema ("any" when it does not say). */
export function itemType(schema: JsonSchema): FieldType {
  const items = Array.isArray(schema.items) ? schema.items[0] : schema.items;
  return isRecord(items) ? fieldType(items) : "any";
}

/** A string format, normalized (`date-time`, `date`, `time`, `email`, `uri`, `uuid`, ...), if the schema gives one. */
export function fieldFormat(schema: JsonSchema): string | undefined {
  const f = schema.format;
  if (typeof f !== "string" || f.trim() === "") return undefined;
  const k = f.trim().toLowerCase().replace(/_/g, "-");
  if (k === "datetime") return "date-time";
  if (k === "url" || k === "uri-reference" || k === "iri") return "uri";
  return k;
}

/** Words that make a field name an identifier: `cart_id`, `productId`, `id`, `uuid`, `id_fest`. */
const ID_WORDS: ReadonlySet<string> = new Set(["id", "ids", "uuid", "uuids", "guid"]);

/**
 * Stems that say nothing about which entity an identifier names: identifier words, schema words and the verbs of
 * tool names (`get`, `create`, `search`...), so `create_ticket`'s `id` names a ticket, not a "create".
 */
const NON_ENTITY_STEMS: ReadonlySet<string> = new Set(
  (
    "id ids uuid guid identifi uniqu uniqu kei number string integ valu field object item list array result data respons " +
    "return get fetch retriev list search find look lookup queri creat add new post put set updat edit modifi chang " +
    "delet remov cancel show view read load check call send make generat current specif given select chosen " +
    "uniqu intern extern primari option requir type format name"
  )
    .split(/\s+/)
    .filter(Boolean),
);
// `item`, `result`, `data` are listed: `items[].id` says nothing about what the items are (the description may).

/** Is the field an identifier, by its name (`cart_id`, `productId`, `id`, `id_conc`)? */
export function isIdentifierName(name: string): boolean {
  const words = splitWords(name);
  if (words.length === 0) return false;
  return ID_WORDS.has(words[words.length - 1] as string) || ID_WORDS.has(words[0] as string);
}

/** Does a description say the value is an identifier ("The ID of the new cart")? For bare `return` fields. */
function describesIdentifier(description: string): boolean {
  return splitWords(description).some((w) => ID_WORDS.has(w) || w === "identifier");
}

function entityStems(stems: Iterable<string>): Set<string> {
  const out = new Set<string>();
  for (const s of stems) if (s.length >= 2 && !NON_ENTITY_STEMS.has(s) && !/^[0-9]+$/.test(s)) out.add(s);
  return out;
}

const ID_PHRASE_AFTER = /\b(?:ids?|identifiers?|uuids?|guids?)\s+(?:of|for)\s+(?:(?:the|a|an|this|that|each|one)\s+)?([A-Za-z]+)(?:[ \t]+([A-Za-z]+))?/gi;
const ID_PHRASE_BEFORE = /\b([A-Za-z]+)(?:['’]s)?\s+(?:ids?|identifiers?|uuids?|guids?)\b/gi;

/**
 * The entity a description says an identifier names: "ID of the posted tweet" -> post, tweet; "User ID of ..." ->
 * user; "the product id" -> product. Stop words end the phrase ("ID of the entry to be removed" -> entri).
 */
function describedEntity(description: string): string[] {
  const out: string[] = [];
  const word = (w: string | undefined): boolean => {
    if (w === undefined) return false;
    const s = stemTokens(w);
    out.push(...s);
    return s.length > 0;
  };
  for (const m of description.matchAll(ID_PHRASE_AFTER)) if (word(m[1])) word(m[2]);
  for (const m of description.matchAll(ID_PHRASE_BEFORE)) word(m[1]);
  return out;
}

/**
 * The entity an identifier field names, as stems: the name without its id word (`cart_id` -> cart), and what its
 * description says it identifies (`vec_id: The ID of the entry` -> vec, entri); for a bare `id` whose
 * description names nothing, its context (`cart.id` -> cart, `matching_tweets[].id` -> match, tweet; a top-level
 * `id` of `post_tweet` -> tweet). Empty when nothing names one.
 */
export function identifierEntity(field: { name: string; description: string; context: string }): Set<string> {
  const nameWords = field.name === "return" ? [] : splitWords(field.name).filter((w) => !ID_WORDS.has(w));
  const out = entityStems([...nameWords.map(stem), ...describedEntity(field.description)]);
  if (out.size === 0) for (const s of entityStems(stemTokens(field.context))) out.add(s);
  return out;
}

/** Two entity stem sets agree when they share a stem, or one stem abbreviates the other (`vec` / `vector`). */
export function entitiesAgree(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size === 0 || b.size === 0) return true;
  for (const x of a) {
    if (b.has(x)) return true;
    for (const y of b) {
      const [short, long] = x.length <= y.length ? [x, y] : [y, x];
      if (short.length >= 3 && long.startsWith(short)) return true;
    }
  }
  return false;
}

/** What the P-R check needs to know of one field. */
export interface FieldKind {
  type: FieldType;
  /** For arrays: the item type. */
  itemType?: FieldType;
  format?: string;
  /** Set for identifier fields (possibly empty: an identifier of no named entity). */
  entity?: ReadonlySet<string>;
}

/** The kind of one field, from its schema, name, description and context. */
export function fieldKind(
  schema: JsonSchema,
  field: { name: string; description: string; context: string },
): FieldKind {
  const type = fieldType(schema);
  const kind: FieldKind = { type };
  if (type === "array") kind.itemType = itemType(schema);
  const format = fieldFormat(schema);
  if (format !== undefined) kind.format = format;
  const identifier = field.name === "return" ? describesIdentifier(field.description) : isIdentifierName(field.name);
  if (identifier) kind.entity = identifierEntity(field);
  return kind;
}

function scalarAgree(r: FieldType, p: FieldType): boolean {
  return r === "any" || p === "any" || r === p;
}

/** Can the value of a return field `r` (or one item of it) be passed as the parameter `p`, type-wise? */
export function typesAgree(r: FieldKind, p: FieldKind): boolean {
  if (r.type === "any" || p.type === "any") return true;
  if (r.type === p.type) {
    if (r.type === "array") return scalarAgree(r.itemType ?? "any", p.itemType ?? "any");
    return r.format === undefined || p.format === undefined || r.format === p.format;
  }
  // a list feeds a parameter taking one of its items (`keys` -> `key`), one value feeds a list parameter
  if (r.type === "array") return scalarAgree(r.itemType ?? "any", p.type);
  if (p.type === "array") return scalarAgree(r.type, p.itemType ?? "any");
  return false;
}

/**
 * Whether a return field may feed a parameter (a P-R evidence pair): the types and formats agree, and an
 * identifier parameter takes only an identifier naming the same entity (`cart_id` from a field `cart_id`,
 * `cartId`, `cart.id` or a cart tool's `id`; not from `product_id`, `items`, `status` or `total`).
 */
export function returnFeedsParam(r: FieldKind, p: FieldKind): boolean {
  if (!typesAgree(r, p)) return false;
  if (p.entity !== undefined) {
    if (r.entity === undefined) return false;
    return entitiesAgree(r.entity, p.entity);
  }
  return true;
}
