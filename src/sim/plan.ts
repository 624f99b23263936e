/**
 * The sim policy's planner: a deterministic DialoguePlan over the sampled tools, mixing the step kinds the way
 * the method asks (single, parallel, chained, clarify, no_tool, chitchat) while respecting the tools'
 * dependencies (a tool whose parameter another tool returns comes after it), plus `unsupported` requests at the
 * share the context's step mix asks for.
 */
import { deriveSeed, Rng } from "../core/index.js";
import type { DialoguePlan, PlanStep, PlanStepKind, ToolSpec } from "../core/index.js";
import type { PlannerContext } from "../agents/index.js";
import { identifierWords, paramProperties, requiredParams, toolByName, unsupportedStepCount } from "../agents/index.js";
import { cap, joinAnd, toolPhrase } from "./phrases.js";
import { PERSONAL, simProduces, userSuppliedParams } from "./resolve.js";
import { pickUnsupportedRequest, unsupportedIntent, type UnsupportedRequest } from "./unsupported.js";
import { actionKind, toolVerb } from "./values.js";

interface Draft {
  kind: PlanStepKind;
  tools: string[];
  /** Tools whose results this step uses (from earlier steps). */
  needs: string[];
  missingArgs?: string[];
  subject?: string;
  /** For unsupported steps: what the user asks for. */
  request?: UnsupportedRequest;
}

const READ_VERBS = new Set(["get", "search", "compute", "check", "find", "list", "retrieve", "estimate", "convert", "calculate", "fetch", "lookup", "view"]);

function intentOf(d: Draft, tools: readonly ToolSpec[], next: Draft | undefined): string {
  const phrase = (n: string) => toolPhrase(toolByName(tools, n) ?? { name: n });
  switch (d.kind) {
    case "single":
      return cap(phrase(d.tools[0]!));
    case "parallel":
      return new Set(d.tools).size === 1
        ? `${cap(phrase(d.tools[0]!))} for ${d.tools.length} different cases at once`
        : `${cap(joinAnd(d.tools.map(phrase)))} in one request`;
    case "chained":
      return d.tools.length > 1
        ? `${cap(phrase(d.tools[0]!))}, then use its result to ${d.tools.slice(1).map(phrase).join(" and ")}`
        : `${cap(phrase(d.tools[0]!))} using the result of ${joinAnd(d.needs.map(phrase))}`;
    case "clarify":
      return `${cap(phrase(d.tools[0]!))} but leave out the ${(d.missingArgs ?? []).map((a) => identifierWords(a).join(" ")).join(" and ")} until asked`;
    case "no_tool":
      return `Ask what information is needed to ${d.subject ? phrase(d.subject) : "get started"}`;
    case "chitchat":
      return next && next.tools[0]
        ? `Thank the assistant and bring up the next topic: ${phrase(next.tools[0])}`
        : "Thank the assistant and wrap up";
    case "unsupported":
      return unsupportedIntent(d.request ?? { action: "do something none of the tools offers", tool: "" });
  }
}

/** Verbs that end something's life (check out a cart, cancel a booking, delete a note): done after the rest. */
const FINAL_VERBS = new Set(["checkout", "pay", "purchase", "submit", "cancel", "delete", "remove", "close", "archive", "logout", "refund"]);

function isFinal(tool: ToolSpec): boolean {
  const k = actionKind(tool.name);
  return FINAL_VERBS.has(toolVerb(tool.name)) || k === "cancel" || k === "delete";
}

/**
 * The sampled tools in an order a person would use them: a tool comes after a tool that returns a value it needs
 * (search_hotels before book_hotel), and a tool that ends something (checkout, cancel, delete) after the other
 * tools that work on the same thing (add to the cart before checking it out). Otherwise the sample's order.
 */
export function sensibleOrder(tools: readonly ToolSpec[]): ToolSpec[] {
  const remaining = [...tools];
  const placed: ToolSpec[] = [];
  const needsMet = (t: ToolSpec) =>
    requiredParams(t).every((p) => {
      const producers = tools.filter((b) => b !== t && simProduces(b, p, paramProperties(t)[p]));
      return producers.length === 0 || producers.some((b) => placed.includes(b));
    });
  const idParams = (t: ToolSpec) => requiredParams(t).filter((p) => /(_id|Id|^id)$/.test(p));
  const waitsForOthers = (t: ToolSpec) =>
    isFinal(t) &&
    remaining.some((o) => o !== t && !isFinal(o) && idParams(o).some((p) => idParams(t).includes(p)));
  while (remaining.length > 0) {
    const next =
      remaining.find((t) => needsMet(t) && !waitsForOthers(t)) ??
      remaining.find((t) => !waitsForOthers(t)) ??
      remaining.find((t) => needsMet(t)) ??
      remaining[0]!;
    placed.push(next);
    remaining.splice(remaining.indexOf(next), 1);
  }
  return placed;
}

/**
 * Whether two different tools make a natural "at the same time" request: independent ones (neither returns what
 * the other needs), and neither ends something (checking out a cart while doing something else reads oddly).
 */
function pairable(a: ToolSpec, b: ToolSpec): boolean {
  if (isFinal(a) || isFinal(b)) return false;
  const feeds = (x: ToolSpec, y: ToolSpec) => requiredParams(y).some((p) => simProduces(x, p, paramProperties(y)[p]));
  return !feeds(a, b) && !feeds(b, a);
}

/** A deterministic plan for the sampled tools (what the sim backend answers to the planner). */
export function simPlan(ctx: PlannerContext): DialoguePlan {
  const rng = new Rng(deriveSeed(ctx.seed, "sim-planner"));
  const sampled = ctx.sample.tools.map((n) => toolByName(ctx.tools, n)).filter((t): t is ToolSpec => t !== undefined);
  for (const t of ctx.tools) if (!sampled.includes(t)) sampled.push(t);
  const order = sensibleOrder(sampled);
  let drafts: Draft[] = [];
  order.forEach((tool, i) => {
    const before = order.slice(0, i);
    const needs = before
      .filter((b) => requiredParams(tool).some((p) => simProduces(b, p, paramProperties(tool)[p]) && b.name !== tool.name))
      .map((b) => b.name);
    const prev = drafts[drafts.length - 1];
    if (needs.length > 0) {
      const last = prev?.tools[prev.tools.length - 1];
      if (prev && prev.kind === "single" && prev.tools.length === 1 && last && needs.includes(last) && rng.chance(0.5)) {
        prev.kind = "chained";
        prev.tools.push(tool.name);
        prev.needs.push(...needs.filter((n) => n !== last));
        return;
      }
      drafts.push({ kind: "chained", tools: [tool.name], needs });
      return;
    }
    const first = prev ? toolByName(ctx.tools, prev.tools[0]!) : undefined;
    if (prev && first && prev.kind === "single" && prev.needs.length === 0 && pairable(first, tool) && rng.chance(0.35)) {
      prev.kind = "parallel";
      // a lookup before an action ("check the weather and book the table"), else the sample's order
      if (actionKind(tool.name) === "read" && actionKind(first.name) !== "read") prev.tools.unshift(tool.name);
      else prev.tools.push(tool.name);
      return;
    }
    drafts.push({ kind: "single", tools: [tool.name], needs: [] });
  });
  // The same lookup twice in one turn.
  for (const d of drafts) {
    const tool = toolByName(ctx.tools, d.tools[0]!);
    if (d.kind !== "single" || !tool) continue;
    const verb = identifierWords(tool.name)[0] ?? "";
    const varying = userSuppliedParams(tool, []).filter((p) => !PERSONAL.test(p));
    if (READ_VERBS.has(verb) && varying.length > 0 && rng.chance(0.25)) {
      d.kind = "parallel";
      d.tools.push(tool.name);
      break;
    }
  }
  // One clarify step: a single call whose user-supplied argument is left out at first.
  const clarifiable = drafts.filter((d) => {
    if (d.kind !== "single") return false;
    const idx = order.findIndex((t) => t.name === d.tools[0]);
    return userSuppliedParams(order[idx]!, order.slice(0, idx)).some((p) => !/token|secret|password/i.test(p));
  });
  if (clarifiable.length > 0 && rng.chance(0.6)) {
    const d = rng.pick(clarifiable);
    const idx = order.findIndex((t) => t.name === d.tools[0]);
    const params = userSuppliedParams(order[idx]!, order.slice(0, idx)).filter((p) => !/token|secret|password/i.test(p));
    d.kind = "clarify";
    d.missingArgs = [rng.pick(params)];
  }
  // A question answered without tools, before the step it asks about.
  const toolSteps = drafts.filter((d) => d.tools.length > 0);
  if (rng.chance(0.35)) {
    const target = rng.pick(toolSteps);
    const spec = toolByName(ctx.tools, target.tools[0]!);
    if (spec && requiredParams(spec).length > 0) {
      drafts.splice(drafts.indexOf(target), 0, { kind: "no_tool", tools: [], needs: [], subject: target.tools[0]! });
    }
  }
  // Small talk between topics.
  let chats = 0;
  for (let i = drafts.length - 1; i > 0; i--) {
    if (chats >= 2) break;
    if (drafts[i]!.tools.length > 0 && drafts[i - 1]!.tools.length > 0 && rng.chance(0.3)) {
      drafts.splice(i, 0, { kind: "chitchat", tools: [], needs: [] });
      chats++;
    }
  }
  // Requests no tool serves, at the step mix's share: over many plans, `share` of all steps. Drawn with their own
  // generator so a plan without them is the plan the simulator always wrote.
  const share = ctx.stepMix?.unsupported ?? 0;
  const urng = new Rng(deriveSeed(ctx.seed, "sim-planner:unsupported"));
  const unsupportedCount = unsupportedStepCount(share, drafts.length, ctx.maxTurns, urng);
  // Fit the turn limit (leaving room for the unsupported steps).
  const limit = ctx.maxTurns - unsupportedCount;
  const unused: DialoguePlan["unusedTools"] = [];
  const turns = () => drafts.reduce((n, d) => n + (d.kind === "clarify" ? 2 : 1), 0);
  const dropKind = (kind: PlanStepKind) => {
    const i = drafts.map((d) => d.kind).lastIndexOf(kind);
    if (i < 0) return false;
    drafts.splice(i, 1);
    return true;
  };
  while (turns() > limit && dropKind("chitchat"));
  while (turns() > limit && dropKind("no_tool"));
  for (const d of drafts) {
    if (turns() <= limit) break;
    if (d.kind === "clarify") {
      d.kind = "single";
      delete d.missingArgs;
    }
  }
  while (turns() > limit && drafts.length > 1) {
    const d = drafts.pop()!;
    for (const t of d.tools) {
      if (!drafts.some((x) => x.tools.includes(t)) && !unused.some((u) => u.tool === t))
        unused.push({ tool: t, reason: "left out so the conversation fits the turn limit" });
    }
  }
  drafts = drafts.filter((d, i) => !(d.kind === "chitchat" && i === drafts.length - 1));
  const asked: string[] = [];
  for (let k = 0; k < unsupportedCount; k++) {
    const request = pickUnsupportedRequest(sampled, urng, asked);
    asked.push(request.action);
    // not right after small talk or a question that leads into the next tool step
    const at = [...Array(drafts.length + 1).keys()].filter((i) => i === 0 || (drafts[i - 1]!.kind !== "chitchat" && drafts[i - 1]!.kind !== "no_tool"));
    drafts.splice(urng.pick(at), 0, { kind: "unsupported", tools: [], needs: [], request });
  }
  // Number the steps and link dependencies to the steps that call the producing tools.
  const steps: PlanStep[] = [];
  drafts.forEach((d, i) => {
    const id = i + 1;
    const dependsOn = new Set<number>();
    for (const n of d.needs) {
      const s = [...steps].reverse().find((e) => e.tools.includes(n));
      if (s) dependsOn.add(s.id);
    }
    let kind = d.kind;
    if (kind === "chained" && d.tools.length < 2 && dependsOn.size === 0) kind = "single";
    const step: PlanStep = {
      id,
      kind,
      intent: intentOf({ ...d, kind }, ctx.tools, drafts.slice(i + 1).find((x) => x.tools.length > 0)),
      tools: [...d.tools],
      dependsOn: [...dependsOn].sort((a, b) => a - b),
    };
    if (d.missingArgs) step.missingArgs = [...d.missingArgs];
    steps.push(step);
  });
  return { steps, unusedTools: unused };
}
