/**
 * `toolflow synth`: run the whole synthesis (sampling -> planned generation -> verification) until --count
 * dialogues are accepted, resumably. See docs/synth.md.
 */
import type { Command } from "commander";
import { existsSync, readdirSync, rmdirSync } from "node:fs";
import { join } from "node:path";
import { checkInputFile, checkOutputDir, checkOutputFile, isFsError, ToolflowError, UsageError, writeError } from "../core/index.js";
import { readToolsJsonl } from "../tools/index.js";
import { dryRunSynth, formatDryRun } from "../synth/index.js";
import { SYNTH_OPTION_TABLE, synthOptionsFromFlags, validateSynthOptions, type SynthOptions } from "../synth/index.js";
import { runSynth } from "../synth/index.js";
import { addOptionSpecs } from "./option-specs.js";
import { defaultLlm } from "./options.js";

/** The flags commander hands the action (keyed as the table's flags are; the rest go through synthOptionsFromFlags). */
interface SynthFlags {
  tools?: string;
  graph?: string;
  samples?: string;
  prices?: string;
  executeConfig?: string;
  out?: string;
  llm?: string[];
  dryRun: boolean;
  queue?: string;
  run?: string;
  progressInterval?: number;
  [flag: string]: unknown;
}

export function registerSynthCommands(program: Command): void {
  const synth = program
    .command("synth")
    .description(
      "Synthesize verified multi-turn tool-calling dialogues: sample tool sets from the graph, plan each dialogue, " +
        "let the user, assistant and tool agents write it, verify, and keep going until --count are accepted.",
    );
  // every flag, its help, parser and default come from synth's option table (src/synth/option-table.ts)
  addOptionSpecs(synth, SYNTH_OPTION_TABLE);
  synth
    .action(async (flags: SynthFlags) => {
      if ((flags.queue !== undefined) !== (flags.run !== undefined)) throw new UsageError("--queue and --run go together");
      // Inputs are checked before anything is written: kind and existence of every file, the tools as
      // `tools import` makes them, the output folder's kind and writability (--out is made only after this).
      if (flags.tools !== undefined) checkInputFile(flags.tools, "--tools");
      if (flags.graph !== undefined) checkInputFile(flags.graph, "--graph");
      if (flags.samples !== undefined) checkInputFile(flags.samples, "--samples");
      if (flags.prices !== undefined) checkInputFile(flags.prices, "--prices");
      if (flags.executeConfig !== undefined) checkInputFile(flags.executeConfig, "--execute-config");
      if (flags.out !== undefined && !flags.dryRun) checkOutputDir(flags.out, "--out");
      if (typeof flags.cache === "string" && !flags.dryRun) {
        // the cache folder and its file: of the right kind and writable before --out is made (a cache that still
        // cannot be opened stops the run with SQLite's reason, src/llm/cache.ts)
        checkOutputDir(flags.cache, "--cache");
        checkOutputFile(join(flags.cache, "responses.sqlite"), "--cache file");
      }
      if (flags.tools !== undefined) await readToolsJsonl(flags.tools);
      const outExisted = flags.out !== undefined && existsSync(flags.out);
      const options: SynthOptions = validateSynthOptions({
        ...synthOptionsFromFlags(flags),
        llm: flags.llm ?? [await defaultLlm()],
      });
      if (options.dryRun) {
        const report = await dryRunSynth(options);
        process.stdout.write(formatDryRun(report));
        if (report.noEstimate !== undefined) throw new ToolflowError(`synth --dry-run: no estimate: ${report.noEstimate}`, { code: "NO_ESTIMATE" });
        return;
      }
      const controller = new AbortController();
      let interrupts = 0;
      const onSignal = (sig: NodeJS.Signals) => {
        interrupts++;
        if (interrupts > 1) {
          process.stderr.write(`\ntoolflow: ${sig} again, exiting now (run with --resume to continue)\n`);
          process.exit(130);
        }
        process.stderr.write(`\ntoolflow: ${sig}: finishing the dialogues in flight; press Ctrl-C again to stop at once\n`);
        controller.abort();
      };
      process.on("SIGINT", onSignal);
      process.on("SIGTERM", onSignal);
      try {
        if (flags.queue !== undefined || flags.run !== undefined) {
          if (flags.queue === undefined || flags.run === undefined) throw new UsageError("--queue and --run go together");
          const { runQueuedSynth } = await import("../queue/index.js");
          const summary = await runQueuedSynth(options, { url: flags.queue, run: flags.run }, {
            signal: controller.signal,
            ...(flags.progressInterval !== undefined ? { progressIntervalMs: flags.progressInterval * 1000 } : {}),
          });
          if (summary.status === "interrupted") {
            throw new ToolflowError(
              `stopped following with ${summary.manifest.counts.accepted}/${options.count} accepted (the workers go on); ` +
                `run the same command to follow again`,
              { code: "INTERRUPTED", exitCode: 130 },
            );
          }
          return;
        }
        const summary = await runSynth(options, {
          signal: controller.signal,
          deps: (await import("../judge/index.js")).synthDepsFor(options),
          ...(flags.progressInterval !== undefined ? { progressIntervalMs: flags.progressInterval * 1000 } : {}),
        });
        if (summary.status === "interrupted") {
          throw new ToolflowError(
            `interrupted with ${summary.manifest.counts.accepted}/${options.count} accepted; ` +
              `run the same command with --resume to finish`,
            { code: "INTERRUPTED", exitCode: 130 },
          );
        }
      } catch (err) {
        const out = options.out;
        // an input error found once the run had begun leaves no empty --out behind
        // (or a fatal one before any record, such as a response cache that cannot be opened)
        if (!outExisted && err instanceof ToolflowError && (err.exitCode === 2 || err.fatal)) removeIfEmpty(out);
        if (isFsError(err)) {
          throw writeError(err, out, `what was written before is kept in ${out}; free the space (or fix the permission) and run again with --resume`);
        }
        throw err;
      } finally {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
      }
    });
}

/** Remove a folder this run made when nothing was written into it. */
function removeIfEmpty(dir: string): void {
  try {
    if (existsSync(dir) && readdirSync(dir).length === 0) rmdirSync(dir);
  } catch {
    // left as it is
  }
}
