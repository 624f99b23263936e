/**
 * Plausible values for the `sim` policy: argument values a simulated user states, and fields of simulated tool
 * results. Chosen from the field's name, description and schema with a seeded Rng, so a seed reproduces them.
 * Shapes the name heuristics do not cover (patterns, formats, anyOf, $ref...) go to the model layer's
 * schemaExample generator.
 */
import { Rng } from "../../core/rng.js";
import type { JsonSchema } from "../../core/types.js";
import { schemaExample } from "../../llm/schema-example.js";
import { identifierWords, isRecord } from "../tool-schema.js";

export interface ValueHints {
  /** Field or parameter name. */
  name: string;
  /** Description of the field (and of its tool, for context like "IATA"). */
  description?: string;
  toolDescription?: string;
  /** The simulated user's full name (for name-like fields). */
  personName?: string;
  /** "argument": a value the user states; "result": a value a tool returns. */
  purpose: "argument" | "result";
}

const AIRPORTS = ["JFK", "LAX", "SFO", "ORD", "SEA", "BOS", "MIA", "ATL", "DEN", "LHR", "CDG", "HND", "FRA", "AMS"];
const CITIES = ["Lisbon", "Chicago", "Seattle", "Toronto", "Berlin", "Tokyo", "Madrid", "Boston", "Denver", "Dublin"];
const NAMES = ["Jordan Lee", "Priya Shah", "Marco Bianchi", "Sara Nilsson", "Omar Farouk", "Chen Wei", "Laura Gómez"];
const COUNTRIES = ["Portugal", "Canada", "Japan", "Germany", "Spain", "Ireland", "Mexico", "Australia"];
const CURRENCIES = ["USD", "EUR", "GBP", "JPY", "CAD", "AUD"];
const TOPICS = [
  "login page error",
  "quarterly budget review",
  "delayed delivery",
  "broken checkout button",
  "account access issue",
  "invoice mismatch",
  "slow dashboard loading",
  "password reset email not arriving",
];
const SENTENCES = [
  "The page shows an error after I submit the form.",
  "Please look into this as soon as possible.",
  "I was charged twice for the same order.",
  "The app crashes when I open the settings screen.",
  "I need an update on the status of my request.",
  "Everything worked until yesterday's update.",
];
const RESULT_MESSAGES = [
  "Your request has been processed successfully.",
  "The operation completed without issues.",
  "Request received; a confirmation has been sent.",
];
const ALNUM = "abcdefghijkmnpqrstuvwxyz23456789";

function alnum(rng: Rng, n: number): string {
  let s = "";
  for (let i = 0; i < n; i++) s += ALNUM[rng.int(0, ALNUM.length - 1)];
  return s;
}

function digits(rng: Rng, n: number): string {
  let s = String(rng.int(1, 9));
  for (let i = 1; i < n; i++) s += String(rng.int(0, 9));
  return s;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

function ascii(s: string): string {
  return s.normalize("NFD").replace(/[\u0300-\u036f]/g, "");
}

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

/** Options listed in a description: "Here are the options: read_write, read, write" / "one of a, b or c". */
export function optionsFromDescription(description: string | undefined): string[] {
  if (!description) return [];
  const m = /(?:options(?: are)?|one of|possible values(?: are)?|either)\s*[:\-]?\s*([^.;()]+)/i.exec(description);
  if (!m) return [];
  const items = m[1]!
    .split(/,|\bor\b|\band\b|\//)
    .map((s) => s.trim().replace(/^['"`]|['"`]$/g, ""))
    .filter((s) => /^[A-Za-z0-9_\-]{1,30}$/.test(s));
  return items.length >= 2 ? items : [];
}

function numberFor(schema: JsonSchema, h: ValueHints, rng: Rng, integerOnly: boolean): number {
  let integer = integerOnly;
  const n = h.name.toLowerCase();
  let lo = typeof schema.minimum === "number" ? schema.minimum : undefined;
  let hi = typeof schema.maximum === "number" ? schema.maximum : undefined;
  if (typeof schema.exclusiveMinimum === "number") lo = schema.exclusiveMinimum + (integer ? 1 : 0.01);
  if (typeof schema.exclusiveMaximum === "number") hi = schema.exclusiveMaximum - (integer ? 1 : 0.01);
  let dlo = 1;
  let dhi = 100;
  if (/(cvv|cvc|verification_(number|value|code)|security_code)/.test(n)) [dlo, dhi] = [100, 999];
  else if (/phone|mobile|msisdn/.test(n)) return rng.int(12025550100, 12025559999);
  else if (/(^|_)id$|Id$|number$/.test(h.name) || /(^|_)id$|number$/.test(n)) {
    integer = true;
    [dlo, dhi] = [1000, 99999];
  }
  else if (/year/.test(n)) [dlo, dhi] = [2024, 2026];
  else if (/month/.test(n)) [dlo, dhi] = [1, 12];
  else if (/day/.test(n)) [dlo, dhi] = [1, 28];
  else if (/hour/.test(n)) [dlo, dhi] = [0, 23];
  else if (/minute|second/.test(n)) [dlo, dhi] = [0, 59];
  else if (/priority|rating|level|stars?$/.test(n)) [dlo, dhi] = [1, 5];
  else if (/age/.test(n)) [dlo, dhi] = [18, 75];
  else if (/(lat)/.test(n)) [dlo, dhi] = [-60, 60];
  else if (/(lon|lng)/.test(n)) [dlo, dhi] = [-120, 120];
  else if (/(percent|rate|ratio)/.test(n)) [dlo, dhi] = [1, 30];
  else if (/(cost|price|amount|value|budget|balance|total|fee|salary|payment|exchanged|spend)/.test(n))
    [dlo, dhi] = [50, 2500];
  else if (/(count|quantity|num|size|limit$|page|nights|guests|passengers|people|seats|^k$|top)/.test(n)) [dlo, dhi] = [1, 6];
  else if (/(expires_in|duration|timeout)/.test(n)) [dlo, dhi] = [600, 7200];
  const a = lo ?? (hi !== undefined ? Math.min(dlo, hi) : dlo);
  const b = hi ?? (lo !== undefined ? Math.max(dhi, lo) : dhi);
  if (integer) return rng.int(Math.ceil(a), Math.max(Math.ceil(a), Math.floor(b)));
  const v = a + rng.next() * (b - a);
  return Math.round(v * 100) / 100;
}

function futureDate(rng: Rng): string {
  return `2025-${pad2(rng.int(1, 12))}-${pad2(rng.int(1, 28))}`;
}

function stringFor(h: ValueHints, rng: Rng): string | undefined {
  const n = h.name.toLowerCase();
  const words = identifierWords(h.name);
  const desc = (h.description ?? "").toLowerCase();
  const ctx = `${desc} ${(h.toolDescription ?? "").toLowerCase()}`;
  const person = ascii(h.personName ?? rng.pick(NAMES));
  const [first = "Alex", ...rest] = person.split(/\s+/);
  const last = rest.join(" ") || "Morgan";
  const opts = optionsFromDescription(h.description);
  if (opts.length > 0) return rng.pick(opts);
  if (/e_?mail/.test(n)) return `${first}.${last}`.toLowerCase().replace(/\s+/g, "") + "@example.com";
  if (/first_?name|given_?name/.test(n)) return first;
  if (/last_?name|surname|family_?name/.test(n)) return last;
  if (/file_?name/.test(n)) return rng.pick(["report.pdf", "notes.txt", "summary.docx", "data.csv"]);
  if (/(cardholder|holder|full_?name|^name$|user_?name$|customer_?name|passenger)/.test(n) && !/user_?name$/.test(n))
    return person;
  if (/(_by$|owner|author|creator|assignee|reporter)/.test(n))
    return h.purpose === "argument" ? person : rng.pick(["support_agent", "admin", "j.miller", "ops_team"]);
  if (/birth|dob/.test(n)) return `19${rng.int(60, 99)}-${pad2(rng.int(1, 12))}-${pad2(rng.int(1, 28))}`;
  if (/expir/.test(n)) return `${pad2(rng.int(1, 12))}/20${rng.int(26, 30)}`;
  if (/date|day/.test(n) || /yyyy-mm-dd/.test(desc)) return futureDate(rng);
  if (/time/.test(n)) return `${pad2(rng.int(8, 20))}:${rng.pick(["00", "15", "30", "45"])}`;
  if (/card_?number/.test(n)) return "4" + digits(rng, 15);
  if (/(cvv|cvc|verification_(number|value|code)|security_code)/.test(n)) return digits(rng, 3);
  if (/passport/.test(n)) return rng.pick(["P", "X", "K"]) + digits(rng, 8);
  if (/phone|mobile/.test(n)) return `+1-555-${digits(rng, 3)}-${digits(rng, 4)}`;
  if (/airport|iata/.test(n) || /airport|iata/.test(desc)) return rng.pick(AIRPORTS);
  if (/(from|to|origin|destination|departure|arrival)$/.test(n) && /airport|iata|flight/.test(ctx)) return rng.pick(AIRPORTS);
  if (/city|location|destination|origin|place|town|from$|to$/.test(n)) return rng.pick(CITIES);
  if (/address/.test(n)) return `${rng.int(10, 999)} ${rng.pick(["Oak", "Maple", "Harbor", "Main"])} Street, ${rng.pick(CITIES)}`;
  if (/country/.test(n)) return rng.pick(COUNTRIES);
  if (/currency/.test(n)) return rng.pick(CURRENCIES);
  if (/password|secret|passphrase/.test(n)) return alnum(rng, 6) + rng.pick(["!", "#", "%"]) + digits(rng, 3);
  if (/token_?type/.test(n)) return "Bearer";
  if (/token$/.test(n)) return `tok_${alnum(rng, 16)}`;
  if (/(api_?key|client_?id|^key$|_key$)/.test(n)) return `${words[0] ?? "key"}_${alnum(rng, 10)}`;
  if (/user_?name|login|handle|nickname/.test(n)) return `${first}${last}`.toLowerCase().replace(/\s+/g, "") + digits(rng, 2);
  if (/(^|_)id$|^uuid$/.test(n) || /Id$/.test(h.name)) {
    const entity = words.length > 1 ? words.slice(0, -1).join("_") : "ref";
    return `${entity}_${alnum(rng, 6)}`;
  }
  if (/class$/.test(n)) return rng.pick(["economy", "business", "first"]);
  if (/priority|severity/.test(n)) return rng.pick(["low", "medium", "high"]);
  if (/(type|kind|category|tier|plan|level|mode)$/.test(n))
    return rng.pick(h.purpose === "argument" ? ["standard", "premium", "basic"] : ["standard", "premium"]);
  if (/status|state/.test(n) && h.purpose === "result" && /operation|request|update|action/.test(desc))
    return rng.pick(["success", "completed"]);
  if (/status|state/.test(n)) return h.purpose === "result" ? rng.pick(["confirmed", "active", "completed"]) : rng.pick(["open", "pending", "closed"]);
  if (/url|link|website|endpoint/.test(n)) return `https://www.example.com/${words[0] ?? "page"}/${alnum(rng, 5)}`;
  if (/lang/.test(n)) return rng.pick(["en", "es", "fr", "de"]);
  if (/unit/.test(n)) return rng.pick(["metric", "imperial"]);
  if (/(title|subject|topic|summary|headline)/.test(n)) return rng.pick(TOPICS);
  if (/(query|keyword|search|term)/.test(n)) return rng.pick(TOPICS);
  if (/(message|description|body|content|text|comment|note|resolution|reason|details|feedback)/.test(n))
    return h.purpose === "result" ? rng.pick(RESULT_MESSAGES) : rng.pick(SENTENCES);
  if (/(scope)/.test(n)) return rng.pick(["read_write", "read"]);
  if (/(^|_)(symbol|ticker|stock)$/.test(n)) return rng.pick(["AAPL", "MSFT", "TSLA", "NVDA", "AMZN"]);
  if (/(^|_)(tags?|labels?|keywords?)$/.test(n)) return rng.pick(["work", "personal", "urgent", "travel", "ideas", "finance"]);
  if (/(snippet|excerpt|preview|summary|caption)/.test(n)) return rng.pick(RESULT_MESSAGES);
  if (/(^|_)(color|colour)$/.test(n)) return rng.pick(["blue", "green", "red", "black"]);
  if (/(^|_)(size)$/.test(n)) return rng.pick(["S", "M", "L", "XL"]);
  if (/(^|_)(brand|company|vendor|merchant|store|shop)(_name)?$/.test(n)) return rng.pick(["Acme", "Northwind", "Globex", "Initech"]);
  if (/(product|item)(_name)?$/.test(n)) return rng.pick(["wireless headphones", "running shoes", "coffee grinder", "desk lamp"]);
  if (/(fiscal_year|year)/.test(n)) return `${rng.int(2024, 2026)}`;
  return undefined;
}

/**
 * A value for `schema` given the hints. Objects get their required properties (and, for results, all
 * properties); arrays get one to three items.
 */
export function fakeValue(schema: JsonSchema, h: ValueHints, rng: Rng, depth = 0): unknown {
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return rng.pick(schema.enum);
  if ("const" in schema) return schema.const;
  // Documented examples are the most realistic values (ToolBench and OpenAPI specs often have them).
  const examples = Array.isArray(schema.examples) ? schema.examples : "example" in schema ? [schema.example] : [];
  const usable = examples.filter((e) => fitsSimpleType(schema, e));
  if (usable.length > 0 && h.purpose === "argument" && rng.chance(0.7)) return rng.pick(usable);
  const type = schemaType(schema);
  if (type === undefined && (schema.anyOf || schema.oneOf || schema.allOf || schema.$ref))
    return schemaExample(schema, { mode: "readable", rng });
  switch (type) {
    case "boolean":
      return h.purpose === "result" ? !/fail|error|expired/i.test(h.name) : rng.chance(0.7);
    case "integer":
      return numberFor(schema, h, rng, true);
    case "number":
      return numberFor(schema, h, rng, false);
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
      const count = depth > 3 ? min : rng.int(Math.min(min, max), Math.max(min, Math.min(max, h.purpose === "argument" ? 2 : 3)));
      const singular = h.name.replace(/ies$/, "y").replace(/s$/, "");
      const out: unknown[] = [];
      for (let i = 0; i < count; i++) {
        let v = fakeValue(items, { ...h, name: singular, description: items.description as string | undefined }, rng, depth + 1);
        for (let t = 0; t < 3 && schema.uniqueItems && out.some((o) => JSON.stringify(o) === JSON.stringify(v)); t++)
          v = fakeValue(items, { ...h, name: singular }, rng, depth + 1);
        out.push(v);
      }
      return out;
    }
    case "object": {
      const props = isRecord(schema.properties) ? (schema.properties as Record<string, JsonSchema>) : {};
      const req = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(props)) {
        if (!isRecord(v)) continue;
        if (h.purpose === "argument" && !req.has(k) && (depth > 0 || !rng.chance(0.5))) continue;
        if (depth > 4 && !req.has(k)) continue;
        out[k] = fakeValue(v, { ...h, name: k, description: v.description as string | undefined }, rng, depth + 1);
      }
      return out;
    }
    case "string":
    default: {
      if (typeof schema.pattern === "string" || typeof schema.format === "string") {
        if (schema.format === "date") return futureDate(rng);
        if (schema.format === "email") return stringFor({ ...h, name: "email" }, rng);
        return schemaExample(schema, { mode: "readable", rng });
      }
      let s = stringFor(h, rng) ?? fallbackString(h, rng);
      if (typeof schema.maxLength === "number" && s.length > schema.maxLength) s = s.slice(0, schema.maxLength);
      if (typeof schema.minLength === "number" && s.length < schema.minLength) s = s.padEnd(schema.minLength, "x");
      return s;
    }
  }
}

/** A last-resort string: an option from the description's examples ("e.g. X"), else a neutral word. */
function fallbackString(h: ValueHints, rng: Rng): string {
  const eg = /(?:e\.g\.|for example|such as)[,:]?\s*['"]?([A-Za-z0-9][\w\- ]{0,30}?)['"]?(?:[,.;)]|$)/i.exec(h.description ?? "");
  if (eg) return eg[1]!.trim();
  const words = identifierWords(h.name);
  const noun = words[words.length - 1] ?? "value";
  return h.purpose === "argument"
    ? rng.pick(["general", "standard", "main", "default"])
    : `${rng.pick(["sample", "primary", "current"])} ${noun}`;
}
