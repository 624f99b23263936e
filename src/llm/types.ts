/**
 * The model layer's public contract. Every stage after sampling talks to a ChatModel; backends
 * (`openai:<model>`, `llama:<path|hf:...>`, `sim`) implement it.
 */
import type { JsonSchema, Message, ToolCall, Usage } from "../core/types.js";

/** Agent roles, used for per-role model choice and usage accounting. */
export type AgentRole = "planner" | "user" | "assistant" | "tool" | "judge" | "eval" | (string & {});

/** A tool as offered to a model (OpenAI function-tool shape). */
export interface ChatTool {
  name: string;
  description: string;
  parameters: JsonSchema;
}

export interface ChatRequest {
  messages: Message[];
  tools?: ChatTool[];
  /** "auto" (default), "none", "required", or force one function by name. */
  toolChoice?: "auto" | "none" | "required" | { name: string };
  /** Ask for JSON matching this schema (structured output). The result's `json` is validated against it. */
  responseFormat?: { name: string; schema: JsonSchema };
  temperature?: number;
  seed?: number;
  maxTokens?: number;
  signal?: AbortSignal;
  /** Who is asking (accounting, per-role limits). */
  role?: AgentRole;
  /**
   * Structured context for the built-in `sim` backend (ignored by real backends): the pipeline stage passes
   * what it knows (plan step, tools, earlier results) so sim can answer deterministically without a model.
   */
  simContext?: unknown;
}

export type FinishReason = "stop" | "length" | "tool_calls" | "content_filter" | "error" | "other";

export interface ChatResult {
  text: string;
  toolCalls: ToolCall[];
  /** Parsed and schema-validated JSON when `responseFormat` was given. */
  json?: unknown;
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

/** An embedding model (used by the tool graph's `openai` embedder). */
export interface EmbeddingModel {
  readonly id: string;
  embed(texts: string[], options?: { signal?: AbortSignal }): Promise<number[][]>;
}
