/**
 * The fields of a tool that can join it to another tool: its parameters and its return fields, nested ones
 * included (`booking.booking_id`, `results[].id`). Each is embedded as the paper's text `"{name}: {description}"`.
 */
import type { JsonSchema, ToolSpec } from "../core/index.js";
import { fieldKind, type FieldKind } from "./field-kinds.js";
import { nameStems } from "./text.js";

export type FieldRole = "param" | "return";

export interface ToolField {
  /** Index of the tool in the list given to the builder. */
  tool: number;
  role: FieldRole;
  /** Path inside the parameters / return schema, e.g. `access_token`, `invoice.booking_id`, `items[].id`. */
  path: string;
  /** The field's own name (last path segment), e.g. `booking_id`. */
  name: string;
  description: string;
  /** Where the field sits, as words: the parent path of a nested field, or the tool name for a one-word top-level field. */
  context: string;
  /** Type, item type, format and (for identifiers) the entity named: what decides whether a P-R pair may feed. */
  kind: FieldKind;
}

/** Deepest nesting followed, and most fields taken from one tool (guards against pathological schemas). */
export const MAX_FIELD_DEPTH = 6;
export const MAX_FIELDS_PER_TOOL = 256;

/** The text a field is embedded as (the paper's `"{Name}: {Description}"`). */
export function fieldText(field: Pick<ToolField, "name" | "description">): string {
  return field.description ? `${field.name}: ${field.description}` : field.name;
}

function isRecord(v: unknown): v is JsonSchema {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function describe(schema: JsonSchema): string {
  const d = schema.description ?? schema.title;
  return typeof d === "string" ? d.trim() : "";
}

/** Properties of an object schema, including those of allOf / anyOf / oneOf branches. */
function propertiesOf(schema: JsonSchema): Array<[string, JsonSchema]> {
  const out: Array<[string, JsonSchema]> = [];
  const seen = new Set<string>();
  const visit = (s: JsonSchema, depth: number) => {
    if (isRecord(s.properties)) {
      for (const [k, v] of Object.entries(s.properties)) {
        if (!seen.has(k) && isRecord(v)) {
          seen.add(k);
          out.push([k, v]);
        }
      }
    }
    if (depth > 2) return;
    for (const key of ["allOf", "anyOf", "oneOf"]) {
      const branches = s[key];
      if (Array.isArray(branches)) for (const b of branches) if (isRecord(b)) visit(b, depth + 1);
    }
  };
  visit(schema, 0);
  return out;
}

/** The item schema of an array schema (or of a tuple's first item), if any. */
function itemsOf(schema: JsonSchema): JsonSchema | undefined {
  const items = schema.items;
  if (isRecord(items)) return items;
  if (Array.isArray(items) && isRecord(items[0])) return items[0];
  return undefined;
}

function collect(
  schema: JsonSchema,
  prefix: string,
  depth: number,
  emit: (path: string, name: string, s: JsonSchema) => boolean,
): void {
  if (depth > MAX_FIELD_DEPTH) return;
  for (const [key, child] of propertiesOf(schema)) {
    const path = prefix === "" ? key : `${prefix}.${key}`;
    if (!emit(path, key, child)) return;
    collect(child, path, depth + 1, emit);
    const items = itemsOf(child);
    if (items) collect(items, `${path}[]`, depth + 1, emit);
  }
}

/**
 * Context words of a field: the parent path of a nested field (`matching_tweets[].id` -> `matching_tweets`),
 * the tool name for a top-level field whose name is one word (`id` of `post_tweet`), else nothing.
 */
export function fieldContext(toolName: string, path: string, name: string): string {
  const cut = path.length - name.length;
  const parent = path.slice(0, Math.max(0, cut)).replace(/\[\]/g, " ").replace(/\./g, " ").trim();
  if (parent !== "") return parent;
  return nameStems(name).length <= 1 ? toolName : "";
}

/** Every parameter and return field of one tool. */
export function extractFields(tool: ToolSpec, toolIndex: number): ToolField[] {
  const fields: ToolField[] = [];
  const add = (role: FieldRole) => (path: string, name: string, s: JsonSchema) => {
    if (fields.length >= MAX_FIELDS_PER_TOOL) return false;
    const description = describe(s);
    const context = fieldContext(tool.name, path, name);
    fields.push({ tool: toolIndex, role, path, name, description, context, kind: fieldKind(s, { name, description, context }) });
    return true;
  };
  collect(tool.parameters as JsonSchema, "", 0, add("param"));
  const returns = tool.returns;
  if (returns && isRecord(returns)) {
    const before = fields.length;
    collect(returns, "", 0, add("return"));
    const items = itemsOf(returns);
    if (items) collect(items, "[]", 1, add("return"));
    // A return value without named fields (a bare string, number, list of strings...) is one field.
    if (fields.length === before && describe(returns) !== "" && fields.length < MAX_FIELDS_PER_TOOL) {
      const description = describe(returns);
      const kind = fieldKind(returns, { name: "return", description, context: tool.name });
      fields.push({ tool: toolIndex, role: "return", path: "return", name: "return", description, context: tool.name, kind });
    }
  }
  return fields;
}
