/**
 * The model mode of `toolflow eval bfcl` (`--llm openai:<model>`): its options and its action. The `eval bfcl`
 * command (eval-cmd.ts) adds these options with `addEvalBfclModelOptions` and, when `--llm` is given, hands its
 * parsed flags to `runEvalBfclModelMode`. See docs/eval.md.
 *
 *   toolflow eval bfcl --llm openai:my-model --base-url http://localhost:8000/v1 --data ../bfcl -o out/eval/
 */
import { Option, type Command } from "commander";
import { UsageError } from "../core/index.js";
import { endpointOptions, endpointSettings, intOption, listOption, numberOption, type EndpointFlags } from "./options.js";
import { BFCL_EVAL_CATEGORIES, readBfclEvalItems, runBfclEval, type BfclEvalItem, type BfclEvalSummary, type ToolMode } from "../eval/index.js";

/** The flags of the model mode, as commander parses them (plus the command's own --data and -o). */
export interface EvalBfclModelFlags extends EndpointFlags {
  llm: string;
  data: string[];
  out: string;
  categories?: string[];
  toolMode: ToolMode;
  limit?: number;
  ids?: string[];
  concurrency: number;
  temperature: number;
  maxTokens?: number;
  force?: boolean;
  resume?: boolean;
}

/** Add the model mode's options to the `eval bfcl` command (it has --data and -o/--out itself). */
export function addEvalBfclModelOptions(cmd: Command): Command {
  return endpointOptions(cmd)
    .option("--llm <spec>", "ask this model (openai:<model> on any OpenAI-compatible server) and score its answers")
    .option("--categories <list>", `categories to run, comma-separated (default: all the data holds of ${BFCL_EVAL_CATEGORIES.join(", ")})`, listOption("--categories"))
    .addOption(new Option("--tool-mode <mode>", "native tool calls, or functions in the system prompt and calls read from text").choices(["native", "prompt"]).default("native"))
    .option("--limit <n>", "only the first N questions of each category", intOption("--limit", 1))
    .option("--ids <list>", "only these question ids, comma-separated", listOption("--ids"))
    .option("--concurrency <n>", "requests in flight at once", intOption("--concurrency", 1, 4096), 8)
    .option("--temperature <t>", "sampling temperature", numberOption("--temperature", 0, 2), 0)
    .option("--max-tokens <n>", "answer token limit", intOption("--max-tokens", 1))
    .option("--force", "delete the results in the output folder and start over (default: resume them)", false)
    .option("--resume", "continue the eval in the output folder, and fail when there is none (a rerun resumes anyway)", false);
}

/** Read the questions of --data for --categories and run the eval; the table goes to stdout, progress to stderr. */
export async function runEvalBfclModelMode(flags: EvalBfclModelFlags, io: { items?: BfclEvalItem[] } = {}): Promise<BfclEvalSummary> {
  if (flags.data.length === 0) throw new UsageError("eval bfcl --llm needs --data DIR (a folder laid out like BFCL's data)");
  if (!flags.out) throw new UsageError("eval bfcl --llm needs -o OUT/ (a folder: results.jsonl, summary.json)");
  const items = io.items ?? (await readBfclEvalItems(flags.data, flags.categories));
  if (items.length === 0) {
    throw new UsageError(`no questions of ${flags.categories?.join(", ") ?? "the eval categories"} in ${flags.data.join(", ")}`);
  }
  return runBfclEval({
    llm: flags.llm,
    items,
    outDir: flags.out,
    toolMode: flags.toolMode,
    limit: flags.limit,
    ids: flags.ids,
    force: flags.force,
    resume: flags.resume,
    temperature: flags.temperature,
    maxTokens: flags.maxTokens,
    concurrency: flags.concurrency,
    ...endpointSettings(flags),
  });
}
