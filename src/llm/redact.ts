/**
 * Keep API keys out of everything toolflow writes or prints. Every key the model layer is given, and every auth
 * value `synth --execute` reads from the environment, is registered here; `redact()` removes registered secrets in
 * every form a server may echo them (src/llm/secret-forms.ts: raw, JSON-escaped, URL-encoded, base64 / base64url,
 * hex, of the value and of `prefix + value`), `sk-...`-like tokens and bearer tokens from any text;
 * `redactKnown` / `redactKnownDeep` remove only the secrets (for records, whose other text must not change).
 */
import { secretScanner, type SecretScanner, type SecretSpec } from "./secret-forms.js";

export const REDACTED = "[REDACTED]";

/** Registered secrets and the prefixes each is sent with. */
const secrets = new Map<string, Set<string>>();

/**
 * Remember a secret so that later `redact()` calls remove it, in any of its encoded forms (also of each
 * `prefix + value`, e.g. "Bearer " + token). Short strings (< 6 chars) are ignored.
 */
export function registerSecret(secret: string | undefined, options: { prefixes?: readonly string[] } = {}): void {
  if (!secret || secret.length < 6) return;
  const set = secrets.get(secret) ?? new Set<string>();
  const before = set.size;
  for (const p of options.prefixes ?? []) if (p !== "") set.add(p);
  if (!secrets.has(secret) || set.size !== before) {
    secrets.set(secret, set);
    patternCache.clear();
    registeredScanner = undefined;
  }
}

const PATTERNS: RegExp[] = [
  /\bsk-[A-Za-z0-9_\-]{6,}/g, // OpenAI-style keys (sk-..., sk-proj-...)
  /\b(?:hf|gsk|xai|pk|rk)_[A-Za-z0-9]{16,}/g, // other common provider keys
  /(Bearer\s+)[^\s"',;]+/gi, // Authorization header values
  /((?:api[_-]?key|authorization|x-api-key)["']?\s*[:=]\s*["']?)[^\s"',;}]+/gi,
];

/** Scanners by the secrets they find (the registered ones plus a call's extras). */
const patternCache = new Map<string, SecretScanner | null>();
/** The scanner of the registered secrets alone (undefined: not built since the last registration). */
let registeredScanner: SecretScanner | null | undefined;

function scannerFor(extra: Iterable<string | undefined>): SecretScanner | null {
  const extras: string[] = [];
  for (const e of extra) if (typeof e === "string" && e.length >= 6 && !secrets.has(e) && !extras.includes(e)) extras.push(e);
  const specs = (): SecretSpec[] => [...[...secrets].map(([value, p]) => ({ value, prefixes: [...p] })), ...extras.map((value) => ({ value }))];
  if (extras.length === 0) {
    if (registeredScanner === undefined) registeredScanner = secrets.size === 0 ? null : secretScanner(specs());
    return registeredScanner;
  }
  const key = JSON.stringify(extras);
  let scanner = patternCache.get(key);
  if (scanner === undefined) {
    if (patternCache.size >= 32) patternCache.clear();
    scanner = secretScanner(specs());
    patternCache.set(key, scanner);
  }
  return scanner;
}

/** Text with every form of every registered (and given) secret replaced by "[REDACTED]"; nothing else changes. */
export function redactKnown(text: string, extra: Iterable<string | undefined> = []): string {
  const scanner = scannerFor(extra);
  return scanner ? scanner.replace(text, REDACTED) : text;
}

/**
 * A copy of a JSON-like value whose strings (and object keys) have every form of every registered (and given)
 * secret replaced; the value itself when there is no secret to look for.
 */
export function redactKnownDeep<T>(value: T, extra: Iterable<string | undefined> = []): T {
  const scanner = scannerFor(extra);
  if (!scanner) return value;
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === "string") return scanner.replace(v, REDACTED);
    if (depth > 200 || v === null || typeof v !== "object") return v;
    if (Array.isArray(v)) return v.map((x) => walk(x, depth + 1));
    if (Object.getPrototypeOf(v) !== Object.prototype && Object.getPrototypeOf(v) !== null) return v;
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [walk(k, depth + 1) as string, walk(x, depth + 1)]));
  };
  return walk(value, 0) as T;
}

/**
 * A value as one line of JSON, with every form of every registered secret replaced in its strings (the text is
 * searched once; the value is walked only when it may hold one: the patterns find JSON-escaped forms too).
 */
export function redactedJson(value: unknown): string {
  const line = JSON.stringify(value);
  const scanner = scannerFor([]);
  if (!scanner || line === undefined || !scanner.mayHold(line)) return line;
  return JSON.stringify(redactKnownDeep(value));
}

/** Text with every registered secret (in every form) and key-like token replaced by "[REDACTED]". */
export function redact(text: string, extra: Iterable<string | undefined> = []): string {
  let out = redactKnown(text, extra);
  for (const re of PATTERNS) {
    out = out.replace(re, (match: string, prefix?: unknown) =>
      typeof prefix === "string" && prefix.length < match.length ? `${prefix}${REDACTED}` : REDACTED,
    );
  }
  return out;
}

/** Redact an error's message, stack and string fields (and its cause chain's) in place; returns the same error. */
export function redactError<E>(err: E, extra: Iterable<string | undefined> = []): E {
  const list = [...extra].filter((s): s is string => typeof s === "string");
  let cur: unknown = err;
  for (let depth = 0; cur instanceof Error && depth < 8; depth++) {
    try {
      cur.message = redact(cur.message, list);
      if (cur.stack) cur.stack = redact(cur.stack, list);
      scrubFields(cur as unknown as Record<string, unknown>, list, 0);
    } catch {
      // some error objects have read-only fields; leave them
    }
    cur = (cur as { cause?: unknown }).cause;
  }
  return err;
}

/** Redact string fields of plain objects/arrays hanging off an error (e.g. an API error's parsed body). */
function scrubFields(obj: Record<string, unknown>, extra: string[], depth: number): void {
  if (depth > 4) return;
  for (const key of Object.keys(obj)) {
    if (depth === 0 && (key === "cause" || key === "message" || key === "stack")) continue;
    const v = obj[key];
    if (typeof v === "string") obj[key] = redact(v, extra);
    else if (Array.isArray(v) || (v !== null && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype)) {
      scrubFields(v as Record<string, unknown>, extra, depth + 1);
    }
  }
}
