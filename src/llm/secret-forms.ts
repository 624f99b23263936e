/**
 * The forms in which a server may give a secret back, and one regular expression that finds them all.
 *
 * A server that echoes what it was sent (a debugging endpoint, an error page, a token introspection answer) need
 * not echo it as sent: an `Authorization: Bearer T` header comes back as T, as `Bearer T`, base64- or
 * base64url-encoded (with or without `=` padding; alone or inside the base64 of a longer text such as the whole
 * header line), hex-encoded, URL-encoded (`encodeURIComponent`, or form style with `+` for a space, lower- or
 * upper-case hex, once or twice), JSON-escaped (`\"`, `\/`, `\u0022`, also a JSON string inside a JSON string),
 * or HTML-escaped. `secretForms` lists the literal forms (raw, base64, hex) of a value and the base64 of each
 * `prefix + value`; `SecretScanner` turns each into a pattern in which every character other than a letter or
 * digit may also appear escaped in any of the ways above, so that e.g. a URL-encoded base64 form is found too.
 *
 * Base64 of a secret inside a longer base64 text depends on where the secret starts modulo 3 bytes: for each of the
 * three alignments the characters that depend only on the secret's bytes are a form of their own
 * (`base64Windows`); around a match at most 4 bits of the secret's first and last byte can remain.
 */

/** Prefixes with which a secret is commonly sent in a header; their encoded forms are found too. */
export const DEFAULT_SECRET_PREFIXES: readonly string[] = ["Bearer ", "Basic ", "token "];

/** Forms shorter than this are not searched for (too likely to occur by chance). */
const MIN_FORM_LENGTH = 6;

const b64 = (buf: Buffer): string => buf.toString("base64");
const toUrl = (s: string): string => s.replace(/\+/g, "-").replace(/\//g, "_");
const unpad = (s: string): string => s.replace(/=+$/, "");

/**
 * The characters of the base64 text of `bytes` that do not depend on what comes before or after them, for each
 * of the three alignments of `bytes` in a longer byte string (offset 0, 1 and 2 modulo 3).
 */
export function base64Windows(bytes: Buffer): string[] {
  const out: string[] = [];
  const n = bytes.length;
  for (let k = 0; k < 3; k++) {
    const enc = unpad(b64(Buffer.concat([Buffer.alloc(k), bytes])));
    // Character i holds bits [6i, 6i + 6); the secret's bytes hold bits [8k, 8(k + n)).
    const start = Math.ceil((8 * k) / 6);
    const end = Math.floor((8 * (k + n)) / 6);
    if (end > start) out.push(enc.slice(start, end));
  }
  return out;
}

/** A secret that is itself base64 (e.g. `Basic` credentials) decoded, when that gives printable text. */
function decodedBase64(secret: string): string | undefined {
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(secret) || secret.length < 8) return undefined;
  const buf = Buffer.from(secret.replace(/-/g, "+").replace(/_/g, "/"), "base64");
  const text = buf.toString("utf8");
  if (text.includes("\uFFFD") || /[\u0000-\u001f\u007f]/.test(text)) return undefined;
  // The decoding must be exact (not a text that merely happens to use base64's alphabet).
  return unpad(toUrl(b64(buf))) === unpad(toUrl(secret)) ? text : undefined;
}

/**
 * The literal forms of a secret, longest first: the value; base64 and base64url (padded and not) of the value and
 * of each `prefix + value`; hex of the value (lower and upper case); the base64 windows of the value at the three alignments; the
 * decoded text when the value is itself base64. Forms shorter than 6 characters are left out.
 */
export function secretForms(secret: string, prefixes: readonly string[] = DEFAULT_SECRET_PREFIXES): string[] {
  const forms = new Set<string>();
  const bytes = Buffer.from(secret, "utf8");
  forms.add(secret);
  // The raw `prefix + value` needs no form of its own (the value's raw form is in it; the prefix stays readable),
  // but its base64 is not made of the value's base64.
  for (const prefix of ["", ...prefixes]) {
    const std = b64(Buffer.from(prefix + secret, "utf8"));
    forms.add(std).add(unpad(std)).add(toUrl(std)).add(unpad(toUrl(std)));
  }
  const hex = bytes.toString("hex");
  forms.add(hex).add(hex.toUpperCase());
  for (const w of base64Windows(bytes)) forms.add(w).add(toUrl(w));
  const decoded = decodedBase64(secret);
  if (decoded !== undefined) forms.add(decoded);
  return [...forms].filter((f) => f.length >= MIN_FORM_LENGTH).sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");

/** A hex number as a pattern that accepts either case: 2F -> 2[fF]. */
function hexPattern(n: number, width: number): string {
  return [...n.toString(16).toUpperCase().padStart(width, "0")].map((d) => (/[A-F]/.test(d) ? `[${d}${d.toLowerCase()}]` : d)).join("");
}

/** An odd number of backslashes (1, 3, 5 or 7): a JSON escape, possibly inside JSON again. */
const ESC = String.raw`(?:\\\\){0,3}\\`;
const JSON_SHORT: Record<string, string> = { '"': '"', "\\": String.raw`\\`, "/": "/", "\b": "b", "\f": "f", "\n": "n", "\r": "r", "\t": "t" };
const HTML_NAMED: Record<string, string> = { "&": "amp", "<": "lt", ">": "gt", '"': "quot", "'": "(?:apos|#39)" };

/** One character of a form: itself, or (unless a letter or digit) escaped as JSON, URL or HTML would escape it. */
function charPattern(ch: string): string {
  if (/^[A-Za-z0-9]$/.test(ch)) return ch;
  const cp = ch.codePointAt(0)!;
  const alts: string[] = [];
  // Escaped forms first: in JSON text, `\\` must be taken whole, or the rest of the text would change meaning.
  if (ch === "\\") alts.push(String.raw`(?:\\\\){1,4}`);
  else if (JSON_SHORT[ch]) alts.push(ESC + escapeRe(JSON_SHORT[ch]));
  if (cp <= 0xffff) alts.push(`${ESC}u${hexPattern(cp, 4)}`);
  alts.push([...Buffer.from(ch, "utf8")].map((b) => `%(?:25)?${hexPattern(b, 2)}`).join(""));
  if (HTML_NAMED[ch]) alts.push(`&${HTML_NAMED[ch]};`);
  alts.push(`&#0*${cp};`, `&#[xX]0*${hexPattern(cp, 1)};`);
  if (ch === " ") alts.push(String.raw`\+`);
  if (ch === "+") alts.push(" "); // a form decoder's reading of "+"
  alts.push(escapeRe(ch));
  return `(?:${alts.join("|")})`;
}

/** The pattern of one form: every character as `charPattern` allows. */
export function formPattern(form: string): string {
  return [...form].map(charPattern).join("");
}

export interface SecretSpec {
  value: string;
  /** Prefixes the value is sent with (e.g. "Bearer "); DEFAULT_SECRET_PREFIXES are always added. */
  prefixes?: readonly string[];
}

/**
 * Finds every form of a set of secrets. `mayHold` is a quick test first: letters and digits are never escaped,
 * so each form's longest run of them (its anchor) appears as is wherever the form does; only text holding an
 * anchor is searched with the full pattern.
 */
export class SecretScanner {
  /** One global pattern for every form; the longest form wins where several start at the same place. */
  readonly pattern: RegExp;
  private readonly once: RegExp;
  /** Anchors of the forms; null when some form has none long enough (then every text is searched). */
  private readonly anchors: string[] | null;

  constructor(forms: readonly string[]) {
    const sorted = [...new Set(forms)].sort((a, b) => b.length - a.length);
    const source = sorted.map(formPattern).join("|");
    this.pattern = new RegExp(source, "g");
    this.once = new RegExp(source);
    const anchors = new Set<string>();
    let all = true;
    for (const f of sorted) {
      const runs = f.match(/[A-Za-z0-9]+/g) ?? [];
      const best = runs.reduce((a, b) => (b.length > a.length ? b : a), "");
      if (best.length >= 4) anchors.add(best);
      else all = false;
    }
    this.anchors = all ? [...anchors] : null;
  }

  /** Whether the text may hold a form (false: it holds none). */
  mayHold(text: string): boolean {
    if (this.anchors && !this.anchors.some((a) => text.includes(a))) return false;
    return this.once.test(text);
  }

  /** The text with every form replaced. */
  replace(text: string, by: string): string {
    return this.mayHold(text) ? text.replace(this.pattern, by) : text;
  }
}

/** The scanner of every form of every secret given (null when there is none). */
export function secretScanner(secrets: readonly SecretSpec[]): SecretScanner | null {
  const forms = new Set<string>();
  for (const s of secrets) {
    const prefixes = [...new Set([...(s.prefixes ?? []), ...DEFAULT_SECRET_PREFIXES])].filter((p) => p !== "");
    for (const f of secretForms(s.value, prefixes)) forms.add(f);
  }
  return forms.size === 0 ? null : new SecretScanner([...forms]);
}
