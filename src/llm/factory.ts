/**
 * Model specs -> ChatModels, model pools and per-role model sets.
 *
 *   sim                          built-in deterministic simulator
 *   openai:<model>               any OpenAI-compatible server (--base-url / OPENAI_BASE_URL / OPENAI_API_KEY)
 *   llama:<path.gguf | hf:...>   in-process node-llama-cpp (src/llm/llama.ts, loaded lazily)
 *
 * `createChatModel` wraps real backends with the response cache and every model with the usage meter, and
 * shares one RequestLimiter among all of them. `--llm a,b,c` becomes a ModelPool that picks one model per
 * dialogue by seed; `RoleModelSet` gives each agent role its own pool (e.g. `--llm-user`).
 */
import { deriveSeed, Rng } from "../core/rng.js";
import { ToolflowError, UsageError } from "../core/errors.js";
import { cachedModel, type ResponseCache } from "./cache.js";
import { ModelConfigError } from "./errors.js";
import { RequestLimiter } from "./limiter.js";
import { OpenAIChatModel, type OpenAIModelOptions } from "./openai.js";
import { redact } from "./redact.js";
import { createSimModel, type SimPolicy } from "./sim.js";
import type { ChatModel, ChatRequest, ChatResult } from "./types.js";
import type { UsageMeter } from "./usage.js";
import type { LlamaModelOptions } from "./llama/spec.js";

/** Options for node-llama-cpp models (a type-only import: src/llm/llama.ts itself is loaded lazily). */
export type { LlamaModelOptions } from "./llama/spec.js";

export interface ModelFactoryOptions extends Omit<OpenAIModelOptions, "limiter"> {
  /** Shared by every model (and stage). Default: a new one with concurrency 8. */
  limiter?: RequestLimiter;
  /** Response cache for real backends (openai, llama). */
  cache?: ResponseCache;
  /** Usage accounting for every call (cached calls included, marked as such). */
  meter?: UsageMeter;
  /** Pipeline-aware answers for `sim`. */
  simPolicy?: SimPolicy;
  llama?: LlamaModelOptions;
  /** Test hook: how to load ./llama.js. */
  loadLlama?: () => Promise<unknown>;
}

export type BackendName = "sim" | "openai" | "llama";

export interface ParsedSpec {
  backend: BackendName;
  /** Model name / path after the prefix ("" for sim). */
  name: string;
  spec: string;
}

/** Parse one model spec; bad specs throw a UsageError naming the spec. */
export function parseModelSpec(spec: string): ParsedSpec {
  const s = spec.trim();
  if (s === "sim") return { backend: "sim", name: "", spec: s };
  const i = s.indexOf(":");
  const prefix = i < 0 ? s : s.slice(0, i);
  const name = i < 0 ? "" : s.slice(i + 1).trim();
  if (prefix === "openai" || prefix === "llama") {
    if (!name) throw new UsageError(`model spec "${s}" needs a model after "${prefix}:", e.g. "${prefix === "openai" ? "openai:gpt-4o-mini" : "llama:./model.gguf"}"`);
    return { backend: prefix, name, spec: `${prefix}:${name}` };
  }
  throw new UsageError(`unknown model spec "${s}": use sim, openai:<model> or llama:<path.gguf|hf:...>`);
}

/** Split "a,b,c" into specs (empty parts dropped). */
export function parseModelList(list: string): string[] {
  const specs = list
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  if (specs.length === 0) throw new UsageError(`empty model list "${list}"`);
  for (const s of specs) parseModelSpec(s);
  return specs;
}

interface LlamaModule {
  createLlamaModel(spec: string, options: LlamaModelOptions): Promise<ChatModel>;
}

const LLAMA_MODULE = "./llama/index.js";

async function loadLlamaBackend(options: ModelFactoryOptions): Promise<LlamaModule> {
  let mod: unknown;
  try {
    mod = await (options.loadLlama ? options.loadLlama() : import(/* @vite-ignore */ LLAMA_MODULE));
  } catch (err) {
    throw llamaLoadError(err);
  }
  const fn = (mod as { createLlamaModel?: unknown } | undefined)?.createLlamaModel;
  if (typeof fn !== "function") {
    throw new ModelConfigError("the llama backend module does not export createLlamaModel()", { model: "llama" });
  }
  return mod as LlamaModule;
}

function llamaLoadError(err: unknown): ToolflowError {
  if (err instanceof ToolflowError) return err;
  const msg = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: string }).code;
  if (/node-llama-cpp/.test(msg) || code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") {
    return new ModelConfigError(
      `the llama backend needs node-llama-cpp, which is not installed: run \`npm i -E node-llama-cpp@3.21.1\` (${msg})`,
      { model: "llama", cause: err },
    );
  }
  return new ModelConfigError(`cannot load the llama backend: ${msg}`, { model: "llama", cause: err });
}

/** Wrap a model so every result is recorded in `meter` under the request's role. */
export function meteredModel(model: ChatModel, meter: UsageMeter): ChatModel {
  return {
    id: model.id,
    backend: model.backend,
    async chat(request: ChatRequest): Promise<ChatResult> {
      const result = await model.chat(request);
      meter.record(request.role ?? "default", result.model || model.id, result.usage, { cached: result.cached === true });
      return result;
    },
    close: model.close ? () => model.close!() : undefined,
  };
}

/** Create one model from its spec. */
export async function createChatModel(spec: string, options: ModelFactoryOptions = {}): Promise<ChatModel> {
  const parsed = parseModelSpec(spec);
  let model: ChatModel;
  let namespace = "";
  switch (parsed.backend) {
    case "sim":
      model = createSimModel({ policy: options.simPolicy });
      break;
    case "openai": {
      const m = new OpenAIChatModel(parsed.name, { ...options, limiter: options.limiter });
      namespace = m.endpoint;
      model = m;
      break;
    }
    case "llama": {
      const mod = await loadLlamaBackend(options);
      try {
        model = await mod.createLlamaModel(parsed.spec, options.llama ?? {});
      } catch (err) {
        throw llamaLoadError(err);
      }
      break;
    }
  }
  if (options.cache && parsed.backend !== "sim") model = cachedModel(model, options.cache, { namespace });
  if (options.meter) model = meteredModel(model, options.meter);
  return model;
}

/** Several models; one is picked per dialogue, deterministically from the dialogue's seed. */
export class ModelPool {
  constructor(readonly models: readonly ChatModel[]) {
    if (models.length === 0) throw new UsageError("a model pool needs at least one model");
  }

  get ids(): string[] {
    return this.models.map((m) => m.id);
  }

  pick(seed: number): ChatModel {
    if (this.models.length === 1) return this.models[0] as ChatModel;
    return new Rng(deriveSeed(seed, "model-pool")).pick(this.models);
  }
}

export const AGENT_ROLES = ["planner", "user", "assistant", "tool"] as const;
export type PipelineRole = (typeof AGENT_ROLES)[number];

/**
 * The models of every agent role. `forDialogue(seed)` picks, for each role, one model of its pool (roles without
 * an override share the default pool, and get the same pick for a seed).
 */
export class RoleModelSet {
  constructor(
    readonly defaultPool: ModelPool,
    readonly rolePools: Readonly<Record<string, ModelPool>> = {},
    /** Every distinct model instance, for close(). */
    private readonly instances: ChatModel[] = [],
  ) {}

  pool(role: string): ModelPool {
    return this.rolePools[role] ?? this.defaultPool;
  }

  pick(role: string, seed: number): ChatModel {
    return this.pool(role).pick(seed);
  }

  forDialogue(seed: number): Record<PipelineRole, ChatModel> {
    return {
      planner: this.pick("planner", seed),
      user: this.pick("user", seed),
      assistant: this.pick("assistant", seed),
      tool: this.pick("tool", seed),
    };
  }

  /** Model ids per role (for manifests). */
  describe(): Record<string, string[]> {
    const out: Record<string, string[]> = { default: this.defaultPool.ids };
    for (const [role, pool] of Object.entries(this.rolePools)) out[role] = pool.ids;
    return out;
  }

  async close(): Promise<void> {
    await Promise.all(this.instances.map((m) => m.close?.()));
  }
}

/**
 * Build the role models from `--llm a,b,c` and per-role overrides ({user: "openai:x,openai:y"}). Each distinct
 * spec is created once and shared.
 */
export async function createRoleModels(
  config: { llm: string; roles?: Record<string, string | undefined> },
  options: ModelFactoryOptions = {},
): Promise<RoleModelSet> {
  const instances = new Map<string, ChatModel>();
  const opts = { ...options, limiter: options.limiter ?? new RequestLimiter() };
  const get = async (spec: string): Promise<ChatModel> => {
    const key = parseModelSpec(spec).spec;
    let m = instances.get(key);
    if (!m) {
      m = await createChatModel(key, opts);
      instances.set(key, m);
    }
    return m;
  };
  const poolOf = async (list: string) => new ModelPool(await Promise.all(parseModelList(list).map(get)));
  const defaultPool = await poolOf(config.llm);
  const rolePools: Record<string, ModelPool> = {};
  for (const [role, list] of Object.entries(config.roles ?? {})) {
    if (list !== undefined && list.trim() !== "") rolePools[role] = await poolOf(list);
  }
  return new RoleModelSet(defaultPool, rolePools, [...instances.values()]);
}

/**
 * Parse a role map "user=openai:a,openai:b;tool=sim" (roles separated by ";", pools by ",").
 */
export function parseRoleMap(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(";")) {
    const p = part.trim();
    if (!p) continue;
    const eq = p.indexOf("=");
    if (eq <= 0) throw new UsageError(`bad role model "${redact(p)}": expected role=spec[,spec...]`);
    const role = p.slice(0, eq).trim();
    const list = p.slice(eq + 1).trim();
    parseModelList(list);
    out[role] = list;
  }
  return out;
}
