/**
 * `toolflow verify DIR`: re-run the verification checks and the duplicate check on DIR/dialogues.jsonl and
 * report how many dialogues fail each check. With `--provenance judge:<spec>`, a model decides on the argument
 * values the provenance rules leave ungrounded (one request per dialogue that has any).
 */
import { join } from "node:path";
import type { Command } from "commander";
import pLimit from "p-limit";
import { checkInputDir, checkInputFile, ToolflowError, UsageError, type Verification } from "../core/index.js";
import { toolNameProblem } from "../tools/index.js";
import { loadDialogues, RUN_FILES } from "../data/index.js";
import type { RunModels } from "../models/index.js";
import {
  Deduper,
  duplicateCheckResult,
  judgeProvenance,
  parseProvenanceOption,
  rejectionsOf,
  summarizeRejections,
  verifyDialogue,
  withProvenanceCheck,
} from "../verify/index.js";
import { endpointOptions, endpointSettings, intOption, type EndpointFlags } from "./options.js";

interface VerifyCmdOptions extends EndpointFlags {
  provenance: string;
  dedup: boolean;
  threshold: string;
  concurrency: number;
  json?: boolean;
  strict?: boolean;
}

const PROVENANCE_METRICS = ["args", "grounded", "converted", "defaulted", "knowledge", "ungrounded", "judged", "entailed"] as const;

export function registerVerifyCommands(program: Command): void {
  const cmd = program
    .command("verify")
    .description("Re-check the dialogues of a synth run (format, plan, argument provenance, duplicates) and count failures by check")
    .argument("<dir>", "synth output directory (reads dialogues.jsonl)")
    .option("--provenance <mode>", "ungrounded arguments: reject|flag|off, or judge:<spec> (a model decides what the rules leave ungrounded)", "reject")
    .option("--no-dedup", "skip the duplicate check")
    .option("--threshold <j>", "near-duplicate Jaccard threshold", "0.8")
    .option("--json", "print the report as JSON")
    .option("--strict", "exit with code 1 when any dialogue fails")
    .option("--concurrency <n>", "dialogues the provenance judge is asked about at once", intOption("--concurrency", 1, 1024), 4);
  endpointOptions(cmd).action(async (dir: string, opts: VerifyCmdOptions) => {
      const provenance = parseProvenanceOption(opts.provenance);
      const threshold = Number(opts.threshold);
      if (!(threshold > 0 && threshold <= 1)) throw new UsageError(`--threshold must be in (0, 1] (got "${opts.threshold}")`);
      checkInputDir(dir, "run folder");
      checkInputFile(join(dir, RUN_FILES.dialogues), "the run's dialogues file");
      const records = await loadDialogues(dir);
      const deduper = opts.dedup ? new Deduper({ threshold }) : undefined;
      const failed: Array<{ id: string; rejectedBy: ReturnType<typeof rejectionsOf> }> = [];
      const totals: Record<string, number> = Object.fromEntries(PROVENANCE_METRICS.map((k) => [k, 0]));
      let models: RunModels | undefined;
      let verifications: Verification[];
      try {
        if (provenance.judge !== undefined) {
          const { openRunModels } = await import("../models/index.js");
          models = await openRunModels({
            llm: provenance.judge,
            provenanceJudge: provenance.judge,
            concurrency: opts.concurrency,
            ...endpointSettings(opts),
          });
        }
        const judge = models?.provenanceJudge;
        const limit = pLimit(opts.concurrency);
        verifications = await Promise.all(
          records.map((r) =>
            limit(async () => {
              const v = verifyDialogue(r, { provenance: provenance.mode });
              if (!judge || v.checks.some((c) => c.name === "provenance" && c.passed)) return v;
              try {
                return withProvenanceCheck(v, (await judgeProvenance(judge, r)).check);
              } catch (err) {
                throw new ToolflowError(`dialogue ${r.id}: ${(err as Error).message}`, { code: "PROVENANCE_JUDGE_FAILED", cause: err });
              }
            }),
          ),
        );
      } finally {
        await models?.close();
      }
      for (const [i, r] of records.entries()) {
        const v = verifications[i] as Verification;
        const prov = v.checks.find((c) => c.name === "provenance");
        for (const k of PROVENANCE_METRICS) totals[k] = (totals[k] ?? 0) + (prov?.metrics?.[k] ?? 0);
        const rejectedBy = rejectionsOf(v);
        if (deduper) {
          const dup = deduper.checkAndAdd(r.id, r);
          if (dup.duplicate) rejectedBy.push({ check: "duplicate", reasons: duplicateCheckResult(dup, threshold).reasons });
        }
        // every export format takes OpenAI's function-name rule; a name outside it would reach the training data
        const badNames = [...new Set([...r.tools.map((t) => t.name), ...r.messages.flatMap((m) => (m.role === "assistant" ? (m.tool_calls ?? []).map((c) => c.function.name) : []))])]
          .map((n) => toolNameProblem(n))
          .filter((p): p is string => p !== undefined);
        if (badNames.length > 0) rejectedBy.push({ check: "tool-name", reasons: badNames });
        if (rejectedBy.length > 0) failed.push({ id: r.id, rejectedBy });
      }
      const summary = summarizeRejections(failed);
      const args = totals.args ?? 0;
      const ungrounded = totals.ungrounded ?? 0;
      const report = {
        file: join(dir, RUN_FILES.dialogues),
        dialogues: records.length,
        passed: records.length - failed.length,
        failed: failed.length,
        byCheck: summary.byCheck,
        examples: summary.examples,
        provenance: { ...totals, rate: args === 0 ? 0 : ungrounded / args },
        ...(models ? { usage: models.usage.summary().byRole } : {}),
        failures: failed.slice(0, 20).map((f) => ({ id: f.id, checks: f.rejectedBy.map((e) => e.check), reason: f.rejectedBy[0]?.reasons[0] })),
      };
      if (opts.json) process.stdout.write(JSON.stringify(report, null, 2) + "\n");
      else {
        const lines = [
          `toolflow: ${report.dialogues} dialogues, ${report.passed} pass, ${report.failed} fail`,
          `  ungrounded arguments: ${ungrounded} of ${args} (${(100 * report.provenance.rate).toFixed(1)} %); ` +
            `converted ${totals.converted ?? 0}, defaulted ${totals.defaulted ?? 0}, general knowledge ${totals.knowledge ?? 0}` +
            (provenance.judge !== undefined ? `; judge asked about ${totals.judged ?? 0}, supported ${totals.entailed ?? 0}` : ""),
        ];
        for (const [check, n] of Object.entries(summary.byCheck)) lines.push(`  ${check}: ${n} (e.g. ${summary.examples[check] ?? "-"})`);
        process.stdout.write(lines.join("\n") + "\n");
      }
      if (opts.strict && failed.length > 0) {
        throw new ToolflowError(`${failed.length} of ${records.length} dialogues fail verification`, { code: "VERIFY_FAILED" });
      }
    });
}
