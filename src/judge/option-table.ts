/**
 * judge's options, once: every flag of `toolflow judge` is one entry of JUDGE_OPTION_TABLE (core's JobOptionTable)
 * with its spelling, help, parser, default, the JudgeRunOptions field it sets and, when it decides the results, the
 * field of the judge definition (OUT/judge-run.json, compared on a rerun into OUT). The CLI declares its flags from
 * the table (src/cli/judge-cmd.ts) and turns them into JudgeRunOptions through it (`judgeOptionsFromFlags`); runJudge
 * stores `judgeDefinition` and names `JUDGE_DEFINITION_FLAGS` when a rerun is refused. Adding an option is one
 * entry (plus its JudgeRunOptions field, and its JudgeDefinition field when it decides the results);
 * option-table.test.ts fails when they drift.
 */
import { resolve } from "node:path";
import {
  defineField,
  ENDPOINT_OPTION_SPECS,
  intOption,
  jobDefinition,
  jobDefinitionFlags,
  jobOptionsFromFlags,
  parseToolMode,
  sharedOptions,
  UsageError,
  type JobOptionTable,
} from "../core/index.js";
import type { JudgeRunOptions } from "./run.js";

export const JUDGE_METRICS = ["ss", "enr", "judge", "roundtrip"] as const;
export type JudgeMetric = (typeof JUDGE_METRICS)[number];

/** Parse `--metrics ss,enr,...`. */
export function parseMetrics(text: string): JudgeMetric[] {
  const names = text.split(",").map((s) => s.trim().toLowerCase()).filter((s) => s !== "");
  for (const n of names) {
    if (!(JUDGE_METRICS as readonly string[]).includes(n)) throw new UsageError(`--metrics: unknown metric "${n}" (expected ${JUDGE_METRICS.join(", ")})`);
  }
  if (names.length === 0) throw new UsageError("--metrics: name at least one metric");
  return JUDGE_METRICS.filter((m) => names.includes(m));
}

/**
 * What defines a judge run (OUT/judge-run.json; a rerun into OUT must match). The model only when a metric asks one,
 * the embedder only with ss. Each field comes from the table entry whose `definition.field` names it.
 */
export interface JudgeDefinition {
  data: string;
  metrics: JudgeMetric[];
  sample: number | null;
  seed: number;
  llm: string | null;
  embedder: string | null;
  embeddingModel: string | null;
}

/** The defaults of runJudge (and so of the flags). */
export const JUDGE_DEFAULTS = { seed: 0, embedder: "lexical", concurrency: 4 } as const;

/** The metrics of a judge run (default: every metric). */
export function judgeMetrics(o: Pick<JudgeRunOptions, "metrics">): JudgeMetric[] {
  return o.metrics ?? [...JUDGE_METRICS];
}

const usesModel = (o: JudgeRunOptions) => judgeMetrics(o).some((m) => m !== "ss");
const usesEmbedder = (o: JudgeRunOptions) => judgeMetrics(o).includes("ss");
function field<F extends keyof JudgeDefinition>(name: F, value: (o: JudgeRunOptions) => JudgeDefinition[F]) {
  return defineField<JudgeRunOptions, JudgeDefinition, F>(name, value);
}

/** Every flag of `toolflow judge`, in the order `--help` lists them, and its defining argument DATA. */
export const JUDGE_OPTION_TABLE: JobOptionTable<JudgeRunOptions, JudgeDefinition> = {
  arguments: [{ argument: "DATA", definition: field("data", (o) => resolve(o.data)) }],
  options: [
    {
      flags: "--llm <specs>",
      help: "model for enr, judge and roundtrip (sim, openai:<model>, llama:<path|hf:...>); a comma list is a pool",
      option: "llm",
      definition: field("llm", (o) => (usesModel(o) ? o.llm : null)),
    },
    { ...sharedOptions.out("dir", "a folder: judge.jsonl (per dialogue), judge-run.json, summary.json", { required: true }), option: "out" },
    {
      flags: "--metrics <list>",
      help: "ss,enr,judge,roundtrip (any of them)",
      default: JUDGE_METRICS.join(","),
      option: "metrics",
      toOption: (v) => (v === undefined ? undefined : parseMetrics(v as string)),
      definition: field("metrics", (o) => judgeMetrics(o)),
    },
    {
      flags: "--sample <n>",
      help: "judge a deterministic sample of N dialogues (by --seed)",
      parse: intOption("--sample", 1),
      option: "sample",
      definition: field("sample", (o) => o.sample ?? null),
    },
    // the --sample draw and the bootstrap
    { ...sharedOptions.seed(JUDGE_DEFAULTS.seed), option: "seed", definition: field("seed", (o) => o.seed ?? JUDGE_DEFAULTS.seed) },
    {
      flags: "--embedder <name>",
      help: "SS embedder: lexical, openai, llama:<file.gguf|hf:...>",
      default: JUDGE_DEFAULTS.embedder,
      option: "embedder",
      definition: field("embedder", (o) => (usesEmbedder(o) ? (o.embedder ?? JUDGE_DEFAULTS.embedder) : null)),
    },
    {
      flags: "--embedding-model <model>",
      help: "the openai embedder's model",
      option: "embeddingModel",
      definition: field("embeddingModel", (o) => (usesEmbedder(o) ? (o.embeddingModel ?? null) : null)),
    },
    { flags: "--embedding-base-url <url>", help: "the openai embedder's endpoint", option: "embeddingBaseURL" },
    { flags: "--force", help: "delete OUT's results and start over (default: resume them when the settings are the same)", default: false, option: "force" },
    { flags: "--resume", help: "continue the results in OUT, and fail when there are none (a rerun resumes anyway)", default: false, option: "resume" },
    {
      flags: "--concurrency <n>",
      help: "dialogues judged at once",
      parse: intOption("--concurrency", 1, 1024),
      default: JUDGE_DEFAULTS.concurrency,
      option: "concurrency",
    },
    {
      flags: "--tool-mode <mode>",
      help: "native|prompt|auto: how round-trip turns offer the tools",
      default: "auto",
      option: "nativeTools",
      toOption: (v) => (v === undefined ? undefined : parseToolMode(v as string)),
    },
    // the command's own flag: how the summary is printed
    { flags: "--json", help: "print the summary as one JSON object" },
    ...ENDPOINT_OPTION_SPECS,
  ],
};

/** The argument or flag behind each JudgeDefinition field, as a refused rerun names them (`DATA`, `--seed`). */
export const JUDGE_DEFINITION_FLAGS = jobDefinitionFlags(JUDGE_OPTION_TABLE);

/** The judge definition of these options (each field from its table entry). */
export function judgeDefinition(options: JudgeRunOptions): JudgeDefinition {
  return jobDefinition(JUDGE_OPTION_TABLE, options);
}

/**
 * JudgeRunOptions (but `data`, the command's argument, and `llm` when `--llm` was not given) from the parsed flags of
 * `toolflow judge`, keyed as commander keys them; `--metrics` and `--tool-mode` are checked here (a UsageError).
 */
export function judgeOptionsFromFlags(flags: Readonly<Record<string, unknown>>): Partial<JudgeRunOptions> {
  return jobOptionsFromFlags(JUDGE_OPTION_TABLE, flags);
}
