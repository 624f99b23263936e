/**
 * `toolflow overlap TRAIN EVAL [--exclude OUT] [--json]`: the paper's leakage test of TRAIN's tools against
 * EVAL's (tool files, runs or exported datasets); `--exclude` writes TRAIN's tools without the leaked ones.
 */
import type { Command } from "commander";
import { UsageError } from "../core/index.js";
import { createEmbedder } from "../graph/index.js";
import { computeOverlap, formatOverlap, loadOverlapTools, OVERLAP_DEFAULTS } from "../overlap/index.js";
import { writeToolsJsonl } from "../tools/index.js";
import { embedderOptions, embedderSettings, intOption, numberOption, type EmbedderFlags } from "./options.js";

interface OverlapCliOptions extends EmbedderFlags {
  exclude?: string;
  json?: boolean;
  ngram: number;
  maxCoverage: number;
  maxSimilarity: number;
  exact?: boolean;
  top: number;
  quiet?: boolean;
}

export function registerOverlapCommands(program: Command): void {
  const overlap = program
    .command("overlap")
    .description("leakage test: which tools of TRAIN share long n-grams with, or embed close to, a tool of EVAL")
    .argument("<train>", "tool file (any `tools import` format, tools.jsonl), run directory / dialogues.jsonl, or exported dataset")
    .argument("<eval>", "the same kinds of input, e.g. BFCL question files")
    .option("--exclude <file>", "write TRAIN's tools without the leaked ones to this tools.jsonl")
    .option("--json", "print {trainTools, leakedTools, share, leaked: [{tool, nearest, reason}], ...} as JSON")
    .option("--ngram <n>", "shared runs must have at least n tokens", intOption("--ngram", 1, 1000), OVERLAP_DEFAULTS.ngram)
    .option("--max-coverage <share>", "n-gram rule: leaked above this share of covered tokens", numberOption("--max-coverage", 0, 1), OVERLAP_DEFAULTS.maxCoverage)
    .option("--max-similarity <sim>", "similarity rule: leaked above this similarity", numberOption("--max-similarity", -1, 1), OVERLAP_DEFAULTS.maxSimilarity)
    .option("--exact", "similarity rule: compare every pair (slow; for checking)")
    .option("--embedder <name>", "embedder of the similarity rule, by name as `graph build --embedder` takes it", "lexical")
    .option("--top <n>", "leaked tools listed in the text report", intOption("--top", 0), 20)
    .option("-q, --quiet", "no summary on standard error");
  embedderOptions(overlap).action(async (trainPath: string, evalPath: string, opts: OverlapCliOptions) => {
      if (opts.embedder !== "openai" && (opts.embeddingModel || opts.baseUrl)) {
        throw new UsageError("--embedding-model and --base-url apply to --embedder openai");
      }
      const embedder = createEmbedder(opts.embedder, embedderSettings(opts));
      const started = performance.now();
      const train = await loadOverlapTools(trainPath);
      const evalSide = await loadOverlapTools(evalPath);
      let result;
      try {
        result = await computeOverlap(train.tools, evalSide.tools, {
          embedder,
          ngram: opts.ngram,
          maxCoverage: opts.maxCoverage,
          maxSimilarity: opts.maxSimilarity,
          exact: opts.exact ?? false,
        });
      } finally {
        await embedder.close?.();
      }
      if (opts.exclude !== undefined) await writeToolsJsonl(opts.exclude, result.kept);
      const { kept: _kept, ...summary } = result;
      process.stdout.write(opts.json ? JSON.stringify(summary, null, 2) + "\n" : formatOverlap(result, { limit: opts.top }));
      if (!opts.quiet) {
        process.stderr.write(
          `toolflow overlap: TRAIN ${train.kind} ${trainPath} (${train.tools.length} tools), EVAL ${evalSide.kind} ${evalPath} ` +
            `(${evalSide.tools.length} tools): ${result.leakedTools} leaked in ${((performance.now() - started) / 1000).toFixed(1)} s` +
            `${opts.exclude !== undefined ? `; ${result.kept.length} kept -> ${opts.exclude}` : ""}\n`,
        );
      }
    });
}
