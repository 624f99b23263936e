/**
 * The one place ajv is set up: `createAjv` makes an instance with the ajv-formats formats registered, and a
 * shared instance compiles (once per distinct schema text, in a bounded cache) every schema toolflow validates
 * values against: model answers, tool call arguments, simulated tool results.
 */
import { Ajv, type ErrorObject, type Options, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import { ToolflowError } from "./errors.js";
import type { JsonSchema } from "./types.js";

export type { ErrorObject, ValidateFunction } from "ajv";
export type AjvInstance = InstanceType<typeof Ajv>;

// ajv-formats is CommonJS; under NodeNext its default import is the module object in some setups.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as unknown as (
  ajv: AjvInstance,
) => AjvInstance;

/**
 * A new ajv instance with every ajv-formats format. Defaults: not strict, all errors, no logging, schemas not
 * checked against the meta-schema and not kept by $id; `options` override them (e.g. `validateSchema: true` to
 * check imported tool schemas).
 */
export function createAjv(options: Options = {}): AjvInstance {
  const ajv = new Ajv({
    strict: false,
    allErrors: true,
    logger: false,
    validateSchema: false,
    addUsedSchema: false,
    ...options,
  });
  addFormats(ajv);
  return ajv;
}

/** Which schema of a tool. */
export type ToolSchemaField = "parameters" | "returns";

/**
 * Thrown when a schema itself cannot be compiled (a caller's bug or bad tool file, not the model's fault). When
 * the schema is a tool's, `tool` and `field` name it (and so does the message).
 */
export class SchemaCompileError extends ToolflowError {
  readonly tool: string | undefined;
  readonly field: ToolSchemaField | undefined;
  constructor(message: string, options: { cause?: unknown; tool?: string; field?: ToolSchemaField } = {}) {
    super(message, { code: "SCHEMA_COMPILE_ERROR", cause: options.cause });
    this.tool = options.tool;
    this.field = options.field;
  }
}

/**
 * `err` as the error of a tool's schema: `tool "get_repo": returns schema does not compile: <ajv's message>`
 * (unchanged when it already names a tool).
 */
export function toolSchemaError(tool: string, field: ToolSchemaField, err: SchemaCompileError): SchemaCompileError {
  if (err.tool !== undefined) return err;
  const reason = err.message.replace(/^schema does not compile: /, "");
  return new SchemaCompileError(`tool "${tool}": ${field} schema does not compile: ${reason}`, { cause: err.cause ?? err, tool, field });
}

/** The validator of a tool's parameters or returns schema (shared cache); a SchemaCompileError names the tool. */
export function compileToolSchema(tool: string, field: ToolSchemaField, schema: JsonSchema): ValidateFunction {
  const v = tryCompileSchema(schema);
  if (v instanceof SchemaCompileError) throw toolSchemaError(tool, field, v);
  return v;
}

const shared = createAjv();

/** Compiled validators (or the compile error) by schema text. Bounded: the oldest entries go first. */
const compiled = new Map<string, ValidateFunction | SchemaCompileError>();
const MAX_COMPILED = 10_000;

/**
 * Compile (once per distinct schema text) a validator, or return the SchemaCompileError when the schema does
 * not compile. `$schema` and `$id` are ignored.
 */
export function tryCompileSchema(schema: JsonSchema): ValidateFunction | SchemaCompileError {
  const { $schema: _s, $id: _i, ...rest } = schema;
  const key = JSON.stringify(rest);
  const hit = compiled.get(key);
  if (hit) return hit;
  let v: ValidateFunction | SchemaCompileError;
  try {
    v = shared.compile(rest);
  } catch (err) {
    v = new SchemaCompileError(`schema does not compile: ${(err as Error).message}`, { cause: err });
  }
  if (compiled.size >= MAX_COMPILED) {
    const oldest = compiled.keys().next().value;
    if (oldest !== undefined) compiled.delete(oldest);
  }
  compiled.set(key, v);
  return v;
}

/** Compile (once per distinct schema text) a validator; throws SchemaCompileError when the schema does not compile. */
export function compileSchema(schema: JsonSchema): ValidateFunction {
  const v = tryCompileSchema(schema);
  if (v instanceof SchemaCompileError) throw v;
  return v;
}

/** Number of compiled schemas held (for tests and benchmarks). */
export function compiledSchemaCount(): number {
  return compiled.size;
}

/** ajv errors as short readable lines, e.g. "/steps/0/id must be integer" (at most `limit`, no repeats). */
export function formatAjvErrors(errors: ErrorObject[] | null | undefined, limit = 8): string[] {
  const out: string[] = [];
  for (const e of errors ?? []) {
    const where = e.instancePath === "" ? "(root)" : e.instancePath;
    let msg = `${where} ${e.message ?? "is invalid"}`;
    if (e.keyword === "additionalProperties") msg += `: "${String((e.params as { additionalProperty?: string }).additionalProperty)}"`;
    if (e.keyword === "enum") msg += `: ${JSON.stringify((e.params as { allowedValues?: unknown }).allowedValues)}`;
    if (!out.includes(msg)) out.push(msg);
    if (out.length >= limit) break;
  }
  return out;
}

/**
 * Validate a value against a schema. Returns readable error lines (empty = valid); a schema that does not
 * compile gives one line saying so.
 */
export function schemaErrors(schema: JsonSchema, value: unknown): string[] {
  const v = tryCompileSchema(schema);
  if (v instanceof SchemaCompileError) return [v.message];
  return v(value) ? [] : formatAjvErrors(v.errors);
}
