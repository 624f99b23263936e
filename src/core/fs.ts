import { mkdir, open, readFile, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";
import { parseDocument } from "yaml";
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

/**
 * A JSON or YAML file (YAML by its .yaml / .yml extension) as a value; errors name the file and the line.
 * `what` names the file in the error when it cannot be read ("the price table").
 */
export async function readJsonOrYamlFile(path: string, what = "file"): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw new InputError(`cannot read ${what} (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { file: path, cause: err });
  }
  return /\.ya?ml$/i.test(path) ? parseYamlText(text, path) : parseJsonText(text, path);
}

/** Parse YAML text (null for an empty document); errors name the file and line. */
export function parseYamlText(text: string, file: string): unknown {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  const err = doc.errors[0];
  if (err) {
    const line = err.linePos?.[0]?.line;
    throw new InputError(`invalid YAML: ${err.message.split("\n")[0]}`, { file, line, cause: err });
  }
  return doc.toJS({ maxAliasCount: 1000 }) as unknown;
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
