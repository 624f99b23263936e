/**
 * The pipeline with imperfect models: the sim answers every role, and a middleware spoils one role's answers the
 * way real models go wrong. What the run writes must reject those dialogues with the right check and reason.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AgentCallContext, UserContext } from "../../src/agents/index.js";
import { RejectedRecordZ, type DialoguePlan, type RejectedRecord, type ToolSample, type ToolSpec } from "../../src/core/index.js";
import { wrapModel, type ChatResult, type DialogueModels, type ModelMiddleware } from "../../src/llm/index.js";
import { createSimModel } from "../../src/sim/index.js";
import { defaultSynthDeps, runSynthesis } from "../../src/synth/index.js";
import { bfclTools, sampleOf } from "../support/agents.js";
import { readAccepted, reverify } from "./support/run-files.js";
import { withInventedArgument } from "../support/report-run.js";

let tools: ToolSpec[];
const dirs: string[] = [];
beforeAll(async () => {
  tools = await bfclTools();
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Spoil the answers of one role: `spoil` gets the sim's answer and the request's context. */
function spoiling(role: string, spoil: (r: ChatResult, ctx: AgentCallContext) => ChatResult): ModelMiddleware {
  return {
    name: `imperfect ${role}`,
    async chat({ request, next }) {
      const r = await next(request);
      return request.role === role && request.context ? spoil(r, request.context as AgentCallContext) : r;
    },
  };
}

async function run(samples: ToolSample[], middleware: ModelMiddleware, count: number) {
  const dir = mkdtempSync(join(tmpdir(), "toolflow-imperfect-"));
  dirs.push(dir);
  const sim = wrapModel(createSimModel(), middleware);
  const models: DialogueModels = { planner: sim, user: sim, assistant: sim, tool: sim };
  const plans: Array<DialoguePlan | null> = [];
  const deps = defaultSynthDeps();
  const generate = deps.generateDialogue;
  deps.generateDialogue = async (...args) => {
    const d = await generate(...args);
    plans.push(d.plan);
    return d;
  };
  await runSynthesis({
    dir,
    count,
    maxAttempts: count,
    concurrency: 2,
    seed: 3,
    samples,
    tools: new Map(tools.map((t) => [t.name, t])),
    usePlan: true,
    toolErrorRate: 0,
    provenance: "reject",
    models: { forDialogue: () => models },
    deps,
    maxConsecutiveFailures: 1000,
  }).catch((err: unknown) => {
    // a run that cannot reach its count gives up after maxAttempts; what it wrote is what we check
    if (!(err instanceof Error) || !/gave up after/.test(err.message)) throw err;
  });
  const rejected: RejectedRecord[] = readFileSync(join(dir, "rejected.jsonl"), "utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => RejectedRecordZ.parse(JSON.parse(l)));
  return { dir, rejected, plans };
}

const reasonsOf = (r: RejectedRecord, check: string) => r.rejectedBy.filter((x) => x.check === check).flatMap((x) => x.reasons);

describe("imperfect models end in rejections with the right check and reason", () => {
  it("an assistant that invents an argument value: rejected by provenance, naming the value", async () => {
    const INVENTED = "INVENTED-VALUE-4711";
    const invent = spoiling("assistant", (r) => withInventedArgument(r, INVENTED));
    const samples = [sampleOf(["get_flight_cost", "book_flight", "register_credit_card"], "s1"), sampleOf(["create_ticket", "get_ticket"], "s2")];
    const { rejected, dir } = await run(samples, invent, 6);
    expect(readAccepted(dir)).toEqual([]);
    const byProvenance = rejected.filter((r) => reasonsOf(r, "provenance").some((x) => x.includes(INVENTED)));
    expect(byProvenance.length).toBeGreaterThan(0);
    // it invents again when told (repair at the turn), so the dialogue is rejected at that turn, naming tool, argument
    // and value
    expect(reasonsOf(byProvenance[0]!, "provenance").find((x) => x.includes(INVENTED))).toMatch(
      /^at the turn, after repair: nothing in the conversation gives \w+ argument `\w+` = "INVENTED-VALUE-4711": ask the user/,
    );
  });

  it("a user who never gives the value a clarify step asks for: rejected by the plan check (the step never calls its tool)", async () => {
    const evasive = spoiling("user", (r, ctx) => {
      const turn = JSON.parse(r.text) as { stepDone: boolean; message: string };
      const user = ctx as UserContext;
      const step = user.plan?.steps[user.stepIndex];
      if (step?.kind !== "clarify" || !user.current?.assistantAsked || turn.stepDone) return r;
      return { ...r, text: JSON.stringify({ ...turn, message: "Hmm, I'm not sure about that, sorry." }) };
    });
    const samples = Array.from({ length: 12 }, (_, i) => sampleOf(["get_flight_cost", "book_flight", "purchase_insurance", "register_credit_card"], `s${i}`));
    const { rejected, plans, dir } = await run(samples, evasive, 12);
    const withClarify = plans.filter((p) => p?.steps.some((s) => s.kind === "clarify")).length;
    expect(withClarify).toBeGreaterThan(0);
    const clarifyFailures = rejected.filter((r) => reasonsOf(r, "plan").some((x) => /step \d+ \(clarify\) (does not call its tool|has no tool call)/.test(x)));
    expect(clarifyFailures.length).toBe(withClarify);
    for (const r of clarifyFailures) expect(r.rejectedBy.map((x) => x.check)).toContain("incomplete");
    // the dialogues without a clarify step are unaffected and pass verification again from what was written
    const accepted = readAccepted(dir);
    expect(accepted.length).toBe(plans.length - withClarify);
    expect(reverify(accepted)).toEqual([]);
  });

  it("a tool agent whose result breaks the returns schema: rejected as a generation failure of the tool stage", async () => {
    // A list where the tool's `returns` schema describes an object.
    const broken = spoiling("tool", (r) => ({ ...r, text: JSON.stringify({ results: [[{ unexpected: true }]] }) }));
    const withReturns = tools.find((t) => t.name === "get_flight_cost")!;
    expect(withReturns.returns?.type).toBe("object");
    const { rejected } = await run([sampleOf(["get_flight_cost"], "s1")], broken, 3);
    expect(rejected).toHaveLength(3);
    for (const r of rejected) {
      const reasons = reasonsOf(r, "generation");
      expect(reasons).toHaveLength(1);
      expect(reasons[0]).toMatch(/^\[tool\] GenerationError: tool: get_flight_cost: unusable result after 2 attempts: results\[0\] \(get_flight_cost\): \(root\) must be object/);
      // the calls it made are still accounted for
      expect(r.usage?.tool?.promptTokens).toBeGreaterThan(0);
    }
  });
});
