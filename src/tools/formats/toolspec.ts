/**
 * toolflow's own tools.jsonl (one ToolSpec a line), so an output can be imported again. Each tool keeps its
 * original `source` (provenance) and `originalName`.
 */
import { ToolSpecZ } from "../../core/index.js";
import type { Location, ToolDraft } from "../types.js";
import { inputError, isPlainObject } from "./common.js";

/** True for a ToolSpec-shaped object (name, parameters and a source with a format). */
export function isToolSpecLike(v: unknown): boolean {
  return isPlainObject(v) && typeof v.name === "string" && isPlainObject(v.source) && "format" in v.source;
}

export function toolSpecToDraft(value: unknown, loc: Location): ToolDraft {
  const parsed = ToolSpecZ.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue ? "/" + issue.path.map(String).join("/") : "";
    throw inputError({ ...loc, pointer: loc.pointer + (path === "/" ? "" : path) }, `not a valid ToolSpec: ${issue?.message ?? parsed.error.message}`);
  }
  const t = parsed.data;
  const draft: ToolDraft = {
    name: t.name,
    description: t.description,
    parameters: t.parameters,
    format: "toolspec",
    loc,
    source: t.source,
  };
  if (t.returns !== undefined) draft.returns = t.returns;
  if (t.category !== undefined) draft.category = t.category;
  if (t.originalName !== undefined) draft.originalName = t.originalName;
  if (t.annotations !== undefined) draft.annotations = t.annotations;
  return draft;
}
