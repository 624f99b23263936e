import { existsSync } from "node:fs";
import { open, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";
import { parseDocument } from "yaml";
import { InputError } from "./errors.js";
import { checkDepth, cleanStaleTemps, isFsError, makeDir, readTextFile, writeError } from "./input.js";

/**
 * Write a file atomically: the data goes to a temporary file beside the target, is fsynced, then renamed over
 * the target. A crash leaves either the old file or the new one, never half of one.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const kept = existsSync(path) ? `the previous ${path} is unchanged` : "nothing was written";
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    await makeDir(dirname(path), "the folder", kept);
    cleanStaleTemps(path);
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
  } catch (err) {
    throw writeError(err, path, kept);
  }
}

/**
 * Write lines to a file atomically without holding them all: they stream to a temporary file beside the target
 * (TARGET.PID.RAND.tmp, as writeFileAtomic), which is fsynced and renamed over the target at the end. A crash or an
 * error leaves the previous file (or none), never half of one; the temporary file of a killed run is removed by
 * the next write to the same place (cleanStaleTemps).
 */
export async function writeLinesAtomic(path: string, lines: Iterable<string> | AsyncIterable<string>): Promise<void> {
  const kept = existsSync(path) ? `the previous ${path} is unchanged` : "nothing was written";
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    await makeDir(dirname(path), "the folder", kept);
    cleanStaleTemps(path);
    const fh = await open(tmp, "w");
    try {
      let buffer = "";
      for await (const line of lines) {
        buffer += line;
        if (buffer.length >= 1 << 20) {
          await fh.write(buffer);
          buffer = "";
        }
      }
      if (buffer !== "") await fh.write(buffer);
      await fh.sync();
      await fh.close();
    } catch (err) {
      await fh.close().catch(() => {});
      await rm(tmp, { force: true });
      throw err;
    }
    try {
      await rename(tmp, path);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  } catch (err) {
    // an error of the lines themselves (not of the file system) passes through as it is
    throw isFsError(err) ? writeError(err, path, kept) : err;
  }
}

/** Read a whole JSON file; a parse error becomes an InputError naming the file and position. */
export async function readJsonFile(path: string): Promise<unknown> {
  return parseJsonText(await readTextFile(path), path);
}

/**
 * A JSON or YAML file (YAML by its .yaml / .yml extension) as a value; errors name the file and the line.
 * `what` names the file in the error when it cannot be read ("the price table").
 */
export async function readJsonOrYamlFile(path: string, what = "file"): Promise<unknown> {
  const text = await readTextFile(path, what);
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
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 1000 }) as unknown;
  } catch (err) {
    // the yaml package stops an alias bomb ("Excessive alias count") and too deep a structure (a RangeError)
    const reason = /alias/i.test((err as Error).message)
      ? "too many aliases (more than 1000 expansions: an alias bomb?)"
      : `cannot be read: ${(err as Error).message}`;
    throw new InputError(`invalid YAML: ${reason}`, { file, cause: err, code: "YAML_LIMIT" });
  }
  checkDepth(value, file, { label: "the YAML document" });
  return value;
}

/** Parse JSON text; errors name the file and line. */
export function parseJsonText(text: string, file: string, lineOffset = 0): unknown {
  try {
    const value: unknown = JSON.parse(text);
    checkDepth(value, file, { label: "the JSON document" });
    return value;
  } catch (err) {
    if (err instanceof InputError) throw err;
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
