/**
 * Reading input files: JSON, JSONL (one JSON value a line) or YAML. Parse errors become InputErrors naming the
 * file and line.
 */
import { readFile } from "node:fs/promises";
import { extname } from "node:path";
import { InputError } from "../core/index.js";
import { decodeUtf8, parseJsonText, parseYamlText } from "../core/index.js";
import { lineError, parseJsonlLine } from "../core/index.js";

export type ParsedInput =
  | { kind: "json"; file: string; value: unknown }
  | { kind: "yaml"; file: string; value: unknown }
  | { kind: "jsonl"; file: string; records: Array<{ value: unknown; line: number }> };

export async function readInputFile(file: string): Promise<ParsedInput> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError(code === "ENOENT" ? "file not found" : `cannot read file (${code ?? String(err)})`, {
      file,
      cause: err,
    });
  }
  return parseInputText(decodeUtf8(bytes, file), file);
}

/** Parse text as YAML (by extension), JSON, or JSONL (when the whole text is not one JSON value). */
export function parseInputText(text: string, file: string): ParsedInput {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const ext = extname(file).toLowerCase();
  if (ext === ".yaml" || ext === ".yml") return { kind: "yaml", file, value: parseYaml(text, file) };
  if (text.trim() === "") throw new InputError("file is empty", { file });
  if (ext !== ".jsonl" && ext !== ".ndjson") {
    try {
      return { kind: "json", file, value: JSON.parse(text) };
    } catch (err) {
      // Not one JSON value: JSONL if the first non-blank line parses on its own.
      const first = text.split("\n").find((l) => l.trim() !== "");
      let firstParses = false;
      if (first !== undefined && first.trim() !== text.trim()) {
        try {
          JSON.parse(first);
          firstParses = true;
        } catch {
          firstParses = false;
        }
      }
      if (!firstParses) parseJsonText(text, file); // throws an InputError with the line
      void err;
    }
  }
  const records: Array<{ value: unknown; line: number }> = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const raw = (lines[i] ?? "").trim();
    if (raw === "") continue;
    const parsed = parseJsonlLine(raw);
    if (!parsed.ok) throw lineError(file, i + 1, parsed.problem);
    records.push({ value: parsed.value, line: i + 1 });
  }
  if (records.length === 0) throw new InputError("file is empty", { file });
  return { kind: "jsonl", file, records };
}

function parseYaml(text: string, file: string): unknown {
  const value = parseYamlText(text, file);
  if (value === null || value === undefined) throw new InputError("file is empty", { file });
  return value;
}
