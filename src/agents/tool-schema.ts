/**
 * Small helpers over tool schemas shared by the planner checks, the agents and the sim policy:
 * parameter lists, return-field paths, and the name matching that links a return field of one tool to a
 * parameter of another (the P-R relation of the tool graph).
 */
import { normalizeSchema } from "../core/index.js";
import type { JsonSchema, ToolSpec } from "../core/index.js";

export { normalizeSchema };

export function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

/** Properties of a tool's parameter schema. */
export function paramProperties(tool: ToolSpec): Record<string, JsonSchema> {
  const props = tool.parameters.properties;
  return isRecord(props) ? (props as Record<string, JsonSchema>) : {};
}

/** Names of the required parameters of a tool (only those that exist in `properties` or are listed). */
export function requiredParams(tool: ToolSpec): string[] {
  const req = (tool.parameters as Record<string, unknown>).required;
  return Array.isArray(req) ? req.filter((r): r is string => typeof r === "string") : [];
}

/** Names of the optional parameters of a tool. */
export function optionalParams(tool: ToolSpec): string[] {
  const req = new Set(requiredParams(tool));
  return Object.keys(paramProperties(tool)).filter((p) => !req.has(p));
}

/** A leaf (or object) field of a returns schema, as a dotted path with its last segment. */
export interface ReturnField {
  path: string;
  name: string;
  schema: JsonSchema;
}

/** Every named field of a returns schema (objects are walked, array items too, to a small depth). */
export function returnFields(tool: ToolSpec): ReturnField[] {
  const out: ReturnField[] = [];
  const walk = (s: unknown, prefix: string, depth: number) => {
    if (!isRecord(s) || depth > 4) return;
    if (isRecord(s.properties)) {
      for (const [k, v] of Object.entries(s.properties)) {
        const path = prefix ? `${prefix}.${k}` : k;
        out.push({ path, name: k, schema: isRecord(v) ? (v as JsonSchema) : {} });
        walk(v, path, depth + 1);
      }
    }
    if (isRecord(s.items)) walk(s.items, prefix, depth + 1);
  };
  if (tool.returns) walk(tool.returns, "", 0);
  return out;
}

/** Words of an identifier: "get_flight_cost" / "getFlightCost" -> ["get", "flight", "cost"]. */
const wordCache = new Map<string, string[]>();

export function identifierWords(name: string): string[] {
  let w = wordCache.get(name);
  if (!w) {
    w = splitIdentifier(name);
    if (wordCache.size > 20000) wordCache.clear();
    wordCache.set(name, w);
  }
  return [...w];
}

function splitIdentifier(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w.toLowerCase());
}

/** "travel_from" -> "travel from", "cardholderName" -> "cardholder name". */
export function humanize(name: string): string {
  return identifierWords(name).join(" ");
}

/** Id-like or token-like names whose values are identifiers a later call reuses. */
export function isIdLike(name: string): boolean {
  return /(^id$|_id$|Id$|^uuid$|token$|_key$|^key$|_code$|handle$|_ref$)/i.test(name);
}

/**
 * Whether a return field `field` of tool `producer` can fill parameter `param`: same name (case- and
 * separator-insensitive), or `param` is `<x>_id` and the field is `id` of a tool whose name mentions x
 * (create_ticket.id -> ticket_id).
 */
export function fieldFillsParam(field: string, producer: string, param: string): boolean {
  const norm = (s: string) => identifierWords(s).join("_");
  const f = norm(field);
  const p = norm(param);
  if (f === p) return true;
  if (f === "id" && p.endsWith("_id")) {
    const entity = p.slice(0, -3);
    const words = identifierWords(producer);
    return entity.split("_").every((w) => words.includes(w) || words.includes(w + "s"));
  }
  return false;
}

/** The JSON Schema type of a (possibly non-standard) schema, normalized: "object", "number", ... or undefined. */
export function basicType(schema: JsonSchema | undefined): string | undefined {
  if (!schema) return undefined;
  const t = normalizeSchema({ type: schema.type }).type;
  if (typeof t === "string") return t;
  if (isRecord(schema.properties)) return "object";
  if (schema.items !== undefined) return "array";
  return undefined;
}

/** Whether values of schema `from` can be passed where schema `to` is expected (unknown types are compatible). */
export function typesCompatible(from: JsonSchema | undefined, to: JsonSchema | undefined): boolean {
  const a = basicType(from);
  const b = basicType(to);
  if (a === undefined || b === undefined || a === b) return true;
  return a === "integer" && b === "number";
}

/**
 * Whether some return field of `producer` can fill `param` (matching name, and a compatible type when the
 * parameter's schema is given).
 */
export function producesParam(producer: ToolSpec, param: string, paramSchema?: JsonSchema): boolean {
  return returnFields(producer).some(
    (f) => fieldFillsParam(f.name, producer.name, param) && typesCompatible(f.schema, paramSchema),
  );
}

/** Look up a tool by name; undefined when absent. */
export function toolByName(tools: readonly ToolSpec[], name: string): ToolSpec | undefined {
  return tools.find((t) => t.name === name);
}

/** The part of a tool description after BFCL's "Tool description:" preamble, first sentence. */
export function shortDescription(tool: ToolSpec): string {
  let d = tool.description;
  const i = d.indexOf("Tool description:");
  if (i >= 0) d = d.slice(i + "Tool description:".length);
  d = d.trim();
  const m = /^(.+?[.!?])(\s|$)/.exec(d);
  return (m ? m[1]! : d).trim();
}

/**
 * A JSON Schema written compactly for a prompt, in the TypeScript-like notation models read well (OpenAI renders
 * function parameters the same way): `{ name: string, // what it is` a line per property, `?` for optional
 * properties, `"a" | "b"` for enums, `T[]` for arrays, `A | B` for alternatives. About half the tokens of the JSON;
 * constraints a reader cannot use (bounds, patterns) are left out; the schema itself still checks the answers.
 * An object the schema budget cut (`tools import`) ends with its note, `// (cut: 40 more properties)`, unless the
 * note is already in its property's comment (`described`).
 */
export function compactSchema(schema: JsonSchema | undefined, indent = "", described = false): string {
  if (!schema || typeof schema !== "object") return "any";
  const s = schema as Record<string, unknown>;
  const alternatives = (s.anyOf ?? s.oneOf) as JsonSchema[] | undefined;
  if (Array.isArray(alternatives) && alternatives.length > 0) return alternatives.map((a) => compactSchema(a, indent, described)).join(" | ");
  if (Array.isArray(s.enum)) return s.enum.map((v) => JSON.stringify(v)).join(" | ");
  if ("const" in s) return JSON.stringify(s.const);
  const type = Array.isArray(s.type) ? (s.type as string[]) : typeof s.type === "string" ? [s.type] : [];
  const props = isRecord(s.properties) ? (s.properties as Record<string, JsonSchema>) : undefined;
  if (type.length > 1) return type.map((t) => compactSchema({ ...s, type: t } as JsonSchema, indent)).join(" | ");
  const t = type[0] ?? (props ? "object" : s.items ? "array" : undefined);
  if (t === "array") {
    const item = compactSchema(s.items as JsonSchema | undefined, indent, false);
    return /[|\s]/.test(item) && !item.startsWith("{") ? `(${item})[]` : `${item}[]`;
  }
  if (t === "object") {
    const required = new Set(Array.isArray(s.required) ? (s.required as string[]) : []);
    const inner = `${indent}  `;
    const lines = Object.entries(props ?? {}).map(([name, p]) => {
      const d = isRecord(p) && typeof p.description === "string" ? p.description.trim().replace(/\s+/g, " ") : "";
      const dflt = isRecord(p) && "default" in p ? `(default ${JSON.stringify(p.default)})` : "";
      const key = /^[A-Za-z_$][\w$]*$/.test(name) ? name : JSON.stringify(name);
      return `${inner}${key}${required.has(name) ? "" : "?"}: ${compactSchema(p, inner, true)},${d || dflt ? ` // ${[d, dflt].filter(Boolean).join(" ")}` : ""}`;
    });
    const extra = s.additionalProperties;
    if (isRecord(extra)) lines.push(`${inner}[key: string]: ${compactSchema(extra as JsonSchema, inner)},`);
    // What the import's schema budget left out (`(cut: 40 more properties)`), unless a property comment said it.
    const cut = !described && typeof s.description === "string" ? /\(cut: [^)]*\)$/.exec(s.description.trim()) : null;
    if (cut) lines.push(`${inner}// ${cut[0]}`);
    return lines.length === 0 ? "object" : `{\n${lines.join("\n")}\n${indent}}`;
  }
  if (t === undefined) {
    const cut = !described && typeof s.description === "string" ? /\(cut: [^)]*\)$/.exec(s.description.trim()) : null;
    return cut ? `any /* ${cut[0]} */` : "any";
  }
  return typeof s.format === "string" && t === "string" ? `${t} (${s.format})` : t;
}
