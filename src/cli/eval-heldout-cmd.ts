/**
 * `toolflow eval heldout DIR --llm SPEC -o OUT`: ask a model every assistant turn of a dataset's test split (or
 * of every dialogue of a run with --split all) and score its answers against the recorded turns. See
 * docs/eval.md. Registered under the `eval` command by registerEvalHeldout.
 */
import type { Command } from "commander";
import { UsageError } from "../core/index.js";
import { HELDOUT_SPLITS, formatHeldoutTable, runHeldoutEval, type HeldoutSplit } from "../eval/index.js";
import { parseSplit } from "../export/index.js";

interface HeldoutFlags {
  llm?: string;
  output: string;
  split: string;
  ratios: string;
  splitSeed: string;
  limit?: string;
  baseUrl?: string;
  concurrency: string;
  rpm?: string;
  tpm?: string;
  timeout?: string;
  cache?: string;
  prices?: string;
  temperature: string;
  maxTokens?: string;
  toolMode: string;
  json?: boolean;
}

function int(flag: string, value: string, min: number): number {
  if (!/^\s*-?\d+\s*$/.test(value)) throw new UsageError(`${flag}: expected an integer, got "${value}"`);
  const n = Number(value);
  if (n < min) throw new UsageError(`${flag}: must be at least ${min}, got ${n}`);
  return n;
}

export function registerEvalHeldout(evalCommand: Command): void {
  evalCommand
    .command("heldout")
    .description(
      "Evaluate a model on held-out dialogues: every assistant turn of a synth run's test split (as `toolflow export` " +
        "splits it) or of an exported dataset's openai/test.jsonl, asked with the conversation so far and the tools, " +
        "scored against the recorded turn with the BFCL checker",
    )
    .argument("<dir>", "synth run folder (dialogues.jsonl) or exported dataset folder (openai/test.jsonl)")
    .option("--llm <specs>", "model to evaluate (sim, openai:<model>, llama:<path|hf:...>); a comma list is a pool, one model per dialogue")
    .requiredOption("-o, --output <dir>", "output folder: results.jsonl, summary.json")
    .option("--split <name>", `${HELDOUT_SPLITS.join("|")}: which dialogues (all = every dialogue of a run)`, "test")
    .option("--ratios <r>", "run only: the export's train,validation,test ratios to reproduce", "0.9,0.05,0.05")
    .option("--split-seed <n>", "run only: the export's split seed to reproduce (`toolflow export --seed`)", "0")
    .option("--limit <n>", "evaluate only the first N dialogues")
    .option("--base-url <url>", "OpenAI-compatible endpoint (default OPENAI_BASE_URL)")
    .option("--concurrency <n>", "requests in flight at once", "8")
    .option("--rpm <n>", "requests per minute budget")
    .option("--tpm <n>", "tokens per minute budget")
    .option("--timeout <ms>", "per-attempt timeout in milliseconds")
    .option("--cache <dir>", "response cache folder (a rerun pays nothing twice)")
    .option("--prices <file>", "price table (JSON/YAML) for the cost figures")
    .option("--temperature <t>", "sampling temperature", "0")
    .option("--max-tokens <n>", "completion token limit per answer")
    .option("--tool-mode <mode>", "native|prompt|auto: native tool calling, or tools described in the prompt", "auto")
    .option("--json", "print the summary as JSON instead of the table")
    .action(async (dir: string, flags: HeldoutFlags) => {
      if (!(HELDOUT_SPLITS as readonly string[]).includes(flags.split)) {
        throw new UsageError(`--split must be one of ${HELDOUT_SPLITS.join(", ")} (got "${flags.split}")`);
      }
      const temperature = Number(flags.temperature);
      if (flags.temperature.trim() === "" || !Number.isFinite(temperature) || temperature < 0 || temperature > 2) {
        throw new UsageError(`--temperature must be a number between 0 and 2 (got "${flags.temperature}")`);
      }
      if (!["native", "prompt", "auto"].includes(flags.toolMode)) throw new UsageError(`--tool-mode must be native, prompt or auto (got "${flags.toolMode}")`);
      let llm = flags.llm;
      if (llm === undefined) {
        const { defaultModelSpec } = await import("../models/index.js");
        llm = defaultModelSpec(process.env);
      }
      const { parseModelList } = await import("../models/index.js");
      parseModelList(llm);
      const isTty = process.stderr.isTTY === true;
      let lastPrint = 0;
      const summary = await runHeldoutEval({
        dir,
        out: flags.output,
        llm,
        split: flags.split as HeldoutSplit,
        ratios: parseSplit(flags.ratios),
        splitSeed: int("--split-seed", flags.splitSeed, 0),
        ...(flags.limit !== undefined ? { limit: int("--limit", flags.limit, 1) } : {}),
        ...(flags.baseUrl !== undefined ? { baseURL: flags.baseUrl } : {}),
        concurrency: int("--concurrency", flags.concurrency, 1),
        ...(flags.rpm !== undefined ? { requestsPerMinute: int("--rpm", flags.rpm, 1) } : {}),
        ...(flags.tpm !== undefined ? { tokensPerMinute: int("--tpm", flags.tpm, 1) } : {}),
        ...(flags.timeout !== undefined ? { timeoutMs: int("--timeout", flags.timeout, 1) } : {}),
        ...(flags.cache !== undefined ? { cacheDir: flags.cache } : {}),
        ...(flags.prices !== undefined ? { pricesFile: flags.prices } : {}),
        temperature,
        ...(flags.maxTokens !== undefined ? { maxTokens: int("--max-tokens", flags.maxTokens, 1) } : {}),
        nativeTools: flags.toolMode === "auto" ? "auto" : flags.toolMode === "native",
        onProgress: (done, total) => {
          const now = Date.now();
          if (done !== total && now - lastPrint < (isTty ? 200 : 10_000)) return;
          lastPrint = now;
          process.stderr.write(`${isTty ? "\r" : ""}eval heldout: ${done}/${total} turns${isTty && done !== total ? "" : "\n"}`);
        },
      });
      process.stdout.write(flags.json ? JSON.stringify(summary, null, 2) + "\n" : formatHeldoutTable(summary));
    });
}
