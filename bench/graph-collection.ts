/**
 * A large tool collection for the graph benchmark, grown from every BFCL tool: variant k of a tool gets a
 * prefixed/suffixed name, and each of its field names and descriptions is varied with synonyms, affixes and
 * case styles (seeded), so the copies are neither identical nor unrelated, like the many near-duplicate APIs
 * of ToolBench.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { Rng } from "../src/core/index.js";
import type { JsonSchema, ToolSpec } from "../src/core/index.js";
import { importTools } from "../src/tools/index.js";

const TOOL_PREFIXES = ["acme", "fetch", "lookup", "query", "global", "pro", "quick", "smart", "open", "cloud", "my", "api", "super", "easy", "data"];
const TOOL_SUFFIXES = ["v2", "service", "tool", "api", "plus", "lite", "pro", "beta", "ex", "now", "hub", "kit"];

/** Word -> synonyms used to vary field names and descriptions. */
const SYNONYMS: Record<string, string[]> = {
  id: ["identifier", "key", "code", "uid"],
  user: ["customer", "account", "member", "client"],
  name: ["title", "label", "full_name"],
  date: ["day", "datetime", "when"],
  start: ["begin", "from", "initial"],
  end: ["finish", "until", "final"],
  city: ["town", "municipality", "locality"],
  location: ["place", "position", "area"],
  amount: ["sum", "total", "quantity"],
  number: ["count", "num", "no"],
  price: ["cost", "rate", "fee"],
  type: ["kind", "category", "sort"],
  list: ["array", "collection", "items"],
  value: ["val", "input", "figure"],
  time: ["timestamp", "hour", "moment"],
  status: ["state", "condition"],
  email: ["mail", "email_address"],
  message: ["text", "note", "content"],
  search: ["find", "lookup"],
  query: ["keywords", "term", "search_text"],
  country: ["nation", "region"],
  address: ["addr", "street"],
  limit: ["max_results", "cap", "top_n"],
  page: ["offset", "page_index"],
  file: ["document", "doc"],
  token: ["key", "credential"],
  order: ["purchase", "request"],
  book: ["reserve"],
  booking: ["reservation"],
  flight: ["air_trip"],
  weather: ["forecast", "climate"],
  description: ["details", "summary"],
  the: ["a", "the given"],
  specified: ["given", "requested"],
  format: ["pattern", "layout"],
};
const FIELD_AFFIXES = ["primary", "target", "input", "main", "selected", "req"];
const DESCRIPTION_PREFIXES = ["", "", "Required. ", "Optional. ", "Please provide ", "Specifies ", "Used for "];
const DESCRIPTION_SUFFIXES = ["", "", " (string)", ", as text.", " for this request.", " Must be valid.", " e.g. see docs."];

/** A word as API authors abbreviate it: `location` -> `loc`, `temperature` -> `tmprtr` or `temp`. */
function abbreviate(word: string, rng: Rng): string {
  if (word.length <= 4) return word;
  return rng.chance(0.5) ? word.slice(0, rng.int(3, 4)) : word[0] + word.slice(1).replace(/[aeiou]/g, "");
}

function varyWords(words: string[], rng: Rng, p: number, abbreviations = 0): string[] {
  return words.map((w) => {
    const syn = SYNONYMS[w.toLowerCase()];
    if (syn && rng.chance(p)) return rng.pick(syn);
    return abbreviations > 0 && rng.chance(abbreviations) ? abbreviate(w, rng) : w;
  });
}

function varyFieldName(name: string, rng: Rng): string {
  const words = name.split(/_|(?=[A-Z])/).filter(Boolean).map((w) => w.toLowerCase());
  let out = varyWords(words, rng, 0.5, 0.2);
  if (rng.chance(0.25)) out = [rng.pick(FIELD_AFFIXES), ...out];
  const style = rng.next();
  if (style < 0.25) return out.map((w, i) => (i === 0 ? w : w.charAt(0).toUpperCase() + w.slice(1))).join("");
  if (style < 0.3) return out.join("-");
  return out.join("_");
}

function varyDescription(text: string, rng: Rng): string {
  const words = varyWords(text.split(" "), rng, 0.5).join(" ");
  return `${rng.pick(DESCRIPTION_PREFIXES)}${words}${rng.pick(DESCRIPTION_SUFFIXES)}`;
}

function varySchema(schema: JsonSchema, rng: Rng, depth = 0): JsonSchema {
  const out: JsonSchema = { ...schema };
  if (typeof schema.description === "string") out.description = varyDescription(schema.description, rng);
  const props = schema.properties;
  if (props && typeof props === "object" && !Array.isArray(props) && depth < 6) {
    const next: Record<string, JsonSchema> = {};
    for (const [k, v] of Object.entries(props as Record<string, JsonSchema>)) {
      let key = varyFieldName(k, rng);
      while (key in next) key += "_2";
      next[key] = varySchema(v, rng, depth + 1);
    }
    out.properties = next;
    if (Array.isArray(schema.required)) delete out.required;
  }
  if (schema.items && typeof schema.items === "object" && !Array.isArray(schema.items)) out.items = varySchema(schema.items as JsonSchema, rng, depth + 1);
  return out;
}

/** All BFCL tools (single-turn and multi-turn), as importTools gives them. */
export async function bfclTools(sharedData: string): Promise<ToolSpec[]> {
  const dir = join(sharedData, "bfcl");
  const files = [
    ...readdirSync(dir).filter((f) => /^BFCL_v4_.*\.json$/.test(f)).sort().map((f) => join(dir, f)),
    ...readdirSync(join(dir, "multi_turn_func_doc")).sort().map((f) => join(dir, "multi_turn_func_doc", f)),
  ];
  return (await importTools(files)).tools;
}

/**
 * `count` tools: the base tools (in a seeded shuffle, so a small collection mixes every BFCL file), then seeded
 * variants of them until the count is reached.
 */
export function growCollection(all: readonly ToolSpec[], count: number, seed = 1): ToolSpec[] {
  const rng = new Rng(seed);
  const base = rng.shuffle(all);
  const out: ToolSpec[] = base.slice(0, count).map((t) => ({ ...t }));
  const names = new Set(out.map((t) => t.name));
  for (let k = 1; out.length < count; k++) {
    for (const t of base) {
      if (out.length >= count) break;
      let name = `${rng.pick(TOOL_PREFIXES)}_${t.name}_${rng.pick(TOOL_SUFFIXES)}`;
      while (names.has(name)) name += `_${k}`;
      names.add(name);
      out.push({
        ...t,
        name,
        description: varyDescription(t.description, rng),
        parameters: varySchema(t.parameters as JsonSchema, rng) as ToolSpec["parameters"],
        ...(t.returns ? { returns: varySchema(t.returns, rng) } : {}),
      });
    }
  }
  return out;
}
