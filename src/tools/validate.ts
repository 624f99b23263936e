/**
 * What a tools.jsonl must hold, checked by every command that reads one (`readToolsJsonl`: graph build, sample,
 * synth, stats, tools lint...) exactly as `tools import` makes it: a name of OpenAI's function-name pattern
 * (`^[a-zA-Z0-9_-]{1,64}$`, what import's sanitizing produces), schemas nested at most MAX_SCHEMA_DEPTH levels
 * (a deeper one would blow the stack later, during generation) and parameters and returns schemas that are valid
 * JSON Schema (the meta-schema check ajv runs before compiling).
 */
import { InputError, MAX_NESTING_DEPTH, valueDepth, type ToolSpec } from "../core/index.js";
import { SchemaChecker } from "./schema.js";

/** OpenAI's function-name rule, which every export format accepts: what `tools import` makes every name. */
export const TOOL_NAME_RE = /^[a-zA-Z0-9_-]{1,64}$/;

/** The deepest nesting (JSON objects and arrays) of a tool's parameters or returns schema. */
export const MAX_SCHEMA_DEPTH = MAX_NESTING_DEPTH;

/** What is wrong with a tool name (undefined when it is a valid one). */
export function toolNameProblem(name: string): string | undefined {
  if (TOOL_NAME_RE.test(name)) return undefined;
  const shown = name.length > 80 ? `${JSON.stringify(name.slice(0, 60))}... (${name.length} characters)` : JSON.stringify(name);
  return `tool name ${shown} is not valid: a name is 1-64 letters, digits, "_" or "-" (OpenAI's rule, which \`toolflow tools import\` applies)`;
}

/** What is wrong with a schema's depth (undefined when within MAX_SCHEMA_DEPTH). */
export function schemaDepthProblem(schema: unknown): string | undefined {
  return valueDepth(schema, MAX_SCHEMA_DEPTH) > MAX_SCHEMA_DEPTH ? `schema is nested more than ${MAX_SCHEMA_DEPTH} levels deep` : undefined;
}

/**
 * A tool of a tools.jsonl as `tools import` would have written it; else an InputError (exit 2) naming the file,
 * the line, the tool and the field. `checker` is shared over a file (it caches compiled schemas).
 */
export function checkToolSpec(tool: ToolSpec, where: { file: string; line?: number }, checker: SchemaChecker): void {
  const at = (pointer: string, message: string) =>
    new InputError(message, { file: where.file, ...(where.line !== undefined ? { line: where.line } : {}), pointer, code: "BAD_TOOLSPEC" });
  const nameProblem = toolNameProblem(tool.name);
  if (nameProblem) throw at("/name", `${nameProblem}; import the tools with \`toolflow tools import\``);
  for (const field of ["parameters", "returns"] as const) {
    const schema = tool[field];
    if (schema === undefined) continue;
    const deep = schemaDepthProblem(schema);
    if (deep) throw at(`/${field}`, `tool "${tool.name}": ${field} ${deep}`);
    // checked against the JSON Schema meta-schema (as ajv does before compiling), not compiled: compiling every
    // schema of a large tools.jsonl costs ~1 ms a tool; a schema that still fails to compile is named (tool and
    // field) when it is first used
    const err = checker.checkStructure(schema);
    if (err !== undefined) throw at(`/${field}`, `tool "${tool.name}": ${field} is not a valid JSON Schema: ${err}`);
  }
}
