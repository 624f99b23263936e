/**
 * OpenAPI 3 documents (JSON or YAML) and ToolAlpaca files (a JSON array of APIs whose `Documentation` field is
 * an OpenAPI document serialized as a string).
 *
 * Each operation becomes one tool: name from operationId, else method + path (sanitized later); description
 * from summary / description; path, query, header and cookie parameters and the JSON (or form) request body's
 * properties merged into one object schema; the first 2xx response's schema as `returns`. `$ref`s are resolved
 * with @apidevtools/json-schema-ref-parser (no network; local files relative to the document); a `$ref` cycle
 * is an InputError.
 */
import { dereference } from "@apidevtools/json-schema-ref-parser";
import { resolve as resolvePath } from "node:path";
import { parse as parseYaml } from "yaml";
import type { JsonSchema } from "../../core/index.js";
import type { Location, ToolDraft } from "../types.js";
import { at, expectArray, expectObject, inputError, isPlainObject, optionalString } from "./common.js";

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"] as const;

export function isOpenApiDocument(v: unknown): boolean {
  return isPlainObject(v) && typeof v.openapi === "string" && isPlainObject(v.paths);
}

export function isToolAlpacaEntry(v: unknown): boolean {
  return isPlainObject(v) && typeof v.Documentation === "string" && "Name" in v;
}

/** Resolve every `$ref` of an OpenAPI document; a cycle or a dangling ref is an InputError at `loc`. */
export async function dereferenceOpenApi(doc: Record<string, unknown>, loc: Location): Promise<Record<string, unknown>> {
  const copy = structuredClone(doc);
  try {
    const out = await dereference(resolvePath(loc.file), copy, {
      resolve: { http: false, external: true },
      dereference: { circular: false },
    });
    return out as Record<string, unknown>;
  } catch (err) {
    const msg = (err as Error).message ?? String(err);
    const cycle = err instanceof ReferenceError || /circular/i.test(msg);
    throw inputError(loc, cycle ? `$ref cycle: ${msg}` : `cannot resolve $ref: ${msg}`, err);
  }
}

/** Every operation of an OpenAPI 3 document -> drafts. `category` overrides tags / info.title. */
export async function openApiDocumentToDrafts(
  doc: unknown,
  loc: Location,
  options: { category?: string } = {},
): Promise<ToolDraft[]> {
  const raw = expectObject(doc, loc, "OpenAPI document");
  if (typeof raw.swagger === "string") throw inputError(at(loc, "swagger"), `Swagger ${raw.swagger} is not supported: convert it to OpenAPI 3 first`);
  if (typeof raw.openapi !== "string" || !raw.openapi.startsWith("3")) {
    throw inputError(at(loc, "openapi"), `not an OpenAPI 3 document (openapi: ${JSON.stringify(raw.openapi)})`);
  }
  const api = await dereferenceOpenApi(raw, loc);
  const paths = expectObject(api.paths, at(loc, "paths"), "paths");
  const info = isPlainObject(api.info) ? api.info : {};
  const docCategory = options.category ?? optionalString(info["x-category"]);
  const drafts: ToolDraft[] = [];
  for (const [path, itemValue] of Object.entries(paths)) {
    const itemLoc = at(loc, "paths", path);
    const item = expectObject(itemValue, itemLoc, "path item");
    const shared = item.parameters === undefined ? [] : expectArray(item.parameters, at(itemLoc, "parameters"), "parameters");
    for (const method of METHODS) {
      if (!(method in item)) continue;
      const opLoc = at(itemLoc, method);
      const op = expectObject(item[method], opLoc, "operation");
      drafts.push(operationToDraft(op, method, path, shared, opLoc, docCategory ?? firstTag(op) ?? optionalString(info.title)));
    }
  }
  if (drafts.length === 0) throw inputError(at(loc, "paths"), "OpenAPI document has no operations");
  return drafts;
}

function firstTag(op: Record<string, unknown>): string | undefined {
  return Array.isArray(op.tags) ? optionalString(op.tags[0]) : undefined;
}

function operationToDraft(
  op: Record<string, unknown>,
  method: string,
  path: string,
  sharedParams: unknown[],
  loc: Location,
  category: string | undefined,
): ToolDraft {
  const fixes: string[] = [];
  const properties: Record<string, unknown> = {};
  const required: string[] = [];
  const where: Record<string, string> = {};

  // Parameters: operation-level ones override path-level ones with the same name + location.
  const params = new Map<string, { p: Record<string, unknown>; loc: Location }>();
  const collect = (list: unknown[], base: Location) =>
    list.forEach((pv, i) => {
      const pl = at(base, i);
      const p = expectObject(pv, pl, "parameter");
      if (typeof p.name !== "string" || p.name === "") throw inputError(at(pl, "name"), "parameter has no name");
      const inn = typeof p.in === "string" ? p.in : "query";
      params.set(`${inn}:${p.name}`, { p, loc: pl });
    });
  collect(sharedParams, { ...loc, pointer: loc.pointer.replace(/\/[^/]+$/, "") + "/parameters" });
  if (op.parameters !== undefined) collect(expectArray(op.parameters, at(loc, "parameters"), "parameters"), at(loc, "parameters"));

  const add = (name: string, inn: string, schema: unknown, isRequired: boolean) => {
    let key = name;
    if (key in properties) {
      key = `${inn}_${name}`;
      fixes.push(`${inn} parameter "${name}" clashes with the ${where[name]} one; named it "${key}"`);
      if (key in properties) return;
    }
    properties[key] = schema;
    where[key] = inn;
    if (isRequired) required.push(key);
  };

  for (const { p } of params.values()) {
    const inn = typeof p.in === "string" ? p.in : "query";
    let schema: Record<string, unknown>;
    if (isPlainObject(p.schema)) schema = { ...p.schema };
    else if (isPlainObject(p.content)) schema = { ...firstContentSchema(p.content) };
    else schema = { type: "string" };
    const desc = optionalString(p.description);
    if (desc && schema.description === undefined) schema.description = desc;
    if (p.example !== undefined && schema.example === undefined && schema.examples === undefined) schema.examples = [p.example];
    add(p.name as string, inn, schema, p.required === true || inn === "path");
  }

  // Request body
  if (op.requestBody !== undefined) {
    const bodyLoc = at(loc, "requestBody");
    const body = expectObject(op.requestBody, bodyLoc, "requestBody");
    const schema = isPlainObject(body.content) ? firstContentSchema(body.content) : {};
    const bodyRequired = body.required === true;
    if (isPlainObject(schema.properties) && (schema.type === undefined || schema.type === "object")) {
      const req = Array.isArray(schema.required) ? schema.required : [];
      for (const [name, sub] of Object.entries(schema.properties)) add(name, "body", sub, req.includes(name));
    } else if (Object.keys(schema).length > 0) {
      const s = { ...schema };
      const desc = optionalString(body.description);
      if (desc && s.description === undefined) s.description = desc;
      add("body", "body", s, bodyRequired);
    }
  }

  const parameters: JsonSchema = { type: "object", properties };
  if (required.length > 0) parameters.required = required;

  const summary = optionalString(op.summary)?.trim();
  const description = optionalString(op.description)?.trim();
  const text =
    summary && description && !description.startsWith(summary) ? `${summary}. ${description}` : (description ?? summary ?? "");

  const draft: ToolDraft = {
    name: typeof op.operationId === "string" && op.operationId.trim() !== "" ? op.operationId : `${method}_${path.replace(/^\/+/, "")}`,
    description: text,
    parameters,
    format: "openapi",
    loc,
    fixes,
    parametersKey: "parameters",
    returnsKey: "responses",
  };
  const returns = successSchema(op.responses);
  if (returns) draft.returns = returns;
  if (category) draft.category = category;
  return draft;
}

const CONTENT_PREFERENCE = ["application/json", "application/x-www-form-urlencoded", "multipart/form-data"];

function firstContentSchema(content: Record<string, unknown>): Record<string, unknown> {
  const types = Object.keys(content);
  const ordered = [
    ...CONTENT_PREFERENCE.filter((t) => types.includes(t)),
    ...types.filter((t) => /json/i.test(t) && !CONTENT_PREFERENCE.includes(t)),
    ...types.filter((t) => !/json/i.test(t) && !CONTENT_PREFERENCE.includes(t)),
  ];
  for (const t of ordered) {
    const media = content[t];
    if (isPlainObject(media) && isPlainObject(media.schema)) return media.schema;
  }
  return {};
}

/** The schema of the first 2xx response (200, 201, ... then 2XX), if it has one. */
function successSchema(responses: unknown): JsonSchema | undefined {
  if (!isPlainObject(responses)) return undefined;
  const codes = Object.keys(responses)
    .filter((c) => /^2(\d\d|XX)$/i.test(c))
    .sort();
  for (const code of codes) {
    const r = responses[code];
    if (isPlainObject(r) && isPlainObject(r.content)) {
      const s = firstContentSchema(r.content);
      if (Object.keys(s).length > 0) return { ...s };
    }
  }
  return undefined;
}

/** A ToolAlpaca file: each entry's `Documentation` (an OpenAPI document as a string) -> drafts. */
export async function toolAlpacaDocumentToDrafts(doc: unknown, loc: Location): Promise<ToolDraft[]> {
  const entries = Array.isArray(doc) ? doc : [doc];
  const out: ToolDraft[] = [];
  for (let i = 0; i < entries.length; i++) {
    const el = Array.isArray(doc) ? at(loc, i) : loc;
    const entry = expectObject(entries[i], el, "ToolAlpaca entry");
    const docLoc = at(el, "Documentation");
    if (typeof entry.Documentation !== "string") throw inputError(docLoc, "Documentation must be a string holding an OpenAPI document");
    let api: unknown;
    try {
      api = JSON.parse(entry.Documentation);
    } catch {
      try {
        api = parseYaml(entry.Documentation);
      } catch (err) {
        throw inputError(docLoc, `Documentation is neither JSON nor YAML: ${(err as Error).message}`, err);
      }
    }
    // Pointers inside the embedded document are written after a '#': /3/Documentation#/paths/~1search/get
    const inner: Location = { ...docLoc, pointer: `${docLoc.pointer}#` };
    const category = optionalString(entry.Category);
    const drafts = await openApiDocumentToDrafts(api, inner, category ? { category } : {});
    out.push(...drafts);
  }
  return out;
}
