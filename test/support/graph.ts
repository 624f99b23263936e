/** Small ToolSpec builders for the graph tests. */
import type { JsonSchema, ToolSpec } from "../../src/core/index.js";

export type FieldDef = string | [name: string, description: string];

function props(fields: readonly FieldDef[]): Record<string, JsonSchema> {
  const out: Record<string, JsonSchema> = {};
  for (const f of fields) {
    const [name, description] = typeof f === "string" ? [f, ""] : f;
    out[name] = { type: "string", ...(description ? { description } : {}) };
  }
  return out;
}

/** A tool with string parameters and (optionally) an object of string return fields. */
export function tool(name: string, params: readonly FieldDef[], returns?: readonly FieldDef[], description = ""): ToolSpec {
  return {
    name,
    description,
    parameters: { type: "object", properties: props(params) },
    ...(returns ? { returns: { type: "object", properties: props(returns) } } : {}),
    source: { file: "test.jsonl", pointer: "", format: "toolspec" },
  };
}
