/**
 * Where each argument of each call came from: the earlier user turn or tool result that grounds it (the same
 * grounding rules as the provenance check, applied to one source message at a time), the tool's schema (enum,
 * const or default), several messages together, or nowhere (ungrounded). Used to show provenance in the report.
 * It walks the dialogue with the provenance check's own walk (walkArgumentLeaves).
 */
import { SourceIndex, isValueGrounded } from "./grounding.js";
import { isDocumentedValue } from "./schema.js";
import { walkArgumentLeaves } from "./verify.js";
import type { VerifiableDialogue, VerifyOptions } from "./types.js";

/** Where one argument leaf came from. */
export type ArgumentOrigin =
  /** One earlier message grounds it: its index in `messages` (a user turn or a tool result; latest first). */
  | { kind: "message"; message: number }
  /** Only the earlier sources taken together ground it (e.g. words from two turns). */
  | { kind: "combined" }
  /** The tool's schema documents the value (enum, const or default). */
  | { kind: "schema" }
  /** null or an empty string: nothing to ground. */
  | { kind: "empty" }
  | { kind: "ungrounded" };

export interface ArgumentSource {
  /** Index of the assistant message holding the call. */
  message: number;
  callId: string;
  tool: string;
  /** JSON pointer of the leaf inside the arguments, e.g. "/passengers/0/name". */
  path: string;
  value: string | number | boolean | null;
  origin: ArgumentOrigin;
}

/** The origin of every argument leaf of every call, in order (calls whose arguments do not parse are left out). */
export function argumentSources(d: VerifiableDialogue, options: VerifyOptions = {}): ArgumentSource[] {
  const each: Array<{ message: number; index: SourceIndex }> = [];
  const out: ArgumentSource[] = [];
  const grounding = { minTokenCoverage: options.minTokenCoverage };
  walkArgumentLeaves(d, options, {
    source: (message, addTo) => {
      const index = new SourceIndex();
      addTo(index);
      each.push({ message, index });
    },
    leaf: ({ message, call, leaf, sources: all }) => {
      let origin: ArgumentOrigin = { kind: "ungrounded" };
      const empty = leaf.value === null || (typeof leaf.value === "string" && leaf.value.trim() === "");
      if (empty) origin = { kind: "empty" };
      else for (let k = each.length - 1; k >= 0; k--) {
        const s = each[k]!;
        if (isValueGrounded(leaf.value, s.index, leaf.key, grounding)) {
          origin = { kind: "message", message: s.message };
          break;
        }
      }
      if (origin.kind === "ungrounded" && !empty) {
        if (isDocumentedValue(leaf.value, leaf.schema)) origin = { kind: "schema" };
        else if (isValueGrounded(leaf.value, all, leaf.key, grounding)) origin = { kind: "combined" };
      }
      out.push({ message, callId: call.id, tool: call.function.name, path: leaf.path, value: leaf.value, origin });
    },
  });
  return out;
}
