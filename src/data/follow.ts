/**
 * Following a growing JSONL file (a run that is still writing, for `toolflow view`; a finished one reads the same
 * way): each `read()` gives the complete lines appended since the last one, with where each line is, so a reader
 * can keep only a short row per record and read a record again from disk when it is needed. A partly written last
 * line waits for its newline; a line that is not UTF-8 is given with `bad` set (the caller decides: error or skip),
 * unless --lossy-utf8 is on (core's `isLossyUtf8`): then its bad bytes are replaced and counted by core's decodeUtf8.
 */
import { isUtf8 } from "node:buffer";
import { existsSync, statSync } from "node:fs";
import { open } from "node:fs/promises";
import { decodeUtf8, isLossyUtf8 } from "../core/index.js";

/** The byte offset of the first byte of `b` that is not part of valid UTF-8, or -1 when all of it is. */
export function invalidUtf8At(b: Uint8Array): number {
  if (isUtf8(b)) return -1;
  for (let i = 0; i < b.length; ) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    // the length of the sequence, and the range of its second byte (no overlong forms, surrogates or > U+10FFFF)
    const [n, lo, hi] =
      c >= 0xc2 && c <= 0xdf ? [1, 0x80, 0xbf] : c === 0xe0 ? [2, 0xa0, 0xbf] : c === 0xed ? [2, 0x80, 0x9f] : c >= 0xe1 && c <= 0xef ? [2, 0x80, 0xbf]
      : c === 0xf0 ? [3, 0x90, 0xbf] : c === 0xf4 ? [3, 0x80, 0x8f] : c >= 0xf1 && c <= 0xf3 ? [3, 0x80, 0xbf] : [0, 0, 0];
    if (n === 0) return i;
    for (let k = 1; k <= n; k++) {
      const x = b[i + k];
      if (x === undefined || x < (k === 1 ? lo : 0x80) || x > (k === 1 ? hi : 0xbf)) return i;
    }
    i += n + 1;
  }
  return -1;
}

/** One line of a followed file: its text, or (`bad`) why it cannot be read; `cut`: the file ended inside it. */
export interface FollowedLine {
  text: string;
  ref: LineRef;
  bad?: string;
  cut?: boolean;
}

/** Where a line is: its file, byte offset and length (without the newline), and its line number. */
export interface LineRef {
  file: string;
  start: number;
  length: number;
  line: number;
}

/** Follows one JSONL file: new complete lines since the last read; a torn tail is kept for the next read. */
export class JsonlFollower {
  private offset = 0;
  private lineNo = 0;
  private partial: Buffer = Buffer.alloc(0);
  constructor(readonly path: string) {}

  /** True when the file was replaced by a shorter one (a run started over): the caller resets. */
  shrank(): boolean {
    return existsSync(this.path) && statSync(this.path).size < this.offset;
  }

  /**
   * The complete lines appended since the last read (a line that is not UTF-8 comes with `bad` set). With `final`
   * (a finished run), a last line without its newline is given too, with `cut` set.
   */
  async *read(final = false): AsyncGenerator<FollowedLine> {
    if (!existsSync(this.path)) return;
    const size = statSync(this.path).size;
    const fh = size > this.offset ? await open(this.path, "r") : undefined;
    try {
      const chunk = 4 << 20;
      const buf = Buffer.alloc(chunk);
      while (fh && this.offset < size) {
        const { bytesRead } = await fh.read(buf, 0, Math.min(chunk, size - this.offset), this.offset);
        if (bytesRead === 0) break;
        const startOfData = this.offset - this.partial.length;
        const data = this.partial.length > 0 ? Buffer.concat([this.partial, buf.subarray(0, bytesRead)]) : buf.subarray(0, bytesRead);
        this.offset += bytesRead;
        let from = 0;
        for (let nl = data.indexOf(10, from); nl !== -1; nl = data.indexOf(10, from)) {
          this.lineNo++;
          const line = this.line(data.subarray(from, nl), { file: this.path, start: startOfData + from, length: nl - from, line: this.lineNo });
          from = nl + 1;
          if (line) yield line;
        }
        this.partial = Buffer.from(data.subarray(from));
      }
    } finally {
      await fh?.close();
    }
    if (final && this.partial.length > 0) {
      const start = this.offset - this.partial.length;
      const line = this.line(this.partial, { file: this.path, start, length: this.partial.length, line: this.lineNo + 1 });
      this.partial = Buffer.alloc(0);
      this.lineNo++;
      if (line) yield { ...line, cut: true };
    }
  }

  private line(bytes: Buffer, ref: LineRef): { text: string; ref: LineRef; bad?: string } | undefined {
    const at = invalidUtf8At(bytes);
    if (at >= 0 && !isLossyUtf8()) {
      return { text: "", ref, bad: `not UTF-8: byte 0x${bytes[at]!.toString(16).padStart(2, "0")} at byte offset ${at} of the line (${ref.start + at} of the file)` };
    }
    // valid, or --lossy-utf8: replaced and counted
    const text = at >= 0 ? decodeUtf8(bytes, ref.file, { line: ref.line, baseOffset: ref.start }) : bytes.toString("utf8");
    return text.trim() === "" ? undefined : { text, ref };
  }
}
