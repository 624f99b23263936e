/**
 * The `llama:` backend: in-process local inference through node-llama-cpp (pinned 3.21.1, an optional dependency).
 *
 *   llama:/path/to/model.gguf          a local GGUF file (relative paths resolve against the working directory)
 *   llama:hf:user/repo/file.gguf       a file of a Hugging Face repo, downloaded once into the model cache
 *   llama:hf:user/repo:Q4_K_M          a quantization of a repo (node-llama-cpp picks the matching file)
 *
 * - One model per process: every `createLlamaModel` with the same file (and context settings) shares the loaded
 *   weights and one LlamaContext with `parallel` sequences (default 1). Requests take a free sequence or wait their
 *   turn (FIFO): with the default that is a queue that serializes requests. `close()` releases the share; the last
 *   one disposes the context, the model and (when no model is left) the llama.cpp binding.
 * - Chat history: the OpenAI-format messages are mapped onto node-llama-cpp's chat history items; the model's own
 *   chat template renders them (`chatWrapper` "auto" by default).
 * - Tool calls (toolChoice "auto"): the tools are given to `LlamaChat.generateResponse` as `functions` with no
 *   handlers, so the calls the model makes come back as `functionCalls` (never executed here) and are returned as
 *   ToolCall objects.
 * - Forced calls (toolChoice "required" or a named tool): node-llama-cpp cannot force a call, so the model answers
 *   under a JSON grammar `{"name": <one of the tools>, "arguments": <that tool's arguments>}` (a `oneOf` over the
 *   tools), after a system note listing the tools (prompts/llama-forced-call.txt). Exactly one call comes back.
 * - Structured output (responseFormat): a grammar from `llama.createGrammarForJsonSchema` on the schema turned into
 *   node-llama-cpp's subset by `normalizeSchemaForGrammar`; the answer is then validated with ajv against the
 *   ORIGINAL schema, like tool-call arguments. Invalid output is a ModelOutputError (never silently accepted).
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type {
  ChatHistoryItem,
  ChatWrapper,
  ChatModelFunctionCall,
  ChatModelFunctions,
  ChatModelResponse,
  GbnfJsonSchema,
  Llama,
  LlamaChat,
  LlamaChatResponse,
  LlamaContext,
  LlamaContextSequence,
  LlamaGrammar,
  LlamaModel,
  ResolvableChatWrapperTypeName,
} from "node-llama-cpp";
import { ToolflowError } from "../core/errors.js";
import type { JsonSchema, Message, ToolCall, Usage } from "../core/types.js";
import { ModelAbortError, ModelConfigError, ModelOutputError, ModelRequestError } from "./errors.js";
import { normalizeSchemaForGrammar, stripOmittedOptionals } from "./schema-for-grammar.js";
import type { ChatModel, ChatRequest, ChatResult, ChatTool, FinishReason } from "./types.js";
import { validateAgainst } from "./validate.js";

/** The pinned version; the install hint names it. */
export const NODE_LLAMA_CPP_VERSION = "3.21.1";
export const NODE_LLAMA_CPP_INSTALL_HINT = `npm i -E node-llama-cpp@${NODE_LLAMA_CPP_VERSION}`;

type NodeLlamaCpp = typeof import("node-llama-cpp");

/** Progress of getting a model ready: the download of an `hf:` model, then the load of the weights. */
export type LlamaProgress =
  | { phase: "download"; downloadedBytes: number; totalBytes: number }
  | { phase: "load"; fraction: number };

export interface LlamaModelOptions {
  /** Where `hf:` models are downloaded (default: $TOOLFLOW_MODEL_CACHE, else ~/.cache/toolflow/models). */
  cacheDir?: string;
  /** Context size in tokens (default: what fits, at most 8192 and at most the model's trained context). */
  contextSize?: number;
  /** CPU threads for evaluation (default: $TOOLFLOW_LLAMA_THREADS, else node-llama-cpp's choice). */
  threads?: number;
  /** Download and load progress. Without it, a progress bar is drawn on stderr when stderr is a terminal. */
  onProgress?: (p: LlamaProgress) => void;
  /** Sequences in the shared context = requests served at once (default 1: requests are queued). */
  parallel?: number;
  /** GPU use: "auto" (default; $TOOLFLOW_LLAMA_GPU overrides) or false for CPU only. Process-wide: the first wins. */
  gpu?: "auto" | false;
  /**
   * node-llama-cpp chat wrapper: a name (default "auto": from the model's chat template / metadata; also
   * $TOOLFLOW_LLAMA_CHAT_WRAPPER) or a ChatWrapper instance (e.g. a TemplateChatWrapper for a custom format).
   */
  chatWrapper?: ResolvableChatWrapperTypeName | ChatWrapper;
  /** Default maxTokens of a request that sets none (default 1024). */
  defaultMaxTokens?: number;
  /** Give up on reaching the download server after this long (default 30000 ms). */
  downloadTimeoutMs?: number;
  /** Abort a download that made no progress for this long (default 60000 ms). */
  downloadStallMs?: number;
  /** What the model's optional properties become in grammars (see normalizeSchemaForGrammar; default "nullable"). */
  optionalProperties?: "nullable" | "keep" | "drop";
  /** For tests: how node-llama-cpp is imported. */
  importer?: () => Promise<NodeLlamaCpp>;
}

// ------------------------------------------------------------------ spec parsing and defaults

export type LlamaSource = { kind: "file"; path: string } | { kind: "remote"; uri: string };

/**
 * Parse `llama:<path.gguf | hf:...>` (the `llama:` prefix is optional). Relative paths resolve against `cwd`;
 * `~/` is the home folder. Throws ModelConfigError for an empty or malformed spec.
 */
export function parseLlamaSpec(spec: string, cwd: string = process.cwd()): LlamaSource {
  const body = (spec.startsWith("llama:") ? spec.slice("llama:".length) : spec).trim();
  if (body === "") {
    throw new ModelConfigError(
      'the llama backend needs a model: "llama:/path/to/model.gguf" or "llama:hf:user/repo/file.gguf"',
      { model: spec },
    );
  }
  if (/^(hf|huggingface):/i.test(body)) {
    const rest = body.replace(/^(hf|huggingface):/i, "");
    if (!/^[^/\s:]+\/[^/\s:]+(\/\S+|:\S+)?$/.test(rest)) {
      throw new ModelConfigError(
        `bad Hugging Face model "${body}": expected hf:user/repo/file.gguf or hf:user/repo:QUANT (e.g. hf:user/repo:Q4_K_M)`,
        { model: spec },
      );
    }
    return { kind: "remote", uri: `hf:${rest}` };
  }
  if (/^https?:\/\//i.test(body)) return { kind: "remote", uri: body };
  const path = body === "~" ? homedir() : body.startsWith("~/") ? join(homedir(), body.slice(2)) : resolve(cwd, body);
  return { kind: "file", path };
}

/** The model cache folder: $TOOLFLOW_MODEL_CACHE, else $XDG_CACHE_HOME/toolflow/models, else ~/.cache/toolflow/models. */
export function defaultModelCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.TOOLFLOW_MODEL_CACHE) return resolve(env.TOOLFLOW_MODEL_CACHE);
  const base = env.XDG_CACHE_HOME ? resolve(env.XDG_CACHE_HOME) : join(homedir(), ".cache");
  return join(base, "toolflow", "models");
}

/**
 * The model a run uses when none is given:
 * 1. `openai:<$OPENAI_MODEL or gpt-4o-mini>` when OPENAI_BASE_URL or OPENAI_API_KEY is set (an endpoint exists);
 * 2. `llama:<$TOOLFLOW_LLAMA_MODEL>` when that is set (a path or an hf: URI; a missing file fails loudly later);
 * 3. `llama:<cache>/default.gguf` when that file exists in the model cache folder;
 * 4. `sim`, the built-in simulator (no model: deterministic placeholder dialogues, marked backend "sim").
 */
export function defaultModelSpec(env: NodeJS.ProcessEnv = process.env): string {
  const set = (v: string | undefined): v is string => typeof v === "string" && v.trim() !== "";
  if (set(env.OPENAI_BASE_URL) || set(env.OPENAI_API_KEY)) {
    return `openai:${set(env.OPENAI_MODEL) ? env.OPENAI_MODEL.trim() : "gpt-4o-mini"}`;
  }
  if (set(env.TOOLFLOW_LLAMA_MODEL)) {
    const v = env.TOOLFLOW_LLAMA_MODEL.trim();
    return v.startsWith("llama:") ? v : `llama:${v}`;
  }
  const fallback = join(defaultModelCacheDir(env), "default.gguf");
  if (existsSync(fallback)) return `llama:${fallback}`;
  return "sim";
}

// ------------------------------------------------------------------ loading node-llama-cpp

/** Import node-llama-cpp; a failure becomes a ModelConfigError that says how to install it. */
export async function loadNodeLlamaCpp(importer: () => Promise<NodeLlamaCpp> = () => import("node-llama-cpp")): Promise<NodeLlamaCpp> {
  try {
    return await importer();
  } catch (err) {
    throw new ModelConfigError(
      `the llama: backend needs the optional package node-llama-cpp, which is not installed or failed to load ` +
        `(${(err as Error).message ?? String(err)}). Install it with: ${NODE_LLAMA_CPP_INSTALL_HINT}`,
      { model: "llama", cause: err },
    );
  }
}

let llamaInstance: { promise: Promise<Llama>; users: number } | undefined;

async function acquireLlama(nlc: NodeLlamaCpp, gpu: "auto" | false): Promise<Llama> {
  if (!llamaInstance) {
    const promise = nlc
      .getLlama({ gpu, build: "never", logLevel: nlc.LlamaLogLevel.error, progressLogs: false })
      .catch((err: unknown) => {
        llamaInstance = undefined;
        throw new ModelConfigError(
          `node-llama-cpp cannot load its prebuilt llama.cpp binary on this machine (${(err as Error).message}). ` +
            `Reinstall it with ${NODE_LLAMA_CPP_INSTALL_HINT}, or use another backend (openai:..., sim)`,
          { model: "llama", cause: err },
        );
      });
    llamaInstance = { promise, users: 0 };
  }
  llamaInstance.users++;
  return llamaInstance.promise;
}

async function releaseLlama(): Promise<void> {
  if (!llamaInstance) return;
  llamaInstance.users--;
  if (llamaInstance.users <= 0) {
    const { promise } = llamaInstance;
    llamaInstance = undefined;
    const llama = await promise.catch(() => undefined);
    await llama?.dispose();
  }
}

// ------------------------------------------------------------------ hf: downloads

function offlineAdvice(uri: string, cacheDir: string, cachedPath: string | undefined): string {
  const m = /^hf:([^/]+\/[^/:]+)/.exec(uri);
  const page = m ? `the Hugging Face repo ${m[1]}` : uri;
  return (
    `Either download the .gguf file by hand (from ${page}) and pass llama:/path/to/file.gguf ` +
    `(or set TOOLFLOW_LLAMA_MODEL to it), or put it in the model cache ` +
    `${cachedPath ? `as ${cachedPath}` : `folder ${cacheDir}`}, ` +
    `or set HF_ENDPOINT (or MODEL_ENDPOINT) to a reachable Hugging Face mirror.`
  );
}

function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  return new Promise<T>((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(onTimeout()), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolvePromise(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

async function progressReporter(onProgress: LlamaModelOptions["onProgress"]): Promise<{
  report: (p: LlamaProgress) => void;
  stop: () => void;
}> {
  if (onProgress) return { report: onProgress, stop: () => {} };
  if (!process.stderr.isTTY) return { report: () => {}, stop: () => {} };
  const cliProgress = await import("cli-progress");
  const Bar = cliProgress.default?.SingleBar ?? cliProgress.SingleBar;
  const bar = new Bar({
    stream: process.stderr,
    format: "{phase} [{bar}] {percentage}% | {value}/{total} MiB",
    hideCursor: true,
    clearOnComplete: true,
  });
  let started: string | undefined;
  return {
    report: (p) => {
      const phase = p.phase === "download" ? "downloading model" : "loading model";
      const [value, total] =
        p.phase === "download"
          ? [Math.round(p.downloadedBytes / 1048576), Math.max(1, Math.round(p.totalBytes / 1048576))]
          : [Math.round(p.fraction * 100), 100];
      if (started !== p.phase) {
        if (started !== undefined) bar.stop();
        bar.start(total, value, { phase });
        started = p.phase;
      } else {
        bar.update(value, { phase });
      }
    },
    stop: () => {
      if (started !== undefined) bar.stop();
    },
  };
}

/**
 * Get a local file for a remote model (`hf:` URI or URL): the cached copy when there is one, else a download
 * into `cacheDir` with progress. Reaching the server is bounded by `downloadTimeoutMs`, and a download that stalls
 * for `downloadStallMs` is aborted; both fail with a ModelConfigError telling how to get the file by hand.
 */
export async function downloadLlamaModel(
  uri: string,
  options: Pick<LlamaModelOptions, "cacheDir" | "onProgress" | "downloadTimeoutMs" | "downloadStallMs" | "importer"> = {},
): Promise<string> {
  const nlc = await loadNodeLlamaCpp(options.importer);
  const cacheDir = options.cacheDir ?? defaultModelCacheDir();
  const model = `llama:${uri}`;
  // 1. Already downloaded? (no network)
  let cachedPath: string | undefined;
  try {
    return await nlc.resolveModelFile(uri, { directory: cacheDir, download: false, cli: false });
  } catch (err) {
    // Not in the cache. node-llama-cpp's message names the file it looked for, when there is exactly one.
    cachedPath = /found at "([^"]+)"/.exec((err as Error).message ?? "")?.[1];
  }
  // 2. Reach the server (bounded).
  const timeoutMs = options.downloadTimeoutMs ?? 30_000;
  const progress = await progressReporter(options.onProgress);
  let downloader: Awaited<ReturnType<NodeLlamaCpp["createModelDownloader"]>>;
  try {
    downloader = await withTimeout(
      nlc.createModelDownloader({
        modelUri: uri,
        dirPath: cacheDir,
        showCliProgress: false,
        skipExisting: true,
        deleteTempFileOnCancel: false,
        onProgress: (s) => progress.report({ phase: "download", downloadedBytes: s.downloadedSize, totalBytes: s.totalSize }),
      }),
      timeoutMs,
      () => new Error(`no answer from the download server within ${timeoutMs} ms`),
    );
  } catch (err) {
    progress.stop();
    throw new ModelConfigError(
      `cannot download ${uri}: ${(err as Error).message ?? String(err)}. This machine may be offline. ${offlineAdvice(uri, cacheDir, cachedPath)}`,
      { model, cause: err },
    );
  }
  // 3. Download, aborting when it stalls.
  const controller = new AbortController();
  const stallMs = options.downloadStallMs ?? 60_000;
  let last = -1;
  let lastChange = Date.now();
  const watchdog = setInterval(() => {
    const now = downloader.downloadedSize;
    if (now !== last) {
      last = now;
      lastChange = Date.now();
    } else if (Date.now() - lastChange > stallMs) {
      controller.abort(new Error(`the download made no progress for ${stallMs} ms`));
    }
  }, Math.min(1000, stallMs));
  try {
    const file = await downloader.download({ signal: controller.signal });
    // An aborted download can resolve as if it had finished: check that the whole file is there.
    if (controller.signal.aborted) throw controller.signal.reason;
    let size = -1;
    try {
      size = statSync(file).size;
    } catch {
      // missing
    }
    if (downloader.totalFiles === 1 && size !== downloader.totalSize) {
      throw new Error(`the downloaded file ${file} is incomplete (${Math.max(0, size)} of ${downloader.totalSize} bytes)`);
    }
    return file;
  } catch (err) {
    await downloader.cancel({ deleteTempFile: false }).catch(() => {});
    const reason = controller.signal.aborted ? (controller.signal.reason as Error) : (err as Error);
    throw new ModelConfigError(
      `downloading ${uri} failed: ${reason?.message ?? String(reason)}. ${offlineAdvice(uri, cacheDir, cachedPath)}`,
      { model, cause: err },
    );
  } finally {
    clearInterval(watchdog);
    progress.stop();
  }
}

// ------------------------------------------------------------------ OpenAI messages -> chat history

function parseMaybeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * Map OpenAI-format messages onto node-llama-cpp chat history items:
 * system -> system item; user -> user item; assistant -> a model item (its text, then one functionCall per
 * tool call); tool -> the `result` of the matching function call. An assistant message that follows tool results
 * continues the same model item, as node-llama-cpp represents "call, result, answer" as one model response.
 * Throws ModelRequestError for a tool message that answers no earlier call.
 */
export function messagesToChatHistory(messages: readonly Message[]): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = [];
  const pending = new Map<string, ChatModelFunctionCall>();
  let previousRole: Message["role"] | undefined;
  messages.forEach((m, i) => {
    switch (m.role) {
      case "system":
        history.push({ type: "system", text: m.content });
        break;
      case "user":
        history.push({ type: "user", text: m.content });
        break;
      case "assistant": {
        const last = history.at(-1);
        const item: ChatModelResponse =
          previousRole === "tool" && last?.type === "model" ? last : { type: "model", response: [] };
        if (item !== last) history.push(item);
        if (m.content) item.response.push(m.content);
        (m.tool_calls ?? []).forEach((call, j) => {
          const fc: ChatModelFunctionCall = {
            type: "functionCall",
            name: call.function.name,
            params: call.function.arguments === "" ? {} : parseMaybeJson(call.function.arguments),
            result: null,
            startsNewChunk: j === 0,
          };
          item.response.push(fc);
          pending.set(call.id, fc);
        });
        break;
      }
      case "tool": {
        const fc = pending.get(m.tool_call_id);
        if (!fc) {
          throw new ModelRequestError(
            `messages[${i}]: tool message answers tool_call_id "${m.tool_call_id}", which no earlier assistant message made`,
            { model: "llama" },
          );
        }
        fc.result = parseMaybeJson(m.content);
        pending.delete(m.tool_call_id);
        break;
      }
    }
    previousRole = m.role;
  });
  return history;
}

// ------------------------------------------------------------------ prompts

let forcedCallTemplate: string | undefined;

/** prompts/llama-forced-call.txt, found by walking up from this module (works from src/ and dist/). */
function forcedCallPrompt(): string {
  if (forcedCallTemplate !== undefined) return forcedCallTemplate;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const file = join(dir, "prompts", "llama-forced-call.txt");
    if (existsSync(file)) {
      forcedCallTemplate = readFileSync(file, "utf8");
      return forcedCallTemplate;
    }
    const up = resolve(dir, "..");
    if (up === dir) break;
    dir = up;
  }
  throw new ToolflowError("cannot find prompts/llama-forced-call.txt of toolflow", { code: "PROMPT_NOT_FOUND" });
}

// ------------------------------------------------------------------ the shared engine

interface Slot {
  chat: LlamaChat;
  sequence: LlamaContextSequence;
  busy: boolean;
}

interface Engine {
  key: string;
  nlc: NodeLlamaCpp;
  llama: Llama;
  model: LlamaModel;
  modelPath: string;
  context: LlamaContext;
  slots: Slot[];
  waiters: Array<(slot: Slot) => void>;
  users: number;
  /** Set when the last user closed it (it is being disposed: new users must open another). */
  closing: boolean;
  grammars: Map<string, Promise<LlamaGrammar>>;
}

const engines = new Map<string, Promise<Engine>>();
const models = new Map<string, { promise: Promise<LlamaModel>; users: number }>();

/** What this process holds: loaded model files (with their users), open engines, and whether the binding is up. */
export function llamaResourceStats(): { models: Array<{ path: string; users: number }>; engines: number; binding: boolean } {
  return {
    models: [...models.entries()].map(([path, e]) => ({ path, users: e.users })),
    engines: engines.size,
    binding: llamaInstance !== undefined,
  };
}

async function acquireModel(
  llama: Llama,
  path: string,
  report: (p: LlamaProgress) => void,
  id: string,
): Promise<LlamaModel> {
  let entry = models.get(path);
  if (!entry) {
    const promise = llama
      .loadModel({ modelPath: path, onLoadProgress: (fraction) => report({ phase: "load", fraction }) })
      .catch((err: unknown) => {
        models.delete(path);
        throw new ModelConfigError(`cannot load the model file ${path}: ${(err as Error).message ?? String(err)}`, {
          model: id,
          cause: err,
        });
      });
    entry = { promise, users: 0 };
    models.set(path, entry);
  }
  entry.users++;
  return entry.promise;
}

async function releaseModel(path: string): Promise<void> {
  const entry = models.get(path);
  if (!entry) return;
  entry.users--;
  if (entry.users <= 0) {
    models.delete(path);
    const model = await entry.promise.catch(() => undefined);
    await model?.dispose();
  }
}

async function openEngine(key: string, path: string, id: string, options: LlamaModelOptions): Promise<Engine> {
  const nlc = await loadNodeLlamaCpp(options.importer);
  const gpuEnv = process.env.TOOLFLOW_LLAMA_GPU;
  const gpu = options.gpu ?? (gpuEnv === "false" || gpuEnv === "0" || gpuEnv === "cpu" ? false : "auto");
  const llama = await acquireLlama(nlc, gpu);
  const progress = await progressReporter(options.onProgress);
  let model: LlamaModel;
  try {
    model = await acquireModel(llama, path, progress.report, id);
  } catch (err) {
    await releaseLlama();
    throw err;
  } finally {
    progress.stop();
  }
  const parallel = Math.max(1, Math.floor(options.parallel ?? 1));
  const threadsEnv = Number(process.env.TOOLFLOW_LLAMA_THREADS);
  const threads = options.threads ?? (Number.isInteger(threadsEnv) && threadsEnv > 0 ? threadsEnv : undefined);
  let context: LlamaContext;
  try {
    context = await model.createContext({
      sequences: parallel,
      contextSize: options.contextSize ?? { max: Math.min(8192, model.trainContextSize) },
      ...(threads !== undefined ? { threads } : {}),
    });
  } catch (err) {
    await releaseModel(path);
    await releaseLlama();
    throw new ModelConfigError(`cannot create a context for ${path}: ${(err as Error).message ?? String(err)}`, {
      model: id,
      cause: err,
    });
  }
  const wrapperType = options.chatWrapper ?? (process.env.TOOLFLOW_LLAMA_CHAT_WRAPPER as ResolvableChatWrapperTypeName | undefined) ?? "auto";
  if (typeof wrapperType === "string" && !(nlc.resolvableChatWrapperTypeNames as readonly string[]).includes(wrapperType)) {
    await context.dispose();
    await releaseModel(path);
    await releaseLlama();
    throw new ModelConfigError(
      `unknown chat wrapper "${wrapperType}"; one of: ${nlc.resolvableChatWrapperTypeNames.join(", ")}`,
      { model: id },
    );
  }
  const slots: Slot[] = [];
  for (let i = 0; i < parallel; i++) {
    const sequence = context.getSequence();
    const chatWrapper =
      typeof wrapperType !== "string" ? wrapperType : wrapperType === "auto" ? "auto" : nlc.resolveChatWrapper(model, { type: wrapperType });
    slots.push({ chat: new nlc.LlamaChat({ contextSequence: sequence, chatWrapper }), sequence, busy: false });
  }
  return { key, nlc, llama, model, modelPath: path, context, slots, waiters: [], users: 0, closing: false, grammars: new Map() };
}

async function closeEngine(engine: Engine): Promise<void> {
  for (const s of engine.slots) s.chat.dispose({ disposeSequence: true });
  await engine.context.dispose();
  await releaseModel(engine.modelPath);
  await releaseLlama();
}

function acquireSlot(engine: Engine, signal: AbortSignal | undefined, id: string): Promise<Slot> {
  const free = engine.slots.find((s) => !s.busy);
  if (free) {
    free.busy = true;
    return Promise.resolve(free);
  }
  return new Promise<Slot>((resolvePromise, reject) => {
    const waiter = (slot: Slot): void => {
      signal?.removeEventListener("abort", onAbort);
      resolvePromise(slot);
    };
    const onAbort = (): void => {
      const i = engine.waiters.indexOf(waiter);
      if (i >= 0) engine.waiters.splice(i, 1);
      reject(new ModelAbortError("the request was aborted while waiting for the model", { model: id, cause: signal?.reason }));
    };
    if (signal?.aborted) return onAbort();
    signal?.addEventListener("abort", onAbort, { once: true });
    engine.waiters.push(waiter);
  });
}

function releaseSlot(engine: Engine, slot: Slot): void {
  const next = engine.waiters.shift();
  if (next) next(slot);
  else slot.busy = false;
}

// ------------------------------------------------------------------ the ChatModel

function shortHash(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 16);
}

function mapStopReason(reason: string): FinishReason {
  switch (reason) {
    case "functionCalls":
      return "tool_calls";
    case "maxTokens":
      return "length";
    case "eogToken":
    case "stopGenerationTrigger":
    case "customStopTrigger":
      return "stop";
    default:
      return "other";
  }
}

class LlamaChatModel implements ChatModel {
  readonly backend = "llama";
  private closed = false;
  private inFlight = new Set<Promise<unknown>>();

  constructor(
    readonly id: string,
    private readonly engine: Engine,
    private readonly options: LlamaModelOptions,
  ) {}

  async chat(request: ChatRequest): Promise<ChatResult> {
    if (this.closed) throw new ModelRequestError("the model was closed", { model: this.id });
    const p = this.run(request);
    this.inFlight.add(p);
    try {
      return await p;
    } finally {
      this.inFlight.delete(p);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.inFlight]);
    this.engine.users--;
    if (this.engine.users <= 0) {
      this.engine.closing = true;
      engines.delete(this.engine.key);
      await closeEngine(this.engine);
    }
  }

  private async grammarFor(schema: JsonSchema): Promise<LlamaGrammar> {
    const key = JSON.stringify(schema);
    let g = this.engine.grammars.get(key);
    if (!g) {
      // Our schemas are built at run time: the literal-type inference of createGrammarForJsonSchema does not apply.
      const llama = this.engine.llama;
      const create = llama.createGrammarForJsonSchema.bind(llama) as unknown as (s: JsonSchema) => Promise<LlamaGrammar>;
      g = create(schema);
      g.catch(() => this.engine.grammars.delete(key));
      if (this.engine.grammars.size > 256) this.engine.grammars.clear();
      this.engine.grammars.set(key, g);
    }
    try {
      return await g;
    } catch (err) {
      throw new ModelRequestError(`node-llama-cpp rejected the grammar: ${(err as Error).message ?? String(err)}`, {
        model: this.id,
        cause: err,
      });
    }
  }

  private normalize(schema: JsonSchema, where: string): JsonSchema {
    try {
      return normalizeSchemaForGrammar(schema, { optionalProperties: this.options.optionalProperties ?? "nullable" });
    } catch (err) {
      throw new ModelRequestError(`${where}: the schema cannot be turned into a grammar: ${(err as Error).message}`, {
        model: this.id,
        cause: err,
      });
    }
  }

  private async run(request: ChatRequest): Promise<ChatResult> {
    const history = messagesToChatHistory(request.messages);
    const tools = request.tools ?? [];
    const choice = request.toolChoice ?? "auto";
    const forced = tools.length > 0 && (choice === "required" || typeof choice === "object");
    let forcedTools: ChatTool[] = [];
    if (forced) {
      forcedTools = typeof choice === "object" ? tools.filter((t) => t.name === choice.name) : tools;
      if (forcedTools.length === 0) {
        throw new ModelRequestError(`toolChoice names "${(choice as { name: string }).name}", which is not among the offered tools`, {
          model: this.id,
        });
      }
    } else if (typeof choice === "object" || choice === "required") {
      throw new ModelRequestError("toolChoice requires a tool call but no tools were offered", { model: this.id });
    }
    const useFunctions = !forced && !request.responseFormat && choice !== "none" && tools.length > 0;

    // Build grammars / functions before taking a sequence (errors here cost no waiting).
    let grammar: LlamaGrammar | undefined;
    if (forced) {
      const variants = forcedTools.map((t) => ({
        type: "object",
        properties: { name: { const: t.name }, arguments: this.normalize(t.parameters, `tool "${t.name}"`) },
      }));
      grammar = await this.grammarFor(variants.length === 1 ? (variants[0] as JsonSchema) : { oneOf: variants });
      const doc = forcedTools
        .map((t) => `- ${t.name}: ${t.description}\n  arguments: ${JSON.stringify(t.parameters)}`)
        .join("\n");
      const note = forcedCallPrompt().replace("{{tools}}", doc).trim();
      const first = history[0];
      if (first?.type === "system" && typeof first.text === "string") history[0] = { type: "system", text: `${first.text}\n\n${note}` };
      else history.unshift({ type: "system", text: note });
    } else if (request.responseFormat) {
      grammar = await this.grammarFor(this.normalize(request.responseFormat.schema, `responseFormat "${request.responseFormat.name}"`));
    }
    let functions: ChatModelFunctions | undefined;
    if (useFunctions) {
      const fns: Record<string, { description?: string; params?: GbnfJsonSchema }> = {};
      for (const t of tools) {
        fns[t.name] = { description: t.description, params: this.normalize(t.parameters, `tool "${t.name}"`) as GbnfJsonSchema };
      }
      functions = fns;
    }

    const slot = await acquireSlot(this.engine, request.signal, this.id);
    let response: LlamaChatResponse<ChatModelFunctions | undefined>;
    let usage: Usage;
    try {
      const before = slot.sequence.tokenMeter.getState();
      const maxTokens = Math.max(1, Math.min(request.maxTokens ?? this.options.defaultMaxTokens ?? 1024, this.engine.context.contextSize));
      const common = {
        maxTokens,
        temperature: request.temperature ?? 0,
        ...(request.seed !== undefined ? { seed: request.seed } : {}),
        ...(request.signal ? { signal: request.signal } : {}),
      };
      try {
        response = functions
          ? await slot.chat.generateResponse(history, { ...common, functions, documentFunctionParams: true })
          : await slot.chat.generateResponse(history, { ...common, ...(grammar ? { grammar } : {}) });
      } catch (err) {
        if (request.signal?.aborted) {
          throw new ModelAbortError("the request was aborted", { model: this.id, cause: request.signal.reason });
        }
        throw new ModelRequestError(`generation failed: ${(err as Error).message ?? String(err)}`, { model: this.id, cause: err });
      }
      const diff = slot.sequence.tokenMeter.diff(before);
      const completionTokens = diff.usedOutputTokens;
      const promptTokens = Math.max(diff.usedInputTokens, slot.sequence.contextTokens.length - completionTokens);
      usage = {
        promptTokens,
        completionTokens,
        cachedTokens: Math.max(0, promptTokens - diff.usedInputTokens),
        estimated: false,
      };
    } finally {
      releaseSlot(this.engine, slot);
    }

    const stopReason = response.metadata.stopReason;
    const text = response.response;
    const base = { model: this.id, usage };

    if (forced) {
      const parsed = this.parseJson(text, stopReason, "a forced tool call");
      const call = parsed as { name?: unknown; arguments?: unknown };
      const tool = forcedTools.find((t) => t.name === call.name);
      if (!tool) {
        throw new ModelOutputError(`the forced tool call names no offered tool`, {
          model: this.id,
          problems: [`"name" must be one of ${forcedTools.map((t) => t.name).join(", ")}`],
          output: text,
        });
      }
      const args = this.checkArguments(tool, call.arguments, text);
      return {
        ...base,
        text: "",
        toolCalls: [this.toolCall(tool.name, args, request, 0)],
        finishReason: "tool_calls",
      };
    }

    if (request.responseFormat) {
      const parsed = this.parseJson(text, stopReason, `responseFormat "${request.responseFormat.name}"`);
      // Validation against the schema is the caller's (generateObject), as for every backend.
      const value = stripOmittedOptionals(parsed, request.responseFormat.schema);
      return { ...base, text: JSON.stringify(value), toolCalls: [], finishReason: mapStopReason(stopReason) };
    }

    const calls = response.functionCalls ?? [];
    if (calls.length > 0) {
      const toolCalls = calls.map((fc, i) => {
        const tool = tools.find((t) => t.name === fc.functionName);
        if (!tool) {
          throw new ModelOutputError(`the model called "${fc.functionName}", which is not an offered tool`, {
            model: this.id,
            problems: [`tool "${fc.functionName}" does not exist`],
            output: text,
          });
        }
        return this.toolCall(tool.name, this.checkArguments(tool, fc.params ?? {}, JSON.stringify(fc.params)), request, i);
      });
      return { ...base, text, toolCalls, finishReason: "tool_calls" };
    }
    return { ...base, text, toolCalls: [], finishReason: mapStopReason(stopReason) };
  }

  private parseJson(text: string, stopReason: string, what: string): unknown {
    try {
      return JSON.parse(text);
    } catch (err) {
      throw new ModelOutputError(`${what}: the answer is not complete JSON`, {
        model: this.id,
        problems: [stopReason === "maxTokens" ? "the answer was cut at maxTokens" : `not JSON: ${(err as Error).message}`],
        output: text,
        cause: err,
      });
    }
  }

  private checkArguments(tool: ChatTool, args: unknown, raw: string): unknown {
    const value = stripOmittedOptionals(args ?? {}, tool.parameters);
    const check = validateAgainst(tool.parameters, value);
    if (!check.ok) {
      throw new ModelOutputError(`the arguments of "${tool.name}" do not match its schema`, {
        model: this.id,
        problems: check.errors.map((e) => `${tool.name}: ${e}`),
        output: raw,
      });
    }
    return value;
  }

  private toolCall(name: string, args: unknown, request: ChatRequest, index: number): ToolCall {
    const argText = JSON.stringify(args ?? {});
    const id = `call_${shortHash(`${request.messages.length}|${index}|${name}|${argText}|${request.seed ?? ""}`)}`;
    return { id, type: "function", function: { name, arguments: argText } };
  }
}

const wrapperIds = new WeakMap<object, string>();
let wrapperCounter = 0;
/** A key for a ChatWrapper instance: engines are shared only by requests with the very same instance. */
function wrapperIdentity(w: object): string {
  let id = wrapperIds.get(w);
  if (id === undefined) {
    id = `instance-${++wrapperCounter}`;
    wrapperIds.set(w, id);
  }
  return id;
}

/**
 * Create a ChatModel for `llama:<path.gguf | hf:...>`. The weights are loaded once per process and shared (see
 * the file comment). Throws ModelConfigError when node-llama-cpp is missing, the file does not exist or does not
 * load, or an `hf:` model cannot be downloaded.
 */
export async function createLlamaModel(spec: string, options: LlamaModelOptions = {}): Promise<ChatModel> {
  const source = parseLlamaSpec(spec);
  const id = spec.startsWith("llama:") ? spec : `llama:${spec}`;
  let path: string;
  if (source.kind === "file") {
    path = source.path;
    let ok = false;
    try {
      ok = statSync(path).isFile();
    } catch {
      ok = false;
    }
    if (!ok) {
      throw new ModelConfigError(
        `model file not found: ${path}. Pass llama:/path/to/model.gguf (an existing GGUF file) or llama:hf:user/repo/file.gguf`,
        { model: id },
      );
    }
  } else {
    path = await downloadLlamaModel(source.uri, options);
  }
  const wrapperKey = typeof options.chatWrapper === "object" ? wrapperIdentity(options.chatWrapper) : (options.chatWrapper ?? "auto");
  const key = JSON.stringify([path, options.contextSize ?? null, options.threads ?? null, options.parallel ?? 1, wrapperKey]);
  for (;;) {
    let enginePromise = engines.get(key);
    if (!enginePromise) {
      enginePromise = openEngine(key, path, id, options);
      engines.set(key, enginePromise);
      enginePromise.catch(() => engines.delete(key));
    }
    const engine = await enginePromise;
    if (engine.closing) continue; // closed while we waited: open a fresh one
    engine.users++;
    return new LlamaChatModel(id, engine, options);
  }
}
