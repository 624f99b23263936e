/**
 * Where each argument of each call came from: the earlier user turn or tool result that grounds it (the same
 * grounding rules as the provenance check, applied to one source message at a time), the tool's schema (enum,
 * const or default), several messages together, or nowhere (ungrounded). Used to show provenance in the report.
 * It walks the dialogue with the provenance check's own walk (walkArgumentLeaves).
 */
import { SourceIndex, isValueGrounded } from "./grounding.js";
import { groundLeaf } from "./ground-call.js";
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
  /** The schema alone allows it and it carries nothing from the user (a boolean flag, the first page, a sort order). */
  | { kind: "defaulted"; how: string }
  /** General knowledge the parameter asks for (coordinates, a ticker symbol): flagged, not rejected. */
  | { kind: "knowledge"; how: string }
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
  /** The conversion from what was said, when the value is not said as such ("IATA airport code: BER = Berlin"). */
  how?: string;
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
      let how: string | undefined;
      const isConvertedBy = (index: SourceIndex): boolean => {
        const one = groundLeaf(leaf, index, grounding);
        if (one.verdict !== "grounded" && one.verdict !== "converted") return false;
        how = one.how;
        return true;
      };
      const overall = groundLeaf(leaf, all, grounding);
      if (overall.how === "empty") origin = { kind: "empty" };
      else if (overall.verdict === "grounded" || overall.verdict === "converted") {
        origin = { kind: "combined" };
        how = overall.how;
        // the latest single source that grounds it (the plain matching first: cheap), or converts it
        for (let k = each.length - 1; k >= 0; k--) {
          const s = each[k]!;
          if (overall.verdict === "grounded" ? isValueGrounded(leaf.value, s.index, leaf.key, grounding) : isConvertedBy(s.index)) {
            origin = { kind: "message", message: s.message };
            break;
          }
        }
      } else if (overall.verdict === "defaulted") {
        const documented = overall.how === "enum member" || overall.how === "const" || overall.how === "schema default";
        origin = documented ? { kind: "schema" } : { kind: "defaulted", how: overall.how ?? "defaulted" };
      } else if (overall.verdict === "knowledge") origin = { kind: "knowledge", how: overall.how ?? "knowledge" };
      out.push({
        message,
        callId: call.id,
        tool: call.function.name,
        path: leaf.path,
        value: leaf.value,
        origin,
        ...(how !== undefined ? { how } : {}),
      });
    },
  });
  return out;
}
