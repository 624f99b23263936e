/**
 * Conversions a reviewer accepts between what the user (or a tool) said and the value a call carries: names and
 * codes (countries, subdivisions, currencies, languages, airports), month and weekday names, dates relative to a
 * date the dialogue states and ranges (`chrono-node`), units (`js-quantities`, the parameter's unit from its name
 * or description), number words (`written-number`) and phone numbers (`libphonenumber-js`).
 *
 * Each rule needs the thing it converts from in the sources: a code must map to a country, city, currency or
 * language that is named; a month number needs the month named; a converted quantity needs the quantity said; a
 * first or last day needs its month or year said. So an invented value stays ungrounded.
 */
import { createRequire } from "node:module";
import * as chrono from "chrono-node";
import Qty from "js-quantities";
import { findPhoneNumbersInText, parsePhoneNumberFromString, type PhoneNumber } from "libphonenumber-js";
import type { JsonSchema } from "../core/index.js";
import { contentStems, identifierWords, normalizeText, parseNumericString, type SourceIndex } from "./grounding.js";
import {
  airportsByCode,
  allCountries,
  countryByCode,
  cryptoByCode,
  currencyByCode,
  languageByCode,
  subdivisionsByCode,
  type Country,
} from "./reference-data.js";

const require = createRequire(import.meta.url);

/** One argument leaf with what grounding it may use: its name (the nearest key) and its sub-schema. */
export interface LeafContext {
  value: string | number | boolean | null;
  key: string | undefined;
  schema: JsonSchema | undefined;
  sources: SourceIndex;
}

// ---------------------------------------------------------------- hints from the parameter

/** Lower-case words of the parameter's name and of its schema's title and description. */
export function parameterWords(key: string | undefined, schema: JsonSchema | undefined): string[] {
  const words = key === undefined ? [] : identifierWords(key);
  for (const k of ["title", "description"]) {
    const t = schema?.[k];
    if (typeof t === "string") words.push(...normalizeText(t).split(" ").filter((w) => w !== ""));
  }
  return words;
}

/** The token occurs as written (case-sensitive), not inside a longer word: for codes such as "NL" or "U.S.". */
function hasToken(sources: SourceIndex, token: string): boolean {
  return sources.hasRawToken(token);
}

/** A name is code-like when it is upper case and at most three letters ("US", "UK", "U.S.A."). */
function isCodeLike(name: string): boolean {
  return name === name.toUpperCase() && normalizeText(name).replace(/ /g, "").length <= 3;
}

/** A place name is named in the sources: code-like names as written, others as a whole phrase (case-insensitive). */
function nameNamed(sources: SourceIndex, name: string): boolean {
  if (isCodeLike(name)) return hasToken(sources, name);
  if (normalizeText(name).length < 4) return false;
  return sources.hasPhrase(name);
}

// ---------------------------------------------------------------- codes

let countriesByNameCache: Map<string, Country[]> | undefined;

function countriesByName(name: string): Country[] {
  if (!countriesByNameCache) {
    countriesByNameCache = new Map();
    for (const c of allCountries()) {
      for (const n of c.names) {
        const k = normalizeText(n);
        const list = countriesByNameCache.get(k) ?? [];
        if (!list.includes(c)) list.push(c);
        countriesByNameCache.set(k, list);
      }
    }
  }
  return countriesByNameCache.get(normalizeText(name)) ?? [];
}

/** The name or code by which a country is named in the sources. */
function countryNamed(sources: SourceIndex, c: Country, except: string): string | undefined {
  for (const n of [...c.names, c.alpha2, c.alpha3]) {
    if (normalizeText(n) === normalizeText(except)) continue;
    if (nameNamed(sources, n)) return n;
  }
  return undefined;
}

function convertCountry(value: string, sources: SourceIndex): string | undefined {
  const code = countryByCode(value);
  const candidates = code ? [code] : countriesByName(value);
  for (const c of candidates) {
    const named = countryNamed(sources, c, value);
    if (named !== undefined) return `country (ISO 3166-1): ${value} = ${named}`;
  }
  return undefined;
}

const SUBDIVISION_WORDS = new Set(["state", "states", "province", "provinces", "region", "subdivision", "county", "prefecture", "territory", "canton", "department", "iso3166", "3166"]);

/**
 * A subdivision code: a full one ("US-CA") anywhere; a bare one ("CA", shared by many countries) only where the
 * parameter is about states or provinces, or the subdivision's country is named too.
 */
function convertSubdivision(value: string, words: string[], sources: SourceIndex): string | undefined {
  const full = /^[A-Za-z]{2}-[A-Za-z0-9]{1,3}$/.test(value);
  if (!full && !/^[A-Za-z]{2,3}$/.test(value)) return undefined;
  const hinted = full || words.some((w) => SUBDIVISION_WORDS.has(w));
  for (const s of subdivisionsByCode(value)) {
    if (!nameNamed(sources, s.name)) continue;
    const country = countryByCode(s.country);
    if (hinted || (country !== undefined && countryNamed(sources, country, value) !== undefined)) {
      return `subdivision (ISO 3166-2): ${value} = ${s.name} (${s.code})`;
    }
  }
  return undefined;
}

const CURRENCY_SYMBOL_UNITS: Record<string, string> = { USD: "usd", EUR: "eur", GBP: "gbp", JPY: "jpy" };

function convertCurrency(value: string, sources: SourceIndex): string | undefined {
  const cur = currencyByCode(value);
  if (!cur) return undefined;
  const stems = contentStems(cur.name);
  if (stems.length > 0 && stems.every((s) => sources.hasStem(s))) return `currency (ISO 4217): ${value} = ${cur.name}`;
  const unit = CURRENCY_SYMBOL_UNITS[cur.code];
  if (unit !== undefined && sources.hasQuantityUnit(unit)) return `currency (ISO 4217): ${value} = an amount in ${cur.name}`;
  return undefined;
}

function convertLanguage(value: string, sources: SourceIndex): string | undefined {
  const m = /^([A-Za-z]{2,3})(?:[-_]([A-Za-z]{2}))?$/.exec(value);
  if (!m) return undefined;
  const lang = languageByCode(m[1] ?? "");
  if (!lang) return undefined;
  const names = [...lang.name.split(/[;,]\s*/), lang.local];
  const named = names.find((n) => n !== "" && sources.hasPhrase(n));
  if (named === undefined) return undefined;
  if (m[2] !== undefined) {
    const region = countryByCode(m[2]);
    const regionNamed = region ? countryNamed(sources, region, value) : undefined;
    if (regionNamed === undefined) return undefined;
    return `language (ISO 639 with region): ${value} = ${named}, ${regionNamed}`;
  }
  return `language (ISO 639): ${value} = ${named}`;
}

function convertAirport(value: string, sources: SourceIndex): string | undefined {
  if (/^[A-Za-z]{3}$/.test(value)) {
    for (const a of airportsByCode(value)) {
      const names = [a.city, a.city.replace(/\s+city$/i, ""), ...(a.metro ? [] : [a.name])];
      const named = names.find((n) => normalizeText(n).length >= 3 && sources.hasPhrase(n));
      if (named !== undefined) return `IATA ${a.metro ? "city" : "airport"} code: ${value} = ${named}`;
    }
    return undefined;
  }
  // a city or airport name where the sources give its code
  const want = normalizeText(value);
  for (const text of sources.rawTexts()) {
    for (const m of text.matchAll(/(?<![\p{L}\p{N}])([A-Z]{3})(?![\p{L}\p{N}])/gu)) {
      const code = m[1] ?? "";
      if (airportsByCode(code).some((a) => normalizeText(a.city) === want || normalizeText(a.name) === want)) {
        return `IATA code: ${code} = ${value}`;
      }
    }
  }
  return undefined;
}

// ---------------------------------------------------------------- months, weekdays, dates

const MONTH_NAMES = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"];
const WEEKDAY_NAMES = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];

/** What the sources say about dates, derived once per version of the index. */
interface DateFacts {
  /** The date the dialogue states as today (YYYY-MM-DD), if any. */
  reference: string | undefined;
  days: Set<string>;
  /** Months named with a known year ("May 2024", or "in May" with a stated date): YYYY-MM. */
  months: Set<string>;
  /** Month numbers named at all. */
  monthNumbers: Set<number>;
  /** Weekdays named (0 = Sunday). */
  weekdays: Set<number>;
  /** Years written on their own ("2019 through 2023"). */
  years: Set<number>;
}

/** Per index: the facts of its first `texts` texts (an index only grows; a new stated date starts over). */
const dateFactCache = new WeakMap<SourceIndex, { version: number; texts: number; facts: DateFacts }>();

function pad2(n: number): string {
  return String(n).padStart(2, "0");
}

function ymd(y: number, m: number, d: number): string {
  return `${y}-${pad2(m)}-${pad2(d)}`;
}

/** Two fixed references: a result that reads the same from both does not depend on today. */
const REF_A = new Date(Date.UTC(2001, 2, 14, 12));
const REF_B = new Date(Date.UTC(2013, 8, 25, 12));

function fromRefString(s: string): Date {
  const [y, m, d] = s.split("-").map(Number);
  return new Date(Date.UTC(y ?? 2000, (m ?? 1) - 1, d ?? 1, 12));
}

/** The date the dialogue states as today: "today is ...", "current date: ...", "the date is ...". */
function statedDate(texts: readonly string[]): string | undefined {
  const cue = /\b(today|current date|the date is|date today|as of|it is now)\b/i;
  for (const text of texts) {
    for (const sentence of text.split(/(?<=[.!?\n])\s+/)) {
      if (!cue.test(sentence)) continue;
      // a date written out: the same read from two references ("today" itself is not one)
      const fromB = new Set(chrono.parse(sentence, REF_B).map((r) => componentDay(r.start)));
      for (const r of chrono.parse(sentence, REF_A)) {
        const c = r.start;
        if (c.isCertain("year") && c.isCertain("month") && c.isCertain("day") && fromB.has(componentDay(c))) return componentDay(c);
      }
    }
  }
  return undefined;
}

function componentDay(c: chrono.ParsedComponents): string {
  return ymd(c.get("year") ?? 0, c.get("month") ?? 0, c.get("day") ?? 0);
}

function dateFacts(sources: SourceIndex): DateFacts {
  const cached = dateFactCache.get(sources);
  if (cached && cached.version === sources.version) return cached.facts;
  const texts = sources.rawTexts();
  const reference = cached?.facts.reference ?? statedDate([...sources.contextTexts(), ...texts]);
  const reuse = cached !== undefined && cached.facts.reference === reference;
  const facts: DateFacts = reuse
    ? cached.facts
    : { reference, days: new Set(), months: new Set(), monthNumbers: new Set(), weekdays: new Set(), years: new Set() };
  const ref = reference !== undefined ? fromRefString(reference) : undefined;
  for (const text of texts.slice(reuse ? cached.texts : 0)) {
    const readings = ref
      ? [chrono.parse(text, ref), chrono.parse(text, ref, { forwardDate: true })]
      : [chrono.parse(text, REF_A), chrono.parse(text, REF_B)];
    const [first, second] = readings as [chrono.ParsedResult[], chrono.ParsedResult[]];
    first.forEach((r, i) => {
      const other = second.find((o) => o.index === r.index && o.text === r.text) ?? second[i];
      for (const [c, o] of [[r.start, other?.start], [r.end, other?.end]] as const) {
        if (!c) continue;
        const sameBoth = o !== undefined && componentDay(c) === componentDay(o);
        const dayLevel = c.isCertain("day") || c.isCertain("weekday");
        const yearKnown = c.isCertain("year") || ref !== undefined;
        if (dayLevel) {
          // without a stated date, only readings that do not depend on today count ("May 3", not "tomorrow")
          if (ref !== undefined) {
            facts.days.add(componentDay(c));
            if (o) facts.days.add(componentDay(o));
          } else if (sameBoth && yearKnown) facts.days.add(componentDay(c));
        } else if (c.isCertain("month")) {
          const m = c.get("month") ?? 0;
          facts.monthNumbers.add(m);
          if (yearKnown && (ref !== undefined || sameBoth)) facts.months.add(`${c.get("year") ?? 0}-${pad2(m)}`);
        }
      }
    });
    const lower = text.toLowerCase();
    MONTH_NAMES.forEach((name, i) => {
      // "may" and "march" are also verbs: only capitalized
      const re = name === "may" || name === "march" ? new RegExp(`\\b${name[0]!.toUpperCase()}${name.slice(1)}\\b`) : new RegExp(`\\b${name}\\b`, "i");
      if (re.test(text) || (name.length > 4 && new RegExp(`\\b${name.slice(0, 3)}\\b\\.?`, "i").test(lower) && name !== "march")) {
        facts.monthNumbers.add(i + 1);
      }
    });
    WEEKDAY_NAMES.forEach((name, i) => {
      if (new RegExp(`\\b${name}s?\\b`, "i").test(text)) facts.weekdays.add(i);
    });
    for (const m of text.matchAll(/(?<![\d.,/-])(1[89]\d\d|2[01]\d\d)(?![\d]|[-/.]\d)/g)) facts.years.add(Number(m[1]));
  }
  dateFactCache.set(sources, { version: sources.version, texts: texts.length, facts });
  return facts;
}

function lastDayOfMonth(y: number, m: number): number {
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

/** A date value (YYYY-MM-DD, or midnight / the last second of that day) or a month (YYYY-MM). */
function convertDate(value: string, sources: SourceIndex): string | undefined {
  const month = /^(\d{4})-(\d{2})$/.exec(value);
  const facts = () => dateFacts(sources);
  if (month) {
    return facts().months.has(value) ? `month: ${value} is named` : undefined;
  }
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](00:00(?::00(?:\.0+)?)?|23:59(?::59(?:\.9+)?)?)(?:Z|[+-]00:?00)?)?$/.exec(value);
  if (!m) return undefined;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  if (mo < 1 || mo > 12 || d < 1 || d > lastDayOfMonth(y, mo)) return undefined;
  const day = ymd(y, mo, d);
  const f = facts();
  if (f.days.has(day)) return f.reference !== undefined ? `date: ${day} relative to the stated date ${f.reference}` : `date: ${day} in words`;
  const endOfDay = m[4]?.startsWith("23:59") ?? false;
  const first = d === 1 && !endOfDay;
  const last = d === lastDayOfMonth(y, mo);
  if (f.months.has(`${y}-${pad2(mo)}`) && (first || last)) {
    return `date range: ${day} is the ${first ? "first" : "last"} day of ${MONTH_NAMES[mo - 1]} ${y}`;
  }
  if (f.years.has(y) && ((mo === 1 && first) || (mo === 12 && d === 31))) {
    return `date range: ${day} is the ${mo === 1 ? "first" : "last"} day of ${y}`;
  }
  return undefined;
}

function asInteger(value: string | number): number | undefined {
  const n = typeof value === "number" ? value : /^\s*\d{1,2}\s*$/.test(value) ? Number(value) : undefined;
  return n !== undefined && Number.isInteger(n) ? n : undefined;
}

function convertMonthNumber(value: string | number, words: string[], sources: SourceIndex): string | undefined {
  if (!words.includes("month") && !words.includes("months")) return undefined;
  const n = asInteger(value);
  if (n === undefined || n < 1 || n > 12) return undefined;
  return dateFacts(sources).monthNumbers.has(n) ? `month number: ${n} = ${MONTH_NAMES[n - 1]}` : undefined;
}

function convertWeekday(value: string | number, words: string[], sources: SourceIndex): string | undefined {
  const hinted = words.includes("weekday") || words.includes("dow") || (words.some((w) => w === "day" || w === "days") && words.includes("week"));
  let day: number | undefined;
  if (typeof value === "string" && /^[A-Za-z]{2,9}$/.test(value)) {
    const v = value.toLowerCase();
    const i = WEEKDAY_NAMES.findIndex((n) => n === v || (v.length >= 2 && v.length <= 4 && n.startsWith(v)));
    if (i >= 0 && WEEKDAY_NAMES[i] !== v) day = i;
  } else if (hinted) {
    const n = asInteger(value);
    if (n !== undefined && n >= 0 && n <= 7) day = n % 7;
  }
  if (day === undefined) return undefined;
  return dateFacts(sources).weekdays.has(day) ? `weekday: ${String(value)} = ${WEEKDAY_NAMES[day]}` : undefined;
}

// ---------------------------------------------------------------- units

/** Words js-quantities reads as a unit that are, in a name or a sentence, usually something else. */
const NOT_UNITS = new Set(["in", "at", "am", "pm", "as", "point", "points", "cd", "rad", "b", "d", "t", "c", "f", "grain", "line", "cup", "a", "e", "k", "x", "per", "second"]);
const SINGLE_LETTER_UNITS = new Set(["m", "g", "l", "s", "h"]);

function unitOf(word: string): Qty | undefined {
  if (NOT_UNITS.has(word.toLowerCase())) return undefined;
  try {
    const q = Qty(`1 ${word}`);
    return q.kind() === "unitless" ? undefined : q;
  } catch {
    return undefined;
  }
}

/**
 * Compound units as tool documents write them, read as the unit they mean: "m/h" is miles an hour in every vehicle
 * API (BFCL's `setCruiseControl`), never metres an hour.
 */
const UNIT_ALIASES: Record<string, string> = { "m/h": "mph", "mi/h": "mph", kmh: "km/h" };

/** Units written with a slash in a description ("in km/h", "m/s"), which word splitting would take apart. */
function compoundUnits(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/(?<![\p{L}\p{N}/])([\p{L}°µ]+\/[\p{L}]+)(?![\p{L}\p{N}/])/gu)) {
    const written = m[1] ?? "";
    const q = unitOf(UNIT_ALIASES[written.toLowerCase()] ?? written);
    if (q) out.push(q.units());
  }
  return out;
}

/** The units the parameter names: "radius in metres", `distance_km`, `timeout_s` (one letter only at the end of the name). */
function parameterUnits(key: string | undefined, schema: JsonSchema | undefined): string[] {
  const out = new Set<string>();
  for (const k of ["title", "description"]) {
    const t = schema?.[k];
    if (typeof t === "string") for (const u of compoundUnits(t)) out.add(u);
  }
  // "in km/h" names one unit, not km and h
  if (out.size > 0) return [...out];
  const nameWords = key === undefined ? [] : identifierWords(key);
  const words = parameterWords(key, schema);
  words.forEach((w) => {
    if (w.length === 1 && !(SINGLE_LETTER_UNITS.has(w) && nameWords[nameWords.length - 1] === w)) return;
    const q = unitOf(w);
    if (q) out.add(q.units());
  });
  return [...out];
}

/** Quantities said in the sources (number and unit), read by js-quantities. */
function sourceQuantities(sources: SourceIndex): Qty[] {
  const out: Qty[] = [];
  for (const text of sources.rawTexts()) {
    for (const m of text.matchAll(/(?<![\p{L}\p{N}.])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s*([\p{L}°µ]+(?:\/[\p{L}]+)?)/gu)) {
      const unit = m[2] ?? "";
      if (unit.length === 1 && !SINGLE_LETTER_UNITS.has(unit.toLowerCase())) continue;
      if (unitOf(unit) === undefined) continue;
      try {
        out.push(Qty(`${(m[1] ?? "").replace(/,/g, "")} ${unit}`));
      } catch {
        // not a quantity after all
      }
    }
  }
  return out;
}

/** Equal at the value's own precision (8047 for 5 miles = 8046.72 m; not 8000). */
function equalAtPrecision(converted: number, value: number): boolean {
  const decimals = (String(value).split(".")[1] ?? "").length;
  return Math.abs(converted - value) <= 0.5 * 10 ** -decimals + 1e-9 * Math.abs(value);
}

function convertUnits(value: string | number, key: string | undefined, schema: JsonSchema | undefined, sources: SourceIndex): string | undefined {
  const n = typeof value === "number" ? value : parseNumericString(value);
  if (n === undefined) return undefined;
  const units = parameterUnits(key, schema);
  if (units.length === 0) return undefined;
  for (const q of sourceQuantities(sources)) {
    for (const u of units) {
      if (q.units() === u || !q.isCompatible(u)) continue;
      const converted = q.to(u).scalar;
      if (equalAtPrecision(converted, n)) return `unit: ${q.toString()} = ${n} ${u}`;
    }
  }
  return undefined;
}

/**
 * The quantities a tool result states through its `returns` schema: a number under a field whose description (or
 * name) gives one unit ("currentSpeed: the current speed in km/h" with 104.6 gives "104.6 km/h"), so that a value
 * converted from it ("65" in mph) is found as a conversion of the result.
 */
export function resultQuantityTexts(content: string, returns: JsonSchema | undefined): string[] {
  if (!returns) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(content);
  } catch {
    return [];
  }
  const out: string[] = [];
  const visit = (v: unknown, schema: JsonSchema | undefined, key: string | undefined, depth: number): void => {
    if (depth > 8 || schema === undefined) return;
    if (typeof v === "number") {
      const units = parameterUnits(key, schema);
      if (units.length === 1) out.push(`${v} ${units[0]}`);
    } else if (Array.isArray(v)) {
      const items = schema.items;
      if (items !== null && typeof items === "object" && !Array.isArray(items)) for (const x of v) visit(x, items as JsonSchema, key, depth + 1);
    } else if (v !== null && typeof v === "object") {
      const props = schema.properties;
      if (props === null || typeof props !== "object") return;
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        const sub = (props as Record<string, unknown>)[k];
        if (sub !== null && typeof sub === "object" && !Array.isArray(sub)) visit(x, sub as JsonSchema, k, depth + 1);
      }
    }
  };
  visit(parsed, returns, undefined, 0);
  return out;
}

// ---------------------------------------------------------------- relative changes

/** Words that make a number in the user's turn a change of an earlier value ("two degrees down", "3 more"). */
const CHANGE_WORDS = new Set([
  "up", "down", "more", "less", "fewer", "lower", "higher", "raise", "increase", "decrease", "reduce", "drop",
  "bump", "add", "plus", "minus", "extra", "warmer", "cooler", "colder", "hotter", "faster", "slower", "knock",
]);

/**
 * A number that is an earlier value changed by an amount the latest user turn states, with a word of change
 * ("knock the temperature down two degrees" after 24 was reported: 22). The earlier value must come from before
 * that turn, the amount from the turn itself.
 */
function convertRelative(value: string | number, sources: SourceIndex): string | undefined {
  const n = typeof value === "number" ? value : parseNumericString(value);
  const latest = sources.latestText();
  if (n === undefined || latest === undefined) return undefined;
  const words = normalizeText(latest).split(" ");
  if (!words.some((w) => CHANGE_WORDS.has(w))) return undefined;
  const amounts = new Set<number>();
  for (const m of latest.matchAll(/(?<![\p{L}\p{N}.])(\d+(?:\.\d+)?)(?![\p{N}])/gu)) amounts.add(Number(m[1]));
  for (const w of words) {
    const k = SMALL_NUMBER_WORDS[w];
    if (k !== undefined) amounts.add(k);
  }
  for (const d of amounts) {
    if (d === 0) continue;
    for (const x of sources.earlierNumbers()) {
      if (Math.abs(x - d - n) < 1e-9) return `relative: ${x} - ${d} (the user's "${latest.trim().slice(0, 80)}")`;
      if (Math.abs(x + d - n) < 1e-9) return `relative: ${x} + ${d} (the user's "${latest.trim().slice(0, 80)}")`;
    }
  }
  return undefined;
}

const SMALL_NUMBER_WORDS: Record<string, number> = {
  one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, eleven: 11, twelve: 12,
  fifteen: 15, twenty: 20, couple: 2,
};

// ---------------------------------------------------------------- words the assistant offered

/**
 * Free text whose words the user said in part (at least half) and the assistant offered in the rest, in a message the
 * user then answered ("look up shoe covers" after the assistant suggested "disposable shoe covers").
 */
function convertTakenUp(value: string, sources: SourceIndex): string | undefined {
  const c = sources.offerCoverage(value);
  if (c.total < 2 || c.fromSources * 2 < c.total || c.fromSources + c.fromOffers < c.total || c.fromOffers === 0) return undefined;
  return "words the assistant offered and the user took up";
}

// ---------------------------------------------------------------- cryptocurrencies, period words, offered codes

const CRYPTO_PARAM_WORDS = new Set(["currency", "currencies", "coin", "coins", "crypto", "cryptocurrency", "symbol", "asset", "token", "ticker"]);

/** A cryptocurrency's symbol for its name ("btc" after "bitcoin"), when the parameter is about a currency or coin. */
function convertCrypto(value: string, words: ReadonlySet<string> | readonly string[], sources: SourceIndex): string | undefined {
  if (![...words].some((w) => CRYPTO_PARAM_WORDS.has(w))) return undefined;
  const coin = cryptoByCode(value);
  if (!coin || contentStems(coin.name).length === 0 || !sources.hasPhrase(coin.name)) return undefined;
  return `cryptocurrency: ${value} = ${coin.name}`;
}

/** The forms of a period of time a user may say and an API may want: "quarterly" for a `period` of "quarter". */
const PERIOD_FORMS: readonly (readonly string[])[] = [
  ["hour", "hours", "hourly"],
  ["day", "days", "daily"],
  ["week", "weeks", "weekly"],
  ["month", "months", "monthly"],
  ["quarter", "quarters", "quarterly"],
  ["year", "years", "yearly", "annual", "annually"],
];

function convertPeriodWord(value: string, sources: SourceIndex): string | undefined {
  const v = value.trim().toLowerCase();
  const forms = PERIOD_FORMS.find((f) => f.includes(v));
  const said = forms?.find((f) => f !== v && sources.hasWord(f));
  return said === undefined ? undefined : `period: ${value} = ${said}`;
}

/**
 * A whole number for a number the user gave with a fraction, once the user said yes to the assistant proposing it
 * ("page 3.34" ... "Did you mean page 3?" "Yes"): never silently, and only a rounding of the user's own number.
 */
function convertConfirmedWhole(value: string | number, sources: SourceIndex): string | undefined {
  const v = typeof value === "number" ? value : parseNumericString(value);
  if (v === undefined || !Number.isInteger(v) || !sources.isConfirmedNumber(v)) return undefined;
  const from = sources.allNumbers().find((n) => !Number.isInteger(n) && (Math.round(n) === v || Math.trunc(n) === v));
  return from === undefined ? undefined : `a whole number for ${from}, which the user confirmed`;
}

/**
 * A long number written in groups, sent as its digits ("49 1523 7784261" as 4915237784261, "(312) 555-0148" as
 * "3125550148"): at least 7 digits, the same digits in the same order as one span the sources wrote.
 */
function convertDigitGroups(value: string | number, sources: SourceIndex): string | undefined {
  const digits = String(value).replace(/^\+/, "");
  if (!/^\d{7,}$/.test(digits)) return undefined;
  for (const text of sources.rawTexts()) {
    for (const m of text.matchAll(/\+?\(?\d[\d\s().\/-]*\d/g)) {
      if (m[0].replace(/\D/g, "") === digits && /\D/.test(m[0].trim())) return `digits of "${m[0].trim()}"`;
    }
  }
  return undefined;
}

/** A code the assistant offered beside a name the user then chose ("European Central Bank (eu)", "use the European Central Bank"). */
function convertChosenCode(value: string, sources: SourceIndex): string | undefined {
  const name = sources.chosenCode(value);
  return name === undefined ? undefined : `the code the assistant gave for "${name}", which the user chose`;
}

// ---------------------------------------------------------------- number words, phone numbers

type WrittenNumber = (n: number, options?: { noAnd?: boolean }) => string;
let writtenNumber: WrittenNumber | undefined;

function convertNumberWords(value: string | number, sources: SourceIndex): string | undefined {
  const n = typeof value === "number" ? value : parseNumericString(value);
  if (n === undefined || !Number.isInteger(n) || n < 0 || n > 1e12) return undefined;
  writtenNumber ??= require("written-number") as WrittenNumber;
  for (const words of new Set([writtenNumber(n, { noAnd: true }), writtenNumber(n)])) {
    if (sources.hasPhrase(words)) return `number words: ${words}`;
  }
  return undefined;
}

/** The parameter is about a phone number (its name or description says phone, mobile, tel or msisdn). */
function isPhoneParam(words: ReadonlySet<string> | readonly string[]): boolean {
  for (const w of words) if (/^(phone|mobile|tel|telephone|msisdn|cell)$/.test(w)) return true;
  return false;
}

function convertPhone(value: string, sources: SourceIndex): string | undefined {
  if (!/^\+?[\d\s().-]{7,}$/.test(value) || (value.match(/\d/g) ?? []).length < 7) return undefined;
  const found = (callingCode?: string): PhoneNumber[] =>
    sources.rawTexts().flatMap((t) => findPhoneNumbersInText(t, callingCode ? { defaultCallingCode: callingCode } : undefined).map((f) => f.number));
  const parsed = value.trim().startsWith("+") ? parsePhoneNumberFromString(value) : undefined;
  if (parsed) {
    const same = found(parsed.countryCallingCode).find((p) => p.number === parsed.number);
    return same ? `phone number: ${value} = ${same.number} (E.164)` : undefined;
  }
  // a national number where the sources have it in international form
  for (const p of found()) {
    const local = parsePhoneNumberFromString(value, { defaultCallingCode: p.countryCallingCode });
    if (local && local.number === p.number) return `phone number: ${value} = ${p.number} (national form)`;
  }
  return undefined;
}

// ---------------------------------------------------------------- all rules

/**
 * How the value converts from something the sources say, or undefined. Rules run from the cheapest; the first that
 * applies names the conversion.
 */
export function convertedFrom(ctx: LeafContext): string | undefined {
  const { value, key, schema, sources } = ctx;
  if (sources.size === 0 || value === null || typeof value === "boolean") return undefined;
  const words = parameterWords(key, schema);
  const str = typeof value === "string" ? value.trim() : undefined;
  const rules: Array<() => string | undefined> = [
    () => convertMonthNumber(value, words, sources),
    () => convertWeekday(value, words, sources),
    () => (str !== undefined ? convertDate(str, sources) : undefined),
    () => convertUnits(value, key, schema, sources),
    () => convertNumberWords(value, sources),
    () => convertRelative(value, sources),
    () => (str !== undefined ? convertCountry(str, sources) : undefined),
    () => (str !== undefined ? convertAirport(str, sources) : undefined),
    () => (str !== undefined ? convertCurrency(str, sources) : undefined),
    () => (str !== undefined ? convertLanguage(str, sources) : undefined),
    () => (str !== undefined ? convertSubdivision(str, words, sources) : undefined),
    () => (str !== undefined ? convertPhone(str, sources) : undefined),
    () => (str !== undefined ? convertCrypto(str, words, sources) : undefined),
    () => (str !== undefined ? convertPeriodWord(str, sources) : undefined),
    () => (str !== undefined ? convertChosenCode(str, sources) : undefined),
    () => convertConfirmedWhole(value, sources),
    () => convertDigitGroups(value, sources),
    () => (str !== undefined && parseNumericString(str) === undefined ? convertTakenUp(str, sources) : undefined),
    // a phone number written as its E.164 digits without the "+", as a string or a JSON number (13125550148)
    () => (isPhoneParam(words) && /^\d{8,15}$/.test(String(value)) ? convertPhone(`+${String(value)}`, sources) : undefined),
  ];
  for (const rule of rules) {
    const how = rule();
    if (how !== undefined) return how;
  }
  return undefined;
}

// ---------------------------------------------------------------- values that carry nothing from the user

const PAGE_WORDS = new Set(["page", "offset", "skip", "start", "cursor", "pagenum", "pageno"]);
const SORT_VALUES = new Set(["asc", "desc", "ascending", "descending", "newest", "oldest", "latest", "earliest"]);
const SORT_WORDS = new Set(["sort", "order", "direction", "ordering", "sorting", "sortorder"]);

function schemaVariants(schema: JsonSchema | undefined): JsonSchema[] {
  if (!schema) return [];
  const out: JsonSchema[] = [schema];
  for (const k of ["anyOf", "oneOf", "allOf"]) {
    const list = schema[k];
    if (Array.isArray(list)) for (const s of list) if (s !== null && typeof s === "object" && !Array.isArray(s)) out.push(...schemaVariants(s as JsonSchema));
  }
  return out;
}

function sameJson(a: unknown, b: unknown): boolean {
  if (typeof a === "string" && typeof b === "string") return a.trim().toLowerCase() === b.trim().toLowerCase();
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Why the value needs no source, judged by the schema alone: an empty value, a boolean, an enum member, the const
 * or the default, the first page or offset (0 or 1), a sort order. Undefined when it does need one.
 */
export function defaultedBy(value: string | number | boolean | null, key: string | undefined, schema: JsonSchema | undefined): string | undefined {
  if (value === null || (typeof value === "string" && value.trim() === "")) return "empty";
  const variants = schemaVariants(schema);
  if (typeof value === "boolean") {
    const types = variants.map((v) => v.type).filter((t) => t !== undefined);
    const allows = types.length === 0 || types.some((t) => t === "boolean" || (Array.isArray(t) && t.includes("boolean")));
    return allows ? "boolean flag" : undefined;
  }
  for (const v of variants) {
    if (Array.isArray(v.enum) && v.enum.some((e) => sameJson(e, value))) return "enum member";
    if ("const" in v && sameJson(v.const, value)) return "const";
    if ("default" in v && sameJson(v.default, value)) return "schema default";
  }
  const nameWords = key === undefined ? [] : identifierWords(key);
  const n = typeof value === "number" ? value : parseNumericString(value);
  if ((n === 0 || n === 1) && nameWords.some((w) => PAGE_WORDS.has(w))) return "first page or offset";
  if (typeof value === "string" && SORT_VALUES.has(value.trim().toLowerCase())) {
    const words = parameterWords(key, schema);
    if (words.some((w) => SORT_WORDS.has(w) || w.startsWith("sort"))) return "sort order";
  }
  return undefined;
}

// ---------------------------------------------------------------- general knowledge

/**
 * Values a model knows rather than reads (the coordinates of a named square, a company's ticker symbol): flagged
 * and counted, not rejected. Undefined when the parameter does not ask for such a value.
 */
export function knowledgeOf(value: string | number | boolean | null, key: string | undefined, schema: JsonSchema | undefined): string | undefined {
  if (value === null || typeof value === "boolean") return undefined;
  const nameWords = key === undefined ? [] : identifierWords(key);
  const words = parameterWords(key, schema);
  const n = typeof value === "number" ? value : parseNumericString(value);
  const lat = nameWords.some((w) => w === "lat" || w === "latitude") || (nameWords.length <= 1 && words.includes("latitude"));
  const lon = nameWords.some((w) => w === "lon" || w === "lng" || w === "long" || w === "longitude") || (nameWords.length <= 1 && words.includes("longitude"));
  if (n !== undefined && lat && !lon && Math.abs(n) <= 90) return "coordinates (latitude)";
  if (n !== undefined && lon && !lat && Math.abs(n) <= 180) return "coordinates (longitude)";
  if (typeof value === "string" && /^\s*-?\d{1,3}(?:\.\d+)?\s*,\s*-?\d{1,3}(?:\.\d+)?\s*$/.test(value) && (words.includes("coordinates") || words.includes("latlng") || (words.includes("lat") && words.some((w) => w === "lon" || w === "lng")))) {
    return "coordinates";
  }
  if (typeof value === "string" && /^[A-Z][A-Z0-9]{0,5}(?:[.-][A-Z]{1,2})?$/.test(value.trim())) {
    const stock = words.includes("ticker") || (words.includes("symbol") && words.some((w) => w === "stock" || w === "stocks" || w === "share" || w === "shares" || w === "company" || w === "equity"));
    if (stock) return "ticker symbol";
  }
  return undefined;
}
