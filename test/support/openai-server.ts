/**
 * A local OpenAI-compatible HTTP server for tests and benchmarks (127.0.0.1, random port).
 *
 *   const server = await startOpenAIServer({ apiKey: "sk-test", script: ["429", { content: "hi" }] });
 *   const client = new OpenAI({ baseURL: server.baseURL, apiKey: "sk-test" });
 *   ...
 *   server.requests.length; await server.close();
 *
 * Endpoints: POST /v1/chat/completions (text, native tool_calls, `response_format: json_schema`, SSE when
 * `stream: true`), POST /v1/embeddings (deterministic unit vectors from a hash of each text; float or base64),
 * GET /v1/models.
 *
 * How a chat request is answered, in order:
 *   1. the next step of `script` (a queue, consumed one per chat request), if any is left;
 *   2. `respond(request)` if given and it returns a step;
 *   3. a fault drawn by `faultRate` / `faults` (seeded, so runs repeat);
 *   4. the generic responder: with response_format json_schema -> a minimal valid instance of the schema;
 *      with tools and tool_choice "required" or a named function -> a call whose arguments validate;
 *      otherwise text echoing the last user message.
 * A step is either an answer ({ content }, { json }, { toolCalls }) or a fault (a FaultKind string, or
 * { fault: kind, ...details }). Faults: 429 (with Retry-After / retry-after-ms), 500/502/503, hang (no answer
 * until the client gives up), reset (connection destroyed), malformed (200 with a broken JSON body),
 * invented-tool, bad-args, non-json (plain text where JSON was asked), no-usage, or any HTTP error by status.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { createHash } from "node:crypto";
import { pathToFileURL } from "node:url";
import { Rng } from "../../src/core/index.js";
import { schemaExample } from "../../src/sim/index.js";
import { inventedValue } from "./invent.js";

export type FaultKind =
  | "429"
  | "500"
  | "502"
  | "503"
  | "hang"
  | "reset"
  | "malformed"
  | "invented-tool"
  | "bad-args"
  | "non-json"
  | "no-usage";

export interface FaultStep {
  fault: FaultKind | "http";
  /** For 429: Retry-After header value (seconds as a number, or a string such as an HTTP date). */
  retryAfter?: number | string;
  /** For 429: retry-after-ms header value. */
  retryAfterMs?: number;
  /** For "http": the status to send. */
  status?: number;
  /** Error message in the body (for 4xx/5xx). */
  message?: string;
  /** Error `code` in the body, e.g. "invalid_api_key", "context_length_exceeded". */
  code?: string;
  delayMs?: number;
}

export interface AnswerStep {
  /** Assistant text. */
  content?: string | null;
  /** Shorthand for content = JSON.stringify(json). */
  json?: unknown;
  /** Tool calls; arguments may be an object (stringified) or a raw string (sent as is). */
  toolCalls?: Array<{ name: string; arguments: unknown; id?: string }>;
  finishReason?: string;
  /** Usage to report; null omits the usage field. Default: counts from text lengths. */
  usage?: { prompt_tokens: number; completion_tokens: number; cached_tokens?: number } | null;
  delayMs?: number;
}

/** "generic" forces the generic responder for this step. */
export type ScriptStep = FaultKind | FaultStep | AnswerStep | "generic";

export interface RecordedRequest {
  /** 0-based order of arrival over all endpoints. */
  index: number;
  method: string;
  path: string;
  /** Parsed JSON body (undefined when the body was not JSON). */
  body: unknown;
  /** Arrival time in ms (performance.timeOrigin + performance.now()). */
  at: number;
  /** Whether the Authorization header carried the expected key (true when no key is configured). */
  authorized: boolean;
  /** What the server did: "answer", "generic", a fault kind, "401", "404", "400". */
  outcome?: string;
}

export interface OpenAIServerOptions {
  /** Expected API key; requests without `Authorization: Bearer <apiKey>` get 401. Unset: no check. */
  apiKey?: string;
  /** Echo the presented key in the 401 message (as some servers do), to test redaction. Default true. */
  echoKeyOn401?: boolean;
  /** Fixed latency for every answer, or a function of the request. Default 0. */
  latencyMs?: number | ((request: RecordedRequest) => number);
  /** Queue of steps for chat requests, consumed in order. */
  script?: ScriptStep[];
  /** Called when the script is empty; return undefined for the generic responder. */
  respond?: (request: RecordedRequest & { body: ChatBody }) => ScriptStep | undefined;
  /** Probability of a random fault per chat request (after script/respond). Default 0. */
  faultRate?: number;
  /** Which faults `faultRate` draws from. Default ["429", "500", "reset"]. */
  faults?: FaultKind[];
  /** Retry-After (seconds) sent with random 429s. Default 0. */
  faultRetryAfter?: number;
  /** Seed for fault draws. */
  seed?: number;
  /** Embedding dimension when the request does not give `dimensions`. Default 64. */
  embeddingDimension?: number;
  /** Model ids listed by GET /v1/models. */
  models?: string[];
  /** Keep only the last N request records (0 = keep none; default: keep all). For long benchmarks. */
  keepRequests?: number;
  /** Reject response_format json_schema with a 400 like servers without structured output. */
  noJsonSchema?: boolean;
  /** Reject `tools` with a 400 like servers without native tool calls. */
  noTools?: boolean;
  /** Behave like a real server with its known quirks (see ServerProfile). */
  profile?: ServerProfile;
}

/**
 * Real servers' known quirks, applied to every chat answer (scripted, `respond` or generic):
 * - `vllm-hermes-text`: calls as `<tool_call>{…}</tool_call>` text in `content`, `tool_calls` empty, finish "stop";
 * - `sglang-qwen25`: calls as `<tool_call>` text in `content` and yet `finish_reason: "tool_calls"` with
 *   `tool_calls: []` (SGLang's qwen25 parser);
 * - `vllm-llama-json`: calls as bare `{"name": …, "parameters": …}` text (a list for several; `<|python_tag|>`
 *   every other answer);
 * - `mistral`: 400 when a message carries a call id that is not 9 characters [A-Za-z0-9]; its own ids are 9 alnum;
 * - `ollama`: ignores `tool_choice`;
 * - `llamacpp-object-args`: `arguments` as a JSON object, no call ids;
 * - `deepseek-reasoning`: `reasoning_content` beside the answer, cached tokens as `prompt_cache_hit_tokens`;
 * - `deepseek-thinking-strict`: as `deepseek-reasoning`, and 400 "Missing `reasoning_content` field in the assistant
 *   message at message index N" when an earlier assistant message does not carry its `reasoning_content` back
 *   (DeepSeek's thinking mode);
 * - `qwen3-think`: `<think>…</think>` before the answer, calls as `<tool_call>` text, every other one inside the
 *   think block;
 * - `gemini-openai`: 400 "Invalid JSON payload received. Unknown name …" on `additionalProperties`, `$schema`,
 *   `const` in tool parameters or the response schema; empty call ids;
 * - `lmstudio`: 400 on `response_format` `json_object` (only `json_schema` or `text`);
 * - `no-usage`: no `usage` in answers.
 * - `inventing-assistant` (not a server quirk but a model's: left out of SERVER_PROFILES): in about 20 % of the
 *   tool calls it answers, one argument value is swapped for an invented plausible one (another id, a shifted
 *   date, another place, another number), decided by a hash of the request and the call, so a re-ask (a longer
 *   request) draws again.
 */
export type ServerProfile =
  | "vllm-hermes-text"
  | "sglang-qwen25"
  | "vllm-llama-json"
  | "mistral"
  | "ollama"
  | "llamacpp-object-args"
  | "deepseek-reasoning"
  | "deepseek-thinking-strict"
  | "qwen3-think"
  | "gemini-openai"
  | "lmstudio"
  | "no-usage"
  | "inventing-assistant";

export const SERVER_PROFILES: readonly ServerProfile[] = [
  "vllm-hermes-text",
  "sglang-qwen25",
  "vllm-llama-json",
  "mistral",
  "ollama",
  "llamacpp-object-args",
  "deepseek-reasoning",
  "deepseek-thinking-strict",
  "qwen3-think",
  "gemini-openai",
  "lmstudio",
  "no-usage",
];

const NINE_ALNUM = /^[A-Za-z0-9]{9}$/;

/** The 400 message a profile answers a request with, if it refuses it. */
function profileRefusal(profile: ServerProfile | undefined, body: ChatBody): string | undefined {
  if (profile === "mistral") {
    for (const m of body.messages ?? []) {
      const ids = [
        ...(Array.isArray(m.tool_calls) ? (m.tool_calls as Array<{ id?: unknown }>).map((c) => c.id) : []),
        ...(m.role === "tool" ? [m.tool_call_id] : []),
      ];
      for (const id of ids) {
        if (typeof id !== "string" || !NINE_ALNUM.test(id)) {
          return `Tool call id was ${String(id)} but must be a-z, A-Z, 0-9, with a length of 9.`;
        }
      }
    }
  }
  if (profile === "deepseek-thinking-strict") {
    const i = (body.messages ?? []).findIndex(
      (m) => m.role === "assistant" && typeof (m as { reasoning_content?: unknown }).reasoning_content !== "string",
    );
    if (i >= 0) {
      return `Missing \`reasoning_content\` field in the assistant message at message index ${i}. For more information, please refer to https://api-docs.deepseek.com/guides/thinking_mode`;
    }
  }
  if (profile === "gemini-openai") {
    const schemas = [...(body.tools ?? []).map((t) => t.function?.parameters), body.response_format?.json_schema?.schema];
    const bad = schemas.map(rejectedKeyword).find((k) => k !== undefined);
    if (bad) return `Invalid JSON payload received. Unknown name "${bad}" at 'tools[0].function.parameters': Cannot find field.`;
  }
  if (profile === "lmstudio" && body.response_format?.type === "json_object") {
    return "'response_format.type' must be 'json_schema' or 'text'";
  }
  return undefined;
}

/** The first of additionalProperties / $schema / const used as a keyword (not as a property name) in a schema. */
function rejectedKeyword(schema: unknown): string | undefined {
  if (Array.isArray(schema)) return schema.map(rejectedKeyword).find((k) => k !== undefined);
  if (schema === null || typeof schema !== "object") return undefined;
  for (const [k, v] of Object.entries(schema as Record<string, unknown>)) {
    if (k === "additionalProperties" || k === "$schema" || k === "const") return k;
    if (k === "enum" || k === "default" || k === "examples" || k === "required") continue;
    const found =
      (k === "properties" || k === "$defs" || k === "definitions") && v && typeof v === "object"
        ? Object.values(v as Record<string, unknown>).map(rejectedKeyword).find((x) => x !== undefined)
        : rejectedKeyword(v);
    if (found) return found;
  }
  return undefined;
}

let profileAnswers = 0;

/** JSON text kept as written (a call's arguments). */
class RawJson {
  constructor(readonly text: string) {}
}

/** JSON text of `value` where each RawJson is written as its own text (a server that writes 2.0 as 2.0). */
function stringifyWithRaw(value: unknown): string {
  const raws: string[] = [];
  const text = JSON.stringify(value, (_k, v: unknown) => (v instanceof RawJson ? `\u0000RAW${raws.push(v.text) - 1}\u0000` : v));
  return text.replace(/"\\u0000RAW(\d+)\\u0000"/g, (_m, i: string) => raws[Number(i)]!);
}

/** `{"name": …, "arguments": …}` with the arguments' own text. */
function callJson(name: string, args: RawJson, key = "arguments"): string {
  return `{"name": ${JSON.stringify(name)}, "${key}": ${args.text.trim() === "" ? "{}" : args.text}}`;
}

/** The share of tool calls whose arguments the `inventing-assistant` profile changes. */
export const INVENTED_CALL_SHARE = 0.2;

function inventArguments(body: ChatBody, calls: Array<{ function: { name: string; arguments: string } }>): void {
  calls.forEach((c, i) => {
    const h = createHash("sha256").update(`${JSON.stringify(body.messages)}|${i}|${c.function.arguments}`).digest();
    if (h.readUInt32BE(0) / 2 ** 32 >= INVENTED_CALL_SHARE) return;
    let args: unknown;
    try {
      args = JSON.parse(c.function.arguments);
    } catch {
      return;
    }
    if (args === null || typeof args !== "object" || Array.isArray(args)) return;
    const rec = args as Record<string, unknown>;
    const keys = Object.keys(rec).filter((k) => typeof rec[k] === "string" || typeof rec[k] === "number");
    if (keys.length === 0) return;
    const draw = h.readUInt32BE(4);
    const key = keys[draw % keys.length]!;
    rec[key] = inventedValue(rec[key] as string | number, draw);
    c.function.arguments = JSON.stringify(rec);
  });
}

/** Rewrite a completion the way the profile's server sends it. */
function applyProfile(profile: ServerProfile | undefined, completion: Record<string, unknown>, body: ChatBody): void {
  if (!profile) return;
  const choice = (completion.choices as Array<{ message: Record<string, unknown>; finish_reason: string }>)[0]!;
  const msg = choice.message;
  const calls = (msg.tool_calls as Array<{ id: string; function: { name: string; arguments: string } }> | undefined) ?? [];
  if (profile === "inventing-assistant") {
    inventArguments(body, calls);
    return;
  }
  const content = typeof msg.content === "string" ? msg.content : "";
  const n = ++profileAnswers;
  const asText = (wrap: (c: { name: string; arguments: RawJson }[]) => string) => {
    if (calls.length === 0) return;
    // the model's argument text as it wrote it (2.0 stays 2.0), the way a server passes the generated text on
    const parsed = calls.map((c) => ({ name: c.function.name, arguments: new RawJson(c.function.arguments) }));
    msg.content = wrap(parsed);
    delete msg.tool_calls;
    choice.finish_reason = "stop";
  };
  switch (profile) {
    case "vllm-hermes-text":
      asText((cs) => [content, ...cs.map((c) => `<tool_call>\n${callJson(c.name, c.arguments)}\n</tool_call>`)].filter(Boolean).join("\n"));
      break;
    case "sglang-qwen25":
      asText((cs) => [content, ...cs.map((c) => `<tool_call>\n${callJson(c.name, c.arguments)}\n</tool_call>`)].filter(Boolean).join("\n"));
      if (calls.length > 0) {
        msg.tool_calls = [];
        choice.finish_reason = "tool_calls";
      }
      break;
    case "vllm-llama-json":
      asText((cs) => {
        const ps = cs.map((c) => callJson(c.name, c.arguments, "parameters"));
        if (n % 2 === 0) return `<|python_tag|>${ps.join("; ")}<|eom_id|>`;
        return ps.length === 1 ? ps[0]! : `[${ps.join(", ")}]`;
      });
      break;
    case "mistral":
      calls.forEach((c, i) => (c.id = `M${String(n).padStart(7, "0")}${i % 10}`));
      break;
    case "llamacpp-object-args":
      for (const c of calls) {
        try {
          // an object, with its numbers as the model wrote them (llama.cpp's JSON library writes 2.0 as 2.0)
          const v = JSON.parse(c.function.arguments) as unknown;
          (c.function as { arguments: unknown }).arguments = v !== null && typeof v === "object" ? new RawJson(c.function.arguments) : v;
        } catch {
          // not JSON: passed on as the model wrote it
        }
        delete (c as { id?: string }).id;
      }
      break;
    case "gemini-openai":
      for (const c of calls) c.id = "";
      break;
    case "deepseek-reasoning":
    case "deepseek-thinking-strict": {
      msg.reasoning_content = `The user needs an answer; step ${n} of my reasoning.`;
      const u = completion.usage as { prompt_tokens_details?: unknown; prompt_cache_hit_tokens?: number } | undefined;
      if (u) {
        delete u.prompt_tokens_details;
        u.prompt_cache_hit_tokens = 0;
      }
      break;
    }
    case "qwen3-think": {
      const think = `<think>\nLet me work out what to do (${n}).\n`;
      if (calls.length > 0) {
        const tagged = calls.map((c) => `<tool_call>\n${callJson(c.function.name, new RawJson(c.function.arguments))}\n</tool_call>`).join("\n");
        msg.content = n % 2 === 0 ? `${think}${tagged}\n</think>\n\n${content}` : `${think}</think>\n\n${content}${content ? "\n" : ""}${tagged}`;
        delete msg.tool_calls;
        choice.finish_reason = "stop";
      } else msg.content = `${think}</think>\n\n${content}`;
      break;
    }
    case "ollama":
    case "lmstudio":
    case "no-usage":
      break;
  }
}

export interface ChatBody {
  model?: string;
  messages?: Array<{ role?: string; content?: unknown; tool_calls?: unknown; tool_call_id?: string }>;
  tools?: Array<{ type?: string; function?: { name?: string; description?: string; parameters?: unknown } }>;
  tool_choice?: unknown;
  response_format?: { type?: string; json_schema?: { name?: string; schema?: unknown; strict?: boolean } };
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  seed?: number;
  temperature?: number;
  max_tokens?: number;
  max_completion_tokens?: number;
}

export interface OpenAIServer {
  /** e.g. http://127.0.0.1:43123 */
  url: string;
  /** url + "/v1", for `new OpenAI({ baseURL })`. */
  baseURL: string;
  port: number;
  /** Every request received, in order of arrival. */
  requests: RecordedRequest[];
  /** Chat-completion requests only. */
  chatRequests(): RecordedRequest[];
  /** Total requests received (also counts those dropped by keepRequests). */
  count(): number;
  /** Append steps to the script queue. */
  enqueue(...steps: ScriptStep[]): void;
  close(): Promise<void>;
}

const FAULT_KINDS = new Set<string>([
  "429",
  "500",
  "502",
  "503",
  "hang",
  "reset",
  "malformed",
  "invented-tool",
  "bad-args",
  "non-json",
  "no-usage",
]);

function isFaultKind(x: unknown): x is FaultKind {
  return typeof x === "string" && FAULT_KINDS.has(x);
}

/** Deterministic unit vector for a text (SHA-256 based), as used by /v1/embeddings. */
export function hashEmbedding(text: string, dimension: number): number[] {
  const out = new Array<number>(dimension);
  let block = Buffer.alloc(0);
  let counter = 0;
  let norm = 0;
  for (let i = 0; i < dimension; i++) {
    if ((i * 2) % 32 === 0) block = createHash("sha256").update(`${counter++}:${text}`).digest();
    const v = (block.readUInt16BE((i * 2) % 32) / 65535) * 2 - 1;
    out[i] = v;
    norm += v * v;
  }
  norm = Math.sqrt(norm) || 1;
  for (let i = 0; i < dimension; i++) out[i] = (out[i] as number) / norm;
  return out;
}

function approxTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

/** Length of the messages' text joined by newlines (what prompt tokens are estimated from), without joining. */
function messageTextLength(body: ChatBody): number {
  const msgs = body.messages ?? [];
  let n = Math.max(0, msgs.length - 1);
  for (const m of msgs) n += typeof m.content === "string" ? m.content.length : m.content == null ? 0 : JSON.stringify(m.content).length;
  return n;
}

function lastUserText(body: ChatBody): string {
  const msgs = body.messages ?? [];
  for (let i = msgs.length - 1; i >= 0; i--) {
    const m = msgs[i];
    if (m?.role === "user") return typeof m.content === "string" ? m.content : JSON.stringify(m.content ?? "");
  }
  return "";
}

function requestSeed(body: ChatBody): number {
  const h = createHash("sha256").update(JSON.stringify(body)).digest();
  return h.readUInt32BE(0);
}

export async function startOpenAIServer(options: OpenAIServerOptions = {}): Promise<OpenAIServer> {
  const requests: RecordedRequest[] = [];
  const script: ScriptStep[] = [...(options.script ?? [])];
  const sockets = new Set<Socket>();
  const faultRng = new Rng(options.seed ?? 1);
  let total = 0;
  let callCounter = 0;
  const t0 = performance.timeOrigin;

  const record = (r: RecordedRequest) => {
    if (options.keepRequests === 0) return;
    requests.push(r);
    if (options.keepRequests !== undefined && requests.length > options.keepRequests) requests.shift();
  };

  const sendJson = (res: ServerResponse, status: number, payload: unknown, headers: Record<string, string> = {}) => {
    const text = stringifyWithRaw(payload);
    res.writeHead(status, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(text),
      ...headers,
    });
    res.end(text);
  };

  const sendError = (
    res: ServerResponse,
    status: number,
    message: string,
    extra: { type?: string; code?: string | null; headers?: Record<string, string> } = {},
  ) => {
    sendJson(
      res,
      status,
      { error: { message, type: extra.type ?? (status >= 500 ? "server_error" : "invalid_request_error"), param: null, code: extra.code ?? null } },
      extra.headers,
    );
  };

  const latencyFor = (r: RecordedRequest): number =>
    typeof options.latencyMs === "function" ? options.latencyMs(r) : (options.latencyMs ?? 0);

  const sleep = (ms: number) => new Promise<void>((resolve) => (ms > 0 ? setTimeout(resolve, ms) : resolve()));

  // Minimal examples depend only on the schema: generated once per distinct schema text (read-only values).
  const examples = new Map<string, unknown>();
  function minimalExample(schema: unknown): unknown {
    const key = JSON.stringify(schema) ?? "";
    if (examples.has(key)) return examples.get(key);
    const value = schemaExample(schema, { mode: "minimal" });
    if (examples.size >= 1000) examples.clear();
    examples.set(key, value);
    return value;
  }

  function genericAnswer(body: ChatBody): AnswerStep & { generic: true } {
    const rf = body.response_format;
    if (rf?.type === "json_schema" && rf.json_schema?.schema !== undefined) {
      return { generic: true, json: minimalExample(rf.json_schema.schema) };
    }
    if (rf?.type === "json_object") return { generic: true, content: "{}" };
    const tools = (body.tools ?? []).filter((t) => t.function?.name);
    const tc = body.tool_choice;
    let forced: string | undefined;
    if (typeof tc === "object" && tc !== null) {
      const fn = (tc as { function?: { name?: string } }).function;
      forced = fn?.name;
    } else if (tc === "required" && tools.length === 1) {
      forced = tools[0]?.function?.name;
    } else if (tc === "required" && tools.length > 1) {
      const rng = new Rng(requestSeed(body));
      forced = tools[rng.int(0, tools.length - 1)]?.function?.name;
    }
    if (forced) {
      const tool = tools.find((t) => t.function?.name === forced);
      const params = tool?.function?.parameters ?? { type: "object", properties: {} };
      return {
        generic: true,
        toolCalls: [{ name: forced, arguments: minimalExample(params) }],
      };
    }
    const last = lastUserText(body);
    return { generic: true, content: last ? `You said: ${last.slice(0, 200)}` : "Hello from the test server." };
  }

  function buildCompletion(body: ChatBody, answer: AnswerStep, omitUsage: boolean) {
    const id = `chatcmpl-${++callCounter}`;
    let content: string | null = answer.content ?? null;
    if (answer.json !== undefined) content = JSON.stringify(answer.json);
    const toolCalls = answer.toolCalls?.map((c, i) => ({
      id: c.id ?? `call_${callCounter}_${i}`,
      type: "function" as const,
      function: { name: c.name, arguments: typeof c.arguments === "string" ? c.arguments : JSON.stringify(c.arguments ?? {}) },
    }));
    const finish = answer.finishReason ?? (toolCalls && toolCalls.length > 0 ? "tool_calls" : "stop");
    const promptTokens = Math.max(1, Math.ceil(messageTextLength(body) / 4));
    const completionTokens = approxTokens((content ?? "") + JSON.stringify(toolCalls ?? ""));
    const usage =
      answer.usage === null || omitUsage
        ? undefined
        : answer.usage
          ? {
              prompt_tokens: answer.usage.prompt_tokens,
              completion_tokens: answer.usage.completion_tokens,
              total_tokens: answer.usage.prompt_tokens + answer.usage.completion_tokens,
              prompt_tokens_details: { cached_tokens: answer.usage.cached_tokens ?? 0 },
            }
          : {
              prompt_tokens: promptTokens,
              completion_tokens: completionTokens,
              total_tokens: promptTokens + completionTokens,
              prompt_tokens_details: { cached_tokens: 0 },
            };
    const message: Record<string, unknown> = { role: "assistant", content, refusal: null };
    if (toolCalls && toolCalls.length > 0) message.tool_calls = toolCalls;
    const completion: Record<string, unknown> = {
      id,
      object: "chat.completion",
      created: Math.floor(Date.now() / 1000),
      model: body.model ?? "test-model",
      choices: [{ index: 0, message, finish_reason: finish, logprobs: null }],
    };
    if (usage) completion.usage = usage;
    return { completion, content, toolCalls, finish, usage };
  }

  function sendStream(res: ServerResponse, body: ChatBody, built: ReturnType<typeof buildCompletion>) {
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
    const base = { id: built.completion.id, object: "chat.completion.chunk", created: built.completion.created, model: built.completion.model };
    const write = (obj: unknown) => res.write(`data: ${JSON.stringify(obj)}\n\n`);
    write({ ...base, choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }] });
    if (built.content) {
      const text = built.content;
      const size = Math.max(1, Math.ceil(text.length / 4));
      for (let i = 0; i < text.length; i += size) {
        write({ ...base, choices: [{ index: 0, delta: { content: text.slice(i, i + size) }, finish_reason: null }] });
      }
    }
    built.toolCalls?.forEach((c, i) => {
      write({
        ...base,
        choices: [{ index: 0, delta: { tool_calls: [{ index: i, id: c.id, type: "function", function: { name: c.function.name, arguments: "" } }] }, finish_reason: null }],
      });
      write({
        ...base,
        choices: [{ index: 0, delta: { tool_calls: [{ index: i, function: { arguments: c.function.arguments } }] }, finish_reason: null }],
      });
    });
    write({ ...base, choices: [{ index: 0, delta: {}, finish_reason: built.finish }] });
    if (body.stream_options?.include_usage && built.usage) write({ ...base, choices: [], usage: built.usage });
    res.write("data: [DONE]\n\n");
    res.end();
  }

  function nextStep(rec: RecordedRequest, body: ChatBody): ScriptStep {
    const scripted = script.shift();
    if (scripted !== undefined) return scripted;
    const fromFn = options.respond?.({ ...rec, body });
    if (fromFn !== undefined) return fromFn;
    if (options.faultRate && options.faultRate > 0 && faultRng.next() < options.faultRate) {
      const kinds = options.faults ?? ["429", "500", "reset"];
      const kind = faultRng.pick(kinds);
      return kind === "429" ? { fault: "429", retryAfter: options.faultRetryAfter ?? 0 } : kind;
    }
    return "generic";
  }

  async function handleChat(req: IncomingMessage, res: ServerResponse, rec: RecordedRequest): Promise<void> {
    const body = rec.body as ChatBody;
    if (!body || typeof body !== "object" || !Array.isArray(body.messages)) {
      rec.outcome = "400";
      sendError(res, 400, "'messages' is a required property");
      return;
    }
    if (options.noJsonSchema && body.response_format?.type === "json_schema") {
      rec.outcome = "400";
      sendError(res, 400, "response_format of type json_schema is not supported by this server", { code: "unsupported_response_format" });
      return;
    }
    if (options.noTools && body.tools && body.tools.length > 0) {
      rec.outcome = "400";
      sendError(res, 400, "tools are not supported by this model", { code: "tools_not_supported" });
      return;
    }
    const refusal = profileRefusal(options.profile, body);
    if (refusal) {
      rec.outcome = "400";
      sendError(res, 400, refusal);
      return;
    }
    if (options.profile === "ollama") delete body.tool_choice;
    let step = nextStep(rec, body);
    const fault: FaultStep | undefined = isFaultKind(step)
      ? { fault: step }
      : typeof step === "object" && "fault" in step
        ? step
        : undefined;
    const delay = (typeof step === "object" && step.delayMs !== undefined ? step.delayMs : undefined) ?? latencyFor(rec);
    await sleep(delay);
    if (res.destroyed || req.socket.destroyed) return;

    let answer: AnswerStep;
    let omitUsage = false;
    if (fault) {
      rec.outcome = fault.fault === "http" ? String(fault.status ?? 400) : fault.fault;
      switch (fault.fault) {
        case "429": {
          const headers: Record<string, string> = {};
          if (fault.retryAfter !== undefined) headers["retry-after"] = String(fault.retryAfter);
          if (fault.retryAfterMs !== undefined) headers["retry-after-ms"] = String(fault.retryAfterMs);
          sendError(res, 429, fault.message ?? "Rate limit reached for requests", {
            type: "requests",
            code: fault.code ?? "rate_limit_exceeded",
            headers,
          });
          return;
        }
        case "500":
        case "502":
        case "503":
          sendError(res, Number(fault.fault), fault.message ?? "The server had an error while processing your request.");
          return;
        case "http":
          sendError(res, fault.status ?? 400, fault.message ?? "Bad request", { code: fault.code ?? null });
          return;
        case "hang":
          // Never answer; the client's timeout (or close()) ends it.
          return;
        case "reset":
          req.socket.destroy();
          return;
        case "malformed": {
          const text = '{"id":"chatcmpl-broken","object":"chat.completion","choices":[{"index":0,"message":{"role":"assist';
          res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
          res.end(text);
          return;
        }
        case "invented-tool": {
          const g = genericAnswer(body);
          answer = {
            toolCalls: [{ name: "tool_that_does_not_exist", arguments: g.toolCalls?.[0]?.arguments ?? {} }],
          };
          break;
        }
        case "bad-args": {
          const tools = (body.tools ?? []).filter((t) => t.function?.name);
          const g = genericAnswer(body);
          const name = g.toolCalls?.[0]?.name ?? tools[0]?.function?.name ?? "unknown_tool";
          // Arguments that are JSON but break the schema: every property replaced by a wrong-typed value.
          answer = { toolCalls: [{ name, arguments: { __unexpected__: [1, 2, 3], ...breakArgs(g.toolCalls?.[0]?.arguments) } }] };
          break;
        }
        case "non-json":
          answer = { content: "Sure! Here is what you asked for, in plain words rather than JSON." };
          break;
        case "no-usage":
          answer = genericAnswer(body);
          omitUsage = true;
          break;
        default:
          answer = genericAnswer(body);
      }
    } else if (step === "generic") {
      rec.outcome = "generic";
      answer = genericAnswer(body);
    } else {
      rec.outcome = "answer";
      answer = step as AnswerStep;
    }
    step = answer;
    const built = buildCompletion(body, answer, omitUsage || options.profile === "no-usage");
    applyProfile(options.profile, built.completion, body);
    if (body.stream) sendStream(res, body, built);
    else sendJson(res, 200, built.completion);
  }

  async function handleEmbeddings(res: ServerResponse, rec: RecordedRequest): Promise<void> {
    const body = rec.body as { input?: unknown; model?: string; dimensions?: number; encoding_format?: string };
    const input = body?.input;
    const texts: string[] | undefined =
      typeof input === "string"
        ? [input]
        : Array.isArray(input) && input.every((x) => typeof x === "string")
          ? (input as string[])
          : undefined;
    if (!texts || texts.length === 0) {
      rec.outcome = "400";
      sendError(res, 400, "'input' must be a non-empty string or array of strings");
      return;
    }
    const dim = body.dimensions ?? options.embeddingDimension ?? 64;
    await sleep(latencyFor(rec));
    rec.outcome = "answer";
    const data = texts.map((t, index) => {
      const v = hashEmbedding(t, dim);
      const embedding = body.encoding_format === "base64" ? Buffer.from(new Float32Array(v).buffer).toString("base64") : v;
      return { object: "embedding", index, embedding };
    });
    const tokens = texts.reduce((s, t) => s + approxTokens(t), 0);
    sendJson(res, 200, { object: "list", data, model: body.model ?? "test-embedding", usage: { prompt_tokens: tokens, total_tokens: tokens } });
  }

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const index = total++;
      const raw = Buffer.concat(chunks).toString("utf8");
      let body: unknown;
      try {
        body = raw ? JSON.parse(raw) : undefined;
      } catch {
        body = undefined;
      }
      const path = (req.url ?? "/").split("?")[0] ?? "/";
      const auth = req.headers.authorization;
      const presented = typeof auth === "string" && auth.startsWith("Bearer ") ? auth.slice(7) : undefined;
      const authorized = options.apiKey === undefined || presented === options.apiKey;
      const rec: RecordedRequest = { index, method: req.method ?? "GET", path, body, at: t0 + performance.now(), authorized };
      record(rec);
      if (!authorized) {
        rec.outcome = "401";
        const shown = options.echoKeyOn401 === false ? "" : `: ${presented ?? "(none)"}`;
        sendError(res, 401, `Incorrect API key provided${shown}. You can find your API key in your account settings.`, {
          code: "invalid_api_key",
        });
        return;
      }
      const route = `${req.method} ${path.replace(/\/+$/, "")}`;
      const done = (p: Promise<void>) =>
        p.catch((err: unknown) => {
          if (!res.headersSent) sendError(res, 500, `test server failure: ${String(err)}`);
        });
      if (route === "POST /v1/chat/completions") done(handleChat(req, res, rec));
      else if (route === "POST /v1/embeddings") done(handleEmbeddings(res, rec));
      else if (route === "GET /v1/models") {
        rec.outcome = "answer";
        sendJson(res, 200, {
          object: "list",
          data: (options.models ?? ["test-model"]).map((id) => ({ id, object: "model", created: 0, owned_by: "toolflow-test" })),
        });
      } else {
        rec.outcome = "404";
        sendError(res, 404, `Unknown route ${route}`);
      }
    });
  });
  server.keepAliveTimeout = 30_000;
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const addr = server.address();
  if (addr === null || typeof addr === "string") throw new Error("test server has no TCP address");
  const url = `http://127.0.0.1:${addr.port}`;
  return {
    url,
    baseURL: `${url}/v1`,
    port: addr.port,
    requests,
    chatRequests: () => requests.filter((r) => r.path.endsWith("/chat/completions")),
    count: () => total,
    enqueue: (...steps) => void script.push(...steps),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Replace each argument with a value of the wrong type (string <-> number), for the "bad-args" fault. */
function breakArgs(args: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (args && typeof args === "object" && !Array.isArray(args)) {
    for (const [k, v] of Object.entries(args as Record<string, unknown>)) {
      out[k] = typeof v === "number" ? "not a number" : typeof v === "string" ? 12345 : typeof v === "boolean" ? "maybe" : 0;
    }
  }
  return out;
}

// Run as a process (for benchmarks): `node --import tsx test/support/openai-server.ts '{"latencyMs":50}'`
// prints {"url": ...} as one JSON line on stdout and serves until killed.
const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (invokedDirectly) {
  const opts = JSON.parse(process.argv[2] ?? "{}") as OpenAIServerOptions;
  const srv = await startOpenAIServer(opts);
  process.stdout.write(JSON.stringify({ url: srv.url, baseURL: srv.baseURL }) + "\n");
  // On SIGTERM, report the server's own CPU time (benchmarks subtract nothing: it is a separate process).
  const stop = () => {
    const cpu = process.cpuUsage();
    process.stdout.write(JSON.stringify({ served: srv.count(), cpuMs: (cpu.user + cpu.system) / 1000 }) + "\n");
    void srv.close().then(() => process.exit(0));
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}
