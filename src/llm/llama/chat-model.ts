/**
 * The `llama:` ChatModel: in-process local inference through node-llama-cpp (pinned 3.21.1, an optional
 * dependency), on an engine shared per model file (engine.ts).
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
 *   node-llama-cpp's subset by `normalizeSchemaForGrammar` (grammar-schema.ts); the answer is then validated with
 *   ajv against the ORIGINAL schema, like tool-call arguments. Invalid output is a ModelOutputError (never
 *   silently accepted).
 */
import { createHash } from "node:crypto";
import { renderPrompt } from "../../core/index.js";
import type {
  ChatHistoryItem,
  ChatModelFunctionCall,
  ChatModelFunctions,
  ChatModelResponse,
  GbnfJsonSchema,
  LlamaChatResponse,
  LlamaGrammar,
} from "node-llama-cpp";
import type { JsonSchema, Message, ToolCall, Usage } from "../../core/index.js";
import { ModelAbortError, ModelOutputError, ModelRequestError } from "../errors.js";
import type { ChatModel, ChatRequest, ChatResult, ChatTool, FinishReason } from "../types.js";
import { validateToolValue } from "../validate.js";
import { resolveLlamaModelFile } from "./download.js";
import { acquireEngine, acquireSlot, releaseEngine, releaseSlot, type Engine } from "./engine.js";
import { normalizeSchemaForGrammar, stripOmittedOptionals } from "./grammar-schema.js";
import type { LlamaModelOptions } from "./spec.js";

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
    await releaseEngine(this.engine);
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
      const note = renderPrompt("llama-forced-call", { tools: doc });
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
      // Checking the value against the schema is the caller's (generateObject), as for every backend.
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
    const check = validateToolValue(tool.name, "parameters", tool.parameters, value);
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

/**
 * Create a ChatModel for `llama:<path.gguf | hf:...>`. The weights are loaded once per process and shared (see
 * the file comment). Throws ModelConfigError when node-llama-cpp is missing, the file does not exist or does not
 * load, or an `hf:` model cannot be downloaded.
 */
export async function createLlamaModel(spec: string, options: LlamaModelOptions = {}): Promise<ChatModel> {
  const { id, path } = await resolveLlamaModelFile(spec, options);
  const engine = await acquireEngine(path, id, options);
  return new LlamaChatModel(id, engine, options);
}
