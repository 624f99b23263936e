/**
 * `toolflow eval bfcl --llm SPEC`: ask a model BFCL's single-turn questions and score its answers with BFCL's AST
 * checker (checker.ts). One chat per question, through the same model layer as synth (limiter, retries, response
 * cache, usage and cost); the answer is scored as it came: no re-ask, no schema validation, no repair.
 *
 *   native tool mode   the question's functions are sent as tools (BFCL doc types -> JSON Schema by the tools
 *                      importer's normalizer; names through toApiName and mapped back); calls decoded from the
 *                      tool calls' JSON arguments
 *   prompt tool mode   the functions are described in the system prompt (prompts/bfcl-tools-prompt.txt) and the
 *                      calls read from the text (JSON or Python call syntax, core/python-calls.ts)
 *
 * OUT/results.jsonl gets one line per decided question, appended crash-safely; a resumed run skips the ids it holds
 * and asks nothing twice. OUT/eval.json holds what decides the answers (model, tool mode, temperature, token
 * limit: `bfclEvalDefinition`, from the option table in option-table.ts): OUT is a job folder (src/data/job.ts),
 * so a rerun with other settings is refused naming them, and --force starts over (--resume insists on an eval to
 * continue). OUT/summary.json has accuracy per category and BFCL's summary figures (bfcl-summary.ts).
 */
import { z } from "zod";
import { InputError, isPlainObject, normalizeSchema, renderPrompt, UsageError, writeFileAtomic, type JsonSchema, type Message } from "../core/index.js";
import { ModelRequestError, ModelTimeoutError, ModelUnavailableError, redactedJson, type ChatModel, type ChatRequest, type ChatResult, type ChatTool, type UsageSummary } from "../llm/index.js";
import { evalModelsConfig, openRunModels, type EvalModelOptions } from "../models/index.js";
import { JsonlAppender, openJob, recoverJsonl, type Job } from "../data/index.js";
import { normalizeParameters } from "../tools/index.js";
import { loadBfclData } from "./bfcl-data.js";
import { checkCalls, needsPossibleAnswer, type DecodedCall, type FunctionDoc, type PossibleAnswer } from "./checker.js";
import { toApiName } from "./names.js";
import { parsePyJson } from "../core/index.js";
import { everyRequestFailed } from "./heldout.js";
import { BFCL_EVAL_CATEGORIES, bfclFigures, formatBfclTable, type BfclFigures, type CategoryScore } from "./bfcl-summary.js";
import { parseCallsFromText, type TextCall } from "../core/index.js";
import { createEvalProgress, type EvalProgress } from "./eval-progress.js";
import { BFCL_EVAL_ADDED_LATER, BFCL_EVAL_DEFAULTS, BFCL_EVAL_DEFINITION_FLAGS, bfclEvalDefinition } from "./option-table.js";

// ------------------------------------------------------------------------------------------------ questions

export type { DecodedCall } from "./checker.js";

const BfclMessageZ = z.object({ role: z.enum(["system", "user", "assistant"]), content: z.string() });
const BfclDocZ = z.object({ name: z.string().min(1), description: z.string().optional(), parameters: z.unknown().optional() }).passthrough();

/** One question as the eval needs it (what BFCL's question and possible-answer files hold for its id). */
export interface BfclEvalItem {
  id: string;
  category: string;
  /** BFCL's `question`: turns, each a list of {role, content} (single-turn categories have one). */
  question: Array<Array<{ role: "system" | "user" | "assistant"; content: string }>>;
  /** BFCL's `function`: the function docs offered. */
  functions: Array<z.infer<typeof BfclDocZ>>;
  /** Ground truth; absent for irrelevance / relevance categories. */
  possibleAnswer?: PossibleAnswer;
}

export const BfclEvalItemZ = z.object({
  id: z.string().min(1),
  category: z.string().min(1),
  question: z.array(z.array(BfclMessageZ)),
  functions: z.array(BfclDocZ),
  possibleAnswer: z.array(z.record(z.string(), z.record(z.string(), z.array(z.unknown())))).optional(),
});

/**
 * Read the eval items of BFCL-style data folders (`BFCL_v4_<category>.json`, answers in
 * `possible_answer/BFCL_v4_<category>.json`) through the shared loader (numbers read as Python reads them), for
 * the given categories (default: every eval category the folders hold), in category then file order.
 */
export async function readBfclEvalItems(dirs: readonly string[], categories?: readonly string[]): Promise<BfclEvalItem[]> {
  const wanted = categories ?? BFCL_EVAL_CATEGORIES;
  for (const c of wanted) {
    if (!(BFCL_EVAL_CATEGORIES as readonly string[]).includes(c)) {
      throw new UsageError(`unknown BFCL category "${c}": use ${BFCL_EVAL_CATEGORIES.join(", ")}`);
    }
  }
  const data = await loadBfclData(dirs);
  const items: BfclEvalItem[] = [];
  for (const category of wanted) {
    for (const q of data.questions()) {
      if (q.category !== category) continue;
      const possibleAnswer = needsPossibleAnswer(category) ? data.requireAnswer(q, category) : undefined;
      const parsed = BfclEvalItemZ.safeParse({ id: q.id, category, question: q.question, functions: q.functions, possibleAnswer });
      if (!parsed.success) {
        throw new InputError(`question ${q.id} does not read: ${parsed.error.issues[0]?.message ?? "invalid"}`, { file: q.file, line: q.line });
      }
      // keep the loader's values (Python floats such as 2.0 stay floats), checked above
      items.push({ ...(parsed.data as BfclEvalItem), functions: q.functions as BfclEvalItem["functions"], ...(possibleAnswer ? { possibleAnswer } : {}) });
    }
  }
  return items;
}

// ------------------------------------------------------------------------------------------------ requests

export type ToolMode = "native" | "prompt";

/** A BFCL doc's parameters as a JSON Schema object (dict/float/tuple/any mapped by the importer's normalizer). */
export function bfclParametersToSchema(parameters: unknown): JsonSchema {
  try {
    return normalizeParameters(parameters, []);
  } catch {
    // the importer refuses unknown type names; a question is sent as it is rather than dropped
    const s = normalizeSchema(parameters) as Record<string, unknown>;
    return { ...s, type: "object", properties: isPlainObject(s.properties) ? s.properties : {} };
  }
}

export interface BuiltRequest {
  request: ChatRequest;
  /** API name -> BFCL name (native mode); identity for names that were not changed. */
  names: Map<string, string>;
}

/** The chat for one question. */
export function buildBfclRequest(item: BfclEvalItem, toolMode: ToolMode, options: { temperature?: number; maxTokens?: number } = {}): BuiltRequest {
  const messages: Message[] = item.question.flat().map((m) => ({ ...m }) as Message);
  const names = new Map<string, string>();
  const request: ChatRequest = { messages, role: "assistant" };
  if (options.temperature !== undefined) request.temperature = options.temperature;
  if (options.maxTokens !== undefined) request.maxTokens = options.maxTokens;
  if (toolMode === "native") {
    const tools: ChatTool[] = item.functions.map((f) => {
      const apiName = toApiName(f.name);
      if (!names.has(apiName)) names.set(apiName, f.name);
      return { name: apiName, description: f.description ?? "", parameters: bfclParametersToSchema(f.parameters) };
    });
    if (tools.length > 0) request.tools = tools;
  } else {
    for (const f of item.functions) names.set(f.name, f.name);
    const first = messages[0];
    const system = first?.role === "system" ? first.content : "";
    const prompt = renderPrompt("bfcl-tools-prompt", { functions: JSON.stringify(item.functions, null, 2), system });
    if (first?.role === "system") messages[0] = { role: "system", content: prompt };
    else messages.unshift({ role: "system", content: prompt });
  }
  return { request, names };
}

export type Decoded = { ok: true; calls: DecodedCall[] } | { ok: false; error: string };

function mapName(name: string, names: Map<string, string>): string {
  return names.get(name) ?? name;
}

/** The answer's calls in BFCL's decoded form (names mapped back), or why they could not be read. */
export function decodeAnswer(result: Pick<ChatResult, "text" | "toolCalls">, toolMode: ToolMode, names: Map<string, string>): Decoded {
  if (toolMode === "native") {
    if (result.toolCalls.length === 0) {
      const text = result.text.trim();
      return { ok: false, error: text === "" ? "the model made no call and said nothing" : "the model made no call (it answered in text)" };
    }
    const calls: DecodedCall[] = [];
    for (const c of result.toolCalls) {
      let args: unknown;
      const raw = c.function.arguments.trim();
      try {
        // read as Python would: 2.0 stays a float (BFCL's checker refuses a float where an int is wanted)
        args = raw === "" ? {} : parsePyJson(raw);
      } catch (err) {
        return { ok: false, error: `the arguments of ${c.function.name} are not JSON: ${(err as Error).message}` };
      }
      if (!isPlainObject(args)) return { ok: false, error: `the arguments of ${c.function.name} are not a JSON object` };
      calls.push({ [mapName(c.function.name, names)]: args });
    }
    return { ok: true, calls };
  }
  const parsed = parseCallsFromText(result.text);
  if (!parsed.ok) return parsed;
  return { ok: true, calls: parsed.calls.map((c: TextCall) => ({ [mapName(c.name, names)]: c.arguments })) };
}

export interface Verdict {
  valid: boolean;
  errorType: string | null;
  error: string | null;
}

/** BFCL's verdict for a decoded (or undecodable) answer; relevance categories are scored the way BFCL's runner does. */
export function judgeAnswer(item: BfclEvalItem, decoded: Decoded): Verdict {
  if (!needsPossibleAnswer(item.category)) {
    const called = decoded.ok && decoded.calls.length > 0;
    if (item.category.includes("irrelevance")) {
      return called
        ? { valid: false, errorType: "irrelevance_error:decoder_success", error: "the model made a call where none should be made" }
        : { valid: true, errorType: null, error: null };
    }
    return called
      ? { valid: true, errorType: null, error: null }
      : { valid: false, errorType: "relevance_error:decoder_failed", error: decoded.ok ? "the model made no call" : decoded.error };
  }
  if (!decoded.ok) return { valid: false, errorType: "ast_decoder:decoder_failed", error: decoded.error };
  if (decoded.calls.length === 0) return { valid: false, errorType: "ast_decoder:decoder_wrong_output_format", error: "the answer holds no call" };
  // the item's docs were validated when read (BfclEvalItemZ); the checker reads them as BFCL's function docs
  const r = checkCalls(item.functions as FunctionDoc[], decoded.calls, item.possibleAnswer ?? [], item.category);
  return { valid: r.valid, errorType: r.errorType, error: r.error };
}

// ------------------------------------------------------------------------------------------------ results

export const BfclResultZ = z.object({
  id: z.string(),
  category: z.string(),
  /** The calls in BFCL's decoded form; null when the answer could not be decoded. */
  calls: z.array(z.record(z.string(), z.record(z.string(), z.unknown()))).nullable(),
  /** The answer's text, when the model wrote any. */
  text: z.string().optional(),
  valid: z.boolean(),
  errorType: z.string().nullable(),
  error: z.string().nullable(),
  tokens: z.object({ prompt: z.number(), completion: z.number(), estimated: z.boolean().optional() }),
  latencyMs: z.number(),
  cached: z.boolean().optional(),
  model: z.string(),
});
export type BfclResult = z.infer<typeof BfclResultZ>;

export const EVAL_FILES = { results: "results.jsonl", summary: "summary.json", run: "eval.json" } as const;

export interface BfclEvalSummary {
  model: string;
  toolMode: ToolMode;
  /** Questions selected for the run; `decided` of them have a result. */
  selected: number;
  decided: number;
  /** Questions whose request failed this session (not written; a resumed run asks them again). */
  failedRequests: number;
  complete: boolean;
  categories: CategoryScore[];
  figures: BfclFigures;
  errorTypes: Record<string, number>;
  latencyMs: { mean: number; p50: number; p95: number } | null;
  usage: UsageSummary;
  wallMs: number;
}

/** `llm` is one model spec, e.g. "openai:my-model"; the other model options are those of a synthesis run. */
export interface BfclRunOptions extends Omit<EvalModelOptions, "nativeTools"> {
  /** The questions (readBfclEvalItems, or the shared loader). */
  items: readonly BfclEvalItem[];
  /** Output folder: results.jsonl, summary.json, eval.json. */
  outDir: string;
  toolMode?: ToolMode;
  /** Keep the first N questions of each category. */
  limit?: number;
  /** Only these question ids (an id not among the items is an error). */
  ids?: readonly string[];
  /** Start over: delete the folder's results first. Otherwise a folder with results is resumed. */
  force?: boolean;
  /** `--resume`: the folder must hold an eval to continue (without it, one is started where there is none). */
  resume?: boolean;
  temperature?: number;
  maxTokens?: number;
  /** Progress and notes (stderr by default). */
  progressStream?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Where the table goes (stdout by default); null prints nothing. */
  print?: ((text: string) => void) | null;
  signal?: AbortSignal;
}

function selectItems(items: readonly BfclEvalItem[], options: Pick<BfclRunOptions, "ids" | "limit">): BfclEvalItem[] {
  let out = [...items];
  if (options.ids && options.ids.length > 0) {
    const byId = new Map(out.map((i) => [i.id, i]));
    const missing = options.ids.filter((id) => !byId.has(id));
    if (missing.length > 0) throw new UsageError(`--ids: no question with id ${missing.slice(0, 5).join(", ")}${missing.length > 5 ? ` (and ${missing.length - 5} more)` : ""} in the data`);
    const want = new Set(options.ids);
    out = out.filter((i) => want.has(i.id));
  }
  if (options.limit !== undefined) {
    const n = new Map<string, number>();
    out = out.filter((i) => {
      const k = (n.get(i.category) ?? 0) + 1;
      n.set(i.category, k);
      return k <= (options.limit as number);
    });
  }
  return out;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] as number;
}

/** Accuracy per category (in BFCL's category order) over the results of the selected questions. */
export function categoryScores(selected: readonly BfclEvalItem[], results: ReadonlyMap<string, BfclResult>): CategoryScore[] {
  const agg = new Map<string, { total: number; correct: number }>();
  for (const item of selected) {
    const a = agg.get(item.category) ?? { total: 0, correct: 0 };
    a.total++;
    if (results.get(item.id)?.valid) a.correct++;
    agg.set(item.category, a);
  }
  const order = (c: string) => {
    const i = (BFCL_EVAL_CATEGORIES as readonly string[]).indexOf(c);
    return i < 0 ? 1000 : i;
  };
  return [...agg.entries()]
    .sort((a, b) => order(a[0]) - order(b[0]) || a[0].localeCompare(b[0]))
    .map(([category, a]) => ({ category, total: a.total, correct: a.correct, accuracy: a.total > 0 ? a.correct / a.total : 0 }));
}

/** Only a server that stayed unavailable or timed out (after the model layer's retries) leaves a question for later. */
function isFatal(err: unknown): boolean {
  return !(err instanceof ModelUnavailableError || err instanceof ModelTimeoutError);
}

/**
 * Run the eval: ask every selected question not yet decided in OUT/results.jsonl, score it, append its result;
 * then write OUT/summary.json and print the table. Unanswered questions count as failures in the accuracy.
 */
export async function runBfclEval(options: BfclRunOptions): Promise<BfclEvalSummary> {
  const started = Date.now();
  const toolMode = options.toolMode ?? BFCL_EVAL_DEFAULTS.toolMode;
  const stream = options.progressStream ?? process.stderr;
  const print = options.print === undefined ? (t: string) => process.stdout.write(t + "\n") : options.print;
  const selected = selectItems(options.items, options);
  if (selected.length === 0) throw new UsageError("no BFCL question to evaluate (check --data, --categories, --ids)");

  const job = await openJob(
    {
      dir: options.outDir,
      what: "an eval",
      definitionFile: EVAL_FILES.run,
      resultFiles: [EVAL_FILES.results, EVAL_FILES.summary],
      definition: bfclEvalDefinition(options),
      options: BFCL_EVAL_DEFINITION_FLAGS,
      // eval.json of older versions held only the model and tool mode; those evals ran with the defaults
      addedLater: BFCL_EVAL_ADDED_LATER,
    },
    { force: options.force ?? false, resume: options.resume ?? false },
  );
  try {
    return await evalInFolder(options, job, { started, toolMode, stream, print, selected });
  } finally {
    job.release();
  }
}

/** The eval in its opened job folder (runBfclEval). */
async function evalInFolder(
  options: BfclRunOptions,
  job: Job<unknown>,
  ctx: { started: number; toolMode: ToolMode; stream: NodeJS.WritableStream; print: ((text: string) => void) | null; selected: BfclEvalItem[] },
): Promise<BfclEvalSummary> {
  const { started, toolMode, stream, print, selected } = ctx;
  const resultsPath = job.path(EVAL_FILES.results);

  const recovered = await recoverJsonl(resultsPath, BfclResultZ, { key: (r) => r.id });
  const results = new Map<string, BfclResult>(recovered.records.map((r) => [r.id, r]));
  const pending = selected.filter((i) => !results.has(i.id));
  if (recovered.records.length > 0 || recovered.truncatedBytes > 0) {
    stream.write(`eval: resuming: ${selected.length - pending.length}/${selected.length} questions already decided${recovered.truncatedBytes > 0 ? ` (a torn last line of ${recovered.truncatedBytes} bytes was cut)` : ""}\n`);
  }

  const run = await openRunModels(evalModelsConfig(options, { nativeTools: toolMode === "native" }));
  const model: ChatModel = run.forDialogue(0).assistant;
  const appender = new JsonlAppender(resultsPath, { serialize: redactedJson, records: recovered.records.length });
  const progress: EvalProgress = createEvalProgress({ stream, total: selected.length, done: selected.length - pending.length });
  let failedRequests = 0;
  let fatal: unknown;
  let requestErrorNoted = false;
  let answered = 0;
  let firstFailure: string | undefined;

  const askOne = async (item: BfclEvalItem): Promise<void> => {
    const { request, names } = buildBfclRequest(item, toolMode, { temperature: options.temperature ?? BFCL_EVAL_DEFAULTS.temperature, maxTokens: options.maxTokens });
    if (options.signal) request.signal = options.signal;
    const t0 = performance.now();
    let answer: ChatResult;
    try {
      answer = await model.chat(request);
    } catch (err) {
      firstFailure ??= (err as Error)?.message ?? String(err);
      if (err instanceof ModelRequestError) {
        // the server refused this question (e.g. too long): that is the model's answer to it, scored as a failure
        if (!requestErrorNoted) {
          requestErrorNoted = true;
          progress.log(`eval: ${item.id}: the server refused the request: ${err.message}${toolMode === "native" ? " (a server without native tools needs --tool-mode prompt)" : ""}`);
        }
        const rec: BfclResult = {
          id: item.id, category: item.category, calls: null, valid: false, errorType: "request_error", error: err.message,
          tokens: { prompt: 0, completion: 0 }, latencyMs: Math.round(performance.now() - t0), model: model.id,
        };
        appender.append(rec);
        results.set(item.id, rec);
        progress.update({ valid: false, tokens: 0 });
        return;
      }
      if (isFatal(err)) throw err;
      failedRequests++;
      progress.log(`eval: ${item.id}: no answer (${(err as Error).message}); a resumed run asks it again`);
      progress.update({ failed: true, tokens: 0 });
      return;
    }
    answered++;
    const latencyMs = Math.round(performance.now() - t0);
    const decoded = decodeAnswer(answer, toolMode, names);
    const verdict = judgeAnswer(item, decoded);
    const rec: BfclResult = {
      id: item.id,
      category: item.category,
      calls: decoded.ok ? decoded.calls : null,
      ...(answer.text.trim() !== "" ? { text: answer.text } : {}),
      ...verdict,
      tokens: { prompt: answer.usage.promptTokens, completion: answer.usage.completionTokens, ...(answer.usage.estimated ? { estimated: true } : {}) },
      latencyMs,
      ...(answer.cached ? { cached: true } : {}),
      model: answer.model,
    };
    appender.append(rec);
    results.set(item.id, rec);
    progress.update({ valid: verdict.valid, tokens: answer.usage.promptTokens + answer.usage.completionTokens });
  };

  try {
    let next = 0;
    const workers = Math.max(1, Math.min(pending.length, (options.concurrency ?? BFCL_EVAL_DEFAULTS.concurrency) + 2));
    await Promise.all(
      Array.from({ length: workers }, async () => {
        while (fatal === undefined && next < pending.length) {
          const item = pending[next++] as BfclEvalItem;
          try {
            await askOne(item);
          } catch (err) {
            fatal ??= err;
          }
        }
      }),
    );
  } finally {
    appender.close();
    progress.stop();
    await run.close();
  }
  if (fatal !== undefined) throw fatal;
  if (pending.length > 0 && answered === 0) {
    // Not one answer: the refusals are the endpoint's, not the model's answers; results.jsonl goes back to what it
    // held, so that the same command asks them again once the endpoint is fixed.
    await writeFileAtomic(resultsPath, recovered.records.map((r) => JSON.stringify(r) + "\n").join(""));
    throw everyRequestFailed("eval bfcl", pending.length, "questions", firstFailure);
  }

  const scores = categoryScores(selected, results);
  const figures = bfclFigures(scores);
  const errorTypes: Record<string, number> = {};
  const latencies: number[] = [];
  let decided = 0;
  for (const item of selected) {
    const r = results.get(item.id);
    if (!r) continue;
    decided++;
    if (!r.cached) latencies.push(r.latencyMs);
    if (!r.valid) errorTypes[r.errorType ?? "unknown"] = (errorTypes[r.errorType ?? "unknown"] ?? 0) + 1;
  }
  latencies.sort((a, b) => a - b);
  const summary: BfclEvalSummary = {
    model: options.llm,
    toolMode,
    selected: selected.length,
    decided,
    failedRequests,
    complete: decided === selected.length,
    categories: scores,
    figures,
    errorTypes,
    latencyMs: latencies.length > 0 ? { mean: Math.round(latencies.reduce((s, x) => s + x, 0) / latencies.length), p50: percentile(latencies, 0.5), p95: percentile(latencies, 0.95) } : null,
    usage: run.usage.summary(),
    wallMs: Date.now() - started,
  };
  await writeFileAtomic(job.path(EVAL_FILES.summary), JSON.stringify(summary, null, 2) + "\n");
  if (print) {
    print(formatBfclTable(scores, figures));
    if (!summary.complete) print(`\n${selected.length - decided} of ${selected.length} questions have no answer yet (counted as failures); run again to ask them.`);
    print(`\n${run.usage.describe()}`);
  }
  return summary;
}
