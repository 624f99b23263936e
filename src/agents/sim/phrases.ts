/**
 * Wording of the sim policy: verb phrases for tools ("book a flight"), argument values in natural words
 * ("from JFK to LAX on 2025-03-14"), persona-flavoured openers, and result summaries.
 */
import type { Rng } from "../../core/rng.js";
import type { ToolSpec } from "../../core/types.js";
import type { Persona } from "../prompts.js";
import { humanize, identifierWords, isRecord, paramProperties } from "../tool-schema.js";

const THE_VERBS = new Set([
  "get", "retrieve", "fetch", "check", "compute", "calculate", "set", "contact", "close", "edit", "resolve", "update",
  "delete", "remove", "cancel", "verify", "view", "show", "read", "find", "lookup", "estimate", "track", "convert",
]);
const VERBS = new Set([
  ...THE_VERBS, "create", "book", "register", "add", "send", "post", "make", "purchase", "buy", "open", "search",
  "list", "schedule", "submit", "upload", "generate", "reserve", "start", "stop", "authenticate", "login", "logout",
  "translate", "plan", "order", "pay", "transfer", "share", "invite", "rate", "review", "approve", "assign", "move",
  "copy", "rename", "archive", "download", "subscribe", "unsubscribe", "predict", "analyze", "summarize", "query",
  "append", "attach", "reply", "forward", "mark", "sort", "filter", "fill", "toggle", "lock", "unlock", "enable",
  "disable", "apply", "redeem", "return", "refund", "echo", "count", "sum", "mean", "add", "multiply", "divide",
  "post", "like", "follow", "synchronize", "sync", "calculate", "validate", "detect", "scan", "unfollow", "block", "comment", "tag", "pin", "display", "press", "adjust", "activate",
]);
const PREPOSITIONS = new Set(["to", "for", "by", "from", "of", "in", "on", "with"]);

/** Identifier words without version suffixes ("book_flight_v2" -> book, flight). */
function toolWords(name: string): string[] {
  let w = identifierWords(name).filter((x) => !/^v?\d+$/.test(x));
  // ToolBench names end with "_for_<api name>": the endpoint is what the user asks for.
  const i = w.lastIndexOf("for");
  if (i > 0 && i < w.length - 1) w = w.slice(0, i);
  return w;
}
const NO_ARTICLE = new Set(["all", "my", "the", "some", "any", "every", "each", "current", "nearest", "latest"]);

/** "book_flight" -> "book a flight", "get_flight_cost" -> "get the flight cost", "list_all_airports" -> "list all airports". */
export function toolPhrase(tool: Pick<ToolSpec, "name">): string {
  const all = toolWords(tool.name);
  if (all.length === 0) return "use that tool";
  const vi = all.findIndex((x) => VERBS.has(x));
  if (vi < 0) return `get the ${all.join(" ")}`;
  // "ticket_login" -> login + ticket; "travel_get_login_status" -> get + login status.
  const after = all.slice(vi + 1);
  const w = [all[vi]!, ...(after.length > 0 ? after : all.slice(0, vi))];
  const [verb, ...rest] = w;
  if (rest.length === 0) return verb === "logout" || verb === "login" ? `${verb === "logout" ? "log out" : "log in"}` : verb!;
  if (verb === "authenticate" || verb === "login") return `log in to the ${rest.join(" ")} service`;
  if (NO_ARTICLE.has(rest[0]!)) return `${verb} ${rest.join(" ")}`;
  const obj = rest.join(" ");
  if (THE_VERBS.has(verb!) || obj.endsWith("s") || verb === "list" || verb === "search") return `${verb} the ${obj}`;
  return `${verb} ${/^[aeiou]/.test(obj) ? "an" : "a"} ${obj}`;
}

/** Past-tense-ish label for a result summary: "book_flight" -> "the flight booking". */
export function resultLabel(tool: Pick<ToolSpec, "name">): string {
  const w = toolWords(tool.name);
  const vi = w.findIndex((x) => VERBS.has(x));
  if (vi >= 0 && (w[vi] === "authenticate" || w[vi] === "login")) return "login";
  let obj = vi >= 0 ? [...w.slice(vi + 1)] : w;
  if (obj.length === 0) obj = vi > 0 ? w.slice(0, vi) : w;
  while (obj.length > 1 && (PREPOSITIONS.has(obj[0]!) || NO_ARTICLE.has(obj[0]!))) obj.shift();
  return obj.join(" ") || w.join(" ");
}

/** A value as the user would write it (strings verbatim, quoted when they are sentences). */
export function spoken(v: unknown): string {
  if (typeof v === "string") return /\s/.test(v) && v.split(/\s+/).length > 3 ? `"${v}"` : v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return joinAnd(v.map(spoken));
  return JSON.stringify(v);
}

export function joinAnd(items: string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

/** One argument in natural words: "from JFK", "on 2025-03-14", "the travel class economy". */
function argPhrase(name: string, value: unknown): string[] {
  if (isRecord(value)) {
    return Object.entries(value).flatMap(([k, v]) => argPhrase(k, v).map((p) => (p.startsWith("the ") ? p : p)));
  }
  const n = name.toLowerCase();
  const words = identifierWords(name);
  if (/(^|_)from$|^origin$|^source$|departure/.test(n)) return [`from ${spoken(value)}`];
  if (/(^|_)to$|^destination$|arrival/.test(n)) return [`to ${spoken(value)}`];
  if (/^(travel_)?date$|^day$/.test(n)) return [`on ${spoken(value)}`];
  if (typeof value === "boolean") return [`with ${humanize(name)} set to ${value}`];
  const label = words.join(" ");
  return [`the ${label} is ${spoken(value)}`];
}

/** All stated arguments of one call in natural words. */
export function argsSentence(args: Record<string, unknown>): string {
  const parts = Object.entries(args).flatMap(([k, v]) => argPhrase(k, v));
  const order = (p: string) => (p.startsWith("from ") ? 0 : p.startsWith("to ") ? 1 : 2);
  const lead = parts.filter((p) => /^(from|to|on) /.test(p)).sort((a, b) => order(a) - order(b));
  const rest = parts.filter((p) => !/^(from|to|on) /.test(p));
  const chunks: string[] = [];
  if (lead.length > 0) chunks.push(lead.join(" "));
  chunks.push(...rest);
  return joinAnd(chunks);
}

/** Capitalize the first letter. */
export function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** A request for `phrase` in the persona's style; `first` adds a greeting. */
export function askFor(phrase: string, persona: Persona, rng: Rng, first: boolean): string {
  const style = persona.style;
  const hello = first ? greeting(persona, rng) : "";
  switch (style) {
    case "polite":
      return `${hello}Could you please ${phrase}?`;
    case "terse":
      return `${cap(phrase)}.`;
    case "chatty":
      return rng.pick([
        `${hello}Could you ${phrase}?`,
        `${hello}I was hoping you could ${phrase}.`,
        `${hello}I'd love it if you could ${phrase}.`,
      ]);
    case "casual":
      return `${hello}${rng.pick(["can you", "could you"])} ${phrase}?`;
    case "formal":
      return `${hello}I would like you to ${phrase}.`;
    default:
      return `${hello}Please ${phrase}.`;
  }
}

/** The persona's greeting at the start of the conversation ("" for terse users). */
export function greeting(persona: Persona, rng: Rng): string {
  return (
    {
      polite: rng.pick(["Hello! ", "Hi there! ", "Good morning! "]),
      terse: "",
      chatty: rng.pick(["Hi! Hope your day is going well. ", "Hey there! ", "Hi! "]),
      casual: rng.pick(["hey, ", "hi! ", "yo, "]),
      formal: rng.pick(["Good afternoon. ", "Hello. ", "Good morning. "]),
    }[persona.style] ?? "Hi. "
  );
}

/** A sentence giving details, in the persona's style. */
export function detailsSentence(details: string, persona: Persona, rng: Rng): string {
  if (details === "") return "";
  if (/[.!?]"$/.test(details)) details = details.slice(0, -2) + '"';
  switch (persona.style) {
    case "terse":
      return `${cap(details)}.`;
    case "casual":
      return `${rng.pick(["so", "fyi"])} ${details}.`;
    case "formal":
      return `For your reference, ${details}.`;
    default:
      return `${cap(details)}.`;
  }
}

/** Small talk that moves the conversation on; `topic` is the next topic, if any. */
export function chitchat(persona: Persona, rng: Rng, topic: string | undefined): string {
  const thanks = {
    polite: "Thank you so much, that's very helpful.",
    terse: "Thanks.",
    chatty: rng.pick(["Oh, that's great, thanks a lot! Honestly this is saving me so much time.", "Perfect, thank you! This week has been hectic, so that really helps."]),
    casual: rng.pick(["nice, thanks!", "cool, thanks a bunch"]),
    formal: "Thank you, that is noted.",
  }[persona.style] ?? "Thanks.";
  if (!topic) return `${thanks} ${rng.pick(["You've been a great help.", "That covers what I needed for now."])}`;
  return `${thanks} ${rng.pick([
    `Next I'd like to look at something else: I also need to ${topic}.`,
    `That reminds me, I also need to ${topic}.`,
    `While we're at it, I'd like to ${topic} as well.`,
  ])}`;
}

/** Describe what a tool needs (for no_tool answers). */
export function needsSentence(tool: ToolSpec, required: string[]): string {
  const props = paramProperties(tool);
  if (required.length === 0) return `To ${toolPhrase(tool)} I don't need any details from you.`;
  const items = required.map((r) => {
    const d = props[r]?.description;
    const clean = typeof d === "string" ? d.trim().replace(/[\s.]+$/, "") : "";
    return clean !== "" && clean.length < 80 ? `the ${humanize(r)} (${clean.charAt(0).toLowerCase()}${clean.slice(1)})` : `the ${humanize(r)}`;
  });
  return `To ${toolPhrase(tool)} I need ${joinAnd(items)}.`;
}
