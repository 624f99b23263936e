/**
 * `toolflow export`: read DIR/dialogues.jsonl, split deterministically, write OUT/<format>/{train,validation,
 * test}.jsonl and OUT/README.md (the dataset card). Everything is written into a temporary directory beside OUT
 * and renamed into place at the end, so a failure leaves no half-written export. A failed write (a full disk, a
 * refused folder) is a one-line fatal error naming the file and saying that the previous OUT is unchanged.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { mkdir, open, rename, rm } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { isFsError, makeDir, UsageError, writeError } from "../core/index.js";
import { toJsonl } from "../core/index.js";
import { packageVersion } from "../core/index.js";
import type { DialogueRecord } from "../core/index.js";
import { datasetStats } from "../report/index.js";
import { renderDatasetCard, type CardFormat } from "../report/index.js";
import { summarizeRejections } from "../verify/index.js";
import {
  assignSplits,
  assistantReasoning,
  compileChatTemplate,
  getFormat,
  loadDialogues,
  loadRejected,
  readChatTemplate,
  SPLIT_NAMES,
  type ExportFormatName,
  type HermesStyle,
  type Llama31Options,
  type SplitName,
  type SplitRatios,
} from "../data/index.js";

export interface ExportOptions {
  /** Run directory holding dialogues.jsonl (and maybe rejected.jsonl). */
  dir: string;
  /** Output directory. */
  out: string;
  formats: ExportFormatName[];
  split: SplitRatios;
  seed?: number;
  /** Chat template for llama31 (a .jinja file or a tokenizer_config.json). */
  chatTemplateFile?: string;
  /** llama31: where the tools go, parallel calls, call ends, results, the date (`--llama-*`, `--parallel`). */
  llama31?: Partial<Llama31Options>;
  /** `--reasoning`: write the assistant's reasoning (kept by `synth --keep-reasoning`) where the format has a place for it. */
  reasoning?: boolean;
  /** `--hermes-style`: `toolflow` (default) or `nous` (Hermes 2 Pro's tool_use template). */
  hermesStyle?: HermesStyle;
  /** `--tool-name`: OpenAI tool messages carry the called function's `name`. */
  toolName?: boolean;
  /** Replace an existing non-empty OUT. */
  force?: boolean;
  /** toolflow version for the card (default: the installed package's version). */
  version?: string;
}

export interface ExportSummary {
  out: string;
  dialogues: number;
  splitCounts: Record<SplitName, number>;
  groups: number;
  /** Rows written per format and split. */
  rows: Record<string, Record<SplitName, number>>;
  files: string[];
}

async function writeFileSynced(path: string, data: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const fh = await open(path, "w");
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

function isNonEmptyDir(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory() && readdirSync(path).length > 0;
}

/** Dialogues, and assistant turns, that carry reasoning. */
function reasoningCounts(records: DialogueRecord[]): { dialogues: number; turns: number } {
  let dialogues = 0;
  let turns = 0;
  for (const r of records) {
    const n = assistantReasoning(r).filter((x) => x !== null).length;
    if (n > 0) dialogues++;
    turns += n;
  }
  return { dialogues, turns };
}

export async function exportDataset(options: ExportOptions): Promise<ExportSummary> {
  const out = resolve(options.out);
  if (existsSync(out) && !statSync(out).isDirectory()) throw new UsageError(`output ${options.out} exists and is not a directory`);
  if (isNonEmptyDir(out) && !options.force) {
    throw new UsageError(`output directory ${options.out} is not empty (use --force to replace it)`);
  }
  if (options.formats.length === 0) throw new UsageError("no export format chosen");
  const seed = options.seed ?? 0;

  const records = await loadDialogues(options.dir);
  const rejected = await loadRejected(options.dir);
  const chatTemplate =
    options.chatTemplateFile !== undefined
      ? compileChatTemplate(readChatTemplate(options.chatTemplateFile), options.chatTemplateFile)
      : undefined;

  const { splits, groups } = assignSplits(records, options.split, seed);
  const bySplit: Record<SplitName, DialogueRecord[]> = { train: [], validation: [], test: [] };
  for (const r of records) bySplit[splits.get(r.id) as SplitName].push(r);
  const splitCounts = Object.fromEntries(SPLIT_NAMES.map((s) => [s, bySplit[s].length])) as Record<SplitName, number>;

  // render everything in memory first: a format error leaves nothing on disk
  const rendered: Array<{ path: string; text: string }> = [];
  const rows: Record<string, Record<SplitName, number>> = {};
  const cardFormats: CardFormat[] = [];
  const places: Array<{ name: string; place: string }> = [];
  for (const name of options.formats) {
    const format = getFormat(name, { chatTemplate, llama31: options.llama31, hermesStyle: options.hermesStyle, toolName: options.toolName });
    const counts = { train: 0, validation: 0, test: 0 } as Record<SplitName, number>;
    for (const split of SPLIT_NAMES) {
      let id = 0; // rows with integer ids (xlam) are numbered 0, 1, 2, … in each file
      const nextId = () => id++;
      const lines = bySplit[split].flatMap((r) => format.toRows(r, { reasoning: options.reasoning ?? false, nextId }));
      counts[split] = lines.length;
      rendered.push({ path: join(name, `${split}.jsonl`), text: toJsonl(lines) });
    }
    rows[name] = counts;
    cardFormats.push({ name, description: format.description, rows: counts, notes: format.cardNotes?.(records) ?? [] });
    places.push({ name, place: format.reasoningPlace });
  }
  const card = renderDatasetCard({
    source: options.dir,
    stats: datasetStats(records),
    splitCounts,
    splitRatios: options.split,
    seed,
    groups,
    formats: cardFormats,
    rejections: rejected ? summarizeRejections(rejected) : undefined,
    chatTemplate: options.chatTemplateFile !== undefined ? basename(options.chatTemplateFile) : undefined,
    reasoning: { included: options.reasoning ?? false, ...reasoningCounts(records), places },
    version: options.version ?? packageVersion(),
  });
  rendered.push({ path: "README.md", text: card });

  const tmp = join(dirname(out), `.${basename(out)}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const kept = `${existsSync(out) ? `the previous ${options.out} is unchanged` : "nothing was written"} (the partial export was removed)`;
  try {
    // the folder that holds OUT (and the temporary folder beside it); the folders inside the temporary one are
    // made as the files are written (a failure there is named as the file in OUT)
    await makeDir(dirname(out), "the folder", kept);
    for (const f of rendered) {
      try {
        await writeFileSynced(join(tmp, f.path), f.text);
      } catch (err) {
        // named as the file it would be in OUT (the temporary folder beside it is removed below)
        throw isFsError(err) ? writeError(err, join(options.out, f.path), kept) : err;
      }
    }
    if (existsSync(out)) {
      const old = join(dirname(out), `.${basename(out)}.old-${process.pid}-${Math.random().toString(36).slice(2)}`);
      await rename(out, old);
      try {
        await rename(tmp, out);
      } catch (err) {
        await rename(old, out);
        throw err;
      }
      await rm(old, { recursive: true, force: true });
    } else {
      await rename(tmp, out);
    }
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw isFsError(err) ? writeError(err, options.out, kept) : err;
  }
  return { out, dialogues: records.length, splitCounts, groups, rows, files: rendered.map((f) => f.path) };
}
