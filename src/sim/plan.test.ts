import { beforeAll, describe, expect, it } from "vitest";
import { bfclTools, sampleOf, ScriptedModel, simModels } from "../../test/support/agents.js";
import { generateDialogue, validatePlan, type AgentCallContext } from "../agents/index.js";
import { deriveSeed, Rng } from "../core/index.js";
import type { ToolSpec } from "../core/index.js";
import { createSimModel } from "./model.js";
import { simPlan } from "./plan.js";

let all: ToolSpec[];
beforeAll(async () => {
  all = await bfclTools();
});
const pick = (names: string[]) => names.map((n) => all.find((t) => t.name === n)!);

describe("the sim planner", () => {
  it("writes valid plans for random tool subsets, with dependencies after their producers", () => {
    const pool = all.map((t) => t.name);
    const kinds = new Set<string>();
    for (let seed = 0; seed < 60; seed++) {
      const rng = new Rng(deriveSeed(99, seed));
      const names = rng.shuffle(pool).slice(0, rng.int(1, 6));
      const maxTurns = rng.int(1, 12);
      const plan = simPlan({ agent: "planner", seed, sample: sampleOf(names), tools: pick(names), maxTurns });
      expect(validatePlan(plan, pick(names), { maxTurns }), `seed ${seed}: ${names.join(",")}`).toEqual([]);
      plan.steps.forEach((s) => kinds.add(s.kind));
    }
    expect([...kinds].sort()).toEqual(["chained", "chitchat", "clarify", "no_tool", "parallel", "single"]);
  });
});

describe("the sim backend and the agents' contexts", () => {
  it("answers requests without an agent context generically (text, or schema JSON)", async () => {
    const sim = createSimModel();
    const text = await sim.chat({ messages: [{ role: "user", content: "hi" }] });
    expect(text.toolCalls).toEqual([]);
    expect(text.text.length).toBeGreaterThan(0);
    const judge = await sim.chat({
      messages: [{ role: "user", content: "rate" }],
      responseFormat: { name: "s", schema: { type: "object", properties: { n: { type: "integer", minimum: 1, maximum: 5 } }, required: ["n"] } },
      context: { agent: "judge" },
    });
    const n = (JSON.parse(judge.text) as { n: number }).n;
    expect(n).toBeGreaterThanOrEqual(1);
    expect(n).toBeLessThanOrEqual(5);
  });

  it("real-model prompts carry what the sim reads from the context (the user prompt names the step and the persona)", async () => {
    const sim = simModels();
    const seen: string[] = [];
    const contexts: AgentCallContext[] = [];
    // A "real" user model: it sees only the messages; the sim answers the same request from its context.
    const turns: string[] = [];
    const user = new ScriptedModel(async (req) => {
      seen.push(req.messages[0]!.content as string);
      turns.push(req.messages.at(-1)!.content as string);
      contexts.push(req.context as AgentCallContext);
      return { text: (await sim.user.chat(req)).text };
    });
    const d = await generateDialogue(sampleOf(["get_flight_cost", "book_flight", "cancel_booking"]), all, { ...sim, user }, { seed: 3, usePlan: true });
    expect(d.complete).toBe(true);
    expect(seen[0]).toContain(d.plan!.steps[0]!.intent);
    expect(seen[0]).toContain(d.persona.split(",")[0]!);
    // the second turn asks whether step 1, in progress, is done, naming the calls made for it
    const firstCalls = d.messages.filter((m) => m.role === "tool" && d.stepOf[d.messages.indexOf(m)] === 1).map((m) => (m as { name: string }).name);
    expect(turns[1]).toContain("Step 1: in progress; the assistant's calls for it: ");
    for (const name of firstCalls) expect(turns[1]).toContain(name);
    expect(contexts.every((c) => c.agent === "user")).toBe(true);
  });

  it("the user's JSON holds only what the pipeline uses (no sim-only fields)", async () => {
    const sim = simModels();
    const answers: unknown[] = [];
    const user = new ScriptedModel(async (req) => {
      const r = await sim.user.chat(req);
      answers.push(JSON.parse(r.text));
      return { text: r.text };
    });
    await generateDialogue(sampleOf(["get_flight_cost", "book_flight", "cancel_booking"]), all, { ...sim, user }, { seed: 5, usePlan: true });
    expect(answers.length).toBeGreaterThan(1);
    for (const a of answers) expect(Object.keys(a as object).every((k) => ["stepDone", "finished", "message"].includes(k))).toBe(true);
  });
});
