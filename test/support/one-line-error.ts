/**
 * What the disk-failure tests ask of an error (issue 21): a ToolflowError whose message is one line, and fatal when
 * the test says so. `oneLineError` runs `work` and returns that error; it fails the test when nothing is thrown.
 */
import { expect } from "vitest";
import { ToolflowError } from "../../src/core/index.js";

function check(err: unknown, fatal: boolean): ToolflowError {
  expect(err).toBeInstanceOf(ToolflowError);
  const e = err as ToolflowError;
  expect(e.message.includes("\n"), e.message).toBe(false);
  if (fatal) expect(e.fatal).toBe(true);
  return e;
}

export function oneLineError(work: () => unknown, notThrown: string, options: { fatal?: boolean } = {}): ToolflowError {
  try {
    work();
  } catch (err) {
    return check(err, options.fatal ?? false);
  }
  throw new Error(notThrown);
}

export async function oneLineErrorAsync(work: () => unknown, notThrown: string, options: { fatal?: boolean } = {}): Promise<ToolflowError> {
  try {
    await work();
  } catch (err) {
    return check(err, options.fatal ?? false);
  }
  throw new Error(notThrown);
}
