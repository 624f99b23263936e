/**
 * `toolflow sample GRAPH` draws tool samples from a tool graph; `toolflow sample stats SAMPLES` reports coverage
 * and the Gini coefficient of tool usage.
 */
import { Option, type Command } from "commander";
import { UsageError, writeFileAtomic } from "../core/index.js";
import { parseSizeRange } from "../core/index.js";
import { SAMPLING_STRATEGIES, type SamplingStrategy } from "../core/index.js";
import { ToolGraph } from "../graph/index.js";
import { readToolsJsonl } from "../tools/index.js";
import { parseIncludeFlagged } from "./options.js";
import {
  DEFAULT_BALANCE_ALPHA,
  SamplingGraph,
  formatScreen,
  formatStats,
  screenTools,
  strategyWarnings,
  isSamplingStrategy,
  readSamplesJsonl,
  sampleTools,
  samplesToJsonl,
  samplingStats,
  writeSamplesJsonl,
} from "../sampling/index.js";

interface SampleCliOptions {
  count: string;
  size: string;
  strategy: string;
  seed: string;
  alpha?: string;
  followDirection?: boolean;
  tools?: string;
  includeFlagged?: string | boolean;
  summary?: string;
  output?: string;
  quiet?: boolean;
}

interface StatsCliOptions {
  graph?: string;
  json?: boolean;
}

function parseInteger(text: string, option: string, min: number): number {
  if (!/^-?\d+$/.test(text.trim())) throw new UsageError(`${option} must be an integer, got "${text}"`);
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < min) throw new UsageError(`${option} must be an integer >= ${min}, got ${text}`);
  return n;
}

function parseStrategy(text: string): SamplingStrategy {
  if (!isSamplingStrategy(text)) {
    throw new UsageError(`--strategy must be one of ${SAMPLING_STRATEGIES.join(", ")}, got "${text}"`);
  }
  return text;
}

export function registerSampleCommands(program: Command): void {
  const sample = program
    .command("sample")
    .description("draw tool samples from a tool graph (graph-based sampling), one JSON sample a line")
    .argument("<graph>", "graph.json made by `toolflow graph`")
    .option("-n, --count <n>", "number of samples", "100")
    .option("--size <range>", "tools per sample: a number or a range like 2-5 (drawn uniformly per sample)", "2-5")
    .addOption(
      new Option("--strategy <name>", "walk (the paper's random walk), random (no graph), balanced (favours unused tools)")
        .default("walk"),
    )
    .option("--seed <int>", "run seed (the same seed gives the same samples)", "0")
    .option("--alpha <number>", `balanced only: bias strength, weight 1/(1+uses)^alpha (default ${DEFAULT_BALANCE_ALPHA})`)
    .option("--follow-direction", "walk P-R edges only from the producing tool to the consuming one")
    .option(
      "--tools <tools.jsonl>",
      "the tool specs: add a producer a parameter names (\"the id from createCart\") when the sample lacks it " +
        "(up to size max + 1 tools), else record it as user-supplied",
    )
    .option(
      "--include-flagged [rules]",
      "with --tools: keep the tools `toolflow tools lint` flags (all, or those flagged only by these comma-separated rules); default: left out",
    )
    .option("--summary <file>", "also write the run's summary as JSON: statistics, lint counts per rule, warnings")
    .option("-o, --output <file>", "write the samples here (atomically); default: standard output")
    .option("-q, --quiet", "do not print the statistics to standard error")
    .action(async (graphPath: string, opts: SampleCliOptions) => {
      const count = parseInteger(opts.count, "--count", 1);
      const size = parseSizeRange(opts.size, "--size");
      const strategy = parseStrategy(opts.strategy);
      const seed = parseInteger(opts.seed, "--seed", -(2 ** 31));
      let alpha: number | undefined;
      if (opts.alpha !== undefined) {
        alpha = Number(opts.alpha);
        if (opts.alpha.trim() === "" || !Number.isFinite(alpha) || alpha < 0) {
          throw new UsageError(`--alpha must be a number >= 0, got "${opts.alpha}"`);
        }
        if (strategy !== "balanced") throw new UsageError("--alpha applies to --strategy balanced only");
      }
      const includeFlagged = parseIncludeFlagged(opts.includeFlagged);
      if (opts.includeFlagged !== undefined && opts.tools === undefined) {
        throw new UsageError("--include-flagged needs --tools (the lint rules read the tool specs)");
      }
      const graph = await ToolGraph.load(graphPath);
      const tools = opts.tools !== undefined ? await readToolsJsonl(opts.tools) : undefined;
      if (tools !== undefined) {
        const known = new Set(tools.map((t) => t.name));
        const missing = graph.nodes().find((n) => !known.has(n));
        if (missing !== undefined) throw new UsageError(`--tools: ${opts.tools} lacks "${missing}", a tool of ${graphPath}: give the tools the graph was built from`);
      }
      const screen = tools !== undefined ? screenTools(tools, graph, { includeFlagged }) : undefined;
      const sg = new SamplingGraph(graph, { followDirection: opts.followDirection ?? false, ...(screen ? { exclude: screen.exclude } : {}) });
      const warnings = strategyWarnings(sg, strategy);
      for (const w of warnings) process.stderr.write(`toolflow sample: warning: ${w}\n`);
      if (screen === undefined && !opts.quiet) process.stderr.write("toolflow sample: no --tools: the lint rules were not applied (flagged tools may be sampled)\n");
      const samples = sampleTools(sg, { strategy, count, size, seed, alpha, ...(tools ? { tools } : {}) });
      if (opts.output !== undefined && opts.output !== "-") await writeSamplesJsonl(opts.output, samples);
      else process.stdout.write(samplesToJsonl(samples));
      const stats = samplingStats(samples, sg);
      if (!opts.quiet) {
        const where = opts.output !== undefined && opts.output !== "-" ? ` -> ${opts.output}` : "";
        process.stderr.write(`toolflow sample: ${strategy}, seed ${seed}, size ${size.min}-${size.max}${where}\n`);
        if (screen) process.stderr.write(formatScreen(screen.summary));
        process.stderr.write(formatStats(stats));
      }
      if (opts.summary !== undefined) {
        const summary = { strategy, seed, count, size, stats, lint: screen?.summary ?? null, warnings };
        await writeFileAtomic(opts.summary, JSON.stringify(summary, null, 2) + "\n");
      }
    });

  sample
    .command("stats")
    .description("coverage and Gini coefficient of tool usage of a samples file")
    .argument("<samples>", "samples.jsonl made by `toolflow sample`")
    .option("--graph <file>", "the graph the samples were drawn from (needed for coverage)")
    .option("--json", "print the statistics as JSON")
    .action(async (samplesPath: string, opts: StatsCliOptions) => {
      const samples = await readSamplesJsonl(samplesPath);
      const graph = opts.graph !== undefined ? await ToolGraph.load(opts.graph) : undefined;
      const stats = samplingStats(samples, graph, { file: samplesPath });
      process.stdout.write(opts.json ? JSON.stringify(stats, null, 2) + "\n" : formatStats(stats));
    });
}
