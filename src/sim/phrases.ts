/**
 * Wording of the sim policy: verb phrases for tools ("book a flight"), argument values in natural words
 * ("from JFK to LAX on 2025-03-14"), persona-flavoured openers, and result summaries.
 */
import type { Rng } from "../core/index.js";
import type { ToolSpec } from "../core/index.js";
import type { Persona } from "../agents/index.js";
import { humanize, identifierWords, isRecord, paramProperties } from "../agents/index.js";

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
  "post", "like", "follow", "checkout", "synchronize", "sync", "calculate", "validate", "detect", "scan", "unfollow", "block", "comment", "tag", "pin", "display", "press", "adjust", "activate",
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
  if (rest.length === 0) return verb === "logout" || verb === "login" ? `${verb === "logout" ? "log out" : "log in"}` : verb === "checkout" ? "check out" : verb!;
  if (verb === "authenticate" || verb === "login") return `log in to the ${rest.join(" ")} service`;
  if (verb === "checkout") return `check out the ${rest.join(" ")}`;
  if (NO_ARTICLE.has(rest[0]!)) return `${verb} ${rest.join(" ")}`;
  // "add_to_cart" -> "add to the cart", "append_to_note" -> "append to the note"
  if (PREPOSITIONS.has(rest[0]!) && rest.length > 1) return `${verb} ${rest[0]} the ${rest.slice(1).join(" ")}`;
  const obj = rest.join(" ");
  if (verb === "search" && obj.endsWith("s")) return `search for ${obj}`;
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

/** The parts of an address in the order people write them: "Noah Kim, 12 Harbor Street, 10178 Berlin, DE". */
function addressPhrase(value: Record<string, unknown>): string | undefined {
  const get = (re: RegExp) => Object.entries(value).find(([k, v]) => re.test(k) && (typeof v === "string" || typeof v === "number"));
  const street = get(/street|line|address/i);
  const city = get(/city|town/i);
  if (!street || !city) return undefined;
  const name = get(/name|recipient/i);
  const postal = get(/postal|zip|post_?code/i);
  const used = new Set([street, city, name, postal].filter(Boolean).map((e) => e![0]));
  const others = Object.entries(value).filter(([k]) => !used.has(k)).map(([, v]) => String(v));
  const cityPart = postal ? `${postal[1]} ${city[1]}` : String(city[1]);
  return [name?.[1], street[1], cityPart, ...others].filter((x) => x !== undefined).join(", ");
}

const DATE_VALUE = /^\d{4}-\d{2}-\d{2}$/;
const DATETIME_VALUE = /^\d{4}-\d{2}-\d{2}T/;

/** One argument in natural words: "from JFK", "on 2025-03-14", "checking out on 2025-08-16", "the travel class is economy". */
function argPhrase(name: string, value: unknown, rng: Rng | undefined): string[] {
  const pick = (options: string[]) => (rng ? rng.pick(options) : options[0]!);
  const v = spoken(value);
  if (isRecord(value)) {
    const address = /address|shipping|billing|deliver/i.test(name) ? addressPhrase(value) : undefined;
    if (address) return [pick([`ship it to ${address}`, `the ${humanize(name)} is ${address}`, `send it to ${address}`])];
    return Object.entries(value).flatMap(([k, x]) => argPhrase(k, x, rng));
  }
  const n = name.toLowerCase();
  const words = identifierWords(name);
  const label = words.join(" ");
  if (typeof value === "boolean") return [`with ${humanize(name)} set to ${value}`];
  if (typeof value === "string" && DATE_VALUE.test(value)) {
    if (/check_?in|arrival/.test(n)) return [pick([`checking in on ${v}`, `arriving on ${v}`])];
    if (/check_?out/.test(n)) return [pick([`checking out on ${v}`, `leaving on ${v}`])];
    if (/return/.test(n)) return [`returning on ${v}`];
    if (/depart/.test(n)) return [pick([`on ${v}`, `departing on ${v}`])];
    if (/(^|_)(start|from|begin)/.test(n)) return [`starting ${v}`];
    if (/(^|_)(end|until|to)(_|$)/.test(n)) return [`until ${v}`];
    if (/^(travel_)?date$|^day$/.test(n)) return [`on ${v}`];
  }
  if (typeof value === "string" && DATETIME_VALUE.test(value) && /remind|_at$|time/.test(n))
    return [pick([`at ${v}`, `for ${v}`])];
  if (/(^|_)from$|^origin$|^source$|departure|^from_[a-z]+$/.test(n)) return [`from ${v}`];
  if (/(^|_)to$|^destination$|arrival|^to_[a-z]+$/.test(n)) return [`to ${v}`];
  if (/^(city|location)$/.test(n)) return [pick([`in ${v}`, `the city is ${v}`, `for ${v}`])];
  if (/^guest_?name$/.test(n)) return [pick([`the reservation is under ${v}`, `the guest is ${v}`, `it's for ${v}`])];
  if (/^passenger_?name$/.test(n)) return [pick([`the passenger is ${v}`, `it's for ${v}`])];
  if (/^(customer_|user_|my_)?e_?mail$/.test(n)) return [pick([`my email is ${v}`, `my email address is ${v}`])];
  if (/e_?mail$/.test(n)) return [pick([`the ${label} is ${v}`, `send it to ${v}`])];
  if (/^(query|q|keywords?|search_?term|search)$/.test(n)) return [pick([`matching "${value}"`, `look for "${value}"`, `the search terms are "${value}"`])];
  if (/^title$|_title$/.test(n)) return [pick([`titled "${value}"`, `the ${label} is "${value}"`])];
  if (/^(content|text|body|message)$/.test(n)) return [pick([`saying "${value}"`, `the ${label} is "${value}"`, `with the ${label} "${value}"`])];
  if (/^(guests|passengers|adults|people|travell?ers)$/.test(n) && typeof value === "number") return [`for ${v} ${value === 1 ? "person" : label}`];
  if (/^limit$|^max_?results$/.test(n) && typeof value === "number") return [pick([`at most ${v} results`, `no more than ${v} results`])];
  if (/^payment_?method$/.test(n)) return [pick([`paying by ${v}`, `I'll pay with ${v}`, `the payment method is ${v}`])];
  if (/^(cabin|travel|seat)_?class$/.test(n)) return [pick([`in ${v} class`, `the ${label} is ${v}`])];
  if (/^tags?$/.test(n)) return [`tagged ${v}`];
  if (/^category$/.test(n)) return [pick([`in the ${v} category`, `the category is ${v}`])];
  if (/^(unit|units)$/.test(n)) return [pick([`in ${v}`, `the unit is ${v}`])];
  if (/^max_/.test(n) && typeof value === "number") return [pick([`with a maximum ${words.slice(1).join(" ")} of ${v}`, `the ${label} is ${v}`])];
  return [
    pick([`the ${label} is ${v}`, `the ${label} is ${v}`, `use ${v} for the ${label}`, `the ${label} should be ${v}`, `${label}: ${v}`]),
  ];
}

/** All stated arguments of one call in natural words (with an Rng, the wording varies). */
export function argsSentence(args: Record<string, unknown>, rng?: Rng): string {
  const parts = Object.entries(args).flatMap(([k, v]) => argPhrase(k, v, rng));
  const order = (p: string) => (p.startsWith("from ") ? 0 : p.startsWith("to ") ? 1 : p.startsWith("returning ") ? 3 : 2);
  const LEAD = /^(from|to|on|departing on|returning on) /;
  const lead = parts.filter((p) => LEAD.test(p)).sort((a, b) => order(a) - order(b));
  const rest = parts.filter((p) => !LEAD.test(p));
  const chunks: string[] = [];
  if (lead.length > 0) chunks.push(lead.join(" "));
  chunks.push(...rest);
  return joinAnd(chunks);
}

/** Phrases that continue a request rather than stand alone ("in Toronto", "titled ...", "arriving on ..."). */
const FRAGMENT = /^(in|on|at|for|from|to|titled|saying|arriving|checking|departing|leaving|returning|starting|until|with|tagged|paying|matching|look|ship|send|it's)\b/;

/** Whether a details text reads as the continuation of a request (and can go into the same sentence). */
export function isFragment(details: string): boolean {
  return FRAGMENT.test(details);
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

/**
 * `question` opened with the persona's greeting when `first` (drawn after the question); after a greeting that
 * ends in a comma ("hey, ") the question goes on in lower case.
 */
export function greeted(question: string, persona: Persona, rng: Rng, first: boolean): string {
  const hello = first ? greeting(persona, rng) : "";
  return hello + (hello.endsWith(", ") ? question.charAt(0).toLowerCase() + question.slice(1) : question);
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
  const said = /[.!?]$/.test(thanks) ? thanks : `${thanks}.`;
  if (!topic) return `${said} ${rng.pick(["You've been a great help.", "That covers what I needed for now."])}`;
  return `${said} ${rng.pick([
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
