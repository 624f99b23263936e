/**
 * `toolflow eval heldout DIR --llm SPEC -o OUT`: ask a model every assistant turn of a dataset's test split (or
 * of every dialogue of a run with --split all) and score its answers against the recorded turns. See
 * docs/eval.md. Registered under the `eval` command by registerEvalHeldout.
 */
import type { Command } from "commander";
import { checkInputPath, checkOutputDir, guardWrite, MAX_SEED, UsageError, sharedOptions } from "../core/index.js";
import { HELDOUT_SPLITS, formatHeldoutTable, runHeldoutEval, type HeldoutSplit } from "../eval/index.js";
import { parseSplit } from "../data/index.js";
import { defaultLlm, endpointOptions, endpointSettings, intOption, numberOption, parseToolMode, type EndpointFlags } from "./options.js";
import { countProgress } from "./progress.js";
import { commanderOption } from "./option-specs.js";

interface HeldoutFlags extends EndpointFlags {
  llm?: string;
  out: string;
  split: string;
  ratios: string;
  splitSeed: number;
  limit?: number;
  concurrency: number;
  temperature: number;
  maxTokens?: number;
  toolMode: string;
  json?: boolean;
}

export function registerEvalHeldout(evalCommand: Command): void {
  const heldout = evalCommand
    .command("heldout")
    .description(
      "Evaluate a model on held-out dialogues: every assistant turn of a synth run's test split (as `toolflow export` " +
        "splits it) or of an exported dataset's openai/test.jsonl, asked with the conversation so far and the tools, " +
        "scored against the recorded turn with the BFCL checker",
    )
    .argument("<dir>", "synth run folder (dialogues.jsonl) or exported dataset folder (openai/test.jsonl)")
    .option("--llm <specs>", "model to evaluate (sim, openai:<model>, llama:<path|hf:...>); a comma list is a pool, one model per dialogue")
    .addOption(commanderOption(sharedOptions.out("dir", "a folder: results.jsonl, summary.json", { required: true })))
    .option("--split <name>", `${HELDOUT_SPLITS.join("|")}: which dialogues (all = every dialogue of a run)`, "test")
    .option("--ratios <r>", "run only: the export's train,validation,test ratios to reproduce", "0.9,0.05,0.05")
    .option("--split-seed <n>", "run only: the export's split seed to reproduce (`toolflow export --seed`)", intOption("--split-seed", 0, MAX_SEED), 0)
    .option("--limit <n>", "evaluate only the first N dialogues", intOption("--limit", 1))
    .option("--concurrency <n>", "requests in flight at once", intOption("--concurrency", 1), 8)
    .option("--temperature <t>", "sampling temperature", numberOption("--temperature", 0, 2), 0)
    .option("--max-tokens <n>", "completion token limit per answer", intOption("--max-tokens", 1))
    .option("--tool-mode <mode>", "native|prompt|auto: native tool calling, or tools described in the prompt", "auto")
    .option("--json", "print the summary as JSON instead of the table");
  endpointOptions(heldout).action(async (dir: string, flags: HeldoutFlags) => {
      if (!(HELDOUT_SPLITS as readonly string[]).includes(flags.split)) {
        throw new UsageError(`--split must be one of ${HELDOUT_SPLITS.join(", ")} (got "${flags.split}")`);
      }
      const nativeTools = parseToolMode(flags.toolMode);
      checkInputPath(dir, "run or dataset folder");
      checkOutputDir(flags.out, "--out");
      const llm = flags.llm ?? (await defaultLlm());
      const { parseModelList } = await import("../models/index.js");
      parseModelList(llm);
      const progress = countProgress("eval heldout", "turns");
      const summary = await guardWrite(flags.out, () => runHeldoutEval({
        dir,
        out: flags.out,
        llm,
        split: flags.split as HeldoutSplit,
        ratios: parseSplit(flags.ratios),
        splitSeed: flags.splitSeed,
        ...(flags.limit !== undefined ? { limit: flags.limit } : {}),
        concurrency: flags.concurrency,
        ...endpointSettings(flags),
        temperature: flags.temperature,
        ...(flags.maxTokens !== undefined ? { maxTokens: flags.maxTokens } : {}),
        nativeTools,
        onProgress: progress.onProgress,
      }));
      progress.stop();
      process.stdout.write(flags.json ? JSON.stringify(summary, null, 2) + "\n" : formatHeldoutTable(summary));
    });
}
