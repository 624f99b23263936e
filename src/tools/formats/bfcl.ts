/**
 * BFCL (Berkeley Function Calling Leaderboard) function docs:
 *  - question files (`BFCL_v4_*.json`): one JSON object a line, `{id, question, function: [doc...]}`;
 *  - multi-turn API collections (`multi_turn_func_doc/*.json`): one doc a line, with a `response` schema that
 *    becomes the tool's `returns`; the file name (e.g. `travel_booking`) is the category.
 * BFCL's `dict`, `float`, `tuple`, `any` are mapped to JSON Schema later, by the common normalizer.
 */
import { basename, dirname, extname } from "node:path";
import type { Location, ToolDraft } from "../types.js";
import { at, expectArray, expectObject, isPlainObject } from "./common.js";
import { functionToDraft } from "./openai.js";

/** True for a BFCL question record `{question, function: [...]}`. */
export function isBfclQuestion(v: unknown): boolean {
  return isPlainObject(v) && Array.isArray(v.function) && ("question" in v || "id" in v);
}

const BFCL_TYPES = new Set(["dict", "float", "tuple", "any"]);

/** True when a schema uses a BFCL-only type name somewhere, or the doc has a `response`. */
export function looksLikeBfclDoc(v: unknown): boolean {
  if (!isPlainObject(v) || typeof v.name !== "string") return false;
  if ("response" in v) return true;
  return usesBfclTypes(v.parameters, 0);
}

function usesBfclTypes(s: unknown, depth: number): boolean {
  if (depth > 30 || !isPlainObject(s)) return false;
  if (typeof s.type === "string" && BFCL_TYPES.has(s.type)) return true;
  if (isPlainObject(s.properties)) {
    for (const sub of Object.values(s.properties)) if (usesBfclTypes(sub, depth + 1)) return true;
  }
  if (isPlainObject(s.items) && usesBfclTypes(s.items, depth + 1)) return true;
  return false;
}

/** Category of a multi-turn func doc file: its base name when it sits in `multi_turn_func_doc/`. */
export function bfclCategoryForFile(file: string): string | undefined {
  if (basename(dirname(file)) !== "multi_turn_func_doc") return undefined;
  return basename(file, extname(file));
}

/** One BFCL record (question with functions, or one function doc) -> drafts. */
export function bfclRecordToDrafts(value: unknown, loc: Location): ToolDraft[] {
  const obj = expectObject(value, loc, "BFCL record");
  const category = bfclCategoryForFile(loc.file);
  const docs: Array<{ doc: unknown; loc: Location }> = [];
  if ("function" in obj && !("name" in obj)) {
    const fns = expectArray(obj.function, at(loc, "function"), "BFCL \"function\"");
    fns.forEach((f, i) => docs.push({ doc: f, loc: at(loc, "function", i) }));
  } else {
    docs.push({ doc: obj, loc });
  }
  return docs.map(({ doc, loc: l }) => {
    const d = functionToDraft(doc, l, "bfcl");
    if (category && !d.category) d.category = category;
    return d;
  });
}
