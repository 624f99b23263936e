/**
 * The input layer: what every command checks about the files it reads and writes before any work starts, and how
 * the bytes of a file become text.
 *
 * - `checkInputFile` / `checkInputDir`: the path exists and is of the right kind (InputError, exit 2, naming it);
 * - `checkOutputFile` / `checkOutputDir`: an output is not something of the wrong kind, its folder can be made
 *   and written (InputError, exit 2);
 * - `decodeUtf8`: strict UTF-8 (an error naming file, line and byte offset), or with `--lossy-utf8` (`setLossyUtf8`)
 *   bad bytes become U+FFFD and are counted (`lossyUtf8Count`, printed in the command's summary);
 * - `checkDepth`: a value nested deeper than a limit (a YAML/JSON bomb, a 10,000-deep schema) is an InputError;
 * - `writeError`: ENOSPC, EDQUOT, EACCES, EROFS... while writing as a one-line ToolflowError (exit 1, fatal) naming
 *   the path and saying what was kept; the writers (core's atomic writes, data's JSONL appender, export) throw it
 *   themselves at the failing write;
 * - `makeDir` / `makeDirSync`: the one way src makes an output, job or cache folder; a refused mkdir (EACCES, ENOSPC,
 *   EROFS, ENOTDIR, a file in the way) is the same one-line error naming the folder;
 * - `sqliteError`: SQLite's full / read-only / cannot-open / I/O errors (better-sqlite3's `SQLITE_*` codes) as the
 *   same kind of one-line error naming the database file (the caches use it);
 * - `cleanStaleTemps`: the temporary files and folders of atomic writes left by a killed process (its PID no
 *   longer alive) beside a target, removed by the next run that writes there.
 */
import { accessSync, constants, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, type Stats } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import { isUtf8 } from "node:buffer";
import { basename, dirname, join, resolve, sep } from "node:path";
import { InputError, ToolflowError } from "./errors.js";

// ---------------------------------------------------------------------------------------------------------------
// kinds, existence, writability

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return undefined;
    if (code === "ENOTDIR") throw new InputError("a part of the path is a file, not a folder", { file: path, code: "BAD_PATH" });
    if (code === "EACCES") throw new InputError("permission denied", { file: path, code: "NO_PERMISSION" });
    throw new InputError(`cannot read (${code ?? String(err)})`, { file: path, cause: err });
  }
}

/** The input file exists, is a file (not a folder) and can be read. `label` names it ("tools file", "--graph"). */
export function checkInputFile(path: string, label = "input file"): void {
  const st = statOrUndefined(path);
  if (st === undefined) throw new InputError(`${label} not found`, { file: path, code: "NOT_FOUND" });
  if (st.isDirectory()) throw new InputError(`${label} is a folder, expected a file`, { file: path, code: "IS_A_DIRECTORY" });
  try {
    accessSync(path, constants.R_OK);
  } catch {
    throw new InputError(`${label} cannot be read (permission denied)`, { file: path, code: "NO_PERMISSION" });
  }
}

/** The input folder exists and is a folder. */
export function checkInputDir(path: string, label = "input folder"): void {
  const st = statOrUndefined(path);
  if (st === undefined) throw new InputError(`${label} not found`, { file: path, code: "NOT_FOUND" });
  if (!st.isDirectory()) throw new InputError(`${label} is a file, expected a folder`, { file: path, code: "NOT_A_DIRECTORY" });
}

/** An input that may be a file or a folder (a run folder or one of its files): it exists. Returns whether it is a folder. */
export function checkInputPath(path: string, label = "input"): "file" | "dir" {
  const st = statOrUndefined(path);
  if (st === undefined) throw new InputError(`${label} not found`, { file: path, code: "NOT_FOUND" });
  return st.isDirectory() ? "dir" : "file";
}

/** The nearest existing ancestor of `path` (itself when it exists) and whether it is a folder. */
function nearestExisting(path: string): { path: string; stats: Stats } {
  let p = resolve(path);
  for (;;) {
    const st = statOrUndefined(p);
    if (st !== undefined) return { path: p, stats: st };
    const up = dirname(p);
    if (up === p) throw new InputError("no part of the path exists", { file: path, code: "BAD_PATH" });
    p = up;
  }
}

/** The folder that will hold `path` exists or can be made, and can be written. */
function checkParentWritable(path: string, label: string): void {
  const parent = nearestExisting(dirname(resolve(path)));
  if (!parent.stats.isDirectory()) {
    throw new InputError(`${label}: ${parent.path} is a file, so the folder for ${path} cannot be made`, { file: path, code: "BAD_PATH" });
  }
  try {
    accessSync(parent.path, constants.W_OK);
  } catch {
    throw new InputError(`${label}: the folder ${parent.path} cannot be written (permission denied)`, { file: path, code: "NO_PERMISSION" });
  }
}

/**
 * An output file: not an existing folder, its folder writable (or creatable); an existing file only when
 * `overwrite` is not false (most commands replace their output atomically). "-" (standard output) passes.
 */
export function checkOutputFile(path: string, label = "output file", options: { overwrite?: boolean } = {}): void {
  if (path === "-") return;
  const st = statOrUndefined(path);
  if (st?.isDirectory()) throw new InputError(`${label} is an existing folder, expected a file path`, { file: path, code: "IS_A_DIRECTORY" });
  if (st !== undefined && options.overwrite === false) {
    throw new InputError(`${label} exists (pass --force to replace it)`, { file: path, code: "OUTPUT_EXISTS" });
  }
  if (st !== undefined) {
    try {
      accessSync(path, constants.W_OK);
    } catch {
      throw new InputError(`${label} cannot be written (permission denied)`, { file: path, code: "NO_PERMISSION" });
    }
  }
  checkParentWritable(path, label);
}

/** An output folder: not an existing file, writable or creatable. Nothing is created here. */
export function checkOutputDir(path: string, label = "output folder"): void {
  const st = statOrUndefined(path);
  if (st !== undefined && !st.isDirectory()) throw new InputError(`${label} is an existing file, expected a folder`, { file: path, code: "NOT_A_DIRECTORY" });
  if (st !== undefined) {
    try {
      accessSync(path, constants.W_OK);
    } catch {
      throw new InputError(`${label} cannot be written (permission denied)`, { file: path, code: "NO_PERMISSION" });
    }
    return;
  }
  checkParentWritable(path, label);
}

// ---------------------------------------------------------------------------------------------------------------
// strict UTF-8

let lossy = false;
let lossyCount = 0;

/** `--lossy-utf8`: replace invalid UTF-8 with U+FFFD (counted) instead of stopping with an error. */
export function setLossyUtf8(on: boolean): void {
  lossy = on;
  lossyCount = 0;
}

/** Whether `--lossy-utf8` is on. */
export function isLossyUtf8(): boolean {
  return lossy;
}

/** Invalid UTF-8 sequences replaced with U+FFFD since `setLossyUtf8(true)`. */
export function lossyUtf8Count(): number {
  return lossyCount;
}

/** Byte offset of the first invalid UTF-8 sequence in `bytes` (-1 when valid), and how many such sequences. */
export function scanUtf8(bytes: Uint8Array): { first: number; count: number } {
  let first = -1;
  let count = 0;
  let i = 0;
  const n = bytes.length;
  while (i < n) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need = 0;
    let min = 0;
    if (b >= 0xc2 && b <= 0xdf) (need = 1), (min = 0x80);
    else if (b >= 0xe0 && b <= 0xef) (need = 2), (min = 0x800);
    else if (b >= 0xf0 && b <= 0xf4) (need = 3), (min = 0x10000);
    let ok = need > 0;
    let cp = need === 1 ? b & 0x1f : need === 2 ? b & 0x0f : b & 0x07;
    let k = 1;
    for (; ok && k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) ok = false;
      else cp = (cp << 6) | (c & 0x3f);
    }
    if (ok && (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))) ok = false;
    if (ok) {
      i += need + 1;
    } else {
      if (first < 0) first = i;
      count++;
      i += Math.max(1, k - 1);
    }
  }
  return { first, count };
}

/**
 * `bytes` as text, strictly: invalid UTF-8 is an InputError naming the file, the line (`lineNo`, or counted in
 * `bytes`) and the byte offset (`baseOffset` + the offset in `bytes`). With `--lossy-utf8` it is replaced and counted.
 * A leading byte order mark is dropped.
 */
export function decodeUtf8(bytes: Uint8Array, file: string, where: { line?: number; baseOffset?: number } = {}): string {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const start = buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf && (where.baseOffset ?? 0) === 0 ? 3 : 0;
  if (isUtf8(buf)) return buf.toString("utf8", start);
  const { first, count } = scanUtf8(buf);
  if (lossy) {
    lossyCount += count;
    return buf.toString("utf8", start);
  }
  const line = where.line ?? countLines(buf, first);
  const offset = (where.baseOffset ?? 0) + first;
  throw new InputError(
    `invalid UTF-8 at byte offset ${offset} (byte 0x${buf[first]!.toString(16).padStart(2, "0")}); ` +
      "save the file as UTF-8, or pass --lossy-utf8 to replace bad bytes with U+FFFD",
    { file, line, code: "INVALID_UTF8" },
  );
}

function countLines(buf: Buffer, upTo: number): number {
  let line = 1;
  for (let i = buf.indexOf(10); i >= 0 && i < upTo; i = buf.indexOf(10, i + 1)) line++;
  return line;
}

function readFailure(err: unknown, path: string, label: string): InputError {
  const code = (err as NodeJS.ErrnoException).code;
  const reason = code === "ENOENT" ? "not found" : code === "EISDIR" ? "it is a folder, expected a file" : code === "EACCES" ? "permission denied" : String(err);
  return new InputError(`cannot read ${label}: ${reason}${code ? ` (${code})` : ""}`, { file: path, cause: err, code: code === "ENOENT" ? "NOT_FOUND" : undefined });
}

/** A whole text file, decoded strictly (see `decodeUtf8`); a missing or unreadable file is an InputError. */
export async function readTextFile(path: string, label = "file"): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw readFailure(err, path, label);
  }
  return decodeUtf8(bytes, path);
}

/** `readTextFile` for the few synchronous readers (a chat template, BFCL answer files, the doctor's profiles). */
export function readTextFileSync(path: string, label = "file"): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw readFailure(err, path, label);
  }
  return decodeUtf8(bytes, path);
}

// ---------------------------------------------------------------------------------------------------------------
// nesting depth

/** Nesting a JSON or YAML value may have (objects and arrays); schemas of real tools stay far below it. */
export const MAX_NESTING_DEPTH = 256;

/** The nesting depth of a value (objects and arrays), counted without recursion; stops counting past `limit`. */
export function valueDepth(value: unknown, limit = Infinity): number {
  let max = 0;
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== "object") continue;
    const depth = d + 1;
    if (depth > max) max = depth;
    if (max > limit) return max;
    for (const child of Array.isArray(v) ? v : Object.values(v as Record<string, unknown>)) {
      if (child !== null && typeof child === "object") stack.push([child, depth]);
    }
  }
  return max;
}

/** An InputError when `value` is nested deeper than `limit`. */
export function checkDepth(value: unknown, file: string, options: { limit?: number; pointer?: string; line?: number; label?: string } = {}): void {
  const limit = options.limit ?? MAX_NESTING_DEPTH;
  if (valueDepth(value, limit) > limit) {
    throw new InputError(`${options.label ?? "value"} is nested more than ${limit} levels deep`, {
      file,
      ...(options.pointer !== undefined ? { pointer: options.pointer } : {}),
      ...(options.line !== undefined ? { line: options.line } : {}),
      code: "TOO_DEEP",
    });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// write errors

const WRITE_ERRORS: Record<string, string> = {
  ENOSPC: "no space left on the device",
  EDQUOT: "disk quota exceeded",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "read-only file system",
  EISDIR: "is a folder, expected a file",
  ENOTDIR: "a part of the path is a file, not a folder",
  EMFILE: "too many open files",
  EIO: "input/output error",
};

/** Whether `err` is a Node file-system error (it has an errno code). */
export function isFsError(err: unknown): err is NodeJS.ErrnoException {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).code === "string" && typeof (err as NodeJS.ErrnoException).syscall === "string";
}

/**
 * A file-system error met while writing `path` as a one-line ToolflowError (exit 1; exit 2 for a path of the wrong
 * kind) that names the path and says what was kept (`kept`, e.g. "the previous report.html is unchanged").
 */
export function writeError(err: unknown, path: string, kept?: string): ToolflowError {
  if (err instanceof ToolflowError) return err;
  const code = (err as NodeJS.ErrnoException)?.code ?? "";
  const reason = WRITE_ERRORS[code] ?? (err instanceof Error ? err.message : String(err));
  const errPath = pathToName(path, (err as NodeJS.ErrnoException)?.path);
  const message = `cannot write ${errPath}: ${reason}${code && !reason.includes(code) ? ` (${code})` : ""}${kept ? `; ${kept}` : ""}`;
  if (code === "EISDIR" || code === "ENOTDIR") return new InputError(message, { code: "BAD_PATH", cause: err });
  // fatal: a full disk or a refused write fails every later write too (a run stops instead of failing each item)
  return new ToolflowError(message, { code: code === "ENOSPC" || code === "EDQUOT" ? "DISK_FULL" : "WRITE_FAILED", exitCode: 1, fatal: true, cause: err });
}

/**
 * The path a write error names: the target the user gave, unless the failing operation was on another file (a
 * folder above it, a file inside an output folder). The temporary file or folder of an atomic write beside the
 * target (`TARGET.PID.RAND.tmp`, `.TARGET.tmp-PID-RAND`) is named as the target itself.
 */
function pathToName(target: string, errPath: string | undefined): string {
  if (errPath === undefined) return target;
  const t = resolve(target);
  const p = resolve(errPath);
  if (p === t) return target;
  const base = basename(t);
  const top = p.startsWith(dirname(t) + sep) ? p.slice(dirname(t).length + 1).split(sep)[0]! : "";
  if (top.startsWith(`${base}.`) || top.startsWith(`.${base}.`)) return target;
  return errPath;
}

/**
 * Run `work`, which writes `path`; a file-system error it throws becomes `writeError` (one line naming the path and
 * what was kept). `kept` defaults to what existed before: "the previous PATH is unchanged" or "nothing was written".
 */
export async function guardWrite<T>(path: string, work: () => Promise<T>, kept?: string): Promise<T> {
  const before = kept ?? (existsSync(path) ? `the previous ${path} is unchanged` : "nothing was written");
  try {
    return await work();
  } catch (err) {
    throw isFsError(err) ? writeError(err, path, before) : err;
  }
}

/**
 * Make the folder `path` (and its parents; nothing happens when it exists). A refused mkdir becomes one line naming
 * the folder, what it is (`label`: "the output folder", "the job folder", "the response cache folder") and what was
 * kept (default "nothing was written"): exit 1 and fatal for EACCES, ENOSPC, EROFS...; exit 2 (a path of the wrong
 * kind) for ENOTDIR and for a file where the folder should be.
 */
export async function makeDir(path: string, label = "the folder", kept = "nothing was written"): Promise<void> {
  try {
    await mkdir(path, { recursive: true });
  } catch (err) {
    throw mkdirError(err, path, label, kept);
  }
}

/** `makeDir` for the synchronous callers (a job folder, the caches opened in a constructor). */
export function makeDirSync(path: string, label = "the folder", kept = "nothing was written"): void {
  try {
    mkdirSync(path, { recursive: true });
  } catch (err) {
    throw mkdirError(err, path, label, kept);
  }
}

function mkdirError(err: unknown, path: string, label: string, kept: string): unknown {
  if (!isFsError(err)) return err;
  const code = err.code ?? "";
  // mkdir -p on an existing file (or a path through one): EEXIST or ENOTDIR, a path of the wrong kind
  if (code === "EEXIST" || code === "ENOTDIR") {
    const file = nearestFile(path);
    const reason = file === resolve(path) ? "a file is in the way" : `${file} is a file, not a folder`;
    return new InputError(`cannot create ${label}: ${reason} (${code}); ${kept}`, { file: path, code: "BAD_PATH", cause: err });
  }
  const reason = WRITE_ERRORS[code] ?? err.message;
  const errPath = err.path !== undefined && resolve(err.path) !== resolve(path) ? ` (at ${err.path})` : "";
  return new ToolflowError(`cannot create ${label} ${path}${errPath}: ${reason} (${code}); ${kept}`, {
    code: code === "ENOSPC" || code === "EDQUOT" ? "DISK_FULL" : "WRITE_FAILED",
    exitCode: 1,
    fatal: true,
    cause: err,
  });
}

/** The first existing part of `path` that is not a folder (the file in the way), or `path` itself. */
function nearestFile(path: string): string {
  let p = resolve(path);
  for (;;) {
    try {
      if (!statSync(p).isDirectory()) return p;
    } catch {
      // not there (or not reachable): look further up
    }
    const up = dirname(p);
    if (up === p) return resolve(path);
    p = up;
  }
}

const SQLITE_ERRORS: Record<string, string> = {
  SQLITE_FULL: "the database or the disk is full",
  SQLITE_READONLY: "the database is read-only",
  SQLITE_CANTOPEN: "the database file cannot be opened",
  SQLITE_IOERR: "input/output error",
  SQLITE_NOTADB: "the file is not a SQLite database",
  SQLITE_CORRUPT: "the database file is damaged",
  SQLITE_PERM: "permission denied",
  SQLITE_BUSY: "the database is locked by another process",
};

/**
 * Whether `err` is one of SQLite's storage errors (full, read-only, cannot open, I/O, not a database, damaged,
 * permission, busy), by better-sqlite3's `code` (`SQLITE_FULL`, `SQLITE_IOERR_WRITE`, `SQLITE_READONLY_DBMOVED`...).
 * Other errors (a bad statement, a constraint) are bugs, not the disk.
 */
export function isSqliteStorageError(err: unknown): err is Error & { code: string } {
  const code = (err as { code?: unknown })?.code;
  return err instanceof Error && typeof code === "string" && sqliteBaseCode(code) !== undefined;
}

function sqliteBaseCode(code: string): string | undefined {
  return Object.keys(SQLITE_ERRORS).find((base) => code === base || code.startsWith(`${base}_`));
}

/**
 * A SQLite storage error on the database file `path` as one line: "`doing` PATH: reason (SQLITE_FULL); `kept`".
 * Exit 1 and fatal; a file that is not a database (or is damaged) is exit 2 (the user chose the wrong file).
 * Anything other than a storage error (see `isSqliteStorageError`) is returned unchanged.
 */
export function sqliteError(err: unknown, path: string, doing: string, kept: string): unknown {
  if (err instanceof ToolflowError) return err;
  if (isFsError(err)) return writeError(err, path, kept);
  if (!isSqliteStorageError(err)) return err;
  const base = sqliteBaseCode(err.code)!;
  const message = `${doing} ${path}: ${SQLITE_ERRORS[base]} (${err.code}); ${kept}`;
  if (base === "SQLITE_NOTADB" || base === "SQLITE_CORRUPT") return new InputError(message, { code: "BAD_DATABASE", cause: err });
  return new ToolflowError(message, { code: base === "SQLITE_FULL" ? "DISK_FULL" : "WRITE_FAILED", exitCode: 1, fatal: true, cause: err });
}

/**
 * Open a SQLite file (a cache) and prepare it: `connect` opens the database, `setup` sets its pragmas, tables and
 * statements. When either fails, what was opened is closed and the failure thrown as `sqliteError` gives it (one
 * line naming the file for a storage error; anything else unchanged).
 */
export function openSqliteFile<D extends { close(): unknown }, T>(
  path: string,
  connect: () => D,
  setup: (db: D) => T,
  doing: string,
  kept: string,
): { db: D; prepared: T } {
  let db: D | undefined;
  try {
    db = connect();
    return { db, prepared: setup(db) };
  } catch (err) {
    try {
      db?.close();
    } catch {
      // closing what failed to open may fail alike
    }
    throw sqliteError(err, path, doing, kept);
  }
}

/** A file-system error whose operation is not known (the CLI's last resort): one line naming the path. */
export function fsErrorMessage(err: NodeJS.ErrnoException): { message: string; exitCode: number } {
  const code = err.code ?? "";
  const path = err.path ?? (err as { dest?: string }).dest ?? "";
  const reason =
    code === "ENOENT" ? "not found" : WRITE_ERRORS[code] ?? err.message.replace(/^[A-Z]+: /, "").replace(/, \w+ '.*'$/, "");
  const exitCode = code === "ENOENT" || code === "EISDIR" || code === "ENOTDIR" || code === "EEXIST" ? 2 : 1;
  return { message: `${path ? `${path}: ` : ""}${reason} (${code}${err.syscall ? ` in ${err.syscall}` : ""})`, exitCode };
}

// ---------------------------------------------------------------------------------------------------------------
// leftovers of atomic writes

/** Whether a process with this id is running (EPERM: it is, but not ours). */
export function pidAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * Remove the leftovers of atomic writes to `target` whose process is gone: `TARGET.PID.RAND.tmp` files
 * (writeFileAtomic) and `.TARGET.tmp-PID-RAND` folders (an export's folder swap). Returns the paths removed.
 * Errors are ignored (a leftover that cannot be removed does no harm to this run).
 */
export function cleanStaleTemps(target: string): string[] {
  const dir = dirname(resolve(target));
  const base = basename(resolve(target));
  const patterns = [
    new RegExp(`^${escapeRe(base)}\\.(\\d+)\\.[a-z0-9]+\\.tmp$`),
    new RegExp(`^\\.${escapeRe(base)}\\.tmp-(\\d+)-[a-z0-9]+$`),
  ];
  // an export's previous output moved aside: removed only once the new one is in place
  if (existsSync(target)) patterns.push(new RegExp(`^\\.${escapeRe(base)}\\.old-(\\d+)-[a-z0-9]+$`));
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    for (const re of patterns) {
      const m = re.exec(name);
      if (m && !pidAlive(Number(m[1]))) {
        try {
          rmSync(join(dir, name), { recursive: true, force: true });
          removed.push(join(dir, name));
        } catch {
          // left for a later run
        }
        break;
      }
    }
  }
  return removed;
}
