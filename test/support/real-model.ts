/**
 * The labelled corpus of real-model dialogues (test/fixtures/real-model/, see its README): every run folder's
 * records with their messages, the tools each dialogue was offered, the reviewer's labels, and the verifier's
 * verdict on each dialogue as the pipeline gives it by default.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { z } from "zod";
import { DialogueRecordZ, RejectedRecordZ, ToolSampleZ, ToolSpecZ, type DialoguePlan, type Message, type ToolSpec } from "../../src/core/index.js";
import { verifyDialogue, type VerifiableDialogue, type VerifyOptions } from "../../src/verify/index.js";
import { PROJECT_ROOT } from "./cli.js";

export const REAL_MODEL_DIR = resolve(PROJECT_ROOT, "test/fixtures/real-model");
export const REAL_MODEL_RUNS = join(REAL_MODEL_DIR, "runs");

export interface CorpusDialogue {
  /** `<run>/<record id>`, the key of the labels. */
  key: string;
  run: string;
  /** The record as the run wrote it (accepted or rejected at synth time). */
  record: z.infer<typeof RejectedRecordZ>;
  /** Where the run put it: dialogues.jsonl or rejected.jsonl. */
  file: "dialogues" | "rejected";
  dialogue: VerifiableDialogue & { tools: ToolSpec[]; plan: DialoguePlan | null; messages: Message[] };
}

const lines = (path: string): unknown[] =>
  readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as unknown);

/** The corpus's run folders (each holds synth-args.json, tools.jsonl, samples.jsonl, run/, cache/, bridge/). */
export function corpusRuns(): string[] {
  return readdirSync(REAL_MODEL_RUNS)
    .filter((r) => existsSync(join(REAL_MODEL_RUNS, r, "run", "manifest.json")))
    .sort();
}

/** Every dialogue of the corpus that has messages (a generation failure has none), in run and index order. */
export function loadCorpus(): CorpusDialogue[] {
  const out: CorpusDialogue[] = [];
  for (const run of corpusRuns()) {
    const dir = join(REAL_MODEL_RUNS, run);
    const tools = new Map(lines(join(dir, "tools.jsonl")).map((t) => ToolSpecZ.parse(t)).map((t) => [t.name, t]));
    const samples = new Map(lines(join(dir, "samples.jsonl")).map((s) => ToolSampleZ.parse(s)).map((s) => [s.id, s]));
    const found: CorpusDialogue[] = [];
    for (const file of ["dialogues", "rejected"] as const) {
      for (const raw of lines(join(dir, "run", `${file}.jsonl`))) {
        const record: z.infer<typeof RejectedRecordZ> =
          file === "dialogues" ? { ...DialogueRecordZ.parse(raw), rejectedBy: [] } : RejectedRecordZ.parse(raw);
        if (!record.messages || record.messages.length === 0) continue;
        const sample = samples.get(record.sampleId ?? "");
        if (!sample) throw new Error(`${run}/${record.id}: sample ${record.sampleId} is not in samples.jsonl`);
        const specs = record.tools ?? sample.tools.map((n) => tools.get(n)!);
        found.push({
          key: `${run}/${record.id}`,
          run,
          record,
          file,
          dialogue: { tools: specs, plan: record.plan ?? null, messages: record.messages, stepOf: record.stepOf ?? record.messages.map(() => null) },
        });
      }
    }
    out.push(...found.sort((a, b) => a.record.index - b.record.index));
  }
  return out;
}

export const LabelZ = z.object({ id: z.string(), label: z.enum(["accept", "reject"]), reason: z.string().min(1) });
export type Label = z.infer<typeof LabelZ>;

/** The reviewer's labels (labels.jsonl), by corpus key. */
export function loadLabels(): Map<string, Label> {
  return new Map(lines(join(REAL_MODEL_DIR, "labels.jsonl")).map((l) => LabelZ.parse(l)).map((l) => [l.id, l]));
}

/**
 * The labels after adjudication: where the reviewers' label and the verifier's flaw gate disagreed, a third
 * reviewer read the dialogue with both opinions (unnamed, in random order) and decided (adjudication.jsonl). This
 * came after the verdicts, so the tests hold their floors on the reviewers' own labels; the benchmark prints both.
 */
export function loadAdjudicatedLabels(): Map<string, Label> {
  const labels = loadLabels();
  for (const a of lines(join(REAL_MODEL_DIR, "adjudication.jsonl")).map((l) => LabelZ.parse(l))) {
    if (!labels.has(a.id)) throw new Error(`adjudication.jsonl: ${a.id} is not in labels.jsonl`);
    labels.set(a.id, a);
  }
  return labels;
}

/**
 * The pipeline's verdict on a corpus dialogue with its default options: the rule checks (format, plan, provenance
 * rejecting) on the messages, and the run's own `incomplete` finding (the user never finished its plan), which is
 * a fact of the generation, not of the messages.
 */
export function pipelineVerdict(d: CorpusDialogue, options: VerifyOptions = {}): { reject: boolean; checks: string[] } {
  const v = verifyDialogue(d.dialogue, options);
  const checks = v.checks.filter((c) => !c.passed).map((c) => c.name as string);
  if (d.record.rejectedBy?.some((r) => r.check === "incomplete")) checks.push("incomplete");
  return { reject: checks.length > 0, checks };
}

/** Precision and recall of "reject" of `predicted` against `actual`. */
export function rejectScores(pairs: Array<{ predicted: boolean; actual: boolean }>): {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
  precision: number;
  recall: number;
} {
  let tp = 0, fp = 0, fn = 0, tn = 0;
  for (const p of pairs) {
    if (p.predicted && p.actual) tp++;
    else if (p.predicted) fp++;
    else if (p.actual) fn++;
    else tn++;
  }
  return { tp, fp, fn, tn, precision: tp + fp === 0 ? 1 : tp / (tp + fp), recall: tp + fn === 0 ? 1 : tp / (tp + fn) };
}
