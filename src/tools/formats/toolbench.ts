/**
 * ToolBench / RapidAPI tools, as found in ToolBench / StableToolBench query files: a JSON array of queries, each
 * with an `api_list` of APIs `{category_name, tool_name, api_name, api_description, required_parameters,
 * optional_parameters, method, template_response}`. One tool per API, named as ToolBench itself names them,
 * `{api_name}_for_{tool_name}` (lower-case snake case), so names stay unique and readable; the same API seen in
 * many queries is merged later by the common deduplication. `template_response` (type names as values, e.g.
 * `"count": "int"`, `"_list_length": 5`, `"list of str with length 3"`) becomes a JSON Schema `returns`.
 */
import { parseJsonLoose, type JsonSchema } from "../../core/index.js";
import type { Location, ToolDraft } from "../types.js";
import { at, expectArray, expectObject, inputError, isPlainObject } from "./common.js";

export function isToolBenchQuery(v: unknown): boolean {
  return isPlainObject(v) && Array.isArray(v.api_list);
}

export function isToolBenchApi(v: unknown): boolean {
  return isPlainObject(v) && typeof v.api_name === "string" && "tool_name" in v;
}

/** ToolBench parameter type -> JSON Schema fragment. Unknown types get no type constraint (recorded). */
const PARAM_TYPES: Record<string, JsonSchema> = {
  STRING: { type: "string" },
  NUMBER: { type: "number" },
  INTEGER: { type: "integer" },
  BOOLEAN: { type: "boolean" },
  ENUM: { type: "string" },
  OBJECT: { type: "object" },
  ARRAY: { type: "array" },
  DATE: { type: "string", format: "date" },
  "DATE (YYYY-MM-DD)": { type: "string", format: "date" },
  TIME: { type: "string" },
  FILE: { type: "string" },
  GEOPOINT: { type: "string" },
  "GEOPOINT (LATITUDE, LONGITUDE)": { type: "string" },
};

/** ToolBench's own name standardization: lower-case, non-alphanumerics to `_`, no leading digit. */
export function standardizeToolBenchName(name: string): string {
  let s = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, "_")
    .replace(/_+/g, "_")
    .replace(/^_+|_+$/g, "");
  if (/^[0-9]/.test(s)) s = "get_" + s;
  return s;
}

/** `{api_name}_for_{tool_name}`, as ToolBench names its functions. */
export function toolBenchToolName(toolName: string, apiName: string): string {
  return `${standardizeToolBenchName(apiName)}_for_${standardizeToolBenchName(toolName)}`;
}

/** Every API of a ToolBench document (queries array, one query, an api_list array, one API). */
export function toolBenchDocumentToDrafts(doc: unknown, loc: Location): ToolDraft[] {
  const out: ToolDraft[] = [];
  const fromQuery = (q: unknown, l: Location) => {
    const obj = expectObject(q, l, "ToolBench query");
    const apis = expectArray(obj.api_list, at(l, "api_list"), "api_list");
    apis.forEach((a, i) => out.push(toolBenchApiToDraft(a, at(l, "api_list", i))));
  };
  if (Array.isArray(doc)) {
    doc.forEach((item, i) => {
      if (isToolBenchQuery(item)) fromQuery(item, at(loc, i));
      else out.push(toolBenchApiToDraft(item, at(loc, i)));
    });
  } else if (isToolBenchQuery(doc)) {
    fromQuery(doc, loc);
  } else {
    out.push(toolBenchApiToDraft(doc, loc));
  }
  return out;
}

export function toolBenchApiToDraft(value: unknown, loc: Location): ToolDraft {
  const api = expectObject(value, loc, "ToolBench API");
  const toolName = api.tool_name;
  const apiName = api.api_name;
  if (typeof toolName !== "string" || toolName.trim() === "") throw inputError(at(loc, "tool_name"), "API has no tool_name");
  if (typeof apiName !== "string" || apiName.trim() === "") throw inputError(at(loc, "api_name"), "API has no api_name");
  const fixes: string[] = [];
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const group of ["required_parameters", "optional_parameters"] as const) {
    const list = api[group] ?? [];
    expectArray(list, at(loc, group), group).forEach((p, i) => {
      const pl = at(loc, group, i);
      const param = expectObject(p, pl, "parameter");
      const name = param.name;
      if (typeof name !== "string" || name === "") throw inputError(at(pl, "name"), "parameter has no name");
      const schema = paramSchema(param, group === "required_parameters", fixes, name);
      if (name in properties) {
        fixes.push(`parameter "${name}" listed twice; kept the first`);
        return;
      }
      properties[name] = schema;
      if (group === "required_parameters") required.push(name);
    });
  }
  const parameters: JsonSchema = { type: "object", properties };
  if (required.length > 0) parameters.required = required;

  const apiDescription = typeof api.api_description === "string" ? api.api_description.trim() : "";
  const draft: ToolDraft = {
    name: toolBenchToolName(toolName, apiName),
    description: apiDescription === "" ? `${apiName} (${toolName})` : apiDescription,
    parameters,
    format: "toolbench",
    loc,
    fixes,
    parametersKey: "required_parameters",
    returnsKey: "template_response",
    // The API's identity in ToolBench: tool name and API name.
    originalName: `${toolName}/${apiName}`,
  };
  if (apiDescription === "") fixes.push(`empty api_description; used "${apiName} (${toolName})"`);
  if (typeof api.category_name === "string" && api.category_name.trim() !== "") draft.category = api.category_name;
  const returns = templateResponseToReturns(api.template_response, fixes);
  if (returns) draft.returns = returns;
  return draft;
}

function paramSchema(param: Record<string, unknown>, isRequired: boolean, fixes: string[], name: string): JsonSchema {
  const rawType = typeof param.type === "string" ? param.type.trim() : "";
  const known = PARAM_TYPES[rawType.toUpperCase()];
  const schema: JsonSchema = known ? { ...known } : {};
  if (!known) fixes.push(`parameter "${name}": unknown type ${JSON.stringify(param.type)}, left unconstrained`);
  const description = typeof param.description === "string" ? param.description.trim() : "";
  if (description !== "") schema.description = description;
  const value = coerceDefault(param.default, schema.type);
  if (value !== undefined) {
    // ToolBench's "default" of a required parameter is an example value, not a default.
    if (isRequired) schema.examples = [value];
    else schema.default = value;
  }
  return schema;
}

/** A ToolBench default value in the parameter's type, or undefined when empty or not convertible. */
function coerceDefault(v: unknown, type: unknown): unknown {
  if (v === undefined || v === null || v === "") return undefined;
  if (type === "number" || type === "integer") {
    if (typeof v === "number") return v;
    if (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v))) return Number(v);
    return undefined;
  }
  if (type === "boolean") {
    if (typeof v === "boolean") return v;
    if (v === "true" || v === "false") return v === "true";
    return undefined;
  }
  if (type === "string") return typeof v === "string" ? v : typeof v === "number" || typeof v === "boolean" ? String(v) : undefined;
  return v;
}

const SCALAR_TYPES: Record<string, JsonSchema> = {
  str: { type: "string" },
  string: { type: "string" },
  int: { type: "integer" },
  integer: { type: "integer" },
  float: { type: "number" },
  number: { type: "number" },
  bool: { type: "boolean" },
  boolean: { type: "boolean" },
  nonetype: { type: "null" },
  none: { type: "null" },
  null: { type: "null" },
  "empty list": { type: "array" },
  list: { type: "array" },
  dict: { type: "object" },
};

/**
 * Turn a ToolBench `template_response` into a JSON Schema. A string template is parsed as JSON (repaired with
 * jsonrepair when truncated; recorded). Null / missing -> undefined.
 */
export function templateResponseToReturns(template: unknown, fixes: string[]): JsonSchema | undefined {
  if (template === undefined || template === null) return undefined;
  let t: unknown = template;
  if (typeof t === "string") {
    const text = t.trim();
    if (text === "") return undefined;
    if (text.startsWith("{") || text.startsWith("[")) {
      // core's loose JSON: JSON, else repaired (jsonrepair)
      const parsed = parseJsonLoose(text, JSON.parse, { extract: false });
      if (!parsed.ok) {
        fixes.push("template_response is not JSON; no returns");
        return undefined;
      }
      if (parsed.repaired) fixes.push("template_response was broken JSON; repaired with jsonrepair");
      t = parsed.value;
    } else {
      return templateValueSchema(text);
    }
  }
  return templateValueSchema(t);
}

function templateValueSchema(v: unknown, depth = 0): JsonSchema {
  if (depth > 40) return {};
  if (Array.isArray(v)) {
    if (v.length === 0) return { type: "array" };
    const first: unknown = v[0];
    // ["list of str with length 8"] is ToolBench's summary of the list itself, not a list of lists
    if (v.length === 1 && typeof first === "string" && /^(list of \w+ with length \d+|empty list)$/i.test(first.trim())) {
      return templateValueSchema(first, depth + 1);
    }
    return { type: "array", items: templateValueSchema(first, depth + 1) };
  }
  if (isPlainObject(v)) {
    const properties: Record<string, JsonSchema> = {};
    for (const [k, sub] of Object.entries(v)) {
      if (k === "_list_length") continue;
      properties[k] = templateValueSchema(sub, depth + 1);
    }
    return { type: "object", properties };
  }
  if (typeof v === "string") {
    const key = v.trim().toLowerCase();
    const scalar = SCALAR_TYPES[key];
    if (scalar) return { ...scalar };
    const m = /^list of (\w+) with length \d+$/.exec(key);
    if (m) {
      const item = SCALAR_TYPES[m[1] ?? ""];
      return item ? { type: "array", items: { ...item } } : { type: "array" };
    }
    return { type: "string" }; // a literal sample value
  }
  if (typeof v === "number") return Number.isInteger(v) ? { type: "integer" } : { type: "number" };
  if (typeof v === "boolean") return { type: "boolean" };
  if (v === null) return { type: "null" };
  return {};
}
