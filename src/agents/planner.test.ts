import { describe, it, expect, beforeAll } from "vitest";
import type { DialoguePlan, ToolSpec } from "../core/index.js";
import { bfclTools, sampleOf, ScriptedModel } from "../../test/support/agents.js";
import { GenerationError } from "./common.js";
import { Planner, PLAN_JSON_SCHEMA, planTurns, SampleUnusableError, validatePlan } from "./planner.js";

let all: ToolSpec[];
beforeAll(async () => {
  all = await bfclTools();
});
const pick = (names: string[]) => names.map((n) => all.find((t) => t.name === n)!);

const GOOD: DialoguePlan = {
  steps: [
    { id: 1, kind: "single", intent: "Log in", tools: ["authenticate_travel"], dependsOn: [] },
    { id: 2, kind: "clarify", intent: "Register a card", tools: ["register_credit_card"], dependsOn: [1], missingArgs: ["card_number"] },
    { id: 3, kind: "chitchat", intent: "Move on to flights", tools: [], dependsOn: [] },
    { id: 4, kind: "chained", intent: "Book with the card", tools: ["book_flight"], dependsOn: [1, 2] },
  ],
  unusedTools: [],
};
const TOOLS = ["authenticate_travel", "register_credit_card", "book_flight"];

describe("validatePlan", () => {
  it("accepts a good plan", () => {
    expect(validatePlan(GOOD, pick(TOOLS), { maxTurns: 12 })).toEqual([]);
    expect(planTurns(GOOD)).toBe(5);
  });

  it("names each semantic problem", () => {
    const bad: DialoguePlan = {
      steps: [
        { id: 1, kind: "single", intent: "x", tools: ["fly_me_to_the_moon"], dependsOn: [2] },
        { id: 2, kind: "parallel", intent: "x", tools: ["authenticate_travel"], dependsOn: [] },
        { id: 2, kind: "clarify", intent: "x", tools: ["register_credit_card"], dependsOn: [], missingArgs: ["colour"] },
        { id: 4, kind: "chitchat", intent: "x", tools: ["book_flight"], dependsOn: [] },
        { id: 5, kind: "chained", intent: "x", tools: ["book_flight"], dependsOn: [] },
      ],
      unusedTools: [{ tool: "book_flight", reason: "" }],
    };
    const errors = validatePlan(bad, pick([...TOOLS, "get_flight_cost"]), { maxTurns: 3 }).join("\n");
    expect(errors).toMatch(/unknown tool "fly_me_to_the_moon"/);
    expect(errors).toMatch(/dependsOn 2 does not name an earlier step/);
    expect(errors).toMatch(/parallel step needs at least 2 calls/);
    expect(errors).toMatch(/duplicate step id 2/);
    expect(errors).toMatch(/missingArgs "colour" is not a required argument/);
    expect(errors).toMatch(/chitchat step calls no tools/);
    expect(errors).toMatch(/chained step needs 2\+ tools or dependsOn/);
    expect(errors).toMatch(/"book_flight" is used by a step/);
    expect(errors).toMatch(/"book_flight" needs a reason/);
    expect(errors).toMatch(/tool "get_flight_cost" is neither used by a step nor listed in unusedTools/);
    expect(errors).toMatch(/limit is 3/);
  });

  it("the plan JSON schema (responseFormat) describes steps and kinds", () => {
    const props = PLAN_JSON_SCHEMA.properties as Record<string, { items?: { properties?: Record<string, unknown> } }>;
    expect(Object.keys(props.steps!.items!.properties!)).toEqual(
      expect.arrayContaining(["id", "kind", "intent", "tools", "dependsOn", "missingArgs"]),
    );
    expect(PLAN_JSON_SCHEMA.$schema).toBeUndefined();
  });
});

describe("Planner", () => {
  it("re-asks with the errors when the first plan names an unknown tool, then accepts the corrected plan", async () => {
    const bad = { ...GOOD, steps: [{ ...GOOD.steps[0]!, tools: ["teleport"] }, ...GOOD.steps.slice(1)] };
    const model = new ScriptedModel((_req, n) => ({ json: n === 1 ? bad : GOOD }));
    const plan = await new Planner(model).plan(sampleOf(TOOLS), pick(TOOLS), { seed: 1, maxTurns: 12 });
    expect(plan).toEqual(GOOD);
    expect(model.requests).toHaveLength(2);
    const reask = model.requests[1]!.messages;
    expect(reask[reask.length - 1]!.content).toMatch(/unknown tool "teleport"/);
    expect(model.requests[0]!.responseFormat?.name).toBe("dialogue_plan");
    expect(model.requests[0]!.messages[0]!.content).toContain("register_credit_card");
    expect(model.requests.map((r) => r.role)).toEqual(["planner", "planner"]);
    expect(model.requests[1]!.context).toMatchObject({ agent: "planner", maxTurns: 12 });
  });

  it("parses a plan from text (code fence, slightly broken JSON) when the model gives no parsed json", async () => {
    const text = "```json\n" + JSON.stringify(GOOD).replace(/}]}$/, "},]}") + "\n```";
    const model = new ScriptedModel(() => ({ text }));
    const plan = await new Planner(model).plan(sampleOf(TOOLS), pick(TOOLS), { seed: 1, maxTurns: 12 });
    expect(plan.steps).toHaveLength(4);
  });

  it("gives up with a GenerationError(stage=planner) after the bounded number of attempts", async () => {
    const model = new ScriptedModel(() => ({ json: { steps: [] } }));
    const err = await new Planner(model, { maxAttempts: 2 })
      .plan(sampleOf(TOOLS), pick(TOOLS), { seed: 1, maxTurns: 12 })
      .catch((e) => e);
    expect(err).toBeInstanceOf(GenerationError);
    expect((err as GenerationError).stage).toBe("planner");
    expect((err as Error).message).toMatch(/after 2 attempts/);
    expect(model.requests).toHaveLength(2);
  });

  it("plans for the dialogue's user: the persona is in the planner's prompt", async () => {
    const model = new ScriptedModel(() => ({ json: GOOD }));
    const persona = { name: "Ingrid Olsen", description: "a pharmacist who double-checks every figure", style: "formal" };
    await new Planner(model).plan(sampleOf(TOOLS), pick(TOOLS), { seed: 1, maxTurns: 12, persona });
    expect(model.requests[0]!.messages[0]!.content).toContain("The user: Ingrid Olsen, a pharmacist who double-checks every figure.");
  });

  it("may leave sampled tools unused, each with its reason", async () => {
    const partial: DialoguePlan = {
      steps: [{ id: 1, kind: "single", intent: "Log in", tools: ["authenticate_travel"], dependsOn: [] }],
      unusedTools: [
        { tool: "register_credit_card", reason: "the user only wants to look around" },
        { tool: "book_flight", reason: "nothing to book yet" },
      ],
    };
    const model = new ScriptedModel(() => ({ json: partial }));
    expect(await new Planner(model).plan(sampleOf(TOOLS), pick(TOOLS), { seed: 1, maxTurns: 12 })).toEqual(partial);
  });

  it("lets the model declare the sample unusable: a SampleUnusableError with its reason, after one request", async () => {
    const model = new ScriptedModel(() => ({ json: { steps: [], unusable: "every tool needs the user's session cookie" } }));
    const err = await new Planner(model).plan(sampleOf(TOOLS), pick(TOOLS), { seed: 1, maxTurns: 12 }).catch((e) => e);
    expect(err).toBeInstanceOf(SampleUnusableError);
    expect((err as SampleUnusableError).reason).toBe("every tool needs the user's session cookie");
    expect((err as SampleUnusableError).stage).toBe("planner");
    expect(model.requests).toHaveLength(1);
    expect((PLAN_JSON_SCHEMA.properties as Record<string, unknown>).unusable).toBeDefined();
  });

  it("re-asks an answer that has steps and also calls itself unusable", async () => {
    const model = new ScriptedModel((_r, n) => ({ json: n === 1 ? { ...GOOD, unusable: "meh" } : GOOD }));
    expect(await new Planner(model).plan(sampleOf(TOOLS), pick(TOOLS), { seed: 1, maxTurns: 12 })).toEqual(GOOD);
    expect(model.requests[1]!.messages.at(-1)!.content).toMatch(/cannot also be `unusable`/);
  });

  it("tells the planner which values the user must supply when the sample lacks their producer", async () => {
    const model = new ScriptedModel(() => ({ json: GOOD }));
    const sample = { ...sampleOf(TOOLS), userSupplied: [{ tool: "book_flight", param: "card_id", producer: "register_credit_card_v2" }] };
    await new Planner(model).plan(sample, pick(TOOLS), { seed: 1, maxTurns: 12 });
    expect(model.requests[0]!.messages[0]!.content).toContain("- card_id of book_flight (normally from register_credit_card_v2)");
    const plain = new ScriptedModel(() => ({ json: GOOD }));
    await new Planner(plain).plan(sampleOf(TOOLS), pick(TOOLS), { seed: 1, maxTurns: 12 });
    expect(plain.requests[0]!.messages[0]!.content).not.toContain("Values no tool here produces");
  });
});
