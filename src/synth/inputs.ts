/**
 * A run's inputs: the tools, and the samples that dialogue i uses (sample i). Samples come from --samples, or are
 * drawn once, up front, from the graph (--graph, or built from the tools) for the run seed; the caller stores them
 * in DIR/samples.jsonl (writeRunSamples), so that a resumed run uses exactly the same samples. Sampling is
 * deterministic, so should that file be missing (a kill right after the first manifest), they are drawn again.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { compileToolSchema, InputError, normalizeSchema, SchemaCompileError } from "../core/index.js";
import { deriveSeed } from "../core/index.js";
import type { ToolSample, ToolSpec } from "../core/index.js";
import { buildToolGraph, ToolGraph } from "../graph/index.js";
import { readSamplesJsonl, sampleTools, screenTools, strategyWarnings, writeSamplesJsonl } from "../sampling/index.js";
import { LINT_RULES, flaggedTools, lintTools, readToolsJsonl } from "../tools/index.js";
import { fileSha256 } from "./manifest.js";
import type { SynthOptions } from "./options.js";
import { RUN_FILES } from "../data/index.js";

export interface RunInputs {
  tools: Map<string, ToolSpec>;
  samples: ToolSample[];
  hashes: { tools: string; graph: string | null; samples: string | null };
  /** For the manifest. */
  describe: Record<string, unknown>;
  samplingSeed: number | null;
  /** True when the samples were read back from DIR/samples.jsonl (nothing to write). */
  fromRunDir: boolean;
}

/** Seed of the up-front sampling of a run. */
export function samplingSeedOf(runSeed: number): number {
  return deriveSeed(runSeed, "sampling");
}

export interface LoadInputsOptions {
  /** Number of samples to draw when sampling (the attempt cap). */
  sampleCount: number;
  /** Where to find the run's samples (DIR/samples.jsonl) on resume. Nothing is written here. */
  runDir?: string;
  /** Reuse DIR/samples.jsonl when present (resume). */
  reuseRunSamples?: boolean;
  /** The input hashes, when the caller has them already (inputHashes). */
  hashes?: RunInputs["hashes"];
  log?: (line: string) => void;
}

/** The run's input files by content (SHA-256): what the run definition holds of them. */
export function inputHashes(options: Pick<SynthOptions, "tools" | "graph" | "samples">): RunInputs["hashes"] {
  const hash = (file: string) => {
    if (!existsSync(file)) throw new InputError("file not found", { file });
    return fileSha256(file);
  };
  return {
    tools: hash(options.tools),
    graph: options.graph ? hash(options.graph) : null,
    samples: options.samples ? hash(options.samples) : null,
  };
}

export async function loadRunInputs(options: SynthOptions, load: LoadInputsOptions): Promise<RunInputs> {
  const toolList = await readToolsJsonl(options.tools);
  const tools = new Map(toolList.map((t) => [t.name, t]));
  const hashes = load.hashes ?? inputHashes(options);
  const describe: Record<string, unknown> = {
    tools: { path: options.tools, sha256: hashes.tools, count: toolList.length },
  };

  let samples: ToolSample[];
  let samplingSeed: number | null = null;
  let fromRunDir = false;
  const runSamplesPath = load.runDir ? join(load.runDir, RUN_FILES.samples) : undefined;
  if (options.samples) {
    samples = await readSamplesJsonl(options.samples);
    if (samples.length === 0) throw new InputError("no samples in file", { file: options.samples });
    describe.samples = { source: "file", path: options.samples, sha256: hashes.samples, count: samples.length };
    // samples given by the user are used as they are; the manifest says how many hold a flagged tool
    const report = lintTools(toolList);
    const flagged = flaggedTools(report, options.includeFlagged ?? false);
    const withFlagged = samples.filter((s) => s.tools.some((t) => flagged.has(t))).length;
    describe.lint = {
      tools: toolList.length,
      rules: Object.fromEntries(LINT_RULES.map((r) => [r, report.counts[r].tools])),
      flagged: report.flagged.length,
      excluded: 0,
      samplesWithFlagged: withFlagged,
      note: "samples from --samples are not screened",
    };
    if (withFlagged > 0) load.log?.(`synth: warning: ${withFlagged} of ${samples.length} samples from ${options.samples} hold tools \`toolflow tools lint\` flags`);
  } else if (runSamplesPath && load.reuseRunSamples && existsSync(runSamplesPath)) {
    samples = await readSamplesJsonl(runSamplesPath);
    samplingSeed = samplingSeedOf(options.seed);
    fromRunDir = true;
    describe.samples = { source: "run", path: runSamplesPath, count: samples.length, strategy: options.sampling };
  } else {
    let graph: ToolGraph;
    if (options.graph) {
      graph = await ToolGraph.load(options.graph);
      describe.graph = { path: options.graph, sha256: hashes.graph, nodes: graph.order, edges: graph.size };
    } else {
      load.log?.(`synth: no --graph given; building the tool graph from ${toolList.length} tools (lexical embedder)`);
      graph = await buildToolGraph(toolList);
      describe.graph = { built: true, embedder: "lexical", nodes: graph.order, edges: graph.size };
    }
    const missing = graph.nodes().filter((n) => !tools.has(n));
    if (missing.length > 0) {
      throw new InputError(
        `the graph names ${missing.length} tool(s) that ${options.tools} lacks, e.g. "${missing[0]}"; build the graph from the same tools`,
        { file: options.graph ?? options.tools },
      );
    }
    // the lint rules: flagged tools are left out unless --include-flagged (the manifest counts them per rule)
    const screen = screenTools(toolList, graph, { includeFlagged: options.includeFlagged ?? false });
    describe.lint = screen.summary;
    if (screen.summary.excluded > 0) {
      load.log?.(
        `synth: ${screen.summary.excluded} of ${toolList.length} tools flagged by \`toolflow tools lint\` are left out of sampling (--include-flagged keeps them)`,
      );
    }
    for (const w of strategyWarnings(graph, options.sampling, { exclude: screen.exclude })) load.log?.(`synth: warning: ${w}`);
    samplingSeed = samplingSeedOf(options.seed);
    samples = sampleTools(graph, {
      exclude: screen.exclude,
      strategy: options.sampling,
      count: load.sampleCount,
      size: options.size,
      seed: samplingSeed,
      // producers that parameters name are added, or left to the user (the planner is told; the manifest counts them)
      tools: toolList,
    });
    if (samples.length === 0) throw new InputError("the graph yields no samples", { file: options.graph ?? options.tools });
    describe.samples = {
      source: "sampled",
      strategy: options.sampling,
      size: `${options.size.min}-${options.size.max}`,
      count: samples.length,
      seed: samplingSeed,
      short: samples.filter((s) => s.short !== undefined).length,
    };
  }
  samples.forEach((s, i) => {
    const unknown = s.tools.find((t) => !tools.has(t));
    if (unknown !== undefined) {
      throw new InputError(`sample ${s.id} names tool "${unknown}", which is not in ${options.tools}`, {
        file: options.samples ?? runSamplesPath ?? options.tools,
        line: i + 1,
      });
    }
  });
  checkToolSchemas(samples, tools, options.tools);
  return { tools, samples, hashes, describe, samplingSeed, fromRunDir };
}

/**
 * Every schema of the tools the samples use compiles, before any model is called: a parameters or returns schema
 * that does not would fail every dialogue that calls its tool after the planner, user and assistant were paid for.
 * InputError naming the tool, which schema, and the tools file. (`tools import` compiles both, and replaces a
 * returns schema that does not compile by `{}`; older tools files may hold one.) Compiled validators stay in the
 * shared cache for the run.
 */
function checkToolSchemas(samples: readonly ToolSample[], tools: ReadonlyMap<string, ToolSpec>, file: string): void {
  const seen = new Set<string>();
  for (const s of samples) {
    for (const name of s.tools) {
      if (seen.has(name)) continue;
      seen.add(name);
      const tool = tools.get(name)!;
      try {
        compileToolSchema(name, "parameters", tool.parameters);
        // As the tool agent checks results against it.
        if (tool.returns) compileToolSchema(name, "returns", normalizeSchema(tool.returns));
      } catch (err) {
        if (!(err instanceof SchemaCompileError)) throw err;
        const hint = err.field === "returns" ? " (import the tools again: `toolflow tools import` replaces a returns schema that does not compile by {} with a warning)" : "";
        throw new InputError(`${err.message}${hint}`, { file, code: "BAD_SCHEMA", cause: err });
      }
    }
  }
}

/** Store the run's samples in DIR/samples.jsonl (atomically). */
export async function writeRunSamples(dir: string, samples: readonly ToolSample[]): Promise<void> {
  await writeSamplesJsonl(join(dir, RUN_FILES.samples), samples);
}
