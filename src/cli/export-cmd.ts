/**
 * `toolflow export DIR --format openai|sharegpt|hermes|llama31|xlam|all --split 0.9,0.05,0.05 -o OUT`
 */
import type { Command } from "commander";
import { UsageError } from "../core/index.js";
import { EXPORT_FORMATS, HERMES_STYLES, exportDataset, isFormatName, parseSplit, type ExportFormatName, type HermesStyle } from "../export/index.js";

interface ExportCmdOptions {
  format: string;
  split: string;
  output: string;
  seed: string;
  chatTemplate?: string;
  reasoning?: boolean;
  hermesStyle: string;
  toolName?: boolean;
  force?: boolean;
}

/** "all", or a comma list of format names. */
export function parseFormats(text: string): ExportFormatName[] {
  const parts = text
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p !== "");
  if (parts.includes("all")) return [...EXPORT_FORMATS];
  const out: ExportFormatName[] = [];
  for (const p of parts) {
    if (!isFormatName(p)) throw new UsageError(`--format: unknown format "${p}" (choose from ${EXPORT_FORMATS.join(", ")}, all)`);
    if (!out.includes(p)) out.push(p);
  }
  if (out.length === 0) throw new UsageError("--format: no format given");
  return out;
}

export function registerExportCommands(program: Command): void {
  program
    .command("export")
    .description(
      "Write the dialogues of a synth run (DIR/dialogues.jsonl) as training data: OUT/<format>/{train,validation,test}.jsonl and a dataset card OUT/README.md",
    )
    .argument("<dir>", "synth output directory")
    .option("-f, --format <formats>", `${EXPORT_FORMATS.join("|")}|all, or a comma list`, "all")
    .option("--split <ratios>", "train,validation,test ratios", "0.9,0.05,0.05")
    .requiredOption("-o, --output <dir>", "output directory")
    .option("--seed <n>", "seed of the split assignment", "0")
    .option("--chat-template <file>", "llama31: render with this chat template (.jinja, or tokenizer_config.json)")
    .option("--reasoning", "write the assistant's reasoning (synth --keep-reasoning) where the format has a place: openai reasoning_content, <think> in hermes/sharegpt")
    .option("--hermes-style <style>", "hermes: toolflow (toolflow's Hermes layout) or nous (the text of Hermes 2 Pro's tool_use chat template)", "toolflow")
    .option("--tool-name", "openai: tool messages carry the called function's name (Hermes 2 Pro's template needs it)")
    .option("--force", "replace a non-empty output directory")
    .action(async (dir: string, opts: ExportCmdOptions) => {
      const formats = parseFormats(opts.format);
      const split = parseSplit(opts.split);
      const seed = Number(opts.seed);
      if (!Number.isInteger(seed)) throw new UsageError(`--seed must be an integer (got "${opts.seed}")`);
      if (!(HERMES_STYLES as readonly string[]).includes(opts.hermesStyle)) {
        throw new UsageError(`--hermes-style: unknown style "${opts.hermesStyle}" (choose from ${HERMES_STYLES.join(", ")})`);
      }
      const summary = await exportDataset({
        dir,
        out: opts.output,
        formats,
        split,
        seed,
        chatTemplateFile: opts.chatTemplate,
        reasoning: opts.reasoning ?? false,
        hermesStyle: opts.hermesStyle as HermesStyle,
        toolName: opts.toolName ?? false,
        force: opts.force ?? false,
      });
      const s = summary.splitCounts;
      process.stdout.write(
        `toolflow: exported ${summary.dialogues} dialogues (${summary.groups} tool-set groups) -> ${opts.output}: ` +
          `train ${s.train}, validation ${s.validation}, test ${s.test}\n`,
      );
      for (const [name, r] of Object.entries(summary.rows)) {
        process.stdout.write(`  ${name}: ${r.train} / ${r.validation} / ${r.test} rows\n`);
      }
    });
}
