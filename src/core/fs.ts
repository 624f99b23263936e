import { mkdir, open, readFile, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";
import { InputError } from "./errors.js";

/**
 * Write a file atomically: the data goes to a temporary file beside the target, is fsynced, then renamed over
 * the target. A crash leaves either the old file or the new one, never half of one.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  const fh = await open(tmp, "w");
  try {
    await fh.writeFile(data);
    await fh.sync();
  } catch (err) {
    await fh.close().catch(() => {});
    await rm(tmp, { force: true });
    throw err;
  }
  await fh.close();
  try {
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** Read a whole JSON file; a parse error becomes an InputError naming the file and position. */
export async function readJsonFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw new InputError(`cannot read file (${(err as NodeJS.ErrnoException).code ?? String(err)})`, {
      file: path,
      cause: err,
    });
  }
  return parseJsonText(text, path);
}

/** Parse JSON text; errors name the file and line. */
export function parseJsonText(text: string, file: string, lineOffset = 0): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const msg = (err as Error).message;
    const m = /position (\d+)/.exec(msg);
    let line: number | undefined;
    if (m) {
      const pos = Number(m[1]);
      line = lineOffset + text.slice(0, pos).split("\n").length;
    } else if (lineOffset > 0) {
      line = lineOffset + 1;
    }
    throw new InputError(`invalid JSON: ${msg}`, { file, line, cause: err });
  }
}
