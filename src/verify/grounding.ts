/**
 * Argument provenance: is a value the assistant put into a tool call found in what it was told?
 *
 * A `SourceIndex` collects the earlier user turns and tool results of a dialogue, normalized several ways
 * (plain text, numbers, dates, times, quantities with units, word stems), and `isGrounded` looks a value up in it.
 * Normalization is deliberately modest ("within reason"): case, accents, whitespace and punctuation; number
 * formats (1,000 / 1000.0 / "1000" / "1k" / "2 million" / small number words / 15% = 0.15); dates
 * (2024-05-03 = May 3, 2024 = 3 May 2024 = 05/03/2024; a date without a year matches any year); clock times
 * (14:30 = 2:30 pm); quantities with units (5 km = 5 kilometres); booleans (yes/no, or the parameter named).
 */
import { stemmer } from "stemmer";

// ---------------------------------------------------------------- text normalization

/** Lower-case, strip accents, turn every run of non-letters/digits into one space, trim. */
export function normalizeText(text: string): string {
  // eslint-disable-next-line no-control-regex
  const base = /^[\x00-\x7f]*$/.test(text) ? text : text.normalize("NFKD").replace(/\p{M}+/gu, "");
  return base
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();
}

const STOPWORDS = new Set(
  (
    "a an the and or but of to in on at for from by with about into over after before between under " +
    "is are was were be been being am do does did have has had i me my we our you your he she it its they them " +
    "their this that these those there here what which who whom whose when where why how please can could would " +
    "will shall should may might must let lets s t just also so as if then than too very some any"
  ).split(" "),
);

/** Content words of a text, stemmed (Porter). */
export function contentStems(text: string): string[] {
  return stemsOfNormalized(normalizeText(text));
}

/**
 * Options an assistant text offers as a name with a code in brackets after it ("- **European Central Bank (eu)**",
 * "Lisbon (LIS)"): the name is the text before the brackets back to the start of its line, list mark or punctuation.
 */
export function namedCodes(text: string): Array<{ name: string; code: string }> {
  const out: Array<{ name: string; code: string }> = [];
  for (const m of text.replaceAll("*", "").matchAll(/([^\n()]*?)\(\s*`?([A-Za-z0-9][A-Za-z0-9_.-]{0,23})`?\s*\)/g)) {
    const before = m[1] ?? "";
    const name = (before.split(/[-–—•:;,.!?]\s|^\s*\d+[.)]\s/).pop() ?? "").trim();
    if (name !== "" && name.split(/\s+/).length <= 8) out.push({ name, code: m[2] ?? "" });
  }
  return out;
}

const stemCache = new Map<string, string>();

/** Porter stem of a lower-case word, memoized (bounded cache). */
export function stem(word: string): string {
  let s = stemCache.get(word);
  if (s === undefined) {
    s = stemmer(word);
    if (stemCache.size >= 50_000) stemCache.clear();
    stemCache.set(word, s);
  }
  return s;
}

function stemsOfNormalized(norm: string): string[] {
  const out: string[] = [];
  for (const w of norm.split(" ")) {
    if (w === "" || STOPWORDS.has(w)) continue;
    out.push(stem(w));
  }
  return out;
}

/** Split an identifier like `includeImages` or `max_price` into lower-case words. */
export function identifierWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .split(/[^A-Za-z0-9]+/)
    .map((w) => w.toLowerCase())
    .filter((w) => w !== "" && !STOPWORDS.has(w));
}

// ---------------------------------------------------------------- numbers

const NUMBER_WORDS: Record<string, number> = {
  zero: 0, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10,
  eleven: 11, twelve: 12, thirteen: 13, fourteen: 14, fifteen: 15, sixteen: 16, seventeen: 17, eighteen: 18,
  nineteen: 19, twenty: 20, thirty: 30, forty: 40, fifty: 50, sixty: 60, seventy: 70, eighty: 80, ninety: 90,
  hundred: 100, thousand: 1000, dozen: 12, once: 1, twice: 2, single: 1, couple: 2, pair: 2, half: 0.5,
  first: 1, second: 2, third: 3, fourth: 4, fifth: 5, sixth: 6, seventh: 7, eighth: 8, ninth: 9, tenth: 10,
};

const MULTIPLIERS: Record<string, number> = {
  k: 1e3, thousand: 1e3, m: 1e6, mn: 1e6, million: 1e6, millions: 1e6, b: 1e9, bn: 1e9, billion: 1e9,
};

/** A number token: digits with optional thousands separators and decimals, not glued to a preceding letter. */
const NUMBER_RE = /(?<![\p{L}\p{N}.])([-+]?)((?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+)(?:\s*(k|m|mn|b|bn|thousand|millions?|billion)\b)?(\s*%)?/giu;

/** Every number mentioned in a text (with 1,000 = 1000, 1.5k = 1500 (and 1.5), 15% = 15 and 0.15). */
export function extractNumbers(text: string): number[] {
  const out: number[] = [];
  for (const m of text.matchAll(NUMBER_RE)) {
    const base = Number((m[2] ?? "").replace(/,/g, ""));
    if (!Number.isFinite(base)) continue;
    const sign = m[1] === "-" ? -1 : 1;
    out.push(sign * base);
    const mult = m[3] ? MULTIPLIERS[m[3].toLowerCase()] : undefined;
    if (mult) out.push(sign * base * mult);
    if (m[4]) out.push((sign * base) / 100);
  }
  for (const w of normalizeText(text).split(" ")) {
    const n = NUMBER_WORDS[w];
    if (n !== undefined) out.push(n);
    // ordinals written as 1st, 2nd, 3rd, 4th
    const ord = /^(\d+)(st|nd|rd|th)$/.exec(w);
    if (ord) out.push(Number(ord[1]));
  }
  return out;
}

/** Parse a string that is just a number (with separators, currency sign, %), else undefined. */
export function parseNumericString(s: string): number | undefined {
  const t = s.trim().replace(/^[$€£¥]\s*/, "").replace(/\s*(usd|eur|gbp)$/i, "");
  if (!/^[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?%?$/.test(t) || !/\d/.test(t)) return undefined;
  const n = Number(t.replace(/[,%]/g, ""));
  return Number.isFinite(n) ? n : undefined;
}

function numbersEqual(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

// ---------------------------------------------------------------- units

const UNIT_ALIASES: Record<string, string> = {
  km: "km", kms: "km", kilometer: "km", kilometers: "km", kilometre: "km", kilometres: "km",
  mi: "mi", mile: "mi", miles: "mi",
  m: "m", meter: "m", meters: "m", metre: "m", metres: "m",
  cm: "cm", centimeter: "cm", centimeters: "cm", centimetre: "cm", centimetres: "cm",
  mm: "mm", ft: "ft", foot: "ft", feet: "ft", in: "in", inch: "in", inches: "in",
  kg: "kg", kgs: "kg", kilo: "kg", kilos: "kg", kilogram: "kg", kilograms: "kg",
  g: "g", gram: "g", grams: "g", lb: "lb", lbs: "lb", pound: "lb", pounds: "lb", oz: "oz", ounce: "oz", ounces: "oz",
  l: "l", liter: "l", liters: "l", litre: "l", litres: "l", ml: "ml",
  c: "c", "°c": "c", celsius: "c", f: "f", "°f": "f", fahrenheit: "f", "°": "deg", degrees: "deg", degree: "deg",
  usd: "usd", $: "usd", dollar: "usd", dollars: "usd", bucks: "usd",
  eur: "eur", "€": "eur", euro: "eur", euros: "eur", gbp: "gbp", "£": "gbp", jpy: "jpy", "¥": "jpy", yen: "jpy",
  h: "h", hr: "h", hrs: "h", hour: "h", hours: "h", min: "min", mins: "min", minute: "min", minutes: "min",
  s: "s", sec: "s", secs: "s", second: "s", seconds: "s", day: "day", days: "day", night: "night", nights: "night",
  week: "week", weeks: "week", month: "month", months: "month", year: "year", years: "year",
  "%": "%", percent: "%", pct: "%", mph: "mph", kmh: "kmh", "km/h": "kmh", gb: "gb", mb: "mb", tb: "tb",
};

// a number with its unit after it, also joined by a hyphen ("8-hour", "3-km")
const UNIT_AFTER_RE = /(?<![\p{L}\p{N}.])([-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)(?:\s*|-)(°[cf]?|%|km\/h|[\p{L}$€£¥]+)/giu;
const UNIT_BEFORE_RE = /([$€£¥])\s*([-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)/gu;

function quantityKey(n: number, unit: string): string {
  return `${Number(n.toPrecision(12))}|${unit}`;
}

/** Quantities (number + canonical unit) mentioned in a text. */
export function extractQuantities(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(UNIT_AFTER_RE)) {
    const unit = UNIT_ALIASES[(m[2] ?? "").toLowerCase()];
    if (unit) out.push(quantityKey(Number((m[1] ?? "").replace(/,/g, "")), unit));
  }
  for (const m of text.matchAll(UNIT_BEFORE_RE)) {
    const unit = UNIT_ALIASES[m[1] ?? ""];
    if (unit) out.push(quantityKey(Number((m[2] ?? "").replace(/,/g, "")), unit));
  }
  // a cardinal number word before a unit: "one-hour", "two weeks", "half hour" ("a dozen eggs" is none: no unit;
  // ordinals are left out: "second day" is not 2 days)
  for (const m of text.matchAll(WORD_UNIT_RE)) {
    const word = (m[1] ?? "").toLowerCase();
    const n = CARDINAL_WORDS.has(word) ? NUMBER_WORDS[word] : undefined;
    const unit = UNIT_ALIASES[(m[2] ?? "").toLowerCase()];
    if (n !== undefined && unit) out.push(quantityKey(n, unit));
  }
  return out;
}

const WORD_UNIT_RE = /(?<![\p{L}\p{N}])(\p{L}+)(?=[\s-]+(\p{L}+)(?![\p{L}\p{N}]))/gu;
const CARDINAL_WORDS = new Set(
  "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred thousand dozen half".split(" "),
);

/** Parse a string that is exactly a quantity like "5 km", "$20", "20 USD", "30°C"; else undefined. */
export function parseQuantityString(s: string): string | undefined {
  const t = s.trim();
  const after = /^([-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)\s*(°[cf]?|%|km\/h|[\p{L}$€£¥]+)$/iu.exec(t);
  if (after) {
    const unit = UNIT_ALIASES[(after[2] ?? "").toLowerCase()];
    if (unit) return quantityKey(Number((after[1] ?? "").replace(/,/g, "")), unit);
  }
  const before = /^([$€£¥])\s*([-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)$/u.exec(t);
  if (before) {
    const unit = UNIT_ALIASES[before[1] ?? ""];
    if (unit) return quantityKey(Number((before[2] ?? "").replace(/,/g, "")), unit);
  }
  return undefined;
}

// ---------------------------------------------------------------- dates and times

const MONTHS: Record<string, number> = {
  jan: 1, january: 1, feb: 2, february: 2, mar: 3, march: 3, apr: 4, april: 4, may: 5, jun: 6, june: 6,
  jul: 7, july: 7, aug: 8, august: 8, sep: 9, sept: 9, september: 9, oct: 10, october: 10, nov: 11,
  november: 11, dec: 12, december: 12,
};
const MONTH_RE = "(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\\.?";
const DAY_RE = "(\\d{1,2})(?:st|nd|rd|th)?";

function pad2(n: number): string {
  return String(n).padStart(2, "0");
}

function validMd(m: number, d: number): boolean {
  return m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

/** A date found in text: full (YYYY-MM-DD) or without a year (MM-DD). */
export interface FoundDates {
  full: string[];
  monthDay: string[];
}

const ISO_DATE_RE = /(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)/g;
const SLASH_DATE_RE = /(?<!\d)(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})(?!\d)/g;
const MDY_RE = new RegExp(`\\b${MONTH_RE}\\s+${DAY_RE}\\b(?:,?\\s+(\\d{4}))?`, "gi");
const DMY_RE = new RegExp(`\\b${DAY_RE}\\s+(?:of\\s+)?${MONTH_RE}\\b(?:,?\\s+(\\d{4}))?`, "gi");

/** Every date mentioned in a text, in the forms ISO, M/D/Y and D/M/Y (both read), "May 3, 2024", "3 May". */
export function extractDates(text: string): FoundDates {
  const full: string[] = [];
  const monthDay: string[] = [];
  const add = (y: number | undefined, m: number, d: number) => {
    if (!validMd(m, d)) return;
    if (y === undefined) monthDay.push(`${pad2(m)}-${pad2(d)}`);
    else full.push(`${y}-${pad2(m)}-${pad2(d)}`);
  };
  for (const m of text.matchAll(ISO_DATE_RE)) add(Number(m[1]), Number(m[2]), Number(m[3]));
  for (const m of text.matchAll(SLASH_DATE_RE)) {
    let y = Number(m[3]);
    if ((m[3] ?? "").length === 2) y += 2000;
    add(y, Number(m[1]), Number(m[2])); // M/D/Y
    add(y, Number(m[2]), Number(m[1])); // D/M/Y
  }
  for (const m of text.matchAll(MDY_RE)) {
    const month = MONTHS[(m[1] ?? "").toLowerCase()];
    if (month) add(m[3] ? Number(m[3]) : undefined, month, Number(m[2]));
  }
  for (const m of text.matchAll(DMY_RE)) {
    const month = MONTHS[(m[2] ?? "").toLowerCase()];
    if (month) add(m[3] ? Number(m[3]) : undefined, month, Number(m[1]));
  }
  return { full, monthDay };
}

/** Parse a string that is just a date (optionally with a time): candidate YYYY-MM-DD readings and the time. */
export function parseDateString(s: string): { dates: string[]; time?: string } | undefined {
  const t = s.trim();
  const iso = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/.exec(t);
  if (iso) {
    const m = Number(iso[2]);
    const d = Number(iso[3]);
    if (!validMd(m, d)) return undefined;
    const out: { dates: string[]; time?: string } = { dates: [`${iso[1]}-${iso[2]}-${iso[3]}`] };
    if (iso[4] !== undefined) out.time = `${iso[4]}:${iso[5]}`;
    return out;
  }
  // whole string must be one date in another written form
  const found = extractDates(t);
  if (found.full.length === 0) return undefined;
  const cleaned = t
    .replace(ISO_DATE_RE, "")
    .replace(SLASH_DATE_RE, "")
    .replace(MDY_RE, "")
    .replace(DMY_RE, "")
    .replace(/[\s,.]/g, "");
  if (cleaned !== "") return undefined;
  return { dates: [...new Set(found.full)] };
}

const TIME_RE = /(?<![\d:])(\d{1,2})(?::(\d{2}))?(?::\d{2})?\s*(a\.?m\.?|p\.?m\.?|h\b|o'?clock)?(?![\d])/gi;

/** Clock times (HH:MM, 24 h) mentioned in a text: 14:30, 2:30 pm, 10am, noon, midnight. */
export function extractTimes(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(TIME_RE)) {
    const hasMinutes = m[2] !== undefined;
    const suffix = (m[3] ?? "").toLowerCase().replace(/[.']/g, "");
    if (!hasMinutes && suffix === "") continue; // a bare number is not a time
    let h = Number(m[1]);
    const min = hasMinutes ? Number(m[2]) : 0;
    if (suffix.startsWith("p") && h < 12) h += 12;
    if (suffix.startsWith("a") && h === 12) h = 0;
    if (h > 23 || min > 59) continue;
    out.push(`${pad2(h)}:${pad2(min)}`);
  }
  const lower = text.toLowerCase();
  if (/\bnoon\b|\bmidday\b/.test(lower)) out.push("12:00");
  if (/\bmidnight\b/.test(lower)) out.push("00:00");
  return out;
}

/** Parse a string that is just a clock time ("14:30", "2:30 PM", "10am"), else undefined. */
export function parseTimeString(s: string): string | undefined {
  const t = s.trim();
  if (!/^\d{1,2}(?::\d{2}){0,2}\s*(?:[ap]\.?m\.?)?$/i.test(t)) return undefined;
  if (!/:|[ap]\.?m/i.test(t)) return undefined;
  const found = extractTimes(t);
  return found[0];
}

// ---------------------------------------------------------------- the source index

const AFFIRM = new Set(["yes", "yeah", "yep", "sure", "true", "ok", "okay", "definitely", "absolutely", "correct"]);
const NEGATE = new Set(["no", "not", "nope", "false", "without", "never", "none", "dont", "don", "doesn", "isn", "exclude", "skip", "nt"]);

/** A reply that starts by saying yes ("Yes, please do that.", "Sure", "Go ahead", "That's right"). */
export function isConfirmation(text: string): boolean {
  const t = normalizeText(text);
  const first = t.split(" ")[0] ?? "";
  if (first !== "true" && (AFFIRM.has(first) || CONFIRM_WORDS.has(first))) return true;
  return CONFIRM_PHRASES.some((p) => t === p || t.startsWith(`${p} `));
}
/** Yes-words beside AFFIRM's, and phrases, that open a reply saying yes. */
const CONFIRM_WORDS = new Set(["yup", "right", "exactly", "si", "oui", "ja"]);
const CONFIRM_PHRASES = ["please do", "go ahead", "sounds good", "that s right", "thats right", "do that"];

const COMMON_SHORT_WORDS = new Set(["us", "no", "ok", "hi", "go", "up", "oh", "ad", "add", "all", "new", "one", "two", "top", "out", "per", "via", "yes", "get", "set", "put", "see", "now", "off", "own", "low", "max", "min"]);
const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Everything earlier in the dialogue that a tool-call argument may be grounded in. */
export class SourceIndex {
  /** Normalized texts, each padded with spaces for whole-word search. */
  private readonly texts: string[] = [];
  private readonly numbers: number[] = [];
  private readonly numberSet = new Set<number>();
  private readonly fullDates = new Set<string>();
  private readonly monthDays = new Set<string>();
  private readonly times = new Set<string>();
  private readonly quantities = new Set<string>();
  private readonly stems = new Set<string>();
  private readonly words = new Set<string>();
  private readonly boolLeaves = new Set<string>();
  /** Every text indexed, as written (for the conversions, which read the original case and layout). */
  private readonly raw: string[] = [];
  /** Texts that only give context (the system prompt: the date a dialogue states), never a value. */
  private readonly context: string[] = [];

  private added = 0;
  /** The latest free text added (a user turn), and the range of `numbers` it introduced. */
  private latest: string | undefined;
  private latestNumbers: [number, number] = [0, 0];
  /** Stems of assistant texts the user has answered since (see addOffer), and those not answered yet. */
  private readonly offerStems = new Set<string>();
  private pendingOffers: string[] = [];
  /** Numbers an assistant question proposed that the user said yes to. */
  private readonly confirmed = new Set<number>();
  /** Codes an assistant offered beside a name ("European Central Bank (eu)") whose name the user then said. */
  private readonly chosenCodes = new Map<string, string>();

  /** Grows with every text added (caches of derived facts compare it). */
  get version(): number {
    return this.raw.length + this.context.length * 1_000_003;
  }

  /** The texts indexed so far, as written. */
  rawTexts(): readonly string[] {
    return this.raw;
  }

  /** The context texts (see addContext). */
  contextTexts(): readonly string[] {
    return this.context;
  }

  /** Add a text that may state the dialogue's date but grounds no value (the system prompt without groundInSystem). */
  addContext(text: string): void {
    this.context.push(text);
  }

  /** Number of sources added (user turns, tool results). */
  get size(): number {
    return this.added;
  }

  /** Add a free text (a user turn, or a tool result that is not JSON). */
  addText(text: string): void {
    this.added++;
    const start = this.numbers.length;
    this.indexText(text);
    this.latest = text;
    this.latestNumbers = [start, this.numbers.length];
    const said = new Set(contentStems(text));
    // a yes to the assistant's question confirms the numbers it proposed ("did you mean page 3?" "Yes"); only a
    // conversion rule may use them (conversions.ts: an integer for a number the user gave), never as a source
    const last = this.pendingOffers.at(-1);
    if (last !== undefined && isConfirmation(text)) {
      for (const q of last.match(/[^.?!\n]*\?/g) ?? []) for (const n of extractNumbers(q)) this.confirmed.add(n);
    }
    for (const o of this.pendingOffers) {
      for (const s of contentStems(o)) this.offerStems.add(s);
      for (const { name, code } of namedCodes(o)) {
        const stems = contentStems(name);
        if (stems.length > 0 && stems.every((st) => said.has(st))) this.chosenCodes.set(code.toLowerCase(), name);
      }
    }
    this.pendingOffers = [];
  }

  /** Whether the user said yes to an assistant question proposing this number (see addText). */
  isConfirmedNumber(n: number): boolean {
    return this.confirmed.has(n);
  }

  /** The name the user chose of an option the assistant offered with this code beside it (see addText), if any. */
  chosenCode(code: string): string | undefined {
    return this.chosenCodes.get(code.trim().toLowerCase());
  }

  /**
   * Add an assistant's text: never a source of values itself, but words it offered that the user then answered may
   * complete a phrase the user took up in part (conversions.ts, convertTakenUp). Counts once a user turn follows.
   */
  addOffer(text: string): void {
    if (text.trim() !== "") this.pendingOffers.push(text);
  }

  /** Add text that only states a quantity a tool result holds ("104.6 km/h", from its `returns` schema). */
  addQuantityText(text: string): void {
    this.raw.push(text);
  }

  /** The latest user turn (free text) added, if any. */
  latestText(): string | undefined {
    return this.latest;
  }

  /** Every number indexed. */
  allNumbers(): readonly number[] {
    return this.numbers;
  }

  /** The numbers indexed, except those the latest user turn introduced. */
  earlierNumbers(): number[] {
    const [a, b] = this.latestNumbers;
    return [...this.numbers.slice(0, a), ...this.numbers.slice(b)];
  }

  /** Content stems of `text`: in all, found in the sources, and found only in answered assistant offers. */
  offerCoverage(text: string): { total: number; fromSources: number; fromOffers: number } {
    const stems = contentStems(text);
    let fromSources = 0, fromOffers = 0;
    for (const s of stems) {
      if (this.stems.has(s)) fromSources++;
      else if (this.offerStems.has(s)) fromOffers++;
    }
    return { total: stems.length, fromSources, fromOffers };
  }

  private indexText(text: string): void {
    this.raw.push(text);
    const norm = normalizeText(text);
    if (norm !== "") this.texts.push(` ${norm} `);
    for (const w of norm.split(" ")) if (w !== "") this.words.add(w);
    // "don't" normalizes to "don t": keep the negation visible
    if (/n't\b/i.test(text)) this.words.add("nt");
    for (const n of extractNumbers(text)) this.addNumber(n);
    const dates = extractDates(text);
    for (const d of dates.full) {
      this.fullDates.add(d);
      this.addNumber(Number(d.slice(0, 4)));
      this.addNumber(Number(d.slice(5, 7)));
      this.addNumber(Number(d.slice(8, 10)));
    }
    for (const md of dates.monthDay) {
      this.monthDays.add(md);
      this.addNumber(Number(md.slice(0, 2)));
    }
    for (const t of extractTimes(text)) this.times.add(t);
    for (const q of extractQuantities(text)) this.quantities.add(q);
    for (const s of stemsOfNormalized(norm)) this.stems.add(s);
  }

  /** Add a tool result: JSON leaves (strings, numbers, booleans, and keys as text), or free text. */
  addToolResult(content: string): void {
    this.added++;
    let parsed: unknown;
    try {
      parsed = JSON.parse(content);
    } catch {
      this.indexText(content);
      return;
    }
    this.addJsonValue(parsed, undefined);
  }

  private addJsonValue(v: unknown, key: string | undefined): void {
    if (typeof v === "string") this.indexText(v);
    else if (typeof v === "number") this.addNumber(v);
    else if (typeof v === "boolean") {
      this.boolLeaves.add(`${key ?? ""}=${v}`);
      this.boolLeaves.add(`*=${v}`);
    } else if (Array.isArray(v)) for (const x of v) this.addJsonValue(x, key);
    else if (v !== null && typeof v === "object") {
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) this.addJsonValue(x, k);
    }
  }

  private addNumber(n: number): void {
    if (!Number.isFinite(n)) return;
    const key = Number(n.toPrecision(12));
    if (!this.numberSet.has(key)) {
      this.numberSet.add(key);
      this.numbers.push(n);
    }
  }

  hasNumber(n: number): boolean {
    if (this.numberSet.has(Number(n.toPrecision(12)))) return true;
    return this.numbers.some((x) => numbersEqual(x, n));
  }

  /** The normalized phrase occurs as whole words in some source. */
  hasPhrase(text: string): boolean {
    const norm = normalizeText(text);
    if (norm === "") return false;
    const needle = ` ${norm} `;
    return this.texts.some((t) => t.includes(needle));
  }

  /** Share of the phrase's content stems found anywhere in the sources (0 when it has none). */
  stemCoverage(text: string): { covered: number; total: number } {
    const stems = contentStems(text);
    let covered = 0;
    for (const s of stems) if (this.stems.has(s)) covered++;
    return { covered, total: stems.length };
  }

  hasDate(date: string): boolean {
    return this.fullDates.has(date) || this.monthDays.has(date.slice(5));
  }

  /** The token occurs as written (case-sensitive), not inside a longer word. */
  hasRawToken(token: string): boolean {
    const re = new RegExp(`(?<![\\p{L}\\p{N}])${token.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?![\\p{L}\\p{N}])`, "u");
    return this.raw.some((t) => re.test(t));
  }

  hasTime(time: string): boolean {
    return this.times.has(time);
  }

  hasQuantity(key: string): boolean {
    return this.quantities.has(key);
  }

  /** Some quantity in this unit ("usd", "km", ...) is mentioned. */
  hasQuantityUnit(unit: string): boolean {
    for (const q of this.quantities) if (q.endsWith(`|${unit}`)) return true;
    return false;
  }

  hasWord(word: string): boolean {
    return this.words.has(word);
  }

  hasAnyWord(words: Iterable<string>): boolean {
    for (const w of words) if (this.words.has(w)) return true;
    return false;
  }

  hasStem(stem: string): boolean {
    return this.stems.has(stem);
  }

  hasBoolLeaf(key: string, value: boolean): boolean {
    return this.boolLeaves.has(`${key}=${value}`);
  }

  static readonly AFFIRM = AFFIRM;
  static readonly NEGATE = NEGATE;
}

// ---------------------------------------------------------------- grounding one value

export interface GroundingOptions {
  /** See VerifyOptions.minTokenCoverage. */
  minTokenCoverage?: number;
}

/**
 * Is this leaf value (string, number or boolean) found in the sources? `name` is the argument's own name
 * (used for booleans: "refundable: true" is grounded when the user speaks of refundable tickets).
 */
export function isValueGrounded(
  value: unknown,
  sources: SourceIndex,
  name: string | undefined,
  options: GroundingOptions = {},
): boolean {
  if (value === null || value === undefined) return true;
  if (typeof value === "number") return sources.hasNumber(value);
  if (typeof value === "boolean") return isBooleanGrounded(value, sources, name);
  if (typeof value !== "string") return false;
  const s = value.trim();
  if (s === "") return true;
  // a code that is also a common word ("US", "IT", "NO") is found only as written, not in "tell us" or "is it"
  if (/^[A-Z]{2,3}$/.test(s) && (STOPWORDS.has(s.toLowerCase()) || COMMON_SHORT_WORDS.has(s.toLowerCase()))) {
    return sources.hasRawToken(s);
  }
  if (sources.hasPhrase(s)) return true;
  // an e-mail address is one identifier: found whole (in any case), never word by word
  if (EMAIL_RE.test(s)) return false;

  const num = parseNumericString(s);
  if (num !== undefined) return sources.hasNumber(num);

  const date = parseDateString(s);
  if (date) {
    const dateOk = date.dates.some((d) => sources.hasDate(d));
    if (!dateOk) return false;
    return date.time === undefined || date.time === "00:00" || sources.hasTime(date.time);
  }
  const time = parseTimeString(s);
  if (time) return sources.hasTime(time);

  const qty = parseQuantityString(s);
  if (qty) return sources.hasQuantity(qty);

  const lower = s.toLowerCase();
  if (lower === "true" || lower === "yes") return isBooleanGrounded(true, sources, name);
  if (lower === "false" || lower === "no") return isBooleanGrounded(false, sources, name);

  const { covered, total } = sources.stemCoverage(s);
  if (total === 0) return false;
  const min = options.minTokenCoverage ?? 0.75;
  if (total <= 2) return covered === total;
  return covered / total >= min;
}

function isBooleanGrounded(value: boolean, sources: SourceIndex, name: string | undefined): boolean {
  if (name !== undefined && sources.hasBoolLeaf(name, value)) return true;
  const nameStems = name === undefined ? [] : identifierWords(name).map((w) => stem(w));
  const named = nameStems.some((s) => sources.hasStem(s));
  if (value) return named || sources.hasAnyWord(AFFIRM);
  return sources.hasAnyWord(NEGATE);
}
