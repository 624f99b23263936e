/**
 * The node-llama-cpp side of the `llama:` backend: the package is imported lazily (only when a llama model is
 * created), and the llama.cpp binding, the loaded weights and the contexts are shared per process.
 *
 * - One binding per process (`getLlama`, prebuilt binaries only), disposed when no model is left.
 * - One loaded model per file, shared by every engine of that file.
 * - One engine per (file, context size, threads, parallel, chat wrapper): a LlamaContext with `parallel`
 *   sequences, each with its LlamaChat. A request takes a free sequence (slot) or waits its turn (FIFO).
 *   The last user's release disposes the context, then the model and the binding when they are unused.
 */
import type {
  Llama,
  LlamaChat,
  LlamaContext,
  LlamaContextSequence,
  LlamaEmbeddingContext,
  LlamaGrammar,
  LlamaModel,
  ResolvableChatWrapperTypeName,
} from "node-llama-cpp";
import { ModelAbortError, ModelConfigError } from "../errors.js";
import { NODE_LLAMA_CPP_INSTALL_HINT, type LlamaModelOptions, type LlamaProgress, type NodeLlamaCpp } from "./spec.js";

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

// ------------------------------------------------------------------ progress (downloads and loads)

/** Where progress goes: `onProgress`, else a progress bar on stderr when it is a terminal, else nowhere. */
export async function progressReporter(onProgress: LlamaModelOptions["onProgress"]): Promise<{
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

// ------------------------------------------------------------------ the shared engine

export interface Slot {
  chat: LlamaChat;
  sequence: LlamaContextSequence;
  busy: boolean;
}

export interface Engine {
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
export function llamaResourceStats(): {
  models: Array<{ path: string; users: number }>;
  engines: number;
  embeddingEngines: number;
  binding: boolean;
} {
  return {
    models: [...models.entries()].map(([path, e]) => ({ path, users: e.users })),
    engines: engines.size,
    embeddingEngines: embeddingEngines.size,
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

/** GPU use: the option, else $TOOLFLOW_LLAMA_GPU ("false", "0", "cpu": none), else "auto". */
function gpuSetting(options: Pick<LlamaModelOptions, "gpu">): "auto" | false {
  const gpuEnv = process.env.TOOLFLOW_LLAMA_GPU;
  return options.gpu ?? (gpuEnv === "false" || gpuEnv === "0" || gpuEnv === "cpu" ? false : "auto");
}

/** CPU threads: the option, else $TOOLFLOW_LLAMA_THREADS, else node-llama-cpp's choice (undefined). */
function threadsSetting(options: Pick<LlamaModelOptions, "threads">): number | undefined {
  const threadsEnv = Number(process.env.TOOLFLOW_LLAMA_THREADS);
  return options.threads ?? (Number.isInteger(threadsEnv) && threadsEnv > 0 ? threadsEnv : undefined);
}

/** The binding and the loaded weights of a file (shared); release both with releaseModel + releaseLlama. */
async function acquireLoadedModel(path: string, id: string, options: LlamaModelOptions): Promise<{ nlc: NodeLlamaCpp; llama: Llama; model: LlamaModel }> {
  const nlc = await loadNodeLlamaCpp(options.importer);
  const llama = await acquireLlama(nlc, gpuSetting(options));
  const progress = await progressReporter(options.onProgress);
  try {
    return { nlc, llama, model: await acquireModel(llama, path, progress.report, id) };
  } catch (err) {
    await releaseLlama();
    throw err;
  } finally {
    progress.stop();
  }
}

async function openEngine(key: string, path: string, id: string, options: LlamaModelOptions): Promise<Engine> {
  const { nlc, llama, model } = await acquireLoadedModel(path, id, options);
  const parallel = Math.max(1, Math.floor(options.parallel ?? 1));
  const threads = threadsSetting(options);
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

export function acquireSlot(engine: Engine, signal: AbortSignal | undefined, id: string): Promise<Slot> {
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

export function releaseSlot(engine: Engine, slot: Slot): void {
  const next = engine.waiters.shift();
  if (next) next(slot);
  else slot.busy = false;
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

/**
 * Take a share of the engine for a model file with these options, opening it (and loading the binding and the
 * weights) when there is none. Pair with `releaseEngine`.
 */
export async function acquireEngine(path: string, id: string, options: LlamaModelOptions): Promise<Engine> {
  const wrapperKey = typeof options.chatWrapper === "object" ? wrapperIdentity(options.chatWrapper) : (options.chatWrapper ?? "auto");
  const key = JSON.stringify([path, options.contextSize ?? null, options.threads ?? null, options.parallel ?? 1, wrapperKey]);
  return acquireShared(engines, key, () => openEngine(key, path, id, options));
}

/** Give back a share of an engine; the last one disposes it (and the model and binding when unused). */
export function releaseEngine(engine: Engine): Promise<void> {
  return releaseShared(engines, engine, closeEngine);
}

/** A chat or embedding engine shared by its users under its key. */
interface Shared {
  key: string;
  users: number;
  /** Set when the last user closed it (it is being disposed: new users must open another). */
  closing: boolean;
}

/** Take a share of what `pool` holds under `key`, opening it when there is none (a failed open is forgotten). */
async function acquireShared<T extends Shared>(pool: Map<string, Promise<T>>, key: string, open: () => Promise<T>): Promise<T> {
  for (;;) {
    let promise = pool.get(key);
    if (!promise) {
      promise = open();
      pool.set(key, promise);
      promise.catch(() => pool.delete(key));
    }
    const shared = await promise;
    if (shared.closing) continue; // closed while we waited: open a fresh one
    shared.users++;
    return shared;
  }
}

/** Give back a share; the last one takes it out of `pool` and closes it. */
async function releaseShared<T extends Shared>(pool: Map<string, Promise<T>>, shared: T, close: (shared: T) => Promise<void>): Promise<void> {
  shared.users--;
  if (shared.users <= 0) {
    shared.closing = true;
    pool.delete(shared.key);
    await close(shared);
  }
}

// ------------------------------------------------------------------ embedding engines

/**
 * An embedding context on a loaded model file, shared per (file, context size, threads) like the chat engines.
 * node-llama-cpp's embedding context evaluates one text at a time (it holds a lock), so users simply queue.
 */
export interface EmbeddingEngine {
  key: string;
  model: LlamaModel;
  modelPath: string;
  context: LlamaEmbeddingContext;
  /** Context size of the embedding context (a longer input is truncated to fit). */
  contextSize: number;
  /** Tokens evaluated at once; a non-causal (BERT-like) model needs the whole input in one batch. */
  batchSize: number;
  /** Length of the vectors the model returns. */
  dimensions: number;
  users: number;
  closing: boolean;
}

const embeddingEngines = new Map<string, Promise<EmbeddingEngine>>();

async function openEmbeddingEngine(key: string, path: string, id: string, options: LlamaModelOptions): Promise<EmbeddingEngine> {
  const { model } = await acquireLoadedModel(path, id, options);
  const threads = threadsSetting(options);
  const contextSize = Math.max(8, Math.floor(options.contextSize ?? Math.min(8192, model.trainContextSize)));
  const batchSize = Math.min(contextSize, 2048);
  let context: LlamaEmbeddingContext;
  try {
    context = await model.createEmbeddingContext({ contextSize, batchSize, ...(threads !== undefined ? { threads } : {}) });
  } catch (err) {
    await releaseModel(path);
    await releaseLlama();
    throw new ModelConfigError(`cannot create an embedding context for ${path}: ${(err as Error).message ?? String(err)}`, {
      model: id,
      cause: err,
    });
  }
  return { key, model, modelPath: path, context, contextSize, batchSize, dimensions: model.embeddingVectorSize, users: 0, closing: false };
}

/** Take a share of the embedding engine of a model file with these options (opening it when there is none). */
export async function acquireEmbeddingEngine(path: string, id: string, options: LlamaModelOptions): Promise<EmbeddingEngine> {
  const key = JSON.stringify([path, options.contextSize ?? null, options.threads ?? null]);
  return acquireShared(embeddingEngines, key, () => openEmbeddingEngine(key, path, id, options));
}

/** Give back a share of an embedding engine; the last one disposes it (and the model and binding when unused). */
export function releaseEmbeddingEngine(engine: EmbeddingEngine): Promise<void> {
  return releaseShared(embeddingEngines, engine, closeEmbeddingEngine);
}

async function closeEmbeddingEngine(engine: EmbeddingEngine): Promise<void> {
  await engine.context.dispose();
  await releaseModel(engine.modelPath);
  await releaseLlama();
}
