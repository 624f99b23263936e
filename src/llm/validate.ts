/**
 * Validation of everything a model returns: JSON text (core's `parseJsonLoose`: parsed, repaired when broken, checked
 * against the requested schema with ajv) and tool calls (name among the offered tools, arguments that parse
 * as a JSON object and validate against the tool's parameter schema).
 */
import { compileSchema, compileToolSchema, formatAjvErrors, parseJsonLoose, type ToolSchemaField } from "../core/index.js";
import type { JsonSchema, ToolCall } from "../core/index.js";
import type { ChatTool } from "./types.js";

export { SchemaCompileError, parseJsonLoose, type LooseJson } from "../core/index.js";

export interface SchemaCheck {
  ok: boolean;
  errors: string[];
}

export function validateAgainst(schema: JsonSchema, value: unknown): SchemaCheck {
  const v = compileSchema(schema);
  const ok = v(value) as boolean;
  return { ok, errors: ok ? [] : formatAjvErrors(v.errors) };
}

/**
 * `validateAgainst` for a tool's parameters or returns schema: a schema that does not compile throws a
 * SchemaCompileError naming the tool and which schema.
 */
export function validateToolValue(tool: string, field: ToolSchemaField, schema: JsonSchema, value: unknown): SchemaCheck {
  const v = compileToolSchema(tool, field, schema);
  const ok = v(value) as boolean;
  return { ok, errors: ok ? [] : formatAjvErrors(v.errors) };
}

/** Parse + repair + validate a structured-output answer. */
export function checkJsonOutput(text: string, schema: JsonSchema): { ok: boolean; value?: unknown; repaired: boolean; problems: string[] } {
  const parsed = parseJsonLoose(text);
  if (!parsed.ok) return { ok: false, repaired: false, problems: [parsed.error ?? "not JSON"] };
  const check = validateAgainst(schema, parsed.value);
  if (!check.ok) return { ok: false, value: parsed.value, repaired: parsed.repaired, problems: check.errors.map((e) => `schema: ${e}`) };
  return { ok: true, value: parsed.value, repaired: parsed.repaired, problems: [] };
}

/** Problems with tool calls (empty when all are valid). */
export function checkToolCalls(
  calls: ToolCall[],
  tools: ChatTool[] | undefined,
  toolChoice?: "auto" | "none" | "required" | { name: string },
): string[] {
  const problems: string[] = [];
  const offered = new Map((tools ?? []).map((t) => [t.name, t]));
  if (toolChoice === "none" && calls.length > 0) problems.push("tool calls were made although tool_choice is none");
  if ((toolChoice === "required" || typeof toolChoice === "object") && calls.length === 0) {
    problems.push(
      typeof toolChoice === "object"
        ? `a call to the tool "${toolChoice.name}" is required but none was made`
        : "a tool call is required but none was made",
    );
  }
  for (const call of calls) {
    const name = call.function.name;
    const tool = offered.get(name);
    if (!tool) {
      problems.push(
        `tool "${name}" does not exist; the offered tools are: ${[...offered.keys()].join(", ") || "(none)"}`,
      );
      continue;
    }
    if (typeof toolChoice === "object" && name !== toolChoice.name) {
      problems.push(`the tool "${toolChoice.name}" must be called, not "${name}"`);
    }
    let args: unknown;
    try {
      args = JSON.parse(call.function.arguments === "" ? "{}" : call.function.arguments);
    } catch (err) {
      problems.push(`arguments of "${name}" are not valid JSON: ${(err as Error).message}`);
      continue;
    }
    if (typeof args !== "object" || args === null || Array.isArray(args)) {
      problems.push(`arguments of "${name}" must be a JSON object`);
      continue;
    }
    const check = validateToolValue(name, "parameters", tool.parameters, args);
    for (const e of check.errors) problems.push(`arguments of "${name}": ${e}`);
  }
  return problems;
}
