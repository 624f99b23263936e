/**
 * tools.jsonl: one ToolSpec a line. readToolsJsonl validates every line with ToolSpecZ and as `tools import`
 * makes it (`checkToolSpec`: name, schema depth, schemas that compile; errors name the file, line and tool) and
 * rejects repeated names; writeToolsJsonl writes atomically.
 */
import { InputError } from "../core/index.js";
import { readJsonl, writeJsonlAtomic } from "../core/index.js";
import { ToolSpecZ, type ToolSpec } from "../core/index.js";
import { SchemaChecker } from "./schema.js";
import { checkToolSpec } from "./validate.js";

export async function readToolsJsonl(path: string): Promise<ToolSpec[]> {
  const tools: ToolSpec[] = [];
  const seen = new Map<string, number>();
  const checker = new SchemaChecker();
  const firstLineHint = `this is not a tools.jsonl (one ToolSpec a line): import the tool file first with \`toolflow tools import ${path} -o tools.jsonl\``;
  for await (const { value: tool, line } of readJsonl(path, ToolSpecZ, { what: "ToolSpec", code: "BAD_TOOLSPEC", firstLineHint })) {
    checkToolSpec(tool, { file: path, line }, checker);
    const prev = seen.get(tool.name);
    if (prev !== undefined) {
      throw new InputError(`tool name "${tool.name}" repeats the one on line ${prev}`, { file: path, line });
    }
    seen.set(tool.name, line);
    tools.push(tool);
  }
  if (tools.length === 0) throw new InputError("no tools in file", { file: path, code: "NO_TOOLS" });
  return tools;
}

export async function writeToolsJsonl(path: string, tools: readonly ToolSpec[]): Promise<void> {
  await writeJsonlAtomic(path, tools);
}
