/**
 * `toolflow graph build TOOLS.jsonl -o graph.json` builds the tool graph; `toolflow graph stats graph.json`
 * describes one (nodes, edges by kind, components, degrees, isolated tools, hubs).
 */
import type { Command } from "commander";
import { checkInputFile, checkOutputFile, guardWrite, UsageError, sharedOptions } from "../core/index.js";
import type { ToolSpec } from "../core/index.js";
import { buildToolGraph, type BuildProgress } from "../graph/index.js";
import { createEmbedder } from "../graph/index.js";
import { graphFormatFor, serializeGraph, writeGraph } from "../graph/index.js";
import { formatGraphStats, graphStats } from "../graph/index.js";
import { ToolGraph } from "../graph/index.js";
import { readToolsJsonl } from "../tools/index.js";
import { embedderOptions, embedderSettings, type EmbedderFlags } from "./options.js";
import { commanderOption } from "./option-specs.js";

interface BuildCliOptions extends EmbedderFlags {
  out?: string;
  format?: string;
  threshold?: string;
  exact?: boolean;
  batchSize?: string;
  dimensions?: string;
  nameWeight?: string;
  smoothing?: string;
  quiet?: boolean;
}

interface StatsCliOptions {
  json?: boolean;
  top: string;
}

function parseNumber(text: string | undefined, option: string, check: (n: number) => boolean, what: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n) || !check(n)) throw new UsageError(`${option} must be ${what}, got "${text}"`);
  return n;
}

const PHASE_LABEL: Record<BuildProgress["phase"], string> = {
  fields: "fields",
  embed: "embedding",
  join: "similarity join",
  edges: "edges",
};

/** Progress on stderr: a line when a phase starts and ends, and at most one a second in between. */
function progressPrinter(quiet: boolean): (p: BuildProgress) => void {
  let phase = "";
  let last = 0;
  return (p) => {
    if (quiet) return;
    const now = Date.now();
    const ended = p.done >= p.total;
    if (p.phase === phase && !ended && now - last < 1000) return;
    phase = p.phase;
    last = now;
    process.stderr.write(`toolflow graph: ${PHASE_LABEL[p.phase]} ${p.done}/${p.total}\n`);
  };
}

export function registerGraphCommands(program: Command): void {
  const graph = program.command("graph").description("build and inspect the tool graph (P-P and P-R edges)");

  const build = graph
    .command("build")
    .description("build the tool graph of one or more tools.jsonl files")
    .argument("<tools...>", "tools.jsonl file(s) made by `toolflow tools import`")
    .addOption(commanderOption(sharedOptions.out("file", "the graph file, written atomically (json, gexf or dot); default: standard output")))
    .option("--format <format>", "json, gexf or dot (default: from the output extension, else json)")
    .option("--threshold <number>", "similarity an edge needs, in (0, 1] (default: calibrated per embedder)")
    .option("--exact", "compare every pair of fields instead of using the index (slow; for checking)")
    .option(
      "--embedder <name>",
      "lexical (offline), openai (any OpenAI-compatible /v1/embeddings) or llama:<file.gguf|hf:...> (a GGUF embedding model, in process)",
      "lexical",
    )
    .option("--batch-size <n>", "openai: texts per request (default 128)")
    .option("--dimensions <n>", "openai: requested embedding dimensions")
    .option("--name-weight <number>", "lexical: weight of field-name words against description words (default 2)")
    .option("--smoothing <number>", "lexical: generic-field damping, share of the largest IDF (default 1)")
    .option("-q, --quiet", "no progress or summary on standard error");
  embedderOptions(build).action(async (files: string[], opts: BuildCliOptions) => {
      const threshold = parseNumber(opts.threshold, "--threshold", (n) => n > 0 && n <= 1, "a number in (0, 1]");
      const batchSize = parseNumber(opts.batchSize, "--batch-size", (n) => Number.isInteger(n) && n >= 1, "an integer >= 1");
      const dimensions = parseNumber(opts.dimensions, "--dimensions", (n) => Number.isInteger(n) && n >= 1, "an integer >= 1");
      const nameWeight = parseNumber(opts.nameWeight, "--name-weight", (n) => n >= 0, "a number >= 0");
      const smoothing = parseNumber(opts.smoothing, "--smoothing", (n) => n >= 0, "a number >= 0");
      if (opts.embedder !== "openai" && (opts.embeddingModel || opts.baseUrl || batchSize || dimensions)) {
        throw new UsageError("--embedding-model, --base-url, --batch-size and --dimensions apply to --embedder openai");
      }
      if (opts.embedder !== "lexical" && (nameWeight !== undefined || smoothing !== undefined)) {
        throw new UsageError("--name-weight and --smoothing apply to --embedder lexical");
      }
      for (const f of files) checkInputFile(f, "tools file");
      if (opts.out !== undefined) checkOutputFile(opts.out, "--out");
      const format = graphFormatFor(opts.out ?? "", opts.format);
      const embedder = createEmbedder(opts.embedder, {
        lexical: { ...(nameWeight !== undefined ? { nameWeight } : {}), ...(smoothing !== undefined ? { smoothing } : {}) },
        ...embedderSettings(opts, { ...(batchSize ? { batchSize } : {}), ...(dimensions ? { dimensions } : {}) }),
      });
      const tools: ToolSpec[] = [];
      for (const f of files) tools.push(...(await readToolsJsonl(f)));
      const started = performance.now();
      let g: ToolGraph;
      try {
        g = await buildToolGraph(tools, {
          embedder,
          ...(threshold !== undefined ? { threshold } : {}),
          exact: opts.exact ?? false,
          onProgress: progressPrinter(opts.quiet ?? tools.length < 2000),
        });
      } finally {
        await embedder.close?.();
      }
      const seconds = (performance.now() - started) / 1000;
      const output = opts.out;
      if (output !== undefined && output !== "-") await guardWrite(output, () => writeGraph(g, output, format));
      else process.stdout.write(serializeGraph(g, format));
      if (!opts.quiet) {
        const m = g.meta as { threshold: number; edges: { "P-P": number; "P-R": number }; topHubs: Array<{ id: string; degree: number }> };
        const hubs = m.topHubs.slice(0, 5).map((h) => `${h.id} (${h.degree})`).join(", ");
        process.stderr.write(
          `toolflow graph: ${g.order} tools, ${m.edges["P-P"]} P-P + ${m.edges["P-R"]} P-R edges ` +
            `(${embedder.id}, threshold ${m.threshold}${opts.exact ? ", exact" : ""}) in ${seconds.toFixed(1)} s` +
            `${opts.out && opts.out !== "-" ? ` -> ${opts.out} (${format})` : ""}\n`,
        );
        if (hubs) process.stderr.write(`toolflow graph: highest-degree tools: ${hubs}\n`);
        if (threshold === undefined && embedder.describe().thresholdCalibrated === false) {
          process.stderr.write(
            `toolflow graph: the default threshold ${m.threshold} of ${embedder.id} is not calibrated for this model; ` +
              `see "Calibrating a threshold" in docs/graph.md, then pass --threshold\n`,
          );
        }
      }
    });

  graph
    .command("stats")
    .description("nodes, edges by kind, components, degree distribution, isolated tools and top hubs of a graph")
    .argument("<graph>", "graph.json made by `toolflow graph build`")
    .option("--json", "print the statistics as JSON")
    .option("--top <n>", "hubs to list", "10")
    .action(async (graphPath: string, opts: StatsCliOptions) => {
      const top = parseNumber(opts.top, "--top", (n) => Number.isInteger(n) && n >= 0, "an integer >= 0") ?? 10;
      checkInputFile(graphPath, "graph file");
      const g = await ToolGraph.load(graphPath);
      const stats = graphStats(g, { topHubs: top });
      process.stdout.write(opts.json ? JSON.stringify(stats, null, 2) + "\n" : formatGraphStats(stats));
    });
}
