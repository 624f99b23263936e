/**
 * JSONL (one JSON value a line): the one reader and writer of toolflow's line files (tools.jsonl, samples.jsonl,
 * dialogues.jsonl, rejected.jsonl). Lines are parsed and validated with a zod schema here; a bad line is an
 * InputError naming the file and line (and the field, as a JSON pointer, when the schema rejects it).
 */
import { createReadStream } from "node:fs";
import type { z } from "zod";
import { InputError, jsonPointer } from "./errors.js";
import { writeFileAtomic } from "./fs.js";
import { decodeUtf8 } from "./input.js";

/** Serialize records as JSONL (one compact JSON value a line, trailing newline). */
export function toJsonl(records: Iterable<unknown>): string {
  let out = "";
  for (const r of records) out += JSON.stringify(r) + "\n";
  return out;
}

/** Write records as JSONL atomically. */
export async function writeJsonlAtomic(path: string, records: Iterable<unknown>): Promise<void> {
  await writeFileAtomic(path, toJsonl(records));
}

/** What is wrong with one line: not JSON, or rejected by the schema (with the JSON pointer of the field). */
export interface LineProblem {
  kind: "json" | "schema";
  message: string;
  pointer?: string;
}

/** `raw` is the line's value as parsed, before the schema (which may copy, default or reorder it). */
export type ParsedLine<T> = { ok: true; value: T; raw: unknown } | { ok: false; problem: LineProblem };

/** Options of the validating readers. */
export interface JsonlSchemaOptions {
  /** What a line holds, for messages: "not a valid <what>". */
  what: string;
  /** InputError code of a line the schema rejects (default INPUT_ERROR). */
  code?: string;
  /** How a line's text becomes a value (default JSON.parse; e.g. a reader that keeps Python's float type). */
  parse?: (text: string) => unknown;
  /**
   * Added to the error when the first line is not a record (the file is likely something else, e.g. a tool file in
   * its own format where tools.jsonl is expected): what to do instead.
   */
  firstLineHint?: string;
}

function issuePointer(issue: z.ZodError["issues"][number] | undefined): string {
  return issue ? jsonPointer(...issue.path.map(String)) : "";
}

/** A zod error as a line problem: the first issue (with its pointer), and up to two more in the message. */
export function describeZodError(error: z.ZodError, what: string): LineProblem {
  const [first, ...rest] = error.issues;
  let message = `not a valid ${what}: ${first?.message ?? "invalid"}`;
  const more = rest.slice(0, 2).map((i) => `${issuePointer(i) || "(record)"}: ${i.message}`);
  if (more.length > 0) message += `; also ${more.join("; ")}`;
  return { kind: "schema", message, pointer: issuePointer(first) };
}

/**
 * Parse one line's text (already trimmed, not blank) as JSON and, with `schema`, validate it. Never throws: the
 * caller decides what a bad line means (an error, or a torn tail to cut).
 */
export function parseJsonlLine<T = unknown>(
  text: string,
  schema?: z.ZodType<T>,
  what = "record",
  parse: (text: string) => unknown = JSON.parse,
): ParsedLine<T> {
  let value: unknown;
  try {
    value = parse(text);
  } catch (err) {
    return { ok: false, problem: { kind: "json", message: `invalid JSON on this line: ${(err as Error).message}` } };
  }
  if (!schema) return { ok: true, value: value as T, raw: value };
  const parsed = schema.safeParse(value);
  return parsed.success ? { ok: true, value: parsed.data, raw: value } : { ok: false, problem: describeZodError(parsed.error, what) };
}

/** A line problem as an InputError naming the file and line. */
export function lineError(file: string, line: number, problem: LineProblem, code?: string, cause?: unknown): InputError {
  return new InputError(problem.message, { file, line, pointer: problem.pointer || undefined, code, cause });
}

/** The longest line a JSONL reader accepts (a longer one is an InputError, not an out-of-memory crash). */
export const MAX_JSONL_LINE_BYTES = 256 * 1024 * 1024;

/**
 * The lines of a file as text, with their line numbers: bytes are split at "\n" and each line decoded as strict
 * UTF-8 (`decodeUtf8`: an InputError naming file, line and byte offset; replaced and counted with --lossy-utf8).
 * A line longer than MAX_JSONL_LINE_BYTES is an InputError. The last line may lack its newline.
 */
export async function* readTextLines(path: string, maxLineBytes = MAX_JSONL_LINE_BYTES): AsyncGenerator<{ text: string; line: number }> {
  const stream = createReadStream(path);
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let lineNo = 0;
  let offset = 0; // file offset of the first byte of the current line
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let start = 0;
      for (let nl = chunk.indexOf(10, start); nl >= 0; nl = chunk.indexOf(10, start)) {
        const part = chunk.subarray(start, nl);
        const bytes = pending.length === 0 ? part : Buffer.concat([...pending, part]);
        pending = [];
        pendingBytes = 0;
        lineNo++;
        if (bytes.length > maxLineBytes) throw new InputError(`line longer than ${maxLineBytes} bytes`, { file: path, line: lineNo, code: "LINE_TOO_LONG" });
        yield { text: decodeUtf8(bytes, path, { line: lineNo, baseOffset: offset }), line: lineNo };
        offset += bytes.length + 1;
        start = nl + 1;
      }
      if (start < chunk.length) {
        pending.push(chunk.subarray(start));
        pendingBytes += chunk.length - start;
        if (pendingBytes > maxLineBytes) {
          throw new InputError(`line longer than ${maxLineBytes} bytes`, { file: path, line: lineNo + 1, code: "LINE_TOO_LONG" });
        }
      }
    }
    if (pendingBytes > 0) {
      lineNo++;
      yield { text: decodeUtf8(Buffer.concat(pending), path, { line: lineNo, baseOffset: offset }), line: lineNo };
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new InputError("file not found", { file: path, cause: err, code: "NOT_FOUND" });
    if (code === "EISDIR") throw new InputError("is a folder, expected a file", { file: path, cause: err, code: "IS_A_DIRECTORY" });
    if (code === "EACCES") throw new InputError("cannot be read (permission denied)", { file: path, cause: err, code: "NO_PERMISSION" });
    throw err;
  } finally {
    stream.destroy();
  }
}

/**
 * Read a JSONL file line by line, validating each value with `schema` when given. Blank lines are skipped. A
 * broken line is an InputError naming file and line (JSON errors have code INPUT_ERROR, schema errors
 * `options.code`); a missing file, a folder, invalid UTF-8 and a huge line are InputErrors too.
 */
export async function* readJsonl<T = unknown>(
  path: string,
  schema?: z.ZodType<T>,
  options: Partial<JsonlSchemaOptions> = {},
): AsyncGenerator<{ value: T; raw: unknown; line: number }> {
  let first = true;
  for await (const { text: raw, line: lineNo } of readTextLines(path)) {
    const text = raw.trim();
    if (text === "") continue;
    const parsed = parseJsonlLine(text, schema, options.what, options.parse);
    if (!parsed.ok) {
      const problem =
        first && options.firstLineHint ? { ...parsed.problem, message: `${parsed.problem.message}; ${options.firstLineHint}` } : parsed.problem;
      throw lineError(path, lineNo, problem, parsed.problem.kind === "schema" ? options.code : undefined);
    }
    first = false;
    yield { value: parsed.value, raw: parsed.raw, line: lineNo };
  }
}

/** Read and validate every value of a JSONL file. */
export async function readJsonlAll<T = unknown>(
  path: string,
  schema?: z.ZodType<T>,
  options: Partial<JsonlSchemaOptions> = {},
): Promise<T[]> {
  const out: T[] = [];
  for await (const { value } of readJsonl(path, schema, options)) out.push(value);
  return out;
}
