/**
 * `toolflow stats DATA... [--compare] [--tools tools.jsonl] [--json]`: figures of any tool-calling dataset
 * (toolflow runs and exports, OpenAI, ShareGPT, Hermes, xLAM, Glaive), one after another or side by side.
 */
import type { Command } from "commander";
import { DATASET_FORMATS, datasetFigures, readDataset, type DatasetFigures, type DatasetFormat } from "../report/index.js";
import { UsageError } from "../core/index.js";
import { readToolsJsonl } from "../tools/index.js";

interface StatsCmdOptions {
  compare?: boolean;
  tools?: string;
  json?: boolean;
  format?: string;
  tokens: boolean;
}

/** Figures of one dataset path. */
export function statsOf(path: string, options: { tools?: string[]; format?: DatasetFormat; skipTokens?: boolean } = {}): Promise<DatasetFigures> {
  return datasetFigures(readDataset(path, { format: options.format }), { tools: options.tools, skipTokens: options.skipTokens });
}

const pct = (x: number | null): string => (x === null ? "-" : `${(100 * x).toFixed(1)} %`);
const num = (x: number, digits = 2): string => (Number.isInteger(x) ? String(x) : x.toFixed(digits));

/** The rows of the text report: label and one cell per dataset. */
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
  row("tokens / dialogue (mean, p90)", (x) => `${num(x.tokens.dialogue.mean, 1)}, ${x.tokens.dialogue.p90}`);
  row("tokens / user turn (mean, p90)", (x) => `${num(x.tokens.userTurn.mean, 1)}, ${x.tokens.userTurn.p90}`);
  row("tokens / assistant turn (mean, p90)", (x) => `${num(x.tokens.assistantTurn.mean, 1)}, ${x.tokens.assistantTurn.p90}`);
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
      "Figures of tool-calling datasets (toolflow runs and exports, OpenAI, ShareGPT, Hermes, xLAM, Glaive; detected): " +
        "turns, calls, parallel / chained calls, clarifications, tool coverage and Gini, H and D-3, token lengths, step kinds",
    )
    .argument("<data...>", "run folders, export folders or dataset files (.jsonl, or .json holding an array)")
    .option("--compare", "print the datasets side by side in one table")
    .option("--tools <file>", "tools.jsonl: the tool universe for coverage and Gini")
    .option("--format <name>", `read every file as this format (${DATASET_FORMATS.join(", ")}) instead of detecting it`)
    .option("--no-tokens", "skip token lengths (faster)")
    .option("--json", "print one JSON object per dataset (one a line)")
    .action(async (data: string[], opts: StatsCmdOptions) => {
      if (opts.format !== undefined && !(DATASET_FORMATS as readonly string[]).includes(opts.format)) {
        throw new UsageError(`--format must be one of ${DATASET_FORMATS.join(", ")} (got "${opts.format}")`);
      }
      const tools = opts.tools ? (await readToolsJsonl(opts.tools)).map((t) => t.name) : undefined;
      const all: DatasetFigures[] = [];
      for (const path of data) {
        all.push(await statsOf(path, { tools, format: opts.format as DatasetFormat | undefined, skipTokens: !opts.tokens }));
      }
      if (opts.json) {
        process.stdout.write(all.map((f, i) => JSON.stringify({ path: data[i], ...f })).join("\n") + "\n");
        return;
      }
      if (opts.compare) {
        process.stdout.write(renderTable(data, figureRows(all)));
        return;
      }
      all.forEach((f, i) => {
        const rows = figureRows([f]);
        const top = Object.entries(f.toolUse).slice(0, 10).map(([t, n]) => `${t} ${n}`).join(", ");
        rows.push(["most used tools", [top || "-"]]);
        process.stdout.write(`${i > 0 ? "\n" : ""}${data[i]}\n` + rows.map(([label, [cell]]) => `  ${label.padEnd(36)} ${cell}`).join("\n") + "\n");
      });
    });
}
