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
import { makeCallId } from "../core/index.js";
import type { JsonSchema, Message, ToolCall, Usage } from "../core/index.js";
import {
  ModelAbortError,
  ModelAuthError,
  ModelConfigError,
  ModelError,
  ModelRequestError,
  type ModelErrorOptions,
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
import { normalizeArguments, parseKeepingNumbers, parseTextToolCalls, splitReasoning } from "../core/index.js";

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
  /**
   * Step-downs known before the first request (from a stored `toolflow doctor` profile, src/doctor): the run
   * starts in that form instead of learning it from refusals.
   */
  startMode?: OpenAIStartMode;
}

/** Where a model starts (see `startMode`): every field is a step-down the server would otherwise force. */
export interface OpenAIStartMode {
  /** How structured output is first asked for (nativeJsonSchema: false still means "prompted"). */
  jsonMode?: "json_schema" | "json_object" | "prompted";
  /** Send tool and response schemas cleaned of rejected keywords (cleanSchema). */
  cleanSchemas?: boolean;
  /** Send tool_choice required/named as "auto" with an instruction. */
  toolChoiceAutoOnly?: boolean;
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
  /** A fetch of its own (tests), in place of the one `http` picks. */
  fetch?: typeof fetch;
}): OpenAI {
  const http = options.http ?? transportFromEnv();
  return new OpenAI({
    apiKey: options.apiKey,
    baseURL: options.baseURL,
    maxRetries: 0,
    timeout: options.timeoutMs,
    ...(http === "global" ? {} : { fetch: nodeFetch }),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
}

/**
 * The API key and base URL of `openai:<model>`: the options', else OPENAI_API_KEY / OPENAI_BASE_URL. A server given
 * by URL may need no key ("no-key" is sent); the OpenAI API without a key is a ModelConfigError.
 */
export function openAICredentials(
  model: string,
  options: Pick<OpenAIModelOptions, "baseURL" | "apiKey" | "env">,
): { apiKey: string; baseURL: string | undefined } {
  const env = options.env ?? process.env;
  const baseURL = options.baseURL ?? env.OPENAI_BASE_URL ?? undefined;
  const apiKey = options.apiKey ?? env.OPENAI_API_KEY;
  if (apiKey) return { apiKey, baseURL };
  if (!baseURL) {
    throw new ModelConfigError(`openai:${model}: no API key: set OPENAI_API_KEY (or give --base-url for a local server that needs none)`);
  }
  return { apiKey: "no-key", baseURL };
}

/** A 401 / 403 as a ModelAuthError with the server's (already redacted) message; undefined for any other status. */
export function authFailure(status: number, message: string, options: ModelErrorOptions): ModelAuthError | undefined {
  if (status !== 401 && status !== 403) return undefined;
  return new ModelAuthError(`${status === 401 ? "authentication failed" : "permission denied"} (${status}): ${message}`, options);
}

/** The part of a chat completion we use, validated before use (servers can send anything). */
const CompletionZ = z.object({
  choices: z
    .array(
      z.object({
        message: z.object({
          content: z.string().nullable().optional(),
          /** DeepSeek, vLLM < 0.10 */
          reasoning_content: z.string().nullable().optional(),
          /** vLLM >= 0.10, OpenRouter, Ollama */
          reasoning: z.string().nullable().optional(),
          tool_calls: z
            .array(
              z.object({
                id: z.string().nullable().optional(),
                type: z.string().nullable().optional(),
                // TGI and llama.cpp send an object; the API a string (sometimes almost JSON)
                function: z.object({
                  name: z.string(),
                  arguments: z.union([z.string(), z.record(z.string(), z.unknown())]).nullable().optional(),
                }),
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
      /** DeepSeek */
      prompt_cache_hit_tokens: z.number().nullable().optional(),
    })
    .nullable()
    .optional(),
});
type Completion = z.infer<typeof CompletionZ>;

/**
 * Arguments sent as a JSON object (llama.cpp's server, TGI) are re-read from the body's text with their numbers as
 * written: JSON.parse makes 2.0 the integer 2, and BFCL's checker refuses an int where a list of floats is expected.
 * Each object becomes its own text (what a server that sends strings would have sent).
 */
function keepObjectArgumentNumbers(completion: Completion, rawText: string): void {
  const calls = completion.choices[0]?.message.tool_calls;
  if (!calls?.some((c) => c.function.arguments !== null && typeof c.function.arguments === "object")) return;
  let lossless: unknown;
  try {
    lossless = parseKeepingNumbers(rawText);
  } catch {
    return;
  }
  const rawCalls = (lossless as { choices?: { message?: { tool_calls?: { function?: { arguments?: unknown } }[] } }[] })
    .choices?.[0]?.message?.tool_calls;
  calls.forEach((c, i) => {
    const args = rawCalls?.[i]?.function?.arguments;
    if (c.function.arguments !== null && typeof c.function.arguments === "object" && args !== null && typeof args === "object") {
      c.function.arguments = normalizeArguments(args);
    }
  });
}

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

/** The server's own message of a failed request (without a leading status code), or the error's message. */
export function serverMessage(err: unknown): string {
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

function toOpenAIMessages(request: ChatRequest, nativeTools: boolean, sendReasoning = false): OAMessage[] {
  const out = toOpenAIMessagesPlain(request.messages, nativeTools);
  if (!sendReasoning) return out;
  // DeepSeek's thinking mode: every earlier assistant turn carries its reasoning_content (empty when none is known)
  return out.map((m, i) =>
    m.role === "assistant" && request.messages[i]?.role === "assistant"
      ? ({ ...m, reasoning_content: request.reasoning?.[i] ?? "" } as OAMessage)
      : m,
  );
}

function toOpenAIMessagesPlain(messages: Message[], nativeTools: boolean): OAMessage[] {
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

type JsonMode = "json_schema" | "json_object" | "prompted";
interface BodyMode {
  nativeTools: boolean;
  /** How structured output is asked for (undefined: the request asks for none). */
  json: JsonMode | undefined;
  /** Schemas cleaned of rejected keywords. */
  clean: boolean;
  /** tool_choice required/named sent as "auto" with an instruction. */
  autoChoice: boolean;
  /** Earlier assistant turns carry their `reasoning_content`. */
  reasoning: boolean;
}

/** DeepSeek's thinking mode: 400 "Missing `reasoning_content` field in the assistant message at message index 2". */
const REASONING_DEMANDED_RE = /reasoning_content/i;

/** Gemini's OpenAI endpoint: 400 "Invalid JSON payload received. Unknown name \"additionalProperties\" at …". */
const REJECTED_KEYWORD_RE = /unknown name[^a-z]*(additionalProperties|\$schema|const)\b|invalid json payload/i;

/** Whether a server's message says it rejects schema keywords (send the schemas through cleanSchema instead). */
export function rejectsSchemaKeywords(message: string): boolean {
  return REJECTED_KEYWORD_RE.test(message);
}

/** Whether a server's message says it refuses tool_choice "required" or named (send "auto" with an instruction instead). */
export function refusesToolChoice(message: string): boolean {
  return /tool_choice/i.test(message) && !/auto.{0,3} tool choice requires/i.test(message);
}

/**
 * A JSON schema without the keywords some servers reject: `additionalProperties`, `$schema`, `$id`; `const`
 * becomes a one-value `enum`. Property names are kept (only keywords of schema objects are touched).
 */
export function cleanSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(cleanSchema);
  if (schema === null || typeof schema !== "object") return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema as Record<string, unknown>)) {
    if (k === "additionalProperties" || k === "$schema" || k === "$id") continue;
    if (k === "const") {
      out.enum = [v];
      continue;
    }
    if (k === "properties" || k === "$defs" || k === "definitions" || k === "patternProperties") {
      out[k] =
        v && typeof v === "object" && !Array.isArray(v)
          ? Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([name, sub]) => [name, cleanSchema(sub)]))
          : v;
      continue;
    }
    if (k === "enum" || k === "default" || k === "examples" || k === "required") {
      out[k] = v;
      continue;
    }
    out[k] = cleanSchema(v);
  }
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
  /** How structured output is asked for now (stepped down when refused or ignored). */
  private jsonMode: JsonMode;
  /** nativeJsonSchema: true — json_schema only, never stepped down. */
  private readonly jsonPinned: boolean;
  /** tool_choice required/named was refused: send "auto" with an instruction. */
  private toolChoiceAutoOnly = false;
  /** The server rejected schema keywords: send tool / response schemas without them. */
  private cleanSchemas = false;
  /** The server wants earlier assistant turns' reasoning back (DeepSeek thinking mode): send `reasoning_content`. */
  private sendReasoning = false;
  private readonly apiKey: string;
  private readonly log: (line: string) => void;
  private readonly retryHooks: RetryHooks;

  constructor(
    readonly model: string,
    private readonly options: OpenAIModelOptions = {},
  ) {
    if (!model) throw new ModelConfigError('the openai backend needs a model name: "openai:<model>"');
    const { apiKey, baseURL } = openAICredentials(model, options);
    if (apiKey !== "no-key") registerSecret(apiKey); // the placeholder for key-less local servers is no secret
    this.apiKey = apiKey;
    this.id = `openai:${model}`;
    this.endpoint = endpointOf(baseURL);
    this.policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.limiter = options.limiter ?? new RequestLimiter();
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.nativeTools = options.nativeTools ?? "auto";
    this.jsonMode = options.nativeJsonSchema === false ? "prompted" : "json_schema";
    this.jsonPinned = options.nativeJsonSchema === true;
    // Known step-downs (startMode, from a stored doctor profile).
    const start = options.startMode;
    if (start?.jsonMode && (options.nativeJsonSchema ?? "auto") === "auto") this.jsonMode = start.jsonMode;
    if (start?.cleanSchemas) this.cleanSchemas = true;
    if (start?.toolChoiceAutoOnly) this.toolChoiceAutoOnly = true;
    this.log = options.log ?? (() => {});
    this.retryHooks = {
      classify: (err) => classifyFailure(err, this.policy),
      onRetry: ({ retry, delayMs, error }) =>
        this.log(`${this.id}: attempt ${retry} failed (${redact(shortError(error), [this.apiKey])}); retrying in ${Math.round(delayMs)} ms`),
    };
    this.client = createOpenAIClient({ apiKey, baseURL, timeoutMs: this.timeoutMs, http: options.http });
  }

  /**
   * One logical request: sent (with retries) and returned as the model said it. Where the server lacks a feature,
   * the request is stepped down and re-sent, and the step is remembered for the rest of the run ("Servers as they
   * are" in docs/llm.md): json_schema -> json_object -> prompted JSON; tool_choice required/named -> auto with an
   * instruction; native tools -> prompted tools; tool schemas cleaned of keywords the server rejects. The answer is
   * read as servers send it: calls written as text, arguments as objects or almost-JSON, missing ids, reasoning in
   * its own field or in `<think>`. Nothing is validated or re-asked here; generateObject / generateChecked do that.
   */
  async chat(request: ChatRequest): Promise<ChatResult> {
    const tools = request.tools && request.tools.length > 0 ? request.tools : undefined;
    const usage: Usage = { promptTokens: 0, completionTokens: 0, cachedTokens: 0, estimated: false };
    for (;;) {
      const useNativeTools = tools !== undefined && this.nativeTools !== false;
      const jsonMode = request.responseFormat !== undefined ? this.jsonMode : undefined;
      const mode: BodyMode = { nativeTools: useNativeTools, json: jsonMode, clean: this.cleanSchemas, autoChoice: this.toolChoiceAutoOnly, reasoning: this.sendReasoning };
      // Built when the request gets a slot (not while it waits behind others), once for all its attempts.
      let built: OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming | undefined;
      let completion: Completion;
      try {
        completion = await this.send(() => (built ??= this.buildBody(request, mode)), request);
      } catch (err) {
        if (this.stepDown(err, request, mode)) continue;
        throw this.toModelError(err);
      }
      if (this.nativeTools === "auto" && useNativeTools) this.nativeTools = true;
      const choice = completion.choices[0]!;
      const raw = choice.message.content ?? "";
      let finishReason = mapFinish(choice.finish_reason);
      let calls = (choice.message.tool_calls ?? []).map((c) => ({
        serverId: c.id ?? "",
        name: c.function.name,
        arguments: normalizeArguments(c.function.arguments),
      }));
      let body = raw;
      if (tools && calls.length === 0) {
        // Calls written as text (a tool-call parser that does not fit the model), read from the whole text:
        // a call inside <think> is a call, the reasoning around it stays reasoning.
        const found = parseTextToolCalls(raw, tools.map((t) => t.name));
        if (found.calls.length > 0) {
          calls = found.calls.map((c) => ({ serverId: "", ...c }));
          body = found.text;
          finishReason = "tool_calls";
        }
      }
      const split = splitReasoning(body);
      let text = split.text;
      const reasoning = [choice.message.reasoning_content, choice.message.reasoning, split.reasoning]
        .filter((r): r is string => typeof r === "string" && r.trim() !== "")
        .map((r) => r.trim())
        .join("\n\n");
      if (tools && !useNativeTools && calls.length === 0) {
        // A prompted answer that is not the tool-call JSON stays text; the caller's check says what is wrong.
        const prompted = parsePromptedTools(text, request.toolChoice);
        if (!prompted.problem) {
          calls = prompted.calls.map((c) => ({ serverId: "", ...c }));
          text = prompted.text;
          if (calls.length > 0) finishReason = "tool_calls";
        }
      }
      // Every id toolflow writes is 9 alphanumeric characters (Mistral's rule); server ids are not kept.
      const toolCalls: ToolCall[] = calls.map((c, i) => ({
        id: makeCallId(`${request.messages.length}/${i}/${c.serverId}/${c.name}/${c.arguments}/${raw}`),
        type: "function" as const,
        function: { name: c.name, arguments: c.arguments },
      }));
      this.addUsage(usage, completion, built ?? this.buildBody(request, mode), text, toolCalls);
      const freeText = toolCalls.length === 0 && finishReason === "stop" && text.trim() !== "";
      if (jsonMode !== undefined && jsonMode !== "prompted" && !this.jsonPinned && freeText && !parseJsonLoose(text).ok) {
        // Accepted but ignored (free text with 200, as llama-server does): generateObject re-asks; from now on
        // this model gets prompted JSON, which such servers follow. (Empty or cut-off answers are not counted.)
        this.jsonMode = "prompted";
        this.log(`${this.id}: the server ignored response_format ${jsonMode}; using prompted JSON`);
      }
      const result: ChatResult = { text, toolCalls, finishReason, usage, model: this.id };
      if (reasoning !== "") result.reasoning = reasoning;
      return result;
    }
  }

  /** After a refused request: change what is sent (remembered for the model) and say whether to re-send. */
  private stepDown(err: unknown, request: ChatRequest, mode: BodyMode): boolean {
    if (!(err instanceof OpenAI.APIError) || (err.status !== 400 && err.status !== 422 && err.status !== 501)) return false;
    const msg = serverMessage(err);
    const hasTools = mode.nativeTools;
    if (!mode.reasoning && REASONING_DEMANDED_RE.test(msg) && request.messages.some((m) => m.role === "assistant")) {
      if (!this.sendReasoning) this.log(`${this.id}: the server wants the reasoning of earlier assistant turns back; sending reasoning_content`);
      this.sendReasoning = true;
      return true;
    }
    if (!mode.clean && (hasTools || mode.json === "json_schema") && rejectsSchemaKeywords(msg)) {
      if (!this.cleanSchemas) this.log(`${this.id}: the server rejects schema keywords (${msg.slice(0, 120)}); sending cleaned schemas`);
      this.cleanSchemas = true;
      return true;
    }
    if (mode.json && mode.json !== "prompted" && !this.jsonPinned && looksUnsupported(err, "json")) {
      const next: JsonMode = mode.json === "json_schema" ? "json_object" : "prompted";
      if (this.jsonMode === "prompted" || this.jsonMode === next) return true; // another request stepped down already
      this.jsonMode = next;
      this.log(`${this.id}: server refused response_format ${mode.json}; using ${this.jsonMode === "prompted" ? "prompted JSON" : "json_object"}`);
      return true;
    }
    const forced = request.toolChoice === "required" || typeof request.toolChoice === "object";
    if (hasTools && forced && !mode.autoChoice && refusesToolChoice(msg)) {
      this.toolChoiceAutoOnly = true;
      this.log(`${this.id}: server refused tool_choice ${JSON.stringify(request.toolChoice)}; sending "auto" with an instruction`);
      return true;
    }
    if (hasTools && this.nativeTools === false) return true; // another request found out meanwhile
    if (hasTools && this.nativeTools === "auto" && looksUnsupported(err, "tools")) {
      this.nativeTools = false;
      this.log(`${this.id}: server has no native tool calls; using prompted tool calls`);
      return true;
    }
    return false;
  }

  private buildBody(request: ChatRequest, mode: BodyMode): OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming {
    const nativeTools = mode.nativeTools;
    let messages = toOpenAIMessages(request, nativeTools, mode.reasoning);
    const tools = request.tools && request.tools.length > 0 ? request.tools : undefined;
    const schema = request.responseFormat?.schema;
    if (schema && mode.json !== "json_schema") {
      messages = withInstructions(
        messages,
        renderPrompt("llm-json-instructions", { name: request.responseFormat?.name ?? "response", schema: JSON.stringify(schema) }),
      );
    }
    const tc = request.toolChoice;
    if (tools && !nativeTools) {
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
    const clean = (x: JsonSchema): Record<string, unknown> =>
      (mode.clean ? cleanSchema(x) : x) as Record<string, unknown>;
    if (tools && nativeTools) {
      body.tools = tools.map((t) => ({
        type: "function",
        function: { name: t.name, description: t.description, parameters: clean(t.parameters) },
      }));
      if (tc !== undefined) {
        const forced = tc === "required" || typeof tc === "object";
        if (forced && mode.autoChoice) {
          body.tool_choice = "auto";
          body.messages = withInstructions(
            body.messages,
            typeof tc === "object"
              ? `In this reply you must call the tool ${tc.name}; do not answer with text only.`
              : "In this reply you must call one of the tools; do not answer with text only.",
          );
        } else body.tool_choice = typeof tc === "object" ? { type: "function", function: { name: tc.name } } : tc;
      }
    }
    if (schema && mode.json === "json_schema") {
      body.response_format = {
        type: "json_schema",
        json_schema: { name: schemaName(request.responseFormat?.name ?? "response"), schema: clean(schema), strict: false },
      };
    } else if (schema && mode.json === "json_object") {
      body.response_format = { type: "json_object" };
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
            const response = await this.client.chat.completions
              .create(body(), { signal: request.signal, timeout: this.timeoutMs })
              .asResponse();
            const rawText = await response.text();
            let raw: unknown;
            try {
              raw = JSON.parse(rawText);
            } catch {
              throw new MalformedResponseError(`the server's answer is not JSON: ${JSON.stringify(rawText.slice(0, 120))}`);
            }
            const parsed = CompletionZ.safeParse(raw);
            if (!parsed.success) {
              throw new MalformedResponseError(
                `the server's answer is not a chat completion (${parsed.error.issues[0]?.message ?? "bad shape"})`,
              );
            }
            const u = parsed.data.usage;
            if (u) settle(u.prompt_tokens + u.completion_tokens);
            keepObjectArgumentNumbers(parsed.data, rawText);
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
      usage.cachedTokens += u.prompt_tokens_details?.cached_tokens ?? u.prompt_cache_hit_tokens ?? 0;
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
      const auth = authFailure(s, msg, o);
      if (auth) return auth;
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

/** An endpoint as toolflow names it (cache namespace, stored endpoint profiles): the base URL without credentials or query. */
export function endpointOf(baseURL: string | undefined): string {
  if (!baseURL) return "https://api.openai.com/v1";
  try {
    const u = new URL(baseURL);
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
): { calls: Array<{ name: string; arguments: string }>; text: string; problem?: string } {
  // numbers kept as written (2.0 stays 2.0 in the arguments)
  const parsed = parseJsonLoose(text, parseKeepingNumbers);
  const mustCall = toolChoice === "required" || typeof toolChoice === "object";
  if (!parsed.ok || typeof parsed.value !== "object" || parsed.value === null || Array.isArray(parsed.value)) {
    if (mustCall) {
      return { calls: [], text, problem: 'the reply must be a JSON object {"tool_calls": [{"name": ..., "arguments": {...}}]}' };
    }
    return { calls: [], text };
  }
  const obj = parsed.value as { tool_calls?: unknown; content?: unknown };
  if (obj.tool_calls === undefined) {
    return { calls: [], text: typeof obj.content === "string" ? obj.content : text };
  }
  if (!Array.isArray(obj.tool_calls)) return { calls: [], text, problem: '"tool_calls" must be an array' };
  const calls: Array<{ name: string; arguments: string }> = [];
  for (const [i, c] of obj.tool_calls.entries()) {
    const call = c as { name?: unknown; arguments?: unknown; function?: { name?: unknown; arguments?: unknown } };
    const name = call.name ?? call.function?.name;
    const args = call.arguments ?? call.function?.arguments ?? {};
    if (typeof name !== "string" || name === "") return { calls: [], text, problem: `tool_calls[${i}] has no "name"` };
    calls.push({ name, arguments: normalizeArguments(args) });
  }
  return { calls, text: typeof obj.content === "string" ? obj.content : "" };
}

export type { ChatTool, JsonSchema };
