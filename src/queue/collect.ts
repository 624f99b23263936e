/**
 * `toolflow collect` (and the end of a queued `synth`): read a queued run's outcomes from Redis in index order,
 * decide them as the local run does (OrderedRun), and write the same run folder a local run writes:
 * samples.jsonl, dialogues.jsonl and rejected.jsonl (ordered by index) and manifest.json, each atomically.
 */
import { existsSync } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { makeDirSync, UsageError } from "../core/index.js";
import { costFor, redactedJson } from "../llm/index.js";
import {
  buildManifest,
  defaultSynthDeps,
  diffRunDefinitions,
  environmentSecrets,
  SynthOptionsZ,
  writeManifest,
  writeRunSamples,
  type RunDefinition,
  type SynthDeps,
} from "../synth/index.js";
import { JsonlAppender, ManifestZ, readManifest, RUN_FILES, type Manifest } from "../data/index.js";
import type { DialogueRecord, RejectedRecord } from "../core/index.js";
import { OrderedRun } from "./order.js";
import { checkRedis, openRedis, parseQueueUrl, QueueError } from "./connection.js";
import { checkRunName, parseOutcome, RunStore, type StoredRun } from "./store.js";

/** Outcomes read from Redis per round trip. */
const CHUNK = 500;

export interface CollectedRun {
  dir: string;
  manifest: Manifest;
  /** Every dialogue up to the last accepted one is decided, and --count are accepted. */
  complete: boolean;
  accepted: number;
  rejected: number;
}

/**
 * Decide the stored outcomes from index 0 on, in order, until `count` are accepted or an index has no outcome yet.
 * `onDecision` sees each decision.
 */
export async function decideStored(
  store: RunStore,
  ordered: OrderedRun,
  onDecision: (kind: "accepted" | "rejected", record: DialogueRecord | RejectedRecord) => void = () => {},
): Promise<void> {
  for (;;) {
    if (ordered.done) return;
    const raw = await store.rawOutcomes(ordered.next, CHUNK);
    for (const text of raw) {
      if (text === null || ordered.done) return;
      const decision = ordered.take(parseOutcome(text, `run "${store.run}" dialogue ${ordered.next}`));
      onDecision(decision.kind, decision.record);
    }
  }
}

/** Refuse to write over a folder that holds another run. */
export async function checkOutDir(dir: string, definition: RunDefinition): Promise<void> {
  if (existsSync(join(dir, RUN_FILES.manifest))) {
    const m = await readManifest(dir);
    const diffs = diffRunDefinitions(m.definition as unknown as RunDefinition, definition);
    if (diffs.length > 0) {
      throw new UsageError(
        `--out ${dir} holds another run (${diffs.map((d) => d.flag).join(", ")} differ); collect into another folder`,
      );
    }
    return;
  }
  const present = [RUN_FILES.dialogues, RUN_FILES.rejected].filter((f) => existsSync(join(dir, f)));
  if (present.length > 0) throw new UsageError(`--out ${dir} holds run files (${present.join(", ")}) without a manifest; collect into another folder`);
}

export async function collectRun(
  store: RunStore,
  stored: StoredRun,
  dir: string,
  options: { env?: NodeJS.ProcessEnv; deps?: SynthDeps; status?: Manifest["status"]; error?: string } = {},
): Promise<CollectedRun> {
  const runOptions = SynthOptionsZ.pick({ count: true, concurrency: true }).parse(stored.options);
  const definition = stored.definition as unknown as RunDefinition;
  await checkOutDir(dir, definition);
  makeDirSync(dir, "the run folder");
  const deps = options.deps ?? defaultSynthDeps();
  const ordered = new OrderedRun(runOptions.count, deps.createDeduper(), runOptions.concurrency);
  const { samples } = await store.inputs();
  await writeRunSamples(dir, samples);
  // The records stream to temporary files beside the targets (one line per record, as the local run appends them),
  // which are synced and renamed over the targets at the end: a crash leaves the old files or the new ones.
  const files = [RUN_FILES.dialogues, RUN_FILES.rejected].map((name) => {
    const path = join(dir, name);
    const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
    const onFailure = { path, kept: `${existsSync(path) ? `the previous ${path} is unchanged` : "nothing was written"}; free the space and collect again` };
    return { path, tmp, out: new JsonlAppender(tmp, { serialize: redactedJson, syncIntervalMs: 60_000, onFailure }) };
  });
  const [acc, rej] = files as [(typeof files)[number], (typeof files)[number]];
  let accepted = 0;
  let rejected = 0;
  try {
    await decideStored(store, ordered, (kind, record) => {
      if (kind === "accepted") {
        acc.out.append(record);
        accepted++;
      } else {
        rej.out.append(record);
        rejected++;
      }
    });
    for (const f of files) f.out.close();
    for (const f of files) await rename(f.tmp, f.path);
  } finally {
    for (const f of files) {
      f.out.close();
      await rm(f.tmp, { force: true });
    }
  }

  const sessions = ManifestZ.shape.sessions.parse(await store.sessions());
  const complete = ordered.done;
  const parts = stored.manifest;
  const manifest = buildManifest({
    createdAt: parts.createdAt,
    status: options.status ?? (complete ? "complete" : "running"),
    ...(options.error !== undefined ? { error: options.error } : {}),
    definition,
    options: parts.options,
    inputs: parts.inputs,
    seeds: parts.seeds,
    maxAttempts: parts.maxAttempts,
    snapshot: ordered.tally.snapshot(),
    sessions,
    price: (model, usage) => costFor(parts.prices, model, usage),
    prices: parts.priceSources,
  });
  await writeManifest(dir, manifest, environmentSecrets(options.env ?? process.env));
  return { dir, manifest, complete, accepted, rejected };
}

/** `toolflow collect`: connect, load the run stored under `run`, and collect it into `dir`. */
export async function collectQueuedRun(target: { url: string; run: string; out: string; env?: NodeJS.ProcessEnv }): Promise<CollectedRun> {
  const q = parseQueueUrl(target.url);
  const run = checkRunName(target.run);
  await checkRedis(q);
  const redis = openRedis(q);
  try {
    const store = new RunStore(redis, run);
    const stored = await store.load();
    if (!stored) throw new QueueError(`no run "${run}" in Redis at ${q.display}`, { code: "QUEUE_NO_RUN" });
    return await collectRun(store, stored, target.out, target.env ? { env: target.env } : {});
  } finally {
    await redis.quit().catch(() => redis.disconnect());
  }
}
