/**
 * The pipeline-aware answers of the built-in `sim` backend (no model): planner, user, assistant and tool
 * answers computed from the context the agents put on each ChatRequest. Deterministic for a seed, and made
 * so the dialogues pass verification: every argument value is stated by the user or taken from an earlier tool
 * result, chained calls take ids from earlier results, clarify steps ask and get the missing value, parallel
 * steps make several calls in one message, tool results fit the `returns` schema.
 */
import { deriveSeed, makeCallId, Rng } from "../core/index.js";
import type { PlanStep, ToolCall, ToolSpec } from "../core/index.js";
import {
  fieldFillsParam,
  humanize,
  identifierWords,
  isIdLike,
  callTarget,
  isRecord,
  optionalParams,
  paramProperties,
  recordCall,
  requiredParams,
  resultSchema,
  stepToolsCalled,
  toolByName,
  type AgentCallContext,
  type AssistantContext,
  type CallRecord,
  type RequestState,
  type ToolCallContext,
  type ToolContext,
  type UserContext,
  type UserTurn,
} from "../agents/index.js";
import { validateAgainst, validateToolValue, type ChatRequest } from "../llm/index.js";
import type { SimAnswer } from "./model.js";
import {
  argsSentence,
  askFor,
  cap,
  chitchat,
  detailsSentence,
  greeted,
  isFragment,
  joinAnd,
  needsSentence,
  resultLabel,
  spoken,
  toolPhrase,
} from "./phrases.js";
import { simPlan } from "./plan.js";
import { expectedFromResults, resolveParam, simProduces, subjectTool, userValue, type RequestScope } from "./resolve.js";
import { schemaExample } from "./schema-example.js";
import { rememberUtterance, statedValues, type CallValues } from "./utterances.js";
import { fakeValue } from "./fake-value.js";
import { unsupportedAsk, unsupportedDecline, unsupportedRequestOf } from "./unsupported.js";
import { actionKind, tidyResult, toolVerb } from "./values.js";

/** A user turn as the simulator makes it: the answer, and the values its message states (remembered, not sent). */
type SimUserTurn = UserTurn & { values?: CallValues[] };

function jsonResult(value: unknown): SimAnswer {
  return { text: JSON.stringify(value), json: value, toolCalls: [], finishReason: "stop" };
}

// ------------------------------------------------------------------------------------------------ user

/** Argument values the user states for each call of a step (leaving out the clarify step's missing args). */
function stepValues(
  step: Pick<PlanStep, "id" | "kind" | "tools" | "dependsOn" | "missingArgs">,
  ctx: UserContext,
  rng: Rng,
  includeMissing: boolean,
  afterAsk = false,
): CallValues[] {
  const scope: RequestScope = { stepId: step.id > 0 ? step.id : null, dependsOn: step.dependsOn };
  return step.tools.map((name, k) => {
    const tool = toolByName(ctx.tools, name);
    const args: Record<string, unknown> = {};
    if (!tool) return { tool: name, arguments: args };
    const variant = step.tools.slice(0, k).filter((t) => t === name).length;
    const props = paramProperties(tool);
    const optional = optionalParams(tool).filter((p) => {
      const s = props[p];
      return s && (Array.isArray(s.enum) || s.type === "string") && !isIdLike(p);
    });
    const wanted = [...requiredParams(tool), ...optional.filter(() => rng.chance(0.25))];
    for (const p of wanted) {
      if (!(p in props) && !requiredParams(tool).includes(p)) continue;
      // After the assistant asked, only values it can take from results now are left out.
      if (afterAsk ? resolveParam(p, scope, ctx.known, props[p]) : expectedFromResults(p, k, step.tools, ctx.tools, scope, ctx.known))
        continue;
      if (!includeMissing && step.kind === "clarify" && (step.missingArgs ?? []).includes(p)) continue;
      args[p] = userValue(ctx.seed, tool, p, variant, ctx.persona.name);
    }
    return { tool: name, arguments: args };
  });
}

/** The message that starts a step. */
function openStep(step: PlanStep, stepIndex: number, ctx: UserContext, rng: Rng): SimUserTurn {
  const first = ctx.turn === 0;
  const plan = ctx.plan;
  const phrase = (n: string) => toolPhrase(toolByName(ctx.tools, n) ?? { name: n });
  if (step.kind === "chitchat") {
    const next = plan?.steps.slice(stepIndex + 1).find((s) => s.tools.length > 0);
    const topic = next?.tools[0] ? phrase(next.tools[0]) : undefined;
    return { stepDone: false, message: chitchat(ctx.persona, rng, topic), values: [] };
  }
  if (step.kind === "unsupported") {
    return { stepDone: false, message: unsupportedAsk(unsupportedRequestOf(step.intent), ctx.persona, rng, first), values: [] };
  }
  if (step.kind === "no_tool") {
    const subject = subjectTool(plan, stepIndex, ctx.tools);
    const what = subject ? toolPhrase(subject) : "get this done";
    const q = rng.pick([
      `Before we start, what information would you need from me to ${what}?`,
      `Quick question first: what details do you need to ${what}?`,
      `What do I need to have ready if I want to ${what}?`,
    ]);
    return { stepDone: false, message: greeted(q, ctx.persona, rng, first), values: [] };
  }
  const values = stepValues(step, ctx, new Rng(deriveSeed(ctx.seed, `user:${step.id}:values`)), false);
  let ask: string;
  const distinct = [...new Set(step.tools)];
  if (step.kind === "parallel" && distinct.length === 1) ask = `${phrase(step.tools[0]!)} for ${step.tools.length === 2 ? "two" : step.tools.length} different cases`;
  else if (step.kind === "parallel") ask = `${joinAnd(step.tools.map(phrase))} at the same time`;
  else if (step.tools.length > 1) ask = `${phrase(step.tools[0]!)} and then ${step.tools.slice(1).map(phrase).join(" and then ")}`;
  else ask = phrase(step.tools[0]!);
  if (step.tools.length === 1) {
    const tool = toolByName(ctx.tools, step.tools[0]!);
    const scope = { stepId: step.id, dependsOn: step.dependsOn };
    const used = tool ? requiredParams(tool).filter((p) => resolveParam(p, scope, ctx.known, paramProperties(tool)[p])) : [];
    if (used.length > 0) ask += ` using the ${joinAnd(used.map(humanize))} from before`;
  }
  const detailParts: string[] = [];
  const many = values.filter((v) => Object.keys(v.arguments).length > 0).length > 1;
  values.forEach((v, k) => {
    if (Object.keys(v.arguments).length === 0) return;
    const s = argsSentence(v.arguments, rng);
    if (!many && (distinct.length === 1 || /^(the|my|use|I'll|it's)\b/.test(s))) detailParts.push(s);
    else if (distinct.length === 1) detailParts.push(`${k === 0 ? "for the first one" : k === 1 ? "for the second one" : `for number ${k + 1}`}, ${s}`);
    else if (distinct.length > 1 && !/^(the|my|use|I'll|it's)\b/.test(s)) detailParts.push(`for the ${resultLabel({ name: v.tool })}, ${s}`);
    else detailParts.push(`for the ${resultLabel({ name: v.tool })}, ${s}`);
  });
  let details = detailParts.join("; ");
  // "search for hotels in Toronto, arriving on ..." reads better as one request than as a request and a fragment.
  if (step.tools.length === 1 && !many && isFragment(details) && !/^(ship|send|look|it's)\b/.test(details)) {
    ask = `${ask}${ask.endsWith("from before") ? "," : ""} ${details.replace(/[.!?]"$/, '"')}`;
    details = "";
  }
  const message = [askFor(ask, ctx.persona, rng, first), detailsSentence(details, ctx.persona, rng)].filter(Boolean).join(" ");
  return { stepDone: false, message, values };
}

/** Whether the current request is fulfilled: its calls succeeded and the assistant answered. */
function requestDone(req: RequestState, tools: string[] = req.tools): boolean {
  if (tools.length === 0) return req.answered;
  return req.answered && stepToolsCalled({ ...req, tools });
}

/** The tools of a request: its plan step's, or (without a plan) those the user asked for in its messages. */
function requestTools(req: RequestState, ctx: { tools: ToolSpec[] }): string[] {
  if (req.stepId !== null || req.tools.length > 0) return req.tools;
  return statedValues(ctx.tools, req.userMessages).map((v) => v.tool);
}

/** The message that continues an unfinished request. */
function continueStep(req: RequestState, ctx: UserContext, rng: Rng, step: Pick<PlanStep, "id" | "kind" | "tools" | "dependsOn" | "missingArgs">): SimUserTurn {
  if (req.assistantAsked) {
    const all = stepValues(step, ctx, new Rng(deriveSeed(ctx.seed, `user:${step.id}:values`)), true, true);
    const stated = statedValues(ctx.tools, req.userMessages);
    const given = all.map((v, i) => {
      const before = stated[i]?.arguments ?? {};
      const fresh = Object.fromEntries(Object.entries(v.arguments).filter(([k]) => !(k in before)));
      return { tool: v.tool, arguments: Object.keys(fresh).length > 0 ? fresh : v.arguments };
    });
    const details = given.map((v) => argsSentence(v.arguments, rng)).filter(Boolean).join("; ");
    const lead = { polite: "Of course!", terse: "", chatty: "Oh, right, sorry!", casual: "oh yeah,", formal: "Certainly." }[ctx.persona.style] ?? "Sure,";
    const body = details ? (lead.endsWith(",") ? details : cap(details)) : "please go ahead";
    const message = `${lead} ${lead.endsWith(",") || lead === "" ? body : cap(body)}`.trim();
    return { stepDone: false, message: /[.!?]"?$/.test(message) ? message : `${message}.`, values: given };
  }
  if (req.calls.some((c) => !c.ok)) {
    return { stepDone: false, message: rng.pick(["Could you try that once more, please?", "Can you give it another try?"]), values: [] };
  }
  return { stepDone: false, message: rng.pick(["Please go ahead with that.", "Yes, please do that."]), values: [] };
}

/** The user's answer (what a model would say), remembering the values its message states. */
function simUser(ctx: UserContext): UserTurn {
  const { values, ...turn } = simUserTurn(ctx);
  if (values && values.length > 0) rememberUtterance(ctx.tools, turn.message, values);
  return turn;
}

function simUserTurn(ctx: UserContext): SimUserTurn {
  const rng = new Rng(deriveSeed(ctx.seed, `user:${ctx.turn}`));
  const cur = ctx.current;
  if (ctx.mode === "plan" && ctx.plan) {
    const step = ctx.plan.steps[ctx.stepIndex];
    if (!step) return { stepDone: true, message: "" };
    if (cur && cur.userTurns > 0) {
      if (requestDone(cur) || cur.userTurns >= 3) {
        const next = ctx.plan.steps[ctx.stepIndex + 1];
        if (!next) return { stepDone: true, message: "" };
        return { ...openStep(next, ctx.stepIndex + 1, ctx, rng), stepDone: true };
      }
      return continueStep(cur, ctx, rng, step);
    }
    return openStep(step, ctx.stepIndex, ctx, rng);
  }
  // Without a plan: one request per sampled tool, in sample order, mostly tool calls.
  const pseudo = (tool: string, id: number): PlanStep => ({
    id: -id,
    kind: "single",
    intent: tool,
    tools: [tool],
    dependsOn: [],
  });
  const curTools = cur ? requestTools(cur, ctx) : [];
  if (cur && cur.userTurns > 0 && !requestDone(cur, curTools) && cur.userTurns < 3) {
    return continueStep(cur, ctx, rng, pseudo(curTools[0] ?? "", 1));
  }
  // What the user has asked for so far: what was done for it, and what its current request asked.
  const asked = new Set([...ctx.requested, ...curTools]);
  const nextTool = ctx.tools.find((t) => !asked.has(t.name));
  if (!nextTool) return { stepDone: true, finished: true, message: "" };
  return { ...openStep(pseudo(nextTool.name, asked.size + 1), 0, { ...ctx, plan: null }, rng), stepDone: cur !== null };
}

// ------------------------------------------------------------------------------------------------ assistant

/** Up to `max` facts of a result, in words: "booking id is bk_1", "travel cost list is 230.11 and 2400.02". */
function resultFacts(result: unknown, max = 4): string[] {
  const facts: string[] = [];
  const seen = new Set<string>();
  const scalar = (v: unknown) => typeof v === "string" || typeof v === "number" || typeof v === "boolean";
  const add = (name: string, v: unknown) => {
    if (facts.length >= max || seen.has(name)) return;
    if (scalar(v) && String(v).length <= 60) {
      facts.push(`${humanize(name)} is ${spoken(v)}`);
      seen.add(name);
    } else if (Array.isArray(v) && v.length > 0 && v.every(scalar)) {
      facts.push(`${humanize(name)} is ${joinAnd(v.slice(0, 5).map(spoken))}`);
      seen.add(name);
    }
  };
  if (isRecord(result)) {
    for (const [k, v] of Object.entries(result)) add(k, v);
    for (const v of Object.values(result)) {
      if (isRecord(v)) for (const [k2, v2] of Object.entries(v)) add(k2, v2);
    }
    // Lists of records: how many, and the first one's facts.
    for (const [k, v] of Object.entries(result)) {
      if (facts.length >= max || !Array.isArray(v) || v.length === 0 || !isRecord(v[0])) continue;
      const first = resultFacts(v[0], 2);
      facts.push(`there ${v.length === 1 ? "is 1 entry" : `are ${v.length} entries`} in ${humanize(k)}${first.length ? ` (the first: ${joinAnd(first)})` : ""}`);
    }
  } else if (Array.isArray(result) && result.length > 0 && result.every(isRecord)) {
    const first = resultFacts(result[0], 2);
    facts.push(`there ${result.length === 1 ? "is 1 result" : `are ${result.length} results`}${first.length ? ` (the first: ${joinAnd(first)})` : ""}`);
  } else if (Array.isArray(result) && result.every(scalar)) facts.push(joinAnd(result.slice(0, 5).map(spoken)));
  else if (scalar(result)) facts.push(`the result is ${spoken(result)}`);
  return facts;
}

function summarize(calls: CallRecord[], tools: readonly ToolSpec[], rng: Rng): string {
  const ok = calls.filter((c) => c.ok);
  if (ok.length === 0) return "I wasn't able to complete that, sorry.";
  const parts = ok.map((c) => {
    const tool = toolByName(tools, c.tool) ?? { name: c.tool };
    const facts = resultFacts(c.result);
    const label = resultLabel(tool);
    if (facts.length === 0) return `the ${label} went through`;
    return `for the ${label}, ${joinAnd(facts)}`;
  });
  const opener = rng.pick(["All done.", "Here's what I got.", "Done!", "Here are the results."]);
  return `${opener} ${cap(parts.join("; "))}.`;
}

function sameCall(a: CallRecord, b: CallRecord): boolean {
  return a.tool === b.tool && JSON.stringify(a.arguments) === JSON.stringify(b.arguments);
}

function simAssistant(ctx: AssistantContext): SimAnswer {
  const req = ctx.request;
  const rng = new Rng(deriveSeed(ctx.seed, `assistant:${ctx.callCount}:${ctx.turnCalls.length}:${req.userTurns}`));
  const text = (t: string): SimAnswer => ({ text: t, toolCalls: [], finishReason: "stop" });
  if (req.kind === "chitchat") {
    const more = ctx.plan ? ctx.plan.steps.some((s) => s.id > (req.stepId ?? 0) && s.tools.length > 0) : false;
    return text(
      more
        ? rng.pick(["You're welcome! Sure, tell me what you need for that and I'll take care of it.", "Glad I could help! Happy to help with that next; just tell me the details."])
        : rng.pick(["You're welcome! Let me know if there's anything else.", "My pleasure. Have a great day!"]),
    );
  }
  if (req.kind === "unsupported") return text(unsupportedDecline(unsupportedRequestOf(req.intent), ctx.tools, rng));
  if (req.kind === "no_tool") {
    const idx = ctx.plan ? ctx.plan.steps.findIndex((s) => s.id === req.stepId) : 0;
    const subject = subjectTool(ctx.plan, idx, ctx.tools);
    if (!subject) return text("I can help with that; just tell me what you'd like to do.");
    return text(`${needsSentence(subject, requiredParams(subject))} Once you have those, just tell me and I'll take care of it.`);
  }
  if (ctx.mustAnswer) return text(summarize(req.calls, ctx.tools, rng));
  // Recover from failed calls of this turn: retry once, then explain.
  const failed = ctx.turnCalls.filter((c, i) => !c.ok && !ctx.turnCalls.slice(i + 1).some((d) => sameCall(c, d)));
  if (failed.length > 0) {
    const retryable = failed.filter((c) => ctx.turnCalls.filter((d) => sameCall(c, d)).length < 2);
    if (retryable.length === 0) {
      const f = failed[0]!;
      return text(`Sorry, the ${resultLabel({ name: f.tool })} service keeps failing (${f.error ?? "error"}). Please try again a bit later.`);
    }
    let n = ctx.callCount;
    const calls: ToolCall[] = retryable.map((c) => ({
      id: makeCallId(`sim/${++n}`),
      type: "function",
      function: { name: c.tool, arguments: JSON.stringify(c.arguments) },
    }));
    const f = retryable[0]!;
    return {
      text: `The ${resultLabel({ name: f.tool })} service returned an error (${f.error ?? "error"}). Let me try that again.`,
      toolCalls: calls,
      finishReason: "tool_calls",
    };
  }
  const stated = statedValues(ctx.tools, req.userMessages);
  const planned: CallValues[] = stated.length > 0 ? stated : req.tools.map((t) => ({ tool: t, arguments: {} }));
  const okTools = req.calls.filter((c) => c.ok).map((c) => c.tool);
  const pending: { index: number; values: CallValues }[] = [];
  planned.forEach((v, index) => {
    const i = okTools.indexOf(v.tool);
    if (i >= 0) okTools.splice(i, 1);
    else pending.push({ index, values: v });
  });
  if (pending.length === 0) return text(summarize(req.calls, ctx.tools, rng));
  const scope: RequestScope = { stepId: req.stepId, dependsOn: req.dependsOn };
  const ready: { tool: string; args: Record<string, unknown> }[] = [];
  const missing: { tool: ToolSpec; params: string[] }[] = [];
  for (const p of pending) {
    const tool = toolByName(ctx.tools, p.values.tool);
    if (!tool) continue;
    const props = paramProperties(tool);
    const args: Record<string, unknown> = { ...p.values.arguments };
    const lacking: string[] = [];
    let waiting = false;
    for (const param of requiredParams(tool)) {
      if (param in args) continue;
      // A chained call waits for the earlier call of the same request that returns the value.
      const producer = pending.some(
        (q) =>
          q.index < p.index &&
          q.values.tool !== tool.name &&
          simProduces(toolByName(ctx.tools, q.values.tool) ?? tool, param, props[param]),
      );
      if (producer) {
        waiting = true;
        continue;
      }
      const k = resolveParam(param, scope, ctx.known, props[param]);
      if (k) args[param] = k.value;
      else lacking.push(param);
    }
    if (lacking.length > 0) missing.push({ tool, params: lacking });
    else if (!waiting) ready.push({ tool: tool.name, args });
  }
  if (missing.length > 0) {
    const m = missing[0]!;
    const what = joinAnd(m.params.map((p) => `the ${humanize(p)}`));
    return text(
      rng.pick([
        `Sure, I can ${toolPhrase(m.tool)}. Could you tell me ${what}?`,
        `I'd be glad to ${toolPhrase(m.tool)}, but I still need ${what}. What should I use?`,
        `To ${toolPhrase(m.tool)} I need ${what}. Could you share that?`,
      ]),
    );
  }
  if (ready.length === 0) return text(summarize(req.calls, ctx.tools, rng));
  let n = ctx.callCount;
  const toolCalls: ToolCall[] = ready.map((r) => ({
    id: makeCallId(`sim/${++n}`),
    type: "function",
    function: { name: r.tool, arguments: JSON.stringify(r.args) },
  }));
  return { text: "", toolCalls, finishReason: "tool_calls" };
}

// ------------------------------------------------------------------------------------------------ tool

const CREATE_VERBS = new Set([
  "create", "book", "register", "add", "new", "make", "post", "purchase", "buy", "open", "schedule", "submit",
  "upload", "generate", "reserve", "start", "insert", "authenticate", "login", "send", "order", "issue",
]);

/** Whether a call makes something new (its id-like result fields are new ids). */
function isCreator(tool: string): boolean {
  return CREATE_VERBS.has(identifierWords(tool)[0] ?? "") || actionKind(tool) === "create";
}

const TOOL_ERRORS = [
  "Service temporarily unavailable. Please retry.",
  "Request timed out after 30 seconds.",
  "Rate limit exceeded: too many requests, try again shortly.",
  "Internal server error (503). Please try again.",
];

/** A field name specific enough that the same name means the same value across tools (travel_date, not status). */
function specificName(name: string): boolean {
  const w = identifierWords(name);
  return w.length >= 2 && !/(status|message|result|success|error|count|total)/.test(w.join("_"));
}

/** Fields that keep one value through a dialogue once a tool has said it (the currency of the shop). */
const STABLE_FIELDS = /^(currency|currency_code)$/i;
const STATUS_FIELD = /(^|_)(status|state)$/i;
const TOTAL_FIELD = /^(total|subtotal|total_price|total_amount|amount_total|grand_total|order_total|cart_total)$/i;
/** Verbs that turn an existing thing into a new one carrying its lists (a cart checked out becomes an order). */
const CARRY_VERBS = new Set(["checkout", "order", "purchase", "buy", "pay", "place", "submit"]);
const APPEND_VERBS = new Set(["add", "append", "insert", "attach"]);
const SEARCH_VERBS = new Set(["search", "find", "list", "lookup", "browse", "query", "filter"]);

/** A leaf of the call's arguments: top-level entries, and scalar leaves of nested objects with their path. */
interface ArgLeaf {
  path: string[];
  value: unknown;
}

function argLeaves(args: Record<string, unknown>): ArgLeaf[] {
  const out: ArgLeaf[] = [];
  const walk = (v: unknown, path: string[]) => {
    if (path.length > 1 && (typeof v === "string" || typeof v === "number" || typeof v === "boolean")) out.push({ path, value: v });
    if (isRecord(v) && path.length < 4) for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
  };
  for (const [k, v] of Object.entries(args)) {
    out.push({ path: [k], value: v });
    walk(v, [k]);
  }
  return out;
}

/**
 * The argument a result field `key` (inside the result at `at`, the names of the enclosing keys) repeats: the
 * same name (or create_ticket's `id` for `ticket_id`), a target argument (`to_unit` -> `unit`), or a nested
 * argument by its path (`shipping_address.city` -> `shipping_city`, or `city` inside a `shipping_address`).
 */
function argFor(key: string, at: readonly string[], tool: string, leaves: readonly ArgLeaf[]): ArgLeaf | undefined {
  const kw = identifierWords(key);
  const direct = leaves.find((l) => l.path.length === 1 && (l.path[0] === key || fieldFillsParam(key, tool, l.path[0]!)));
  if (direct) return direct;
  const target = leaves.find((l) => {
    if (l.path.length !== 1) return false;
    const w = identifierWords(l.path[0]!);
    return (w[0] === "to" || w[0] === "target") && w.length > 1 && w.slice(1).join("_") === kw.join("_");
  });
  if (target) return target;
  const parentKey = at[at.length - 1];
  return leaves.find((l) => {
    if (l.path.length < 2) return false;
    const leaf = l.path[l.path.length - 1]!;
    if (leaf === key && parentKey !== undefined && parentKey === l.path[l.path.length - 2]) return true;
    const pw = l.path.flatMap((p) => identifierWords(p));
    const lw = identifierWords(leaf);
    return kw.length >= 2 && kw[kw.length - 1] === lw[lw.length - 1] && kw.every((w) => pw.includes(w));
  });
}

/** The date of a `<x>_date` argument for a `<x>_time` / `<x>_at` date-time result field (a flight searched for a day). */
function dateForTime(key: string, x: unknown, args: Record<string, unknown>): string | undefined {
  if (typeof x !== "string" || !/^\d{4}-\d{2}-\d{2}T/.test(x)) return undefined;
  const m = /^(.*?)_?(time|datetime|at)$/i.exec(key);
  if (!m || m[1] === "") return undefined;
  const stem = identifierWords(m[1]!).join("_");
  for (const [a, v] of Object.entries(args)) {
    if (typeof v !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(v)) continue;
    const aw = identifierWords(a);
    if (aw[aw.length - 1] === "date" && aw.slice(0, -1).join("_") === stem) return `${v}${x.slice(10)}`;
  }
  return undefined;
}

/**
 * The earlier records describing the thing this call refers to, merged (later ones win): successful results, at
 * any depth, with an id-like field whose value is one of this call's id-like arguments (get_product(product_id)
 * -> the product found by search_products; get_order(order_id) -> the checkout result and the tracking result).
 */
function entityOf(ctx: ToolCallContext): Record<string, unknown> | undefined {
  let ids = Object.entries(ctx.arguments).filter(([k, v]) => isIdLike(k) && (typeof v === "string" || typeof v === "number"));
  if (ids.length === 0) return undefined;
  // With several ids, the one of the tool's own subject (addToCart(cart_id, product_id) is about the cart).
  const tw = identifierWords(ctx.tool.name).map((w) => w.replace(/s$/, ""));
  const own = ids.filter(([k]) => identifierWords(k).slice(0, -1).some((w) => tw.includes(w)));
  if (own.length > 0) ids = own;
  const hits: Record<string, unknown>[] = [];
  for (const c of ctx.history) {
    if (!c.ok) continue;
    const visit = (v: unknown, depth: number) => {
      if (depth > 4) return;
      if (Array.isArray(v)) v.forEach((x) => visit(x, depth + 1));
      if (!isRecord(v)) return;
      const hit = Object.entries(v).some(
        ([k, x]) => isIdLike(k) && ids.some(([a, av]) => av === x && (a === k || fieldFillsParam(k, c.tool, a))),
      );
      // The call that returned it says more about it (the flight found for origin=LIS, destination=AMS).
      if (hit) {
        const said = Object.entries(c.arguments).filter(([k, x]) => !isIdLike(k) && (typeof x === "string" || typeof x === "number"));
        hits.push(Object.fromEntries(said), v);
      }
      for (const x of Object.values(v)) if (isRecord(x) || Array.isArray(x)) visit(x, depth + 1);
    };
    visit(c.result, 0);
  }
  if (hits.length === 0) return undefined;
  return Object.assign({}, ...hits) as Record<string, unknown>;
}

/** °C/°F/K conversion, or undefined for other units. */
function convertTemperature(v: number, from: string, to: string): number | undefined {
  const k = (u: string) => (/^c/i.test(u) ? "c" : /^f/i.test(u) ? "f" : /^k/i.test(u) ? "k" : undefined);
  const f = k(from);
  const t = k(to);
  if (!f || !t) return undefined;
  const c = f === "c" ? v : f === "f" ? ((v - 32) * 5) / 9 : v - 273.15;
  const out = t === "c" ? c : t === "f" ? (c * 9) / 5 + 32 : c + 273.15;
  return Math.round(out * 100) / 100;
}

interface Aligned {
  value: unknown;
  /** Fields copied from the call or the dialogue, which later tidying must not change. */
  locked: (rec: Record<string, unknown>, key: string) => boolean;
}

/**
 * Overwrite fields of a generated result with argument values (also nested ones) and earlier values of the
 * dialogue: the entity a lookup refers to, ids that already exist, values the user gave earlier.
 */
function alignResult(value: unknown, ctx: ToolCallContext, useEntity: boolean): Aligned {
  const args = ctx.arguments;
  const leaves = argLeaves(args);
  const kind = actionKind(ctx.tool.name);
  const verb = toolVerb(ctx.tool.name);
  const creator = isCreator(ctx.tool.name);
  const entity = useEntity ? entityOf(ctx) : undefined;
  const searching = SEARCH_VERBS.has(verb);
  const converting = verb === "convert";
  const lockedKeys = new WeakMap<object, Set<string>>();
  const lock = (rec: object, k: string) => {
    let s = lockedKeys.get(rec);
    if (!s) lockedKeys.set(rec, (s = new Set()));
    s.add(k);
  };
  /** Ids created by this call: the same field name means the same thing within one result. */
  const created = new Map<string, unknown>();
  /** Values of stable fields (currency) chosen in this result, for the other items. */
  const stable = new Map<string, unknown>();
  const earlierValue = (k: string, x: unknown, idLike: boolean) =>
    [...ctx.known]
      .reverse()
      .find(
        (f) =>
          f.name === k &&
          typeof f.value === typeof x &&
          (idLike || STABLE_FIELDS.test(k) || (f.from === "argument" && specificName(k))),
      );
  /** Objects copied from earlier results: already consistent, left alone by later fixes. */
  const carried = new WeakSet<object>();
  const carry = <T>(v: T): T => {
    const c = structuredClone(v);
    const mark = (x: unknown) => {
      if (Array.isArray(x)) x.forEach(mark);
      else if (isRecord(x)) {
        carried.add(x);
        Object.values(x).forEach(mark);
      }
    };
    mark(c);
    return c;
  };
  const fromEntity = (k: string, x: unknown): unknown => {
    if (!entity) return undefined;
    // A unit price read off a cart line (line_total / quantity) when the entity is one.
    if (!(k in entity) && /^(unit_)?price$/.test(k) && typeof x === "number") {
      const line = Object.entries(entity).find(([f, v]) => /line_total|line_price/.test(f) && typeof v === "number")?.[1];
      const qty = Object.entries(entity).find(([f, v]) => /^(quantity|qty)$/.test(f) && typeof v === "number")?.[1];
      if (typeof line === "number" && typeof qty === "number" && qty > 0) return Math.round((line / qty) * 100) / 100;
    }
    if (!(k in entity)) return undefined;
    const e = entity[k];
    if (creator && isIdLike(k)) return undefined;
    if (STATUS_FIELD.test(k) && kind !== "read") return undefined;
    if (TOTAL_FIELD.test(k) && APPEND_VERBS.has(verb)) return undefined;
    // A total that belongs to an empty list is not carried over either (the new lists get their own).
    if (TOTAL_FIELD.test(k) && kind !== "read" && Object.values(entity).some((x) => Array.isArray(x) && x.length === 0)) return undefined;
    if (Array.isArray(x) || isRecord(x)) {
      if (Array.isArray(x) !== Array.isArray(e) || isRecord(x) !== isRecord(e)) return undefined;
      // An empty list says nothing (a cart checked out without items added in the dialogue had some).
      if (Array.isArray(e) && e.length === 0 && kind !== "read") return undefined;
      return kind === "read" || CARRY_VERBS.has(verb) ? carry(e) : undefined;
    }
    return typeof e === typeof x ? e : undefined;
  };
  const walk = (v: unknown, at: string[], item = 0): unknown => {
    if (Array.isArray(v)) return v.map((x, i) => walk(x, at, i));
    if (!isRecord(v)) return v;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const arg = argFor(k, at, ctx.tool.name, leaves);
      const argOk = arg !== undefined && typeof arg.value === typeof x && !(converting && typeof x === "number");
      if (isRecord(x) || Array.isArray(x)) {
        if (argOk && Array.isArray(x) === Array.isArray(arg.value) && at.length === 0) {
          out[k] = structuredClone(arg.value);
          lock(out, k);
          continue;
        }
        const e = at.length === 0 ? fromEntity(k, x) : undefined;
        if (e !== undefined) {
          out[k] = e;
          lock(out, k);
          continue;
        }
        // Adding to a list (a cart): the earlier entries, then the new one.
        const before = at.length === 0 && entity && APPEND_VERBS.has(verb) ? entity[k] : undefined;
        if (Array.isArray(x) && x.length > 0 && Array.isArray(before) && before.every(isRecord) && isRecord(x[0])) {
          const fresh = walk(x[0], [...at, k], 0) as Record<string, unknown>;
          const key = Object.keys(fresh).find((f) => isIdLike(f));
          const kept = before.filter((b) => key === undefined || b[key] !== fresh[key]).slice(-4);
          out[k] = [...carry(kept), fresh];
          continue;
        }
        out[k] = walk(x, [...at, k]);
        continue;
      }
      const day = dateForTime(k, x, args);
      if (STABLE_FIELDS.test(k) && !argOk) {
        const v0 = earlierValue(k, x, false)?.value ?? stable.get(k) ?? x;
        stable.set(k, v0);
        out[k] = typeof v0 === typeof x ? v0 : x;
        continue;
      }
      if (item > 0) {
        // later items of a list are other things, but a search's criteria hold for all of them
        if (day !== undefined) out[k] = day;
        else if (searching && argOk && typeof x === "string" && !isIdLike(k) && !/(name|title)$/i.test(k)) out[k] = arg.value;
        else out[k] = x;
        continue;
      }
      if (argOk) {
        out[k] = arg.value;
        lock(out, k);
        continue;
      }
      if (day !== undefined) {
        out[k] = day;
        lock(out, k);
        continue;
      }
      const e = fromEntity(k, x);
      if (e !== undefined) {
        out[k] = e;
        lock(out, k);
        continue;
      }
      // Ids refer to things that already exist unless this call creates one; other fields echo values the
      // user gave earlier (a booking history shows the date the flight was booked for).
      const idLike = isIdLike(k);
      // (a search finds other things than the ones known so far)
      if (!(creator && idLike) && !(searching && idLike)) {
        const earlier = earlierValue(k, x, idLike);
        if (earlier) {
          out[k] = earlier.value;
          lock(out, k);
          continue;
        }
      }
      if (idLike && creator) {
        if (created.has(k) && typeof created.get(k) === typeof x) {
          out[k] = created.get(k);
          continue;
        }
        created.set(k, x);
      }
      out[k] = x;
    }
    return out;
  };
  let result = walk(value, []);
  priceLines(result, ctx, (rec, k) => carried.has(rec) || (lockedKeys.get(rec)?.has(k) ?? false));
  if (entity && isRecord(result)) {
    const rec = result;
    const isLocked = (k: string) => lockedKeys.get(rec)?.has(k) ?? false;
    if (creator) chargeFor(rec, entity, args, isLocked);
    if (kind === "cancel") refundFor(rec, entity, new Rng(deriveSeed(ctx.seed, `refund:${ctx.callId}`)), isLocked);
  }
  if (converting && isRecord(result)) result = convertResult(result, args);
  return { value: result, locked: (rec, key) => carried.has(rec) || (lockedKeys.get(rec)?.has(key) ?? false) };
}

/** The unit price of the thing with id `key`=`id`, from an earlier successful result that lists it. */
function knownPrice(ctx: ToolCallContext, key: string, id: unknown): number | undefined {
  let price: number | undefined;
  const visit = (v: unknown, depth: number) => {
    if (depth > 4) return;
    if (Array.isArray(v)) v.forEach((x) => visit(x, depth + 1));
    if (!isRecord(v)) return;
    if (v[key] === id) {
      const p = Object.entries(v).find(([k, x]) => /^(unit_)?price$/i.test(k) && typeof x === "number");
      if (p) price = p[1] as number;
    }
    for (const x of Object.values(v)) if (isRecord(x) || Array.isArray(x)) visit(x, depth + 1);
  };
  for (const c of ctx.history) if (c.ok) visit(c.result, 0);
  return price;
}

/**
 * Lines of a result that name a known product: the quantity asked for (or the parameter's default, 1) and a line
 * total of price x quantity.
 */
function priceLines(value: unknown, ctx: ToolCallContext, locked: (rec: Record<string, unknown>, key: string) => boolean): void {
  const props = paramProperties(ctx.tool);
  const visit = (v: unknown, depth: number) => {
    if (depth > 4) return;
    if (Array.isArray(v)) v.forEach((x) => visit(x, depth + 1));
    if (!isRecord(v)) return;
    for (const x of Object.values(v)) if (isRecord(x) || Array.isArray(x)) visit(x, depth + 1);
    const idKey = Object.keys(v).find((k) => isIdLike(k));
    const qtyKey = Object.keys(v).find((k) => /^(quantity|qty|count|units)$/i.test(k) && typeof v[k] === "number");
    const lineKey = Object.keys(v).find((k) => /^(line_total|subtotal|line_price|amount)$/i.test(k) && typeof v[k] === "number");
    if (!idKey || !qtyKey) return;
    if (!locked(v, qtyKey) && v[idKey] === ctx.arguments[idKey]) {
      const d = props[qtyKey]?.default;
      if (typeof d === "number") v[qtyKey] = d;
    }
    const price = lineKey ? knownPrice(ctx, idKey, v[idKey]) : undefined;
    if (lineKey && price !== undefined && !locked(v, lineKey)) v[lineKey] = Math.round(price * (v[qtyKey] as number) * 100) / 100;
  };
  visit(value, 0);
}

/** Nights between check-in and check-out arguments, if the call has both. */
function nightsOf(args: Record<string, unknown>): number | undefined {
  const a = Object.entries(args).find(([k, v]) => /check_?in|arrival|start/i.test(k) && typeof v === "string")?.[1];
  const b = Object.entries(args).find(([k, v]) => /check_?out|departure|end/i.test(k) && typeof v === "string")?.[1];
  if (typeof a !== "string" || typeof b !== "string") return undefined;
  const n = Math.round((Date.parse(b) - Date.parse(a)) / 86_400_000);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

/**
 * What booking the thing found before costs: the nightly rate times the nights, or its price (times the
 * passengers or guests when the call names them).
 */
function chargeFor(result: Record<string, unknown>, entity: Record<string, unknown>, args: Record<string, unknown>, locked: (k: string) => boolean): void {
  const key = Object.keys(result).find((k) => /^(total_price|total|amount_charged|price|amount)$/i.test(k) && typeof result[k] === "number");
  if (!key || locked(key)) return;
  const nightly = Object.entries(entity).find(([k, v]) => /per_night|nightly/i.test(k) && typeof v === "number")?.[1];
  const price = Object.entries(entity).find(([k, v]) => /^(price|fare|total_price)$/i.test(k) && typeof v === "number")?.[1];
  const count = Object.entries(args).find(([k, v]) => /^(passengers|guests|tickets|quantity)$/i.test(k) && typeof v === "number")?.[1];
  const nights = nightsOf(args);
  let total: number | undefined;
  if (typeof nightly === "number" && nights !== undefined) total = nightly * nights;
  else if (typeof price === "number") total = price * (typeof count === "number" && /total/.test(key) ? count : 1);
  if (total !== undefined) result[key] = Math.round(total * 100) / 100;
}

/** A refund is at most what was paid: a share of the cancelled thing's total. */
function refundFor(result: Record<string, unknown>, entity: Record<string, unknown>, rng: Rng, locked: (k: string) => boolean): void {
  const key = Object.keys(result).find((k) => /refund/i.test(k) && typeof result[k] === "number");
  const paid = Object.entries(entity).find(([k, v]) => /^(total_price|total|amount_charged|price|amount)$/i.test(k) && typeof v === "number")?.[1];
  if (!key || locked(key) || typeof paid !== "number") return;
  result[key] = Math.round(paid * rng.pick([1, 1, 0.9, 0.8, 0.5]) * 100) / 100;
}

/** A conversion's numeric result computed from its arguments (temperatures), when the units are known. */
function convertResult(result: Record<string, unknown>, args: Record<string, unknown>): Record<string, unknown> {
  const num = Object.entries(args).find(([, v]) => typeof v === "number");
  const from = Object.entries(args).find(([k]) => /^from/i.test(k))?.[1];
  const to = Object.entries(args).find(([k]) => /^to/i.test(k))?.[1];
  if (!num || typeof from !== "string" || typeof to !== "string") return result;
  const v = convertTemperature(num[1] as number, from, to);
  if (v === undefined) return result;
  const key = Object.keys(result).find((k) => typeof result[k] === "number" && (k === num[0] || /result|converted|value|temperature/i.test(k)));
  return key ? { ...result, [key]: v } : result;
}

/** The result (or injected error) of one call, as the tool agent answers it (in the shape its `returns` declares). */
function simToolResult(ctx: ToolCallContext): unknown {
  const rng = new Rng(deriveSeed(ctx.seed, `tool:${ctx.callId}:${ctx.tool.name}`));
  if (ctx.injectError) return ({ error: rng.pick(TOOL_ERRORS) });
  const schema = resultSchema(ctx.tool);
  const creator = isCreator(ctx.tool.name);
  let value: unknown;
  if (!ctx.tool.returns) {
    value = { status: "success", ...Object.fromEntries(Object.entries(ctx.arguments).slice(0, 4)) };
    if (creator) {
      const entity = identifierWords(ctx.tool.name).slice(1).join("_") || "item";
      (value as Record<string, unknown>)[`${entity}_id`] = `${entity}_${rng.int(10000, 99999)}`;
    }
    return (value);
  }
  const inner = schema;
  const raw = fakeValue(
    inner,
    {
      name: identifierWords(ctx.tool.name).slice(1).join("_") || "result",
      purpose: "result",
      tool: ctx.tool.name,
      toolDescription: ctx.tool.description,
      args: ctx.arguments,
    },
    rng,
  );
  const check = (v: unknown) => validateToolValue(ctx.tool.name, "returns", schema, v).ok;
  // With the entity's fields, then without them (a lookup's entity may not fit this schema), then as generated.
  for (const useEntity of [true, false]) {
    const a = alignResult(structuredClone(raw), ctx, useEntity);
    tidyResult(a.value, new Rng(deriveSeed(ctx.seed, `tool:${ctx.callId}:tidy`)), a.locked);
    if (check(a.value)) return a.value;
  }
  if (check(raw)) value = raw;
  else {
    // Shapes the name-based generator gets wrong: the model layer's generic schema instance.
    value = schemaExample(inner, { mode: "readable", rng });
    if (!check(value)) value = schemaExample(inner, { mode: "minimal" });
  }
  return value;
}

/**
 * The tool agent's answer for the calls of one assistant message: each call's result in order, each made with the
 * dialogue's state as it is when that call runs (the earlier calls of the batch and their results included).
 */
function simTools(ctx: ToolContext): SimAnswer {
  const known = [...ctx.known];
  const history = [...ctx.history];
  const results: unknown[] = [];
  for (const call of ctx.calls) {
    const value = simToolResult({ ...call, known: [...known], history: [...history] });
    results.push(value);
    recordCall(known, history, { callId: call.callId, tool: call.tool.name, arguments: call.arguments, result: value, ok: !call.injectError, stepId: null });
  }
  return jsonResult({ results });
}

// ------------------------------------------------------------------------------------------------ pipeline

/**
 * The simulator's answer to an agent's request, from the context the agent put on it (ChatRequest.context);
 * undefined for anything else (the generic answers of model.ts).
 */
export function pipelineAnswer(request: ChatRequest): SimAnswer | undefined {
  const ctx = request.context as AgentCallContext | undefined;
  switch (ctx?.agent) {
    case "planner":
      return jsonResult(simPlan(ctx));
    case "user":
      return jsonResult(simUser(ctx));
    case "assistant":
      return simAssistant(ctx);
    case "tool":
      return simTools(ctx);
    default:
      return undefined;
  }
}
