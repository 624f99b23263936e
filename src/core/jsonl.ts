/**
 * JSONL (one JSON value a line): the one reader and writer of toolflow's line files (tools.jsonl, samples.jsonl,
 * dialogues.jsonl, rejected.jsonl). Lines are parsed and validated with a zod schema here; a bad line is an
 * InputError naming the file and line (and the field, as a JSON pointer, when the schema rejects it).
 */
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import type { z } from "zod";
import { InputError, jsonPointer } from "./errors.js";
import { writeFileAtomic } from "./fs.js";

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

/**
 * Read a JSONL file line by line, validating each value with `schema` when given. Blank lines are skipped. A
 * broken line is an InputError naming file and line (JSON errors have code INPUT_ERROR, schema errors
 * `options.code`); a missing file is an InputError too.
 */
export async function* readJsonl<T = unknown>(
  path: string,
  schema?: z.ZodType<T>,
  options: Partial<JsonlSchemaOptions> = {},
): AsyncGenerator<{ value: T; raw: unknown; line: number }> {
  const rl = createInterface({ input: createReadStream(path, { encoding: "utf8" }), crlfDelay: Infinity });
  let lineNo = 0;
  let first = true;
  try {
    for await (const raw of rl) {
      lineNo++;
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
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") {
      throw new InputError("file not found", { file: path, cause: err });
    }
    throw err;
  } finally {
    rl.close();
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
