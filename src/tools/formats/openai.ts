/**
 * OpenAI function-calling tools: `[{type: "function", function: {name, description, parameters}}]`, bare
 * function objects `{name, description, parameters}`, a single object, or a `{tools: [...]}` wrapper.
 * toolflow extension: a function may carry `returns` (or BFCL-style `response`), a JSON Schema of its result,
 * and `category`.
 */
import type { ToolDraft, Location } from "../types.js";
import { at, expectObject, inputError, isPlainObject, optionalString } from "./common.js";

/** True for `{type:"function", function:{...}}`. */
export function isOpenAIToolWrapper(v: unknown): boolean {
  return isPlainObject(v) && v.type === "function" && isPlainObject(v.function);
}

/** True for a bare function object `{name, parameters | description}` without MCP's inputSchema. */
export function isBareFunction(v: unknown): boolean {
  return (
    isPlainObject(v) &&
    typeof v.name === "string" &&
    !("inputSchema" in v) &&
    ("parameters" in v || "description" in v)
  );
}

/** One OpenAI tool (wrapped or bare) -> draft. */
export function openAIToolToDraft(value: unknown, loc: Location, format: ToolDraft["format"] = "openai"): ToolDraft {
  const obj = expectObject(value, loc, "tool");
  if (obj.type === "function" || "function" in obj) {
    if (obj.type !== undefined && obj.type !== "function") {
      throw inputError(loc, `unsupported tool type ${JSON.stringify(obj.type)} (only "function")`);
    }
    return functionToDraft(obj.function, at(loc, "function"), format);
  }
  return functionToDraft(obj, loc, format);
}

/** A function object `{name, description, parameters, returns?|response?}` -> draft. */
export function functionToDraft(value: unknown, loc: Location, format: ToolDraft["format"]): ToolDraft {
  const fn = expectObject(value, loc, "function");
  const draft: ToolDraft = {
    name: fn.name,
    description: fn.description ?? "",
    parameters: fn.parameters,
    format,
    loc,
  };
  const returnsKey = fn.returns !== undefined ? "returns" : "response";
  const returns = fn[returnsKey];
  if (returns !== undefined) {
    draft.returns = returns;
    draft.returnsKey = returnsKey;
  }
  const category = optionalString(fn.category);
  if (category) draft.category = category;
  return draft;
}

/** Every tool of an OpenAI document (array, `{tools}` wrapper, or single tool). */
export function openAIDocumentToDrafts(doc: unknown, loc: Location): ToolDraft[] {
  if (Array.isArray(doc)) return doc.map((t, i) => openAIToolToDraft(t, at(loc, i)));
  if (isPlainObject(doc) && Array.isArray(doc.tools)) {
    return doc.tools.map((t, i) => openAIToolToDraft(t, at(loc, "tools", i)));
  }
  if (isPlainObject(doc) && Array.isArray(doc.functions)) {
    return doc.functions.map((t, i) => openAIToolToDraft(t, at(loc, "functions", i)));
  }
  return [openAIToolToDraft(doc, loc)];
}
