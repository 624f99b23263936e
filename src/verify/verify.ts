/**
 * The rule checks every dialogue passes before it is accepted:
 * - format: calls name sampled tools, arguments parse and validate, every call answered once, sane roles;
 * - plan: every plan step covered with the right kind and number of calls, no call and a text answer in an
 *   `unsupported` step (skipped when plan is null);
 * - provenance: every argument value grounded in an earlier user turn or tool result, or documented.
 */
import type { CheckResult, JsonSchema, Message, PlanStep, ToolCall, ToolSpec, Verification } from "../core/index.js";
import { SourceIndex, isValueGrounded } from "./grounding.js";
import { convertedFrom, resultQuantityTexts } from "./conversions.js";
import { groundLeaf, sourceIndexOf, type GroundedLeaf, type LeafVerdict } from "./ground-call.js";
import { argLeaves, describeAjvError, validatorFor, type ArgLeaf } from "./schema.js";
import type { UngroundedArg, VerifiableDialogue, VerifyOptions } from "./types.js";

/** Longest list of reasons kept per check (the count is in the metrics). */
const MAX_REASONS = 20;

function capped(reasons: string[]): string[] {
  if (reasons.length <= MAX_REASONS) return reasons;
  return [...reasons.slice(0, MAX_REASONS), `... and ${reasons.length - MAX_REASONS} more`];
}

function result(name: string, reasons: string[], metrics: Record<string, number>, extra: Partial<CheckResult> = {}): CheckResult {
  return { name, passed: reasons.length === 0, reasons: capped(reasons), flagged: false, metrics, ...extra };
}

function skipped(name: string, why: string): CheckResult {
  return { name, passed: true, reasons: [`skipped: ${why}`], flagged: false, skipped: true, metrics: {} };
}

type AssistantMessage = Extract<Message, { role: "assistant" }>;

function callsOf(m: Message): ToolCall[] {
  return m.role === "assistant" ? (m.tool_calls ?? []) : [];
}

function hasText(m: AssistantMessage): boolean {
  return typeof m.content === "string" && m.content.trim() !== "";
}

/** Parse a call's arguments: an object, or an error message. */
export function parseArguments(call: ToolCall): { ok: true; value: Record<string, unknown> } | { ok: false; error: string } {
  let v: unknown;
  try {
    v = JSON.parse(call.function.arguments);
  } catch (err) {
    return { ok: false, error: `arguments are not valid JSON (${(err as Error).message})` };
  }
  if (v === null || typeof v !== "object" || Array.isArray(v)) {
    return { ok: false, error: "arguments must be a JSON object" };
  }
  return { ok: true, value: v as Record<string, unknown> };
}

/**
 * Top-level arguments the schema does not declare, when it leaves `additionalProperties` unset (a schema with
 * `additionalProperties: false` is reported by ajv; `true` or a schema allows extra arguments).
 */
export function unknownArguments(tool: ToolSpec, args: Record<string, unknown>): string[] {
  const params = tool.parameters as Record<string, unknown>;
  if (params.additionalProperties !== undefined || params.patternProperties !== undefined) return [];
  const props = (params.properties ?? {}) as Record<string, unknown>;
  return Object.keys(args).filter((k) => !Object.prototype.hasOwnProperty.call(props, k));
}

function toolMap(tools: ToolSpec[]): Map<string, ToolSpec> {
  return new Map(tools.map((t) => [t.name, t]));
}

// ---------------------------------------------------------------- format

export function checkFormat(d: VerifiableDialogue, options: VerifyOptions = {}): CheckResult {
  const reasons: string[] = [];
  const tools = toolMap(d.tools);
  const seenIds = new Set<string>();
  const answered = new Set<string>();
  /** Calls of the last assistant message still waiting for their tool message. */
  let pending = new Map<string, string>();
  let prev: Message | undefined;
  let calls = 0;
  let userTurns = 0;

  const flushPending = (i: number) => {
    if (pending.size > 0) {
      reasons.push(`message ${i}: call(s) ${[...pending.keys()].join(", ")} not answered by a tool message`);
      pending = new Map();
    }
  };

  d.messages.forEach((m, i) => {
    switch (m.role) {
      case "system":
        if (i !== 0) reasons.push(`message ${i}: system message after the start`);
        if (m.content.trim() === "") reasons.push(`message ${i}: empty system message`);
        break;
      case "user":
        userTurns++;
        flushPending(i);
        if (m.content.trim() === "") reasons.push(`message ${i}: empty user turn`);
        if (prev?.role === "user") reasons.push(`message ${i}: two user turns in a row`);
        break;
      case "assistant": {
        flushPending(i);
        const mc = callsOf(m);
        if (!hasText(m) && mc.length === 0) reasons.push(`message ${i}: empty assistant turn`);
        if (prev === undefined || prev.role === "system") reasons.push(`message ${i}: dialogue must start with a user turn`);
        else if (prev.role === "assistant") reasons.push(`message ${i}: two assistant turns in a row`);
        for (const call of mc) {
          calls++;
          const label = `message ${i} call ${call.id} (${call.function.name})`;
          if (call.id.trim() === "") reasons.push(`${label}: empty tool_call id`);
          else if (seenIds.has(call.id)) reasons.push(`${label}: duplicate tool_call id`);
          seenIds.add(call.id);
          pending.set(call.id, call.function.name);
          const tool = tools.get(call.function.name);
          if (!tool) {
            reasons.push(`${label}: tool "${call.function.name}" is not one of the sample's tools`);
            continue;
          }
          const args = parseArguments(call);
          if (!args.ok) {
            reasons.push(`${label}: ${args.error}`);
            continue;
          }
          const validate = validatorFor(tool);
          if (validate instanceof Error) {
            reasons.push(`${label}: the parameter schema of tool "${tool.name}" does not compile (${validate.message})`);
            continue;
          }
          if (!validate(args.value)) {
            for (const e of validate.errors ?? []) reasons.push(`${label}: ${describeAjvError(e)}`);
          }
          if (!options.allowUnknownArgs) {
            for (const k of unknownArguments(tool, args.value)) reasons.push(`${label}: unknown argument /${k}`);
          }
        }
        break;
      }
      case "tool": {
        if (m.content.trim() === "") reasons.push(`message ${i}: empty tool result`);
        const name = pending.get(m.tool_call_id);
        if (name !== undefined) {
          pending.delete(m.tool_call_id);
          answered.add(m.tool_call_id);
          if (m.name !== undefined && m.name !== name) {
            reasons.push(`message ${i}: tool result named "${m.name}" answers a call to "${name}"`);
          }
        } else if (answered.has(m.tool_call_id)) {
          reasons.push(`message ${i}: call ${m.tool_call_id} answered more than once`);
        } else if (seenIds.has(m.tool_call_id)) {
          reasons.push(`message ${i}: tool result for ${m.tool_call_id} does not directly follow its call`);
        } else {
          reasons.push(`message ${i}: tool result answers unknown call id "${m.tool_call_id}"`);
        }
        if (prev === undefined || (prev.role !== "tool" && !(prev.role === "assistant" && callsOf(prev).length > 0))) {
          reasons.push(`message ${i}: tool message not after an assistant tool call`);
        }
        break;
      }
    }
    prev = m;
  });
  flushPending(d.messages.length);

  if (userTurns === 0) reasons.push("no user turn");
  const last = d.messages[d.messages.length - 1];
  if ((options.requireFinalAssistant ?? true) && !(last?.role === "assistant" && hasText(last) && callsOf(last).length === 0)) {
    reasons.push("dialogue does not end with an assistant text message");
  }
  if (d.stepOf.length !== d.messages.length) {
    reasons.push(`stepOf has ${d.stepOf.length} entries for ${d.messages.length} messages`);
  }
  if (d.reasoning !== undefined) {
    if (d.reasoning.length !== d.messages.length) reasons.push(`reasoning has ${d.reasoning.length} entries for ${d.messages.length} messages`);
    d.reasoning.forEach((r, i) => {
      if (r !== null && d.messages[i]?.role !== "assistant") reasons.push(`message ${i}: reasoning on a ${d.messages[i]?.role ?? "missing"} message`);
    });
  }
  return result("format", reasons, { messages: d.messages.length, userTurns, toolCalls: calls });
}

// ---------------------------------------------------------------- plan

const CALL_KINDS = new Set(["single", "parallel", "chained", "clarify"]);

interface StepCall {
  msg: number;
  call: ToolCall;
}

export function checkPlan(d: VerifiableDialogue, options: VerifyOptions = {}): CheckResult {
  const plan = d.plan;
  if (plan === null) return skipped("plan", "no plan (generated with --no-plan)");
  const reasons: string[] = [];
  const steps = plan.steps;
  const byId = new Map<number, PlanStep>();
  for (const s of steps) {
    if (byId.has(s.id)) reasons.push(`plan has two steps with id ${s.id}`);
    byId.set(s.id, s);
  }
  if (d.stepOf.length !== d.messages.length) {
    reasons.push(`stepOf has ${d.stepOf.length} entries for ${d.messages.length} messages`);
    return result("plan", reasons, { steps: steps.length, stepsCovered: 0 });
  }

  const failedCalls = new Set<string>();
  for (const m of d.messages) if (m.role === "tool" && isErrorResult(m.content)) failedCalls.add(m.tool_call_id);

  const members = new Map<number, number[]>();
  d.stepOf.forEach((s, i) => {
    const m = d.messages[i];
    if (s === null) {
      if (m && callsOf(m).length > 0) reasons.push(`message ${i}: tool calls outside any plan step`);
      return;
    }
    if (!byId.has(s)) {
      reasons.push(`message ${i}: refers to unknown plan step ${s}`);
      return;
    }
    const list = members.get(s) ?? [];
    list.push(i);
    members.set(s, list);
  });

  // steps start in plan order
  if (options.requireStepOrder ?? true) {
    let lastStart = -1;
    let lastId: number | undefined;
    for (const s of steps) {
      const first = members.get(s.id)?.[0];
      if (first === undefined) continue;
      if (first < lastStart) reasons.push(`step ${s.id} starts (message ${first}) before step ${lastId} (message ${lastStart})`);
      else {
        lastStart = first;
        lastId = s.id;
      }
    }
  }

  let covered = 0;
  for (const step of steps) {
    const idx = members.get(step.id) ?? [];
    const label = `step ${step.id} (${step.kind})`;
    if (idx.length === 0) {
      reasons.push(`${label} is not covered: no message belongs to it`);
      continue;
    }
    const before = reasons.length;
    const msgs = idx.map((i) => ({ i, m: d.messages[i] as Message }));
    if (!msgs.some(({ m }) => m.role === "user")) reasons.push(`${label} has no user turn`);
    if (!msgs.some(({ m }) => m.role === "assistant")) reasons.push(`${label} has no assistant turn`);
    const calls: StepCall[] = [];
    for (const { i, m } of msgs) for (const call of callsOf(m)) calls.push({ msg: i, call });

    if (step.kind === "unsupported") {
      // A request none of the tools serves: no call, and an answer in text (the explanation).
      if (calls.length > 0) {
        const names = [...new Set(calls.map((c) => c.call.function.name))].join(", ");
        reasons.push(`${label}: the assistant called ${names} (${calls.length} call(s)) for a request no tool serves; it should answer in text without a call`);
      }
      if (!msgs.some(({ m }) => m.role === "assistant" && hasText(m) && callsOf(m).length === 0))
        reasons.push(`${label}: the assistant never answers in text (it should say briefly that it cannot do this)`);
    } else if (!CALL_KINDS.has(step.kind)) {
      if (calls.length > 0) reasons.push(`${label} should have no tool call, found ${calls.length}`);
    } else {
      const called = new Set(calls.map((c) => c.call.function.name));
      for (const t of step.tools) if (!called.has(t)) reasons.push(`${label} does not call its tool "${t}"`);
      const planned = new Set(step.tools);
      for (const c of calls) {
        if (!planned.has(c.call.function.name)) {
          reasons.push(`${label} calls "${c.call.function.name}", which is not among its tools`);
        }
      }
      if (calls.length === 0) reasons.push(`${label} has no tool call`);
      switch (step.kind) {
        case "single": {
          // a call whose result is an error may be retried: count the calls that did not fail
          const ok = calls.filter((c) => !failedCalls.has(c.call.id));
          if (ok.length > 1) reasons.push(`${label} expects 1 tool call, found ${ok.length}`);
          break;
        }
        case "parallel": {
          const perMsg = new Map<number, number>();
          for (const c of calls) perMsg.set(c.msg, (perMsg.get(c.msg) ?? 0) + 1);
          const most = Math.max(0, ...perMsg.values());
          // calls split over turns are right when a later one needs what only came after the first turn (an id the
          // first call created, a value the user gave or confirmed when asked): the assistant must wait for it
          const dependent = perMsg.size > 1 && laterCallNeedsLaterValue(d, calls);
          if (most < 2 && !dependent) {
            reasons.push(`${label} expects at least 2 calls in one assistant turn, found at most ${most} (and no later call needed a value that came after the first)`);
          }
          break;
        }
        case "chained":
          if (calls.length > 0 && !chainedUsesEarlierResult(d, step, calls)) {
            reasons.push(`${label}: no call uses a value from an earlier tool result of this step or its dependencies`);
          }
          break;
        case "clarify":
          if (calls.length > 0) {
            const firstCall = Math.min(...calls.map((c) => c.msg));
            const question = msgs.find(
              ({ i, m }) => i < firstCall && m.role === "assistant" && callsOf(m).length === 0 && hasText(m),
            );
            if (!question) reasons.push(`${label}: no assistant question (without a call) before the call`);
            else if (!msgs.some(({ i, m }) => m.role === "user" && i > question.i && i < firstCall)) {
              reasons.push(`${label}: the user does not answer the assistant's question before the call`);
            }
          }
          break;
      }
    }
    if (reasons.length === before) covered++;
  }
  return result("plan", reasons, { steps: steps.length, stepsCovered: covered });
}

/** A tool result that reports a failure: a JSON object with an `error`/`errors` key, or text starting "Error". */
export function isErrorResult(content: string): boolean {
  const t = content.trim();
  if (/^error\b/i.test(t)) return true;
  try {
    const v: unknown = JSON.parse(t);
    return v !== null && typeof v === "object" && !Array.isArray(v) && ("error" in v || "errors" in v);
  } catch {
    return false;
  }
}

/**
 * A chained step: some argument of some call equals a value of an earlier result of the step or its dependencies,
 * or converts from one (a speed in km/h the result gave, set in mph).
 */
function chainedUsesEarlierResult(d: VerifiableDialogue, step: PlanStep, calls: StepCall[]): boolean {
  const allowed = new Set<number>([step.id, ...step.dependsOn]);
  const tools = toolMap(d.tools);
  const toolOfCall = new Map<string, string>();
  for (const m of d.messages) for (const c of callsOf(m)) toolOfCall.set(c.id, c.function.name);
  for (const c of calls) {
    const sources = new SourceIndex();
    for (let i = 0; i < c.msg; i++) {
      const m = d.messages[i];
      const s = d.stepOf[i];
      if (m?.role === "tool" && s !== null && s !== undefined && allowed.has(s)) {
        sources.addToolResult(m.content);
        const returns = tools.get(toolOfCall.get(m.tool_call_id) ?? m.name ?? "")?.returns as JsonSchema | undefined;
        for (const q of resultQuantityTexts(m.content, returns)) sources.addQuantityText(q);
      }
    }
    if (sources.size === 0) continue;
    const args = parseArguments(c.call);
    if (!args.ok) continue;
    const schema = tools.get(c.call.function.name)?.parameters as Record<string, unknown> | undefined;
    for (const leaf of argLeaves(args.value, schema)) {
      if (typeof leaf.value !== "string" && typeof leaf.value !== "number") continue;
      if (leaf.value === "") continue;
      if (isValueGrounded(leaf.value, sources, leaf.key, { minTokenCoverage: 1 })) return true;
      if (typeof leaf.value === "number" && convertedFrom({ value: leaf.value, key: leaf.key, schema: leaf.schema, sources })?.startsWith("unit:")) return true;
    }
  }
  return false;
}

/**
 * Whether a call of a step made after its first call turn passes on a value the conversation did not hold before
 * that turn: one an earlier call's result gave (an id the first call created), or one the user gave or confirmed
 * when asked. Such a call cannot be made in the same turn as the first.
 */
function laterCallNeedsLaterValue(d: VerifiableDialogue, calls: StepCall[]): boolean {
  const first = Math.min(...calls.map((c) => c.msg));
  const tools = toolMap(d.tools);
  const before = sourceIndexOf(d.messages.slice(0, first));
  for (const c of calls) {
    if (c.msg === first) continue;
    const upTo = sourceIndexOf(d.messages.slice(0, c.msg));
    const args = parseArguments(c.call);
    if (!args.ok) continue;
    const schema = tools.get(c.call.function.name)?.parameters as Record<string, unknown> | undefined;
    const known = (leaf: ArgLeaf, sources: SourceIndex) => ["grounded", "converted"].includes(groundLeaf(leaf, sources).verdict);
    for (const leaf of argLeaves(args.value, schema)) {
      if ((typeof leaf.value !== "string" && typeof leaf.value !== "number") || leaf.value === "") continue;
      if (known(leaf, upTo) && !known(leaf, before)) return true;
    }
  }
  return false;
}

// ---------------------------------------------------------------- provenance

/** One argument leaf of a call whose arguments parse, with every grounding source said before it. */
export interface ArgumentLeafVisit {
  /** Index of the assistant message holding the call. */
  message: number;
  call: ToolCall;
  leaf: ArgLeaf;
  /** The grounding sources before the call, taken together. */
  sources: SourceIndex;
}

/**
 * The walk behind the provenance check and the report's provenance view (argumentSources), so the two cannot
 * disagree: user turns (and the system prompt with `groundInSystem`) are text sources, tool results are tool-result
 * sources, each added in order (a system prompt that is not a source still gives the date it states); `source` gets
 * every source message (with a function adding it to another index), `leaf` every argument leaf of every assistant
 * call whose arguments parse (those that do not are left out: the format check reports them).
 */
export function walkArgumentLeaves(
  d: VerifiableDialogue,
  options: VerifyOptions,
  visit: { source?: (message: number, addTo: (index: SourceIndex) => void) => void; leaf: (v: ArgumentLeafVisit) => void },
): void {
  const tools = toolMap(d.tools);
  const sources = new SourceIndex();
  const toolOfCall = new Map<string, string>();
  d.messages.forEach((m, i) => {
    if (m.role === "user" || m.role === "tool" || (m.role === "system" && options.groundInSystem)) {
      const content = m.content;
      const tool = m.role === "tool";
      // a result's numbers in the units its tool's `returns` schema gives them ("currentSpeed ... in km/h")
      const returns = tool ? (tools.get(toolOfCall.get(m.tool_call_id) ?? m.name ?? "")?.returns as JsonSchema | undefined) : undefined;
      const quantities = tool ? resultQuantityTexts(content, returns) : [];
      const addTo = (index: SourceIndex) => {
        if (!tool) index.addText(content);
        else {
          index.addToolResult(content);
          for (const q of quantities) index.addQuantityText(q);
        }
      };
      addTo(sources);
      visit.source?.(i, addTo);
      return;
    }
    if (m.role === "system") {
      sources.addContext(m.content);
      return;
    }
    if (m.content) sources.addOffer(m.content);
    for (const call of callsOf(m)) toolOfCall.set(call.id, call.function.name);
    for (const call of callsOf(m)) {
      const parsed = parseArguments(call);
      if (!parsed.ok) continue;
      const schema = tools.get(call.function.name)?.parameters as Record<string, unknown> | undefined;
      for (const leaf of argLeaves(parsed.value, schema)) visit.leaf({ message: i, call, leaf, sources });
    }
  });
}

/** The verdict on one argument leaf of a dialogue, with the call it belongs to. */
export interface ProvenanceLeaf extends Omit<GroundedLeaf, "verdict"> {
  /** The rules' verdict, or `entailed` when the provenance judge found an ungrounded value supported. */
  verdict: LeafVerdict | "entailed";
  /** Index of the assistant message holding the call. */
  message: number;
  tool: string;
  callId: string;
}

/** Every argument leaf of every call with its verdict (groundLeaf against the sources said before the call). */
export function groundDialogue(d: VerifiableDialogue, options: VerifyOptions = {}): ProvenanceLeaf[] {
  const out: ProvenanceLeaf[] = [];
  const grounding = { minTokenCoverage: options.minTokenCoverage };
  walkArgumentLeaves(d, options, {
    leaf: ({ message, call, leaf, sources }) => {
      out.push({ message, tool: call.function.name, callId: call.id, ...groundLeaf(leaf, sources, grounding) });
    },
  });
  return out;
}

/** Every argument leaf of every call, and those not grounded in an earlier user turn / tool result / schema. */
export function findUngroundedArgs(
  d: VerifiableDialogue,
  options: VerifyOptions = {},
): { args: number; ungrounded: UngroundedArg[] } {
  const leaves = groundDialogue(d, options);
  const ungrounded = leaves
    .filter((l) => l.verdict === "ungrounded")
    .map((l) => ({ tool: l.tool, callId: l.callId, path: l.path, value: l.value }));
  return { args: leaves.length, ungrounded };
}

/** The reason naming an ungrounded leaf. */
export function ungroundedReason(u: Pick<ProvenanceLeaf, "tool" | "path" | "value" | "callId">): string {
  return `ungrounded argument ${u.tool}${u.path} = ${JSON.stringify(u.value)} (call ${u.callId})`;
}

/** The note naming a leaf from general knowledge (flagged, not rejected). */
export function knowledgeNote(u: Pick<ProvenanceLeaf, "tool" | "path" | "value" | "callId" | "how">): string {
  return `general knowledge (${u.how ?? "knowledge"}): ${u.tool}${u.path} = ${JSON.stringify(u.value)} (call ${u.callId})`;
}

/** The provenance metrics of a dialogue's leaves: args, one count per verdict, ungroundedRate. */
export function provenanceMetrics(leaves: ReadonlyArray<{ verdict: LeafVerdict | "entailed" }>): Record<string, number> {
  const count = (v: string) => leaves.filter((l) => l.verdict === v).length;
  const args = leaves.length;
  const ungrounded = count("ungrounded");
  return {
    args,
    grounded: count("grounded"),
    converted: count("converted"),
    defaulted: count("defaulted"),
    knowledge: count("knowledge"),
    ungrounded,
    ungroundedRate: args === 0 ? 0 : ungrounded / args,
  };
}

/**
 * The provenance check from the verdicts on every leaf: ungrounded leaves fail it (or are flagged in `flag` mode);
 * leaves from general knowledge are flagged and counted, never a failure.
 */
export function provenanceResult(
  leaves: ProvenanceLeaf[],
  mode: "reject" | "flag",
  extraMetrics: Record<string, number> = {},
  /** More about an ungrounded leaf (the provenance judge's reason), appended to its reason. */
  explain: (leaf: ProvenanceLeaf) => string | undefined = () => undefined,
): CheckResult {
  const ungrounded = leaves.filter((l) => l.verdict === "ungrounded");
  const knowledge = leaves.filter((l) => l.verdict === "knowledge");
  const reasons = [
    ...ungrounded.map((l) => {
      const more = explain(l);
      return more === undefined ? ungroundedReason(l) : `${ungroundedReason(l)}: ${more}`;
    }),
    ...knowledge.map(knowledgeNote),
  ];
  const metrics = { ...provenanceMetrics(leaves), ...extraMetrics };
  const passed = mode === "flag" || ungrounded.length === 0;
  return { name: "provenance", passed, reasons: capped(reasons), flagged: passed && reasons.length > 0, metrics };
}

export function checkProvenance(d: VerifiableDialogue, options: VerifyOptions = {}): CheckResult {
  const mode = options.provenance ?? "reject";
  if (mode === "off") return skipped("provenance", "provenance check off");
  return provenanceResult(groundDialogue(d, options), mode);
}

// ---------------------------------------------------------------- all checks

/** Run the format, plan and provenance checks. `passed` is true when none failed (skipped checks pass). */
export function verifyDialogue(d: VerifiableDialogue, options: VerifyOptions = {}): Verification {
  const checks = [checkFormat(d, options), checkPlan(d, options), checkProvenance(d, options)];
  return { passed: checks.every((c) => c.passed), checks };
}

// ---------------------------------------------------------------- repair at the turn

/**
 * The provenance problems of the calls `callIds` of a dialogue so far (their assistant message last), by the rule
 * `checkProvenance` applies at the end, each worded for the assistant that made them: what is ungrounded and what
 * to do instead. Empty when every value of those calls is grounded.
 */
export function ungroundedAtTurn(d: VerifiableDialogue, callIds: readonly string[], options: VerifyOptions = {}): string[] {
  const ids = new Set(callIds);
  return findUngroundedArgs(d, options)
    .ungrounded.filter((u) => ids.has(u.callId))
    .map(
      (u) =>
        `nothing in the conversation gives ${u.tool} argument \`${u.path.slice(1).replace(/\//g, ".")}\` = ${JSON.stringify(u.value)}: ` +
        `ask the user for it, or use a value the user or a tool result gave`,
    );
}
