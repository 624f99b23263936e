/**
 * `toolflow eval ...`: evaluate models the way BFCL does.
 *
 *   toolflow eval bfcl --check FILE --data DIR [--data DIR ...] -o OUT.jsonl   check decoded answers (no model)
 *   toolflow eval bfcl --llm SPEC --data DIR [--categories ...] -o OUT/        ask a served model, score its calls
 *   toolflow eval heldout DIR --llm SPEC -o OUT/                               a dataset's held-out turns
 *
 * `eval bfcl` dispatches on its mode (see runBfcl); its flags come from eval's option table (src/eval/option-table.ts),
 * the model mode's action is in eval-bfcl-run.ts, `eval heldout` in eval-heldout-cmd.ts.
 */
import type { Command } from "commander";
import { runEvalBfclModelMode, type EvalBfclModelFlags } from "./eval-bfcl-run.js";
import { registerEvalHeldout } from "./eval-heldout-cmd.js";
import { checkInputDir, checkInputFile, checkOutputFile, guardWrite, InputError, UsageError, writeFileAtomic } from "../core/index.js";
import { accuracyByCategory, BFCL_EVAL_OPTION_TABLE, checkAnswerRecords, formatAccuracyTable, loadBfclData, readAnswerRecords } from "../eval/index.js";
import { stringifyPyJson } from "../core/index.js";
import { addOptionSpecs } from "./option-specs.js";

/** Options of `eval bfcl` (all modes). */
type EvalBfclOptions = Partial<Omit<EvalBfclModelFlags, "data" | "out">> & {
  check?: string;
  data: string[];
  out?: string;
};

export function registerEvalCommands(program: Command): void {
  const evalCmd = program.command("eval").description("Evaluate models the way BFCL does");
  const bfcl = evalCmd
    .command("bfcl")
    .description(
      "Score answers to BFCL questions with BFCL's AST checker: --check FILE (answers already decoded, no model called) " +
        "or --llm SPEC (ask a served model through native tool calls, or --tool-mode prompt)",
    );
  // every flag, its help, parser and default come from eval's option table (src/eval/option-table.ts)
  addOptionSpecs(bfcl, BFCL_EVAL_OPTION_TABLE.options);
  bfcl.action(async (opts: EvalBfclOptions) => {
    await runBfcl(opts);
  });
  registerEvalHeldout(evalCmd);
}

async function runBfcl(opts: EvalBfclOptions): Promise<void> {
  if (opts.data.length === 0) throw new UsageError("eval bfcl needs at least one --data DIR");
  if (opts.check !== undefined && opts.llm !== undefined) throw new UsageError("eval bfcl: give --check FILE or --llm SPEC, not both");
  if (opts.check !== undefined) return runBfclCheck(opts.check, opts);
  if (opts.llm !== undefined) {
    await runEvalBfclModelMode({ ...opts, llm: opts.llm, out: opts.out ?? "" } as EvalBfclModelFlags);
    return;
  }
  throw new UsageError("eval bfcl needs a mode: --check FILE (decoded answers) or --llm SPEC (ask a model)");
}

/** `eval bfcl --check FILE`: check every answer, write OUT atomically (nothing when an id is unknown), print the table. */
async function runBfclCheck(file: string, opts: EvalBfclOptions): Promise<void> {
  const out = opts.out;
  if (out === undefined) throw new UsageError("eval bfcl --check needs -o OUT.jsonl");
  checkInputFile(file, "--check");
  for (const d of opts.data) checkInputDir(d, "--data");
  checkOutputFile(out, "--out");
  const [data, records] = await Promise.all([loadBfclData(opts.data), readAnswerRecords(file)]);
  // an empty answers file is a mistake (a failed decode, a wrong path): it must not replace a checked file
  if (records.length === 0) throw new InputError(`no answers in file; ${out} is left as it is`, { file, code: "EMPTY_INPUT" });
  const checked = checkAnswerRecords(data, records);
  await guardWrite(out, () => writeFileAtomic(out, checked.map((r) => stringifyPyJson(r) + "\n").join("")));
  const rows = accuracyByCategory(checked.map((r) => ({ category: r.category ?? data.get(r.id)?.category, valid: r.valid })));
  process.stderr.write(`toolflow: checked ${checked.length} answers from ${file} -> ${opts.out}\n` + formatAccuracyTable(rows));
}
