/**
 * `toolflow doctor`: a few small raw requests that find what an OpenAI-compatible endpoint does (plain chat, native
 * or text tool calls, tool_choice, parallel calls, json_schema, json_object, usage, cached tokens, reasoning), with
 * no step-downs and no re-asks: each answer is classified as it came back.
 */
import OpenAI from "openai";
import { authFailure, cleanSchema, createOpenAIClient, endpointOf, openAICredentials, redact, refusesToolChoice, rejectsSchemaKeywords, serverMessage } from "../llm/index.js";
import { parseJsonLoose, parseTextToolCalls, splitReasoning } from "../core/index.js";

/** What the endpoint does (the `--json` keys). */
export interface EndpointProfile {
  chat: boolean;
  /** "native": `tool_calls` (or tools accepted); "text": calls written in `content`; "none": tools refused. */
  tools: "native" | "text" | "none";
  /** How calls came back: "native", a text format ("hermes", "llama", "json", "mistral"), or null (no call seen). */
  toolCallFormat: "native" | "hermes" | "llama" | "json" | "mistral" | null;
  toolChoiceRequired: boolean;
  toolChoiceNamed: boolean;
  parallelCalls: boolean;
  jsonSchema: boolean;
  jsonObject: boolean;
  usage: boolean;
  cachedTokens: boolean;
  reasoning: boolean;
}

export const PROFILE_KEYS = [
  "chat",
  "tools",
  "toolCallFormat",
  "toolChoiceRequired",
  "toolChoiceNamed",
  "parallelCalls",
  "jsonSchema",
  "jsonObject",
  "usage",
  "cachedTokens",
  "reasoning",
] as const satisfies ReadonlyArray<keyof EndpointProfile>;

/** One probe: what was asked, whether it worked, what toolflow uses instead, and the server's (redacted) words. */
export interface DoctorCheck {
  name: string;
  ok: boolean;
  /** What came back, in a few words. */
  found: string;
  /** What toolflow does on this endpoint. */
  uses: string;
  /** The server's own message when it refused (redacted). */
  message?: string;
}

/** Refusals that decide how a run starts (a refusal is a 400; "ignored" is not one). */
export interface EndpointRefusals {
  /** Schema keywords (additionalProperties, $schema, const) rejected: schemas are sent cleaned. */
  schemaKeywords: boolean;
  /** tool_choice required or named refused with a 400. */
  toolChoice: boolean;
}

export interface DoctorReport {
  endpoint: string;
  model: string;
  profile: EndpointProfile;
  refused: EndpointRefusals;
  checks: DoctorCheck[];
  /** Whether synth can run on the endpoint. */
  usable: boolean;
  /** Why not, when it cannot. */
  reason?: string;
  /** ISO time of the probe. */
  at: string;
}

export interface DoctorOptions {
  model: string;
  baseURL?: string;
  apiKey?: string;
  env?: Record<string, string | undefined>;
  /** Per-request timeout in ms. Default 60,000. */
  timeoutMs?: number;
  /** Test hook: the fetch the client uses. */
  fetch?: typeof fetch;
}

interface ProbeTool {
  type: "function";
  function: { name: string; description: string; parameters: Record<string, unknown> };
}
const WEATHER: ProbeTool = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Current weather in a city.",
    parameters: {
      type: "object",
      properties: { city: { type: "string", description: "City name" }, unit: { type: "string", enum: ["celsius", "fahrenheit"] } },
      required: ["city"],
      additionalProperties: false,
    },
  },
};
const TIME: ProbeTool = {
  type: "function",
  function: {
    name: "get_time",
    description: "Current local time in a city.",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"], additionalProperties: false },
  },
};
const ANSWER_SCHEMA = {
  type: "object",
  properties: { answer: { type: "string" }, kind: { const: "greeting" } },
  required: ["answer"],
  additionalProperties: false,
};

type Body = OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming;
interface Msg {
  content?: string | null;
  reasoning_content?: string | null;
  reasoning?: string | null;
  tool_calls?: Array<{ function?: { name?: string } }> | null;
}
interface Answer {
  ok: true;
  message: Msg;
  usage?: { prompt_tokens?: number; prompt_tokens_details?: { cached_tokens?: number | null } | null; prompt_cache_hit_tokens?: number | null } | null;
}
interface Refusal {
  ok: false;
  status: number | undefined;
  message: string;
}

/** Find what the endpoint does. Throws ModelAuthError at once on 401/403. */
export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const { apiKey: key, baseURL } = openAICredentials(options.model, options);
  const id = `openai:${options.model}`;
  // The runtime's own fetch (or the test's), whatever TOOLFLOW_OPENAI_HTTP says.
  const client = createOpenAIClient({ apiKey: key, baseURL, timeoutMs: options.timeoutMs ?? 60_000, http: "global", fetch: options.fetch });
  const scrub = (text: string) => redact(text, [key]).slice(0, 300);

  const ask = async (body: Omit<Body, "model">): Promise<Answer | Refusal> => {
    try {
      const raw = (await client.chat.completions.create({ model: options.model, ...body } as Body)) as unknown as {
        choices?: Array<{ message?: Msg }>;
        usage?: Answer["usage"];
      };
      const message = raw?.choices?.[0]?.message;
      if (!message) return { ok: false, status: undefined, message: "the answer is not a chat completion (no choices)" };
      return { ok: true, message, usage: raw.usage };
    } catch (err) {
      if (err instanceof OpenAI.APIError && typeof err.status === "number") {
        const auth = authFailure(err.status, scrub(serverMessage(err)), { model: id, status: err.status });
        if (auth) throw auth;
        return { ok: false, status: err.status, message: scrub(`${err.status} ${serverMessage(err)}`) };
      }
      return { ok: false, status: undefined, message: scrub(err instanceof Error ? err.message : String(err)) };
    }
  };

  const checks: DoctorCheck[] = [];
  const check = (c: DoctorCheck) => checks.push(c);
  const profile: EndpointProfile = {
    chat: false,
    tools: "none",
    toolCallFormat: null,
    toolChoiceRequired: false,
    toolChoiceNamed: false,
    parallelCalls: false,
    jsonSchema: false,
    jsonObject: false,
    usage: false,
    cachedTokens: false,
    reasoning: false,
  };
  const refused: EndpointRefusals = { schemaKeywords: false, toolChoice: false };
  const report = (usable: boolean, reason?: string): DoctorReport => ({
    endpoint: endpointOf(baseURL),
    model: options.model,
    profile,
    refused,
    checks,
    usable,
    ...(reason ? { reason } : {}),
    at: new Date().toISOString(),
  });
  let sawReasoning = false;
  const noteReasoning = (m: Msg) => {
    const r = [m.reasoning_content, m.reasoning].some((x) => typeof x === "string" && x.trim() !== "");
    if (r || /<\/?think>/.test(m.content ?? "")) sawReasoning = true;
  };

  // 1. Plain chat (also: usage, cached tokens, reasoning).
  const chat = await ask({ messages: [{ role: "user", content: "Say hello in one short sentence." }], max_tokens: 64 });
  if (!chat.ok) {
    check({ name: "chat", ok: false, found: "refused", uses: "nothing: synth cannot run", message: chat.message });
    return report(false, `plain chat failed: ${chat.message}`);
  }
  profile.chat = true;
  noteReasoning(chat.message);
  check({ name: "chat", ok: true, found: "answers", uses: "chat completions" });
  const u = chat.usage;
  profile.usage = typeof u?.prompt_tokens === "number";
  profile.cachedTokens =
    typeof u?.prompt_tokens_details?.cached_tokens === "number" || typeof u?.prompt_cache_hit_tokens === "number";

  // 2. Tools with tool_choice "required" (schema keywords rejected: once more, cleaned).
  // Asked with schemas as they are until the server rejects a schema keyword; then (that once and from then on) cleaned.
  const askCleaning = async (body: (cleaned: boolean) => Omit<Body, "model">): Promise<Answer | Refusal> => {
    const a = await ask(body(refused.schemaKeywords));
    if (a.ok || refused.schemaKeywords || !rejectsSchemaKeywords(a.message)) return a;
    refused.schemaKeywords = true;
    return ask(body(true));
  };
  const toolDefs = (list: ProbeTool[], cleaned: boolean) =>
    list.map((t) => (cleaned ? { ...t, function: { ...t.function, parameters: cleanSchema(t.function.parameters) as Record<string, unknown> } } : t));
  const callsOf = (m: Msg, names: string[]): { names: string[]; format: EndpointProfile["toolCallFormat"] } => {
    const native = (m.tool_calls ?? []).map((c) => c.function?.name ?? "");
    if (native.length > 0) return { names: native, format: "native" };
    const found = parseTextToolCalls(m.content ?? "", names);
    return { names: found.calls.map((c) => c.name), format: found.calls.length > 0 ? (found.format ?? "json") : null };
  };
  const weatherMsgs = [{ role: "user" as const, content: "What is the weather in Paris right now? Use the tool." }];
  const askTools = (tools: ProbeTool[], choice: Body["tool_choice"], content = weatherMsgs) =>
    askCleaning((cleaned) => ({
      messages: content,
      tools: toolDefs(tools, cleaned),
      ...(choice !== undefined ? { tool_choice: choice } : {}),
      max_tokens: 256,
    }));
  const noteCalls = (format: EndpointProfile["toolCallFormat"]) => {
    if (format === null) return;
    if (profile.toolCallFormat === null || profile.toolCallFormat !== "native") profile.toolCallFormat = format;
    profile.tools = format === "native" ? "native" : profile.tools === "native" ? "native" : "text";
  };

  let toolsAccepted = false;
  let toolsMessage: string | undefined;
  const required = await askTools([WEATHER], "required");
  if (required.ok) {
    toolsAccepted = true;
    noteReasoning(required.message);
    const c = callsOf(required.message, ["get_weather"]);
    noteCalls(c.format);
    profile.toolChoiceRequired = c.names.length > 0;
    check({
      name: 'tool_choice "required"',
      ok: profile.toolChoiceRequired,
      found: c.names.length > 0 ? `a call (${c.format})` : "accepted, but no call came back (ignored)",
      uses:
        c.names.length > 0 && c.format !== "native"
          ? "prompted calls (the tools in the system prompt, the call read from the text)"
          : profile.toolChoiceRequired
            ? '"required"'
            : '"required"; a missing call is re-asked',
    });
  } else if (refusesToolChoice(required.message)) {
    refused.toolChoice = true;
    check({ name: 'tool_choice "required"', ok: false, found: "refused", uses: '"auto" plus an instruction', message: required.message });
  } else {
    toolsMessage = required.message;
  }
  // Tools with "auto" when "required" told nothing about tools themselves.
  if (!toolsAccepted) {
    const auto = await askTools([WEATHER], toolsMessage === undefined ? "auto" : undefined);
    if (auto.ok) {
      toolsAccepted = true;
      noteReasoning(auto.message);
      noteCalls(callsOf(auto.message, ["get_weather"]).format);
    } else toolsMessage ??= auto.message;
  }
  if (toolsAccepted && profile.tools === "none") profile.tools = "native"; // accepted; the model made no call here
  check({
    name: "tools",
    ok: profile.tools !== "none",
    found:
      profile.tools === "none"
        ? "refused"
        : profile.toolCallFormat === null
          ? "accepted (no call seen)"
          : profile.toolCallFormat === "native"
            ? "native tool_calls"
            : `calls as text in content (${profile.toolCallFormat})`,
    uses:
      profile.tools === "native"
        ? "native tools"
        : profile.tools === "text"
          ? `prompted tool calls (text calls are read: ${profile.toolCallFormat})`
          : "prompted tool calls (the tools in the system prompt)",
    ...(profile.tools === "none" && toolsMessage ? { message: toolsMessage } : {}),
  });
  if (refused.schemaKeywords) {
    check({ name: "schema keywords", ok: false, found: "additionalProperties / $schema / const rejected", uses: "cleaned schemas" });
  }

  if (toolsAccepted) {
    // 3. A named tool_choice.
    const named = await askTools([WEATHER, TIME], { type: "function", function: { name: "get_time" } }, [
      { role: "user", content: "What time is it in Tokyo? Use the tool." },
    ]);
    if (named.ok) {
      noteReasoning(named.message);
      const c = callsOf(named.message, ["get_weather", "get_time"]);
      noteCalls(c.format);
      profile.toolChoiceNamed = c.names.length > 0 && c.names.every((n) => n === "get_time");
      check({
        name: "tool_choice named",
        ok: profile.toolChoiceNamed,
        found: c.names.length > 0 ? `called ${c.names.join(", ")}` : "accepted, but no call came back (ignored)",
        uses:
          c.names.length > 0 && c.format !== "native"
            ? "prompted calls (the tool named in the system prompt, the call read from the text)"
            : profile.toolChoiceNamed
              ? "named tool_choice"
              : "named tool_choice; a wrong or missing call is re-asked",
      });
    } else {
      if (refusesToolChoice(named.message)) refused.toolChoice = true;
      check({ name: "tool_choice named", ok: false, found: "refused", uses: '"auto" plus an instruction', message: named.message });
    }
    // 4. Parallel calls.
    const parallel = await askTools([WEATHER, TIME], profile.toolChoiceRequired ? "required" : "auto", [
      { role: "user", content: "What is the weather in Paris and what time is it in Tokyo? Call both tools at once." },
    ]);
    if (parallel.ok) {
      noteReasoning(parallel.message);
      const c = callsOf(parallel.message, ["get_weather", "get_time"]);
      noteCalls(c.format);
      profile.parallelCalls = c.names.length >= 2;
      check({ name: "parallel calls", ok: profile.parallelCalls, found: `${c.names.length} call(s)`, uses: profile.parallelCalls ? "parallel calls" : "calls one at a time where the model makes one" });
    } else {
      check({ name: "parallel calls", ok: false, found: "refused", uses: "calls one at a time", message: parallel.message });
    }
  }

  // 5. json_schema (schema keywords rejected: once more, cleaned).
  const jsonMsgs = [{ role: "user" as const, content: 'Greet me. Reply in JSON: {"answer": "..."}.' }];
  // JSON as the backend reads it (OpenAIChatModel: an answer parseJsonLoose cannot read means response_format was ignored).
  const answeredJson = (m: Msg) => parseJsonLoose(splitReasoning(m.content ?? "").text).ok;
  const schemaBody = (cleaned: boolean) => ({
    messages: jsonMsgs,
    response_format: {
      type: "json_schema" as const,
      json_schema: { name: "greeting", schema: (cleaned ? cleanSchema(ANSWER_SCHEMA) : ANSWER_SCHEMA) as Record<string, unknown>, strict: false },
    },
    max_tokens: 128,
  });
  const js = await askCleaning(schemaBody);
  if (js.ok) noteReasoning(js.message);
  profile.jsonSchema = js.ok && answeredJson(js.message);

  // 6. json_object.
  const jo = await ask({ messages: jsonMsgs, response_format: { type: "json_object" }, max_tokens: 128 });
  if (jo.ok) noteReasoning(jo.message);
  profile.jsonObject = jo.ok && answeredJson(jo.message);
  const jsonFallback = profile.jsonObject ? "json_object with the schema in the prompt" : "the schema in the system prompt (prompted JSON)";
  check({
    name: "json_schema",
    ok: profile.jsonSchema,
    found: js.ok ? (profile.jsonSchema ? "JSON" : "accepted and ignored (free text)") : "refused",
    uses: profile.jsonSchema ? `json_schema${refused.schemaKeywords ? " (cleaned schemas)" : ""}` : jsonFallback,
    ...(!js.ok ? { message: js.message } : {}),
  });
  check({
    name: "json_object",
    ok: profile.jsonObject,
    found: jo.ok ? (profile.jsonObject ? "JSON" : "accepted and ignored (free text)") : "refused",
    uses: profile.jsonObject ? "json_object (when json_schema is refused)" : "prompted JSON (when json_schema is refused)",
    ...(!jo.ok ? { message: jo.message } : {}),
  });

  profile.reasoning = sawReasoning;
  check({ name: "usage", ok: profile.usage, found: profile.usage ? "reported" : "missing", uses: profile.usage ? "the server's counts" : "estimated counts (marked estimated)" });
  check({
    name: "cached tokens",
    ok: profile.cachedTokens,
    found: profile.cachedTokens ? "reported" : "not reported",
    uses: profile.cachedTokens ? "cached-input prices" : "every prompt token at the input price",
  });
  check({ name: "reasoning", ok: profile.reasoning, found: profile.reasoning ? "reasoning output" : "none seen", uses: profile.reasoning ? "kept apart from the text (ChatResult.reasoning)" : "-" });
  return report(true);
}
