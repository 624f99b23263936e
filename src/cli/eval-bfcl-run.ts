/**
 * The model mode of `toolflow eval bfcl` (`--llm openai:<model>`): its action. The `eval bfcl` command (eval-cmd.ts)
 * declares its flags from eval's option table (BFCL_EVAL_OPTION_TABLE, src/eval/option-table.ts) and, when `--llm`
 * is given, hands its parsed flags to `runEvalBfclModelMode`. See docs/eval.md.
 *
 *   toolflow eval bfcl --llm openai:my-model --base-url http://localhost:8000/v1 --data ../bfcl -o out/eval/
 */
import { UsageError } from "../core/index.js";
import type { EndpointFlags } from "./options.js";
import { bfclEvalOptionsFromFlags, readBfclEvalItems, runBfclEval, type BfclEvalItem, type BfclEvalSummary, type ToolMode } from "../eval/index.js";

/** The flags of the model mode, as commander parses them (keyed as the table's flags are). */
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

/** Read the questions of --data for --categories and run the eval; the table goes to stdout, progress to stderr. */
export async function runEvalBfclModelMode(flags: EvalBfclModelFlags, io: { items?: BfclEvalItem[] } = {}): Promise<BfclEvalSummary> {
  if (flags.data.length === 0) throw new UsageError("eval bfcl --llm needs --data DIR (a folder laid out like BFCL's data)");
  if (!flags.out) throw new UsageError("eval bfcl --llm needs -o OUT/ (a folder: results.jsonl, summary.json)");
  const items = io.items ?? (await readBfclEvalItems(flags.data, flags.categories));
  if (items.length === 0) {
    throw new UsageError(`no questions of ${flags.categories?.join(", ") ?? "the eval categories"} in ${flags.data.join(", ")}`);
  }
  // every other option from the flags, through the option table
  return runBfclEval({ ...bfclEvalOptionsFromFlags(flags as unknown as Record<string, unknown>), llm: flags.llm, items, outDir: flags.out });
}
