/**
 * Issue 19, at synthesis time: a tool schema that does not compile is named (tool, and parameters or returns),
 * found before any model is called, and `synth --dry-run` never estimates from zero rehearsed dialogues.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { fakeSamples, fakeTool } from "../../test/e2e/support/doubles.js";
import { InputError, SchemaCompileError, type ToolSpec } from "../core/index.js";
import { checkToolCalls } from "../llm/index.js";
import { dryRunSynth, formatDryRun } from "./dry-run.js";
import type { SynthOptions } from "./options.js";

const dir = mkdtempSync(join(tmpdir(), "synth-schema-errors-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A returns schema ajv refuses (a bound that is not a number). */
const badReturns = { type: "object", properties: { n: { type: "integer", minimum: "five" } } };

function files(name: string, tools: ToolSpec[]): { tools: string; samples: string } {
  const t = join(dir, `${name}-tools.jsonl`);
  writeFileSync(t, tools.map((x) => JSON.stringify(x)).join("\n") + "\n");
  const s = join(dir, `${name}-samples.jsonl`);
  writeFileSync(s, fakeSamples(4, tools.map((x) => x.name)).map((x) => JSON.stringify(x)).join("\n") + "\n");
  return { tools: t, samples: s };
}

function options(f: { tools: string; samples: string }): SynthOptions {
  return {
    tools: f.tools,
    samples: f.samples,
    count: 4,
    llm: ["sim"],
    roleLlm: {},
    concurrency: 1,
    seed: 3,
    out: join(dir, "run"),
    sampling: "walk",
    size: { min: 2, max: 2 },
    plan: true,
    provenance: "reject",
    resume: false,
    force: false,
    dryRun: true,
  };
}

describe("synth --dry-run without a completed rehearsal", () => {
  it("says there is no estimate, and why, instead of estimating from 0 dialogues", async () => {
    const f = files("none", [fakeTool("alpha"), fakeTool("beta")]);
    let tried = 0;
    const report = await dryRunSynth(options(f), {
      rehearsals: 3,
      generateDialogue: async () => {
        tried++;
        throw new Error("the planner found no usable plan");
      },
    });
    expect(tried).toBe(3);
    expect(report.rehearsed).toBe(0);
    expect(report.atCount).toBeNull();
    expect(report.atCap).toBeNull();
    expect(report.roles).toEqual([]);
    expect(report.noEstimate).toMatch(/none of the 3 rehearsal dialogues completed.*the first failure: sample s0: the planner found no usable plan/);
    const text = formatDryRun(report);
    expect(text).toContain("===== no estimate =====");
    expect(text).not.toMatch(/from 0 rehearsed|calls\/dialogue|cost \$/);
  });
});

describe("a tool schema that does not compile is named", () => {
  it("synth stops before any model call, naming the tool, the schema and the tools file", async () => {
    const f = files("bad", [fakeTool("alpha"), { ...fakeTool("beta"), returns: badReturns }]);
    let tried = 0;
    const err = await dryRunSynth(options(f), {
      rehearsals: 2,
      generateDialogue: async () => {
        tried++;
        throw new Error("not reached");
      },
    }).catch((e: unknown) => e);
    expect(tried).toBe(0);
    expect(err).toBeInstanceOf(InputError);
    // the tools file's reader (tools/validate.ts) refuses it first, at its line, with the schema's pointer
    expect((err as InputError).message).toMatch(/line 2 at \/returns: tool "beta": returns is not a valid JSON Schema: .*minimum/);
    expect((err as InputError).message).toContain(f.tools);
  });

  it("the assistant's calls: a parameters schema that does not compile names the tool", () => {
    const call = { id: "c1", type: "function" as const, function: { name: "lookup", arguments: '{"n": 1}' } };
    const tools = [{ name: "lookup", description: "", parameters: { type: "object", properties: { n: { type: "integer", maximum: "ten" } } } }];
    const err = (() => {
      try {
        checkToolCalls([call], tools);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(SchemaCompileError);
    expect(err).toMatchObject({ tool: "lookup", field: "parameters" });
    expect((err as Error).message).toMatch(/^tool "lookup": parameters schema does not compile: /);
  });
});
