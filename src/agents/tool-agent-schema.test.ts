/**
 * Tool schemas from a real import (issue 19): a returns schema that does not compile is named by the tool agent's
 * error (synth finds such tools before a run starts, src/synth/schema-errors.test.ts, so this guards other
 * callers); the notes of the schema budget show in the prompts' compact schemas.
 */
import { describe, expect, it } from "vitest";
import { fakeTool } from "../../test/e2e/support/doubles.js";
import { ScriptedModel } from "../../test/support/agents.js";
import type { JsonSchema, ToolSpec } from "../core/index.js";
import { ToolAgent } from "./tool-agent.js";
import { compactSchema } from "./tool-schema.js";

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

describe("compactSchema and the schema budget's notes", () => {
  it("shows what the budget cut where no property comment says it", () => {
    const returns = {
      type: "object",
      description: "A repository. (cut: 40 more properties)",
      properties: {
        owner: { type: "object", description: "A user. (cut: same schema as organization)" },
        events: { type: "array", items: { title: "Event", description: "Event (cut: one of 26 schemas, not shown: Labeled, Unlabeled, ...)" } },
      },
    };
    const text = compactSchema(returns as JsonSchema, "  ");
    expect(text).toContain("// (cut: 40 more properties)");
    expect(text).toContain("owner?: object, // A user. (cut: same schema as organization)");
    expect(text).toContain("events?: (any /* (cut: one of 26 schemas, not shown: Labeled, Unlabeled, ...) */)[],");
    // said once: the owner's note is in its comment only
    expect(text.match(/same schema as organization/g)).toHaveLength(1);
    expect(compactSchema({ type: "object", properties: { a: { type: "string" } } } as JsonSchema)).not.toContain("cut");
  });
});
