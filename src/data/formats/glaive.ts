/** Glaive function-calling rows `{system, chat}` (read only): tools as JSON in the system text, `<functioncall>` in the chat. */
import { z } from "zod";
import type { Message, ToolCall } from "../../core/index.js";
import {
  Ids,
  jsonObjects,
  makeCall,
  PendingCalls,
  RowError,
  toolList,
  type DataFormat,
  type ReadDialogue,
  type RowContext,
} from "./read-helpers.js";

export const GlaiveRowZ = z.object({ system: z.string(), chat: z.string() });


const GLAIVE_TURN_RE = /(USER|ASSISTANT|FUNCTION RESPONSE):\s*/g;

/** A Glaive `<functioncall>` payload: JSON whose `arguments` is often a single-quoted JSON string. */
function glaiveCall(text: string, ids: Ids): ToolCall {
  const start = text.indexOf("{");
  if (start < 0) throw new RowError("<functioncall> without a JSON object");
  const body = text.slice(start).replace(/<\|endoftext\|>/g, "").trim();
  try {
    const v = JSON.parse(body) as unknown;
    return makeCall(ids, v);
  } catch {
    const name = /"name"\s*:\s*"([^"]+)"/.exec(body)?.[1];
    if (!name) throw new RowError(`<functioncall> without a name: ${body.slice(0, 80)}`);
    const a = /"arguments"\s*:\s*'([\s\S]*)'\s*\}\s*$/.exec(body)?.[1] ?? "{}";
    return { id: ids.next(), type: "function", function: { name, arguments: a } };
  }
}

function fromGlaive(row: z.infer<typeof GlaiveRowZ>, ctx: RowContext): ReadDialogue {
  const ids = new Ids();
  const pending = new PendingCalls(ids, ctx.note);
  const messages: Message[] = [];
  const sys = row.system.replace(/^SYSTEM:\s*/, "");
  const found = jsonObjects(sys);
  if (found.unread > 0) ctx.note("unnamed-tool", `${found.unread} {...} block(s) in the system text that are not JSON`, found.unread);
  const tools = toolList(found.objects, ctx.note);
  const ownSystem = sys.split("{")[0]?.trim() ?? "";
  if (ownSystem !== "") messages.push({ role: "system", content: ownSystem });
  const parts: Array<{ who: string; text: string }> = [];
  const marks = [...row.chat.matchAll(GLAIVE_TURN_RE)];
  if (marks.length === 0) throw new RowError("chat has no USER: / ASSISTANT: turns");
  marks.forEach((m, k) => {
    const from = (m.index ?? 0) + m[0].length;
    const to = marks[k + 1]?.index ?? row.chat.length;
    parts.push({ who: m[1] as string, text: row.chat.slice(from, to).replace(/<\|endoftext\|>/g, "").trim() });
  });
  for (const p of parts) {
    if (p.who === "USER") messages.push({ role: "user", content: p.text });
    else if (p.who === "ASSISTANT") {
      const at = p.text.indexOf("<functioncall>");
      if (at >= 0) {
        const calls = [glaiveCall(p.text.slice(at + "<functioncall>".length), ids)];
        pending.set(calls);
        const text = p.text.slice(0, at).trim();
        messages.push({ role: "assistant", content: text === "" ? null : text, tool_calls: calls });
      } else messages.push({ role: "assistant", content: p.text });
    } else messages.push(...pending.answer([p.text]));
  }
  return { messages, tools, plan: null, stepOf: null };
}

export const glaiveReader: DataFormat<z.infer<typeof GlaiveRowZ>> = {
  name: "glaive",
  expected: "a Glaive row {system, chat}",
  detect: (row) => typeof row.chat === "string" && typeof row.system === "string",
  schema: GlaiveRowZ,
  read: fromGlaive,
};
