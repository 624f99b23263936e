/**
 * `toolflow judge DATA --llm SPEC -o OUT`: data-quality metrics of a synth run or an exported dataset (SS, EnR,
 * the LLM judge with bootstrap intervals, round-trip agreement). See docs/judge.md.
 */
import type { Command } from "commander";
import { UsageError } from "../core/index.js";
import { formatJudgeSummary, parseMetrics, runJudge } from "../judge/index.js";
import { intOption } from "./options.js";

interface JudgeFlags {
  llm?: string;
  output: string;
  metrics: string;
  sample?: number;
  seed: number;
  embedder: string;
  embeddingModel?: string;
  embeddingBaseUrl?: string;
  force: boolean;
  baseUrl?: string;
  concurrency: number;
  rpm?: number;
  tpm?: number;
  timeout?: number;
  cache?: string;
  prices?: string;
  toolMode: string;
  json?: boolean;
}

export function registerJudgeCommands(program: Command): void {
  program
    .command("judge")
    .description(
      "Measure a run's or dataset's quality: SS (embedding similarity of consecutive rounds), EnR (share of consecutive " +
        "rounds an LLM labels entailment), the LLM judge (naturalness, coherence, helpfulness, accuracy; mean and 95% " +
        "bootstrap interval) and round-trip agreement (a model re-answers each call turn; per step kind)",
    )
    .argument("<data>", "synth run folder (dialogues.jsonl) or exported dataset folder (openai/*.jsonl)")
    .option("--llm <specs>", "model for enr, judge and roundtrip (sim, openai:<model>, llama:<path|hf:...>); a comma list is a pool")
    .requiredOption("-o, --output <dir>", "output folder: judge.jsonl (per dialogue), summary.json")
    .option("--metrics <list>", "ss,enr,judge,roundtrip (any of them)", "ss,enr,judge,roundtrip")
    .option("--sample <n>", "judge a deterministic sample of N dialogues (by --seed)", intOption("--sample", 1))
    .option("--seed <n>", "seed of the sample and the bootstrap", intOption("--seed", 0, 0xffffffff), 0)
    .option("--embedder <name>", "SS embedder: lexical, openai, llama:<file.gguf|hf:...>", "lexical")
    .option("--embedding-model <model>", "the openai embedder's model")
    .option("--embedding-base-url <url>", "the openai embedder's endpoint")
    .option("--force", "start over when OUT holds results made with other settings", false)
    .option("--base-url <url>", "OpenAI-compatible endpoint (default OPENAI_BASE_URL)")
    .option("--concurrency <n>", "dialogues judged at once", intOption("--concurrency", 1, 1024), 4)
    .option("--rpm <n>", "requests per minute budget", intOption("--rpm", 1))
    .option("--tpm <n>", "tokens per minute budget", intOption("--tpm", 1))
    .option("--timeout <ms>", "per-attempt timeout in milliseconds", intOption("--timeout", 1))
    .option("--cache <dir>", "response cache folder (a rerun pays nothing twice)")
    .option("--prices <file>", "price table (JSON/YAML) for the cost figures")
    .option("--tool-mode <mode>", "native|prompt|auto: how round-trip turns offer the tools", "auto")
    .option("--json", "print the summary as one JSON object")
    .action(async (data: string, flags: JudgeFlags) => {
      const metrics = parseMetrics(flags.metrics);
      if (!["native", "prompt", "auto"].includes(flags.toolMode)) throw new UsageError(`--tool-mode must be native, prompt or auto (got "${flags.toolMode}")`);
      let llm = flags.llm;
      if (llm === undefined) {
        const { defaultModelSpec } = await import("../models/index.js");
        llm = defaultModelSpec(process.env);
      }
      const isTty = process.stderr.isTTY === true;
      let lastPrint = 0;
      const summary = await runJudge({
        data,
        out: flags.output,
        llm,
        metrics,
        ...(flags.sample !== undefined ? { sample: flags.sample } : {}),
        seed: flags.seed,
        embedder: flags.embedder,
        ...(flags.embeddingModel !== undefined ? { embeddingModel: flags.embeddingModel } : {}),
        ...(flags.embeddingBaseUrl !== undefined ? { embeddingBaseURL: flags.embeddingBaseUrl } : {}),
        force: flags.force,
        ...(flags.baseUrl !== undefined ? { baseURL: flags.baseUrl } : {}),
        concurrency: flags.concurrency,
        ...(flags.rpm !== undefined ? { requestsPerMinute: flags.rpm } : {}),
        ...(flags.tpm !== undefined ? { tokensPerMinute: flags.tpm } : {}),
        ...(flags.timeout !== undefined ? { timeoutMs: flags.timeout } : {}),
        ...(flags.cache !== undefined ? { cacheDir: flags.cache } : {}),
        ...(flags.prices !== undefined ? { pricesFile: flags.prices } : {}),
        nativeTools: flags.toolMode === "auto" ? "auto" : flags.toolMode === "native",
        onProgress: (done, total) => {
          const now = Date.now();
          if (done !== total && now - lastPrint < (isTty ? 200 : 10_000)) return;
          lastPrint = now;
          process.stderr.write(`${isTty ? "\r" : ""}judge: ${done}/${total} dialogues${isTty && done !== total ? "" : "\n"}`);
        },
      });
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
