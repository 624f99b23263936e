/**
 * Text normalization for the lexical embedder: identifier splitting (camelCase, snake_case, kebab-case,
 * dotted paths, digits), lower-casing, English stop-word removal and Porter stemming (the `stemmer` package).
 */
import { stemmer } from "stemmer";

/** Common English function words and schema boilerplate that carry no meaning for matching fields. */
export const STOP_WORDS: ReadonlySet<string> = new Set(
  (
    "a an the of to in on at by for from with without into onto about as is are was were be been being " +
    "this that these those it its itself and or nor not no but if then else than so such which who whom whose " +
    "what when where why how all any each every some other own same can could will would shall should may might " +
    "must do does did done has have had having there here we you your yours they them their our us i me my he she " +
    "his her via per e g eg ie etc also only just more most less very up down out over under again further once " +
    "use used using given value values"
  ).split(/\s+/),
);

/**
 * Split an identifier or a sentence into lower-case words: `lastModifiedAfter` -> last, modified, after;
 * `HTTPResponse_code2` -> http, response, code, 2.
 */
export function splitWords(text: string): string[] {
  const spaced = text
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .replace(/([a-zA-Z])([0-9])/g, "$1 $2")
    .replace(/([0-9])([a-zA-Z])/g, "$1 $2")
    .toLowerCase();
  const out: string[] = [];
  for (const w of spaced.split(/[^a-z0-9]+/)) if (w !== "") out.push(w);
  return out;
}

const stemCache = new Map<string, string>();

/** Porter stem of one lower-case word (memoized: field vocabularies are small and repetitive). */
export function stem(word: string): string {
  let s = stemCache.get(word);
  if (s === undefined) {
    s = stemmer(word);
    if (stemCache.size < 200_000) stemCache.set(word, s);
  }
  return s;
}

/**
 * Words of a text reduced to stems, without stop words, pure numbers or one-letter words.
 * Identifiers inside the text (`booking_id`) are split like field names.
 */
export function stemTokens(text: string): string[] {
  const out: string[] = [];
  for (const w of splitWords(text)) {
    if (w.length < 2 || STOP_WORDS.has(w) || /^[0-9]+$/.test(w)) continue;
    out.push(stem(w));
  }
  return out;
}

/** Words dropped from field names: only articles and `of` (`date_of_birth`); `to`/`from` matter in `travel_to`. */
const NAME_STOP_WORDS: ReadonlySet<string> = new Set(["a", "an", "the", "of"]);

/** Stems of a field name. Unlike descriptions, a name keeps short words, numbers and most stop words. */
export function nameStems(name: string): string[] {
  const words = splitWords(name);
  const kept = words.filter((w) => !NAME_STOP_WORDS.has(w));
  return (kept.length > 0 ? kept : words).map(stem);
}
