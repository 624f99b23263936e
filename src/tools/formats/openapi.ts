/**
 * OpenAPI 3 documents (JSON or YAML) and ToolAlpaca files (a JSON array of APIs whose `Documentation` field is
 * an OpenAPI document serialized as a string).
 *
 * Each operation becomes one tool: name from operationId, else method + path (sanitized later); description
 * from summary / description; path, query, header and cookie parameters and the JSON (or form) request body's
 * properties merged into one object schema; the first 2xx response's schema as `returns`; the method, path, server
 * URLs and where each parameter goes recorded as `source.http` (for the `http` executor).
 *
 * `$ref`s: references to other files are first pulled into the document with @apidevtools/json-schema-ref-parser
 * (no network; files relative to the document); then every local `$ref` of an operation is inlined. A schema that
 * refers to itself (a country whose `borders` are countries) is expanded at most `recursionDepth` times along one
 * path (default 2); a deeper reference becomes a stub of the same type whose description says it was cut. Only
 * the parts a tool uses are inlined (parameters, request body, the first 2xx response with a schema). A dangling
 * `$ref` there becomes `{}` with a note and a warning (onWarning) pointing at the `$ref`; one elsewhere (a 403
 * response, an unused component) is only a warning. OpenAPI 3.0 keywords (`nullable`, boolean exclusive bounds,
 * `example`) are converted to JSON Schema (openapi-schema.ts). An operation that cannot be converted (a malformed
 * parameter) is skipped with a warning naming `METHOD /path (operationId)`; with `strict` it fails the file (and
 * so does a dangling `$ref` in a used part).
 */
import { bundle } from "@apidevtools/json-schema-ref-parser";
import { resolve as resolvePath } from "node:path";
import { parse as parseYaml } from "yaml";
import { HTTP_PARAM_LOCATIONS, type HttpOperationRef, type JsonSchema } from "../../core/index.js";
import type { Location, ToolDraft } from "../types.js";
import { at, expectArray, expectObject, inputError, isPlainObject, optionalString } from "./common.js";
import { openApiSchemaToJsonSchema } from "./openapi-schema.js";
import { pointerSegment } from "../../core/index.js";

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"] as const;

/** How often a self-referring schema is expanded along one path before it is cut (`--recursion-depth`). */
export const DEFAULT_RECURSION_DEPTH = 2;

/** An operation left out of an import, and why. */
export interface SkippedOperation {
  file: string;
  pointer: string;
  line?: number;
  /** `GET /pets/{id} (getPet)`. */
  operation: string;
  reason: string;
}

/** Something in a document that did not stop an import but should be looked at (a dangling `$ref`). */
export interface ImportWarning {
  file: string;
  /** JSON pointer of the wrong part (e.g. the `$ref` that points to nothing). */
  pointer: string;
  line?: number;
  /** The operation it concerns, `GET /pets/{id} (getPet)`, when one uses it. */
  operation?: string;
  message: string;
}

export interface OpenApiOptions {
  /** Overrides tags / info.title as the tools' category. */
  category?: string;
  /** Fail the file when one operation cannot be converted (default: skip it and call onSkip). */
  strict?: boolean;
  /** See DEFAULT_RECURSION_DEPTH. */
  recursionDepth?: number;
  onSkip?: (skipped: SkippedOperation) => void;
  onWarning?: (warning: ImportWarning) => void;
}

export function isOpenApiDocument(v: unknown): boolean {
  return isPlainObject(v) && typeof v.openapi === "string" && isPlainObject(v.paths);
}

export function isToolAlpacaEntry(v: unknown): boolean {
  return isPlainObject(v) && typeof v.Documentation === "string" && "Name" in v;
}

function hasExternalRef(v: unknown): boolean {
  if (Array.isArray(v)) return v.some(hasExternalRef);
  if (!isPlainObject(v)) return false;
  if (typeof v.$ref === "string" && !v.$ref.startsWith("#")) return true;
  return Object.values(v).some(hasExternalRef);
}

/**
 * Pull `$ref`s to other files into the document (local `$ref`s stay, to be inlined per operation). A missing
 * file or a dangling reference inside one fails the file (InputError at `loc`).
 */
export async function bundleOpenApi(doc: Record<string, unknown>, loc: Location): Promise<Record<string, unknown>> {
  if (!hasExternalRef(doc)) return doc;
  try {
    const out = await bundle(resolvePath(loc.file), structuredClone(doc), { resolve: { http: false, external: true } });
    return out as Record<string, unknown>;
  } catch (err) {
    throw inputError(loc, `cannot resolve $ref: ${(err as Error).message ?? String(err)}`, err);
  }
}


/** Thrown (and caught) inside RefInliner when one attempt's expansions pass the budget. */
const OVER_BUDGET: unique symbol = Symbol("over budget");

/**
 * Inlines the local `$ref`s of parts of one document. A reference already being expanded `depth` times on the
 * current path is cut: replaced by `{type, description}` naming the schema and the cut. Documents with much mutual
 * recursion (every schema expandable into every other, as in large payment or code-hosting APIs) would still grow
 * without bound, so references are also cut below a nesting limit: MAX_REF_NESTING, lowered step by step for the
 * part being inlined until it takes at most MAX_EXPANSIONS expansions. The cut is then at one depth everywhere,
 * not wherever a budget happened to run out.
 */
export class RefInliner {
  static readonly MAX_REF_NESTING = 8;
  static readonly MAX_EXPANSIONS = 200;

  /**
   * `lenient`: a `$ref` that points to nothing becomes `{}` (any value) with a note in its description, and is
   * reported by `inline` (else it is an Error).
   */
  constructor(
    private readonly root: unknown,
    private readonly depth = DEFAULT_RECURSION_DEPTH,
    private readonly lenient = false,
  ) {}

  private expansions = 0;
  private nesting: number = RefInliner.MAX_REF_NESTING;
  private dangling = new Map<string, string>();

  /**
   * `value` (found at JSON pointer `pointer` of the document) with every local `$ref` inlined. A `$ref` that
   * points to nothing is an Error naming it (the caller turns it into a skipped operation, or an InputError with
   * --strict); when lenient it becomes `{}` and is listed in `dangling` (document pointer of the `$ref` -> ref).
   */
  inline(value: unknown, pointer = ""): unknown {
    return this.inlineReporting(value, pointer).value;
  }

  /** `inline`, and the dangling `$ref`s met (pointer of the `$ref` in the document -> the `$ref`). */
  inlineReporting(value: unknown, pointer = ""): { value: unknown; dangling: Map<string, string> } {
    for (let nesting = RefInliner.MAX_REF_NESTING; ; nesting--) {
      this.expansions = 0;
      this.nesting = nesting;
      this.dangling = new Map();
      try {
        const out = this.walk(value, [], pointer);
        return { value: out, dangling: this.dangling };
      } catch (err) {
        if (err !== OVER_BUDGET) throw err;
      }
    }
  }

  private walk(value: unknown, stack: string[], ptr: string): unknown {
    if (Array.isArray(value)) return value.map((v, i) => this.walk(v, stack, `${ptr}/${i}`));
    if (!isPlainObject(value)) return value;
    if (typeof value.$ref === "string") {
      const ref = value.$ref;
      const name = decodeSegment(ref.split("/").pop() ?? ref);
      const { $ref: _ref, ...siblings } = value;
      let target: unknown;
      try {
        target = this.lookup(ref);
      } catch (err) {
        if (!this.lenient) throw err;
        this.dangling.set(ptr, ref);
        const note = `(${name}: $ref ${JSON.stringify(ref)} points to nothing in the document; any value accepted)`;
        const desc = optionalString(siblings.description);
        const rest = this.walk(siblings, stack, ptr) as Record<string, unknown>;
        return { ...rest, description: desc ? `${desc} ${note}` : note };
      }
      const why =
        stack.filter((r) => r === ref).length >= this.depth
          ? `recursive schema, not expanded deeper than ${this.depth} level${this.depth === 1 ? "" : "s"}`
          : stack.length >= this.nesting
            ? `not expanded: nested more than ${this.nesting} reference${this.nesting === 1 ? "" : "s"} deep`
            : undefined;
      if (why) {
        const t = isPlainObject(target) ? target : {};
        const type = typeof t.type === "string" || Array.isArray(t.type) ? t.type : "object";
        const note = `(${name}: ${why})`;
        const desc = optionalString(siblings.description) ?? optionalString(t.description);
        return { ...siblings, type, description: desc ? `${desc} ${note}` : note };
      }
      // At nesting 1 every reference of the part is expanded once, whatever the count: nothing lower is possible.
      if (++this.expansions > RefInliner.MAX_EXPANSIONS && this.nesting > 1) throw OVER_BUDGET;
      const expanded = this.walk(target, [...stack, ref], refPointer(ref));
      // OpenAPI 3.1 allows siblings beside $ref (description, nullable...): they override the target's.
      return isPlainObject(expanded) ? { ...expanded, ...(this.walk(siblings, stack, ptr) as Record<string, unknown>) } : expanded;
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = this.walk(v, stack, `${ptr}/${pointerSegment(k)}`);
    return out;
  }

  /** The target of a local `$ref`; throws when it points to nothing. */
  resolve(ref: string): unknown {
    return this.lookup(ref);
  }

  private lookup(ref: string): unknown {
    if (!ref.startsWith("#")) throw new Error(`$ref "${ref}" is not a local reference`);
    const parts = ref.slice(1).split("/").slice(1).map(decodeSegment);
    let cur: unknown = this.root;
    for (const p of parts) {
      if (Array.isArray(cur) && /^\d+$/.test(p)) cur = cur[Number(p)];
      else if (isPlainObject(cur) && Object.prototype.hasOwnProperty.call(cur, p)) cur = cur[p];
      else throw new Error(`$ref "${ref}" points to nothing in the document`);
    }
    return cur;
  }
}

/** The document pointer a local `$ref` names, segments decoded then escaped again (`#/a%20b` -> `/a b`). */
function refPointer(ref: string): string {
  return ref
    .slice(1)
    .split("/")
    .slice(1)
    .map((p) => "/" + pointerSegment(decodeSegment(p)))
    .join("");
}

/** Every local `$ref` of a document that points to nothing: JSON pointer of the `$ref` -> the `$ref`. */
export function danglingRefs(doc: unknown): Map<string, string> {
  const found = new Map<string, string>();
  const probe = new RefInliner(doc);
  const visit = (v: unknown, ptr: string) => {
    if (Array.isArray(v)) return v.forEach((x, i) => visit(x, `${ptr}/${i}`));
    if (!isPlainObject(v)) return;
    if (typeof v.$ref === "string" && v.$ref.startsWith("#")) {
      try {
        probe.resolve(v.$ref);
      } catch {
        found.set(ptr, v.$ref);
      }
    }
    for (const [k, x] of Object.entries(v)) if (typeof x === "object" && x !== null) visit(x, `${ptr}/${pointerSegment(k)}`);
  };
  visit(doc, "");
  return found;
}

function decodeSegment(s: string): string {
  let d = s;
  try {
    d = decodeURIComponent(s);
  } catch {
    /* keep as written */
  }
  return d.replace(/~1/g, "/").replace(/~0/g, "~");
}

/** `GET /pets/{id} (getPet)`: an operation as a skip warning names it (`id`: its operationId or tool name, if any). */
export function operationLabel(method: string, path: string, id?: string): string {
  return `${method.toUpperCase()} ${path}${id !== undefined ? ` (${id})` : ""}`;
}

/** The warning for an operation at `where` left out of an import. */
export function skippedOperation(where: Location, operation: string, reason: string): SkippedOperation {
  const skipped: SkippedOperation = { file: where.file, pointer: where.pointer, operation, reason };
  if (where.line !== undefined) skipped.line = where.line;
  return skipped;
}

/** The server URLs that apply to an operation (its own, else its path's, else the document's), variables filled. */
function serverUrls(...levels: unknown[]): string[] {
  for (const level of levels) {
    if (!Array.isArray(level) || level.length === 0) continue;
    const urls: string[] = [];
    for (const s of level) {
      if (!isPlainObject(s) || typeof s.url !== "string") continue;
      const vars = isPlainObject(s.variables) ? s.variables : {};
      urls.push(
        s.url.replace(/\{([^}]+)\}/g, (m, v: string) => {
          const def = isPlainObject(vars[v]) ? (vars[v] as Record<string, unknown>).default : undefined;
          return typeof def === "string" ? def : m;
        }),
      );
    }
    if (urls.length > 0) return urls;
  }
  return [];
}

/** Every operation of an OpenAPI 3 document -> drafts. */
export async function openApiDocumentToDrafts(doc: unknown, loc: Location, options: OpenApiOptions = {}): Promise<ToolDraft[]> {
  const raw = expectObject(doc, loc, "OpenAPI document");
  if (typeof raw.swagger === "string") throw inputError(at(loc, "swagger"), `Swagger ${raw.swagger} is not supported: convert it to OpenAPI 3 first`);
  if (typeof raw.openapi !== "string" || !raw.openapi.startsWith("3")) {
    throw inputError(at(loc, "openapi"), `not an OpenAPI 3 document (openapi: ${JSON.stringify(raw.openapi)})`);
  }
  const api = await bundleOpenApi(raw, loc);
  const inliner = new RefInliner(api, options.recursionDepth ?? DEFAULT_RECURSION_DEPTH, !options.strict);
  // Dangling $refs: those in a part a tool uses are reported with the operation (and become {}); the rest (error
  // responses, unused components) are reported once at the end. Pointers are into the (bundled) document.
  const unusedDangling = danglingRefs(api);
  const docPointer = (ptr: string) => loc.pointer + ptr;
  const inlineOp = (value: unknown, ptr: string, label?: string): unknown => {
    const { value: out, dangling } = inliner.inlineReporting(value, ptr);
    for (const [where, ref] of dangling) {
      unusedDangling.delete(where);
      options.onWarning?.({
        file: loc.file,
        pointer: docPointer(where),
        ...(loc.line !== undefined ? { line: loc.line } : {}),
        ...(label !== undefined ? { operation: label } : {}),
        message: `$ref ${JSON.stringify(ref)} points to nothing in the document; that schema accepts any value`,
      });
    }
    return out;
  };
  const paths = expectObject(api.paths, at(loc, "paths"), "paths");
  const info = isPlainObject(api.info) ? api.info : {};
  const docCategory = options.category ?? optionalString(info["x-category"]);
  const drafts: ToolDraft[] = [];
  let operations = 0;
  for (const [path, itemValue] of Object.entries(paths)) {
    const itemLoc = at(loc, "paths", path);
    const fail = (where: Location, label: string, err: unknown) => {
      const reason = err instanceof Error ? err.message : String(err);
      if (options.strict) {
        throw inputError(where, `${label}: ${reason} (without --strict the operation would be skipped)`, err);
      }
      options.onSkip?.(skippedOperation(where, label, reason));
    };
    let item: Record<string, unknown>;
    let shared: unknown[];
    try {
      // A path item may itself be a $ref; its operations are inlined one by one below.
      const raw = expectObject(itemValue, itemLoc, "path item");
      const itemPtr = at({ file: "", pointer: "" }, "paths", path).pointer;
      item = typeof raw.$ref === "string" ? expectObject(inlineOp(raw, itemPtr, `path ${path}`), itemLoc, "path item") : raw;
      shared =
        item.parameters === undefined
          ? []
          : expectArray(inlineOp(item.parameters, `${itemPtr}/parameters`, `path ${path}`), at(itemLoc, "parameters"), "parameters");
    } catch (err) {
      operations++;
      fail(itemLoc, `path ${path}`, err);
      continue;
    }
    for (const method of METHODS) {
      if (!(method in item)) continue;
      operations++;
      const opLoc = at(itemLoc, method);
      const rawOp = item[method];
      const label = operationLabel(method, path, isPlainObject(rawOp) ? optionalString(rawOp.operationId) : undefined);
      try {
        const opPtr = opLoc.pointer.slice(loc.pointer.length);
        // Only the parts a tool uses are inlined: all but the responses, then the first 2xx response with a schema.
        const { responses, ...rest } = expectObject(rawOp, opLoc, "operation");
        const op = expectObject(inlineOp(rest, opPtr, label), opLoc, "operation");
        op.responses = successResponse(responses, (r, code) => inlineOp(r, `${opPtr}/responses/${pointerSegment(code)}`, label));
        const draft = operationToDraft(op, method, path, shared, opLoc, docCategory ?? firstTag(op) ?? optionalString(info.title));
        draft.http!.servers = serverUrls(op.servers, item.servers, api.servers);
        drafts.push(draft);
      } catch (err) {
        fail(opLoc, label, err);
      }
    }
  }
  if (operations === 0) throw inputError(at(loc, "paths"), "OpenAPI document has no operations");
  for (const [where, ref] of unusedDangling) {
    options.onWarning?.({
      file: loc.file,
      pointer: docPointer(where),
      ...(loc.line !== undefined ? { line: loc.line } : {}),
      message: `$ref ${JSON.stringify(ref)} points to nothing in the document (in a part no tool uses: ignored)`,
    });
  }
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
  const http: HttpOperationRef = { method: method.toUpperCase(), path, servers: [], params: {} };

  // Parameters: operation-level ones override path-level ones with the same name + location.
  const params = new Map<string, { p: Record<string, unknown>; loc: Location }>();
  const pointers: Record<string, string> = {};
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

  const add = (name: string, inn: string, schema: unknown, isRequired: boolean, pointer?: string) => {
    if (!(HTTP_PARAM_LOCATIONS as readonly string[]).includes(inn)) throw new Error(`parameter "${name}" has an unknown location in: ${JSON.stringify(inn)}`);
    let key = name;
    if (key in properties) {
      key = `${inn}_${name}`;
      fixes.push(`${inn} parameter "${name}" clashes with the ${where[name]} one; named it "${key}"`);
      if (key in properties) return;
    }
    properties[key] = schema;
    if (pointer !== undefined) pointers[key] = pointer;
    where[key] = inn;
    http.params[key] = { in: inn as HttpOperationRef["params"][string]["in"], name };
    if (isRequired) required.push(key);
  };

  for (const { p, loc: pl } of params.values()) {
    const inn = typeof p.in === "string" ? p.in : "query";
    let schema: Record<string, unknown>;
    if (isPlainObject(p.schema)) schema = { ...p.schema };
    else if (isPlainObject(p.content)) schema = { ...firstContentSchema(p.content) };
    else schema = { type: "string" };
    const desc = optionalString(p.description);
    if (desc && schema.description === undefined) schema.description = desc;
    if (p.example !== undefined && schema.example === undefined && schema.examples === undefined) schema.examples = [p.example];
    add(p.name as string, inn, schema, p.required === true || inn === "path", at(pl, isPlainObject(p.schema) ? "schema" : "content").pointer);
  }

  // Request body
  if (op.requestBody !== undefined) {
    const bodyLoc = at(loc, "requestBody");
    const body = expectObject(op.requestBody, bodyLoc, "requestBody");
    const { schema, type: mediaType } = isPlainObject(body.content) ? firstContent(body.content) : { schema: {}, type: undefined };
    if (mediaType !== undefined && mediaType !== "application/json") http.bodyType = mediaType;
    const bodyRequired = body.required === true;
    if (isPlainObject(schema.properties) && (schema.type === undefined || schema.type === "object")) {
      const req = Array.isArray(schema.required) ? schema.required : [];
      for (const [name, sub] of Object.entries(schema.properties)) {
        add(name, "body", sub, req.includes(name), at(bodyLoc, "content", mediaType ?? "", "schema", "properties", name).pointer);
      }
    } else if (Object.keys(schema).length > 0) {
      const s = { ...schema };
      const desc = optionalString(body.description);
      if (desc && s.description === undefined) s.description = desc;
      add("body", "body", s, bodyRequired, at(bodyLoc, "content", mediaType ?? "", "schema").pointer);
      if (http.params.body?.in === "body") http.bodyParam = "body";
    }
  }

  let parameters: JsonSchema = { type: "object", properties };
  if (required.length > 0) parameters.required = required;
  parameters = openApiSchemaToJsonSchema(parameters) as JsonSchema;

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
    http,
    propertyPointers: pointers,
  };
  const returns = successSchema(op.responses);
  if (returns) {
    draft.returns = openApiSchemaToJsonSchema(returns.schema) as JsonSchema;
    draft.returnsKey = returns.key;
  }
  if (category) draft.category = category;
  return draft;
}

const CONTENT_PREFERENCE = ["application/json", "application/x-www-form-urlencoded", "multipart/form-data"];

function firstContentSchema(content: Record<string, unknown>): Record<string, unknown> {
  return firstContent(content).schema;
}

/** The preferred media type of a content map that has a schema, and that schema ({} when none has one). */
function firstContent(content: Record<string, unknown>): { schema: Record<string, unknown>; type?: string } {
  const types = Object.keys(content);
  const ordered = [
    ...CONTENT_PREFERENCE.filter((t) => types.includes(t)),
    ...types.filter((t) => /json/i.test(t) && !CONTENT_PREFERENCE.includes(t)),
    ...types.filter((t) => !/json/i.test(t) && !CONTENT_PREFERENCE.includes(t)),
  ];
  for (const t of ordered) {
    const media = content[t];
    if (isPlainObject(media) && isPlainObject(media.schema)) return { schema: media.schema, type: t };
  }
  return { schema: {} };
}

/**
 * The first 2xx response (200, 201, ... then 2XX) that has a schema, inlined with `inline`, as a one-entry
 * responses map (empty when none has one). Other responses are never inlined (a broken 403 does not matter).
 */
function successResponse(responses: unknown, inline: (r: unknown, code: string) => unknown): Record<string, unknown> {
  if (!isPlainObject(responses)) return {};
  const codes = Object.keys(responses)
    .filter((c) => /^2(\d\d|XX)$/i.test(c))
    .sort();
  for (const code of codes) {
    const r = inline(responses[code], code);
    if (isPlainObject(r) && isPlainObject(r.content) && Object.keys(firstContentSchema(r.content)).length > 0) return { [code]: r };
  }
  return {};
}

/**
 * The schema of the first 2xx response (200, 201, ... then 2XX), if it has one, and its place below the operation
 * (`responses/200/content/application~1json/schema`, for warnings that point at it).
 */
function successSchema(responses: unknown): { schema: JsonSchema; key: string } | undefined {
  if (!isPlainObject(responses)) return undefined;
  const codes = Object.keys(responses)
    .filter((c) => /^2(\d\d|XX)$/i.test(c))
    .sort();
  for (const code of codes) {
    const r = responses[code];
    if (isPlainObject(r) && isPlainObject(r.content)) {
      const { schema: s, type } = firstContent(r.content);
      if (Object.keys(s).length > 0) {
        return { schema: { ...s }, key: `responses/${pointerSegment(code)}/content/${pointerSegment(type ?? "")}/schema` };
      }
    }
  }
  return undefined;
}

/** A ToolAlpaca file: each entry's `Documentation` (an OpenAPI document as a string) -> drafts. */
export async function toolAlpacaDocumentToDrafts(doc: unknown, loc: Location, options: OpenApiOptions = {}): Promise<ToolDraft[]> {
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
    const drafts = await openApiDocumentToDrafts(api, inner, { ...options, ...(category ? { category } : {}) });
    out.push(...drafts);
  }
  return out;
}
