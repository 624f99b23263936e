/**
 * Held-out evaluation, the pure part: the assistant turns of a dialogue (what the model is asked, what was
 * recorded), the BFCL-style ground truth of each turn (function docs + possible answer), and the verdict on a
 * model's answer (BFCL's checker, plus the exact-value rule for values an earlier tool result supplied).
 *
 * "Exact after normalization" here means BFCL's rules, as the checker applies them: the function name; every
 * recorded argument present with its recorded value; no argument the recorded call did not have (an optional one
 * may be added only with its schema `default`); strings equal after BFCL's string normalization (lower case;
 * spaces and , . / - _ * ^ removed; ' read as "), so "New York" = "new york" = "NewYork"; an integer accepted where a
 * number is wanted (3 = 3.0); lists in order, objects key by key; parallel calls in any order. One rule is
 * stricter than BFCL: a string argument whose recorded value is a leaf of an earlier tool result of the dialogue
 * (an id, a code, a name the tool returned) must be that value character for character: a model that changes the
 * case or punctuation of an id has not passed it on.
 */
import { normalizeSchema, PLAN_STEP_KINDS, type DialoguePlan, type JsonSchema, type Message, type PlanStepKind, type ToolCall } from "../core/index.js";
import type { ChatRequest, ChatResult, ChatTool } from "../llm/index.js";
import { checkCalls, type CallCheck, type PossibleAnswer } from "./checker.js";
import { isDict, parsePyJson } from "../core/index.js";

/** A turn's step kind: the plan step's kind, or "unknown" when the dialogue carries no plan / stepOf. */
export type TurnKind = PlanStepKind | "unknown";
export const TURN_KINDS = [...PLAN_STEP_KINDS, "unknown"] as const satisfies readonly TurnKind[];

/**
 * What the recorded turn did: `call` (one or more tool calls), `ask` (a clarify step's question: text without a
 * call before the step's first call, answered by the user), `answer` (any other text without a call).
 */
export type TurnNeed = "call" | "ask" | "answer";

/** One dialogue to evaluate, whatever it was read from (a run's record or an exported openai row). */
export interface HeldoutDialogue {
  id: string;
  /** Picks the model of a pool (as synth does per dialogue). */
  seed: number;
  tools: ChatTool[];
  /** Every message, the system message first when there is one. */
  messages: Message[];
  plan: DialoguePlan | null;
  /** Parallel to messages; null when the source carries no step info. */
  stepOf: Array<number | null> | null;
}

export interface ExpectedCall {
  name: string;
  arguments: Record<string, unknown>;
}

/** BFCL-style function doc: {name, description, parameters} with BFCL's type names (dict, float, ...). */
export interface BfclFunctionDoc {
  [key: string]: unknown;
  name: string;
  description: string;
  parameters: BfclParam & { type: "dict" };
}
export interface BfclParam {
  [key: string]: unknown;
  type: string;
  description?: string;
  properties?: Record<string, BfclParam>;
  items?: BfclParam;
  required?: string[];
  enum?: unknown[];
  default?: unknown;
}

export type { PossibleAnswer };

/** One assistant turn to ask about. */
export interface HeldoutTurn {
  dialogueId: string;
  /** Index of the assistant message in the dialogue's messages. */
  turn: number;
  kind: TurnKind;
  need: TurnNeed;
  /** The conversation up to (not including) the turn. */
  messages: Message[];
  tools: ChatTool[];
  expected: { calls: ExpectedCall[]; text: string | null };
  functionDocs: BfclFunctionDoc[];
  possibleAnswer: PossibleAnswer;
  /** BFCL category the checker is run with. */
  category: string;
  /** Per expected call (same order): JSON pointer of a string argument -> the exact value an earlier tool result supplied. */
  exact: Array<Record<string, string>>;
  /** Set when the recorded turn itself cannot be scored (its arguments are not a JSON object). */
  unscorable?: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Arguments read as Python reads them (2.0 stays a float), as BFCL's checker expects. */
function parseArgs(text: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = parsePyJson(text.trim() === "" ? "{}" : text);
    return isDict(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/** The string leaves (with JSON pointers) of a value. */
function stringLeaves(value: unknown, path = ""): Array<[string, string]> {
  if (typeof value === "string") return [[path, value]];
  if (Array.isArray(value)) return value.flatMap((v, i) => stringLeaves(v, `${path}/${i}`));
  if (isObject(value)) return Object.entries(value).flatMap(([k, v]) => stringLeaves(v, `${path}/${k.replace(/~/g, "~0").replace(/\//g, "~1")}`));
  return [];
}

/** Every leaf of the JSON tool results among `messages`, as strings (numbers too: an id may come back as 123). */
export function resultValues(messages: readonly Message[]): Set<string> {
  const out = new Set<string>();
  const walk = (v: unknown, depth: number) => {
    if (depth > 12) return;
    if (typeof v === "string") out.add(v);
    else if (typeof v === "number") out.add(String(v));
    else if (Array.isArray(v)) v.forEach((x) => walk(x, depth + 1));
    else if (isObject(v)) Object.values(v).forEach((x) => walk(x, depth + 1));
  };
  for (const m of messages) {
    if (m.role !== "tool") continue;
    try {
      walk(JSON.parse(m.content), 0);
    } catch {
      // a plain-text result holds no structured value
    }
  }
  return out;
}

function schemaTypeOf(value: unknown): string {
  if (typeof value === "string") return "string";
  if (typeof value === "boolean") return "boolean";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "float";
  if (Array.isArray(value)) return "array";
  if (isObject(value)) return "dict";
  return "any";
}

const BFCL_TYPES: Record<string, string> = {
  object: "dict",
  number: "float",
  integer: "integer",
  string: "string",
  boolean: "boolean",
  array: "array",
};

/**
 * A JSON Schema as a BFCL parameter doc. BFCL types: object -> dict, number -> float, array items kept; a schema
 * without one plain type (unions, anyOf, none) takes the type of the recorded value, which satisfies the schema.
 */
export function toBfclParam(schema: JsonSchema | undefined, sample?: unknown): BfclParam {
  const s = schema ?? {};
  const t = typeof s.type === "string" ? BFCL_TYPES[s.type] : undefined;
  const type = t ?? schemaTypeOf(sample);
  const out: BfclParam = { type };
  if (typeof s.description === "string") out.description = s.description;
  if (Array.isArray(s.enum)) out.enum = s.enum;
  if ("default" in s) out.default = s.default;
  if (type === "dict") {
    const props = isObject(s.properties) ? (s.properties as Record<string, JsonSchema>) : {};
    const sampleObj = isObject(sample) ? sample : {};
    const names = new Set([...Object.keys(props), ...Object.keys(sampleObj)]);
    if (names.size > 0) {
      out.properties = {};
      for (const k of names) out.properties[k] = toBfclParam(props[k], sampleObj[k]);
    }
    if (Array.isArray(s.required)) out.required = s.required.filter((r): r is string => typeof r === "string");
  }
  if (type === "array") {
    const items = isObject(s.items) ? (s.items as JsonSchema) : undefined;
    out.items = toBfclParam(items, Array.isArray(sample) ? sample[0] : undefined);
  }
  return out;
}

/** BFCL function doc of a tool; `args` (the recorded arguments) fill in the types a union leaves open. */
export function toBfclDoc(tool: ChatTool, args: Record<string, unknown> = {}): BfclFunctionDoc {
  const p = toBfclParam(normalizeSchema(tool.parameters), args);
  return { name: tool.name, description: tool.description, parameters: { ...p, type: "dict", properties: p.properties ?? {}, required: p.required ?? [] } };
}

/**
 * The acceptable values of one argument in BFCL's possible-answer shape: a value as the one acceptable value; an
 * object as BFCL writes dict answers ({key: [acceptable values]}); a list of objects likewise, element by element.
 */
export function acceptableOf(value: unknown): unknown[] {
  const dict = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).map(([k, x]) => [k, [x]]));
  if (isObject(value)) return [dict(value)];
  if (Array.isArray(value) && value.length > 0 && value.every(isObject)) return [value.map(dict)];
  return [value];
}

/**
 * The possible answer of one recorded call: each recorded argument with its recorded value as the only acceptable
 * one ("" added when the argument is optional and the value is its schema default: leaving it out says the same);
 * an optional argument the call left out that has a default may be given with that default or omitted.
 */
export function possibleAnswerOf(tool: ChatTool | undefined, call: ExpectedCall): Record<string, Record<string, unknown[]>> {
  const schema = normalizeSchema(tool?.parameters ?? { type: "object" });
  const props = isObject(schema.properties) ? (schema.properties as Record<string, JsonSchema>) : {};
  const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
  const args: Record<string, unknown[]> = {};
  for (const [k, v] of Object.entries(call.arguments)) {
    const p = props[k];
    const isDefault = p !== undefined && "default" in p && JSON.stringify(p.default) === JSON.stringify(v);
    args[k] = !required.has(k) && isDefault ? [...acceptableOf(v), ""] : acceptableOf(v);
  }
  for (const [k, p] of Object.entries(props)) {
    if (k in args || required.has(k) || !("default" in p)) continue;
    args[k] = ["", ...acceptableOf(p.default)];
  }
  return { [call.name]: args };
}

/** BFCL's category for a turn: how many calls are expected and how many functions are offered. */
export function categoryOf(calls: readonly ExpectedCall[], toolCount: number): string {
  if (calls.length === 0) return "irrelevance";
  if (calls.length === 1) return toolCount > 1 ? "multiple" : "simple_python";
  return new Set(calls.map((c) => c.name)).size === 1 ? "parallel" : "parallel_multiple";
}

/** The step kind of message i: the kind of the plan step stepOf[i] names, else "unknown". */
export function kindOf(d: Pick<HeldoutDialogue, "plan" | "stepOf">, i: number): TurnKind {
  const step = d.stepOf?.[i];
  if (d.plan === null || step === null || step === undefined) return "unknown";
  return d.plan.steps.find((s) => s.id === step)?.kind ?? "unknown";
}

function callsOf(m: Message): ToolCall[] {
  return m.role === "assistant" ? (m.tool_calls ?? []) : [];
}

/** Every assistant turn of a dialogue, with its ground truth. */
export function dialogueTurns(d: HeldoutDialogue): HeldoutTurn[] {
  const out: HeldoutTurn[] = [];
  const toolByName = new Map(d.tools.map((t) => [t.name, t]));
  d.messages.forEach((m, i) => {
    if (m.role !== "assistant") return;
    const kind = kindOf(d, i);
    const recorded = callsOf(m);
    const prefix = d.messages.slice(0, i);
    let unscorable: string | undefined;
    const calls: ExpectedCall[] = recorded.map((c) => {
      const args = parseArgs(c.function.arguments);
      if (!args) unscorable = `the recorded arguments of ${c.function.name} are not a JSON object`;
      return { name: c.function.name, arguments: args ?? {} };
    });
    let need: TurnNeed = "answer";
    if (calls.length > 0) need = "call";
    else if (kind === "clarify" && d.stepOf) {
      const step = d.stepOf[i];
      const calledBefore = d.messages.some((x, j) => j < i && d.stepOf![j] === step && callsOf(x).length > 0);
      if (!calledBefore && d.messages[i + 1]?.role === "user") need = "ask";
    }
    const known = resultValues(prefix);
    const exact = calls.map((c) => Object.fromEntries(stringLeaves(c.arguments).filter(([, v]) => known.has(v))));
    const docNames = new Set<string>();
    const functionDocs: BfclFunctionDoc[] = [];
    for (const c of calls) {
      const t = toolByName.get(c.name);
      if (t && !docNames.has(t.name)) {
        docNames.add(t.name);
        functionDocs.push(toBfclDoc(t, c.arguments));
      }
    }
    for (const t of d.tools) if (!docNames.has(t.name)) functionDocs.push(toBfclDoc(t));
    out.push({
      dialogueId: d.id,
      turn: i,
      kind,
      need,
      messages: prefix,
      tools: d.tools,
      expected: { calls, text: m.content },
      functionDocs,
      possibleAnswer: calls.map((c) => possibleAnswerOf(toolByName.get(c.name), c)),
      category: categoryOf(calls, d.tools.length),
      exact,
      ...(unscorable !== undefined ? { unscorable } : {}),
    });
  });
  return out;
}

/** The model's answer as BFCL's decoded form, or why it cannot be read (arguments that are not a JSON object). */
export function decodeAnswer(result: Pick<ChatResult, "toolCalls">): { calls: ExpectedCall[] } | { problem: string } {
  const calls: ExpectedCall[] = [];
  for (const c of result.toolCalls) {
    const args = parseArgs(c.function.arguments);
    if (!args) return { problem: `the arguments of ${c.function.name} are not a JSON object: ${c.function.arguments.slice(0, 120)}` };
    calls.push({ name: c.function.name, arguments: args });
  }
  return { calls };
}

export interface TurnVerdict {
  valid: boolean;
  /** BFCL's error type, or one of ours: no_call, unexpected_call, exact_value, undecodable, empty_reply. */
  errorType: string | null;
  reason: string | null;
}

function pointerGet(value: unknown, pointer: string): unknown {
  let cur = value;
  for (const seg of pointer.split("/").slice(1)) {
    const key = seg.replace(/~1/g, "/").replace(/~0/g, "~");
    if (Array.isArray(cur)) cur = cur[Number(key)];
    else if (isObject(cur)) cur = cur[key];
    else return undefined;
  }
  return cur;
}

/** Whether the got calls can be paired one to one with the expected ones so that each pair passes the checker and keeps every exact value. */
function exactPairing(turn: HeldoutTurn, got: ExpectedCall[]): boolean {
  const n = turn.expected.calls.length;
  const ok: boolean[][] = turn.expected.calls.map((_, e) =>
    got.map((g) => {
      const exact = turn.exact[e] ?? {};
      if (Object.keys(exact).length > 0 && !Object.entries(exact).every(([p, v]) => pointerGet(g.arguments, p) === v)) return false;
      const r = checkCalls(turn.functionDocs, [{ [g.name]: g.arguments }], [turn.possibleAnswer[e]!], turn.tools.length > 1 ? "multiple" : "simple_python");
      return r.valid;
    }),
  );
  const used = new Array<boolean>(got.length).fill(false);
  const assign = (e: number): boolean => {
    if (e === n) return true;
    for (let g = 0; g < got.length; g++) {
      if (used[g] || !ok[e]![g]) continue;
      used[g] = true;
      if (assign(e + 1)) return true;
      used[g] = false;
    }
    return false;
  };
  return got.length === n && assign(0);
}

/** The request that asks a model to answer a turn: its messages, its tools offered (auto), temperature 0 by default. */
export function turnRequest(
  turn: Pick<HeldoutTurn, "messages" | "tools">,
  options: { temperature?: number; maxTokens?: number; signal?: AbortSignal },
  role: string,
): ChatRequest {
  return {
    messages: turn.messages,
    tools: turn.tools,
    toolChoice: "auto",
    temperature: options.temperature ?? 0,
    ...(options.maxTokens !== undefined ? { maxTokens: options.maxTokens } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    role,
  };
}

/** The verdict on a model's answer to a turn. */
export function scoreTurn(turn: HeldoutTurn, result: Pick<ChatResult, "text" | "toolCalls">): TurnVerdict {
  const decoded = decodeAnswer(result);
  if ("problem" in decoded) return { valid: false, errorType: "undecodable", reason: decoded.problem };
  const got = decoded.calls;
  const modelOutput = got.map((c) => ({ [c.name]: c.arguments }));
  if (turn.need !== "call") {
    if (got.length === 0 && result.text.trim() === "") return { valid: false, errorType: "empty_reply", reason: "empty reply (no text, no call)" };
    const r: CallCheck = checkCalls(turn.functionDocs, modelOutput, [], "irrelevance");
    if (r.valid) return { valid: true, errorType: null, reason: null };
    const names = got.map((c) => c.name).join(", ");
    return {
      valid: false,
      errorType: "unexpected_call",
      reason: turn.need === "ask" ? `called ${names} when it should ask for a missing value` : `called ${names}; the turn needs no tool`,
    };
  }
  if (got.length === 0) {
    return { valid: false, errorType: "no_call", reason: "answered in text when it should call (asked instead of calling)" };
  }
  const r = checkCalls(turn.functionDocs, modelOutput, turn.possibleAnswer, turn.category);
  if (!r.valid) return { valid: false, errorType: r.errorType ?? "invalid", reason: r.error ?? "rejected by the checker" };
  if (turn.exact.some((e) => Object.keys(e).length > 0) && !exactPairing(turn, got)) {
    const wanted = turn.exact.flatMap((e, k) => Object.entries(e).map(([p, v]) => `${turn.expected.calls[k]!.name}${p} = ${JSON.stringify(v)}`));
    return { valid: false, errorType: "exact_value", reason: `a value an earlier tool result supplied was changed (wanted exactly: ${wanted.join(", ")})` };
  }
  return { valid: true, errorType: null, reason: null };
}
