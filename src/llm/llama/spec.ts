/**
 * `llama:` model specs and defaults (no node-llama-cpp here: this module is safe to load eagerly).
 *
 *   llama:/path/to/model.gguf          a local GGUF file (relative paths resolve against the working directory)
 *   llama:hf:user/repo/file.gguf       a file of a Hugging Face repo, downloaded once into the model cache
 *   llama:hf:user/repo:Q4_K_M          a quantization of a repo (node-llama-cpp picks the matching file)
 *   llama:https://host/model.gguf      a URL of a GGUF file, downloaded once into the model cache
 */
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import type { ChatWrapper, ResolvableChatWrapperTypeName } from "node-llama-cpp";
import { ModelConfigError } from "../errors.js";

/** The pinned version; the install hint names it. */
export const NODE_LLAMA_CPP_VERSION = "3.21.1";
export const NODE_LLAMA_CPP_INSTALL_HINT = `npm i -E node-llama-cpp@${NODE_LLAMA_CPP_VERSION}`;

/** The node-llama-cpp module (type only). */
export type NodeLlamaCpp = typeof import("node-llama-cpp");

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

