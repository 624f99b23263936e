/**
 * A synth run folder: its files, the manifest's schema, and reading its records.
 *
 *   DIR/samples.jsonl    the run's tool samples, written once (atomically) before the first dialogue
 *   DIR/dialogues.jsonl  accepted DialogueRecords, one complete line per write (append.ts)
 *   DIR/rejected.jsonl   RejectedRecords (failed checks, generation errors), one complete line per write
 *   DIR/manifest.json    options, versions, seeds, counts, usage and cost (rewritten atomically)
 *
 * synth builds and writes the manifest (src/synth/manifest.ts: counts, cost); every job that reads a run (queue,
 * export, eval, judge, overlap, html) reads it through this file.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import {
  DialogueRecordZ,
  ExecutedWriteZ,
  InputError,
  RejectedRecordZ,
  readJsonFile,
  readJsonlAll,
  type DialogueRecord,
  type RejectedRecord,
} from "../core/index.js";
import { openJob, type Job, type OpenJobOptions } from "./job.js";

/** The files of a run folder (the one definition: synth writes them, every other job reads them). */
export const RUN_FILES = {
  dialogues: "dialogues.jsonl",
  rejected: "rejected.jsonl",
  samples: "samples.jsonl",
  manifest: "manifest.json",
} as const;

// ------------------------------------------------------------------------------------------------ manifest

export const MANIFEST_FORMAT = "toolflow-synth-manifest/1";

const UsageTotalsZ = z.object({
  promptTokens: z.number(),
  completionTokens: z.number(),
  cachedTokens: z.number(),
  estimated: z.boolean(),
});

export const SessionZ = z.object({
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  resumed: z.boolean(),
  status: z.string(),
  accepted: z.number().int(),
  rejected: z.number().int(),
  /** Bytes of torn tail removed when this session started. */
  repairedBytes: z.number().int().default(0),
  /** The model layer's usage summary of this session (calls, cache hits, tokens, cost). */
  usage: z.unknown().optional(),
});
export type Session = z.infer<typeof SessionZ>;

/**
 * DIR/manifest.json: what a run was asked to do (options, inputs by content hash, versions, seeds) and what it
 * did (counts accepted / rejected by check, tokens and cost per role and per model, sessions). Never holds an API
 * key (synth scrubs it before writing).
 */
export const ManifestZ = z.object({
  format: z.literal(MANIFEST_FORMAT),
  status: z.enum(["running", "complete", "interrupted", "failed"]),
  error: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
  versions: z.object({ toolflow: z.string(), node: z.string() }),
  /** The options that define the run's content (compared when the folder is opened again: the job rule of job.ts). */
  definition: z.record(z.string(), z.unknown()),
  /** Every option of the latest session, as given (paths, concurrency, cache...). */
  options: z.record(z.string(), z.unknown()),
  inputs: z.record(z.string(), z.unknown()),
  seeds: z.object({ run: z.number().int(), sampling: z.number().int().nullable(), dialogue: z.string() }),
  counts: z.object({
    target: z.number().int(),
    accepted: z.number().int(),
    rejected: z.number().int(),
    maxAttempts: z.number().int(),
    rejectedBy: z.record(z.string(), z.number().int()),
  }),
  usage: z.object({
    total: UsageTotalsZ,
    byRole: z.record(z.string(), UsageTotalsZ),
    byModel: z.record(z.string(), UsageTotalsZ),
    byRoleModel: z.record(z.string(), z.record(z.string(), UsageTotalsZ)),
  }),
  cost: z.object({
    currency: z.literal("USD"),
    /** null when no model of the run has a price. */
    total: z.number().nullable(),
    byModel: z.record(z.string(), z.number().nullable()),
    byRole: z.record(z.string(), z.number().nullable()),
    /** Models without a price entry (their cost is not in the total). */
    unpriced: z.array(z.string()),
    /**
     * What the same calls would have cost with no response-cache hits and no provider prompt caching: the tokens
     * paid (records) plus the tokens response-cache hits saved (sessions' usage), every prompt token at the input
     * price. (`total` etc. above are what was paid.) Absent in manifests of older versions.
     */
    withoutCache: z
      .object({
        total: z.number().nullable(),
        byModel: z.record(z.string(), z.number().nullable()),
        byRole: z.record(z.string(), z.number().nullable()),
      })
      .optional(),
    /** The price ($ per 1M tokens) each priced model got and where it came from (the package or --prices). */
    prices: z.record(z.string(), z.unknown()).optional(),
  }),
  judge: z.object({ judged: z.number().int(), mean: z.record(z.string(), z.number()) }).nullable(),
  /** Runs with --execute: tool messages of accepted dialogues by how they were made (absent otherwise). */
  execution: z
    .object({ executed: z.number().int(), executedErrors: z.number().int(), simulated: z.number().int(), returnsMismatch: z.number().int() })
    .optional(),
  /**
   * Runs with --execute --allow-writes: the writes that rejected dialogues executed. `discarded`: on the dialogue's
   * own server process (isolation: dialogue), gone with it; `left`: on a shared server (isolation: shared, HTTP APIs),
   * still there. `calls` lists the first 200 (rejected.jsonl has every one). Absent when there were none.
   */
  rejectedWrites: z
    .object({
      discarded: z.number().int(),
      left: z.number().int(),
      calls: z.array(ExecutedWriteZ.extend({ dialogue: z.string() })),
    })
    .optional(),
  sessions: z.array(SessionZ),
});
export type Manifest = z.infer<typeof ManifestZ>;

/** DIR/manifest.json, checked: an InputError naming the file and the first field that is wrong. */
export async function readManifest(dir: string): Promise<Manifest> {
  return readManifestFile(join(dir, RUN_FILES.manifest));
}

async function readManifestFile(path: string): Promise<Manifest> {
  const raw = await readJsonFile(path);
  const parsed = ManifestZ.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InputError(`not a toolflow synth manifest: ${issue?.message ?? "invalid"}`, {
      file: path,
      pointer: "/" + (issue?.path.join("/") ?? ""),
    });
  }
  return parsed.data;
}

// ------------------------------------------------------------------------------------------------ opening a run

/** What opens a run folder: the run's definition and the CLI option of each of its settings. */
export interface RunJobSpec<D extends object> {
  dir: string;
  definition: D;
  options: { readonly [K in keyof D]-?: string };
  /** Settings added after runs were first written, with the value such an older run used. */
  addedLater?: Partial<D>;
}

/**
 * Open a run folder by the job rule (job.ts `openJob`): the definition file is manifest.json (its `definition`;
 * a manifest that does not parse is an InputError naming it), the results are the records and the samples. The
 * manifest is left to synth, which writes it once the run's inputs are loaded; `stored` is the manifest on file
 * when the run resumes.
 */
export function openRunJob<D extends object>(spec: RunJobSpec<D>, options: OpenJobOptions = {}): Promise<Job<D, Manifest>> {
  return openJob<D, Manifest>(
    {
      dir: spec.dir,
      what: "a run",
      definitionFile: RUN_FILES.manifest,
      resultFiles: [RUN_FILES.dialogues, RUN_FILES.rejected, RUN_FILES.samples],
      definition: spec.definition,
      options: spec.options,
      ...(spec.addedLater ? { addedLater: spec.addedLater } : {}),
      stored: {
        read: (path) => readManifestFile(path),
        definition: (m) => m.definition as Partial<D>,
        writtenByJob: true,
      },
    },
    options,
  );
}

// ------------------------------------------------------------------------------------------------ reading a run

/** Every dialogue record of DIR/dialogues.jsonl. Ids must be unique; an empty file is an error. */
export async function loadDialogues(dir: string): Promise<DialogueRecord[]> {
  const file = join(dir, RUN_FILES.dialogues);
  if (!existsSync(file)) throw new InputError("file not found (is this a synth output directory?)", { file });
  return loadDialogueFile(file);
}

/** Every dialogue record of a file of them (a run's dialogues.jsonl, under any name), as loadDialogues checks them. */
export async function loadDialogueFile(file: string): Promise<DialogueRecord[]> {
  if (!existsSync(file)) throw new InputError("file not found", { file });
  const records = await readJsonlAll(file, DialogueRecordZ, { what: "dialogue record" });
  if (records.length === 0) throw new InputError("no dialogues in this file", { file });
  const seen = new Set<string>();
  for (const r of records) {
    if (seen.has(r.id)) throw new InputError(`duplicate dialogue id "${r.id}"`, { file });
    seen.add(r.id);
  }
  return records;
}

/** The rejected records of DIR/rejected.jsonl, or undefined when there is no such file. */
export async function loadRejected(dir: string): Promise<RejectedRecord[] | undefined> {
  const file = join(dir, RUN_FILES.rejected);
  if (!existsSync(file)) return undefined;
  return readJsonlAll(file, RejectedRecordZ as unknown as z.ZodType<RejectedRecord>, { what: "rejected record" });
}
