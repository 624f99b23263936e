/**
 * A job folder: a definition file (the settings that decide its results) beside its result files, and the one rule
 * for running a job again into the same folder. synth (its definition is in manifest.json, see `openRunJob` in
 * run.ts), judge (judge-run.json) and `eval bfcl` (eval.json) all open their folder with `openJob`:
 *
 * - an empty or missing folder: the job starts, and writes its definition;
 * - a folder holding a job with the same definition: the job resumes (its results are kept; what is on file is
 *   not asked again);
 * - a folder holding a job with another definition: refused, naming each differing setting by its option, with
 *   both values (`--seed: was 4, now 5`), whether or not `--resume` was given;
 * - results without a definition beside them: refused (nothing says how they were made); a definition file that
 *   cannot be read: an InputError naming it;
 * - `--force`: the job's files are deleted and the job starts over (other files in the folder are left alone);
 * - `--resume`: the same as no flag where a job is on file, and an error where there is none (for scripts that
 *   must never start a job by accident);
 * - a folder another live process is writing (its lock file, `.toolflow-job.lock`, names a running process): refused,
 *   so that the same command started twice does not write the same files twice. The job releases the lock when it
 *   ends (`Job.release`); a lock left by a killed process is taken over.
 *
 * The same command run again therefore finishes a killed job and leaves a finished one as it is: settings that
 * change the results are in the definition, so a resumed job gives exactly the results of an uninterrupted one.
 * See docs/architecture.md ("Job folders and resume").
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { canonicalJson, InputError, isPlainObject, makeDirSync, readJsonFile, UsageError, writeFileAtomic } from "../core/index.js";

/** One setting that differs between the job on file and the one asked for. */
export interface DefinitionDiff<K extends string = string> {
  field: K;
  /** The CLI option that sets it. */
  flag: string;
  before: unknown;
  now: unknown;
}

/**
 * The settings where two definitions differ, in the order of `options` (only the settings named there are
 * compared). `addedLater`: settings added after jobs were first written, with the value such an older job used.
 */
export function diffDefinitions<D extends object>(
  before: Partial<D>,
  now: D,
  options: { readonly [K in keyof D]-?: string },
  addedLater: Partial<D> = {},
): Array<DefinitionDiff<Extract<keyof D, string>>> {
  const was: Partial<D> = { ...addedLater, ...before };
  const out: Array<DefinitionDiff<Extract<keyof D, string>>> = [];
  for (const field of Object.keys(options) as Array<Extract<keyof D, string>>) {
    if (canonicalJson(was[field] ?? null) !== canonicalJson(now[field] ?? null)) {
      out.push({ field, flag: options[field], before: was[field] ?? null, now: now[field] ?? null });
    }
  }
  return out;
}

/** "--seed: was 4, now 5; --no-plan: was true, now false". */
export function describeDiffs(diffs: readonly DefinitionDiff[]): string {
  return diffs.map((d) => `${d.flag}: was ${JSON.stringify(d.before)}, now ${JSON.stringify(d.now)}`).join("; ");
}

/**
 * How a job's definition file is read and where the definition is in it. The default: the file is the definition
 * (a JSON object of settings), written by `openJob`.
 */
export interface StoredDefinition<D extends object, S> {
  /** Read (and check) the definition file; errors name it. */
  read(path: string): Promise<S>;
  /** The definition in what `read` gave. */
  definition(stored: S): Partial<D>;
  /**
   * The job writes the definition file itself (synth's manifest, written once its inputs are ready); `openJob`
   * then leaves it as it is.
   */
  writtenByJob?: boolean;
}

export interface JobSpec<D extends object, S = Partial<D>> {
  /** The job's folder (created when missing). */
  dir: string;
  /** What the folder holds, with its article, for messages ("judge results", "an eval", "a run"). */
  what: string;
  /** The definition's file name in the folder. */
  definitionFile: string;
  /** The result files' names in the folder: kept on a resume, deleted by --force. */
  resultFiles: readonly string[];
  /** What decides the results. Written (pretty JSON) to the definition file unless the job writes it. */
  definition: D;
  /** The CLI option of every setting of the definition (named when it differs; only these are compared). */
  options: { readonly [K in keyof D]-?: string };
  /** Settings added after jobs were first written, with the value such an older job used. */
  addedLater?: Partial<D>;
  /** Where the definition is stored (default: the definition file is the definition). */
  stored?: StoredDefinition<D, S>;
}

export interface OpenJobOptions {
  /** Start over: delete the job's files first. */
  force?: boolean;
  /** `--resume`: the folder must hold a job to continue (without it, one is started where there is none). */
  resume?: boolean;
}

export interface Job<D, S = Partial<D>> {
  dir: string;
  /** True when the folder held a job with the same definition: its results are kept. */
  resumed: boolean;
  /** The definition asked for (written to the folder unless the job writes it). */
  definition: D;
  /** What the definition file held, when the job resumed. */
  stored?: S;
  /** The path of a file of the folder. */
  path(file: string): string;
  /** Release the folder's lock (call when the job ends, however it ends; calling it again does nothing). */
  release(): void;
}

/** The lock file of a job folder while a job writes it. */
export const JOB_LOCK_FILE = ".toolflow-job.lock";

interface LockInfo {
  pid: number;
  /** A hash of the host name (the name itself is not written: run folders get published). */
  host: string;
  startedAt: string;
  what: string;
}

function hostId(): string {
  return createHash("sha256").update(hostname()).digest("hex").slice(0, 16);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readLock(path: string): LockInfo | undefined {
  try {
    const v = JSON.parse(readFileSync(path, "utf8")) as Partial<LockInfo>;
    return typeof v.pid === "number" && typeof v.host === "string" ? (v as LockInfo) : undefined;
  } catch {
    return undefined; // gone, or torn by a kill while it was written: stale
  }
}

/**
 * Take the folder's lock (the folder exists), or refuse when another live process holds it. A lock of this process
 * (an earlier job of it that did not release) or of a process that is gone is stale and taken over.
 */
function takeLock(dir: string, what: string): () => void {
  const path = join(dir, JOB_LOCK_FILE);
  const mine: LockInfo = { pid: process.pid, host: hostId(), startedAt: new Date().toISOString(), what };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(path, JSON.stringify(mine) + "\n", { flag: "wx" });
      let held = true;
      return () => {
        if (!held) return;
        held = false;
        if (readLock(path)?.pid === process.pid) rmSync(path, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    const held = readLock(path);
    if (held && held.pid !== process.pid && (held.host !== mine.host || isAlive(held.pid))) {
      const where = held.host !== mine.host ? " on another machine" : "";
      throw new UsageError(
        `${dir} is in use: ${held.what} is being written by process ${held.pid}${where} (since ${held.startedAt}); wait for it or stop it, or delete ${path} if no toolflow job writes there`,
      );
    }
    rmSync(path, { force: true });
  }
  throw new UsageError(`${dir}: could not take ${JOB_LOCK_FILE} (another job keeps taking it)`);
}

/** The default StoredDefinition: the definition file is a JSON object of settings. */
function plainDefinition<D extends object>(): StoredDefinition<D, Partial<D>> {
  return {
    read: async (path) => {
      const raw = await readJsonFile(path);
      if (!isPlainObject(raw)) throw new InputError(`not a job definition (expected a JSON object of settings)`, { file: path });
      return raw as Partial<D>;
    },
    definition: (stored) => stored,
  };
}

/**
 * Open a job folder by the rule above: check (or clear) what it holds and write the definition. Errors are
 * UsageErrors: another definition (naming each setting), --resume where there is no job, results with no
 * definition beside them; an unreadable definition file is an InputError naming it.
 */
export async function openJob<D extends object, S = Partial<D>>(spec: JobSpec<D, S>, options: OpenJobOptions = {}): Promise<Job<D, S>> {
  const { dir, what } = spec;
  const stored = spec.stored ?? (plainDefinition<D>() as unknown as StoredDefinition<D, S>);
  if (options.force && options.resume) throw new UsageError("--resume and --force exclude each other");
  // the lock first, where the folder exists: what it holds is checked (or deleted) only by the job that will write it
  let release = existsSync(dir) ? takeLock(dir, what) : undefined;
  try {
    const job = await settleJob(spec, stored, options);
    release ??= takeLock(dir, what);
    return { ...job, release };
  } catch (err) {
    release?.();
    throw err;
  }
}

async function settleJob<D extends object, S>(
  spec: JobSpec<D, S>,
  stored: StoredDefinition<D, S>,
  options: OpenJobOptions,
): Promise<Omit<Job<D, S>, "release">> {
  const { dir, what, definitionFile } = spec;
  const files = [definitionFile, ...spec.resultFiles];
  const present = existsSync(dir) ? files.filter((f) => existsSync(join(dir, f))) : [];
  let previous: S | undefined;
  if (options.force) {
    for (const f of present) rmSync(join(dir, f), { force: true });
  } else if (!present.includes(definitionFile)) {
    if (present.length > 0) {
      throw new UsageError(
        `${dir} holds ${what} (${present.join(", ")}) but no ${definitionFile} saying how they were made; pass --force to start over, or choose another output folder`,
      );
    }
    if (options.resume) {
      throw new UsageError(`--resume: nothing to resume in ${dir} (no ${definitionFile}); drop --resume to start`);
    }
  } else {
    previous = await stored.read(join(dir, definitionFile));
    const diffs = diffDefinitions(stored.definition(previous), spec.definition, spec.options, spec.addedLater);
    if (diffs.length > 0) {
      throw new UsageError(
        `${dir} holds ${what} made with other settings (${describeDiffs(diffs)}); use the same settings to resume, --force to start over, or another output folder`,
      );
    }
  }
  makeDirSync(dir, "the output folder");
  if (!stored.writtenByJob) await writeFileAtomic(join(dir, definitionFile), JSON.stringify(spec.definition, null, 2) + "\n");
  return {
    dir,
    resumed: previous !== undefined,
    definition: spec.definition,
    ...(previous !== undefined ? { stored: previous } : {}),
    path: (file) => join(dir, file),
  };
}
