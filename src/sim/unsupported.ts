/**
 * `unsupported` plan steps in the simulator: a request near the dialogue's tools (an object a tool handles) with an
 * action none of them offers ("cancel the hotel booking" when the tools search and book hotels), the user's
 * message asking for it, and the assistant's short refusal that says what it can do instead.
 *
 * The planner writes the request into the step's intent in a fixed form (`unsupportedIntent`), so the simulated
 * user and assistant, which see the plan but not the planner's seed, read the same request back from it.
 */
import type { Persona } from "../agents/index.js";
import { identifierWords, toolByName } from "../agents/index.js";
import type { Rng, ToolSpec } from "../core/index.js";
import { cap, greeted, joinAnd, resultLabel, toolPhrase } from "./phrases.js";
import { actionKind, singularWord, toolVerb } from "./values.js";

/** A request no tool serves: what the user asks for, and the tool whose object it is about. */
export interface UnsupportedRequest {
  /** A verb phrase: "cancel the hotel booking". */
  action: string;
  /** The nearest tool (whose object the action is about). */
  tool: string;
}

interface ActionTemplate {
  /** Words that, in any tool name or description, mean a tool may serve the action: then it is not used. */
  keys: string[];
  /** Only for objects a tool creates (a booking, an order): cancelling a weather forecast makes no sense. */
  createdOnly: boolean;
  text: (object: string) => string;
}

const ACTIONS: ActionTemplate[] = [
  { keys: ["cancel", "cancellation", "refund", "void", "revoke"], createdOnly: true, text: (o) => `cancel the ${o}` },
  { keys: ["delete", "remove", "erase", "clear", "archive"], createdOnly: true, text: (o) => `delete the ${o} for good` },
  { keys: ["transfer", "assign", "move", "reassign"], createdOnly: true, text: (o) => `transfer the ${o} to someone else` },
  { keys: ["review", "rate", "rating", "feedback", "comment"], createdOnly: true, text: (o) => `post a review of the ${o}` },
  { keys: ["print", "printer"], createdOnly: false, text: (o) => `print out the ${o}` },
  { keys: ["share", "send", "email", "mail", "forward", "message"], createdOnly: false, text: (o) => `email the ${o} to a colleague` },
  { keys: ["export", "download", "spreadsheet", "csv", "pdf", "excel"], createdOnly: false, text: (o) => `export the ${o} to a spreadsheet` },
  { keys: ["translate", "translation", "language", "french"], createdOnly: false, text: (o) => `translate the ${o} into French` },
  { keys: ["remind", "reminder", "alarm", "calendar", "notify", "notification", "schedule"], createdOnly: false, text: (o) => `set a reminder about the ${o} for next week` },
  { keys: ["phone", "call", "dial"], createdOnly: false, text: (o) => `phone someone about the ${o}` },
];

const PREPOSITIONS = new Set(["to", "for", "by", "from", "of", "in", "on", "with", "at"]);

/** What a creating verb makes: book -> booking ("the hotel booking"). */
const MADE: Record<string, string> = { book: "booking", reserve: "reservation", order: "order", register: "registration", subscribe: "subscription", schedule: "appointment", purchase: "purchase", buy: "purchase" };

/** The thing a tool works on, as a noun phrase: "hotel booking", "weather forecast". */
function objectOf(tool: ToolSpec): string {
  let words = resultLabel(tool).split(" ").filter(Boolean);
  // "airport by city" -> "airport"
  const prep = words.findIndex((w, i) => i > 0 && PREPOSITIONS.has(w));
  if (prep > 0) words = words.slice(0, prep);
  if (words.length === 0) return "request";
  words[words.length - 1] = singularWord(words[words.length - 1]!);
  const made = actionKind(tool.name) === "create" ? MADE[toolVerb(tool.name)] : undefined;
  if (made && words[words.length - 1] !== made) words.push(made);
  return words.join(" ");
}

/** Every word of the tools' names and descriptions (what the tools might be able to do). */
function toolWords(tools: readonly ToolSpec[]): Set<string> {
  const out = new Set<string>();
  for (const t of tools) {
    for (const w of identifierWords(t.name)) out.add(w.toLowerCase());
    for (const w of t.description.toLowerCase().split(/[^a-z]+/)) if (w) out.add(w);
  }
  return out;
}

/**
 * A request near the tools that none of them serves: an object one of them handles with an action none offers
 * (no key word of the action in any tool's name or description). `avoid` holds actions already used in the plan.
 */
export function pickUnsupportedRequest(tools: readonly ToolSpec[], rng: Rng, avoid: readonly string[] = []): UnsupportedRequest {
  const words = toolWords(tools);
  const free = ACTIONS.filter((a) => !a.keys.some((k) => words.has(k)));
  const options: UnsupportedRequest[] = [];
  for (const tool of tools) {
    const created = actionKind(tool.name) === "create";
    const object = objectOf(tool);
    for (const a of free) {
      if (a.createdOnly && !created) continue;
      const action = a.text(object);
      if (!avoid.includes(action)) options.push({ action, tool: tool.name });
    }
  }
  if (options.length > 0) return rng.pick(options);
  // Every action might be served: ask for something in the domain that is plainly outside a tool's reach.
  const tool = tools.length > 0 ? rng.pick([...tools]) : undefined;
  return { action: `change the wallpaper of the ${tool ? objectOf(tool) : "room"} to blue`, tool: tool?.name ?? "" };
}

const INTENT = /^Ask the assistant to (.+), which none of the tools can do(?: \(closest tool: ([^)]*)\))?\.?$/;

/** The plan step's intent for a request (read back by `unsupportedRequestOf`). */
export function unsupportedIntent(r: UnsupportedRequest): string {
  return `Ask the assistant to ${r.action}, which none of the tools can do${r.tool ? ` (closest tool: ${r.tool})` : ""}`;
}

/**
 * The request of an unsupported step, read from its intent; for an intent in another form (a real planner's),
 * the intent itself as the action.
 */
export function unsupportedRequestOf(intent: string): UnsupportedRequest {
  const m = INTENT.exec(intent.trim());
  if (m) return { action: m[1]!, tool: m[2] ?? "" };
  const action = intent
    .trim()
    .replace(/[.!?]+$/, "")
    .replace(/^(the user )?(asks?|requests?|wants?)( the assistant)?( (to|for))?\s+/i, "");
  return { action: action.charAt(0).toLowerCase() + action.slice(1), tool: "" };
}

/** The user's message asking for it. */
export function unsupportedAsk(r: UnsupportedRequest, persona: Persona, rng: Rng, first: boolean): string {
  if (!first)
    return rng.pick([
      `Could you also ${r.action}?`,
      `One more thing: can you ${r.action}?`,
      `I'd also like you to ${r.action}, please.`,
      `Is it possible for you to ${r.action}?`,
      `Can you ${r.action} while you're at it?`,
      `Oh, and please ${r.action}.`,
    ]);
  const q = rng.pick([`Could you ${r.action}?`, `I need you to ${r.action}, please.`, `Is it possible for you to ${r.action}?`]);
  return greeted(q, persona, rng, true);
}

/** The assistant's refusal: it cannot do that (no tool does), and what it can do instead. */
export function unsupportedDecline(r: UnsupportedRequest, tools: readonly ToolSpec[], rng: Rng): string {
  const near = toolByName(tools, r.tool);
  const others = tools.filter((t) => t !== near);
  const can = [...(near ? [near] : []), ...others].slice(0, 3).map((t) => toolPhrase(t));
  const what = r.action || "do that";
  const head = rng.pick([
    `I'm sorry, but I can't ${what}: none of the tools I have can do that.`,
    `Unfortunately I'm not able to ${what}; that's outside what my tools support.`,
    `Sorry, I can't help you ${what}, as I have no tool for it.`,
  ]);
  if (can.length === 0) return head;
  return `${head} ${cap(
    rng.pick([`what I can do is ${joinAnd(can)}, if that helps.`, `I can ${joinAnd(can)} instead, if you like.`, `I can still ${joinAnd(can)} for you.`]),
  )}`;
}
