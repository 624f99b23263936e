/**
 * Keep API keys out of everything toolflow writes or prints. Every key the model layer is given, and every auth
 * value `synth --execute` reads from the environment, is registered here; `redact()` removes registered secrets in
 * every form a server may echo them (src/llm/secret-forms.ts: raw, JSON-escaped, URL-encoded, base64 / base64url,
 * hex, of the value and of `prefix + value`), `sk-...`-like tokens and bearer tokens from any text;
 * `redactKnown` / `redactKnownDeep` remove only the secrets (for records, whose other text must not change).
 */
import { secretPattern, type SecretSpec } from "./secret-forms.js";

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
  }
}

/** Whether any secret is registered (writers skip the scan when none is). */
export function hasRegisteredSecrets(): boolean {
  return secrets.size > 0;
}

const PATTERNS: RegExp[] = [
  /\bsk-[A-Za-z0-9_\-]{6,}/g, // OpenAI-style keys (sk-..., sk-proj-...)
  /\b(?:hf|gsk|xai|pk|rk)_[A-Za-z0-9]{16,}/g, // other common provider keys
  /(Bearer\s+)[^\s"',;]+/gi, // Authorization header values
  /((?:api[_-]?key|authorization|x-api-key)["']?\s*[:=]\s*["']?)[^\s"',;}]+/gi,
];

/** Compiled patterns by the secrets they find (the registered ones plus a call's extras). */
const patternCache = new Map<string, RegExp | null>();

function patternFor(extra: Iterable<string | undefined>): RegExp | null {
  const specs: SecretSpec[] = [...secrets].map(([value, p]) => ({ value, prefixes: [...p] }));
  for (const e of extra) if (typeof e === "string" && e.length >= 6 && !secrets.has(e)) specs.push({ value: e });
  if (specs.length === 0) return null;
  const key = JSON.stringify(specs.map((s) => [s.value, s.prefixes ?? []]));
  let re = patternCache.get(key);
  if (re === undefined) {
    if (patternCache.size >= 32) patternCache.clear();
    re = secretPattern(specs);
    patternCache.set(key, re);
  }
  return re;
}

/** Text with every form of every registered (and given) secret replaced by "[REDACTED]"; nothing else changes. */
export function redactKnown(text: string, extra: Iterable<string | undefined> = []): string {
  const re = patternFor(extra);
  return re ? text.replace(re, REDACTED) : text;
}

/**
 * A copy of a JSON-like value whose strings (and object keys) have every form of every registered (and given)
 * secret replaced; the value itself when nothing was found.
 */
export function redactKnownDeep<T>(value: T, extra: Iterable<string | undefined> = []): T {
  const re = patternFor(extra);
  if (!re) return value;
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === "string") {
      re.lastIndex = 0;
      return re.test(v) ? v.replace(re, REDACTED) : v;
    }
    if (depth > 200 || v === null || typeof v !== "object") return v;
    if (Array.isArray(v)) return v.map((x) => walk(x, depth + 1));
    if (Object.getPrototypeOf(v) !== Object.prototype && Object.getPrototypeOf(v) !== null) return v;
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [walk(k, depth + 1) as string, walk(x, depth + 1)]));
  };
  return walk(value, 0) as T;
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
