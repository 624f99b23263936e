/**
 * synth's option table cannot drift from what it feeds: every SynthOptions field is set by an entry and every
 * entry sets one; every RunDefinition field comes from entries and every entry's definition field is one of them;
 * the manifest records each definition field; a run's definition and manifest change with each defining flag.
 */
import { describe, expect, it } from "vitest";
import { flagAttribute, longFlag } from "../core/index.js";
import {
  DEFINITION_FLAGS,
  manifestOptions,
  runDefinition,
  SYNTH_OPTION_TABLE,
  synthOptionsFromFlags,
  type RunDefinition,
} from "./option-table.js";
import { SynthOptionsZ, validateSynthOptions, type SynthOptions } from "./options.js";
import { testSynthOptions } from "../../test/support/synth-options.js";

/**
 * Every RunDefinition field, listed here so that tsc fails when the interface gains or loses one (the `satisfies`)
 * and the test below fails when the table does not follow.
 */
const RUN_DEFINITION_FIELDS = {
  tools: 1, graph: 1, samples: 1, count: 1, llm: 1, roleLlm: 1, seed: 1, sampling: 1, size: 1, includeFlagged: 1, plan: 1,
  maxTurns: 1, toolErrorRate: 1, stepMix: 1, keepReasoning: 1, provenance: 1, turnRepair: 1, judge: 1, judgeMin: 1,
  judgeFlaws: 1, roundTrip: 1, roundTripMin: 1, maxAttempts: 1, temperature: 1, baseUrl: 1, execute: 1, allowWrites: 1,
} satisfies Record<keyof RunDefinition, 1>;

/** Options with every optional setting given (so that every "present only when set" field is present). */
const FULL: SynthOptions = validateSynthOptions(
  testSynthOptions({
    tools: "t.jsonl", out: "run", count: 5, seed: 3, graph: "g.json", samples: "s.jsonl",
    roleLlm: { planner: "sim", user: "sim", assistant: "sim", tool: "sim" }, includeFlagged: true, plan: false, maxTurns: 3,
    toolErrorRate: 0.1, stepMix: { unsupported: 0.1 }, keepReasoning: true, turnRepair: false, baseUrl: "http://h/v1",
    cache: "c", prices: "p.yaml", judge: "sim", judgeMin: 3, judgeFlaws: true, roundTrip: "sim", roundTripMin: 0.5,
    maxAttempts: 9, temperature: 0.7, rpm: 5, tpm: 100, execute: "mcp", executeConfig: "x.yaml", allowWrites: true,
  }),
);
const HASHES = { tools: "T", graph: "G", samples: "S" };

describe("synth's option table", () => {
  it("sets every SynthOptions field, and only those", () => {
    const fromTable = new Set(SYNTH_OPTION_TABLE.flatMap((e) => (e.option ? [e.option.split(".")[0]] : [])));
    expect([...fromTable].sort()).toEqual(Object.keys(SynthOptionsZ.shape).sort());
    const roles = SYNTH_OPTION_TABLE.flatMap((e) => (e.option?.startsWith("roleLlm.") ? [e.option.slice(8)] : []));
    expect(roles.sort()).toEqual(Object.keys(SynthOptionsZ.shape.roleLlm.shape).sort());
  });

  it("gives every RunDefinition field, and only those, from its entries", () => {
    expect(Object.keys(DEFINITION_FLAGS).sort()).toEqual(Object.keys(RUN_DEFINITION_FIELDS).sort());
    expect(Object.keys(runDefinition(FULL, HASHES)).sort()).toEqual(Object.keys(RUN_DEFINITION_FIELDS).sort());
    // each definition field names the flags that set it, as the table spells them
    for (const entry of SYNTH_OPTION_TABLE) {
      if (entry.definition) expect(DEFINITION_FLAGS[entry.definition.field]).toContain(longFlag(entry));
    }
    expect(DEFINITION_FLAGS.roleLlm).toBe("--llm-planner/--llm-user/--llm-assistant/--llm-tool");
    expect(DEFINITION_FLAGS.tools).toBe("--tools (file content)");
  });

  it("records every definition field in the manifest, inputs by path, and the settings that are not compared", () => {
    const m = manifestOptions(FULL);
    for (const field of Object.keys(RUN_DEFINITION_FIELDS)) expect(m, field).toHaveProperty(field);
    const d = runDefinition(FULL, HASHES);
    for (const field of ["tools", "graph", "samples"] as const) {
      expect(d[field]).toBe(HASHES[field]);
      expect(m[field]).toMatch(new RegExp(`[/\\\\]${FULL[field]?.replace(".", "\\.")}$`));
    }
    expect(m).toMatchObject({ concurrency: FULL.concurrency, rpm: 5, tpm: 100, turnRepair: false });
    for (const control of ["resume", "force", "dryRun"]) expect(m).not.toHaveProperty(control);
  });

  it("a change of any defining flag changes the definition; a change of any other does not", () => {
    const base = runDefinition(FULL, HASHES);
    const changed: Partial<SynthOptions> = {
      count: 6, llm: ["sim", "sim"], seed: 4, sampling: "random", size: { min: 1, max: 2 }, includeFlagged: false,
      plan: true, maxTurns: 4, toolErrorRate: 0.2, stepMix: { unsupported: 0 }, keepReasoning: false, provenance: "flag",
      turnRepair: undefined, judge: "sim2", judgeMin: 2, judgeFlaws: undefined, roundTrip: "sim2", roundTripMin: 0.4,
      maxAttempts: 10, temperature: 0.5, baseUrl: "http://other/v1", execute: "http", allowWrites: false,
    };
    for (const [key, value] of Object.entries(changed)) {
      const d = runDefinition({ ...FULL, [key]: value }, HASHES);
      expect(JSON.stringify(d), key).not.toBe(JSON.stringify(base));
    }
    for (const key of ["concurrency", "cache", "prices", "rpm", "tpm", "out", "executeConfig"] as const) {
      const other = { ...FULL, [key]: typeof FULL[key] === "number" ? 1 : "elsewhere" };
      expect(runDefinition(other, HASHES), key).toEqual(base);
    }
  });

  it("turns flags (keyed as commander keys them) into the options the table says", () => {
    const flags: Record<string, unknown> = {};
    for (const e of SYNTH_OPTION_TABLE) if (e.default !== undefined) flags[flagAttribute(e)] = e.default;
    Object.assign(flags, { tools: "t.jsonl", count: 2, out: "run", llm: ["sim"], plan: true, turnRepair: false, llmTool: "x", includeFlagged: true, judge: "sim", judgeFlaws: true });
    const o = validateSynthOptions(synthOptionsFromFlags(flags));
    expect(o).toMatchObject({ tools: "t.jsonl", count: 2, out: "run", seed: 1, sampling: "walk", size: { min: 2, max: 5 }, turnRepair: false, includeFlagged: true, judgeFlaws: true });
    expect(o.roleLlm).toEqual({ tool: "x" });
    expect(() => validateSynthOptions(synthOptionsFromFlags(flags))).not.toThrow();
    expect(() => synthOptionsFromFlags({ ...flags, size: "5-2" })).toThrow(/--size/);
  });
});
