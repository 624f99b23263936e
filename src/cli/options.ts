/**
 * Option parsers shared by the commands: each names its flag in the error (a UsageError, exit code 2).
 */
import { UsageError } from "../core/index.js";

/** An integer between min and max. */
export function intOption(flag: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    if (!/^\s*-?\d+\s*$/.test(value)) throw new UsageError(`${flag}: expected an integer, got "${value}"`);
    const n = Number(value);
    if (n < min || n > max) throw new UsageError(`${flag}: must be between ${min} and ${max}, got ${n}`);
    return n;
  };
}

/** A finite number between min and max. */
export function numberOption(flag: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === "" || !Number.isFinite(n)) throw new UsageError(`${flag}: expected a number, got "${value}"`);
    if (n < min || n > max) throw new UsageError(`${flag}: must be between ${min} and ${max}, got ${n}`);
    return n;
  };
}

/** A comma-separated list (empty items dropped; at least one). `what` names the items in the error. */
export function listOption(flag: string, what = "values") {
  return (value: string): string[] => {
    const items = value
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== "");
    if (items.length === 0) throw new UsageError(`${flag}: expected a comma-separated list of ${what}`);
    return items;
  };
}

/** A repeatable option collected into an array. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
