/**
 * The code tables behind the provenance check's name <-> code conversions, each from a maintained data package
 * (no hand-written tables): countries (ISO 3166-1 alpha-2 / alpha-3, with the names and aliases of every locale of
 * `i18n-iso-countries`), subdivisions (ISO 3166-2 from `iso-3166`), currencies (ISO 4217 from `currency-codes`),
 * languages (ISO 639-1/2/3 from `langs`), airports and metropolitan areas (IATA, from `aircodes`) and
 * cryptocurrency symbols (from `cryptocurrencies`).
 *
 * Each table is loaded on first use (the packages are CommonJS or plain data, read with `require`; the shapes of
 * those without typings are checked with zod here, at the boundary) and indexed by code.
 */
import { createRequire } from "node:module";
import { z } from "zod";
import { iso31662 } from "iso-3166/2.js";
import { ToolflowError } from "../core/index.js";

const require = createRequire(import.meta.url);

function lazy<T>(load: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= load());
}

function loadData<S extends z.ZodTypeAny>(pkg: string, schema: S): z.infer<S> {
  const parsed = schema.safeParse(require(pkg));
  if (!parsed.success) {
    throw new ToolflowError(`reference data ${pkg}: unexpected shape (${parsed.error.issues[0]?.message ?? "invalid"})`, {
      code: "REFERENCE_DATA_INVALID",
    });
  }
  return parsed.data;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

// ---------------------------------------------------------------- countries (ISO 3166-1)

export interface Country {
  alpha2: string;
  alpha3: string;
  /** Names and aliases in every locale the package has ("Netherlands", "The Netherlands", "Niederlande", ...). */
  names: string[];
}

type CountriesModule = typeof import("i18n-iso-countries");

const countryTable = lazy(() => {
  const lib = require("i18n-iso-countries") as CountriesModule;
  const byAlpha2 = new Map<string, Country>();
  for (const [alpha2, alpha3] of Object.entries(lib.getAlpha2Codes())) {
    byAlpha2.set(alpha2, { alpha2, alpha3, names: [] });
  }
  for (const locale of lib.getSupportedLanguages()) {
    for (const [alpha2, names] of Object.entries(lib.getNames(locale, { select: "all" }))) {
      const c = byAlpha2.get(alpha2);
      if (c) for (const n of names) if (!c.names.includes(n)) c.names.push(n);
    }
  }
  const byAlpha3 = new Map<string, Country>();
  for (const c of byAlpha2.values()) byAlpha3.set(c.alpha3, c);
  return { byAlpha2, byAlpha3 };
});

/** The country with this ISO 3166-1 alpha-2 or alpha-3 code (any case). */
export function countryByCode(code: string): Country | undefined {
  const c = code.trim().toUpperCase();
  const t = countryTable();
  if (/^[A-Z]{2}$/.test(c)) return t.byAlpha2.get(c);
  if (/^[A-Z]{3}$/.test(c)) return t.byAlpha3.get(c);
  return undefined;
}

/** Every country with a code, for scans. */
export function allCountries(): Iterable<Country> {
  return countryTable().byAlpha2.values();
}

// ---------------------------------------------------------------- subdivisions (ISO 3166-2)

export interface Subdivision {
  /** e.g. "US-CA". */
  code: string;
  /** The code after the country prefix, e.g. "CA". */
  local: string;
  name: string;
  country: string;
}

const subdivisionTable = lazy(() => {
  const byLocal = new Map<string, Subdivision[]>();
  const byCode = new Map<string, Subdivision>();
  for (const e of iso31662) {
    const dash = e.code.indexOf("-");
    const s: Subdivision = { code: e.code, local: e.code.slice(dash + 1), name: e.name, country: e.code.slice(0, dash) };
    push(byLocal, s.local, s);
    byCode.set(s.code, s);
  }
  return { byLocal, byCode };
});

/** The subdivisions a code may mean: "US-CA" (one), or "CA" (every country's subdivision coded CA). */
export function subdivisionsByCode(code: string): Subdivision[] {
  const c = code.trim().toUpperCase();
  const t = subdivisionTable();
  if (/^[A-Z]{2}-[A-Z0-9]{1,3}$/.test(c)) {
    const s = t.byCode.get(c);
    return s ? [s] : [];
  }
  if (/^[A-Z0-9]{1,3}$/.test(c)) return t.byLocal.get(c) ?? [];
  return [];
}

// ---------------------------------------------------------------- currencies (ISO 4217)

export interface Currency {
  code: string;
  /** e.g. "US Dollar", "Euro", "Pound Sterling". */
  name: string;
}

type CurrencyModule = typeof import("currency-codes");

/** The currency with this ISO 4217 code (any case). */
export function currencyByCode(code: string): Currency | undefined {
  const c = code.trim().toUpperCase();
  if (!/^[A-Z]{3}$/.test(c)) return undefined;
  const rec = (require("currency-codes") as CurrencyModule).code(c);
  return rec ? { code: rec.code, name: rec.currency } : undefined;
}

// ---------------------------------------------------------------- cryptocurrencies (not in ISO 4217)

const cryptoTable = lazy(() => loadData("cryptocurrencies/cryptocurrencies.json", z.record(z.string(), z.string())));

/** The cryptocurrency with this symbol (any case: "btc" is Bitcoin), from the `cryptocurrencies` package. */
export function cryptoByCode(code: string): Currency | undefined {
  const c = code.trim().toUpperCase();
  if (!/^[A-Z0-9]{2,10}$/.test(c)) return undefined;
  const name = cryptoTable()[c];
  return name === undefined || name.trim() === "" ? undefined : { code: c, name };
}

// ---------------------------------------------------------------- languages (ISO 639)

export interface Language {
  /** The ISO 639-1, 639-2 (T and B) and 639-3 codes. */
  codes: string[];
  name: string;
  /** The language's own name ("Français"). */
  local: string;
}

type LangsModule = typeof import("langs");

const languageTable = lazy(() => {
  const rows = (require("langs") as LangsModule).all();
  const byCode = new Map<string, Language>();
  for (const r of rows) {
    const lang: Language = { codes: [...new Set([r["1"], r["2"], r["2T"], r["2B"], r["3"]])], name: r.name, local: r.local };
    for (const c of lang.codes) if (!byCode.has(c)) byCode.set(c, lang);
  }
  return byCode;
});

/** The language with this ISO 639-1/2/3 code (any case). */
export function languageByCode(code: string): Language | undefined {
  const c = code.trim().toLowerCase();
  if (!/^[a-z]{2,3}$/.test(c)) return undefined;
  return languageTable().get(c);
}

// ---------------------------------------------------------------- airports and metropolitan areas (IATA)

export interface Airport {
  iata: string;
  /** The airport's name ("Berlin Brandenburg Airport"); metropolitan-area codes have a placeholder here. */
  name: string;
  city: string;
  country: string;
  /** A metropolitan-area (city) code such as NYC or LON, not one airport. */
  metro: boolean;
}

const AirportRowZ = z.object({ iata: z.string(), name: z.string(), city: z.string(), country: z.string() }).passthrough();

const airportTable = lazy(() => {
  const rows = loadData("aircodes/data/airports.json", z.array(AirportRowZ));
  const byIata = new Map<string, Airport[]>();
  for (const r of rows) {
    if (!/^[A-Z]{3}$/.test(r.iata)) continue;
    const metro = /^metropolitan area/i.test(r.name);
    const a: Airport = { iata: r.iata, name: r.name, city: r.city, country: r.country, metro };
    push(byIata, r.iata, a);
  }
  return { byIata };
});

/** The airports (or metropolitan area) with this IATA code (any case). */
export function airportsByCode(code: string): Airport[] {
  const c = code.trim().toUpperCase();
  if (!/^[A-Z]{3}$/.test(c)) return [];
  return airportTable().byIata.get(c) ?? [];
}
