/**
 * Append-only JSONL files that survive a kill at any moment: a run's dialogues.jsonl and rejected.jsonl, judge's
 * judge.jsonl, eval's results.jsonl.
 *
 * Every record is serialized first and handed to the kernel in a single write(2) on a file opened with O_APPEND,
 * so a SIGKILL can at worst leave the last line torn (no trailing newline, or unparsable); `recoverJsonl` finds that
 * tail and truncates it away before a resumed job appends again.
 */
import { closeSync, existsSync, fdatasyncSync, ftruncateSync, openSync, readFileSync, writeSync } from "node:fs";
import type { z } from "zod";
import { lineError, parseJsonlLine, toJsonl, ToolflowError, writeFileAtomic } from "../core/index.js";

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
 * A missing file reads as empty.
 */
export async function recoverJsonl<S extends z.ZodType>(
  path: string,
  schema: S,
  options: { key?: (record: z.infer<S>) => string | number } = {},
): Promise<RecoveredJsonl<z.infer<S>>> {
  if (!existsSync(path)) return { records: [], truncatedBytes: 0, duplicatesDropped: 0 };
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
    const text = buf.subarray(start, end).toString("utf8").trim();
    if (nl === -1) {
      // no newline: the write was cut short, even if the text happens to parse
      torn = true;
      break;
    }
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

  constructor(path: string, options: JsonlAppenderOptions) {
    this.path = path;
    this.syncIntervalMs = options.syncIntervalMs ?? 1000;
    this.serialize = options.serialize;
    try {
      this.fd = openSync(path, "a");
    } catch (err) {
      throw new ToolflowError(`cannot open ${path} for appending: ${(err as Error).message}`, { cause: err });
    }
  }

  append(record: unknown): void {
    if (this.fd === undefined) throw new ToolflowError(`${this.path} is closed`);
    const line = this.serialize(record);
    if (line === undefined || line.includes("\n")) {
      throw new ToolflowError(`record for ${this.path} does not serialize to one JSON line`);
    }
    const buf = Buffer.from(line + "\n", "utf8");
    let off = 0;
    while (off < buf.length) off += writeSync(this.fd, buf, off, buf.length - off);
    this.dirty = true;
    if (Date.now() - this.lastSync >= this.syncIntervalMs) this.sync();
  }

  sync(): void {
    if (this.fd === undefined || !this.dirty) return;
    fdatasyncSync(this.fd);
    this.dirty = false;
    this.lastSync = Date.now();
  }

  close(): void {
    if (this.fd === undefined) return;
    this.sync();
    closeSync(this.fd);
    this.fd = undefined;
  }
}
