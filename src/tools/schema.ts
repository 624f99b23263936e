/**
 * JSON Schema helpers for tool ingestion: parameter schemas normalized (through core's normalizeSchema, repairs
 * recorded as fixes), tool-name sanitizing, and an ajv compile check.
 */
import { createHash } from "node:crypto";
import { canonicalJson } from "../core/index.js";
import { createAjv, type AjvInstance, type ErrorObject } from "../core/index.js";
import { isPlainObject, normalizeSchema } from "../core/index.js";
import type { JsonSchema } from "../core/index.js";

export { isPlainObject } from "../core/index.js";

/** OpenAI's rule for function names. */
export const TOOL_NAME_RE = /^[a-zA-Z0-9_-]{1,64}$/;

/**
 * Normalize a tool's parameters into an object schema: missing -> empty object schema; missing `type` with
 * `properties` -> `type: "object"` (recorded); a non-object type is an error.
 */
export function normalizeParameters(parameters: unknown, fixes: string[]): JsonSchema & { type: "object" } {
  if (parameters === undefined || parameters === null) {
    return { type: "object", properties: {} };
  }
  if (!isPlainObject(parameters)) throw new Error(`"parameters" must be a JSON Schema object, got ${typeName(parameters)}`);
  const norm = normalizeSchema(parameters, fixes) as Record<string, unknown>;
  if (norm.type === undefined) {
    // A bare map of parameter name -> schema (no wrapper) is not guessed at: it would silently lose every parameter.
    const values = Object.values(norm);
    if (!("properties" in norm) && values.length > 0 && values.every((v) => isPlainObject(v) && "type" in v)) {
      throw new Error(`"parameters" has no "type"/"properties"; it looks like a bare map of parameters`);
    }
    norm.type = "object";
    if (Object.keys(parameters).length > 0) fixes.push(`: added missing type "object"`);
  }
  if (norm.type !== "object") {
    throw new Error(`"parameters" must have type "object", got ${JSON.stringify(norm.type)}`);
  }
  if (norm.properties === undefined) norm.properties = {};
  if (!isPlainObject(norm.properties)) throw new Error(`"parameters.properties" must be an object`);
  return norm as JsonSchema & { type: "object" };
}

function typeName(v: unknown): string {
  return v === null ? "null" : Array.isArray(v) ? "array" : typeof v;
}

/**
 * Sanitize a name to OpenAI's rule `^[a-zA-Z0-9_-]{1,64}$`, keeping it readable: runs of other characters
 * become one `_`, leading/trailing `_` are trimmed, and a name longer than 64 is cut to 55 characters plus `_`
 * and 8 hex digits of its hash (so distinct long names stay distinct). Returns "" when nothing is left.
 */
export function sanitizeToolName(name: string): string {
  let s = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[^a-zA-Z0-9_-]+/g, "_")
    .replace(/^_+|_+$/g, "");
  if (s.length > 64) {
    const h = createHash("sha256").update(name).digest("hex").slice(0, 8);
    s = `${s.slice(0, 55).replace(/_+$/, "")}_${h}`;
  }
  return s;
}

/**
 * A schema compiler: ajv instances (strict: false, all formats) reused over an import. Schemas are compiled without
 * error messages (a quarter faster: these validators only prove that the schema compiles); one that fails is
 * compiled again with messages, for an error that says what is wrong.
 */
export class SchemaChecker {
  private readonly ajv: AjvInstance;
  private readonly fast: AjvInstance;
  constructor() {
    // code.optimize off: compiling is ~3x faster, and these validators are only built to prove the schema compiles.
    this.ajv = createAjv({ allErrors: false, validateSchema: true, code: { optimize: false } });
    this.fast = createAjv({ allErrors: false, validateSchema: true, messages: false, code: { optimize: false } });
  }

  private readonly seen = new Map<string, string | undefined>();

  /** Compile a schema; returns undefined when it compiles, else the error message. Results are cached by content. */
  check(schema: unknown): string | undefined {
    if (typeof schema !== "object" || schema === null) return "schema must be an object";
    const key = canonicalJson(schema);
    if (this.seen.has(key)) return this.seen.get(key);
    let result: string | undefined;
    try {
      this.fast.compile(schema as Record<string, unknown>);
    } catch {
      try {
        this.ajv.compile(schema as Record<string, unknown>);
        result = "schema does not compile";
      } catch (err) {
        result = (err as Error).message;
      }
    }
    this.seen.set(key, result);
    return result;
  }

  /**
   * Validate a schema against the JSON Schema meta-schema without compiling it (about 50x cheaper than
   * `check`); used for `returns`, which is documentation for the tool agent, never used to validate calls.
   */
  checkStructure(schema: unknown): string | undefined {
    if (typeof schema !== "object" || schema === null) return "schema must be an object";
    const ok = this.ajv.validateSchema(schema as Record<string, unknown>);
    return ok ? undefined : SchemaChecker.formatErrors(this.ajv.errors);
  }

  /** Format ajv validation errors as one line. */
  static formatErrors(errors: ErrorObject[] | null | undefined): string {
    return (errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? ""}`.trim()).join("; ");
  }
}
