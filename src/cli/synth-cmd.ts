/**
 * `toolflow synth`: run the whole synthesis (sampling -> planned generation -> verification) until --count
 * dialogues are accepted, resumably. See docs/synth.md.
 */
import { Option, type Command } from "commander";
import { existsSync, readdirSync, rmdirSync } from "node:fs";
import { checkInputFile, checkOutputDir, isFsError, ToolflowError, UsageError, writeError } from "../core/index.js";
import { readToolsJsonl } from "../tools/index.js";
import { SAMPLING_STRATEGIES } from "../core/index.js";
import { dryRunSynth, formatDryRun } from "../synth/index.js";
import { parseSizeRange } from "../core/index.js";
import { parseStepMix, validateSynthOptions, type SynthOptions } from "../synth/index.js";
import type { StepMix } from "../core/index.js";
import { runSynth } from "../synth/index.js";
import { defaultLlm, intOption, listOption, numberOption, parseIncludeFlagged, urlOption } from "./options.js";

interface RawSynthFlags {
  tools?: string;
  graph?: string;
  samples?: string;
  count?: number;
  llm?: string[];
  llmPlanner?: string;
  llmUser?: string;
  llmAssistant?: string;
  llmTool?: string;
  concurrency: number;
  seed: number;
  out?: string;
  sampling: string;
  size: string;
  includeFlagged?: string | boolean;
  plan: boolean;
  maxTurns?: number;
  toolErrorRate?: number;
  stepMix?: StepMix;
  keepReasoning: boolean;
  provenance: string;
  turnRepair: boolean;
  baseUrl?: string;
  cache?: string;
  prices?: string;
  judge?: string;
  judgeMin?: number;
  judgeFlaws?: boolean;
  roundTrip?: string;
  roundTripMin?: number;
  maxAttempts?: number;
  temperature?: number;
  rpm?: number;
  tpm?: number;
  resume: boolean;
  force: boolean;
  dryRun: boolean;
  progressInterval?: number;
  execute?: string;
  executeConfig?: string;
  allowWrites: boolean;
  queue?: string;
  run?: string;
}

export function registerSynthCommands(program: Command): void {
  program
    .command("synth")
    .description(
      "Synthesize verified multi-turn tool-calling dialogues: sample tool sets from the graph, plan each dialogue, " +
        "let the user, assistant and tool agents write it, verify, and keep going until --count are accepted.",
    )
    .requiredOption("--tools <file>", "tools.jsonl (from `toolflow tools import`)")
    .option("--graph <file>", "graph.json (default: built from the tools with the lexical embedder)")
    .option("--samples <file>", "samples.jsonl to use instead of sampling (dialogue i uses sample i, cycling)")
    .requiredOption("--count <n>", "accepted dialogues to produce", intOption("--count", 1))
    .requiredOption("--out <dir>", "run folder: dialogues.jsonl, rejected.jsonl, samples.jsonl, manifest.json")
    .option("--llm <specs>", "model pool, comma-separated (sim, openai:<model>, llama:<path|hf:...>); one per dialogue", listOption("--llm", "model specs"))
    .option("--llm-planner <spec>", "model for the planner role")
    .option("--llm-user <spec>", "model for the user agent")
    .option("--llm-assistant <spec>", "model for the assistant agent")
    .option("--llm-tool <spec>", "model for the tool agent")
    .option("--concurrency <n>", "dialogues generated at once", intOption("--concurrency", 1, 1024), 4)
    .option("--seed <n>", "run seed (dialogue i uses deriveSeed(seed, i))", intOption("--seed", 0, 0xffffffff), 1)
    .addOption(
      new Option("--sampling <strategy>", "tool sampling strategy").choices([...SAMPLING_STRATEGIES]).default("walk"),
    )
    .option("--size <range>", "tools per sample, N or MIN-MAX", "2-5")
    .option(
      "--include-flagged [rules]",
      "sample the tools `toolflow tools lint` flags too (all, or those flagged only by these comma-separated rules); default: left out",
    )
    .option("--no-plan", "no dialogue plan (the paper's w/o Plan ablation)")
    .option("--max-turns <n>", "maximum user turns per dialogue", intOption("--max-turns", 1))
    .option("--tool-error-rate <p>", "share of simulated tool calls that return an error", numberOption("--tool-error-rate", 0, 1))
    .option("--step-mix <mix>", "share of plan steps by kind, e.g. unsupported=0.1 (requests no tool serves; default 0)", parseStepMix)
    .option("--keep-reasoning", "store the assistant model's reasoning per assistant message (when the backend returns it)", false)
    .addOption(
      new Option(
        "--provenance <mode>",
        "ungrounded arguments: reject the dialogue, flag them, or judge:<spec> (a model decides what the rules leave ungrounded)",
      ).default("reject"),
    )
    .option("--no-turn-repair", "with --provenance reject: do not send an ungrounded call back to the assistant at the turn it is made (the dialogue is only checked at the end)")
    .option("--base-url <url>", "OpenAI-compatible endpoint (default OPENAI_BASE_URL)", urlOption("--base-url"))
    .option("--cache <dir>", "response cache folder (a repeated or resumed run pays nothing twice)")
    .option("--prices <file>", "price table (JSON/YAML: $ per 1M input/output tokens per model)")
    .option("--judge <spec>", "score accepted dialogues with this model (naturalness, coherence, helpfulness, accuracy)")
    .option("--judge-flaws", "with --judge: reject dialogues in which the judge names a flaw (an invented value, a misreported result, a pointless action, ...; check judge)")
    .option("--judge-min <n>", "with --judge: reject dialogues the judge scores below N (1-5) on any axis (check judge)", intOption("--judge-min", 1, 5))
    .option("--round-trip <spec>", "reject dialogues this model cannot re-answer: each call turn asked with the conversation so far and the tools")
    .option("--round-trip-min <x>", "least round-trip agreement a dialogue needs (default 1)", numberOption("--round-trip-min", 0, 1))
    .option("--max-attempts <n>", "give up after this many attempts (default count*3+10)", intOption("--max-attempts", 1))
    .option("--temperature <t>", "sampling temperature for every role", numberOption("--temperature", 0, 2))
    .option("--rpm <n>", "requests per minute over all model calls (with --queue: over all workers, through Redis)", intOption("--rpm", 1))
    .option("--tpm <n>", "tokens per minute over all model calls (with --queue: per worker)", intOption("--tpm", 1))
    .option("--resume", "continue the run in --out, and fail when there is none (the same command continues a run anyway; the options must match its manifest)", false)
    .option("--force", "delete the run files in --out and start over (default: continue a run with the same options, refuse one with others)", false)
    .option("--dry-run", "render the first prompts and estimate calls, tokens and cost; write nothing", false)
    .option("--execute <spec>", "run tool calls on their real servers: mcp, http, or NAME=simulate|mcp|http per tool or source, comma-separated (docs/execute.md)")
    .option("--execute-config <file>", "YAML/JSON: per source the base URL, the env var holding the auth header, timeouts, retries, rate limits")
    .option("--allow-writes", "let executed calls change things (HTTP methods other than GET/HEAD, MCP tools not annotated read-only)", false)
    .option("--queue <url>", "run on `toolflow worker`s over Redis (redis://HOST:PORT/DB); needs --run (docs/scale.md)")
    .option("--run <name>", "name of the queued run (started again, it continues the run)")
    .option("--progress-interval <seconds>", "seconds between progress lines when stderr is not a terminal", intOption("--progress-interval", 1))
    .action(async (flags: RawSynthFlags) => {
      if ((flags.queue !== undefined) !== (flags.run !== undefined)) throw new UsageError("--queue and --run go together");
      // Inputs are checked before anything is written: kind and existence of every file, the tools as
      // `tools import` makes them, the output folder's kind and writability (--out is made only after this).
      if (flags.tools !== undefined) checkInputFile(flags.tools, "--tools");
      if (flags.graph !== undefined) checkInputFile(flags.graph, "--graph");
      if (flags.samples !== undefined) checkInputFile(flags.samples, "--samples");
      if (flags.prices !== undefined) checkInputFile(flags.prices, "--prices");
      if (flags.executeConfig !== undefined) checkInputFile(flags.executeConfig, "--execute-config");
      if (flags.out !== undefined && !flags.dryRun) checkOutputDir(flags.out, "--out");
      if (flags.tools !== undefined) await readToolsJsonl(flags.tools);
      const outExisted = flags.out !== undefined && existsSync(flags.out);
      const options: SynthOptions = validateSynthOptions({
        tools: flags.tools,
        graph: flags.graph,
        samples: flags.samples,
        count: flags.count,
        llm: flags.llm ?? [await defaultLlm()],
        roleLlm: {
          planner: flags.llmPlanner,
          user: flags.llmUser,
          assistant: flags.llmAssistant,
          tool: flags.llmTool,
        },
        concurrency: flags.concurrency,
        seed: flags.seed,
        out: flags.out,
        sampling: flags.sampling,
        size: parseSizeRange(flags.size),
        ...(flags.includeFlagged !== undefined ? { includeFlagged: parseIncludeFlagged(flags.includeFlagged) } : {}),
        plan: flags.plan,
        maxTurns: flags.maxTurns,
        toolErrorRate: flags.toolErrorRate,
        stepMix: flags.stepMix,
        keepReasoning: flags.keepReasoning,
        provenance: flags.provenance,
        ...(flags.turnRepair === false ? { turnRepair: false } : {}),
        baseUrl: flags.baseUrl,
        cache: flags.cache,
        prices: flags.prices,
        judge: flags.judge,
        ...(flags.judgeMin !== undefined ? { judgeMin: flags.judgeMin } : {}),
        ...(flags.judgeFlaws ? { judgeFlaws: true } : {}),
        roundTrip: flags.roundTrip,
        roundTripMin: flags.roundTripMin,
        maxAttempts: flags.maxAttempts,
        temperature: flags.temperature,
        ...(flags.rpm !== undefined ? { rpm: flags.rpm } : {}),
        ...(flags.tpm !== undefined ? { tpm: flags.tpm } : {}),
        resume: flags.resume,
        force: flags.force,
        dryRun: flags.dryRun,
        ...(flags.execute !== undefined ? { execute: flags.execute } : {}),
        ...(flags.executeConfig !== undefined ? { executeConfig: flags.executeConfig } : {}),
        ...(flags.allowWrites ? { allowWrites: true } : {}),
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
        if (!outExisted && err instanceof ToolflowError && err.exitCode === 2) removeIfEmpty(out);
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
