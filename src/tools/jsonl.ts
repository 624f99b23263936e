/**
 * tools.jsonl: one ToolSpec a line. readToolsJsonl validates every line with ToolSpecZ (errors name the file
 * and line) and rejects repeated names; writeToolsJsonl writes atomically.
 */
import { InputError } from "../core/index.js";
import { readJsonl, writeJsonlAtomic } from "../core/index.js";
import { ToolSpecZ, type ToolSpec } from "../core/index.js";

export async function readToolsJsonl(path: string): Promise<ToolSpec[]> {
  const tools: ToolSpec[] = [];
  const seen = new Map<string, number>();
  try {
    for await (const { value: tool, line } of readJsonl(path, ToolSpecZ, { what: "ToolSpec", code: "BAD_TOOLSPEC" })) {
      const prev = seen.get(tool.name);
      if (prev !== undefined) {
        throw new InputError(`tool name "${tool.name}" repeats the one on line ${prev}`, { file: path, line });
      }
      seen.set(tool.name, line);
      tools.push(tool);
    }
  } catch (err) {
    // The first line is not a ToolSpec: most likely a tool file in its own format (OpenAI tools, OpenAPI, ...).
    if (err instanceof InputError && err.line === 1) {
      const where = `${path} line 1${err.pointer !== undefined ? ` at ${err.pointer === "" ? "/" : err.pointer}` : ""}: `;
      const problem = err.message.startsWith(where) ? err.message.slice(where.length) : err.message;
      throw new InputError(
        `${problem}; this is not a tools.jsonl (one ToolSpec a line): ` +
          `import the tool file first with \`toolflow tools import ${path} -o tools.jsonl\``,
        { file: path, line: 1, ...(err.pointer !== undefined ? { pointer: err.pointer } : {}), code: err.code, cause: err },
      );
    }
    throw err;
  }
  if (tools.length === 0) throw new InputError("no tools in file", { file: path, code: "NO_TOOLS" });
  return tools;
}

export async function writeToolsJsonl(path: string, tools: readonly ToolSpec[]): Promise<void> {
  await writeJsonlAtomic(path, tools);
}
