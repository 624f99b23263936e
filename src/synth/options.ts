/**
 * Options of a synthesis run, validated with zod, and the subset that defines a run (compared when a run folder is
 * opened again: the job rule of src/data/job.ts).
 */
import { z } from "zod";
import { UsageError } from "../core/index.js";
import { stripUrlCredentials } from "../core/index.js";
import { diffDefinitions, type DefinitionDiff } from "../data/index.js";
import { DIALOGUE_ROLES, SAMPLING_STRATEGIES, type DialogueRole } from "../core/index.js";
import { DEFAULT_STEP_MIX, MAX_UNSUPPORTED_SHARE, PLAN_STEP_KINDS, type StepMix } from "../core/index.js";
import { LINT_RULES } from "../tools/index.js";

/** `--step-mix`: the share of plan steps of the kinds that can be set (only `unsupported` so far). */
export const StepMixZ = z
  .object({ unsupported: z.number().min(0).max(MAX_UNSUPPORTED_SHARE) })
  .strict();

/**
 * Parse `--step-mix unsupported=0.1` (comma-separated `kind=share`). The share of a kind is the share of all plan
 * steps of the run; kinds not named keep their default (DEFAULT_STEP_MIX).
 */
export function parseStepMix(text: string): StepMix {
  const mix: StepMix = { ...DEFAULT_STEP_MIX };
  const seen = new Set<string>();
  const items = text.split(",").map((x) => x.trim()).filter((x) => x !== "");
  if (items.length === 0) throw new UsageError(`--step-mix: expected kind=share, e.g. unsupported=0.1`);
  for (const item of items) {
    const m = /^([a-z_]+)\s*=\s*(\S+)$/.exec(item);
    if (!m) throw new UsageError(`--step-mix: expected kind=share (e.g. unsupported=0.1), got "${item}"`);
    const [, kind, value] = m as unknown as [string, string, string];
    if (!(PLAN_STEP_KINDS as readonly string[]).includes(kind))
      throw new UsageError(`--step-mix: unknown step kind "${kind}" (kinds: ${PLAN_STEP_KINDS.join(", ")})`);
    if (!(kind in mix))
      throw new UsageError(`--step-mix: the share of "${kind}" steps cannot be set (it follows from the tools); only ${Object.keys(mix).join(", ")} can`);
    if (seen.has(kind)) throw new UsageError(`--step-mix: "${kind}" is given twice`);
    seen.add(kind);
    const n = Number(value);
    if (!Number.isFinite(n)) throw new UsageError(`--step-mix: ${kind}: expected a number, got "${value}"`);
    if (n < 0 || n > MAX_UNSUPPORTED_SHARE)
      throw new UsageError(`--step-mix: ${kind}: the share must be between 0 and ${MAX_UNSUPPORTED_SHARE}, got ${n}`);
    mix[kind as keyof StepMix] = n;
  }
  return mix;
}


export const SizeRangeZ = z
  .object({ min: z.number().int().min(1), max: z.number().int().min(1) })
  .refine((s) => s.min <= s.max, { message: "min must not exceed max" });
export type SizeRange = z.infer<typeof SizeRangeZ>;

export const SynthOptionsZ = z.object({
  /** tools.jsonl (ToolSpec lines). */
  tools: z.string().min(1),
  /** graph.json; built on the fly from the tools when absent and a graph is needed. */
  graph: z.string().optional(),
  /** A samples.jsonl to use instead of sampling: dialogue i uses sample i (cycling when there are fewer). */
  samples: z.string().optional(),
  count: z.number().int().min(1),
  /** Model pool: one model per dialogue, picked by the dialogue's seed. */
  llm: z.array(z.string().min(1)).min(1),
  /** Per-role overrides of the pool. */
  roleLlm: z.object({
    planner: z.string().optional(),
    user: z.string().optional(),
    assistant: z.string().optional(),
    tool: z.string().optional(),
  }),
  concurrency: z.number().int().min(1).max(1024),
  seed: z.number().int().min(0).max(0xffffffff),
  out: z.string().min(1),
  sampling: z.enum(SAMPLING_STRATEGIES),
  size: SizeRangeZ,
  /**
   * `--include-flagged [rules]`: sample the tools `tools lint` flags (true: all; a list: those flagged only by
   * these rules). Absent: flagged tools are left out of synth's own sampling.
   */
  includeFlagged: z.union([z.boolean(), z.array(z.enum(LINT_RULES))]).optional(),
  plan: z.boolean(),
  maxTurns: z.number().int().min(1).optional(),
  toolErrorRate: z.number().min(0).max(1).optional(),
  /** Desired share of step kinds (`--step-mix`); absent = DEFAULT_STEP_MIX. */
  stepMix: StepMixZ.optional(),
  /** `--keep-reasoning`: store the assistant model's reasoning per assistant message (DialogueRecord.reasoning). */
  keepReasoning: z.boolean().optional(),
  /** reject | flag | judge:<model spec> (the rules, then a model on what they leave ungrounded; src/verify). */
  provenance: z.string().regex(/^(reject|flag|judge:\S+)$/, "must be reject, flag or judge:<model spec>"),
  /**
   * Repair at the turn (default true; `--no-turn-repair` sets false): with `--provenance reject`, each assistant
   * reply's calls are checked as they are made and an ungrounded value is sent back to the assistant to fix.
   */
  turnRepair: z.boolean().optional(),
  baseUrl: z.string().optional(),
  cache: z.string().optional(),
  prices: z.string().optional(),
  judge: z.string().optional(),
  /** `--judge-min N`: reject a dialogue the judge scores below N (1-5) on any axis (needs `judge`). */
  judgeMin: z.number().int().min(1).max(5).optional(),
  /** `--judge-flaws`: reject a dialogue in which the judge names any flaw (needs `judge`). */
  judgeFlaws: z.boolean().optional(),
  /** `--round-trip SPEC`: reject dialogues this model cannot re-answer (agreement below roundTripMin, default 1). */
  roundTrip: z.string().optional(),
  roundTripMin: z.number().min(0).max(1).optional(),
  /** Attempts before giving up (default count * 3 + 10). */
  maxAttempts: z.number().int().min(1).optional(),
  temperature: z.number().min(0).max(2).optional(),
  /** `--rpm N`: requests per minute over all the run's model calls (a queued run: over all its workers). */
  rpm: z.number().int().min(1).optional(),
  /** `--tpm N`: tokens per minute over all the run's model calls (a queued run: per worker). */
  tpm: z.number().int().min(1).optional(),
  resume: z.boolean(),
  force: z.boolean(),
  dryRun: z.boolean(),
  /** `--execute SPEC`: run tool calls on their real servers (src/execute; docs/execute.md). */
  execute: z.string().min(1).optional(),
  /** `--execute-config FILE`: base URLs, auth env vars, timeouts, retries, rate limits. */
  executeConfig: z.string().min(1).optional(),
  /** `--allow-writes`: executed calls may change things (non-GET/HEAD, MCP tools not read-only). */
  allowWrites: z.boolean().optional(),
});
export type SynthOptions = z.infer<typeof SynthOptionsZ>;

export function defaultMaxAttempts(count: number): number {
  return count * 3 + 10;
}

/** Validate a built options object; errors name the option as the CLI spells it. */
export function validateSynthOptions(input: unknown): SynthOptions {
  const parsed = SynthOptionsZ.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path.map(String) ?? [];
    const flag = path[0] === "roleLlm" && path[1] ? `--llm-${path[1]}` : `--${kebab(path[0] ?? "options")}`;
    const sub = path[0] === "stepMix" && path[1] ? `${path[1]}: ` : "";
    throw new UsageError(`${flag}: ${sub}${issue?.message ?? "invalid value"}`);
  }
  if (parsed.data.resume && parsed.data.force) throw new UsageError("--resume and --force exclude each other");
  if (parsed.data.judgeMin !== undefined && parsed.data.judge === undefined)
    throw new UsageError("--judge-min needs --judge SPEC (the model that scores the dialogues)");
  if (parsed.data.judgeFlaws && parsed.data.judge === undefined)
    throw new UsageError("--judge-flaws needs --judge SPEC (the model that looks for the flaws)");
  return parsed.data;
}

export function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase());
}

/**
 * What defines a run's content. A resumed run must match these exactly (inputs are compared by content hash, so a
 * moved file is fine and an edited one is not). Concurrency, cache, prices and the output path may change.
 */
export interface RunDefinition {
  tools: string;
  graph: string | null;
  samples: string | null;
  count: number;
  llm: string[];
  roleLlm: Partial<Record<DialogueRole, string>>;
  seed: number;
  sampling: string;
  size: string;
  /** Present only when set (`--include-flagged`; older manifests lack it). */
  includeFlagged?: true | string[];
  plan: boolean;
  maxTurns: number | null;
  toolErrorRate: number | null;
  stepMix: StepMix;
  /** `--keep-reasoning` (false in runs written before it existed). */
  keepReasoning: boolean;
  provenance: string;
  /** Present only when repair at the turn is off (`--no-turn-repair`). */
  turnRepair?: false;
  judge: string | null;
  /** Present only when set (`--judge-min`; older manifests lack it). */
  judgeMin?: number;
  /** Present only when set (`--judge-flaws`). */
  judgeFlaws?: true;
  /** Present only when set (older manifests have neither). */
  roundTrip?: string;
  roundTripMin?: number;
  maxAttempts: number;
  temperature: number | null;
  baseUrl: string | null;
  /** Present only when set (`--execute`, `--allow-writes`). */
  execute?: string;
  allowWrites?: boolean;
}

/** Names of the CLI options behind each RunDefinition field, for error messages. */
export const RUN_DEFINITION_OPTIONS: Record<keyof RunDefinition, string> = {
  tools: "--tools (file content)",
  graph: "--graph (file content)",
  samples: "--samples (file content)",
  count: "--count",
  llm: "--llm",
  roleLlm: "--llm-planner/--llm-user/--llm-assistant/--llm-tool",
  seed: "--seed",
  sampling: "--sampling",
  size: "--size",
  includeFlagged: "--include-flagged",
  plan: "--no-plan",
  maxTurns: "--max-turns",
  toolErrorRate: "--tool-error-rate",
  stepMix: "--step-mix",
  keepReasoning: "--keep-reasoning",
  provenance: "--provenance",
  turnRepair: "--no-turn-repair",
  judge: "--judge",
  judgeMin: "--judge-min",
  judgeFlaws: "--judge-flaws",
  roundTrip: "--round-trip",
  roundTripMin: "--round-trip-min",
  maxAttempts: "--max-attempts",
  temperature: "--temperature",
  baseUrl: "--base-url",
  execute: "--execute",
  allowWrites: "--allow-writes",
};

export function runDefinition(
  options: SynthOptions,
  hashes: { tools: string; graph: string | null; samples: string | null },
): RunDefinition {
  const roleLlm: Partial<Record<DialogueRole, string>> = {};
  for (const r of DIALOGUE_ROLES) {
    const v = options.roleLlm[r];
    if (v !== undefined) roleLlm[r] = v;
  }
  return {
    tools: hashes.tools,
    graph: hashes.graph,
    samples: hashes.samples,
    count: options.count,
    llm: options.llm,
    roleLlm,
    seed: options.seed,
    sampling: options.sampling,
    size: `${options.size.min}-${options.size.max}`,
    ...(options.includeFlagged === true ? { includeFlagged: true as const } : Array.isArray(options.includeFlagged) ? { includeFlagged: [...options.includeFlagged] } : {}),
    plan: options.plan,
    maxTurns: options.maxTurns ?? null,
    toolErrorRate: options.toolErrorRate ?? null,
    stepMix: { ...DEFAULT_STEP_MIX, ...options.stepMix },
    keepReasoning: options.keepReasoning ?? false,
    provenance: options.provenance,
    ...(options.turnRepair === false ? { turnRepair: false as const } : {}),
    judge: options.judge ?? null,
    ...(options.judgeMin !== undefined ? { judgeMin: options.judgeMin } : {}),
    ...(options.judgeFlaws ? { judgeFlaws: true as const } : {}),
    ...(options.roundTrip !== undefined ? { roundTrip: options.roundTrip, roundTripMin: options.roundTripMin ?? 1 } : {}),
    maxAttempts: options.maxAttempts ?? defaultMaxAttempts(options.count),
    temperature: options.temperature ?? null,
    baseUrl: options.baseUrl === undefined ? null : stripUrlCredentials(options.baseUrl),
    ...(options.execute !== undefined ? { execute: options.execute, allowWrites: options.allowWrites ?? false } : {}),
  };
}


/** Fields added to RunDefinition after runs were first written, with the value such an older run used. */
export const RUN_DEFINITION_ADDED_LATER: Partial<RunDefinition> = { stepMix: DEFAULT_STEP_MIX, keepReasoning: false };

/**
 * The fields where two run definitions differ, each with its CLI option name and both values: the comparison of
 * the data layer's job rule (src/data/job.ts), by which synth opens its run folder (`openRunJob`) and a queued run
 * checks the run stored in Redis and the folder it collects into.
 */
export function diffRunDefinitions(before: RunDefinition, now: RunDefinition): Array<DefinitionDiff<keyof RunDefinition>> {
  return diffDefinitions(before, now, RUN_DEFINITION_OPTIONS, RUN_DEFINITION_ADDED_LATER);
}
