/**
 * A tool whose returns schema does not compile: the tool agent's error names the tool and the schema (issue 19;
 * synth finds such tools before a run starts, src/synth/schema-errors.test.ts, so this guards other callers).
 */
import { describe, expect, it } from "vitest";
import { fakeTool } from "../../test/e2e/support/doubles.js";
import { ScriptedModel } from "../../test/support/agents.js";
import type { ToolSpec } from "../core/index.js";
import { ToolAgent } from "./tool-agent.js";

describe("ToolAgent and a returns schema that does not compile", () => {
  it("the tool agent: a returns schema that does not compile names the tool (no re-ask)", async () => {
    const model = new ScriptedModel(() => ({ json: { results: [{ n: 1 }] } }));
    const tool: ToolSpec = { ...fakeTool("count_things"), returns: { type: "object", properties: { n: { type: "integer", minimum: "five" } } } };
    const err = await new ToolAgent(model)
      .call({ seed: 1, tool, arguments: { q: "x" }, callId: "call_1", injectError: false, known: [], history: [] })
      .catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/tool "count_things": returns schema does not compile/);
    expect(model.requests).toHaveLength(1);
  });
});
