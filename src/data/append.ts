/**
 * Append-only JSONL files that survive a kill at any moment: a run's dialogues.jsonl and rejected.jsonl, judge's
 * judge.jsonl, eval's results.jsonl.
 *
 * Every record is serialized first and handed to the kernel in a single write(2) on a file opened with O_APPEND,
 * so a SIGKILL can at worst leave the last line torn (no trailing newline, or unparsable); `recoverJsonl` finds that
 * tail and truncates it away before a resumed job appends again. A write that fails (a full disk, a quota, a
 * read-only or refused file) is cut back to the last whole line at once, and is a one-line fatal ToolflowError
 * naming the file, how many records it keeps and how to go on.
 */
import { closeSync, existsSync, fdatasyncSync, fstatSync, ftruncateSync, openSync, readFileSync, statSync, writeSync } from "node:fs";
import type { z } from "zod";
import { decodeUtf8, InputError, lineError, parseJsonlLine, toJsonl, ToolflowError, writeError, writeFileAtomic } from "../core/index.js";

export interface RecoveredJsonl<T> {
  records: T[];
  /** Bytes cut from the end of the file (a torn last line); 0 when the file was clean. */
  truncatedBytes: number;
  /** Records dropped because they repeated an earlier key (the file was rewritten without them). */
  duplicatesDropped: number;
}

/**
 * Read an append-only JSONL file written by `JsonlAppender`, repairing what a crash can leave behind:
 * - a last line without its newline, or one that does not parse / validate, is a torn write: it is truncated;
 * - a bad line anywhere else is corruption that a crash cannot cause: an InputError naming file and line;
 * - with `key`, later records repeating a key are dropped and the file is rewritten atomically without them.
 * Lines are decoded as strict UTF-8 (core's `decodeUtf8`): a bad byte in a whole line is an InputError naming file,
 * line and byte offset (replaced and counted with --lossy-utf8). A missing or empty file reads as empty (an empty
 * one is not read at all: a character device such as /dev/full in its place is never read).
 */
export async function recoverJsonl<S extends z.ZodType>(
  path: string,
  schema: S,
  options: { key?: (record: z.infer<S>) => string | number } = {},
): Promise<RecoveredJsonl<z.infer<S>>> {
  if (!existsSync(path)) return { records: [], truncatedBytes: 0, duplicatesDropped: 0 };
  const st = statSync(path);
  if (st.isDirectory()) throw new InputError("is a folder, expected a file", { file: path, code: "IS_A_DIRECTORY" });
  if (st.size === 0) return { records: [], truncatedBytes: 0, duplicatesDropped: 0 };
  const buf = readFileSync(path);
  const records: Array<z.infer<S>> = [];
  let goodEnd = 0; // byte offset just after the last good line
  let start = 0;
  let lineNo = 0;
  let torn = false;
  while (start < buf.length) {
    lineNo++;
    const nl = buf.indexOf(0x0a, start);
    const end = nl === -1 ? buf.length : nl;
    const isLast = nl === -1 || nl + 1 >= buf.length;
    if (nl === -1) {
      // no newline: the write was cut short, even if the text happens to parse (it may end inside a character)
      torn = true;
      break;
    }
    // a whole line is what a completed write left: a bad byte in it is not a crash's doing
    const text = decodeUtf8(buf.subarray(start, end), path, { line: lineNo, baseOffset: start }).trim();
    if (text !== "") {
      const parsed = parseJsonlLine(text, schema as z.ZodType<z.infer<S>>);
      if (parsed.ok) records.push(parsed.value);
      else if (isLast) {
        torn = true;
        break;
      } else {
        const { problem } = parsed;
        throw lineError(path, lineNo, { ...problem, message: `${problem.message} (only the last line of a run file can be torn by a crash)` });
      }
    }
    goodEnd = end + 1;
    start = end + 1;
  }
  let truncatedBytes = 0;
  if (torn && goodEnd < buf.length) {
    truncatedBytes = buf.length - goodEnd;
    const fd = openSync(path, "r+");
    try {
      ftruncateSync(fd, goodEnd);
      fdatasyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
  let duplicatesDropped = 0;
  if (options.key) {
    const seen = new Set<string | number>();
    const unique: Array<z.infer<S>> = [];
    for (const r of records) {
      const k = options.key(r);
      if (seen.has(k)) duplicatesDropped++;
      else {
        seen.add(k);
        unique.push(r);
      }
    }
    if (duplicatesDropped > 0) {
      await writeFileAtomic(path, toJsonl(unique));
      return { records: unique, truncatedBytes, duplicatesDropped };
    }
  }
  return { records, truncatedBytes, duplicatesDropped };
}

export interface JsonlAppenderOptions {
  /**
   * One record to one line of JSON. Required: the jobs pass the model layer's `redactedJson`, which replaces every
   * form of every registered secret (API keys, `--execute` auth values; src/llm/secret-forms.ts) by "[REDACTED]"
   * (the data layer does not import the model layer, so it cannot choose this for them).
   */
  serialize: (record: unknown) => string | undefined;
  /** Longest time a written record waits for fdatasync (default 1000 ms). */
  syncIntervalMs?: number;
  /** Records the file already holds (recovered on resume), for the count a write error gives. Default 0. */
  records?: number;
  /**
   * What to do after a failed write, ending the error message (default "free the space (or fix the permission)
   * and run the same command again"; synth says "... again with --resume").
   */
  rerun?: string;
  /**
   * For a temporary file that replaces a target at the end (collect): the path a write error names and what it says
   * was kept, instead of this file's path and record count.
   */
  onFailure?: { path: string; kept: string };
}

/**
 * An append-only JSONL writer: one record = one write(2) of one complete line, on a file opened with O_APPEND.
 * Data reaches the disk (fdatasync) at most `syncIntervalMs` after a write, and on `sync()` / `close()`.
 * A SIGKILL loses nothing that was written (the page cache survives the process); fdatasync guards power loss.
 */
export class JsonlAppender {
  private fd: number | undefined;
  private lastSync = Date.now();
  private dirty = false;
  readonly path: string;
  private readonly syncIntervalMs: number;
  private readonly serialize: (record: unknown) => string | undefined;
  /** Records in the file: those it held when opened and those appended since. */
  private records: number;
  private readonly rerun: string;
  private readonly onFailure: { path: string; kept: string } | undefined;
  /** The error of a failed write: the appender is closed, and every later call throws it again. */
  private failed: ToolflowError | undefined;

  constructor(path: string, options: JsonlAppenderOptions) {
    this.path = path;
    this.syncIntervalMs = options.syncIntervalMs ?? 1000;
    this.serialize = options.serialize;
    this.records = options.records ?? 0;
    this.rerun = options.rerun ?? "free the space (or fix the permission) and run the same command again";
    this.onFailure = options.onFailure;
    try {
      this.fd = openSync(path, "a");
    } catch (err) {
      throw this.error(err, "");
    }
  }

  private error(err: unknown, partial: string): ToolflowError {
    if (this.onFailure) return writeError(err, this.onFailure.path, this.onFailure.kept);
    return writeError(err, this.path, `${this.kept()}${partial}; ${this.rerun}`);
  }

  private kept(): string {
    return `${this.records} record${this.records === 1 ? "" : "s"} kept`;
  }

  append(record: unknown): void {
    if (this.failed) throw this.failed;
    if (this.fd === undefined) throw new ToolflowError(`${this.path} is closed`);
    const line = this.serialize(record);
    if (line === undefined || line.includes("\n")) {
      throw new ToolflowError(`record for ${this.path} does not serialize to one JSON line`);
    }
    const buf = Buffer.from(line + "\n", "utf8");
    const fd = this.fd;
    let off = 0;
    try {
      while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    } catch (err) {
      this.fail(err, off);
    }
    this.records++;
    this.dirty = true;
    if (Date.now() - this.lastSync >= this.syncIntervalMs) this.sync();
  }

  /**
   * A write failed after `written` bytes of its line: cut the file back to its last whole line (with O_APPEND the
   * line's bytes are the file's last ones), close it, and throw the one-line error that says what was kept.
   */
  private fail(err: unknown, written: number): never {
    const fd = this.fd!;
    this.fd = undefined;
    let partial = "";
    if (written > 0) {
      try {
        ftruncateSync(fd, fstatSync(fd).size - written);
        partial = ", the partial last line was removed";
      } catch {
        partial = ", the last line is partial (the next run removes it)";
      }
    }
    try {
      closeSync(fd);
    } catch {
      // closed anyway
    }
    this.failed = this.error(err, partial);
    throw this.failed;
  }

  sync(): void {
    if (this.fd === undefined || !this.dirty) return;
    try {
      fdatasyncSync(this.fd);
    } catch (err) {
      // the records were written (the page cache holds them); whether they reach the disk is not known
      this.fail(err, 0);
    }
    this.dirty = false;
    this.lastSync = Date.now();
  }

  /** Sync and close. After a failed write there is nothing to close: it does nothing (the error was thrown then). */
  close(): void {
    if (this.fd === undefined) return;
    this.sync();
    closeSync(this.fd);
    this.fd = undefined;
  }
}
