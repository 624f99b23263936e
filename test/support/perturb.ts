/**
 * Perturbations of real dialogues for the verifier's tests: one grounded argument value swapped for an invented,
 * plausible one (another id, a shifted date, another place, another number) that nothing in the conversation says.
 */
import type { Message } from "../../src/core/index.js";
import { groundCall, type VerifiableDialogue } from "../../src/verify/index.js";
import { inventedValue } from "./invent.js";

export interface Perturbation {
  dialogue: VerifiableDialogue;
  tool: string;
  /** JSON pointer of the swapped leaf inside the call's arguments. */
  path: string;
  was: string | number;
  now: string | number;
}

const hasEnum = (s: unknown): boolean =>
  s !== null && typeof s === "object" && ("enum" in (s as object) || "const" in (s as object));

/**
 * The dialogue with the first grounded (or converted) string or number argument of its calls (not an enum member)
 * swapped for an invented value that appears nowhere in the conversation; undefined when no call has one.
 */
export function perturbDialogue(d: VerifiableDialogue): Perturbation | undefined {
  const text = d.messages.map((m) => JSON.stringify(m)).join("\n").toLowerCase();
  for (let i = 0; i < d.messages.length; i++) {
    const m = d.messages[i]!;
    if (m.role !== "assistant" || !m.tool_calls) continue;
    for (let c = 0; c < m.tool_calls.length; c++) {
      const call = m.tool_calls[c]!;
      const tool = d.tools.find((t) => t.name === call.function.name);
      if (!tool) continue;
      let args: Record<string, unknown>;
      try {
        args = JSON.parse(call.function.arguments) as Record<string, unknown>;
      } catch {
        continue;
      }
      const { leaves } = groundCall({ tool, arguments: args }, d.messages.slice(0, i));
      for (const leaf of leaves) {
        if (leaf.verdict !== "grounded" && leaf.verdict !== "converted") continue;
        if (typeof leaf.value !== "string" && typeof leaf.value !== "number") continue;
        if (typeof leaf.value === "string" && leaf.value.trim().length < 2) continue;
        const segments = leaf.path.split("/").slice(1).map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
        const schema = segments.reduce<unknown>((s, k) => {
          const o = s as { properties?: Record<string, unknown>; items?: unknown } | undefined;
          return /^\d+$/.test(k) && o?.items ? o.items : o?.properties?.[k];
        }, tool.parameters);
        if (hasEnum(schema)) continue;
        let now: string | number | undefined;
        for (let draw = 0; draw < 40; draw++) {
          const v = inventedValue(leaf.value, draw);
          if (v !== leaf.value && !text.includes(String(v).toLowerCase())) {
            now = v;
            break;
          }
        }
        if (now === undefined) continue;
        const swapped = structuredClone(args);
        let parent: Record<string, unknown> | unknown[] = swapped;
        for (const k of segments.slice(0, -1)) parent = (parent as Record<string, unknown>)[k] as Record<string, unknown>;
        (parent as Record<string, unknown>)[segments.at(-1)!] = now;
        const messages: Message[] = d.messages.map((x, j) =>
          j !== i
            ? x
            : {
                ...m,
                tool_calls: m.tool_calls!.map((tc, k) => (k === c ? { ...tc, function: { ...tc.function, arguments: JSON.stringify(swapped) } } : tc)),
              },
        );
        return { dialogue: { ...d, messages }, tool: tool.name, path: leaf.path, was: leaf.value, now };
      }
    }
  }
  return undefined;
}
