/**
 * `toolflow judge DATA --llm SPEC -o OUT`: data-quality metrics of a synth run or an exported dataset (SS, EnR,
 * the LLM judge with bootstrap intervals, round-trip agreement). See docs/judge.md.
 */
import type { Command } from "commander";
import { checkInputPath, checkOutputDir, guardWrite, sharedOptions } from "../core/index.js";
import { formatJudgeSummary, parseMetrics, runJudge } from "../judge/index.js";
import { defaultLlm, endpointOptions, endpointSettings, intOption, parseToolMode, type EndpointFlags } from "./options.js";
import { countProgress } from "./progress.js";
import { commanderOption } from "./option-specs.js";

interface JudgeFlags extends EndpointFlags {
  llm?: string;
  out: string;
  metrics: string;
  sample?: number;
  seed: number;
  embedder: string;
  embeddingModel?: string;
  embeddingBaseUrl?: string;
  force: boolean;
  resume: boolean;
  concurrency: number;
  toolMode: string;
  json?: boolean;
}

export function registerJudgeCommands(program: Command): void {
  const judge = program
    .command("judge")
    .description(
      "Measure a run's or dataset's quality: SS (embedding similarity of consecutive rounds), EnR (share of consecutive " +
        "rounds an LLM labels entailment), the LLM judge (naturalness, coherence, helpfulness, accuracy; mean and 95% " +
        "bootstrap interval) and round-trip agreement (a model re-answers each call turn; per step kind)",
    )
    .argument("<data>", "synth run folder (dialogues.jsonl) or exported dataset folder (openai/*.jsonl)")
    .option("--llm <specs>", "model for enr, judge and roundtrip (sim, openai:<model>, llama:<path|hf:...>); a comma list is a pool")
    .addOption(commanderOption(sharedOptions.out("dir", "a folder: judge.jsonl (per dialogue), judge-run.json, summary.json", { required: true })))
    .option("--metrics <list>", "ss,enr,judge,roundtrip (any of them)", "ss,enr,judge,roundtrip")
    .option("--sample <n>", "judge a deterministic sample of N dialogues (by --seed)", intOption("--sample", 1))
    .addOption(commanderOption(sharedOptions.seed(0))) // the --sample draw and the bootstrap
    .option("--embedder <name>", "SS embedder: lexical, openai, llama:<file.gguf|hf:...>", "lexical")
    .option("--embedding-model <model>", "the openai embedder's model")
    .option("--embedding-base-url <url>", "the openai embedder's endpoint")
    .option("--force", "delete OUT's results and start over (default: resume them when the settings are the same)", false)
    .option("--resume", "continue the results in OUT, and fail when there are none (a rerun resumes anyway)", false)
    .option("--concurrency <n>", "dialogues judged at once", intOption("--concurrency", 1, 1024), 4)
    .option("--tool-mode <mode>", "native|prompt|auto: how round-trip turns offer the tools", "auto")
    .option("--json", "print the summary as one JSON object");
  endpointOptions(judge).action(async (data: string, flags: JudgeFlags) => {
      const metrics = parseMetrics(flags.metrics);
      const nativeTools = parseToolMode(flags.toolMode);
      checkInputPath(data, "run or dataset folder");
      checkOutputDir(flags.out, "--out");
      const llm = flags.llm ?? (await defaultLlm());
      const progress = countProgress("judge", "dialogues");
      const summary = await guardWrite(flags.out, () => runJudge({
        data,
        out: flags.out,
        llm,
        metrics,
        ...(flags.sample !== undefined ? { sample: flags.sample } : {}),
        seed: flags.seed,
        embedder: flags.embedder,
        ...(flags.embeddingModel !== undefined ? { embeddingModel: flags.embeddingModel } : {}),
        ...(flags.embeddingBaseUrl !== undefined ? { embeddingBaseURL: flags.embeddingBaseUrl } : {}),
        force: flags.force,
        resume: flags.resume,
        concurrency: flags.concurrency,
        ...endpointSettings(flags),
        nativeTools,
        onProgress: progress.onProgress,
      }));
      progress.stop();
      if (flags.json) {
        const { ss, enr, judge, roundTrip } = summary;
        const byCriterion = judge
          ? Object.fromEntries(Object.entries(judge).filter(([k]) => k !== "dialogues"))
          : undefined;
        const out = {
          ...(ss ? { ss } : {}),
          ...(enr ? { enr } : {}),
          ...(byCriterion ? { judge: byCriterion } : {}),
          ...(roundTrip ? { roundTrip } : {}),
          dialogues: summary.dialogues,
          errors: summary.errors,
          usage: summary.usage,
        };
        process.stdout.write(JSON.stringify(out) + "\n");
      } else {
        process.stdout.write(formatJudgeSummary(summary));
      }
    });
}
