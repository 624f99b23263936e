import { InputError, pointerSegment } from "../../core/index.js";
import { isPlainObject } from "../schema.js";
import type { Location } from "../types.js";

export { isPlainObject };

/** Extend a location's pointer with more segments. */
export function at(loc: Location, ...segments: Array<string | number>): Location {
  return { ...loc, pointer: loc.pointer + segments.map((s) => "/" + pointerSegment(s)).join("") };
}

/** An InputError at a location. */
export function inputError(loc: Location, message: string, cause?: unknown): InputError {
  return new InputError(message, { file: loc.file, line: loc.line, pointer: loc.pointer, cause });
}

/** Require a plain object at a location. */
export function expectObject(value: unknown, loc: Location, what: string): Record<string, unknown> {
  if (!isPlainObject(value)) throw inputError(loc, `${what} must be an object, got ${describe(value)}`);
  return value;
}

/** Require an array at a location. */
export function expectArray(value: unknown, loc: Location, what: string): unknown[] {
  if (!Array.isArray(value)) throw inputError(loc, `${what} must be an array, got ${describe(value)}`);
  return value;
}

export function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "object") return "an object";
  return `${typeof v} ${JSON.stringify(v)?.slice(0, 40) ?? ""}`.trim();
}

export function optionalString(v: unknown): string | undefined {
  return typeof v === "string" && v.trim() !== "" ? v : undefined;
}
