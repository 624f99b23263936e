/**
 * `toolflow verify DIR`: re-run the verification checks and the duplicate check on DIR/dialogues.jsonl and
 * report how many dialogues fail each check.
 */
import { join } from "node:path";
import type { Command } from "commander";
import { ToolflowError, UsageError } from "../core/index.js";
import { loadDialogues, DIALOGUES_FILE } from "../export/index.js";
import {
  Deduper,
  duplicateCheckResult,
  rejectionsOf,
  summarizeRejections,
  verifyDialogue,
  type ProvenanceMode,
} from "../verify/index.js";

interface VerifyCmdOptions {
  provenance: string;
  dedup: boolean;
  threshold: string;
  json?: boolean;
  strict?: boolean;
}

export function registerVerifyCommands(program: Command): void {
  program
    .command("verify")
    .description("Re-check the dialogues of a synth run (format, plan, argument provenance, duplicates) and count failures by check")
    .argument("<dir>", "synth output directory (reads dialogues.jsonl)")
    .option("--provenance <mode>", "ungrounded arguments: reject|flag|off", "reject")
    .option("--no-dedup", "skip the duplicate check")
    .option("--threshold <j>", "near-duplicate Jaccard threshold", "0.8")
    .option("--json", "print the report as JSON")
    .option("--strict", "exit with code 1 when any dialogue fails")
    .action(async (dir: string, opts: VerifyCmdOptions) => {
      if (!["reject", "flag", "off"].includes(opts.provenance)) {
        throw new UsageError(`--provenance must be reject, flag or off (got "${opts.provenance}")`);
      }
      const threshold = Number(opts.threshold);
      if (!(threshold > 0 && threshold <= 1)) throw new UsageError(`--threshold must be in (0, 1] (got "${opts.threshold}")`);
      const records = await loadDialogues(dir);
      const deduper = opts.dedup ? new Deduper({ threshold }) : undefined;
      const failed: Array<{ id: string; rejectedBy: ReturnType<typeof rejectionsOf> }> = [];
      let args = 0;
      let ungrounded = 0;
      for (const r of records) {
        const v = verifyDialogue(r, { provenance: opts.provenance as ProvenanceMode });
        const prov = v.checks.find((c) => c.name === "provenance");
        args += prov?.metrics?.args ?? 0;
        ungrounded += prov?.metrics?.ungrounded ?? 0;
        const rejectedBy = rejectionsOf(v);
        if (deduper) {
          const dup = deduper.checkAndAdd(r.id, r);
          if (dup.duplicate) rejectedBy.push({ check: "duplicate", reasons: duplicateCheckResult(dup, threshold).reasons });
        }
        if (rejectedBy.length > 0) failed.push({ id: r.id, rejectedBy });
      }
      const summary = summarizeRejections(failed);
      const report = {
        file: join(dir, DIALOGUES_FILE),
        dialogues: records.length,
        passed: records.length - failed.length,
        failed: failed.length,
        byCheck: summary.byCheck,
        examples: summary.examples,
        provenance: { args, ungrounded, rate: args === 0 ? 0 : ungrounded / args },
        failures: failed.slice(0, 20).map((f) => ({ id: f.id, checks: f.rejectedBy.map((e) => e.check), reason: f.rejectedBy[0]?.reasons[0] })),
      };
      if (opts.json) process.stdout.write(JSON.stringify(report, null, 2) + "\n");
      else {
        const lines = [
          `toolflow: ${report.dialogues} dialogues, ${report.passed} pass, ${report.failed} fail`,
          `  ungrounded arguments: ${ungrounded} of ${args} (${(100 * report.provenance.rate).toFixed(1)} %)`,
        ];
        for (const [check, n] of Object.entries(summary.byCheck)) lines.push(`  ${check}: ${n} (e.g. ${summary.examples[check] ?? "-"})`);
        process.stdout.write(lines.join("\n") + "\n");
      }
      if (opts.strict && failed.length > 0) {
        throw new ToolflowError(`${failed.length} of ${records.length} dialogues fail verification`, { code: "VERIFY_FAILED" });
      }
    });
}
