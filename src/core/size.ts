/**
 * The `--size` option: how many tools a sample should hold, as one number (`3`) or an inclusive range (`2-5`).
 */
import { UsageError } from "./errors.js";

export interface SizeRange {
  min: number;
  max: number;
}

/** Largest sample size accepted (a dialogue over more tools than this is not what ToolFlow makes). */
export const MAX_SAMPLE_SIZE = 64;

/** Parse "3" or "2-5" into an inclusive range; anything else is a UsageError naming the option. */
export function parseSizeRange(text: string, option = "--size"): SizeRange {
  const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(text);
  if (!m) throw new UsageError(`${option} must be a number or a range like 2-5, got "${text}"`);
  const min = Number(m[1]);
  const max = m[2] === undefined ? min : Number(m[2]);
  return checkSizeRange({ min, max }, option);
}

/** Check a size range given in code; same rules as parseSizeRange. */
export function checkSizeRange(range: SizeRange, option = "size"): SizeRange {
  const { min, max } = range;
  if (!Number.isInteger(min) || !Number.isInteger(max)) {
    throw new UsageError(`${option} bounds must be integers, got ${min}-${max}`);
  }
  if (min < 1) throw new UsageError(`${option} must be at least 1, got ${min}-${max}`);
  if (max < min) throw new UsageError(`${option} range is reversed (${min}-${max}): write the smaller bound first`);
  if (max > MAX_SAMPLE_SIZE) throw new UsageError(`${option} must be at most ${MAX_SAMPLE_SIZE}, got ${min}-${max}`);
  return { min, max };
}

/** A size given as a number or a range, as a range. */
export function toSizeRange(size: number | SizeRange, option = "size"): SizeRange {
  return checkSizeRange(typeof size === "number" ? { min: size, max: size } : size, option);
}
