/**
 * `toolflow judge DATA --llm SPEC -o OUT`: data-quality metrics of a synth run or an exported dataset (SS, EnR,
 * the LLM judge with bootstrap intervals, round-trip agreement). See docs/judge.md.
 */
import type { Command } from "commander";
import { checkInputPath, checkOutputDir, guardWrite } from "../core/index.js";
import { formatJudgeSummary, JUDGE_OPTION_TABLE, judgeOptionsFromFlags, runJudge } from "../judge/index.js";
import { defaultLlm } from "./options.js";
import { countProgress } from "./progress.js";
import { addOptionSpecs } from "./option-specs.js";

/** The flags commander hands the action (keyed as the table's flags are; the rest go through judgeOptionsFromFlags). */
interface JudgeFlags {
  llm?: string;
  out: string;
  json?: boolean;
  [flag: string]: unknown;
}

export function registerJudgeCommands(program: Command): void {
  const judge = program
    .command("judge")
    .description(
      "Measure a run's or dataset's quality: SS (embedding similarity of consecutive rounds), EnR (share of consecutive " +
        "rounds an LLM labels entailment), the LLM judge (naturalness, coherence, helpfulness, accuracy; mean and 95% " +
        "bootstrap interval) and round-trip agreement (a model re-answers each call turn; per step kind)",
    )
    .argument("<data>", "synth run folder (dialogues.jsonl) or exported dataset folder (openai/*.jsonl)");
  // every flag, its help, parser and default come from judge's option table (src/judge/option-table.ts)
  addOptionSpecs(judge, JUDGE_OPTION_TABLE.options);
  judge.action(async (data: string, flags: JudgeFlags) => {
      // --metrics and --tool-mode are checked here, before anything is read
      const options = judgeOptionsFromFlags(flags);
      checkInputPath(data, "run or dataset folder");
      checkOutputDir(flags.out, "--out");
      const llm = flags.llm ?? (await defaultLlm());
      const progress = countProgress("judge", "dialogues");
      const summary = await guardWrite(flags.out, () => runJudge({
        ...options,
        data,
        out: flags.out,
        llm,
        onProgress: progress.onProgress,
      }));
      progress.stop();
      if (flags.json) {
        const { ss, enr, judge, roundTrip } = summary;
        const byCriterion = judge
          ? Object.fromEntries(Object.entries(judge).filter(([k]) => k !== "dialogues"))
          : undefined;
        const out = {
          ...(ss ? { ss } : {}),
          ...(enr ? { enr } : {}),
          ...(byCriterion ? { judge: byCriterion } : {}),
          ...(roundTrip ? { roundTrip } : {}),
          dialogues: summary.dialogues,
          errors: summary.errors,
          usage: summary.usage,
        };
        process.stdout.write(JSON.stringify(out) + "\n");
      } else {
        process.stdout.write(formatJudgeSummary(summary));
      }
    });
}
