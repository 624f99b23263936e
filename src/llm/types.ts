/**
 * The model layer's public contract. Every stage after sampling talks to a ChatModel; backends (`openai:<model>`,
 * `llama:<path|hf:...>`, the offline `sim`) implement it and return what the model said. Validation and re-asks
 * happen once, above the backends, in `generateObject` / `generateChecked` (generate.ts); cross-cutting behaviour
 * (cache, usage counting, test hooks) wraps a model with `wrapModel` (middleware.ts).
 */
import type { DialogueRole, JsonSchema, Message, ModelRole, ToolCall, Usage } from "../core/index.js";

export type { ModelRole } from "../core/index.js";

/** A tool as offered to a model (OpenAI function-tool shape). */
export interface ChatTool {
  name: string;
  description: string;
  parameters: JsonSchema;
}

/**
 * What the pipeline knows about a call beyond its messages: the asking agent's state (its plan step, the sampled
 * tools, earlier results...). Every agent puts its own typed context here (see the agents' `AgentCallContext`).
 *
 * This is a side channel for offline backends only. Real backends ignore it: it is never sent to a server, never
 * part of a cache key, and a real model gets the same information through the rendered prompt. The built-in `sim`
 * backend answers from it without a model.
 */
export interface CallContext {
  /** The agent that asks ("planner", "user", "assistant", "tool", "judge"...). */
  readonly agent: string;
}

export interface ChatRequest {
  messages: Message[];
  tools?: ChatTool[];
  /** "auto" (default), "none", "required", or force one function by name. */
  toolChoice?: "auto" | "none" | "required" | { name: string };
  /** Ask for JSON matching this schema (structured output: native json_schema where the server has it). */
  responseFormat?: { name: string; schema: JsonSchema };
  temperature?: number;
  seed?: number;
  maxTokens?: number;
  signal?: AbortSignal;
  /** Who is asking (usage is counted per role). */
  role?: ModelRole;
  /**
   * Groups requests that share a prompt prefix (one dialogue's requests of one agent), sent as `prompt_cache_key`
   * where the server takes one so they meet the same prompt cache. Does not change the answer (not part of the
   * response-cache key).
   */
  cacheKey?: string;
  /** Side channel for offline backends; see CallContext. */
  context?: CallContext;
  /**
   * Parallel to `messages`: the model's reasoning behind each assistant message (null: none known), kept apart from
   * the messages like a record's `reasoning`. Sent only to a server that demands it back (DeepSeek's thinking mode:
   * `reasoning_content` on earlier assistant turns).
   */
  reasoning?: ReadonlyArray<string | null>;
}

export type FinishReason = "stop" | "length" | "tool_calls" | "content_filter" | "error" | "other";

/** What the model said, as the backend received it (not yet validated against any schema). */
export interface ChatResult {
  /** The answer's text, with any reasoning removed (see `reasoning`). */
  text: string;
  /**
   * The model's reasoning when the server returned it (a `reasoning_content` / `reasoning` field, or `<think>…</think>`
   * taken out of the text). Never part of `text`, so it cannot reach a training target by accident.
   */
  reasoning?: string;
  toolCalls: ToolCall[];
  finishReason: FinishReason;
  usage: Usage;
  /** Model id that answered, e.g. "openai:gpt-4o-mini", "sim". */
  model: string;
  /** True when served from the response cache. */
  cached?: boolean;
}

export interface ChatModel {
  /** Stable id, e.g. "openai:gpt-4o-mini", "llama:/models/x.gguf", "sim". */
  readonly id: string;
  /** "openai" | "llama" | "sim" */
  readonly backend: string;
  chat(request: ChatRequest): Promise<ChatResult>;
  close?(): Promise<void>;
}

/** The models of one dialogue: one per role (they may all be the same model). */
export type DialogueModels = Record<DialogueRole, ChatModel>;

/** An embedding model (used by the tool graph's `openai` embedder). */
export interface EmbeddingModel {
  readonly id: string;
  embed(texts: string[], options?: { signal?: AbortSignal }): Promise<number[][]>;
}
