/**
 * `eval bfcl`'s options, once: every flag of `toolflow eval bfcl` is one entry of BFCL_EVAL_OPTION_TABLE (core's
 * JobOptionTable) with its spelling, help, parser, default, the BfclRunOptions field it sets (the model mode's) and,
 * when it decides the answers, the field of the eval definition (OUT/eval.json, compared on a rerun into OUT). The
 * CLI declares the flags from the table (src/cli/eval-cmd.ts) and turns them into BfclRunOptions through it
 * (`bfclEvalOptionsFromFlags`); runBfclEval stores `bfclEvalDefinition` and names `BFCL_EVAL_DEFINITION_FLAGS` when
 * a rerun is refused. option-table.test.ts fails when the table and the definition drift.
 *
 * (`eval heldout` keeps no job definition: it writes its results and summary in one go.)
 */
import {
  defineField,
  ENDPOINT_OPTION_SPECS,
  intOption,
  jobDefinition,
  jobDefinitionFlags,
  jobOptionsFromFlags,
  listOption,
  numberOption,
  sharedOptions,
  type JobOptionTable,
} from "../core/index.js";
import { BFCL_EVAL_CATEGORIES } from "./bfcl-summary.js";
import type { BfclRunOptions, ToolMode } from "./bfcl-run.js";

/**
 * What decides an eval's answers (OUT/eval.json; a rerun into OUT must match). Each field comes from the table entry
 * whose `definition.field` names it.
 */
export interface BfclEvalDefinition {
  llm: string;
  toolMode: ToolMode;
  temperature: number;
  maxTokens: number | null;
}

/** The defaults of runBfclEval (and so of the flags). */
export const BFCL_EVAL_DEFAULTS = { toolMode: "native", temperature: 0, concurrency: 8 } as const satisfies Partial<BfclRunOptions>;

/** eval.json of older versions held only the model and tool mode; those evals ran with these values. */
export const BFCL_EVAL_ADDED_LATER: Partial<BfclEvalDefinition> = { temperature: 0, maxTokens: null };

function field<F extends keyof BfclEvalDefinition>(name: F, value: (o: BfclRunOptions) => BfclEvalDefinition[F]) {
  return defineField<BfclRunOptions, BfclEvalDefinition, F>(name, value);
}

/** Every flag of `toolflow eval bfcl` (both modes), in the order `--help` lists them. */
export const BFCL_EVAL_OPTION_TABLE: JobOptionTable<BfclRunOptions, BfclEvalDefinition> = {
  arguments: [],
  options: [
    // the command's own flags: the check mode's answers, and the questions both modes read
    { flags: "--check <file>", help: "JSONL of decoded answers {id, category, model_output, ...} to check" },
    { flags: "--data <dir>", help: "BFCL data folder (BFCL_v4_<category>.json, possible_answer/); repeatable", repeatable: true, default: [] },
    { ...sharedOptions.out("path", "with --check, a JSONL file (each input line plus valid, errorType, error); with --llm, a folder"), option: "outDir" },
    ...ENDPOINT_OPTION_SPECS,
    {
      flags: "--llm <spec>",
      help: "ask this model (openai:<model> on any OpenAI-compatible server) and score its answers",
      option: "llm",
      definition: field("llm", (o) => o.llm),
    },
    {
      flags: "--categories <list>",
      help: `categories to run, comma-separated (default: all the data holds of ${BFCL_EVAL_CATEGORIES.join(", ")})`,
      parse: listOption("--categories"),
    },
    {
      flags: "--tool-mode <mode>",
      help: "native tool calls, or functions in the system prompt and calls read from text",
      choices: ["native", "prompt"],
      default: BFCL_EVAL_DEFAULTS.toolMode,
      option: "toolMode",
      definition: field("toolMode", (o) => o.toolMode ?? BFCL_EVAL_DEFAULTS.toolMode),
    },
    { flags: "--limit <n>", help: "only the first N questions of each category", parse: intOption("--limit", 1), option: "limit" },
    { flags: "--ids <list>", help: "only these question ids, comma-separated", parse: listOption("--ids"), option: "ids" },
    {
      flags: "--concurrency <n>",
      help: "requests in flight at once",
      parse: intOption("--concurrency", 1, 4096),
      default: BFCL_EVAL_DEFAULTS.concurrency,
      option: "concurrency",
    },
    {
      flags: "--temperature <t>",
      help: "sampling temperature",
      parse: numberOption("--temperature", 0, 2),
      default: BFCL_EVAL_DEFAULTS.temperature,
      option: "temperature",
      definition: field("temperature", (o) => o.temperature ?? BFCL_EVAL_DEFAULTS.temperature),
    },
    {
      flags: "--max-tokens <n>",
      help: "answer token limit",
      parse: intOption("--max-tokens", 1),
      option: "maxTokens",
      definition: field("maxTokens", (o) => o.maxTokens ?? null),
    },
    { flags: "--force", help: "delete the results in the output folder and start over (default: resume them)", default: false, option: "force" },
    {
      flags: "--resume",
      help: "continue the eval in the output folder, and fail when there is none (a rerun resumes anyway)",
      default: false,
      option: "resume",
    },
  ],
};

/** The flag behind each BfclEvalDefinition field, as a refused rerun names them (`--tool-mode`). */
export const BFCL_EVAL_DEFINITION_FLAGS = jobDefinitionFlags(BFCL_EVAL_OPTION_TABLE);

/** The eval definition of these options (each field from its table entry). */
export function bfclEvalDefinition(options: BfclRunOptions): BfclEvalDefinition {
  return jobDefinition(BFCL_EVAL_OPTION_TABLE, options);
}

/**
 * BfclRunOptions (but `items`, read from --data and --categories) from the parsed flags of `toolflow eval bfcl`,
 * keyed as commander keys them.
 */
export function bfclEvalOptionsFromFlags(flags: Readonly<Record<string, unknown>>): Partial<BfclRunOptions> {
  return jobOptionsFromFlags(BFCL_EVAL_OPTION_TABLE, flags);
}
