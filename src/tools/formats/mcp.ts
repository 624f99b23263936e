/**
 * MCP `tools/list` results: `{tools: [{name, title?, description, inputSchema, outputSchema?}]}`, the JSON-RPC
 * envelope `{jsonrpc, id, result: {tools}}`, a bare array of MCP tools, or one tool.
 */
import type { Location, ToolDraft } from "../types.js";
import { at, expectArray, expectObject, inputError, isPlainObject, optionalString } from "./common.js";

export function isMcpTool(v: unknown): boolean {
  return isPlainObject(v) && "inputSchema" in v;
}

export function mcpToolToDraft(value: unknown, loc: Location): ToolDraft {
  const t = expectObject(value, loc, "MCP tool");
  if (!isPlainObject(t.inputSchema)) throw inputError(at(loc, "inputSchema"), "MCP tool has no inputSchema object");
  const draft: ToolDraft = {
    name: t.name,
    description: t.description ?? (typeof t.title === "string" ? t.title : ""),
    parameters: t.inputSchema,
    format: "mcp",
    loc,
    parametersKey: "inputSchema",
    returnsKey: "outputSchema",
  };
  if (t.outputSchema !== undefined) draft.returns = t.outputSchema;
  // toolflow extension: `_meta.category` (MCP's place for implementation-specific data).
  const category = isPlainObject(t._meta) ? optionalString(t._meta.category) : undefined;
  if (category) draft.category = category;
  return draft;
}

export function mcpDocumentToDrafts(doc: unknown, loc: Location): ToolDraft[] {
  if (Array.isArray(doc)) return doc.map((t, i) => mcpToolToDraft(t, at(loc, i)));
  const obj = expectObject(doc, loc, "MCP document");
  if (isPlainObject(obj.result)) {
    if ("error" in obj && obj.error) throw inputError(at(loc, "error"), "JSON-RPC response is an error, not a tools list");
    const tools = expectArray(obj.result.tools, at(loc, "result", "tools"), "result.tools");
    return tools.map((t, i) => mcpToolToDraft(t, at(loc, "result", "tools", i)));
  }
  if ("tools" in obj) {
    const tools = expectArray(obj.tools, at(loc, "tools"), "tools");
    return tools.map((t, i) => mcpToolToDraft(t, at(loc, "tools", i)));
  }
  return [mcpToolToDraft(obj, loc)];
}
