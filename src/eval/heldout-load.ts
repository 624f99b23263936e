/**
 * What `eval heldout` reads: a synth run (DIR/dialogues.jsonl; the test split reproduced with the exporter's own
 * grouped split, or every dialogue with split "all") or an exported dataset (the openai format's
 * DIR/openai/<split>.jsonl, or DIR/<split>.jsonl when DIR is that folder). Every line is validated.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { chatTools } from "../agents/index.js";
import { hashToUint32, InputError, normalizeSchema, readJsonl, UsageError, type Message } from "../core/index.js";
import { assignSplits, loadDialogues, openaiReader, readWith, RUN_FILES, type SplitRatios } from "../data/index.js";
import type { HeldoutDialogue } from "./heldout-turns.js";

export const HELDOUT_SPLITS = ["test", "validation", "train", "all"] as const;
export type HeldoutSplit = (typeof HELDOUT_SPLITS)[number];

export interface HeldoutSource {
  /** "run": DIR/dialogues.jsonl; "dataset": an exported openai folder. */
  kind: "run" | "dataset";
  /** Files read. */
  files: string[];
  split: HeldoutSplit;
  /** Run only, split not "all": the exporter's ratios and seed that were reproduced. */
  ratios?: SplitRatios;
  seed?: number;
  /** Dialogues in the run before the split (run only). */
  total?: number;
  /** Whether the turns carry their step kind (a run's plan and stepOf; the openai export does not carry them). */
  stepInfo: boolean;
}

const SPLIT_FILES = ["train", "validation", "test"] as const;

function datasetFolder(dir: string): string | undefined {
  if (SPLIT_FILES.some((s) => existsSync(join(dir, "openai", `${s}.jsonl`)))) return join(dir, "openai");
  if (SPLIT_FILES.some((s) => existsSync(join(dir, `${s}.jsonl`)))) return dir;
  return undefined;
}

/** The dialogues of DIR to evaluate, and what was read. */
export async function loadHeldoutDialogues(
  dir: string,
  options: { split?: HeldoutSplit; ratios?: SplitRatios; seed?: number } = {},
): Promise<{ dialogues: HeldoutDialogue[]; source: HeldoutSource }> {
  const split = options.split ?? "test";
  if (!HELDOUT_SPLITS.includes(split)) throw new UsageError(`--split must be one of ${HELDOUT_SPLITS.join(", ")} (got "${String(split)}")`);
  if (existsSync(join(dir, RUN_FILES.dialogues))) {
    const records = await loadDialogues(dir);
    let chosen = records;
    const source: HeldoutSource = { kind: "run", files: [join(dir, RUN_FILES.dialogues)], split, total: records.length, stepInfo: true };
    if (split !== "all") {
      // the same grouped split `toolflow export` makes with these ratios and seed (its defaults unless given)
      const ratios = options.ratios ?? [0.9, 0.05, 0.05];
      const seed = options.seed ?? 0;
      const { splits } = assignSplits(records, ratios, seed);
      chosen = records.filter((r) => splits.get(r.id) === split);
      source.ratios = ratios;
      source.seed = seed;
    }
    const dialogues = chosen.map((r) => ({
      id: r.id,
      seed: r.seed,
      tools: chatTools(r.tools),
      messages: r.messages,
      plan: r.plan,
      stepOf: r.stepOf.length === r.messages.length ? r.stepOf : null,
    }));
    return { dialogues, source };
  }
  const folder = datasetFolder(dir);
  if (!folder) {
    throw new InputError(`neither a synth run (${RUN_FILES.dialogues}) nor an exported dataset (openai/test.jsonl) in this folder`, { file: dir });
  }
  const parts = (split === "all" ? [...SPLIT_FILES] : [split])
    .map((name) => ({ name, file: join(folder, `${name}.jsonl`) }))
    .filter((p) => split !== "all" || existsSync(p.file));
  const files = parts.map((p) => p.file);
  const dialogues: HeldoutDialogue[] = [];
  for (const { name, file } of parts) {
    if (!existsSync(file)) throw new InputError(`no ${split} split in this dataset`, { file });
    for await (const { value, line } of readJsonl(file)) {
      // the openai format's one reader (an InputError naming file and line when the row is not one)
      const parsed = readWith(openaiReader, value, { file, line });
      const messages: Message[] = parsed.messages;
      const id = `${name}#${line}`;
      dialogues.push({
        id,
        seed: hashToUint32(id),
        tools: parsed.tools.map((t) => ({ name: t.name, description: t.description, parameters: normalizeSchema(t.parameters) })),
        messages,
        plan: null,
        stepOf: null,
      });
    }
  }
  return { dialogues, source: { kind: "dataset", files, split, stepInfo: false } };
}
