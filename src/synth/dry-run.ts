/**
 * `toolflow synth --dry-run`: before any money is spent, show the first prompt each role would get and estimate
 * the calls, tokens and cost of the whole run. Writes nothing (the report goes to stdout).
 *
 * How: the run's first samples are drawn exactly as the real run would draw them (in memory), then a few dialogues
 * are rehearsed with the built-in `sim` backend standing in for every model: the real agents render the real
 * prompts, and every request is recorded. The planner prompt of sample 0 is exactly what the planner model will
 * see; later prompts contain sim output where a real model's would be. Prompt tokens are counted with
 * gpt-tokenizer (o200k) over messages, tool specs and response schemas; completion tokens over the sim answers,
 * which are terser than a real model's, so treat completion figures as a lower bound.
 */
import { deriveSeed } from "../core/index.js";
import { DIALOGUE_ROLES, type DialogueRole, type Message, type ToolSample } from "../core/index.js";
import { generateDialogue } from "../agents/index.js";
import { costOf, estimatePromptTokens, isFreeModel, loadRunPrices, openAICachedPrefix, priceFor, type PriceLookup, type ChatRequest, type ChatResult, type DialogueModels, type ModelMiddleware, type PriceTable } from "../llm/index.js";
import { encodeTokens, estimateTokens } from "../core/index.js";
import { createChatModel } from "../models/index.js";
import { buildJudgePrompt } from "../verify/index.js";
import { loadRunInputs } from "./inputs.js";
import { defaultMaxAttempts, validateSynthOptions, type SynthOptions } from "./options.js";
import { formatTokens } from "./progress.js";
import { generateOptionsOf, sampleFor } from "./runner.js";
import { openToolExecution } from "./attempt.js";
import { formatExecutionPlan } from "../execute/index.js";
import type { SynthDeps } from "./deps.js";
import type { ExecutionPlanRow } from "../execute/index.js";

export interface RecordedCall {
  role: string;
  request: ChatRequest;
  result?: ChatResult;
  promptTokens: number;
  completionTokens: number;
  /** Of promptTokens, those a provider prompt cache would serve (OpenAI rule, prefix shared with an earlier request of the role). */
  cachedTokens?: number;
}

export interface RoleEstimate {
  role: string;
  /** Model spec(s) the role will use, with their share of dialogues. */
  models: Array<{ spec: string; share: number }>;
  callsPerDialogue: number;
  promptTokensPerDialogue: number;
  completionTokensPerDialogue: number;
  /** Of the prompt tokens, those a provider prompt cache would serve (see estimatePromptCaching). */
  cachedPromptTokensPerDialogue: number;
}

export interface RunEstimate {
  dialogues: number;
  calls: number;
  promptTokens: number;
  completionTokens: number;
  /** Prompt tokens a provider prompt cache would serve (estimate, OpenAI rule). */
  cachedPromptTokens: number;
  /**
   * USD with cache hits: provider prompt caching as estimated (cachedPromptTokens at the cached-input price) and no
   * response-cache hits (a fresh run). null when some model has no price.
   */
  cost: number | null;
  /** USD without cache hits: every prompt token at the input price. */
  costWithoutCache: number | null;
  costByRole: Record<string, number | null>;
  costWithoutCacheByRole: Record<string, number | null>;
}

export interface DryRunReport {
  count: number;
  maxAttempts: number;
  tools: number;
  samples: { strategy: string; first: ToolSample };
  /** The first request each role gets in the rehearsal, rendered as text. */
  prompts: Array<{ role: string; title: string; text: string; promptTokens: number; exact: boolean }>;
  rehearsed: number;
  /** Rehearsals tried (`rehearsed` of them completed). */
  rehearsals: number;
  /**
   * Set when no rehearsal dialogue completed: why there is no estimate (then `roles` is empty and `atCount` /
   * `atCap` are null; an estimate from zero dialogues would say a run costs nothing).
   */
  noEstimate?: string;
  roles: RoleEstimate[];
  atCount: RunEstimate | null;
  atCap: RunEstimate | null;
  unpriced: string[];
  /** The price each model got and its source (package or --prices). */
  prices: Record<string, { input: number; output: number; cachedInput?: number; source: string } | null>;
  notes: string[];
  /** With `--execute`: what each tool's calls would run on, and where (nothing is called in a dry run). */
  execution?: ExecutionPlanRow[];
}

export interface DryRunIo {
  /** Dialogues to rehearse (default 8). */
  rehearsals?: number;
  /** Test hook: the price lookup used instead of @pydantic/genai-prices. */
  priceLookup?: PriceLookup;
  generateDialogue?: SynthDeps["generateDialogue"];
  log?: (line: string) => void;
}

/** A ChatRequest as readable text: each message, then the tools offered and the response format. */
export function renderRequest(request: ChatRequest): string {
  const parts: string[] = [];
  for (const m of request.messages) parts.push(`[${m.role}]\n${messageText(m)}`);
  if (request.tools && request.tools.length > 0) {
    parts.push(`[tools offered] ${request.tools.map((t) => t.name).join(", ")}`);
  }
  if (request.toolChoice && request.toolChoice !== "auto") {
    parts.push(`[tool choice] ${typeof request.toolChoice === "string" ? request.toolChoice : request.toolChoice.name}`);
  }
  if (request.responseFormat) parts.push(`[response format] JSON schema "${request.responseFormat.name}"`);
  return parts.join("\n\n");
}

function messageText(m: Message): string {
  if (m.role === "assistant") {
    const calls = (m.tool_calls ?? []).map((c) => `-> ${c.function.name}(${c.function.arguments})`);
    return [m.content ?? "", ...calls].filter((s) => s !== "").join("\n");
  }
  return m.content;
}

export function requestPromptTokens(request: ChatRequest): number {
  const extra: unknown[] = [];
  if (request.tools && request.tools.length > 0) extra.push(request.tools);
  if (request.responseFormat) extra.push(request.responseFormat.schema);
  return estimatePromptTokens(request.messages, extra);
}

/**
 * The request as one token sequence in the order a server lays it out: tool specs and response schema (fixed
 * per role) first, then the messages in order. Used only to find shared prefixes.
 */
function promptSequence(request: ChatRequest): number[] {
  const parts: string[] = [];
  if (request.tools && request.tools.length > 0) parts.push(JSON.stringify(request.tools));
  if (request.responseFormat) parts.push(JSON.stringify(request.responseFormat.schema));
  for (const m of request.messages) parts.push(`<|${m.role}|>\n${messageText(m)}`);
  return parts.flatMap((p) => encodeTokens(p));
}

function sharedPrefix(a: number[], b: number[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

/**
 * Sets each call's `cachedTokens`: the prompt tokens a provider prompt cache would serve, i.e. the longest prefix
 * the request shares with any earlier request of the same role, counted under the OpenAI rule (none below 1,024
 * tokens, then multiples of 128), scaled to the call's prompt-token estimate.
 */
export function estimatePromptCaching(calls: RecordedCall[]): void {
  const seen = new Map<string, number[][]>();
  for (const call of calls) {
    const seq = promptSequence(call.request);
    const earlier = seen.get(call.role) ?? [];
    let best = 0;
    for (const e of earlier) best = Math.max(best, sharedPrefix(seq, e));
    const cached = openAICachedPrefix(best);
    call.cachedTokens = seq.length === 0 ? 0 : Math.min(call.promptTokens, Math.round((cached / seq.length) * call.promptTokens));
    earlier.push(seq);
    seen.set(call.role, earlier);
  }
}

function resultTokens(result: ChatResult): number {
  let n = estimateTokens(result.text ?? "");
  for (const c of result.toolCalls) n += estimateTokens(c.function.name + c.function.arguments) + 3;
  return n;
}

/** Records every call (its request, prompt and completion token estimates) under the request's role. */
function recorder(calls: RecordedCall[]): ModelMiddleware {
  return {
    name: "dry-run recorder",
    async chat({ request, next }) {
      const call: RecordedCall = { role: request.role ?? "default", request, promptTokens: requestPromptTokens(request), completionTokens: 0 };
      calls.push(call);
      const result = await next(request);
      call.result = result;
      call.completionTokens = resultTokens(result);
      return result;
    },
  };
}

/** Share of dialogues each model spec serves in a role: the override, or the pool (one model per dialogue). */
export function roleModelShares(options: SynthOptions, role: DialogueRole | "judge"): Array<{ spec: string; share: number }> {
  if (role === "judge") return options.judge ? [{ spec: options.judge, share: 1 }] : [];
  const override = options.roleLlm[role];
  if (override) return [{ spec: override, share: 1 }];
  const counts = new Map<string, number>();
  for (const s of options.llm) counts.set(s, (counts.get(s) ?? 0) + 1);
  return [...counts].map(([spec, n]) => ({ spec, share: n / options.llm.length }));
}

export async function dryRunSynth(input: SynthOptions, io: DryRunIo = {}): Promise<DryRunReport> {
  const options = validateSynthOptions({ ...input, dryRun: true });
  const maxAttempts = options.maxAttempts ?? defaultMaxAttempts(options.count);
  const rehearsals = Math.max(1, io.rehearsals ?? 8);
  // Samples are index-seeded (and balanced is sequential from sample 0), so the first k drawn here are the
  // real run's first k.
  const inputs = await loadRunInputs(options, {
    sampleCount: Math.min(maxAttempts, rehearsals),
    ...(io.log ? { log: io.log } : {}),
  });
  const specs = [...options.llm, ...Object.values(options.roleLlm), options.judge].filter((x): x is string => typeof x === "string");
  const resolved = await loadRunPrices(specs, {
    baseURL: options.baseUrl ?? process.env.OPENAI_BASE_URL,
    pricesFile: options.prices,
    ...(io.priceLookup ? { lookup: io.priceLookup } : {}),
  });
  const prices: PriceTable = resolved.table;
  const generate = io.generateDialogue ?? generateDialogue;

  const calls: RecordedCall[] = [];
  const sim = await createChatModel("sim", { middleware: [recorder(calls)] });
  const notes: string[] = [];
  let firstDialogueMessages: Message[] | undefined;
  let firstTools: ReturnType<typeof sampleFor>["tools"] = [];
  let done = 0;
  const failures: string[] = [];
  // The run's generate options, but every tool call simulated, no temperature and no reasoning kept.
  const { keepReasoning: _r, temperature: _t, ...rehearsal } = generateOptionsOf({ ...options, usePlan: options.plan });
  for (let i = 0; i < rehearsals; i++) {
    const sample = sampleFor(inputs.samples, i);
    const tools = sample.tools.map((n) => inputs.tools.get(n)).filter((t) => t !== undefined);
    const models: DialogueModels = { planner: sim, user: sim, assistant: sim, tool: sim };
    try {
      const d = await generate(sample, tools, models, { seed: deriveSeed(options.seed, i), ...rehearsal });
      if (!firstDialogueMessages) {
        firstDialogueMessages = d.messages;
        firstTools = sample.tools;
      }
      done++;
    } catch (err) {
      failures.push(`sample ${sample.id}: ${(err as Error).message}`);
      notes.push(`rehearsal of sample ${sample.id} failed: ${(err as Error).message}`);
    }
  }

  // First prompt of each role.
  const prompts: DryRunReport["prompts"] = [];
  for (const role of DIALOGUE_ROLES) {
    const first = calls.find((c) => c.role === role);
    if (!first) continue;
    prompts.push({
      role,
      title:
        role === "planner"
          ? `planner prompt for ${sampleFor(inputs.samples, 0).id}`
          : `first ${role} prompt (sim output stands in for earlier model replies)`,
      text: renderRequest(first.request),
      promptTokens: first.promptTokens,
      exact: role === "planner" || role === "user",
    });
  }
  let judgePromptTokens = 0;
  if (options.judge && firstDialogueMessages) {
    const toolSpecs = firstTools.map((n) => inputs.tools.get(n)).filter((t) => t !== undefined);
    const text = buildJudgePrompt({ tools: toolSpecs, messages: firstDialogueMessages });
    judgePromptTokens = estimatePromptTokens([{ role: "user", content: text }]);
    prompts.push({ role: "judge", title: "judge prompt for the first rehearsed dialogue", text, promptTokens: judgePromptTokens, exact: false });
  }

  estimatePromptCaching(calls);
  // Per-dialogue averages per role.
  const per = Math.max(1, done);
  const roles: RoleEstimate[] = [];
  for (const role of DIALOGUE_ROLES) {
    const rc = calls.filter((c) => c.role === role);
    roles.push({
      role,
      models: roleModelShares(options, role),
      callsPerDialogue: rc.length / per,
      promptTokensPerDialogue: rc.reduce((s, c) => s + c.promptTokens, 0) / per,
      completionTokensPerDialogue: rc.reduce((s, c) => s + c.completionTokens, 0) / per,
      cachedPromptTokensPerDialogue: rc.reduce((s, c) => s + (c.cachedTokens ?? 0), 0) / per,
    });
  }
  if (options.judge) {
    roles.push({
      role: "judge",
      models: roleModelShares(options, "judge"),
      callsPerDialogue: 1,
      promptTokensPerDialogue: judgePromptTokens,
      completionTokensPerDialogue: 120,
      cachedPromptTokensPerDialogue: 0,
    });
    const gates = [
      ...(options.judgeMin !== undefined ? [`scored below --judge-min ${options.judgeMin}`] : []),
      ...(options.judgeFlaws ? ["in which the judge names a flaw (--judge-flaws)"] : []),
    ];
    notes.push(
      gates.length > 0
        ? `judge: one call per dialogue that passes the checks (those ${gates.join(" or ")} are rejected and replaced, so more than --count), about 120 completion tokens assumed`
        : "judge: one call per accepted dialogue, about 120 completion tokens assumed",
    );
  }
  if (options.provenance.startsWith("judge:")) {
    notes.push(
      `provenance judge (${options.provenance.slice("judge:".length)}): one call per dialogue whose provenance rules leave a value ungrounded; not in the estimate`,
    );
  }

  const unpriced = new Set<string>();
  const estimate = (dialogues: number, judged: number): RunEstimate => {
    let calls_ = 0;
    let prompt = 0;
    let completion = 0;
    let cachedPrompt = 0;
    let cost: number | null = 0;
    let costFull: number | null = 0;
    const costByRole: Record<string, number | null> = {};
    const costWithoutCacheByRole: Record<string, number | null> = {};
    for (const r of roles) {
      const n = r.role === "judge" ? judged : dialogues;
      calls_ += r.callsPerDialogue * n;
      const p = r.promptTokensPerDialogue * n;
      const c = r.completionTokensPerDialogue * n;
      const k = r.cachedPromptTokensPerDialogue * n;
      prompt += p;
      completion += c;
      cachedPrompt += k;
      let roleCost: number | null = 0;
      let roleFull: number | null = 0;
      for (const m of r.models) {
        const price = isFreeModel(m.spec) ? { input: 0, output: 0 } : priceFor(prices, m.spec);
        if (!price) {
          unpriced.add(m.spec);
          roleCost = roleFull = null;
          continue;
        }
        if (roleCost !== null && roleFull !== null) {
          roleCost += costOf(price, { promptTokens: p * m.share, completionTokens: c * m.share, cachedTokens: k * m.share });
          roleFull += costOf(price, { promptTokens: p * m.share, completionTokens: c * m.share, cachedTokens: 0 });
        }
      }
      costByRole[r.role] = roleCost === null ? null : Math.round(roleCost * 1e4) / 1e4;
      costWithoutCacheByRole[r.role] = roleFull === null ? null : Math.round(roleFull * 1e4) / 1e4;
      cost = cost === null || roleCost === null ? null : cost + roleCost;
      costFull = costFull === null || roleFull === null ? null : costFull + roleFull;
    }
    return {
      dialogues,
      calls: Math.round(calls_),
      promptTokens: Math.round(prompt),
      completionTokens: Math.round(completion),
      cachedPromptTokens: Math.round(cachedPrompt),
      cost: cost === null ? null : Math.round(cost * 1e4) / 1e4,
      costWithoutCache: costFull === null ? null : Math.round(costFull * 1e4) / 1e4,
      costByRole,
      costWithoutCacheByRole,
    };
  };
  const noEstimate =
    done === 0
      ? `none of the ${rehearsals} rehearsal dialogue${rehearsals === 1 ? "" : "s"} completed, so there is nothing to ` +
        `estimate calls, tokens or cost from (the first failure: ${failures[0] ?? "unknown"})`
      : undefined;
  const atCount = noEstimate ? null : estimate(options.count, options.count);
  const atCap = noEstimate ? null : estimate(maxAttempts, options.count);
  if (noEstimate) roles.length = 0;
  else if (done < rehearsals) notes.push(`${rehearsals - done} of ${rehearsals} rehearsals failed; averages use ${done}`);
  if (!noEstimate) {
    notes.push("completion tokens come from sim answers, which are shorter than a real model's: a lower bound");
    notes.push(
      "cost with cache hits: prompt tokens a provider prompt cache would serve (longest prefix shared with an earlier " +
        "request of the role, OpenAI rule: from 1,024 tokens in steps of 128) at the cached-input price, and no " +
        "response-cache hits; without: every prompt token at the input price",
    );
  }

  let execution: ExecutionPlanRow[] | undefined;
  if (options.execute !== undefined) {
    // Builds the plan only: no server is contacted (MCP connections open on the first call).
    const setup = (await openToolExecution(options, inputs.tools, process.env))!;
    execution = setup.plan;
    await setup.close();
    if (execution.some((r) => r.executor !== "simulate" && r.runs)) {
      notes.push("the rehearsal simulates every tool call; calls that --execute runs for real cost no tool-agent tokens, so the tool role's figures are an upper bound");
    }
  }

  return {
    ...(execution ? { execution } : {}),
    count: options.count,
    maxAttempts,
    tools: inputs.tools.size,
    samples: { strategy: options.samples ? "file" : options.sampling, first: sampleFor(inputs.samples, 0) },
    prompts,
    rehearsed: done,
    rehearsals,
    ...(noEstimate ? { noEstimate } : {}),
    roles,
    atCount,
    atCap,
    unpriced: [...unpriced].sort(),
    prices: Object.fromEntries(
      Object.entries(resolved.sources).map(([k, v]) => [k, v === null ? null : { ...v.price, source: v.source }]),
    ),
    notes,
  };
}

function money(x: number | null): string {
  return x === null ? "unknown" : `$${x.toFixed(4)}`;
}

export function formatDryRun(r: DryRunReport): string {
  const out: string[] = [];
  out.push(`toolflow synth --dry-run: nothing was sent to any model and nothing was written.`);
  out.push(
    `${r.tools} tools; sampling ${r.samples.strategy}; sample 0 (${r.samples.first.id}): ${r.samples.first.tools.join(", ")}`,
  );
  for (const p of r.prompts) {
    out.push("");
    out.push(`===== ${p.title} (${p.promptTokens} prompt tokens${p.exact ? "" : ", approximate"}) =====`);
    out.push(p.text);
  }
  out.push("");
  if (r.noEstimate !== undefined || r.atCount === null || r.atCap === null) {
    out.push(`===== no estimate =====`);
    out.push(`no estimate: ${r.noEstimate ?? "no rehearsal dialogue completed"}`);
    for (const n of r.notes) out.push(`note: ${n}`);
    return out.join("\n") + "\n";
  }
  const rehearsed = `${r.rehearsed}${r.rehearsed < r.rehearsals ? ` of ${r.rehearsals}` : ""} rehearsed dialogue${r.rehearsals === 1 ? "" : "s"}`;
  out.push(`===== estimate (from ${rehearsed} with sim standing in for the models) =====`);
  out.push("role        calls/dialogue  prompt tok/dialogue  completion tok/dialogue  model(s)");
  for (const role of r.roles) {
    out.push(
      `${role.role.padEnd(12)}${role.callsPerDialogue.toFixed(1).padStart(14)}  ${Math.round(role.promptTokensPerDialogue)
        .toString()
        .padStart(19)}  ${Math.round(role.completionTokensPerDialogue).toString().padStart(23)}  ${role.models
        .map((m) => (m.share === 1 ? m.spec : `${m.spec} (${Math.round(m.share * 100)}%)`))
        .join(", ")}`,
    );
  }
  const line = (label: string, e: RunEstimate) =>
    `${label}: ${e.dialogues} dialogues, ${e.calls} calls, ${formatTokens(e.promptTokens)} prompt ` +
    `(${formatTokens(e.cachedPromptTokens)} cacheable) + ${formatTokens(e.completionTokens)} completion tokens, ` +
    `cost ${money(e.cost)} with cache hits, ${money(e.costWithoutCache)} without`;
  out.push(line(`if every attempt is accepted`, r.atCount));
  out.push(line(`at the attempt cap (--max-attempts ${r.maxAttempts})`, r.atCap));
  for (const [model, p] of Object.entries(r.prices)) {
    if (p) out.push(`price of ${model}: $${p.input} input, $${p.cachedInput ?? p.input} cached input, $${p.output} output per 1M tokens (${p.source})`);
  }
  if (r.unpriced.length > 0) out.push(`no price for: ${r.unpriced.join(", ")} (pass --prices FILE)`);
  for (const n of r.notes) out.push(`note: ${n}`);
  if (r.execution) {
    out.push("");
    out.push(formatExecutionPlan(r.execution).trimEnd());
  }
  return out.join("\n") + "\n";
}
