import { describe, expect, it } from "vitest";
import * as pkg from "../index.js";
import { ToolflowError } from "./errors.js";

type AnyClass = new (...args: unknown[]) => unknown;

/** Every Error class among the package's exports: the top level and each namespace. */
function exportedErrorClasses(): Map<string, AnyClass> {
  const out = new Map<string, AnyClass>();
  const visit = (where: string, ns: Record<string, unknown>) => {
    for (const [name, value] of Object.entries(ns)) {
      if (typeof value === "function" && value.prototype instanceof Error) out.set(`${where}${name}`, value as AnyClass);
      else if (value !== null && typeof value === "object" && where === "" && !Array.isArray(value)) {
        visit(`${name}.`, value as Record<string, unknown>);
      }
    }
  };
  visit("", pkg as unknown as Record<string, unknown>);
  return out;
}

/** An instance made with placeholder arguments (constructors take strings first, then an options object). */
function instantiate(cls: AnyClass): unknown {
  const attempts: unknown[][] = [["message", {}], ["stage", "message", {}], [1000], [["problem"]]];
  let last: unknown;
  for (const args of attempts) {
    try {
      return new cls(...args);
    } catch (err) {
      last = err;
    }
  }
  throw last;
}

describe("errors", () => {
  it("every exported error class is a ToolflowError with a stable, non-empty code", () => {
    const classes = exportedErrorClasses();
    // llm/openai's internal MalformedResponseError (not exported) is checked in src/llm/openai.test.ts
    // the walk reaches the namespaces (a broken walk would pass vacuously)
    expect([...classes.keys()]).toEqual(expect.arrayContaining(["ToolflowError", "SchemaCompileError", "llm.ModelError", "synth.SynthRunError"]));
    for (const [name, cls] of classes) {
      expect(cls.prototype instanceof ToolflowError || cls === (ToolflowError as unknown), `${name} extends ToolflowError`).toBe(true);
      const e = instantiate(cls);
      expect(e, name).toBeInstanceOf(ToolflowError);
      const code = (e as ToolflowError).code;
      expect(typeof code === "string" && code.length > 0, `${name} has a code`).toBe(true);
      expect((instantiate(cls) as ToolflowError).code, `${name}'s code is stable`).toBe(code);
    }
  });
});
