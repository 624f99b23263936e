/**
 * tools.jsonl: one ToolSpec a line. readToolsJsonl validates every line with ToolSpecZ (errors name the file
 * and line) and rejects repeated names; writeToolsJsonl writes atomically.
 */
import { InputError } from "../core/errors.js";
import { readJsonl, writeJsonlAtomic } from "../core/fs.js";
import { ToolSpecZ, type ToolSpec } from "../core/types.js";

export async function readToolsJsonl(path: string): Promise<ToolSpec[]> {
  const tools: ToolSpec[] = [];
  const seen = new Map<string, number>();
  for await (const { value, line } of readJsonl(path)) {
    const parsed = ToolSpecZ.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue && issue.path.length > 0 ? ` (field ${issue.path.map(String).join(".")})` : "";
      throw new InputError(`not a valid ToolSpec${field}: ${issue?.message ?? parsed.error.message}`, {
        file: path,
        line,
        code: "BAD_TOOLSPEC",
      });
    }
    const prev = seen.get(parsed.data.name);
    if (prev !== undefined) {
      throw new InputError(`tool name "${parsed.data.name}" repeats the one on line ${prev}`, { file: path, line });
    }
    seen.set(parsed.data.name, line);
    tools.push(parsed.data);
  }
  if (tools.length === 0) throw new InputError("no tools in file", { file: path, code: "NO_TOOLS" });
  return tools;
}

export async function writeToolsJsonl(path: string, tools: readonly ToolSpec[]): Promise<void> {
  await writeJsonlAtomic(path, tools);
}
