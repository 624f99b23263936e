/**
 * `toolflow tools lint`: rules that catch tools no dialogue should use before they cost one. Each rule looks at
 * one tool (or, for boilerplate descriptions, at the whole catalogue) and reports findings with the rule id, the
 * tool, the field and a short reason. Every rule but `isolated` flags the tool: sampling leaves flagged tools out
 * unless asked to keep them. `isolated` is a notice: the tool is fine, but some sampling strategies never draw it.
 *
 * The rules are heuristics over names, descriptions and schemas; docs/lint.md lists what they get wrong on
 * ToolBench. The graph is not imported here (the graph stage imports this one): the caller passes which tools
 * have no edge (`LintConnectivity`), from a graph it loaded or built.
 */
import { listOption, UsageError, type JsonSchema, type ToolSpec } from "../core/index.js";

export const LINT_RULES = [
  "credential-param",
  "boilerplate-description",
  "error-returns",
  "sensitive-category",
  "constant-required-param",
  "isolated",
] as const;
export type LintRuleId = (typeof LINT_RULES)[number];

/** What each rule is about, and whether a finding flags the tool (sampling leaves flagged tools out). */
export const LINT_RULE_INFO: Readonly<Record<LintRuleId, { flags: boolean; summary: string }>> = {
  "credential-param": { flags: true, summary: "a required parameter is a credential (API key, token, session, cookie, signature, password)" },
  "boilerplate-description": { flags: true, summary: "the description is empty, a placeholder, boilerplate shared with other functions, or only restates the name" },
  "error-returns": { flags: true, summary: "`returns` describes an error response (message / error / status fields only, or error text)" },
  "sensitive-category": { flags: true, summary: "adult, gambling or fraud service" },
  "constant-required-param": { flags: true, summary: "a required parameter can only take one value (single-member enum, const, or a description saying so)" },
  isolated: { flags: false, summary: "no other tool connects to it in the graph (`walk` never samples it)" },
};

export function isLintRuleId(value: string): value is LintRuleId {
  return (LINT_RULES as readonly string[]).includes(value);
}

export interface LintFinding {
  rule: LintRuleId;
  tool: string;
  /** `description`, `returns`, `category`, `parameters.<path>`, or `graph`. */
  field: string;
  reason: string;
  /** True when the finding flags the tool (every rule but `isolated`). */
  flags: boolean;
}

/** Which tools no edge joins to another tool, from a tool graph (the graph stage's public API gives it). */
export interface LintConnectivity {
  /** Tools with no edge at all. */
  isolated: ReadonlySet<string>;
  /** Tools whose edges all join variants of their own function (a walk never steps there either). */
  ownVariantsOnly?: ReadonlySet<string>;
}

export interface LintOptions {
  /** Without it the `isolated` rule does not run. */
  connectivity?: LintConnectivity;
  /** Run only these rules (default: all). */
  rules?: readonly LintRuleId[];
}

export interface LintRuleCount {
  /** Tools with at least one finding of the rule. */
  tools: number;
  findings: number;
}

export interface LintReport {
  tools: number;
  /** Tools with at least one finding that flags (in catalogue order). */
  flagged: string[];
  /** Per rule: tools and findings (every rule listed, zeros included; `isolated` only counted when it ran). */
  counts: Record<LintRuleId, LintRuleCount>;
  /** Rules that ran. */
  rules: LintRuleId[];
  findings: LintFinding[];
}

// ---------------------------------------------------------------------------------------------------- words

/** Lower-case words of an identifier or text: `creds_checksum`, `apiKey`, `X-API-Key` -> [creds, checksum], ... */
export function identifierWords(text: string): string[] {
  return text
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== "");
}

function text(v: unknown): string {
  return typeof v === "string" ? v : "";
}

function clip(s: string, n = 60): string {
  const one = s.replace(/\s+/g, " ").trim();
  return one.length > n ? `${one.slice(0, n - 1)}…` : one;
}

/** Parameters with their dotted paths (nested object properties included, three levels at most). */
function parameterEntries(schema: JsonSchema, prefix = "", depth = 0): Array<{ path: string; name: string; schema: JsonSchema; required: boolean }> {
  const props = schema.properties;
  if (typeof props !== "object" || props === null || depth > 2) return [];
  const required = new Set(Array.isArray(schema.required) ? schema.required.filter((r): r is string => typeof r === "string") : []);
  const out: Array<{ path: string; name: string; schema: JsonSchema; required: boolean }> = [];
  for (const [name, sub] of Object.entries(props as Record<string, unknown>)) {
    if (typeof sub !== "object" || sub === null || Array.isArray(sub)) continue;
    const s = sub as JsonSchema;
    const path = prefix === "" ? name : `${prefix}.${name}`;
    out.push({ path, name, schema: s, required: required.has(name) });
    out.push(...parameterEntries(s, path, depth + 1).map((e) => ({ ...e, required: e.required && required.has(name) })));
  }
  return out;
}

function exampleValues(s: JsonSchema): unknown[] {
  const out: unknown[] = [];
  if (Array.isArray(s.examples)) out.push(...(s.examples as unknown[]));
  if ("example" in s) out.push(s.example);
  if ("default" in s) out.push(s.default);
  return out;
}

// ---------------------------------------------------------------------------------------------------- credentials

/** Name words that are a credential by themselves. */
const CREDENTIAL_WORDS = new Set([
  "password", "passwd", "passphrase", "cookie", "cookies", "secret", "csrf", "xsrf", "credential", "credentials",
  "creds", "authorization", "apikey", "apitoken", "accesstoken", "authtoken", "wsapikey", "appsecret", "appkey",
  "apptoken", "sessionid", "sessid", "sessionkey", "sessiontoken", "authkey", "gorgon", "argus", "ladon", "khronos",
  "apisecret", "clientsecret", "privatekey", "accesskey", "secretkey", "xapikey", "rapidapikey", "subscriptionkey",
]);
/** A word before `key` / `token` / `secret` / `id` that makes the pair a credential (`api key`, `session id`). */
const CREDENTIAL_PAIRS: Array<[string, string]> = [
  ["api", "key"], ["app", "key"], ["access", "key"], ["secret", "key"], ["private", "key"], ["auth", "key"],
  ["subscription", "key"], ["subscribe", "key"], ["publish", "key"], ["consumer", "key"], ["client", "key"],
  ["license", "key"], ["developer", "key"], ["api", "token"], ["access", "token"], ["auth", "token"],
  ["bearer", "token"], ["refresh", "token"], ["id", "token"], ["app", "token"], ["session", "token"],
  ["session", "id"], ["session", "key"], ["client", "secret"], ["app", "secret"], ["consumer", "secret"],
  ["app", "id"], ["client", "id"],
];
/** Words that need support from the description: a bare `token`, `key`, `session`, `sign`, `sig`, `signature`, `checksum`, `auth`, `sid`. */
const WEAK_CREDENTIAL_WORDS = new Set(["token", "key", "session", "sign", "sig", "signature", "checksum", "auth", "sid", "msid", "hash", "nonce", "appid"]);
/** An example value that looks like a generated secret: 24+ hex digits, or 32+ letters and digits mixed. */
const SECRET_LOOKING = /^(?:[a-f0-9]{24,}|(?=[A-Za-z0-9_-]*\d)(?=[A-Za-z0-9_-]*[a-zA-Z])[A-Za-z0-9_-]{32,})$/;
/** Words naming a token that is data, not a credential (`page_token`, `search_token`, crypto tokens). */
const NOT_CREDENTIAL_WORDS = new Set([
  "page", "next", "prev", "previous", "continuation", "cursor", "pagination", "paging", "scroll", "search", "sync",
  "contract", "symbol", "address", "nft", "erc20", "coin", "chain", "pair", "transaction", "tx", "block", "zodiac",
]);
const CREDENTIAL_TEXT =
  /\b(api[ _-]?key|app[ _-]?(?:key|secret|token)|access[ _-]?(?:token|key)|auth(?:entication|orization)?[ _-]?(?:token|key|header)|bearer|secret|password|passphrase|cookie|csrf|xsrf|credential|session[ _-]?(?:id|key|token)|signature|hmac|signed request|private key|client secret|security token)\b/i;
/** The value is made by another call: a chain, not something the user recites. */
const PRODUCED_ELSEWHERE =
  /\b(returned|obtained|received|generated|given|provided|produced)\s+(?:by|from|in)\b|\bfrom\s+(?:the\s+)?[`*"']*[\w /{}-]{1,60}?[`*"']*\s+(?:api|endpoint|call|method|request|response|operation)\b|\bcall\b[^.]{0,60}\bendpoint\b|\bas (?:received|returned) in\b/i;
/** The parameter is about crypto or zodiac data, where `token`, `hash`, `sign`, `signature` are ordinary values. */
const DATA_CONTEXT = /\b(transaction|blockchain|contract|wallet|crypto|coin|erc-?20|nft|zodiac|horoscope|astrolog\w*|tx)\b/i;
const PLACEHOLDER_SECRET = /^\s*["']?(\{\{.*\}\}|<[^>]+>|(your|enter|insert|put|my)[_ -]\w*|\w*(api[_ -]?key|token|password|secret)\w*)["']?\s*$/i;

function credentialReason(name: string, s: JsonSchema): string | undefined {
  const words = identifierWords(name);
  const joined = words.join("");
  const description = text(s.description);
  const context = `${name} ${description}`;
  const strong =
    words.find((w) => CREDENTIAL_WORDS.has(w)) ??
    (CREDENTIAL_WORDS.has(joined) ? joined : undefined) ??
    CREDENTIAL_PAIRS.find(([a, b]) => words.some((w, i) => w === a && words[i + 1] === b))?.join(" ");
  if (strong !== undefined) {
    // `app_id` / `client_id` are credentials only when the description says so (an app id is often a store id)
    if ((strong === "app id" || strong === "client id") && !CREDENTIAL_TEXT.test(description)) return undefined;
    if (DATA_CONTEXT.test(context) && !/password|cookie|secret|api/.test(strong)) return undefined;
    return `"${name}" is a credential (${strong}${description ? `; "${clip(description, 50)}"` : ""}): the user would have to recite it`;
  }
  const weak = words.find((w) => WEAK_CREDENTIAL_WORDS.has(w));
  const placeholder = exampleValues(s).find((v) => typeof v === "string" && PLACEHOLDER_SECRET.test(v) && /key|token|password|secret/i.test(v));
  // the description names a credential in its first sentence ("Session ID.", "Your Walk Score API key"), or anywhere
  // when the name is a weak credential word (a phone number "required for the signature" is not one)
  const firstSentence = description.split(/(?<=[.!?])\s|\n/)[0] ?? "";
  const says = CREDENTIAL_TEXT.exec(weak !== undefined ? description : firstSentence)?.[0];
  if (weak === undefined && says === undefined && placeholder === undefined) return undefined;
  if (words.some((w) => NOT_CREDENTIAL_WORDS.has(w)) || DATA_CONTEXT.test(context)) return undefined;
  if (PRODUCED_ELSEWHERE.test(description)) return undefined;
  if (says !== undefined) return `"${name}" is a credential (its description says "${clip(says, 30)}"): the user would have to recite it`;
  if (placeholder !== undefined) return `"${name}" is a credential (its example is the placeholder ${JSON.stringify(clip(String(placeholder), 40))})`;
  const secretExample = weak !== undefined && weak !== "hash" && weak !== "sign" && exampleValues(s).some((v) => typeof v === "string" && SECRET_LOOKING.test(v));
  if (secretExample) return `"${name}" is a credential (${weak}, and its example looks like a generated key)`;
  // a weak word with nothing else to go on: flagged only for words that are rarely data
  if (weak === "token" || weak === "session" || weak === "sid" || weak === "msid" || weak === "auth") {
    return `"${name}" looks like a credential (${weak}${description ? `; "${clip(description, 50)}"` : ", no description"}): the user would have to recite it`;
  }
  return undefined;
}

function credentialFindings(tool: ToolSpec): LintFinding[] {
  const out: LintFinding[] = [];
  for (const p of parameterEntries(tool.parameters as JsonSchema)) {
    if (!p.required) continue;
    const reason = credentialReason(p.name, p.schema);
    if (reason !== undefined) out.push(finding("credential-param", tool, `parameters.${p.path}`, reason));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------- descriptions

const PLACEHOLDER_DESCRIPTIONS = new Set([
  "", "test", "testing", "tests", "asd", "asdf", "asdfg", "qwe", "qwerty", "todo", "tbd", "tba", "na", "n a", "none", "null",
  "nil", "undefined", "description", "no description", "no description available", "description here", "string",
  "api", "endpoint", "lorem ipsum", "sample", "example", "demo", "default", "new endpoint", "untitled", "xxx", "abc",
  "hello", "hello world", "hi", "ok", "get", "post", "users", "user", "data", "info", "main", "home", "index",
]);
const SUBFUNCTION = /^this is the subfunction for tool\s+["“]?([^"”]*)["”]?\s*,?\s*(?:you can use this tool\.?)?\s*(?:the description of this function is:?\s*)?["“]?([\s\S]*?)["”]?\s*$/i;

function normalizeDescription(d: string): string {
  return d.toLowerCase().replace(/[^a-z0-9]+/g, " ").trim();
}

/** The function a tool is (ToolBench: the API name; elsewhere the original name or the name). */
function functionKey(tool: ToolSpec): string {
  const original = tool.originalName ?? tool.name;
  const api = tool.source.format === "toolbench" && original.includes("/") ? original.slice(original.indexOf("/") + 1) : original;
  return normalizeDescription(api.replace(/_v\d+$/, ""));
}

function descriptionReason(tool: ToolSpec): string | undefined {
  const d = tool.description.trim();
  if (d === "") return "the description is empty";
  const norm = normalizeDescription(d);
  if (PLACEHOLDER_DESCRIPTIONS.has(norm) || !/[a-z]{2}/i.test(d)) return `the description is a placeholder ("${clip(d, 30)}")`;
  const original = tool.originalName;
  if (tool.source.format === "toolbench" && original !== undefined && original.includes("/")) {
    const [service, api] = [original.slice(0, original.indexOf("/")), original.slice(original.indexOf("/") + 1)];
    if (d === `${api} (${service})`) return "the source has no description (the importer wrote the API and tool names)";
  }
  const sub = SUBFUNCTION.exec(d);
  if (sub) {
    const inner = (sub[2] ?? "").trim();
    if (inner === "" || PLACEHOLDER_DESCRIPTIONS.has(normalizeDescription(inner))) {
      return `ToolBench's "This is the subfunction for tool ..." boilerplate with nothing of its own${inner ? ` ("${clip(inner, 30)}")` : ""}`;
    }
    return undefined;
  }
  return undefined;
}

/**
 * Descriptions that several different functions share word for word (a service's blurb copied onto each of its
 * endpoints). Copies of one function (the same API name in two services) do not count. At least 20 characters:
 * shorter ones are judged as placeholders or restated names.
 */
function sharedDescriptions(tools: readonly ToolSpec[]): Map<string, number> {
  const functions = new Map<string, Set<string>>();
  for (const t of tools) {
    const norm = normalizeDescription(t.description);
    if (norm.length < 20) continue;
    let set = functions.get(norm);
    if (set === undefined) functions.set(norm, (set = new Set()));
    set.add(functionKey(t));
  }
  const out = new Map<string, number>();
  for (const [d, keys] of functions) if (keys.size >= 2) out.set(d, keys.size);
  return out;
}

// ---------------------------------------------------------------------------------------------------- returns

/** Field names an error body is made of. */
const ERROR_MESSAGE_FIELD = /^(errors?|err|errcode|errno|error_?(code|message|msg|description|type)|fault|faultcode|faultstring|message|messages|messsage|msg|mesg|status_?message|status_?txt|detail|details)$/i;
const ERROR_OTHER_FIELD = /^(status|status_?code|code|cod|success|ok|timestamp|time|type|extras|extensions|path|request_?id|trace_?id|title|hint|documentation_?url|more_?info)$/i;
const ERROR_TEXT =
  /\b(unauthori[sz]ed|forbidden|invalid (?:api[ _-]?key|token|credentials|request)|not subscribed|you are not subscribed|access denied|rate limit(?:ed)?|quota exceeded|too many requests|internal server error|bad request|endpoint '?[^']*'? does not exist|missing (?:api[ _-]?key|authentication|token)|error occurred)\b/i;

/** Leaf field names of an object schema (nested objects flattened, arrays looked into). */
function leafFields(s: JsonSchema, depth = 0): string[] | undefined {
  if (depth > 4) return [];
  const props = s.properties;
  if (typeof props === "object" && props !== null && !Array.isArray(props)) {
    const out: string[] = [];
    for (const [k, sub] of Object.entries(props as Record<string, unknown>)) {
      out.push(k);
      if (typeof sub === "object" && sub !== null) {
        const inner = leafFields(sub as JsonSchema, depth + 1);
        if (inner !== undefined) out.push(...inner);
      }
    }
    return out;
  }
  if (typeof s.items === "object" && s.items !== null) return leafFields(s.items as JsonSchema, depth + 1);
  return undefined;
}

function schemaTexts(s: unknown, out: string[] = [], depth = 0): string[] {
  if (depth > 6 || typeof s !== "object" || s === null) return out;
  if (Array.isArray(s)) {
    for (const x of s) if (typeof x === "string") out.push(x);
    return out;
  }
  for (const [k, v] of Object.entries(s as Record<string, unknown>)) {
    if (typeof v === "string" && (k === "description" || k === "title" || k === "example" || k === "const" || k === "default")) out.push(v);
    else if (k === "examples" || k === "enum") schemaTexts(v, out, depth + 1);
    else if (typeof v === "object") schemaTexts(v, out, depth + 1);
  }
  return out;
}

function errorReturnsReason(tool: ToolSpec): string | undefined {
  const r = tool.returns;
  if (r === undefined) return undefined;
  const said = schemaTexts(r).map((t) => ERROR_TEXT.exec(t)?.[0]).find((m) => m !== undefined);
  if (said !== undefined) return `\`returns\` holds error text ("${clip(said, 40)}")`;
  const fields = leafFields(r);
  if (fields === undefined || fields.length === 0) return undefined;
  const messages = fields.filter((f) => ERROR_MESSAGE_FIELD.test(f));
  if (messages.length === 0) return undefined;
  if (!fields.every((f) => ERROR_MESSAGE_FIELD.test(f) || ERROR_OTHER_FIELD.test(f))) return undefined;
  return `\`returns\` has only error fields (${[...new Set(fields)].slice(0, 5).join(", ")}): it was built from an error response`;
}

// ---------------------------------------------------------------------------------------------------- categories

interface SensitiveTopic {
  topic: string;
  /** Matched against the category and the service / tool name. */
  name: RegExp;
  /** Matched against the description too (strong terms only). */
  text?: RegExp;
}

export const SENSITIVE_TOPICS: readonly SensitiveTopic[] = [
  {
    topic: "adult",
    name: /\b(adult|nsfw|porn\w*|xxx|sexy|sex (?:toys?|shop|chat|cams?)|hentai|erotic\w*|escorts?|nudes?|nudity|onlyfans|fetish\w*|camgirls?|xvideos?)\b/i,
    text: /\b(porn\w*|xxx|nsfw|hentai|erotic\w*|onlyfans|nudity|nude (?:photos?|images?|pictures?)|adult (?:content|videos?|movies?|entertainment|sites?|stars?))\b/i,
  },
  {
    topic: "gambling",
    name: /\b(gambling|casinos?|betting|bets?|bet365|odds|sportsbooks?|bookmakers?|wager\w*|slots|poker|lottery|lotto)\b/i,
    text: /\b(gambling|casinos?|sportsbooks?|bookmakers?|wagering|place (?:a )?bets?|betting (?:status|odds|tips|lines|markets)|bet(?:ting)? predictions?)\b/i,
  },
  {
    topic: "fraud",
    name: /\b(carding|phishing|ddos|fake (?:valid )?(?:cc|credit cards?|ids?|documents?|passports?)|(?:cc|credit card) generator)\b/i,
    text: /\b(carding|phishing|fake (?:valid )?(?:cc|credit card)|valid (?:cc|credit card) (?:data|numbers?)|stolen (?:cards?|accounts?))\b/i,
  },
];

/** The service a tool belongs to: ToolBench's tool name (the part of `originalName` before the API name), else undefined. */
function serviceOf(tool: ToolSpec): string | undefined {
  const original = tool.originalName;
  return tool.source.format === "toolbench" && original?.includes("/") ? original.slice(0, original.indexOf("/")) : undefined;
}

function sensitiveReason(tool: ToolSpec): { field: string; reason: string } | undefined {
  const category = tool.category ?? "";
  const service = serviceOf(tool) ?? tool.originalName ?? tool.name;
  for (const t of SENSITIVE_TOPICS) {
    const inCategory = t.name.exec(category.replace(/_/g, " "));
    if (inCategory) return { field: "category", reason: `${t.topic}: category "${category}"` };
    const inName = t.name.exec(identifierWords(service).join(" "));
    if (inName) return { field: "name", reason: `${t.topic}: the service is "${clip(service, 40)}" ("${inName[0]}")` };
    const inText = t.text?.exec(tool.description);
    if (inText) return { field: "description", reason: `${t.topic}: the description says "${inText[0]}"` };
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------- constants

const FIXED_VALUE_TEXT: RegExp[] = [
  // "Value must be **3.0**." / "must always be `json`" (not "must be either ... or ...", not "one of")
  /\b(?:must|should|has to|needs to)\s+(?:always\s+)?(?:be|equal)\s+(?:set\s+to\s+)?(?:the\s+(?:value|string)\s+)?(["'`*]+)([^"'`*\n]{1,40})\1(?!\s*(?:or|,|and|\/)\s)/i,
  // "Only JSON supported", "currently only latest stats are supported"
  /\bonly\s+(?:the\s+)?(["'`*]*)([\w.-]+(?:\s[\w.-]+)?)\1\s+(?:is\s+|are\s+)?(?:currently\s+)?(?:supported|accepted|allowed|available|possible)\b/i,
  /\b(?:fixed|constant)\s+value\b|\b(?:do not|don'?t)\s+(?:change|modify|edit)\b|\bleave\s+(?:it\s+|this\s+)?(?:as\s+is|unchanged|as\s+default)\b/i,
  /\balways\s+(?:use|set|pass)\s+(["'`*]+)([^"'`*\n]{1,40})\1/i,
];

function constantReason(name: string, s: JsonSchema): string | undefined {
  if ("const" in s) return `required parameter "${name}" is the constant ${JSON.stringify(s.const)}: the user never says it`;
  if (Array.isArray(s.enum) && s.enum.length === 1) return `required parameter "${name}" has a one-member enum (${JSON.stringify(s.enum[0])}): the user never says it`;
  const description = text(s.description);
  for (const re of FIXED_VALUE_TEXT) {
    const m = re.exec(description);
    if (m) return `required parameter "${name}" takes one fixed value (its description: "${clip(m[0], 50)}"): the user never says it`;
  }
  return undefined;
}

function constantFindings(tool: ToolSpec): LintFinding[] {
  const out: LintFinding[] = [];
  for (const p of parameterEntries(tool.parameters as JsonSchema)) {
    if (!p.required) continue;
    const reason = constantReason(p.name, p.schema);
    if (reason !== undefined) out.push(finding("constant-required-param", tool, `parameters.${p.path}`, reason));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------- lint

function finding(rule: LintRuleId, tool: ToolSpec, field: string, reason: string): LintFinding {
  return { rule, tool: tool.name, field, reason, flags: LINT_RULE_INFO[rule].flags };
}

/** The reason of the `isolated` notice: which strategies still draw the tool. */
export function isolatedReason(kind: "no-edge" | "own-variants"): string {
  const what = kind === "no-edge" ? "no edge joins it to another tool" : "its only edges join variants of its own function";
  return `${what}: \`walk\` never samples it; \`balanced\` draws it once, alone; \`random\` samples it like any tool`;
}

/** Run the rules over a catalogue. Deterministic; findings in catalogue order, then rule order. */
export function lintTools(tools: readonly ToolSpec[], options: LintOptions = {}): LintReport {
  const rules = (options.rules ?? LINT_RULES).filter((r) => r !== "isolated" || options.connectivity !== undefined);
  const on = new Set<LintRuleId>(rules);
  const shared = on.has("boilerplate-description") ? sharedDescriptions(tools) : new Map<string, number>();
  const findings: LintFinding[] = [];
  for (const tool of tools) {
    if (on.has("credential-param")) findings.push(...credentialFindings(tool));
    if (on.has("boilerplate-description")) {
      const own = descriptionReason(tool);
      const copies = shared.get(normalizeDescription(tool.description));
      if (own !== undefined) findings.push(finding("boilerplate-description", tool, "description", own));
      else if (copies !== undefined) {
        findings.push(
          finding("boilerplate-description", tool, "description", `${copies} different functions share this description word for word ("${clip(tool.description, 40)}")`),
        );
      }
    }
    if (on.has("error-returns")) {
      const reason = errorReturnsReason(tool);
      if (reason !== undefined) findings.push(finding("error-returns", tool, "returns", reason));
    }
    if (on.has("sensitive-category")) {
      const hit = sensitiveReason(tool);
      if (hit !== undefined) findings.push(finding("sensitive-category", tool, hit.field, hit.reason));
    }
    if (on.has("constant-required-param")) findings.push(...constantFindings(tool));
    if (on.has("isolated") && options.connectivity !== undefined) {
      if (options.connectivity.isolated.has(tool.name)) findings.push(finding("isolated", tool, "graph", isolatedReason("no-edge")));
      else if (options.connectivity.ownVariantsOnly?.has(tool.name)) findings.push(finding("isolated", tool, "graph", isolatedReason("own-variants")));
    }
  }
  const counts = Object.fromEntries(LINT_RULES.map((r) => [r, { tools: 0, findings: 0 }])) as Record<LintRuleId, LintRuleCount>;
  const seen = new Set<string>();
  const flagged = new Set<string>();
  for (const f of findings) {
    counts[f.rule].findings++;
    const key = `${f.rule}\u0000${f.tool}`;
    if (!seen.has(key)) {
      seen.add(key);
      counts[f.rule].tools++;
    }
    if (f.flags) flagged.add(f.tool);
  }
  return { tools: tools.length, flagged: tools.map((t) => t.name).filter((n) => flagged.has(n)), counts, rules, findings };
}

/**
 * The tools a lint report flags, less those kept by `include` (true: keep every flagged tool; a list of rule ids:
 * keep tools whose flagging findings all belong to those rules).
 */
export function flaggedTools(report: LintReport, include: boolean | readonly LintRuleId[] = false): Set<string> {
  if (include === true) return new Set();
  const kept = new Set<LintRuleId>(include === false ? [] : include);
  const out = new Set<string>();
  for (const f of report.findings) if (f.flags && !kept.has(f.rule)) out.add(f.tool);
  return out;
}

/**
 * `--include-flagged [rules]` (sample, synth): true without a value (keep every tool `tools lint` flags), or the
 * rules whose flags to ignore (comma-separated rule ids).
 */
export function parseIncludeFlagged(value: string | boolean | undefined): boolean | LintRuleId[] {
  if (value === undefined || value === false) return false;
  if (value === true) return true;
  const ids = listOption("--include-flagged", "lint rule ids")(value);
  for (const id of ids) {
    if (!isLintRuleId(id) || !LINT_RULE_INFO[id].flags) {
      const flagging = LINT_RULES.filter((r) => LINT_RULE_INFO[r].flags);
      throw new UsageError(`--include-flagged: unknown rule "${id}" (rules that flag: ${flagging.join(", ")})`);
    }
  }
  return ids as LintRuleId[];
}
