/**
 * Read any tool-calling dataset into one dialogue shape (OpenAI-style messages with tool_calls, the tools, and
 * the plan / stepOf when present), detecting the format from the data: toolflow runs (`dialogues.jsonl`), the
 * five export formats toolflow writes (openai, sharegpt, hermes, llama31, xlam) and the public formats people
 * train on (OpenAI messages + tools, LLaMA-Factory ShareGPT, Hermes function calling, xLAM / APIGen, Glaive).
 * The formats themselves (detection and one reader each) are in src/data/formats; this file finds a dataset's
 * files, reads their rows and dispatches each to its format's reader.
 *
 * Files are streamed line by line (JSONL); a `.json` file holding one array is read whole. The format is decided
 * by a file's first row; every row is then validated (zod) against that format, and a row that does not fit is an
 * InputError naming the file, the line (or array index) and what was expected.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { InputError, readTextFile, readTextLines } from "../core/index.js";
import { RUN_FILES } from "./run.js";
import { SPLIT_NAMES } from "./splits.js";
import {
  NOTE_KINDS,
  WHAT_IS_KNOWN,
  bfclFileContext,
  detectRowFormat,
  notADialogue,
  readRow,
  type BfclFileContext,
  type DatasetDialogue,
  type DatasetFormat,
  type NoteFn,
  type NoteKind,
  type TextCallParser,
} from "./formats/index.js";

// ---------------------------------------------------------------- files and folders

const EXPORT_PREFERENCE = ["openai", "hermes", "sharegpt", "llama31", "xlam"] as const;
/** The split files of an exported dataset (or of one format folder of it), in split order. */
export const SPLIT_FILES: readonly string[] = SPLIT_NAMES.map((s) => `${s}.jsonl`);

/**
 * The split files of an exported dataset: those in `dir` itself, else those of its first format folder (in the
 * order of `formats`) that has any; undefined when there are none.
 */
export function exportSplitFiles(dir: string, formats: readonly string[]): string[] | undefined {
  const here = SPLIT_FILES.map((f) => join(dir, f)).filter((f) => existsSync(f));
  if (here.length > 0) return here;
  for (const fmt of formats) {
    const sub = join(dir, fmt);
    if (existsSync(sub) && statSync(sub).isDirectory()) {
      const files = SPLIT_FILES.map((f) => join(sub, f)).filter((f) => existsSync(f));
      if (files.length > 0) return files;
    }
  }
  return undefined;
}

/**
 * The data files of a path: a file is itself; a run folder its dialogues.jsonl; a format folder of an export its
 * split files; an export folder the split files of its most complete format (openai, then hermes, sharegpt,
 * llama31, xlam); any other folder its .jsonl / .json files.
 */
export function datasetFiles(path: string): string[] {
  let st;
  try {
    st = statSync(path);
  } catch (err) {
    throw new InputError("no such file or folder", { file: path, cause: err });
  }
  if (st.isFile()) return [path];
  if (existsSync(join(path, RUN_FILES.dialogues))) return [join(path, RUN_FILES.dialogues)];
  const splits = exportSplitFiles(path, EXPORT_PREFERENCE);
  if (splits) return splits;
  const files = readdirSync(path)
    .filter((f) => f.endsWith(".jsonl") || f.endsWith(".json"))
    .sort()
    .map((f) => join(path, f));
  if (files.length === 0) throw new InputError("no dialogues.jsonl, export format folder or .jsonl/.json file here", { file: path });
  return files;
}

type BadLine = (line: number, message: string) => void;

function* jsonLinesOf(text: string, file: string, onBadLine?: BadLine): Generator<{ row: unknown; line: number }> {
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const t = (lines[i] as string).trim();
    if (t === "") continue;
    let row: unknown;
    try {
      row = JSON.parse(t);
    } catch (err) {
      const message = `invalid JSON on this line: ${(err as Error).message} (expected one JSON object a line)`;
      if (onBadLine) {
        onBadLine(i + 1, message);
        continue;
      }
      throw new InputError(message, { file, line: i + 1, cause: err });
    }
    yield { row, line: i + 1 };
  }
}

/**
 * The rows of a file. `.jsonl` is streamed line by line. `.json` is read whole: one array (its items; the "line"
 * is the 1-based position), one object, or — as BFCL publishes its `.json` files — one JSON object a line.
 */
async function* rowsOf(file: string, onBadLine?: BadLine): AsyncGenerator<{ row: unknown; line: number }> {
  if (file.endsWith(".json")) {
    let text: string;
    try {
      // strict UTF-8 (an error naming the byte offset), or replaced and counted with --lossy-utf8
      text = await readTextFile(file);
    } catch (err) {
      if (err instanceof InputError) throw err;
      throw new InputError("cannot read file", { file, cause: err });
    }
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch (err) {
      // one JSON value a line (BFCL's .json files): read as JSONL when the first line is a JSON value of its own
      const first = text.trimStart().split("\n", 1)[0] ?? "";
      let firstOk = false;
      try {
        JSON.parse(first);
        firstOk = true;
      } catch {
        firstOk = false;
      }
      if (!firstOk) throw new InputError(`invalid JSON: ${(err as Error).message}`, { file, cause: err });
      yield* jsonLinesOf(text, file, onBadLine);
      return;
    }
    const list = Array.isArray(v) ? v : [v];
    // a JSON array has no lines: the "line" is the row's 1-based position
    for (let i = 0; i < list.length; i++) yield { row: list[i], line: i + 1 };
    return;
  }
  try {
    // decoded line by line, strictly (file, line and byte offset of a bad byte), or lossily with --lossy-utf8
    for await (const { text: raw, line } of readTextLines(file)) {
      const text = raw.trim();
      if (text === "") continue;
      let row: unknown;
      try {
        row = JSON.parse(text);
      } catch (err) {
        const message = `invalid JSON on this line: ${(err as Error).message} (expected one JSON object a line)`;
        if (onBadLine) {
          onBadLine(line, message);
          continue;
        }
        throw new InputError(message, { file, line, cause: err });
      }
      yield { row, line };
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") throw new InputError("file not found", { file, cause: err });
    throw err;
  }
}

/**
 * The format of a file's first row (see rowsOf for the layouts read), or undefined when the file has no row or its
 * first row is no dialogue of a known format. Unreadable files (missing, not JSON) are InputErrors naming them.
 */
export async function detectFileFormat(file: string): Promise<DatasetFormat | undefined> {
  for await (const { row } of rowsOf(file)) return detectRowFormat(row);
  return undefined;
}

/** One file read: its format (null when it was skipped), rows read, and the BFCL answer file used. */
export interface ReadFileSummary {
  file: string;
  format: DatasetFormat | null;
  rows: number;
  /** BFCL: the possible-answer file read (null: none). */
  answers?: string | null;
  /** Why the file was skipped (a folder's file that is not a dialogue dataset). */
  skipped?: string;
}

/** One kind of note: how often, and the first place (`file line N: detail`). */
export interface ReadNoteSummary {
  kind: NoteKind;
  what: string;
  count: number;
  first: string;
}

/** What reading a dataset met: the files, rows skipped, and every note kind with its count. */
export interface ReadSummary {
  files: ReadFileSummary[];
  rowsSkipped: number;
  notes: ReadNoteSummary[];
}

/** Collects what readDataset met (pass it as `log`); `summary()` gives the ReadSummary. */
export class ReadLog {
  private readonly files: ReadFileSummary[] = [];
  private readonly notes = new Map<NoteKind, ReadNoteSummary>();

  file(entry: ReadFileSummary): void {
    this.files.push(entry);
  }

  row(): void {
    const f = this.files[this.files.length - 1];
    if (f) f.rows++;
  }

  note(kind: NoteKind, where: string, detail: string, count = 1): void {
    const n = this.notes.get(kind);
    if (n) n.count += count;
    else this.notes.set(kind, { kind, what: NOTE_KINDS[kind], count, first: detail ? `${where}: ${detail}` : where });
  }

  summary(): ReadSummary {
    return {
      files: this.files.map((f) => ({ ...f })),
      rowsSkipped: this.notes.get("skipped-row")?.count ?? 0,
      notes: [...this.notes.values()].map((n) => ({ ...n })),
    };
  }
}

export interface ReadDatasetOptions {
  /** Force a format instead of detecting it from each file's first row. */
  format?: DatasetFormat;
  /** Called once per file with the format read. */
  onFile?: (file: string, format: DatasetFormat) => void;
  /** Collects the files read, rows skipped and notes (what could not be placed as it is). */
  log?: ReadLog;
  /** Skip (and count) rows that do not fit their file's format instead of stopping at the first. */
  skipInvalid?: boolean;
  /**
   * BFCL possible answers: a file, or a folder holding answer files named as the question files; false to read
   * the questions alone. Default: `possible_answer/<same name>` beside each question file, when it exists.
   */
  answers?: string | false;
  /** Reads BFCL's multi-turn answer calls (Python syntax); without it they are counted by name with arguments {}. */
  parseCalls?: TextCallParser;
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Stream the dialogues of a dataset (a file or folder, see datasetFiles), normalized. */
export async function* readDataset(path: string, options: ReadDatasetOptions = {}): AsyncGenerator<DatasetDialogue> {
  const files = datasetFiles(path);
  // a folder's own .json / .jsonl files (not a run or an export): files that are no dataset are skipped and noted
  const listed = isDir(path) && !existsSync(join(path, RUN_FILES.dialogues)) && exportSplitFiles(path, EXPORT_PREFERENCE) === undefined;
  const log = options.log;
  let readAny = false;
  const skipped: string[] = [];
  for (const file of files) {
    let format = options.format;
    let announced = false;
    let bfcl: BfclFileContext | undefined;
    let where = file;
    const note: NoteFn = (kind, detail, count = 1) => log?.note(kind, where, detail, count);
    const badRow = (line: number, message: string): void => {
      log?.note("skipped-row", `${file} line ${line}`, message);
    };
    for await (const { row, line } of rowsOf(file, options.skipInvalid ? badRow : undefined)) {
      where = `${file} line ${line}`;
      if (!format) {
        format = detectRowFormat(row);
        if (!format) {
          const why = notADialogue(row);
          if (listed) {
            // not a dataset: say so and go on with the folder's other files
            log?.file({ file, format: null, rows: 0, skipped: why ?? "unknown row format" });
            log?.note("skipped-file", file, why ?? "unknown row format");
            skipped.push(`${basename(file)} (${why ?? "unknown row format"})`);
            break;
          }
          throw new InputError(why ?? `unknown dataset format (expected ${WHAT_IS_KNOWN})`, { file, line, code: "DATASET_FORMAT" });
        }
      }
      if (!announced) {
        if (format === "bfcl") bfcl = bfclFileContext(file, { answers: options.answers, parseCalls: options.parseCalls });
        options.onFile?.(file, format);
        log?.file({ file, format, rows: 0, ...(format === "bfcl" ? { answers: bfcl?.answerFile ?? null } : {}) });
        announced = true;
      }
      let d: DatasetDialogue;
      try {
        d = readRow(format, row, { file, line }, { note, ...(bfcl ? { bfcl } : {}) });
      } catch (err) {
        if (!(options.skipInvalid && err instanceof InputError)) throw err;
        const at = `${file} line ${line}`;
        badRow(line, err.message.startsWith(at) ? err.message.slice(at.length).replace(/^:\s*/, "").trim() : err.message);
        continue;
      }
      readAny = true;
      log?.row();
      yield d;
    }
    if (bfcl?.answers) {
      const unused = [...bfcl.answers.keys()].filter((id) => !bfcl?.used.has(id));
      if (unused.length > 0) log?.note("unused-answer", bfcl.answerFile ?? file, unused.slice(0, 3).join(", "), unused.length);
    }
  }
  if (listed && !readAny && skipped.length === files.length) {
    throw new InputError(`no dialogue dataset here: ${skipped.join("; ")}`, { file: path, code: "DATASET_FORMAT" });
  }
}

/** Every dialogue of a dataset, in memory. */
export async function readDatasetAll(path: string, options: ReadDatasetOptions = {}): Promise<DatasetDialogue[]> {
  const out: DatasetDialogue[] = [];
  for await (const d of readDataset(path, options)) out.push(d);
  return out;
}
