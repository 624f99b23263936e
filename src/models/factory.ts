/**
 * From a model spec to a ChatModel, and the models of a run. This is the one place that sees every backend:
 *
 *   sim                          the built-in offline simulator (src/sim)
 *   openai:<model>               any OpenAI-compatible server (--base-url / OPENAI_BASE_URL / OPENAI_API_KEY)
 *   llama:<path.gguf | hf:...>   in-process node-llama-cpp (src/llm/llama, loaded lazily)
 *
 * It lives outside src/llm because the simulator reads the agents' types and the agents use the model layer.
 * Real backends are wrapped with the response cache; every model can be wrapped with more middleware (usage).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { UsageError } from "../core/index.js";
import {
  cacheMiddleware,
  defaultModelCacheDir,
  OpenAIChatModel,
  openLlamaModel,
  redact,
  wrapModel,
  type ChatModel,
  type LlamaModelOptions,
  type ModelMiddleware,
  type OpenAIModelOptions,
  type RequestLimiter,
  type ResponseCache,
} from "../llm/index.js";
import { createSimModel } from "../sim/index.js";

export interface ModelFactoryOptions extends Omit<OpenAIModelOptions, "limiter"> {
  /** Shared by every model (and stage). Default: each openai model makes its own (concurrency 8). */
  limiter?: RequestLimiter;
  /** Response cache for real backends (openai, llama). */
  cache?: ResponseCache;
  /** Middleware around every model made (after the cache, so it sees cached answers marked as such). */
  middleware?: ModelMiddleware[];
  llama?: LlamaModelOptions;
  /** Test hook: how to load the llama backend module. */
  loadLlama?: () => Promise<unknown>;
}

/**
 * The model to use when none is given: an OpenAI-compatible server when OPENAI_BASE_URL or OPENAI_API_KEY is set
 * (OPENAI_MODEL, default gpt-4o-mini), else TOOLFLOW_LLAMA_MODEL, else the default GGUF in the model cache if it
 * was downloaded, else `sim`.
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

/** Create one model from its spec. */
export async function createChatModel(spec: string, options: ModelFactoryOptions = {}): Promise<ChatModel> {
  const parsed = parseModelSpec(spec);
  let model: ChatModel;
  let namespace = "";
  switch (parsed.backend) {
    case "sim":
      model = createSimModel();
      break;
    case "openai": {
      const m = new OpenAIChatModel(parsed.name, { ...options, limiter: options.limiter });
      namespace = m.endpoint;
      model = m;
      break;
    }
    case "llama":
      model = await openLlamaModel(parsed.spec, options.llama ?? {}, options.loadLlama);
      break;
  }
  const cache = options.cache && parsed.backend !== "sim" ? cacheMiddleware(options.cache, { namespace }) : undefined;
  return wrapModel(model, ...(options.middleware ?? []), cache);
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
