/**
 * `toolflow stats DATA... [--compare] [--tools tools.jsonl] [--json]`: figures of any tool-calling dataset
 * (toolflow runs and exports, OpenAI, LLaMA-Factory, ShareGPT, Hermes, xLAM, Glaive, BFCL with its possible
 * answers), one after another or side by side, with what reading met (files, rows skipped, notes).
 */
import type { Command } from "commander";
import { DATASET_FORMATS, datasetFigures, type DatasetFigures, type DatasetFormat } from "../data/index.js";
import { readDataset, ReadLog, type ReadSummary } from "../data/index.js";
import { checkInputFile, InputError, isFsError, UsageError } from "../core/index.js";
import { parsePythonCalls } from "../core/index.js";
import { readToolsJsonl } from "../tools/index.js";

interface StatsCmdOptions {
  compare?: boolean;
  tools?: string;
  json?: boolean;
  format?: string;
  tokens: boolean;
  answers: string | boolean;
  skipInvalid?: boolean;
}

/** The figures of one dataset and what reading it met. */
export type DatasetStatsResult = DatasetFigures & { read: ReadSummary };

export interface StatsOfOptions {
  tools?: string[];
  format?: DatasetFormat;
  skipTokens?: boolean;
  /** BFCL answers: a file or folder; false for none; default possible_answer/<same name>. */
  answers?: string | false;
  skipInvalid?: boolean;
}

/** Figures of one dataset path (BFCL multi-turn answers are read with core's Python call reader). */
export async function statsOf(path: string, options: StatsOfOptions = {}): Promise<DatasetStatsResult> {
  const log = new ReadLog();
  const dialogues = readDataset(path, {
    format: options.format,
    log,
    skipInvalid: options.skipInvalid,
    answers: options.answers,
  });
  const figures = await datasetFigures(dialogues, { tools: options.tools, skipTokens: options.skipTokens });
  return { ...figures, read: log.summary() };
}

const pct = (x: number | null): string => (x === null ? "-" : `${(100 * x).toFixed(1)} %`);
const num = (x: number, digits = 2): string => (Number.isInteger(x) ? String(x) : x.toFixed(digits));

/** The rows of the text report: label and one cell per dataset. Token rows only where tokens were counted. */
export function figureRows(all: DatasetFigures[]): Array<[string, string[]]> {
  const rows: Array<[string, string[]]> = [];
  const row = (label: string, f: (x: DatasetFigures) => string): void => {
    rows.push([label, all.map(f)]);
  };
  row("format", (x) => x.formats.join(", ") || "-");
  row("dialogues", (x) => String(x.dialogues));
  row("turns (user + assistant)", (x) => String(x.turns));
  row("user turns", (x) => String(x.userTurns));
  row("user turns per dialogue", (x) => num(x.dialogues ? x.userTurns / x.dialogues : 0));
  row("tool calls", (x) => String(x.toolCalls));
  row("calls per dialogue", (x) => num(x.callsPerDialogue));
  row("assistant turns with calls", (x) => pct(x.callTurnShare));
  row("parallel-call turns", (x) => String(x.parallelCallTurns));
  row("chained calls", (x) => `${x.chainedCalls} (${pct(x.chainedCallShare)})`);
  row("clarification exchanges", (x) => String(x.clarifications));
  row("turns with no call", (x) => String(x.noCallTurns));
  row("dialogues with no call", (x) => String(x.noCallDialogues));
  row("distinct tools", (x) => String(x.distinctTools));
  row("tool combinations", (x) => String(x.toolCombinations));
  row("tool coverage", (x) => (x.toolCoverage === null ? "-" : `${pct(x.toolCoverage)} of ${x.toolUniverse.size} (${x.toolUniverse.source})`));
  row("Gini of tool use", (x) => num(x.gini, 3));
  row("H (user turns, bits)", (x) => num(x.H, 3));
  row("D-3 (user turns)", (x) => num(x.D3, 3));
  if (all.some((x) => x.tokensCounted)) {
    const tok = (f: (x: DatasetFigures) => string) => (x: DatasetFigures) => (x.tokensCounted ? f(x) : "-");
    row("tokens / dialogue (mean, p90)", tok((x) => `${num(x.tokens.dialogue.mean, 1)}, ${x.tokens.dialogue.p90}`));
    row("tokens / user turn (mean, p90)", tok((x) => `${num(x.tokens.userTurn.mean, 1)}, ${x.tokens.userTurn.p90}`));
    row("tokens / assistant turn (mean, p90)", tok((x) => `${num(x.tokens.assistantTurn.mean, 1)}, ${x.tokens.assistantTurn.p90}`));
  }
  row("dialogues with a plan", (x) => String(x.withPlan));
  const kinds = [...new Set(all.flatMap((x) => Object.keys(x.stepKinds ?? {})))];
  for (const k of kinds) {
    row(`step kind ${k}`, (x) => {
      if (!x.stepKinds) return "-";
      const total = Object.values(x.stepKinds).reduce((a, b) => a + b, 0);
      const n = x.stepKinds[k] ?? 0;
      return `${n} (${pct(total ? n / total : 0)})`;
    });
  }
  return rows;
}

/** The rows saying what reading met: rows skipped, then each note kind with its count (one cell per dataset). */
export function readRows(all: ReadSummary[]): Array<[string, string[]]> {
  const rows: Array<[string, string[]]> = [["rows skipped", all.map((r) => String(r.rowsSkipped))]];
  const kinds = [...new Set(all.flatMap((r) => r.notes.map((n) => n.kind)))].filter((k) => k !== "skipped-row");
  for (const k of kinds) {
    const what = all.flatMap((r) => r.notes).find((n) => n.kind === k)?.what ?? k;
    rows.push([what, all.map((r) => String(r.notes.find((n) => n.kind === k)?.count ?? 0))]);
  }
  return rows;
}

/** The JSON line of one dataset: token lengths are null when they were not counted. */
function jsonOf(path: string, f: DatasetStatsResult): string {
  const { tokens, ...rest } = f;
  return JSON.stringify({ path, ...rest, tokens: f.tokensCounted ? tokens : null });
}

/** A plain-text table: a label column and one column per dataset. */
export function renderTable(headers: string[], rows: Array<[string, string[]]>): string {
  const widths = [Math.max(6, ...rows.map((r) => r[0].length)), ...headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[1][i] ?? "").length)))];
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[0] as number) : c.padStart(widths[i] as number))).join("  ").trimEnd();
  return [line(["", ...headers]), line(widths.map((w) => "-".repeat(w))), ...rows.map(([label, cells]) => line([label, ...cells]))].join("\n") + "\n";
}

export function registerStatsCommands(program: Command): void {
  program
    .command("stats")
    .description(
      "Figures of tool-calling datasets (toolflow runs and exports, OpenAI, LLaMA-Factory, ShareGPT, Hermes, xLAM, Glaive, " +
        "BFCL questions with their possible answers; detected): " +
        "turns, calls, parallel / chained calls, clarifications, tool coverage and Gini, H and D-3, token lengths, step kinds",
    )
    .argument("<data...>", "run folders, export folders, folders of dataset files, or dataset files (.jsonl; .json: an array, or one object a line)")
    .option("--compare", "print the datasets side by side in one table")
    .option("--tools <file>", "tools.jsonl: the tool universe for coverage and Gini")
    .option("--format <name>", `read every file as this format (${DATASET_FORMATS.join(", ")}) instead of detecting it`)
    .option("--no-tokens", "skip token lengths (faster; the token lines are left out)")
    .option("--answers <path>", "BFCL possible answers: a file, or a folder of answer files named as the question files (default: possible_answer/<same name> beside each question file)")
    .option("--no-answers", "read BFCL questions without their answers (no calls)")
    .option("--skip-invalid", "skip rows that do not fit their file's format (counted and reported) instead of stopping at the first")
    .option("--json", "print one JSON object per dataset (one a line)")
    .action(async (data: string[], opts: StatsCmdOptions) => {
      if (opts.format !== undefined && !(DATASET_FORMATS as readonly string[]).includes(opts.format)) {
        throw new UsageError(`--format must be one of ${DATASET_FORMATS.join(", ")} (got "${opts.format}")`);
      }
      // a missing path is the dataset reader's error ("no such file or folder"), with what it looked for
      if (opts.tools) checkInputFile(opts.tools, "--tools");
      const tools = opts.tools ? (await readToolsJsonl(opts.tools)).map((t) => t.name) : undefined;
      const answers = typeof opts.answers === "string" ? opts.answers : opts.answers === false ? false : undefined;
      const all: DatasetStatsResult[] = [];
      for (const path of data) {
        try {
          all.push(
            await statsOf(path, { tools, format: opts.format as DatasetFormat | undefined, skipTokens: !opts.tokens, answers, skipInvalid: opts.skipInvalid }),
          );
        } catch (err) {
          if (!isFsError(err)) throw err;
          const where = err.path ?? path;
          throw new InputError(`cannot read ${where}${err.code === "EISDIR" ? ": a folder where a file is expected" : ` (${err.code})`}`, { file: path, cause: err });
        }
        const last = all[all.length - 1]!;
        if (last.dialogues === 0 && last.read.rowsSkipped === 0) {
          throw new InputError("no dialogues found (an empty file or folder has no statistics)", { file: path, code: "EMPTY_INPUT" });
        }
      }
      if (opts.json) {
        process.stdout.write(all.map((f, i) => jsonOf(data[i] as string, f)).join("\n") + "\n");
        return;
      }
      if (opts.compare) {
        process.stdout.write(renderTable(data, [...figureRows(all), ...readRows(all.map((f) => f.read))]));
        return;
      }
      all.forEach((f, i) => {
        const rows = figureRows([f]);
        const top = Object.entries(f.toolUse).slice(0, 10).map(([t, n]) => `${t} ${n}`).join(", ");
        rows.push(["most used tools", [top || "-"]]);
        const read = f.read;
        const files = read.files.map((x) => {
          if (x.skipped) return `${x.file}: skipped (${x.skipped})`;
          const ans = x.answers === undefined ? "" : x.answers ? `, calls from ${x.answers}` : ", no answer file";
          return `${x.file}: ${x.format}, ${x.rows} row${x.rows === 1 ? "" : "s"}${ans}`;
        });
        const lines = [
          ...rows.map(([label, [cell]]) => `  ${label.padEnd(36)} ${cell}`),
          `  ${"files read".padEnd(36)} ${files.length}`,
          ...files.map((x) => `    ${x}`),
          `  ${"rows skipped".padEnd(36)} ${read.rowsSkipped}`,
          ...read.notes.filter((n) => n.kind !== "skipped-row" || n.count > 0).map((n) => `  note: ${n.what}: ${n.count} (first: ${n.first})`),
        ];
        process.stdout.write(`${i > 0 ? "\n" : ""}${data[i]}\n` + lines.join("\n") + "\n");
      });
    });
}
