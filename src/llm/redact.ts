/**
 * Keep API keys out of everything toolflow writes or prints. Every key the model layer is given is registered
 * here; `redact()` removes registered keys, `sk-...`-like tokens and bearer tokens from any text.
 */
const secrets = new Set<string>();

/** Remember a secret so that later `redact()` calls remove it. Short strings (< 6 chars) are ignored. */
export function registerSecret(secret: string | undefined): void {
  if (secret && secret.length >= 6) secrets.add(secret);
}

const PATTERNS: RegExp[] = [
  /\bsk-[A-Za-z0-9_\-]{6,}/g, // OpenAI-style keys (sk-..., sk-proj-...)
  /\b(?:hf|gsk|xai|pk|rk)_[A-Za-z0-9]{16,}/g, // other common provider keys
  /(Bearer\s+)[^\s"',;]+/gi, // Authorization header values
  /((?:api[_-]?key|authorization|x-api-key)["']?\s*[:=]\s*["']?)[^\s"',;}]+/gi,
];

/** Text with every registered secret and key-like token replaced by "[REDACTED]". */
export function redact(text: string, extra: Iterable<string | undefined> = []): string {
  let out = text;
  const all = [...secrets, ...[...extra].filter((s): s is string => typeof s === "string" && s.length >= 6)];
  // Longest first, so a key that contains another is removed whole.
  all.sort((a, b) => b.length - a.length);
  for (const s of all) out = out.split(s).join("[REDACTED]");
  for (const re of PATTERNS) {
    out = out.replace(re, (match: string, prefix?: unknown) =>
      typeof prefix === "string" && prefix.length < match.length ? `${prefix}[REDACTED]` : "[REDACTED]",
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
