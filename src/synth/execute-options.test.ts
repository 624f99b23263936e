/**
 * `--execute` and `--allow-writes` in the run's options and definition: validated, part of the definition only when
 * set (older manifests compare equal), and a change is refused on --resume like any other definition field.
 */
import { describe, expect, it } from "vitest";
import { validateSynthOptions } from "./options.js";
import { diffRunDefinitions, runDefinition } from "./option-table.js";
import { testSynthOptions } from "../../test/support/synth-options.js";

const base = testSynthOptions({ tools: "t.jsonl", count: 2, concurrency: 1, seed: 1, out: "run", size: { min: 2, max: 3 } });
const hashes = { tools: "h", graph: null, samples: null };

describe("synth --execute options", () => {
  it("are validated and enter the run definition only when given", () => {
    const plain = runDefinition(validateSynthOptions(base), hashes);
    expect("execute" in plain).toBe(false);
    const exec = runDefinition(validateSynthOptions({ ...base, execute: "mcp", executeConfig: "x.yaml" }), hashes);
    expect(exec).toMatchObject({ execute: "mcp", allowWrites: false });
    expect(() => validateSynthOptions({ ...base, execute: "" })).toThrow(/--execute/);
  });

  it("a resume with another --execute or --allow-writes differs; a run written before them does not", () => {
    const older = runDefinition(validateSynthOptions(base), hashes);
    expect(diffRunDefinitions(older, runDefinition(validateSynthOptions(base), hashes))).toEqual([]);
    const a = runDefinition(validateSynthOptions({ ...base, execute: "mcp" }), hashes);
    const b = runDefinition(validateSynthOptions({ ...base, execute: "mcp", allowWrites: true }), hashes);
    expect(diffRunDefinitions(a, b).map((d) => d.flag)).toEqual(["--allow-writes"]);
    expect(diffRunDefinitions(older, a).map((d) => d.flag).sort()).toEqual(["--allow-writes", "--execute"]);
  });
});
