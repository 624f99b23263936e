/**
 * A job folder: a definition file (the settings that decide its results) beside its result files, and the one rule
 * for running a job again into the same folder. synth (its definition is in manifest.json), judge (judge-run.json)
 * and `eval bfcl` (eval.json) follow it:
 *
 * - an empty or missing folder: the job starts, and writes its definition;
 * - a folder holding a job with the same definition: the job resumes (its results are kept; what is on file is
 *   not asked again);
 * - a folder holding a job with another definition: refused, naming each differing setting by its option, with
 *   both values (`--seed: was 4, now 5`);
 * - `--force`: the job's files are deleted and the job starts over (other files in the folder are left alone).
 *
 * A job may ask for the resume to be explicit (`resume: false` unless the user passed `--resume`): synth does, so
 * that a second `synth -o DIR` does not quietly add to a finished run. judge and eval resume by default.
 * See docs/architecture.md ("Job folders and resume").
 */
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { canonicalJson, InputError, isPlainObject, readJsonFile, UsageError, writeFileAtomic } from "../core/index.js";

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

export interface JobSpec<D extends object> {
  /** The job's folder (created when missing). */
  dir: string;
  /** What the folder holds, for messages ("judge results", "an eval"). */
  what: string;
  /** The definition's file name in the folder. */
  definitionFile: string;
  /** The result files' names in the folder: kept on a resume, deleted by --force. */
  resultFiles: readonly string[];
  /** What decides the results. Written (pretty JSON) to the definition file. */
  definition: D;
  /** The CLI option of every setting of the definition (named when it differs; only these are compared). */
  options: { readonly [K in keyof D]-?: string };
  /** Settings added after jobs were first written, with the value such an older job used. */
  addedLater?: Partial<D>;
}

export interface OpenJobOptions {
  /** Start over: delete the job's files first. */
  force?: boolean;
  /**
   * undefined (default): resume a job on file, start one otherwise. true: the folder must hold a job (`--resume`).
   * false: the folder must not hold one (a job that resumes only on `--resume`, run without it).
   */
  resume?: boolean;
}

export interface Job<D> {
  dir: string;
  /** True when the folder held a job with the same definition: its results are kept. */
  resumed: boolean;
  /** The definition written to the folder. */
  definition: D;
  /** The path of a file of the folder. */
  path(file: string): string;
}

/**
 * Open a job folder by the rule above: check (or clear) what it holds and write the definition. Errors are
 * UsageErrors: another definition (naming each setting), a job where none may be, none where --resume wants one,
 * results with no definition beside them; an unreadable definition file is an InputError naming it.
 */
export async function openJob<D extends object>(spec: JobSpec<D>, options: OpenJobOptions = {}): Promise<Job<D>> {
  const { dir, what, definitionFile } = spec;
  if (options.force && options.resume) throw new UsageError("--resume and --force exclude each other");
  const files = [definitionFile, ...spec.resultFiles];
  const present = existsSync(dir) ? files.filter((f) => existsSync(join(dir, f))) : [];
  let resumed = false;
  if (options.force) {
    for (const f of present) rmSync(join(dir, f), { force: true });
  } else if (present.length === 0) {
    if (options.resume === true) {
      throw new UsageError(`--resume: ${dir} holds no ${what} to resume (no ${definitionFile}); drop --resume to start one`);
    }
  } else {
    if (options.resume === false) {
      throw new UsageError(`${dir} already holds ${what} (${present.join(", ")}); pass --resume to continue it or --force to start over`);
    }
    if (!present.includes(definitionFile)) {
      throw new UsageError(
        `${dir} holds ${what} (${present.join(", ")}) but no ${definitionFile} saying how they were made; pass --force to start over, or choose another output folder`,
      );
    }
    const raw = await readJsonFile(join(dir, definitionFile));
    if (!isPlainObject(raw)) throw new InputError(`not a job definition (expected a JSON object of settings)`, { file: join(dir, definitionFile) });
    const before = raw as Partial<D>;
    const diffs = diffDefinitions(before, spec.definition, spec.options, spec.addedLater);
    if (diffs.length > 0) {
      throw new UsageError(
        `${dir} holds ${what} made with other settings (${describeDiffs(diffs)}); use the same settings to resume, --force to start over, or another output folder`,
      );
    }
    resumed = true;
  }
  mkdirSync(dir, { recursive: true });
  await writeFileAtomic(join(dir, definitionFile), JSON.stringify(spec.definition, null, 2) + "\n");
  return { dir, resumed, definition: spec.definition, path: (file) => join(dir, file) };
}
