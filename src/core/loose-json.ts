/**
 * The one reader of loose JSON: JSON as models write it and as public datasets store it. Plain JSON; JSON inside
 * ``` fences or after a sentence of prose; broken JSON that jsonrepair can fix (trailing commas, single quotes,
 * Python literals True / False / None, missing closing brackets). Only text that starts like JSON (`{` / `[`) is
 * repaired: jsonrepair turns any prose into a string, which is not JSON anybody wrote.
 *
 * Used by the model layer (structured answers, tool-call arguments written as text), the dataset readers
 * (src/data/formats) and the text-call reader (text-calls.ts).
 */
import { jsonrepair } from "jsonrepair";

export interface LooseJson {
  ok: boolean;
  value?: unknown;
  /** True when jsonrepair (or code-fence / prose stripping) was needed. */
  repaired: boolean;
  error?: string;
}

/**
 * Parse JSON the way models write it: plain JSON, JSON inside ``` fences, JSON after a sentence of prose,
 * or broken JSON that jsonrepair can fix (trailing commas, single quotes, missing brackets...). `parse` reads the
 * JSON text (`parseKeepingNumbers` keeps numbers as written, for tool-call arguments). `extract: false`: only the
 * text itself, parsed or repaired (no fences, no JSON picked out of prose).
 */
export function parseJsonLoose(
  text: string,
  parse: (text: string) => unknown = JSON.parse,
  options: { extract?: boolean } = {},
): LooseJson {
  const trimmed = text.trim();
  if (trimmed === "") return { ok: false, repaired: false, error: "empty answer where JSON was expected" };
  try {
    return { ok: true, value: parse(trimmed), repaired: false };
  } catch {
    // fall through
  }
  const candidates: string[] = [];
  if (options.extract === false) {
    if (!/^[[{]/.test(trimmed)) return { ok: false, repaired: false, error: "not JSON" };
    try {
      return { ok: true, value: parse(jsonrepair(trimmed)), repaired: true };
    } catch {
      return { ok: false, repaired: false, error: "not JSON (and could not be repaired)" };
    }
  }
  const fence = /```(?:json|JSON)?\s*\n?([\s\S]*?)```/.exec(trimmed);
  if (fence?.[1]) candidates.push(fence[1].trim());
  const start = trimmed.search(/[[{]/);
  if (start > 0) candidates.push(trimmed.slice(start));
  if (start >= 0) {
    const endObj = trimmed.lastIndexOf(trimmed[start] === "{" ? "}" : "]");
    if (endObj > start) candidates.push(trimmed.slice(start, endObj + 1));
  }
  for (const c of candidates) {
    try {
      return { ok: true, value: parse(c), repaired: true };
    } catch {
      // try the next
    }
  }
  // Only repair text that looks like JSON: jsonrepair turns any prose into a string, which is not an answer.
  for (const c of [...candidates, trimmed]) {
    if (!/^[[{]/.test(c)) continue;
    try {
      return { ok: true, value: parse(jsonrepair(c)), repaired: true };
    } catch {
      // try the next
    }
  }
  return { ok: false, repaired: false, error: "the answer is not JSON (and could not be repaired)" };
}

/**
 * Loose JSON of a dataset field or a tool call written as text (no prose around it): JSON, else repaired JSON
 * (Python-literal dicts / lists, single quotes, trailing commas); throws a SyntaxError naming the text otherwise.
 */
export function parseLooseJson(text: string, parse: (text: string) => unknown = JSON.parse): unknown {
  const r = parseJsonLoose(text, parse, { extract: false });
  if (!r.ok) throw new SyntaxError(`not JSON: ${text.slice(0, 80)}`);
  return r.value;
}
