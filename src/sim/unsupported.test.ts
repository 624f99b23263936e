import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { bfclTools, sampleOf, ScriptedModel, simModels } from "../../test/support/agents.js";
import { cliInProcess } from "../../test/support/cli.js";
import { generateDialogue, unsupportedStepTarget, validatePlan, type PlannerContext } from "../agents/index.js";
import { deriveSeed, Rng, type DialoguePlan, type Message, type ToolSpec } from "../core/index.js";
import { parseStepMix } from "../synth/index.js";
import { verifyDialogue, type VerifiableDialogue } from "../verify/index.js";
import { simPlan } from "./plan.js";
import { pickUnsupportedRequest, unsupportedIntent, unsupportedRequestOf } from "./unsupported.js";

let all: ToolSpec[];
beforeAll(async () => {
  all = await bfclTools();
});
const pick = (names: string[]) => names.map((n) => all.find((t) => t.name === n)!);

function ctx(names: string[], seed: number, maxTurns: number, unsupported?: number): PlannerContext {
  return {
    agent: "planner",
    seed,
    sample: sampleOf(names),
    tools: pick(names),
    maxTurns,
    ...(unsupported !== undefined ? { stepMix: { unsupported } } : {}),
  };
}

function randomNames(seed: number): string[] {
  const rng = new Rng(deriveSeed(77, seed));
  return rng.shuffle(all.map((t) => t.name)).slice(0, rng.int(2, 5));
}

describe("plan validation of unsupported steps", () => {
  const plan = (step: Partial<DialoguePlan["steps"][number]>): DialoguePlan => ({
    steps: [
      { id: 1, kind: "single", intent: "Get the flight cost", tools: ["get_flight_cost"], dependsOn: [] },
      { id: 2, kind: "unsupported", intent: "Ask to cancel the flight booking", tools: [], dependsOn: [], ...step },
    ],
    unusedTools: [],
  });

  it("accepts a step with no tools and an intent", () => {
    expect(validatePlan(plan({}), pick(["get_flight_cost"]), { maxTurns: 4 })).toEqual([]);
    expect(validatePlan(plan({}), pick(["get_flight_cost"]), { maxTurns: 4, stepMix: { unsupported: 0.1 } })).toEqual([]);
  });

  it("rejects tools, an empty intent, and unsupported steps in a run that asked for none", () => {
    expect(validatePlan(plan({ tools: ["get_flight_cost"] }), pick(["get_flight_cost"]))).toContainEqual(
      expect.stringMatching(/^step 2 \(steps\[1\]\): an unsupported step .* calls no tools \(has get_flight_cost\)/),
    );
    expect(validatePlan(plan({ intent: "  " }), pick(["get_flight_cost"]))).toContainEqual(
      expect.stringMatching(/step 2 .*needs an intent/),
    );
    expect(validatePlan(plan({}), pick(["get_flight_cost"]), { stepMix: { unsupported: 0 } })).toContainEqual(
      expect.stringMatching(/step 2 .*asks for no unsupported steps/),
    );
  });

  it("the planner's prompt explains the kind and states the run's share (or forbids the kind at share 0)", async () => {
    const prompts: string[] = [];
    for (const unsupported of [0, 0.3]) {
      const sim = simModels();
      const planner = new ScriptedModel(async (req) => {
        prompts.push(req.messages[0]!.content as string);
        return { text: (await sim.planner.chat(req)).text };
      });
      await generateDialogue(sampleOf(["book_flight", "get_flight_cost"]), all, { ...sim, planner }, { seed: 5, usePlan: true, stepMix: { unsupported } });
    }
    expect(prompts[0]).toContain('"unsupported": a request in the tools\' domain that no tool can serve');
    expect(prompts[0]).toContain("Do not write unsupported steps.");
    expect(prompts[1]).toMatch(/About 30% of the steps of the conversations in this dataset are unsupported requests\.\n  This plan has (none|\d+ unsupported step)/);
  });

  it("tells the real planner how many to write, so that the run's share comes out", () => {
    expect(unsupportedStepTarget(0, 3, 12, 1)).toBe(0);
    let steps = 0;
    let unsupported = 0;
    for (let seed = 0; seed < 2000; seed++) {
      const n = unsupportedStepTarget(0.2, 3, 12, seed);
      unsupported += n;
      steps += 4 + n; // about one step a tool plus one
    }
    expect(unsupported / steps).toBeGreaterThan(0.18);
    expect(unsupported / steps).toBeLessThan(0.22);
    expect(unsupportedStepTarget(0.5, 20, 3, 1)).toBeLessThanOrEqual(2);
  });
});

describe("the sim's unsupported requests", () => {
  it("are near the tools (an object a tool handles) with an action no tool offers, and read back from the intent", () => {
    const tools = pick(["book_flight", "get_flight_cost"]);
    const seen = new Set<string>();
    for (let seed = 0; seed < 40; seed++) {
      const r = pickUnsupportedRequest(tools, new Rng(seed));
      seen.add(r.action);
      expect(["book_flight", "get_flight_cost"]).toContain(r.tool);
      expect(r.action).toMatch(/flight/);
      // "cancel" is a tool of the BFCL travel API but not of these two, so it may be asked for
      expect(unsupportedRequestOf(unsupportedIntent(r))).toEqual(r);
    }
    expect(seen.size).toBeGreaterThan(4);
    // with cancel_booking among the tools, nobody asks to cancel
    const withCancel = pick(["book_flight", "cancel_booking"]);
    for (let seed = 0; seed < 40; seed++) expect(pickUnsupportedRequest(withCancel, new Rng(seed)).action).not.toMatch(/^cancel/);
    expect(unsupportedRequestOf("The user asks to repaint the lounge.").action).toBe("repaint the lounge");
  });

  it("are written at the configured share over many seeds, and never without a step mix", () => {
    for (const share of [0.1, 0.25]) {
      let steps = 0;
      let unsupported = 0;
      for (let seed = 0; seed < 400; seed++) {
        const names = randomNames(seed);
        const p = simPlan(ctx(names, seed, 12, share));
        expect(validatePlan(p, pick(names), { maxTurns: 12, stepMix: { unsupported: share } }), `seed ${seed}`).toEqual([]);
        steps += p.steps.length;
        unsupported += p.steps.filter((s) => s.kind === "unsupported").length;
      }
      expect(Math.abs(unsupported / steps - share), `share ${share}: ${unsupported}/${steps}`).toBeLessThan(0.03);
    }
    for (let seed = 0; seed < 100; seed++) {
      const names = randomNames(seed);
      const p = simPlan(ctx(names, seed, 12, 0));
      expect(p.steps.some((s) => s.kind === "unsupported")).toBe(false);
      // a zero share leaves the plan exactly as without a mix
      expect(p).toEqual(simPlan(ctx(names, seed, 12)));
    }
  });

  it("fit the turn limit", () => {
    for (let seed = 0; seed < 100; seed++) {
      const names = randomNames(seed);
      const maxTurns = 1 + (seed % 5);
      const p = simPlan(ctx(names, seed, maxTurns, 0.5));
      expect(validatePlan(p, pick(names), { maxTurns }), `seed ${seed}`).toEqual([]);
    }
  });

  it("make dialogues that pass verification: the user asks, the assistant declines in text and calls nothing", async () => {
    let withUnsupported = 0;
    for (let seed = 0; seed < 30; seed++) {
      const names = randomNames(seed);
      const d = await generateDialogue(sampleOf(names), all, simModels(), {
        seed,
        usePlan: true,
        toolErrorRate: 0,
        stepMix: { unsupported: 0.3 },
      });
      const v = verifyDialogue({ tools: pick(names), plan: d.plan, messages: d.messages, stepOf: d.stepOf });
      expect(v.passed, `seed ${seed}: ${JSON.stringify(v.checks.filter((c) => !c.passed))}`).toBe(true);
      expect(d.complete).toBe(true);
      for (const step of d.plan!.steps.filter((s) => s.kind === "unsupported")) {
        withUnsupported++;
        const msgs = d.messages.filter((_, i) => d.stepOf[i] === step.id);
        const r = unsupportedRequestOf(step.intent);
        expect(msgs[0]).toMatchObject({ role: "user" });
        expect(msgs[0]!.content).toContain(r.action);
        const answer = msgs.find((m) => m.role === "assistant") as Extract<Message, { role: "assistant" }>;
        expect(answer.tool_calls ?? []).toEqual([]);
        expect(answer.content).toMatch(/can't|not able/);
        expect(msgs.some((m) => m.role === "tool")).toBe(false);
      }
    }
    expect(withUnsupported).toBeGreaterThan(5);
  });
});

/** The verifier's plan check. */
const checkPlan = (d: VerifiableDialogue) => verifyDialogue(d).checks.find((c) => c.name === "plan")!;

describe("checkPlan on unsupported steps", () => {
  async function dialogueWithUnsupported() {
    for (let seed = 0; ; seed++) {
      const names = ["book_flight", "get_flight_cost"];
      const d = await generateDialogue(sampleOf(names), all, simModels(), { seed, usePlan: true, toolErrorRate: 0, stepMix: { unsupported: 0.4 } });
      const step = d.plan!.steps.find((s) => s.kind === "unsupported");
      if (step) return { d, step, tools: pick(names) };
    }
  }

  it("rejects a dialogue whose assistant calls a tool in an unsupported step, naming the step", async () => {
    const { d, step, tools } = await dialogueWithUnsupported();
    expect(checkPlan({ tools, plan: d.plan, messages: d.messages, stepOf: d.stepOf }).passed).toBe(true);
    const at = d.stepOf.indexOf(step.id); // the user's request
    const messages: Message[] = [...d.messages];
    const stepOf = [...d.stepOf];
    messages.splice(
      at + 1,
      0,
      { role: "assistant", content: null, tool_calls: [{ id: "call_x", type: "function", function: { name: "get_flight_cost", arguments: "{}" } }] },
      { role: "tool", tool_call_id: "call_x", content: '{"travel_cost_list": [100]}' },
    );
    stepOf.splice(at + 1, 0, step.id, step.id);
    const r = checkPlan({ tools, plan: d.plan, messages, stepOf });
    expect(r.passed).toBe(false);
    expect(r.reasons).toContain(
      `step ${step.id} (unsupported): the assistant called get_flight_cost (1 call(s)) for a request no tool serves; it should answer in text without a call`,
    );
  });

  it("rejects a dialogue whose assistant never answers an unsupported step in text", async () => {
    const { d, step, tools } = await dialogueWithUnsupported();
    const messages = d.messages.map((m, i) =>
      d.stepOf[i] === step.id && m.role === "assistant"
        ? { role: "assistant" as const, content: null, tool_calls: [{ id: `c${i}`, type: "function" as const, function: { name: "book_flight", arguments: "{}" } }] }
        : m,
    );
    const r = checkPlan({ tools, plan: d.plan, messages, stepOf: d.stepOf });
    expect(r.reasons).toContain(`step ${step.id} (unsupported): the assistant never answers in text (it should say briefly that it cannot do this)`);
  });
});

describe("synth --step-mix", () => {
  it("parses kind=share and refuses bad values, naming the option", () => {
    expect(parseStepMix("unsupported=0.1")).toEqual({ unsupported: 0.1 });
    expect(parseStepMix(" unsupported = 0 ")).toEqual({ unsupported: 0 });
    expect(() => parseStepMix("unsupported")).toThrow(/--step-mix: expected kind=share/);
    expect(() => parseStepMix("unsupported=abc")).toThrow(/--step-mix: unsupported: expected a number/);
    expect(() => parseStepMix("unsupported=0.7")).toThrow(/--step-mix: unsupported: the share must be between 0 and 0.5/);
    expect(() => parseStepMix("unsupported=-0.1")).toThrow(/between 0 and 0.5/);
    expect(() => parseStepMix("single=0.2")).toThrow(/cannot be set/);
    expect(() => parseStepMix("bogus=0.2")).toThrow(/unknown step kind "bogus"/);
    expect(() => parseStepMix("unsupported=0.1,unsupported=0.2")).toThrow(/given twice/);
    expect(() => parseStepMix("")).toThrow(/--step-mix/);
  });

  it("puts the mix in the manifest and the run definition; a resume with another mix is refused", async () => {
    const dir = mkdtempSync(join(tmpdir(), "step-mix-"));
    const tools = join(dir, "tools.jsonl");
    writeFileSync(tools, pick(["book_flight", "get_flight_cost", "get_nearest_airport_by_city"]).map((t) => JSON.stringify(t)).join("\n") + "\n");
    const out = join(dir, "run");
    const args = ["synth", "--tools", tools, "--count", "6", "--out", out, "--llm", "sim", "--concurrency", "2", "--tool-error-rate", "0", "--include-flagged"];
    const bad = await cliInProcess([...args, "--step-mix", "unsupported=2"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--step-mix: unsupported: the share must be between 0 and 0.5, got 2/);

    const ok = await cliInProcess([...args, "--step-mix", "unsupported=0.3"]);
    expect(ok.code, ok.stderr).toBe(0);
    const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8")) as {
      options: Record<string, unknown>;
      definition: Record<string, unknown>;
    };
    expect(manifest.options.stepMix).toEqual({ unsupported: 0.3 });
    expect(manifest.definition.stepMix).toEqual({ unsupported: 0.3 });
    const records = readFileSync(join(out, "dialogues.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { plan: DialoguePlan });
    expect(records.some((r) => r.plan.steps.some((s) => s.kind === "unsupported"))).toBe(true);

    const again = await cliInProcess([...args, "--resume"]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/--step-mix: was \{"unsupported":0.3\}, now \{"unsupported":0\}/);
  });
});
