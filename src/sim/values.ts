/**
 * Plausible values for the `sim` policy: argument values a simulated user states, and fields of simulated tool
 * results. Chosen from the field's name, description and schema, and from its context (the tool and the
 * enclosing object: a product's `name` is a product name, a guest's is a person's), with a seeded Rng, so a seed
 * reproduces them. Related fields agree: a check-out date comes after the check-in date, a postal code and a
 * country fit the city, a target unit differs from the source unit. This is the one value generator of the sim
 * backend: valueFor makes the leaves of both fakeValue (fake-value.ts) and schemaExample's readable mode, and
 * coherent keeps related fields of both in agreement, from the one vocabulary and range table of vocab.ts.
 */
import { Rng, type JsonSchema } from "../core/index.js";
import { identifierWords, isRecord } from "../agents/index.js";
import * as V from "./vocab.js";

export interface ValueHints {
  /** Field or parameter name. */
  name: string;
  /** Description of the field (and of its tool, for context like "IATA"). */
  description?: string;
  toolDescription?: string;
  /** Name of the tool the value is for (getProduct: a `name` is a product name). */
  tool?: string;
  /** Name of the enclosing object or list item ("shipping_address", "hotel"). */
  parent?: string;
  /** The simulated user's full name (for name-like fields). */
  personName?: string;
  /** For results: the call's arguments (a searched city shows up in the addresses found). */
  args?: Record<string, unknown>;
  /** Position in the enclosing list (only the first search hit is sure to match the query). */
  index?: number;
  /** "argument": a value the user states; "result": a value a tool returns. */
  purpose: "argument" | "result";
}

const ALNUM = "abcdefghijkmnpqrstuvwxyz23456789";
const UPPER = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

function alnum(rng: Rng, n: number, chars = ALNUM): string {
  let s = "";
  for (let i = 0; i < n; i++) s += chars[rng.int(0, chars.length - 1)];
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

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export function singularWord(w: string): string {
  if (/ies$/.test(w)) return w.slice(0, -3) + "y";
  if (/(ss|us|is)$/.test(w)) return w;
  if (/(ches|shes|xes)$/.test(w)) return w.slice(0, -2);
  return w.replace(/s$/, "");
}

// ------------------------------------------------------------------------------------------------ context

/** What a tool does, from its verb: a new order is "confirmed", a cancelled booking "cancelled". */
export type ActionKind = "create" | "cancel" | "delete" | "update" | "read" | "other";

const ACTION_VERBS: Record<string, ActionKind> = {};
for (const v of ["create", "book", "register", "add", "new", "make", "post", "purchase", "buy", "open", "schedule", "submit",
  "upload", "generate", "reserve", "start", "insert", "send", "order", "issue", "checkout", "place", "pay", "transfer", "invite", "apply"])
  ACTION_VERBS[v] = "create";
for (const v of ["cancel", "refund", "revoke", "void", "unsubscribe", "close", "resolve"]) ACTION_VERBS[v] = "cancel";
for (const v of ["delete", "remove", "archive", "clear", "drop"]) ACTION_VERBS[v] = "delete";
for (const v of ["update", "edit", "set", "change", "modify", "rename", "move", "append", "toggle", "enable", "disable", "adjust", "mark", "assign"])
  ACTION_VERBS[v] = "update";
for (const v of ["get", "search", "find", "list", "retrieve", "fetch", "lookup", "look", "view", "show", "read", "check", "track",
  "query", "compute", "calculate", "convert", "estimate", "count", "browse", "display"])
  ACTION_VERBS[v] = "read";

/** Tool words without the "_for_<api>" suffix ToolBench names carry. */
function toolWords(tool: string | undefined): string[] {
  if (!tool) return [];
  let w = identifierWords(tool).filter((x) => !/^v?\d+$/.test(x));
  const i = w.lastIndexOf("for");
  if (i > 0 && i < w.length - 1) w = w.slice(0, i);
  return w;
}

export function actionKind(tool: string | undefined): ActionKind {
  for (const w of toolWords(tool)) {
    const k = ACTION_VERBS[w];
    if (k) return k;
  }
  return "other";
}

/** The tool's verb ("checkoutCart" -> "checkout"), or "". */
export function toolVerb(tool: string | undefined): string {
  return toolWords(tool).find((w) => ACTION_VERBS[w] !== undefined) ?? "";
}

const GENERIC_WORDS = new Set([
  "result", "results", "data", "info", "information", "details", "detail", "value", "values", "object", "entry",
  "entries", "record", "records", "response", "output", "list", "all", "my", "by", "id", "the", "of", "for", "to", "in",
  "status", "current", "new", "item", "items",
]);

/** The words describing what a value belongs to: the enclosing object's name, then the tool's nouns. */
function contextWords(h: ValueHints): { parent: string[]; tool: string[] } {
  const parent = h.parent ? identifierWords(h.parent).map(singularWord).filter((w) => !GENERIC_WORDS.has(w)) : [];
  // "item(s)" still says something when nothing else does (a cart's items are products).
  if (parent.length === 0 && h.parent && /items?$/i.test(h.parent)) parent.push("item");
  const tool = toolWords(h.tool)
    .filter((w) => ACTION_VERBS[w] === undefined && !GENERIC_WORDS.has(w))
    .map(singularWord);
  return { parent, tool };
}

type Theme =
  | "hotel" | "restaurant" | "product" | "flight" | "note" | "support" | "message" | "event" | "movie" | "music"
  | "playlist" | "book" | "team" | "project" | "file" | "weather" | "job" | "company";

const THEMES: Array<[Theme, RegExp]> = [
  ["hotel", /\b(hotel|lodging|accommodation|stay|room|reservation)\b/],
  ["restaurant", /\b(restaurant|cafe|dining|eatery|bistro|table)\b/],
  ["product", /\b(product|item|catalog|catalogue|cart|order|shop|shopping|sku|listing|store|shipment|parcel)\b/],
  ["flight", /\b(flight|airline|airport|fare|booking|trip|travel)\b/],
  ["note", /\b(note|memo|reminder|notebook)\b/],
  ["support", /\b(ticket|issue|support|incident|bug|complaint)\b/],
  ["message", /\b(message|email|mail|chat|sms|inbox)\b/],
  ["event", /\b(event|meeting|calendar|appointment|schedule)\b/],
  ["movie", /\b(movie|film|cinema)\b/],
  ["playlist", /\bplaylist\b/],
  ["music", /\b(song|music|album|artist)\b/],
  ["book", /\b(book|novel|library)\b/],
  ["team", /\b(team|club|match|league)\b/],
  ["project", /\b(project|task|todo)\b/],
  ["file", /\b(file|document|folder|doc)\b/],
  ["weather", /\b(weather|forecast|temperature|air|quality|climate)\b/],
  ["job", /\b(job|position|vacancy|career)\b/],
  ["company", /\b(company|business|organization|organisation|employer|vendor|merchant|brand|supplier|firm)\b/],
];

function themeOf(text: string): Theme | undefined {
  for (const [t, re] of THEMES) if (re.test(text)) return t;
  return undefined;
}

/** The theme of a value: from the enclosing object first, then the tool's name, then its description. */
function themeFor(h: ValueHints): Theme | undefined {
  const c = contextWords(h);
  return (
    themeOf(c.parent.join(" ")) ??
    themeOf(c.tool.join(" ")) ??
    themeOf((h.toolDescription ?? "").toLowerCase().slice(0, 160).split(/[^a-z]+/).map(singularWord).join(" "))
  );
}

const PERSON_WORDS =
  /\b(user|customer|guest|passenger|traveller|traveler|contact|employee|member|author|owner|recipient|patient|student|driver|profile|attendee|speaker|shipping|billing|address|friend|client|buyer|seller|agent|assignee|reporter|holder|cardholder|account|person|people|staff|participant|host|organizer|sender|receiver|display|full|legal|contact)\b/;

/** A person's name: the simulated user's own for arguments, someone's for results. */
function personFor(h: ValueHints, rng: Rng): string {
  return h.purpose === "argument" && h.personName ? ascii(h.personName) : ascii(rng.pick(V.PEOPLE));
}

/** The name of the thing a `name` (or `<entity>_name`) field belongs to. */
function entityName(h: ValueHints, entity: string[], rng: Rng): string {
  const c = contextWords(h);
  const own = entity.join(" ");
  if (own && PERSON_WORDS.test(own)) return personFor(h, rng);
  if (/\b(city|town)\b/.test(own)) return rng.pick(V.CITIES);
  if (/\bcountry\b/.test(own)) return rng.pick(V.COUNTRIES);
  if (/\bairline\b/.test(own)) return rng.pick(V.AIRLINES);
  if (/\bfile\b/.test(own)) return rng.pick(V.FILES);
  const scopes = own ? [own] : [c.parent.join(" "), c.tool.join(" ")];
  for (const scope of scopes) {
    if (scope === "") continue;
    if (PERSON_WORDS.test(scope)) return personFor(h, rng);
    const t = themeOf(scope);
    const list = t ? THEME_NAMES[t] : undefined;
    if (list) return rng.pick(matching(list, h));
    // Something the lists do not cover: a proper-name label for it ("Atlas Workspace").
    const noun = scope.split(" ").filter((w) => !GENERIC_WORDS.has(w)).pop();
    if (noun) return `${rng.pick(V.PROPER)} ${cap(noun)}`;
  }
  return personFor(h, rng);
}

const THEME_NAMES: Partial<Record<Theme, readonly string[]>> = {
  hotel: V.HOTELS,
  restaurant: V.RESTAURANTS,
  product: V.PRODUCTS,
  flight: V.AIRLINES,
  note: V.NOTE_TITLES,
  support: V.SUPPORT_TOPICS,
  event: V.EVENTS,
  movie: V.MOVIES,
  music: V.SONGS,
  playlist: V.PLAYLISTS,
  book: V.BOOKS,
  team: V.TEAMS,
  project: V.PROJECTS,
  file: V.FILES,
  job: V.JOB_TITLES,
  company: V.COMPANIES,
  weather: V.CITIES,
};

/** The entries of `list` that share a word with the call's search query (a search for "rain jacket" finds jackets). */
function matching(list: readonly string[], h: ValueHints): readonly string[] {
  if (h.purpose !== "result" || !h.args || (h.index ?? 0) > 0) return list;
  const q = Object.entries(h.args).find(([k, v]) => typeof v === "string" && /(query|keyword|search|term|^q$)/i.test(k))?.[1];
  if (typeof q !== "string") return list;
  const words = q.toLowerCase().split(/[^a-z0-9]+/).filter((w) => w.length > 2).map(singularWord);
  const hits = list.filter((x) => x.toLowerCase().split(/[^a-z0-9]+/).map(singularWord).some((w) => words.includes(w)));
  return hits.length > 0 ? hits : list;
}

/** A city the call is about (its `city`/`location` argument), if any. */
function argCity(args: Record<string, unknown> | undefined): string | undefined {
  if (!args) return undefined;
  for (const [k, v] of Object.entries(args)) {
    if (typeof v === "string" && /(^|_)(city|location|town|destination)$/i.test(k) && !/^[A-Z]{3}$/.test(v)) return v;
    if (isRecord(v)) {
      const inner = argCity(v);
      if (inner) return inner;
    }
  }
  return undefined;
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

/** A numeric range stated in a description: "from 0 to 10", "1 to 10", "between 1 and 5". */
function rangeFromDescription(description: string | undefined): [number, number] | undefined {
  if (!description) return undefined;
  const m = /(?:^|[\s,(:])(?:from |between )?(-?\d+(?:\.\d+)?)\s*(?:\([^)]{0,20}\)\s*)?(?:to|and|-)\s+(-?\d+(?:\.\d+)?)\b/i.exec(description);
  if (!m) return undefined;
  const a = Number(m[1]);
  const b = Number(m[2]);
  return Number.isFinite(a) && Number.isFinite(b) && a < b && b - a <= 100_000 ? [a, b] : undefined;
}

// ------------------------------------------------------------------------------------------------ numbers

function numberFor(schema: JsonSchema, h: ValueHints, rng: Rng, integerOnly: boolean): number {
  let integer = integerOnly;
  const n = h.name.toLowerCase();
  let lo = typeof schema.minimum === "number" ? schema.minimum : undefined;
  let hi = typeof schema.maximum === "number" ? schema.maximum : undefined;
  if (typeof schema.exclusiveMinimum === "number") lo = schema.exclusiveMinimum + (integer ? 1 : 0.01);
  if (typeof schema.exclusiveMaximum === "number") hi = schema.exclusiveMaximum - (integer ? 1 : 0.01);
  const theme = themeFor(h);
  const fahrenheit = JSON.stringify(h.args ?? {}).includes("fahrenheit");
  let dlo = 1;
  let dhi = 100;
  const stated = rangeFromDescription(typeof h.description === "string" ? h.description : undefined);
  if (/(cvv|cvc|verification_(number|value|code)|security_code)/.test(n)) [dlo, dhi] = [100, 999];
  else if (/phone|mobile|msisdn/.test(n)) return rng.int(12025550100, 12025559999);
  else if (/(^|_)id$|Id$|number$/.test(h.name) || /(^|_)id$|number$/.test(n)) {
    integer = true;
    [dlo, dhi] = [1000, 99999];
  } else if (stated) [dlo, dhi] = stated;
  else if (/year/.test(n)) [dlo, dhi] = [2024, 2026];
  else if (/month/.test(n)) [dlo, dhi] = [1, 12];
  else if (/^days?$|_days$|^num_days/.test(n)) [dlo, dhi] = [1, 7];
  else if (/day/.test(n)) [dlo, dhi] = [1, 28];
  else if (/hour/.test(n)) [dlo, dhi] = [0, 23];
  else if (/minute|second/.test(n)) [dlo, dhi] = [0, 59];
  else if (/humidity|chance|probability|percent/.test(n)) [dlo, dhi] = [10, 90];
  else if (/temp|^high$|^low$|feels_like|dew_point/.test(n)) [dlo, dhi] = fahrenheit ? [35, 90] : [-2, 32];
  else if (/wind/.test(n)) [dlo, dhi] = [2, 40];
  else if (/(aqi|air_quality|index$)/.test(n)) [dlo, dhi] = [15, 160];
  else if (/priority|rating|level|stars?$|score/.test(n)) [dlo, dhi] = [1, 5];
  else if (/(^|_)age$/.test(n)) [dlo, dhi] = [18, 75];
  else if (/(^|_)(lat|latitude)$/.test(n)) [dlo, dhi] = [-60, 60];
  else if (/(^|_)(lon|lng|longitude)$/.test(n)) [dlo, dhi] = [-120, 120];
  else if (/(rate|ratio)/.test(n) && !/price|night/.test(n)) [dlo, dhi] = [1, 30];
  else if (/(per_night|nightly)/.test(n) || (theme === "hotel" && /price|rate|cost/.test(n))) [dlo, dhi] = [70, 420];
  else if (/(cost|price|amount|value|budget|balance|total|fee|salary|payment|exchanged|spend|fare|refund)/.test(n)) {
    if (theme === "product" && /price|line_total/.test(n)) [dlo, dhi] = [12, 320];
    else if (theme === "flight") [dlo, dhi] = [90, 1400];
    else [dlo, dhi] = [50, 2500];
  } else if (/(bag|luggage|suitcase)/.test(n)) [dlo, dhi] = [0, 2];
  else if (/(stock|inventory)/.test(n)) [dlo, dhi] = [0, 150];
  else if (/(count|quantity|num|size|limit$|page|nights|guests|passengers|people|seats|adults|rooms|^k$|top)/.test(n)) [dlo, dhi] = [1, 6];
  else if (/(expires_in|duration|timeout)/.test(n)) [dlo, dhi] = [600, 7200];
  const a = lo ?? (hi !== undefined ? Math.min(dlo, hi) : dlo);
  const b = hi ?? (lo !== undefined ? Math.max(dhi, lo) : dhi);
  const from = Math.max(a, Math.min(dlo, b));
  const to = Math.min(b, Math.max(dhi, from));
  if (integer) return rng.int(Math.ceil(from), Math.max(Math.ceil(from), Math.floor(to)));
  const v = from + rng.next() * (to - from);
  return Math.round(v * 100) / 100;
}

// ------------------------------------------------------------------------------------------------ dates

function futureDate(rng: Rng): string {
  return `2025-${pad2(rng.int(1, 12))}-${pad2(rng.int(1, 28))}`;
}

function futureDateTime(rng: Rng): string {
  return `${futureDate(rng)}T${pad2(rng.int(7, 21))}:${rng.pick(["00", "15", "30", "45"])}:00Z`;
}

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const DATETIME_RE = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(:\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;
const TIME_RE = /^(\d{2}):(\d{2})(:\d{2})?$/;

/** `date` (YYYY-MM-DD) moved by `days`. */
export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** An ISO date-time moved by `hours`, keeping its shape (seconds, zone). */
function addHours(dt: string, hours: number): string | undefined {
  const m = DATETIME_RE.exec(dt);
  if (!m) return undefined;
  const base = new Date(`${m[1]}T${m[2]}:${m[3]}:00Z`);
  base.setUTCHours(base.getUTCHours() + hours);
  const iso = base.toISOString();
  return `${iso.slice(0, 16)}${m[4] ?? ""}${m[5] ?? ""}`;
}

/** Compare two values of the same kind (dates, date-times, times, numbers); undefined when not comparable. */
function compareValues(a: unknown, b: unknown): number | undefined {
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a !== "string" || typeof b !== "string") return undefined;
  const kind = (s: string) => (DATE_RE.test(s) ? "d" : DATETIME_RE.test(s) ? "dt" : TIME_RE.test(s) ? "t" : undefined);
  const ka = kind(a);
  if (!ka || ka !== kind(b)) return undefined;
  return a < b ? -1 : a > b ? 1 : 0;
}

// ------------------------------------------------------------------------------------------------ related fields

/** Days from date(-time) `a` to `b`, or undefined. */
function spanDays(a: string, b: string): number | undefined {
  const t = (s: string) => Date.parse(DATE_RE.test(s) ? `${s}T00:00:00Z` : s);
  const d = (t(b) - t(a)) / 86_400_000;
  return Number.isFinite(d) ? d : undefined;
}

/** The sibling of `name` that is its start (or source) in `pairs`: check_in for check_out, origin for destination. */
export function partner(
  name: string,
  names: readonly string[],
  pairs: readonly V.FieldPair[],
): { key: string; maxDays?: number } | undefined {
  const w = identifierWords(name);
  const byNorm = new Map(names.map((n) => [identifierWords(n).join("_"), n]));
  for (let i = 0; i < w.length; i++) {
    const pair = pairs.find((p) => p.end === w[i]);
    if (!pair) continue;
    for (const s of pair.starts) {
      const cand = [...w.slice(0, i), s, ...w.slice(i + 1)].join("_");
      const hit = byNorm.get(cand);
      if (hit !== undefined && hit !== name) return pair.maxDays !== undefined ? { key: hit, maxDays: pair.maxDays } : { key: hit };
    }
  }
  return undefined;
}

export interface Siblings {
  /** Names of the fields next to this one (the tool's other parameters, the object's other keys). */
  names: readonly string[];
  /** The value of a sibling (undefined when it has none). */
  get: (name: string) => unknown;
  /** Another candidate value for this field (attempt 1, 2, ...), for pairs that must differ. */
  regen?: (attempt: number) => unknown;
  rng: Rng;
  schema?: JsonSchema;
  /** The value is an argument the user states (a temperature given in kelvin is in the hundreds). */
  argument?: boolean;
}

/**
 * `value` for field `name`, adjusted to agree with its siblings: an end date/time/number after its start, a value
 * different from its source counterpart, a postal code and a country that belong to the city. Returns the value
 * unchanged when nothing applies.
 */
export function coherent(name: string, value: unknown, s: Siblings): unknown {
  const fixed = Array.isArray(s.schema?.enum) || (s.schema !== undefined && "const" in s.schema);
  const n = name.toLowerCase();
  // The category of the product searched for ("desk lamp" -> home), when the schema allows it.
  if (n === "category" && typeof value === "string") {
    const q = s.get(s.names.find((k) => /^(query|q|keywords?|search_?term)$/i.test(k)) ?? "");
    const words = typeof q === "string" ? q.toLowerCase().split(/\s+/).filter((w) => w.length > 2) : [];
    const hit = Object.entries(V.PRODUCT_INFO).find(([p]) => words.length > 0 && words.every((w) => p.toLowerCase().includes(w)));
    const allowed = Array.isArray(s.schema?.enum) ? s.schema.enum : undefined;
    if (hit && (!allowed || allowed.includes(hit[1].category))) return hit[1].category;
  }
  const start = partner(name, s.names, V.RANGE_PAIRS);
  if (start !== undefined && !fixed) {
    const sv = s.get(start.key);
    const cmp = compareValues(value, sv);
    const span = typeof sv === "string" && typeof value === "string" ? spanDays(sv, value) : undefined;
    const tooLong = start.maxDays !== undefined && span !== undefined && span > start.maxDays;
    if (cmp !== undefined && (cmp <= 0 || tooLong)) {
      if (typeof sv === "number" && typeof value === "number") {
        const integer = Number.isInteger(sv) && Number.isInteger(value);
        let v = sv + Math.max(3, Math.abs(sv) * (0.1 + s.rng.next() * 0.3));
        v = integer ? Math.round(v) : Math.round(v * 100) / 100;
        const max = typeof s.schema?.maximum === "number" ? s.schema.maximum : undefined;
        if (max === undefined || v <= max) return v;
      } else if (typeof sv === "string" && DATE_RE.test(sv)) {
        // within the pair's span (an arrival date is the departure date or the day after)
        return addDays(sv, s.rng.int(1, Math.max(1, Math.min(7, Math.floor(start.maxDays ?? 7)))));
      } else if (typeof sv === "string" && DATETIME_RE.test(sv)) {
        return addHours(sv, s.rng.int(1, 10)) ?? value;
      } else if (typeof sv === "string") {
        const m = TIME_RE.exec(sv)!;
        const h = Math.min(23, Number(m[1]) + s.rng.int(1, 3));
        return `${pad2(h)}:${m[2]}${m[3] ?? ""}`;
      }
    }
    if (cmp !== undefined) return value;
  }
  const source = partner(name, s.names, V.DISTINCT_PAIRS);
  if (source !== undefined && s.regen && (typeof value === "string" || typeof value === "number")) {
    const sv = s.get(source.key);
    let v = value;
    for (let i = 1; i <= 8 && v === sv; i++) {
      const next = s.regen(i);
      if (typeof next === "string" || typeof next === "number") v = next;
    }
    return v;
  }
  if (!fixed && s.argument && typeof value === "number" && /temp/.test(n)) {
    const unitKey = s.names.find((k) => k !== name && /unit|scale/i.test(k) && !/^to_|target/i.test(k));
    const unit = unitKey !== undefined ? s.get(unitKey) : undefined;
    if (typeof unit === "string" && /^k/i.test(unit)) return Math.round((value + 273.15) * 100) / 100;
    if (typeof unit === "string" && /^f/i.test(unit)) return Math.round(((value * 9) / 5 + 32) * 100) / 100;
  }
  if (!fixed && typeof value === "string") {
    // destination_city next to destination=LIS -> Lisbon
    const w = identifierWords(name);
    if (w.length > 1 && w[w.length - 1] === "city") {
      const airportKey = s.names.find((k) => identifierWords(k).join("_") === w.slice(0, -1).join("_"));
      const code = airportKey !== undefined ? s.get(airportKey) : undefined;
      if (typeof code === "string" && V.AIRPORT_CITY[code]) return V.AIRPORT_CITY[code];
    }
    if (/flight_?(number|no|num)$/.test(n)) {
      const airline = s.get(s.names.find((k) => /^airline(_name)?$/i.test(k)) ?? "");
      const code = typeof airline === "string" ? V.AIRLINE_CODE[airline] : undefined;
      if (code) return value.replace(/^[A-Z]{2}/, code);
    }
    if (/^(description|summary|details|category)$/.test(n)) {
      const product = s.get(s.names.find((k) => /^(name|title|product_name)$/i.test(k)) ?? "");
      const info = typeof product === "string" ? V.PRODUCT_INFO[product] : undefined;
      if (info) return n === "category" ? info.category : info.description;
    }
    const cityKey = s.names.find((k) => k !== name && /(^|_)(city|town)$/i.test(k));
    const city = cityKey !== undefined ? s.get(cityKey) : undefined;
    const info = typeof city === "string" ? V.CITY_INFO[city] : undefined;
    if (info && /(postal|zip|postcode)/.test(n) && typeof s.schema?.pattern !== "string") return s.rng.pick(info.postal);
    if (info && /(^|_)country(_code)?$/.test(n) && typeof s.schema?.pattern !== "string")
      return /^[A-Z]{2,3}$/.test(value) ? info.code : info.country;
  }
  return value;
}

// ------------------------------------------------------------------------------------------------ strings

const CREATE_NEW = new Set(["create", "new", "open", "register", "start", "init", "initialize"]);
const STATUS_BY_ACTION: Partial<Record<ActionKind, string[]>> = {
  create: ["confirmed", "processing", "pending", "paid", "created", "booked", "placed", "scheduled", "open", "active",
    "new", "received", "submitted", "success", "ok", "accepted", "reserved", "sent"],
  cancel: ["cancelled", "canceled", "refunded", "voided", "closed", "resolved", "revoked", "success"],
  delete: ["deleted", "removed", "archived", "success", "ok"],
  update: ["updated", "active", "success", "ok", "completed", "saved"],
};

/** A status that fits what the tool did, among `allowed` (or a default list). */
export function statusFor(h: ValueHints, rng: Rng, allowed?: readonly unknown[]): unknown {
  const kind = actionKind(h.tool);
  const pref = STATUS_BY_ACTION[kind];
  if (allowed) {
    const lower = allowed.map((a) => (typeof a === "string" ? a.toLowerCase() : a));
    const hits = pref ? allowed.filter((_, i) => pref.includes(String(lower[i]))) : [];
    if (hits.length > 0) {
      // keep the most likely first ones (a new order is "paid" before it is "packed")
      const ranked = hits.sort((a, b) => pref!.indexOf(String(a).toLowerCase()) - pref!.indexOf(String(b).toLowerCase()));
      return rng.pick(ranked.slice(0, 2));
    }
    return rng.pick(allowed);
  }
  if (pref) return rng.pick(pref.slice(0, 3));
  return rng.pick(["active", "completed", "available"]);
}

function stringFor(h: ValueHints, rng: Rng): string | undefined {
  const n = h.name.toLowerCase();
  const words = identifierWords(h.name);
  const desc = (h.description ?? "").toLowerCase();
  const ctx = `${desc} ${(h.toolDescription ?? "").toLowerCase()}`;
  const person = personFor(h, rng);
  const [first = "Alex", ...rest] = person.split(/\s+/);
  const last = rest.join(" ") || "Morgan";
  const theme = themeFor(h);
  const opts = optionsFromDescription(h.description);
  if (opts.length > 0) return rng.pick(opts);
  if (/e_?mail/.test(n) && !/(subject|body|content|message|text)$/.test(n))
    return `${first}.${last}`.toLowerCase().replace(/\s+/g, "") + "@example.com";
  if (/first_?name|given_?name/.test(n)) return first;
  if (/last_?name|surname|family_?name/.test(n)) return last;
  if (/file_?name/.test(n)) return rng.pick(V.FILES);
  if (/user_?name$|login|handle|nickname/.test(n)) return `${first}${last}`.toLowerCase().replace(/\s+/g, "") + digits(rng, 2);
  if (words[words.length - 1] === "name" || /^(cardholder|holder|passenger|guest|customer|recipient|attendee)$/.test(n))
    return entityName(h, words.slice(0, -1), rng);
  if (/(_by$|assignee|reporter)/.test(n))
    return h.purpose === "argument" ? person : rng.pick(["support_agent", "admin", "j.miller", "ops_team"]);
  if (/(owner|author|creator|organizer|recipient|contact$)/.test(n)) return person;
  if (/birth|dob/.test(n)) return `19${rng.int(60, 99)}-${pad2(rng.int(1, 12))}-${pad2(rng.int(1, 28))}`;
  if (/expir/.test(n) && !/_at$|time/.test(n)) return `${pad2(rng.int(1, 12))}/20${rng.int(26, 30)}`;
  if (/(_at|timestamp|datetime|date_time)$/.test(n) || /iso 8601 date and time/.test(desc)) return futureDateTime(rng);
  if (/date|day/.test(n) || /yyyy-mm-dd/.test(desc)) return futureDate(rng);
  if (/time/.test(n)) return `${pad2(rng.int(8, 20))}:${rng.pick(["00", "15", "30", "45"])}`;
  if (/card_?number/.test(n)) return "4" + digits(rng, 15);
  if (/(cvv|cvc|verification_(number|value|code)|security_code)/.test(n)) return digits(rng, 3);
  if (/passport/.test(n)) return rng.pick(["P", "X", "K"]) + digits(rng, 8);
  if (/phone|mobile/.test(n)) return `+1-555-${digits(rng, 3)}-${digits(rng, 4)}`;
  if (/tracking/.test(n)) return `1Z${alnum(rng, 6, UPPER)}${digits(rng, 8)}`;
  if (/flight_?(number|no|num)$/.test(n)) return `${rng.pick(V.AIRLINE_CODES)}${rng.int(100, 999)}`;
  if (/(promo|coupon|voucher|discount)_?code/.test(n)) return rng.pick(["SAVE10", "WELCOME15", "SPRING20"]);
  if (/airport|iata/.test(n) || /airport|iata/.test(desc)) return rng.pick(V.AIRPORTS);
  if (/(from|to|origin|destination|departure|arrival)$/.test(n) && /airport|iata|flight/.test(ctx)) return rng.pick(V.AIRPORTS);
  if (/(postal|zip|postcode)/.test(n)) {
    const info = V.CITY_INFO[argCity(h.args) ?? ""] ?? V.CITY_INFO[rng.pick(V.CITIES)]!;
    return rng.pick(info.postal);
  }
  if (/street|address_?line/.test(n)) return `${rng.int(2, 240)} ${rng.pick(V.STREETS)}`;
  if (/address/.test(n) && !/e_?mail|ip/.test(n))
    return `${rng.int(2, 240)} ${rng.pick(V.STREETS)}, ${argCity(h.args) ?? rng.pick(V.CITIES)}`;
  if (/country/.test(n))
    return /\b(iso|code|alpha)\b/.test(desc) || /code$/.test(n) ? rng.pick(V.COUNTRY_CODES) : rng.pick(V.COUNTRIES);
  if (/city|location|destination|origin|place|town|from$|to$/.test(n)) return h.purpose === "result" ? (argCity(h.args) ?? rng.pick(V.CITIES)) : rng.pick(V.CITIES);
  if (/currency/.test(n)) return rng.pick(V.CURRENCIES);
  if (/password|secret|passphrase/.test(n)) return alnum(rng, 6) + rng.pick(["!", "#", "%"]) + digits(rng, 3);
  if (/token_?type/.test(n)) return "Bearer";
  if (/token$/.test(n)) return `tok_${alnum(rng, 16)}`;
  if (/(api_?key|client_?id|^key$|_key$)/.test(n)) return `${words[0] ?? "key"}_${alnum(rng, 10)}`;
  if (/(^|_)id$|^uuid$/.test(n) || /Id$/.test(h.name)) {
    const entity = words.length > 1 ? words.slice(0, -1).join("_") : (contextWords(h).parent[0] ?? contextWords(h).tool[0] ?? "ref");
    return `${entity}_${alnum(rng, 6)}`;
  }
  if (/(^|_)lang(uage)?(_code)?$|locale/.test(n)) return rng.pick(["en", "es", "fr", "de"]);
  if (/(reference|confirmation|(^|_)ref$|_number$|_no$|_code$)/.test(n)) return `${alnum(rng, 3, UPPER).replace(/\d/g, "K")}${digits(rng, 5)}`;
  if (/class$/.test(n)) return rng.pick(["economy", "business", "first"]);
  if (/priority|severity/.test(n)) return rng.pick(["low", "medium", "high"]);
  if (/(^|_)(status|state)$/.test(n)) return String(statusFor(h, rng));
  if (/airline/.test(n)) return rng.pick(V.AIRLINES);
  if (/carrier|courier/.test(n)) return theme === "flight" ? rng.pick(V.AIRLINES) : rng.pick(V.COURIERS);
  if (/condition|weather|sky|conditions$/.test(n))
    return theme === "weather" || /weather|sky|rain|sunny/.test(ctx) ? rng.pick(V.WEATHER_CONDITIONS) : rng.pick(["new", "like new", "used"]);
  if (/pollutant/.test(n)) return rng.pick(V.POLLUTANTS);
  if (/advice|recommendation|tip$/.test(n)) return rng.pick(V.ADVICE);
  if (/cuisine|food/.test(n)) return rng.pick(V.CUISINES);
  if (/(^|_)(format|file_type|extension)$/.test(n)) return rng.pick(["pdf", "csv", "json"]);
  if (/(sort|order)_?by$|^sort$/.test(n)) return rng.pick(["price", "rating", "relevance"]);
  if (/(sort_)?(order|direction)$/.test(n)) return rng.pick(["asc", "desc"]);
  if (/timezone|time_zone|tz$/.test(n)) return rng.pick(["Europe/Lisbon", "America/Chicago", "Asia/Tokyo"]);
  if (/(type|kind|category|tier|plan|level|mode)$/.test(n)) {
    if (/category/.test(n) && theme === "product") return rng.pick(["clothing", "outdoor", "electronics", "home"]);
    return rng.pick(h.purpose === "argument" ? ["standard", "premium", "basic"] : ["standard", "premium"]);
  }
  if (/url|link|website|endpoint/.test(n)) return `https://www.example.com/${words[0] ?? "page"}/${alnum(rng, 5)}`;
  if (/lang/.test(n)) return rng.pick(["en", "es", "fr", "de"]);
  if (/unit/.test(n)) return rng.pick(["metric", "imperial"]);
  if (/(^|_)(title|subject|headline|topic)$/.test(n)) {
    if (theme === "message") return rng.pick(["Trip plans", "Invoice for March", "Quick question about Friday", "Meeting notes"]);
    if (theme === "event") return rng.pick(V.MEETING_TITLES);
    const list = theme && theme !== "flight" && theme !== "weather" ? THEME_NAMES[theme] : undefined;
    return rng.pick(matching(list ?? ["Weekend plans", "Quarterly planning", "Team sync", "Trip ideas"], h));
  }
  if (/(query|keyword|search|term|^q$)/.test(n)) {
    switch (theme) {
      case "product":
        return rng.pick(V.PRODUCT_QUERIES);
      case "note":
        return rng.pick(V.NOTE_QUERIES);
      case "support":
        return rng.pick(V.SUPPORT_TOPICS);
      case "hotel":
        return `hotels in ${rng.pick(V.CITIES)}`;
      case "restaurant":
        return `${rng.pick(V.CUISINES).toLowerCase()} restaurants`;
      case "music":
        return rng.pick(V.ARTISTS);
      case "message":
        return rng.pick(["invoice", "trip plans", "meeting notes"]);
      default: {
        const list = theme ? THEME_NAMES[theme] : undefined;
        return rng.pick(list ?? V.GENERIC_QUERIES);
      }
    }
  }
  if (/reason/.test(n)) return rng.pick(["My plans changed.", "I found a better option.", "The trip was postponed."]);
  if (/(review|feedback|comment)/.test(n)) return rng.pick(V.REVIEW_TEXTS);
  if (/(message|description|body|content|text|note|resolution|details|snippet|excerpt|preview|caption|summary|bio|instructions)/.test(n)) {
    if (theme === "note") return rng.pick(V.NOTE_TEXTS);
    if (theme === "support") return rng.pick(V.SUPPORT_TEXTS);
    if (theme === "message" || theme === "event") return rng.pick(V.MESSAGE_TEXTS);
    if (theme === "product" && /description|details|summary/.test(n)) return rng.pick(V.PRODUCT_TEXTS);
    if (h.purpose === "result" && /message|resolution/.test(n)) return rng.pick(V.RESULT_MESSAGES);
    if (h.purpose === "result") return rng.pick(["Popular choice with consistently good reviews.", "Available now, with free cancellation.", "Recently updated and well reviewed."]);
    return rng.pick(V.MESSAGE_TEXTS);
  }
  if (/(scope)/.test(n)) return rng.pick(["read_write", "read"]);
  if (/(^|_)(symbol|ticker|stock)$/.test(n)) return rng.pick(["AAPL", "MSFT", "TSLA", "NVDA", "AMZN"]);
  if (/(^|_)(tags?|labels?|keywords?)$/.test(n)) return rng.pick(["work", "personal", "urgent", "travel", "ideas", "finance"]);
  if (/(^|_)(color|colour)$/.test(n)) return rng.pick(["blue", "green", "red", "black"]);
  if (/(^|_)(size)$/.test(n)) return rng.pick(["S", "M", "L", "XL"]);
  if (/(^|_)(brand|company|vendor|merchant|store|shop|employer|organization)(_name)?$/.test(n)) return rng.pick(V.COMPANIES);
  if (/(product|item)(_name)?$/.test(n)) return rng.pick(V.PRODUCTS);
  if (/(hotel)(_name)?$/.test(n)) return rng.pick(V.HOTELS);
  if (/(restaurant)(_name)?$/.test(n)) return rng.pick(V.RESTAURANTS);
  if (/(movie|film)$/.test(n)) return rng.pick(V.MOVIES);
  if (/(song|track)$/.test(n)) return rng.pick(V.SONGS);
  if (/(artist|band|singer)$/.test(n)) return rng.pick(V.ARTISTS);
  if (/(genre)$/.test(n)) return rng.pick(["jazz", "drama", "comedy", "pop"]);
  if (/(fiscal_year|year)/.test(n)) return `${rng.int(2024, 2026)}`;
  return undefined;
}

/** A last-resort string: an example from the description ("e.g. X"), else a proper-name label for the field. */
function fallbackString(h: ValueHints, rng: Rng): string {
  const eg = /(?:e\.g\.|for example|such as)[,:]?\s*['"]?([A-Za-z0-9][\w\- .]{0,30}?)['"]?(?:[,;)]|\.(?:\s|$)|$)/i.exec(h.description ?? "");
  if (eg && eg[1]!.trim() !== "") return eg[1]!.trim();
  const words = identifierWords(h.name).filter((w) => !GENERIC_WORDS.has(w));
  const noun = words[words.length - 1];
  return noun ? `${rng.pick(V.PROPER)} ${noun}` : rng.pick(V.PROPER);
}

// ------------------------------------------------------------------------------------------------ results

const TOTAL_KEYS = /^(total|subtotal|total_price|total_amount|amount_total|grand_total|order_total|cart_total)$/i;
const LINE_KEYS = /(line_total|subtotal|amount|line_price)$/i;

/** Results: totals that add up their lines, consecutive days in per-day lists. */
export function tidyResultRecord(out: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(out)) {
    if (!Array.isArray(v) || v.length === 0 || !v.every(isRecord)) continue;
    const rows = v as Record<string, unknown>[];
    const lineKey = Object.keys(rows[0]!).find((x) => LINE_KEYS.test(x) && typeof rows[0]![x] === "number");
    if (lineKey) {
      const sum = Math.round(rows.reduce((s, r) => s + (typeof r[lineKey] === "number" ? (r[lineKey] as number) : 0), 0) * 100) / 100;
      for (const t of Object.keys(out)) if (TOTAL_KEYS.test(t) && typeof out[t] === "number" && t !== k) out[t] = sum;
    }
    const dateKey = Object.keys(rows[0]!).find((x) => /(^|_)(date|day)$/.test(x) && typeof rows[0]![x] === "string" && DATE_RE.test(rows[0]![x] as string));
    if (dateKey) rows.forEach((r, i) => (r[dateKey] = addDays(rows[0]![dateKey] as string, i)));
  }
  for (const [t, v] of Object.entries(out)) {
    if (TOTAL_KEYS.test(t) && typeof v === "number" && Object.values(out).some((x) => Array.isArray(x) && x.length === 0)) {
      const empty = Object.entries(out).some(([k2, x]) => Array.isArray(x) && x.length === 0 && /items|lines|products|entries/.test(k2));
      if (empty) out[t] = 0;
    }
  }
}

/** Re-apply the result rules (totals, day lists, ranges) to every record of a value, e.g. after echoing arguments. */
export function tidyResult(value: unknown, rng: Rng, locked?: (rec: Record<string, unknown>, key: string) => boolean): void {
  if (Array.isArray(value)) {
    value.forEach((v) => tidyResult(v, rng, locked));
    return;
  }
  if (!isRecord(value)) return;
  for (const v of Object.values(value)) tidyResult(v, rng, locked);
  const before = { ...value };
  tidyResultRecord(value);
  const names = Object.keys(value);
  for (const k of names) {
    if (locked?.(value, k)) {
      value[k] = before[k];
      continue;
    }
    value[k] = coherent(k, value[k], { names, get: (x) => value[x], rng });
  }
}

// ------------------------------------------------------------------------------------------------ valueFor

/** The basic type of a leaf schema ("string" when it names none), or undefined for a composite or container. */
function leafType(schema: JsonSchema): string | undefined {
  const t = typeof schema.type === "string" ? schema.type : Array.isArray(schema.type) ? schema.type.find((x) => x !== "null") : undefined;
  if (typeof t === "string") return t;
  if (schema.properties !== undefined || schema.items !== undefined) return undefined;
  return "string";
}

/** `s` brought within [min, max] characters: repeated (words, not filler characters) or cut. */
export function fitLength(s: string, min: number, max: number): string {
  let out = s;
  if (out.length < min) {
    const base = out.trim() === "" ? "a" : out;
    while (out.length < min) out = out === "" ? base : `${out} ${base}`;
  }
  return out.length > max ? out.slice(0, max) : out;
}

/**
 * The one leaf value generator of the sim backend: a realistic string, number or boolean for the field named in
 * `h`, from the shared vocabulary (vocab.ts) and the field's context. fakeValue uses it for the leaves of the
 * values it builds, and schemaExample's readable mode for the leaves of any schema. `type` defaults to the
 * schema's own. Undefined for what it does not make: containers, and strings whose pattern or format (other than
 * date, date-time and email) the caller's generator has to follow.
 */
export function valueFor(schema: JsonSchema, h: ValueHints, rng: Rng, type = leafType(schema)): string | number | boolean | undefined {
  switch (type) {
    case "boolean":
      return h.purpose === "result" ? !/fail|error|expired/i.test(h.name) : rng.chance(0.7);
    case "integer":
      return numberFor(schema, h, rng, true);
    case "number":
      return numberFor(schema, h, rng, false);
    case "string": {
      if (typeof schema.pattern === "string" || typeof schema.format === "string") {
        if (schema.format === "date") return futureDate(rng);
        if (schema.format === "date-time") return futureDateTime(rng);
        if (schema.format === "email") return stringFor({ ...h, name: "email" }, rng);
        return undefined;
      }
      const s = stringFor(h, rng) ?? fallbackString(h, rng);
      const min = typeof schema.minLength === "number" ? schema.minLength : 0;
      return fitLength(s, min, typeof schema.maxLength === "number" ? schema.maxLength : Infinity);
    }
    default:
      return undefined;
  }
}

// ------------------------------------------------------------------------------------------------ results of creation

/** Whether the top-level list `field` of what `tool` returns starts empty (a cart just created has no items). */
export function startsEmpty(tool: string | undefined, field: string): boolean {
  return (
    CREATE_NEW.has(toolVerb(tool)) &&
    /^(items|entries|lines|line_items|products|members|messages|comments|tasks|attachments|files)$/i.test(field)
  );
}
