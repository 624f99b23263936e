/**
 * Reading BFCL's data folders: question files `BFCL_v<N>_<category>.json` (one JSON object a line:
 * `{id, question, function}`) and their answers in `possible_answer/` (same file name, `{id, ground_truth}`).
 * Several folders may be given; an id found in more than one keeps the first folder's question. Numbers are read
 * the way Python reads them (see core/pyjson.ts), so the checker sees the types BFCL's checker sees.
 */
import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { InputError, readJsonl } from "../core/index.js";
import { needsPossibleAnswer, type FunctionDoc, type PossibleAnswer } from "./checker.js";
import { parsePyJson } from "../core/index.js";

/** A question file's name: BFCL_v4_simple_python.json -> category simple_python. */
export const BFCL_FILE_RE = /^BFCL_v\d+_([A-Za-z0-9_]+)\.json$/;

/** One BFCL question with its functions and (for the AST categories) its possible answer. */
export interface BfclQuestion {
  id: string;
  category: string;
  /** The conversation (BFCL's `question`: a list of turns, each a list of messages). */
  question: unknown;
  functions: FunctionDoc[];
  /** BFCL's ground_truth; undefined for irrelevance / live_relevance, and when the answer file lacks the id. */
  possibleAnswer: PossibleAnswer | undefined;
  /** Where the question was read: file and line. */
  file: string;
  line: number;
}

const paramDoc: z.ZodType<unknown> = z.lazy(() => z.object({ type: z.string().optional() }).passthrough());
const functionDocSchema = z
  .object({
    name: z.string().min(1),
    parameters: z
      .object({
        properties: z.record(z.string(), paramDoc).optional(),
        required: z.array(z.string()).optional(),
      })
      .passthrough()
      .optional(),
  })
  .passthrough();
const questionSchema = z.object({ id: z.string().min(1), question: z.unknown(), function: z.array(functionDocSchema) }).passthrough();
const answerSchema = z
  .object({
    id: z.string().min(1),
    ground_truth: z.array(z.record(z.string(), z.record(z.string(), z.array(z.unknown())))),
  })
  .passthrough();

/** The questions of one or more BFCL data folders, by id. */
export class BfclData {
  private readonly byId = new Map<string, BfclQuestion>();
  /** The folders read, in order. */
  readonly dirs: readonly string[];

  constructor(dirs: readonly string[], questions: Iterable<BfclQuestion>) {
    this.dirs = dirs;
    for (const q of questions) if (!this.byId.has(q.id)) this.byId.set(q.id, q);
  }

  get size(): number {
    return this.byId.size;
  }

  /** The question with this id, or undefined. */
  get(id: string): BfclQuestion | undefined {
    return this.byId.get(id);
  }

  /** The question with this id; an InputError naming the id (and the folders searched) when there is none. */
  require(id: string): BfclQuestion {
    const q = this.byId.get(id);
    if (!q) throw new InputError(`question id "${id}" is in none of the data folders (${this.dirs.join(", ")})`, { code: "BFCL_ID_NOT_FOUND" });
    return q;
  }

  /** The possible answer of a question; an InputError naming the id when its category needs one and it has none. */
  requireAnswer(q: BfclQuestion, category = q.category): PossibleAnswer | undefined {
    if (!needsPossibleAnswer(category)) return q.possibleAnswer;
    if (q.possibleAnswer === undefined) {
      throw new InputError(`question id "${q.id}" (${category}) has no possible answer in possible_answer/`, { file: q.file, code: "BFCL_NO_ANSWER" });
    }
    return q.possibleAnswer;
  }

  /** Every question, in reading order. */
  questions(): IterableIterator<BfclQuestion> {
    return this.byId.values();
  }

  /** The categories present, sorted. */
  categories(): string[] {
    return [...new Set([...this.byId.values()].map((q) => q.category))].sort();
  }
}

/** The lines of a data file, each validated; numbers keep their Python type (core/pyjson.ts). */
async function readLines<T>(file: string, schema: z.ZodType<T>, what: string): Promise<Array<{ value: T; line: number }>> {
  const out: Array<{ value: T; line: number }> = [];
  for await (const { value, line } of readJsonl(file, schema, { what, code: "BFCL_DATA_INVALID", parse: parsePyJson })) out.push({ value, line });
  return out;
}

/** Read one folder: every question file and, when present, its possible_answer file. */
export async function loadBfclFolder(dir: string): Promise<BfclQuestion[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    throw new InputError("cannot read the BFCL data folder", { file: dir, cause: err });
  }
  const files = names.filter((n) => BFCL_FILE_RE.test(n)).sort();
  if (files.length === 0) throw new InputError("no BFCL question files (BFCL_v4_<category>.json) in this folder", { file: dir, code: "BFCL_NO_DATA" });
  const perFile = await Promise.all(
    files.map(async (name) => {
      const category = (BFCL_FILE_RE.exec(name) as RegExpExecArray)[1] as string;
      const file = join(dir, name);
      const answerFile = join(dir, "possible_answer", name);
      const [questions, answers] = await Promise.all([
        readLines(file, questionSchema, "BFCL question"),
        // the (ir)relevance categories have no answer file
        existsSync(answerFile) ? readLines(answerFile, answerSchema, "BFCL possible answer") : [],
      ]);
      const answerById = new Map(answers.map((a) => [a.value.id, a.value.ground_truth as PossibleAnswer]));
      return questions.map(
        ({ value, line }): BfclQuestion => ({
          id: value.id,
          category,
          question: value.question,
          functions: value.function as FunctionDoc[],
          possibleAnswer: answerById.get(value.id),
          file,
          line,
        }),
      );
    }),
  );
  return perFile.flat();
}

/** Read BFCL data folders (in order; the first folder holding an id wins). */
export async function loadBfclData(dirs: readonly string[]): Promise<BfclData> {
  if (dirs.length === 0) throw new InputError("no BFCL data folder given");
  const all = await Promise.all(dirs.map((d) => loadBfclFolder(d)));
  return new BfclData(dirs, all.flat());
}
