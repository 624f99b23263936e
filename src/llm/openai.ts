/**
 * `openai:<model>` — any OpenAI-compatible server through the `openai` npm client (v6).
 *
 * - Native tool calls and `json_schema` structured output where the server has them; where it does not
 *   (option, or detected from a 400 that says so) falls back to prompting, and reads prompted tool calls back.
 * - The answer is returned as the model gave it: validation and re-asks happen once, in generate.ts.
 * - The client's own retries are disabled; ours (retry.ts) retry 429/5xx/timeouts/resets/malformed bodies with
 *   backoff, honouring Retry-After. 400/401/403/404 fail at once with the server's (redacted) message.
 * - Every HTTP attempt passes through the shared RequestLimiter (concurrency, RPM, TPM).
 * - Transport: every call goes through the openai client. By default (`http: "node"`) the client is given a small
 *   keep-alive fetch on node:http (http-fetch.ts); `http: "global"` gives it the runtime's own fetch.
 *   Embeddings: embeddings.ts, on the same client setup.
 */
import OpenAI from "openai";
import { z } from "zod";
import { hashToUint32 } from "../core/index.js";
import type { JsonSchema, Message, ToolCall, Usage } from "../core/index.js";
import {
  ModelAbortError,
  ModelAuthError,
  ModelConfigError,
  ModelError,
  ModelRequestError,
  ModelTimeoutError,
  ModelUnavailableError,
} from "./errors.js";
import { nodeFetch } from "./http-fetch.js";
import { RequestLimiter } from "./limiter.js";
import { ToolflowError } from "../core/index.js";
import { renderPrompt } from "../core/index.js";
import { redact, registerSecret } from "./redact.js";
import {
  DEFAULT_RETRY_POLICY,
  parseRetryAfter,
  withRetry,
  type FailureInfo,
  type RetryHooks,
  type RetryPolicy,
} from "./retry.js";
import type { ChatModel, ChatRequest, ChatResult, ChatTool, FinishReason } from "./types.js";
import { estimatePromptTokens, estimateTokens } from "./usage.js";
import { parseJsonLoose } from "./validate.js";

export interface OpenAIModelOptions {
  /** Base URL of the server (…/v1). Default: OPENAI_BASE_URL, else the OpenAI API. */
  baseURL?: string;
  /** Default: OPENAI_API_KEY. Never logged, cached or shown in errors. */
  apiKey?: string;
  /** Where OPENAI_BASE_URL / OPENAI_API_KEY are read from (default process.env). */
  env?: Record<string, string | undefined>;
  /** Per-attempt timeout in ms. Default 60,000. */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Shared limiter; default: a private one with concurrency 8. */
  limiter?: RequestLimiter;
  /** Native tool calls: true, false (prompted), or "auto" (native until a 400 says no). Default "auto". */
  nativeTools?: boolean | "auto";
  /** Native json_schema output: true, false (prompted), or "auto". Default "auto". */
  nativeJsonSchema?: boolean | "auto";
  /** Name of the max-tokens field the server expects. Default "max_tokens". */
  maxTokensField?: "max_tokens" | "max_completion_tokens";
  /** Log lines (retries, fallbacks), already redacted. */
  log?: (line: string) => void;
  /**
   * The fetch the openai client uses: "node" (default: a node:http keep-alive fetch, http-fetch.ts, about half
   * the client CPU of the runtime's fetch at high concurrency) or "global" (the runtime's own fetch).
   */
  http?: "node" | "global";
}

/** `TOOLFLOW_OPENAI_HTTP=node|global` picks the fetch when the options do not. */
export function transportFromEnv(): OpenAIModelOptions["http"] {
  const v = process.env.TOOLFLOW_OPENAI_HTTP;
  if (v === undefined || v === "") return undefined;
  if (v === "node" || v === "global") return v;
  throw new ModelConfigError(`TOOLFLOW_OPENAI_HTTP must be node or global, got "${v}"`);
}

/** The openai client of the model layer: our retries instead of its own, and the chosen fetch. */
export function createOpenAIClient(options: {
  apiKey: string;
  baseURL: string | undefined;
  timeoutMs: number;
  http: OpenAIModelOptions["http"];
}): OpenAI {
  const http = options.http ?? transportFromEnv();
  return new OpenAI({
    apiKey: options.apiKey,
    baseURL: options.baseURL,
    maxRetries: 0,
    timeout: options.timeoutMs,
    ...(http === "global" ? {} : { fetch: nodeFetch }),
  });
}

/** The part of a chat completion we use, validated before use (servers can send anything). */
const CompletionZ = z.object({
  choices: z
    .array(
      z.object({
        message: z.object({
          content: z.string().nullable().optional(),
          tool_calls: z
            .array(
              z.object({
                id: z.string().optional(),
                type: z.string().optional(),
                function: z.object({ name: z.string(), arguments: z.string().nullable().optional() }),
              }),
            )
            .nullable()
            .optional(),
        }),
        finish_reason: z.string().nullable().optional(),
      }),
    )
    .min(1),
  usage: z
    .object({
      prompt_tokens: z.number(),
      completion_tokens: z.number(),
      prompt_tokens_details: z.object({ cached_tokens: z.number().nullable().optional() }).nullable().optional(),
    })
    .nullable()
    .optional(),
});
type Completion = z.infer<typeof CompletionZ>;

/** The server answered 200 with a body we cannot use (broken JSON, missing choices): retried like a 5xx. */
export class MalformedResponseError extends ToolflowError {
  constructor(message: string) {
    super(message, { code: "MALFORMED_RESPONSE" });
  }
}

interface Attempted {
  attempts?: number;
}

function isTimeout(err: unknown): boolean {
  return err instanceof OpenAI.APIConnectionTimeoutError;
}

function isAbort(err: unknown): boolean {
  return err instanceof OpenAI.APIUserAbortError || (err instanceof Error && err.name === "AbortError");
}

/** Retry classification of an error thrown by one HTTP attempt. */
export function classifyFailure(err: unknown, policy: RetryPolicy): FailureInfo {
  if (isAbort(err)) return { retryable: false };
  if (err instanceof OpenAI.APIError && typeof err.status === "number") {
    const s = err.status;
    if (s === 429 || s === 408 || s === 409 || s >= 500) {
      const ra = parseRetryAfter(err.headers ?? undefined);
      return ra === undefined ? { retryable: true } : { retryable: true, retryAfterMs: Math.min(ra, policy.maxRetryAfterMs) };
    }
    return { retryable: false };
  }
  if (err instanceof OpenAI.APIConnectionError) return { retryable: true }; // includes timeouts and resets
  if (err instanceof MalformedResponseError || err instanceof SyntaxError) return { retryable: true };
  return { retryable: false };
}

function serverMessage(err: unknown): string {
  if (err instanceof OpenAI.APIError) {
    const body = err.error as { message?: unknown } | undefined;
    const m = typeof body?.message === "string" ? body.message : err.message;
    return m.replace(/^\d{3}\s+/, "");
  }
  return err instanceof Error ? err.message : String(err);
}

function mapFinish(reason: string | null | undefined): FinishReason {
  switch (reason) {
    case "stop":
    case "length":
    case "tool_calls":
    case "content_filter":
      return reason;
    case "function_call":
      return "tool_calls";
    case null:
    case undefined:
      return "stop";
    default:
      return "other";
  }
}

/** OpenAI function names allow [a-zA-Z0-9_-]{1,64}; json_schema names too. */
function schemaName(name: string): string {
  const n = name.replace(/[^a-zA-Z0-9_-]/g, "_").slice(0, 64);
  return n || "response";
}

type OAMessage = OpenAI.Chat.Completions.ChatCompletionMessageParam;

function toOpenAIMessages(messages: Message[], nativeTools: boolean): OAMessage[] {
  return messages.map((m): OAMessage => {
    switch (m.role) {
      case "system":
        return { role: "system", content: m.content };
      case "user":
        return { role: "user", content: m.content };
      case "assistant":
        if (m.tool_calls && m.tool_calls.length > 0) {
          if (nativeTools) {
            return {
              role: "assistant",
              content: m.content,
              tool_calls: m.tool_calls.map((c) => ({ id: c.id, type: "function", function: { ...c.function } })),
            };
          }
          const calls = m.tool_calls.map((c) => ({ name: c.function.name, arguments: safeParse(c.function.arguments) }));
          return { role: "assistant", content: JSON.stringify({ tool_calls: calls }) };
        }
        return { role: "assistant", content: m.content ?? "" };
      case "tool":
        if (nativeTools) return { role: "tool", tool_call_id: m.tool_call_id, content: m.content };
        return { role: "user", content: `Result of the tool call ${m.name ?? ""} (${m.tool_call_id}):\n${m.content}` };
    }
  });
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Add instructions to the first system message (or a new one at the start). */
function withInstructions(messages: OAMessage[], text: string): OAMessage[] {
  const out = messages.slice();
  const i = out.findIndex((m) => m.role === "system");
  if (i >= 0) {
    const sys = out[i] as { role: "system"; content: unknown };
    out[i] = { role: "system", content: `${typeof sys.content === "string" ? sys.content : ""}\n\n${text}` };
  } else out.unshift({ role: "system", content: text });
  return out;
}

function looksUnsupported(err: unknown, what: "json" | "tools"): boolean {
  if (!(err instanceof OpenAI.APIError) || (err.status !== 400 && err.status !== 422 && err.status !== 501)) return false;
  const msg = serverMessage(err).toLowerCase();
  if (what === "json") return /response_format|json_schema|structured output|json schema/.test(msg);
  return /\btools?\b|tool_choice|function call|functions? (are|is) not supported/.test(msg);
}

export class OpenAIChatModel implements ChatModel {
  readonly id: string;
  readonly backend = "openai";
  /** Base URL without credentials (used as cache namespace). */
  readonly endpoint: string;
  private readonly client: OpenAI;
  private readonly policy: RetryPolicy;
  private readonly limiter: RequestLimiter;
  private readonly timeoutMs: number;
  private nativeTools: boolean | "auto";
  private nativeJson: boolean | "auto";
  private readonly apiKey: string;
  private readonly log: (line: string) => void;
  private readonly retryHooks: RetryHooks;

  constructor(
    readonly model: string,
    private readonly options: OpenAIModelOptions = {},
  ) {
    if (!model) throw new ModelConfigError('the openai backend needs a model name: "openai:<model>"');
    const env = options.env ?? process.env;
    const baseURL = options.baseURL ?? env.OPENAI_BASE_URL ?? undefined;
    let apiKey = options.apiKey ?? env.OPENAI_API_KEY;
    if (!apiKey) {
      if (!baseURL) {
        throw new ModelConfigError(
          `openai:${model}: no API key: set OPENAI_API_KEY (or give --base-url for a local server that needs none)`,
        );
      }
      apiKey = "no-key";
    }
    registerSecret(apiKey);
    this.apiKey = apiKey;
    this.id = `openai:${model}`;
    this.endpoint = baseURL ? stripCredentials(baseURL) : "https://api.openai.com/v1";
    this.policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.limiter = options.limiter ?? new RequestLimiter();
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.nativeTools = options.nativeTools ?? "auto";
    this.nativeJson = options.nativeJsonSchema ?? "auto";
    this.log = options.log ?? (() => {});
    this.retryHooks = {
      classify: (err) => classifyFailure(err, this.policy),
      onRetry: ({ retry, delayMs, error }) =>
        this.log(`${this.id}: attempt ${retry} failed (${redact(shortError(error), [this.apiKey])}); retrying in ${Math.round(delayMs)} ms`),
    };
    this.client = createOpenAIClient({ apiKey, baseURL, timeoutMs: this.timeoutMs, http: options.http });
  }

  /**
   * One logical request: sent (with retries) and returned as the model said it. Where the server lacks native
   * json_schema output or tool calls, the request is re-sent once in prompted form and prompted tool calls are
   * read back from the text. Nothing is validated or re-asked here; generateObject / generateChecked do that.
   */
  async chat(request: ChatRequest): Promise<ChatResult> {
    const tools = request.tools && request.tools.length > 0 ? request.tools : undefined;
    const usage: Usage = { promptTokens: 0, completionTokens: 0, cachedTokens: 0, estimated: false };
    for (;;) {
      const useNativeTools = tools !== undefined && this.nativeTools !== false;
      const useNativeJson = request.responseFormat !== undefined && this.nativeJson !== false;
      // Built when the request gets a slot (not while it waits behind others), once for all its attempts.
      let built: OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming | undefined;
      let completion: Completion;
      try {
        completion = await this.send(() => (built ??= this.buildBody(request, useNativeTools, useNativeJson)), request);
      } catch (err) {
        if (useNativeJson && this.nativeJson === "auto" && looksUnsupported(err, "json")) {
          this.nativeJson = false;
          this.log(`${this.id}: server has no json_schema output; using prompted JSON`);
          continue;
        }
        if (useNativeTools && this.nativeTools === "auto" && looksUnsupported(err, "tools")) {
          this.nativeTools = false;
          this.log(`${this.id}: server has no native tool calls; using prompted tool calls`);
          continue;
        }
        throw this.toModelError(err);
      }
      if (this.nativeJson === "auto" && useNativeJson) this.nativeJson = true;
      if (this.nativeTools === "auto" && useNativeTools) this.nativeTools = true;
      const choice = completion.choices[0]!;
      let text = choice.message.content ?? "";
      let finishReason = mapFinish(choice.finish_reason);
      let toolCalls: ToolCall[] = (choice.message.tool_calls ?? []).map((c, i) => ({
        id: c.id || `call_${hashToUint32(`${text}/${i}/${c.function.name}`).toString(36)}`,
        type: "function" as const,
        function: { name: c.function.name, arguments: c.function.arguments ?? "" },
      }));
      this.addUsage(usage, completion, built ?? this.buildBody(request, useNativeTools, useNativeJson), text, toolCalls);
      if (tools && !useNativeTools) {
        // A prompted answer that is not the tool-call JSON stays text; the caller's check says what is wrong.
        const prompted = parsePromptedTools(text, request.toolChoice);
        if (!prompted.problem) {
          toolCalls = prompted.toolCalls;
          text = prompted.text;
          if (toolCalls.length > 0) finishReason = "tool_calls";
        }
      }
      return { text, toolCalls, finishReason, usage, model: this.id };
    }
  }

  private buildBody(
    request: ChatRequest,
    nativeTools: boolean,
    nativeJson: boolean,
  ): OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming {
    let messages = toOpenAIMessages(request.messages, nativeTools);
    const tools = request.tools && request.tools.length > 0 ? request.tools : undefined;
    const schema = request.responseFormat?.schema;
    if (schema && !nativeJson) {
      messages = withInstructions(
        messages,
        renderPrompt("llm-json-instructions", { name: request.responseFormat?.name ?? "response", schema: JSON.stringify(schema) }),
      );
    }
    if (tools && !nativeTools) {
      const tc = request.toolChoice;
      messages = withInstructions(
        messages,
        renderPrompt("llm-tools-instructions", {
          tools: tools.map((t) => ({ name: t.name, description: t.description, parameters: JSON.stringify(t.parameters) })),
          choice: typeof tc === "object" ? tc.name : tc === "auto" ? "" : (tc ?? ""),
        }),
      );
    }
    const body: OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming = {
      model: this.model,
      messages,
    };
    if (tools && nativeTools) {
      body.tools = tools.map((t) => ({
        type: "function",
        function: { name: t.name, description: t.description, parameters: t.parameters as Record<string, unknown> },
      }));
      const tc = request.toolChoice;
      if (tc !== undefined) body.tool_choice = typeof tc === "object" ? { type: "function", function: { name: tc.name } } : tc;
    }
    if (schema && nativeJson) {
      body.response_format = {
        type: "json_schema",
        json_schema: { name: schemaName(request.responseFormat?.name ?? "response"), schema: schema as Record<string, unknown>, strict: false },
      };
    }
    if (request.temperature !== undefined) body.temperature = request.temperature;
    if (request.seed !== undefined) body.seed = request.seed;
    if (request.cacheKey) body.prompt_cache_key = request.cacheKey;
    if (request.maxTokens !== undefined) {
      if ((this.options.maxTokensField ?? "max_tokens") === "max_tokens") body.max_tokens = request.maxTokens;
      else body.max_completion_tokens = request.maxTokens;
    }
    return body;
  }

  /** One logical request: retried attempts, each through the limiter. */
  private send(
    body: () => OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming,
    request: ChatRequest,
  ): Promise<Completion> {
    // Under a TPM budget the serialized body's length is the prompt estimate (messages, tools, schema), needed
    // before the request may start; otherwise the body is built once the request has a slot.
    const tokens =
      this.limiter.tokensPerMinute === undefined ? 0 : Math.ceil(JSON.stringify(body()).length / 4) + (request.maxTokens ?? 512);
    return withRetry(
      () =>
        this.limiter.run(
          async (settle) => {
            const raw: unknown = await this.client.chat.completions.create(body(), { signal: request.signal, timeout: this.timeoutMs });
            const parsed = CompletionZ.safeParse(raw);
            if (!parsed.success) {
              throw new MalformedResponseError(
                `the server's answer is not a chat completion (${parsed.error.issues[0]?.message ?? "bad shape"})`,
              );
            }
            const u = parsed.data.usage;
            if (u) settle(u.prompt_tokens + u.completion_tokens);
            return parsed.data;
          },
          { tokens, signal: request.signal },
        ),
      this.policy,
      { ...this.retryHooks, signal: request.signal },
    );
  }

  private addUsage(
    usage: Usage,
    completion: Completion,
    body: OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming,
    text: string,
    calls: ToolCall[],
  ): void {
    const u = completion.usage;
    if (u) {
      usage.promptTokens += u.prompt_tokens;
      usage.completionTokens += u.completion_tokens;
      usage.cachedTokens += u.prompt_tokens_details?.cached_tokens ?? 0;
      return;
    }
    usage.estimated = true;
    usage.promptTokens += estimatePromptTokens(
      body.messages.map((m) => ({ role: "user", content: typeof m.content === "string" ? m.content : JSON.stringify(m.content ?? "") })),
      [body.tools, body.response_format],
    );
    usage.completionTokens += estimateTokens(text) + calls.reduce((n, c) => n + estimateTokens(c.function.name + c.function.arguments), 0);
  }

  /** Map a final (non-retried or exhausted) failure to a typed, redacted error. */
  toModelError(err: unknown): ModelError {
    if (err instanceof ModelError) return err;
    const attempts = (err as Attempted).attempts;
    const opts = { model: this.id, attempts, cause: err };
    const tries = attempts && attempts > 1 ? ` after ${attempts} attempts` : "";
    if (isAbort(err)) return new ModelAbortError("request aborted", opts);
    if (isTimeout(err)) {
      return new ModelTimeoutError(`no answer within ${this.timeoutMs} ms${tries}`, { ...opts, timeoutMs: this.timeoutMs });
    }
    if (err instanceof OpenAI.APIError && typeof err.status === "number") {
      const msg = redact(serverMessage(err), [this.apiKey]);
      const s = err.status;
      const o = { ...opts, status: s };
      if (s === 401 || s === 403) return new ModelAuthError(`${s === 401 ? "authentication failed" : "permission denied"} (${s}): ${msg}`, o);
      if (s === 429) return new ModelUnavailableError(`rate limited (429)${tries}: ${msg}`, o);
      if (s >= 500) return new ModelUnavailableError(`server error (${s})${tries}: ${msg}`, o);
      return new ModelRequestError(`request refused (${s}): ${msg}`, o);
    }
    if (err instanceof OpenAI.APIConnectionError) {
      return new ModelUnavailableError(`connection failed${tries}: ${redact(shortError(err), [this.apiKey])}`, opts);
    }
    if (err instanceof MalformedResponseError || err instanceof SyntaxError) {
      return new ModelUnavailableError(`malformed answer${tries}: ${redact(err.message, [this.apiKey])}`, opts);
    }
    return new ModelError(`request failed: ${redact(shortError(err), [this.apiKey])}`, opts);
  }
}

function shortError(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: unknown }).cause;
    const c = cause instanceof Error && cause.message && cause.message !== err.message ? ` (${cause.message})` : "";
    return `${err.message}${c}`;
  }
  return String(err);
}

function stripCredentials(url: string): string {
  try {
    const u = new URL(url);
    u.username = "";
    u.password = "";
    u.search = "";
    return u.toString().replace(/\/$/, "");
  } catch {
    return "invalid-url";
  }
}

/** Read tool calls from a prompted (non-native) answer: {"tool_calls": [...]} or {"content": "..."} or plain text. */
export function parsePromptedTools(
  text: string,
  toolChoice: ChatRequest["toolChoice"],
): { toolCalls: ToolCall[]; text: string; problem?: string } {
  const parsed = parseJsonLoose(text);
  const mustCall = toolChoice === "required" || typeof toolChoice === "object";
  if (!parsed.ok || typeof parsed.value !== "object" || parsed.value === null || Array.isArray(parsed.value)) {
    if (mustCall) {
      return { toolCalls: [], text, problem: 'the reply must be a JSON object {"tool_calls": [{"name": ..., "arguments": {...}}]}' };
    }
    return { toolCalls: [], text };
  }
  const obj = parsed.value as { tool_calls?: unknown; content?: unknown };
  if (obj.tool_calls === undefined) {
    return { toolCalls: [], text: typeof obj.content === "string" ? obj.content : text };
  }
  if (!Array.isArray(obj.tool_calls)) return { toolCalls: [], text, problem: '"tool_calls" must be an array' };
  const calls: ToolCall[] = [];
  for (const [i, c] of obj.tool_calls.entries()) {
    const call = c as { name?: unknown; arguments?: unknown; function?: { name?: unknown; arguments?: unknown } };
    const name = call.name ?? call.function?.name;
    const args = call.arguments ?? call.function?.arguments ?? {};
    if (typeof name !== "string" || name === "") return { toolCalls: [], text, problem: `tool_calls[${i}] has no "name"` };
    calls.push({
      id: `call_${hashToUint32(`${text}/${i}`).toString(36)}`,
      type: "function",
      function: { name, arguments: typeof args === "string" ? args : JSON.stringify(args) },
    });
  }
  return { toolCalls: calls, text: typeof obj.content === "string" ? obj.content : "" };
}

export type { ChatTool, JsonSchema };
