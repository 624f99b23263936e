/**
 * Parameters whose description names another tool of the catalogue: `cart_id: "Identifier of the cart, from
 * createCart"`, `note_id: "from create_note or search_notes"`. The tool author says where the value comes from;
 * the graph lets such a parameter take P-R edges only from the tools it names, and sampling adds a named
 * producer that a sample lacks (src/sampling/producers.ts).
 *
 * A name counts when it appears as a whole token, case included. A name of one word (`cat`, `find`, `search`)
 * counts only when marked as code (in backticks or quotes, or followed by `(`), since as plain words they are
 * English; names of several words (`createCart`, `search_notes`, `notes.create`, `get-weather`) count anywhere.
 */
import type { ToolSpec } from "../core/index.js";
import { extractFields } from "./fields.js";

/** A parameter of a tool whose description names other tools of the catalogue. */
export interface ParamMention {
  /** The parameter's path (`cart_id`, `filter.since`). */
  param: string;
  /** The tools named, in order of first mention (never the tool itself). */
  tools: string[];
}

const TOKEN = /[A-Za-z0-9_]+(?:[.\-:][A-Za-z0-9_]+)*/g;

/** A name of several words: snake, kebab or dotted, camelCase, or letters and digits. */
function isCompoundName(name: string): boolean {
  return /[_.\-:]/.test(name) || /[a-z][A-Z]/.test(name) || /[A-Za-z][0-9]|[0-9][A-Za-z]/.test(name);
}

/** Is the token at [start, end) of the text marked as code: `x`, 'x', "x", x( ? */
function markedAsCode(text: string, start: number, end: number): boolean {
  const before = text[start - 1];
  const after = text[end];
  if (after === "(") return true;
  return before !== undefined && before === after && (before === "`" || before === "'" || before === '"');
}

/** The catalogue tool names a text mentions, in order of first mention. */
export function toolsNamedIn(text: string, names: ReadonlySet<string>): string[] {
  const out: string[] = [];
  if (text === "" || names.size === 0) return out;
  for (const m of text.matchAll(TOKEN)) {
    const token = m[0];
    if (!names.has(token) || out.includes(token)) continue;
    const start = m.index ?? 0;
    if (isCompoundName(token) || markedAsCode(text, start, start + token.length)) out.push(token);
  }
  return out;
}

/**
 * For each tool, its parameters (nested ones included) whose description names other tools of `catalogue`
 * (default: the tools themselves). Tools without such a parameter are left out of the map.
 */
export function paramMentions(tools: readonly ToolSpec[], catalogue: Iterable<string> = tools.map((t) => t.name)): Map<string, ParamMention[]> {
  const names = new Set(catalogue);
  const out = new Map<string, ParamMention[]>();
  tools.forEach((tool, i) => {
    const list: ParamMention[] = [];
    for (const f of extractFields(tool, i)) {
      if (f.role !== "param" || f.description === "") continue;
      const named = toolsNamedIn(f.description, names).filter((n) => n !== tool.name);
      if (named.length > 0) list.push({ param: f.path, tools: named });
    }
    if (list.length > 0) out.set(tool.name, list);
  });
  return out;
}
