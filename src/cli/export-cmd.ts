/**
 * `toolflow export DIR --format openai|sharegpt|hermes|llama31|xlam|all --split 0.9,0.05,0.05 -o OUT`
 */
import type { Command } from "commander";
import { join } from "node:path";
import { checkInputDir, checkInputFile, checkOutputDir, cleanStaleTemps, guardWrite, UsageError, sharedOptions } from "../core/index.js";
import { exportDataset } from "../export/index.js";
import { EXPORT_FORMATS, HERMES_STYLES, isFormatName, LLAMA31_DEFAULTS, LLAMA_CALL_END, LLAMA_PARALLEL, LLAMA_RESULTS, LLAMA_TOOLS_IN, type ExportFormatName, type HermesStyle, type Llama31Options } from "../data/index.js";
import { parseSplit } from "../data/index.js";
import { commanderOption } from "./option-specs.js";

interface ExportCmdOptions {
  format: string;
  split: string;
  out: string;
  seed: number;
  chatTemplate?: string;
  parallel: string;
  llamaToolsIn: string;
  llamaCallEnd: string;
  llamaResults: string;
  llamaDate: string;
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

function oneOf<T extends string>(option: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`${option} must be one of ${allowed.join(", ")} (got "${value}")`);
  return value as T;
}

/** The llama31 options of the command line, checked. */
export function llama31Options(opts: Pick<ExportCmdOptions, "parallel" | "llamaToolsIn" | "llamaCallEnd" | "llamaResults" | "llamaDate">): Llama31Options {
  const date = opts.llamaDate.trim();
  if (date === "") throw new UsageError('--llama-date must be "template", "created" or a date as the line should show it (e.g. "01 May 2024")');
  return {
    parallel: oneOf("--parallel", opts.parallel, LLAMA_PARALLEL),
    toolsIn: oneOf("--llama-tools-in", opts.llamaToolsIn, LLAMA_TOOLS_IN),
    callEnd: oneOf("--llama-call-end", opts.llamaCallEnd, LLAMA_CALL_END),
    results: oneOf("--llama-results", opts.llamaResults, LLAMA_RESULTS),
    date,
  };
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
    .addOption(commanderOption(sharedOptions.out("dir", "a folder: <format>/{train,validation,test}.jsonl and README.md (the dataset card)", { required: true })))
    .addOption(commanderOption(sharedOptions.seed(0))) // the split assignment
    .option("--chat-template <file>", "llama31: render with this chat template (.jinja, or tokenizer_config.json)")
    .option(
      "--parallel <mode>",
      "llama31: parallel calls, which Meta's format cannot express: sequential (consecutive single calls, each with its result), drop (leave the dialogue out, counted on the card), keep (as they are; --chat-template only)",
      LLAMA31_DEFAULTS.parallel,
    )
    .option("--llama-tools-in <where>", "llama31: the tool list in the first user message (Meta's default template) or the system message: user|system", LLAMA31_DEFAULTS.toolsIn)
    .option("--llama-call-end <token>", "llama31: a call turn ends with <|eot_id|> (Meta's template) or <|python_tag|>...<|eom_id|> (Meta's prompt-format document): eot|eom", LLAMA31_DEFAULTS.callEnd)
    .option("--llama-results <as>", "llama31: tool results as JSON strings (a server passes strings) or JSON objects/lists as JSON: string|object", LLAMA31_DEFAULTS.results)
    .option("--llama-date <date>", 'llama31: the Today Date line: template (26 Jul 2024, the template\'s default), created (each dialogue\'s date), or a date such as "01 May 2024"', LLAMA31_DEFAULTS.date)
    .option("--reasoning", "write the assistant's reasoning (synth --keep-reasoning) where the format has a place: openai reasoning_content, <think> in hermes/sharegpt")
    .option("--hermes-style <style>", "hermes: toolflow (toolflow's Hermes layout) or nous (the text of Hermes 2 Pro's tool_use chat template)", "toolflow")
    .option("--tool-name", "openai: tool messages carry the called function's name (Hermes 2 Pro's template needs it)")
    .option("--force", "replace a non-empty output directory")
    .action(async (dir: string, opts: ExportCmdOptions) => {
      const formats = parseFormats(opts.format);
      const split = parseSplit(opts.split);
      const seed = opts.seed;
      if (!(HERMES_STYLES as readonly string[]).includes(opts.hermesStyle)) {
        throw new UsageError(`--hermes-style: unknown style "${opts.hermesStyle}" (choose from ${HERMES_STYLES.join(", ")})`);
      }
      checkInputDir(dir, "run folder");
      checkInputFile(join(dir, "dialogues.jsonl"), "the run's dialogues file");
      if (opts.chatTemplate !== undefined) checkInputFile(opts.chatTemplate, "--chat-template");
      checkOutputDir(opts.out, "--out");
      cleanStaleTemps(opts.out); // the temporary folders of an export that was killed
      const summary = await guardWrite(opts.out, () => exportDataset({
        dir,
        out: opts.out,
        formats,
        split,
        seed,
        chatTemplateFile: opts.chatTemplate,
        llama31: llama31Options(opts),
        reasoning: opts.reasoning ?? false,
        hermesStyle: opts.hermesStyle as HermesStyle,
        toolName: opts.toolName ?? false,
        force: opts.force ?? false,
      }));
      const s = summary.splitCounts;
      process.stdout.write(
        `toolflow: exported ${summary.dialogues} dialogues (${summary.groups} tool-set groups) -> ${opts.out}: ` +
          `train ${s.train}, validation ${s.validation}, test ${s.test}\n`,
      );
      for (const [name, r] of Object.entries(summary.rows)) {
        process.stdout.write(`  ${name}: ${r.train} / ${r.validation} / ${r.test} rows\n`);
      }
    });
}
