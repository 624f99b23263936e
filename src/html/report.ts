/**
 * `toolflow report DIR -o report.html`: the run as one self-contained page. Every dialogue is in the list (one
 * short row each); the details (messages, plan, checks, argument provenance) of at most `maxDetails` dialogues
 * are embedded: all of them for smaller runs, else a seeded sample that the page names.
 */
import { existsSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { InputError, writeFileAtomic } from "../core/index.js";
import { RUN_FILES } from "../data/index.js";
import { sampleBySeed } from "../judge/index.js";
import { renderPage } from "./page.js";
import { RunData, type RunDataOptions } from "./run-data.js";
import type { DialogueDetail } from "./types.js";

/** Default most dialogues whose details a report embeds (about 6 KB each for sim dialogues). */
export const DEFAULT_MAX_DETAILS = 2000;

export interface HtmlReportOptions extends RunDataOptions {
  /** Most dialogues with embedded details (default DEFAULT_MAX_DETAILS). */
  maxDetails?: number;
  /** Seed of the sample of details (default 0). */
  seed?: number;
  onProgress?: (message: string) => void;
}

export interface HtmlReportResult {
  out: string;
  bytes: number;
  dialogues: number;
  accepted: number;
  rejected: number;
  embedded: number;
  /** Unreadable lines left out (--skip-bad-lines). */
  skippedLines: number;
}

/** Write the report page of the run in `dir` to `out` (atomically). */
export async function writeHtmlReport(dir: string, out: string, options: HtmlReportOptions = {}): Promise<HtmlReportResult> {
  const progress = options.onProgress ?? (() => {});
  const runFiles = [RUN_FILES.dialogues, RUN_FILES.rejected, RUN_FILES.manifest];
  if (!runFiles.some((f) => existsSync(join(dir, f)))) {
    throw new InputError(`not a synth run folder (no ${runFiles.join(", ")})`, { file: dir });
  }
  // every check before the page is built: on bad input the previous report stays as it was
  const data = await RunData.open(dir, options);
  const rows = data.rows;
  if (rows.length === 0) {
    throw new InputError(
      `no dialogues to report: ${data.skippedLines > 0 ? `every line was unreadable (${data.skippedLines} left out)` : "dialogues.jsonl and rejected.jsonl hold none (yet)"}`,
      { file: resolve(dir) },
    );
  }
  progress(`read ${rows.length} dialogues (${data.counts.accepted} accepted, ${data.counts.rejected} rejected)`);
  const max = options.maxDetails ?? DEFAULT_MAX_DETAILS;
  let positions: number[];
  if (rows.length <= max) positions = rows.map((_, i) => i);
  else {
    const seed = options.seed ?? 0;
    const picked = sampleBySeed(rows.map((r, i) => ({ id: r.id, i })), max, seed);
    positions = picked.map((p) => p.i).sort((a, b) => a - b);
    data.limitDetails(
      new Set(positions),
      `This report embeds the details of ${max.toLocaleString("en")} of the ${rows.length.toLocaleString("en")} dialogues ` +
        `(a sample by seed ${seed}; --max-details sets the limit). Every dialogue is in the list and in the figures; ` +
        `run \`toolflow view ${dir}\` to open any of them.`,
    );
  }
  const details = new Map<number, DialogueDetail>();
  let done = 0;
  for (const pos of positions) {
    const d = await data.detail(pos);
    if (d) details.set(pos, d);
    if (++done % 1000 === 0) progress(`details ${done}/${positions.length}`);
  }
  const summary = data.summary();
  const html = await renderPage(summary.title, { summary, rows, details });
  const path = resolve(out);
  await writeFileAtomic(path, html);
  return {
    out: path,
    bytes: statSync(path).size,
    dialogues: rows.length,
    accepted: data.counts.accepted,
    rejected: data.counts.rejected,
    embedded: details.size,
    skippedLines: data.skippedLines,
  };
}
