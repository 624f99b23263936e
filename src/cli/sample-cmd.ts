/**
 * `toolflow sample GRAPH` draws tool samples from a tool graph; `toolflow sample stats SAMPLES` reports coverage
 * and the Gini coefficient of tool usage.
 */
import type { Command } from "commander";
import { checkInputFile, checkOutputFile, guardWrite, InputError, UsageError, writeFileAtomic, writeLinesAtomic } from "../core/index.js";
import type { ToolSample } from "../core/index.js";
import { parseSizeRange } from "../core/index.js";
import { sharedOptions, type SamplingStrategy } from "../core/index.js";
import { ToolGraph } from "../graph/index.js";
import { readToolsJsonl } from "../tools/index.js";
import { parseIncludeFlagged } from "./options.js";
import { commanderOption } from "./option-specs.js";
import {
  DEFAULT_BALANCE_ALPHA,
  SamplingGraph,
  formatScreen,
  formatStats,
  iterateSamples,
  SamplingStatsBuilder,
  screenTools,
  strategyWarnings,
  readSamplesJsonl,
  samplingStats,
} from "../sampling/index.js";

interface SampleCliOptions {
  count: string;
  size: string;
  sampling: SamplingStrategy;
  seed: number;
  alpha?: string;
  followDirection?: boolean;
  tools?: string;
  includeFlagged?: string | boolean;
  summary?: string;
  out?: string;
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

export function registerSampleCommands(program: Command): void {
  const sample = program
    .command("sample")
    .description("draw tool samples from a tool graph (graph-based sampling), one JSON sample a line")
    .argument("<graph>", "graph.json made by `toolflow graph`")
    .option("-n, --count <n>", "number of samples", "100")
    .option("--size <range>", "tools per sample: a number or a range like 2-5 (drawn uniformly per sample)", "2-5")
    .addOption(commanderOption(sharedOptions.sampling()))
    .addOption(commanderOption(sharedOptions.seed(0)))
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
    .addOption(commanderOption(sharedOptions.out("file", "the samples, one a line, written atomically; default: standard output")))
    .option("-q, --quiet", "do not print the statistics to standard error")
    .action(async (graphPath: string, opts: SampleCliOptions) => {
      const count = parseInteger(opts.count, "--count", 1);
      const size = parseSizeRange(opts.size, "--size");
      const strategy = opts.sampling;
      const seed = opts.seed;
      let alpha: number | undefined;
      if (opts.alpha !== undefined) {
        alpha = Number(opts.alpha);
        if (opts.alpha.trim() === "" || !Number.isFinite(alpha) || alpha < 0) {
          throw new UsageError(`--alpha must be a number >= 0, got "${opts.alpha}"`);
        }
        if (strategy !== "balanced") throw new UsageError("--alpha applies to --sampling balanced only");
      }
      const includeFlagged = parseIncludeFlagged(opts.includeFlagged);
      if (opts.includeFlagged !== undefined && opts.tools === undefined) {
        throw new UsageError("--include-flagged needs --tools (the lint rules read the tool specs)");
      }
      checkInputFile(graphPath, "graph file");
      if (opts.tools !== undefined) checkInputFile(opts.tools, "--tools");
      if (opts.out !== undefined) checkOutputFile(opts.out, "--out");
      if (opts.summary !== undefined) checkOutputFile(opts.summary, "--summary");
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
      // Streamed: one sample at a time to a temporary file renamed over --out at the end (or to standard
      // output), with the statistics gathered on the way: memory does not grow with --count.
      const samples = iterateSamples(sg, { strategy, count, size, seed, alpha, ...(tools ? { tools } : {}) });
      const builder = new SamplingStatsBuilder(sg);
      function* lines(): Generator<string> {
        for (const s of samples as Iterable<ToolSample>) {
          builder.add(s);
          yield JSON.stringify(s) + "\n";
        }
      }
      const output = opts.out;
      if (output !== undefined && output !== "-") await writeLinesAtomic(output, lines());
      else await writeStdout(lines());
      const stats = builder.result();
      if (!opts.quiet) {
        const where = opts.out !== undefined && opts.out !== "-" ? ` -> ${opts.out}` : "";
        process.stderr.write(`toolflow sample: ${strategy}, seed ${seed}, size ${size.min}-${size.max}${where}\n`);
        if (screen) process.stderr.write(formatScreen(screen.summary));
        process.stderr.write(formatStats(stats));
      }
      if (opts.summary !== undefined) {
        const summary = { strategy, seed, count, size, stats, lint: screen?.summary ?? null, warnings };
        const summaryPath = opts.summary;
        await guardWrite(summaryPath, () => writeFileAtomic(summaryPath, JSON.stringify(summary, null, 2) + "\n"));
      }
    });

  sample
    .command("stats")
    .description("coverage and Gini coefficient of tool usage of a samples file")
    .argument("<samples>", "samples.jsonl made by `toolflow sample`")
    .option("--graph <file>", "the graph the samples were drawn from (needed for coverage)")
    .option("--json", "print the statistics as JSON")
    .action(async (samplesPath: string, opts: StatsCliOptions) => {
      checkInputFile(samplesPath, "samples file");
      if (opts.graph !== undefined) checkInputFile(opts.graph, "--graph");
      const samples = await readSamplesJsonl(samplesPath);
      if (samples.length === 0) throw new InputError("no samples in file (an empty file has no statistics)", { file: samplesPath, code: "EMPTY_INPUT" });
      const graph = opts.graph !== undefined ? await ToolGraph.load(opts.graph) : undefined;
      const stats = samplingStats(samples, graph, { file: samplesPath });
      process.stdout.write(opts.json ? JSON.stringify(stats, null, 2) + "\n" : formatStats(stats));
    });
}

/** Lines to standard output, waiting when its buffer is full (a pipe to a slow reader holds a bounded amount). */
async function writeStdout(lines: Iterable<string>): Promise<void> {
  let buffer = "";
  const flush = async () => {
    if (buffer === "") return;
    const ok = process.stdout.write(buffer);
    buffer = "";
    if (!ok) await new Promise<void>((resolve) => process.stdout.once("drain", () => resolve()));
  };
  for (const line of lines) {
    buffer += line;
    if (buffer.length >= 1 << 16) await flush();
  }
  await flush();
}
