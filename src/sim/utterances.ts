/**
 * What the simulated user meant by what it said. The user's JSON answer holds only its message (what a real model
 * answers); the argument values the simulator put into that message are remembered here, keyed by the sampled
 * tools and the message text, so the simulated assistant can "understand" the request the way a real assistant
 * reads it from the text. A message written by another model is not found, and the simulated assistant then
 * works from the plan and earlier results alone.
 */
import type { ToolSpec } from "../core/index.js";

/** Argument values the user stated for one intended call of a request (by call position). */
export interface CallValues {
  tool: string;
  arguments: Record<string, unknown>;
}

const MAX_ENTRIES = 50_000;
const said = new Map<string, CallValues[]>();

function keyOf(tools: readonly Pick<ToolSpec, "name">[], message: string): string {
  return `${tools.map((t) => t.name).join("\u0001")}\u0002${message.trim()}`;
}

/** Remember the values behind a user message (the oldest entries are forgotten past a bound). */
export function rememberUtterance(tools: readonly Pick<ToolSpec, "name">[], message: string, values: CallValues[]): void {
  if (message.trim() === "") return;
  const key = keyOf(tools, message);
  said.delete(key);
  said.set(key, values.map((v) => ({ tool: v.tool, arguments: { ...v.arguments } })));
  if (said.size > MAX_ENTRIES) {
    const oldest = said.keys().next().value;
    if (oldest !== undefined) said.delete(oldest);
  }
}

/** The values stated over a request's user messages, merged in order (later values win). */
export function statedValues(tools: readonly Pick<ToolSpec, "name">[], messages: readonly string[]): CallValues[] {
  let out: CallValues[] = [];
  for (const m of messages) {
    const v = said.get(keyOf(tools, m));
    if (v && v.length > 0) out = mergeValues(out, v);
  }
  return out;
}

/** Merge newly stated values into a request's values (by call position, later values win). */
export function mergeValues(into: CallValues[], add: CallValues[]): CallValues[] {
  const out = into.map((v) => ({ tool: v.tool, arguments: { ...v.arguments } }));
  add.forEach((v, i) => {
    const cur = out[i];
    if (cur && cur.tool === v.tool) Object.assign(cur.arguments, v.arguments);
    else if (!cur) out[i] = { tool: v.tool, arguments: { ...v.arguments } };
    else {
      const same = out.find((o) => o.tool === v.tool);
      if (same) Object.assign(same.arguments, v.arguments);
      else out.push({ tool: v.tool, arguments: { ...v.arguments } });
    }
  });
  return out;
}
