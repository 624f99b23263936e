import { describe, it, expect, beforeAll } from "vitest";
import { Ajv } from "ajv";
import type { Message, ToolSpec } from "../core/index.js";
import { verifyDialogue } from "../verify/index.js";
import { generateDialogue, type GeneratedDialogue } from "./generate.js";
import { GenerationError } from "./common.js";
import { validatePlan } from "./planner.js";
import { normalizeSchema, humanize } from "./tool-schema.js";
import { argsOf, bfclTools, callsOf, sampleOf, simModels, ScriptedModel } from "../../test/support/agents.js";
import { UsageCounter, usageMiddleware, wrapModel, type ChatModel, type ChatRequest } from "../llm/index.js";

const TRAVEL = ["authenticate_travel", "register_credit_card", "get_flight_cost", "book_flight", "purchase_insurance"];
const TICKETS = ["ticket_login", "create_ticket", "get_ticket", "edit_ticket", "resolve_ticket", "close_ticket"];
const SEEDS = Array.from({ length: 12 }, (_, i) => i + 1);

let all: ToolSpec[];
const runs = new Map<string, GeneratedDialogue>();

async function run(names: string[], seed: number, extra: { usePlan?: boolean; toolErrorRate?: number; maxTurns?: number } = {}) {
  const key = JSON.stringify([names, seed, extra]);
  let d = runs.get(key);
  if (!d) {
    d = await generateDialogue(sampleOf(names), all, simModels(), {
      seed,
      usePlan: extra.usePlan ?? true,
      toolErrorRate: extra.toolErrorRate ?? 0,
      ...(extra.maxTurns !== undefined ? { maxTurns: extra.maxTurns } : {}),
    });
    runs.set(key, d);
  }
  return d;
}

function specs(names: string[]): ToolSpec[] {
  return names.map((n) => all.find((t) => t.name === n)!);
}

/** Leaves (strings/numbers) of every tool result before message index `end`. */
function resultValuesBefore(messages: Message[], end: number): unknown[] {
  const out: unknown[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === "object") Object.values(v).forEach(walk);
    else out.push(v);
  };
  messages.slice(0, end).forEach((m) => {
    if (m.role === "tool") walk(JSON.parse(m.content));
  });
  return out;
}

beforeAll(async () => {
  all = await bfclTools();
});

describe("generateDialogue with the sim backend (BFCL travel and ticket tools)", () => {
  it("gives plan-following dialogues that pass verification, for many seeds and both tool sets", async () => {
    for (const names of [TRAVEL, TICKETS]) {
      for (const seed of SEEDS) {
        const d = await run(names, seed);
        expect(d.plan).not.toBeNull();
        expect(validatePlan(d.plan!, specs(names), { maxTurns: 12 })).toEqual([]);
        expect(d.complete).toBe(true);
        expect(d.stepOf).toHaveLength(d.messages.length);
        expect(d.messages[0]!.role).toBe("system");
        const v = verifyDialogue({ tools: specs(names), plan: d.plan, messages: d.messages, stepOf: d.stepOf });
        const failed = v.checks.filter((c) => !c.passed).map((c) => `${c.name}: ${c.reasons.join("; ")}`);
        expect(failed, `seed ${seed} ${names[0]}`).toEqual([]);
        // every plan step has messages, and steps appear in plan order
        const order = d.stepOf.filter((s): s is number => s !== null);
        expect([...new Set(order)]).toEqual(d.plan!.steps.map((s) => s.id));
        // every sampled tool is called or listed as unused
        const called = new Set(d.messages.flatMap((m) => callsOf(m).map((c) => c.function.name)));
        for (const n of names) expect(called.has(n) || d.plan!.unusedTools.some((u) => u.tool === n)).toBe(true);
      }
    }
  });

  it("chained calls take ids from earlier tool results", async () => {
    let checked = 0;
    for (const seed of SEEDS) {
      const d = await run(TRAVEL, seed);
      d.messages.forEach((m, i) => {
        for (const c of callsOf(m)) {
          if (c.function.name !== "book_flight" && c.function.name !== "purchase_insurance") continue;
          const a = argsOf(c);
          const earlier = resultValuesBefore(d.messages, i);
          expect(earlier).toContain(a.card_id);
          expect(earlier).toContain(a.access_token);
          // and the user never typed those ids
          const userText = d.messages.slice(0, i).filter((x) => x.role === "user").map((x) => x.content).join("\n");
          expect(userText).not.toContain(String(a.card_id));
          if (c.function.name === "purchase_insurance") expect(earlier).toContain(a.booking_id);
          checked++;
        }
      });
    }
    expect(checked).toBeGreaterThan(SEEDS.length);
    // ticket ids: get/edit/close use the integer id create_ticket returned
    const d = await run(TICKETS, 3);
    const created = d.messages.find((m) => m.role === "tool" && m.name === "create_ticket");
    const id = (JSON.parse(created!.content as string) as { id: number }).id;
    const later = d.messages.flatMap(callsOf).filter((c) => "ticket_id" in argsOf(c));
    expect(later.length).toBeGreaterThan(0);
    for (const c of later) expect(argsOf(c).ticket_id).toBe(id);
  });

  it("clarify steps: the user leaves out the argument, the assistant asks, the user gives it", async () => {
    let seen = 0;
    for (const names of [TRAVEL, TICKETS]) {
      for (const seed of SEEDS) {
        const d = await run(names, seed);
        for (const step of d.plan!.steps.filter((s) => s.kind === "clarify")) {
          seen++;
          const idx = d.stepOf.flatMap((s, i) => (s === step.id ? [i] : []));
          const msgs = idx.map((i) => d.messages[i]!);
          expect(msgs.map((m) => m.role).slice(0, 4)).toEqual(["user", "assistant", "user", "assistant"]);
          const question = msgs[1]!;
          expect(callsOf(question)).toHaveLength(0);
          expect(question.content).toMatch(/\?/);
          const missing = step.missingArgs![0]!;
          expect(question.content).toContain(humanize(missing));
          const call = callsOf(msgs[3]!)[0]!;
          const value = argsOf(call)[missing];
          expect(msgs[0]!.content).not.toContain(String(value));
          expect(msgs[2]!.content).toContain(String(value));
        }
      }
    }
    expect(seen).toBeGreaterThan(2);
  });

  it("parallel steps put several calls in one assistant message", async () => {
    let seen = 0;
    for (const names of [TRAVEL, TICKETS]) {
      for (const seed of SEEDS) {
        const d = await run(names, seed);
        for (const step of d.plan!.steps.filter((s) => s.kind === "parallel")) {
          seen++;
          const most = Math.max(
            ...d.messages.filter((_, i) => d.stepOf[i] === step.id).map((m) => callsOf(m).length),
          );
          expect(most).toBeGreaterThanOrEqual(step.tools.length);
        }
      }
    }
    expect(seen).toBeGreaterThan(0);
  });

  it("tool results validate against the tools' returns schemas", async () => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    let n = 0;
    for (const names of [TRAVEL, TICKETS]) {
      for (const seed of SEEDS) {
        const d = await run(names, seed);
        for (const m of d.messages) {
          if (m.role !== "tool") continue;
          const spec = all.find((t) => t.name === m.name)!;
          expect(spec.returns).toBeDefined();
          const ok = ajv.validate(normalizeSchema(spec.returns), JSON.parse(m.content));
          expect(ok, `${m.name}: ${ajv.errorsText()} in ${m.content}`).toBe(true);
          n++;
        }
      }
    }
    expect(n).toBeGreaterThan(100);
  });

  it("is deterministic for a seed and varies the persona across seeds", async () => {
    const a = await generateDialogue(sampleOf(TRAVEL), all, simModels(), { seed: 7, usePlan: true });
    const b = await generateDialogue(sampleOf(TRAVEL), all, simModels(), { seed: 7, usePlan: true });
    expect(b.messages).toEqual(a.messages);
    expect(b.plan).toEqual(a.plan);
    expect(b.persona).toBe(a.persona);
    const personas = new Set<string>();
    const firsts = new Set<string>();
    for (const seed of SEEDS) {
      const d = await run(TRAVEL, seed);
      personas.add(d.persona);
      firsts.add(d.messages[1]!.role === "user" ? d.messages[1]!.content : "");
    }
    expect(personas.size).toBeGreaterThanOrEqual(5);
    expect(firsts.size).toBeGreaterThanOrEqual(5);
  });

  it("asks each model under its role, so usage middleware counts models and tokens per role", async () => {
    const counter = new UsageCounter();
    const sim = simModels();
    const count = usageMiddleware(counter);
    const models = { planner: wrapModel(sim.planner, count), user: wrapModel(sim.user, count), assistant: wrapModel(sim.assistant, count), tool: wrapModel(sim.tool, count) };
    await generateDialogue(sampleOf(TRAVEL), all, models, { seed: 1, usePlan: true });
    expect(counter.models()).toEqual({ assistant: "sim", planner: "sim", tool: "sim", user: "sim" });
    for (const role of ["planner", "user", "assistant", "tool"]) {
      expect(counter.byRole()[role]!.promptTokens).toBeGreaterThan(0);
    }
    expect(counter.summary().byRole.planner!.requests).toBe(1);
  });

  it("tool errors at the configured rate teach recovery: the assistant retries and the retry succeeds", async () => {
    const d = await run(TRAVEL, 2, { toolErrorRate: 1 });
    const errors = d.messages.flatMap((m, i) => (m.role === "tool" && m.content.includes('"error"') ? [i] : []));
    expect(errors.length).toBeGreaterThan(0);
    for (const i of errors) {
      const retry = d.messages[i + 1]!;
      expect(retry.role).toBe("assistant");
      expect(retry.role === "assistant" && retry.content).toMatch(/error/i);
      const failedCallId = (d.messages[i] as Extract<Message, { role: "tool" }>).tool_call_id;
      const failedCall = d.messages.flatMap(callsOf).find((c) => c.id === failedCallId)!;
      const again = callsOf(retry).find((c) => c.function.name === failedCall.function.name)!;
      expect(argsOf(again)).toEqual(argsOf(failedCall));
      const answer = d.messages.find((m) => m.role === "tool" && m.tool_call_id === again.id)!;
      expect(answer.content).not.toContain('"error"');
    }
    expect(d.complete).toBe(true);
    const none = await run(TRAVEL, 2, { toolErrorRate: 0 });
    expect(none.messages.some((m) => m.role === "tool" && m.content.includes('"error"'))).toBe(false);
  });

  it("usePlan=false: the user improvises over the sampled tools, without a plan", async () => {
    for (const names of [TRAVEL, TICKETS]) {
      for (const seed of [1, 2, 3]) {
        const d = await run(names, seed, { usePlan: false });
        expect(d.plan).toBeNull();
        expect(d.stepOf.every((s) => s === null)).toBe(true);
        expect(d.complete).toBe(true);
        const called = new Set(d.messages.flatMap((m) => callsOf(m).map((c) => c.function.name)));
        for (const n of names) expect(called.has(n)).toBe(true);
        const v = verifyDialogue({ tools: specs(names), plan: null, messages: d.messages, stepOf: d.stepOf });
        expect(v.checks.filter((c) => !c.passed).map((c) => c.reasons)).toEqual([]);
      }
    }
  });

  it("respects the turn limit: the plan fits it and dropped tools are listed as unused", async () => {
    const d = await run(TRAVEL, 4, { maxTurns: 2 });
    expect(d.messages.filter((m) => m.role === "user").length).toBeLessThanOrEqual(2);
    expect(validatePlan(d.plan!, specs(TRAVEL), { maxTurns: 2 })).toEqual([]);
    expect(d.plan!.unusedTools.length).toBeGreaterThan(0);
    expect(d.complete).toBe(true);
  });

  it("marks the dialogue incomplete when the user agent never finishes before the limit", async () => {
    const sim = simModels();
    // a user that always keeps the current step open
    const user = new ScriptedModel(() => ({ json: { stepDone: false, message: "Hmm, let me think about it." } }));
    const d = await generateDialogue(sampleOf(TRAVEL), all, { ...sim, user }, { seed: 1, usePlan: true, maxTurns: 3 });
    expect(d.complete).toBe(false);
    expect(d.messages.filter((m) => m.role === "user")).toHaveLength(3);
    expect(d.messages[d.messages.length - 1]!.role).toBe("assistant");
  });

  it("throws GenerationError(stage=user) when the user agent's answer is unusable", async () => {
    const sim = simModels();
    const user = new ScriptedModel(() => ({ text: "I refuse to answer in JSON" }));
    const err = await generateDialogue(sampleOf(TRAVEL), all, { ...sim, user }, { seed: 1, usePlan: true }).catch((e) => e);
    expect(err).toBeInstanceOf(GenerationError);
    expect((err as GenerationError).stage).toBe("user");
  });

  it("rejects a sample naming a tool that is not given, and a bad option", async () => {
    await expect(generateDialogue(sampleOf(["no_such_tool"]), all, simModels(), { seed: 1, usePlan: true })).rejects.toThrow(
      /no_such_tool/,
    );
    await expect(
      generateDialogue(sampleOf(TRAVEL), all, simModels(), { seed: 1, usePlan: true, toolErrorRate: 2 }),
    ).rejects.toThrow(/toolErrorRate/);
  });

  it("stops when the signal is aborted", async () => {
    const ac = new AbortController();
    ac.abort(new Error("stop now"));
    await expect(
      generateDialogue(sampleOf(TRAVEL), all, simModels(), { seed: 1, usePlan: true, signal: ac.signal }),
    ).rejects.toThrow(/stop now/);
  });
});

describe("prompt layout (prompt caching)", () => {
  it("each request of an agent extends its previous one, with a stable system message and one cacheKey per dialogue", async () => {
    const sim = simModels().user;
    const requests: ChatRequest[] = [];
    const rec: ChatModel = { id: sim.id, backend: sim.backend, chat: (r) => (requests.push(r), sim.chat(r)) };
    const d = await generateDialogue(sampleOf(TICKETS.slice(0, 4)), all, { planner: rec, user: rec, assistant: rec, tool: rec }, {
      seed: 5,
      usePlan: true,
      toolErrorRate: 0.3,
    });
    expect(d.messages.length).toBeGreaterThan(4);
    for (const role of ["user", "tool", "assistant"] as const) {
      const mine = requests.filter((r) => r.role === role);
      expect(mine.length, role).toBeGreaterThan(1);
      expect(new Set(mine.map((r) => r.cacheKey)).size, role).toBe(1);
      expect(mine[0]!.cacheKey, role).toMatch(new RegExp(`^toolflow-${role}-`));
      expect(new Set(mine.map((r) => JSON.stringify(r.responseFormat ?? null))).size, role).toBe(1);
      for (let i = 1; i < mine.length; i++) {
        const prev = mine[i - 1]!.messages;
        expect(mine[i]!.messages.slice(0, prev.length), `${role} request ${i}`).toEqual(prev);
      }
    }
    // the user agent's conversation holds the dialogue's messages once, the user's own as its own words (its
    // `assistant` messages are what it said, not the JSON it answered with)
    const lastUser = requests.filter((r) => r.role === "user").at(-1)!;
    const said = d.messages.filter((m) => m.role === "user").map((m) => m.content);
    const answers = lastUser.messages.filter((m) => m.role === "assistant").map((m) => m.content);
    for (const a of answers) expect(a, "an earlier user turn sent back as JSON").not.toMatch(/^\s*\{/);
    // and the assistant's words reach it as the other party's: in its `user` turn messages, after "Assistant:"
    const assistantSaid = d.messages.filter((m) => m.role === "assistant" && m.content).map((m) => m.content!);
    const heard = lastUser.messages.filter((m) => m.role === "user").map((m) => m.content).join("\n");
    expect(assistantSaid.length).toBeGreaterThan(0);
    for (const w of assistantSaid.slice(0, -1)) expect(heard).toContain(`Assistant: ${w}`);
    // (the last request wrote the last message: the dialogue ended without a request to say the last step was done)
    expect(answers).toEqual(said.slice(0, -1));
    const planner = requests.find((r) => r.role === "planner")!;
    expect(planner.cacheKey).toMatch(/^toolflow-planner-/);
  });
});

describe("generateDialogue with an executeTool hook (synth --execute)", () => {
  it("uses executed results as the tool messages, lets the tool agent simulate the rest, and says which was which", async () => {
    const seen: string[] = [];
    const toolRequests: ChatRequest[] = [];
    const base = simModels();
    const tool: ChatModel = {
      ...base.tool,
      chat: (req) => {
        toolRequests.push(req);
        return base.tool.chat(req);
      },
    };
    const d = await generateDialogue(sampleOf(TICKETS), all, { ...base, tool }, {
      seed: 4,
      usePlan: true,
      toolErrorRate: 0,
      executeTool: async (req) => {
        seen.push(req.tool.name);
        if (req.tool.name === "get_ticket") {
          return { kind: "executed", result: { error: "HTTP 503: down" }, ok: false, error: "HTTP 503: down", execution: { mode: "executed", executor: "http", error: true } };
        }
        if (req.tool.name === "ticket_login") {
          return { kind: "executed", result: { login_status: true, real: 1 }, ok: true, execution: { mode: "executed", executor: "mcp" } };
        }
        return { kind: "simulate", execution: { mode: "simulated" } };
      },
    });
    const calls = d.messages.flatMap(callsOf);
    expect(seen).toEqual(calls.map((c) => c.function.name));
    expect(seen).toContain("ticket_login");
    expect(d.execution).toHaveLength(d.messages.length);
    d.messages.forEach((m, i) => {
      const how = d.execution![i];
      if (m.role !== "tool") return expect(how).toBeNull();
      if (m.name === "ticket_login") {
        expect(JSON.parse(m.content)).toEqual({ login_status: true, real: 1 });
        expect(how).toEqual({ mode: "executed", executor: "mcp" });
      } else if (m.name === "get_ticket") expect(JSON.parse(m.content)).toEqual({ error: "HTTP 503: down" });
      else expect(how).toEqual({ mode: "simulated" });
    });
    // the tool agent was asked only about the simulated calls
    const asked = toolRequests.flatMap((r) => (r.context as unknown as { calls: { tool: ToolSpec }[] }).calls.map((c) => c.tool.name));
    const simulated = d.messages.flatMap((m) => (m.role === "tool" && m.name !== "ticket_login" && m.name !== "get_ticket" ? [m.name] : []));
    expect(new Set(asked)).toEqual(new Set(simulated));
    // and it was told about the executed call's real result (it is outside its own thread)
    expect(toolRequests.length).toBeGreaterThanOrEqual(2);
    expect(toolRequests.every((r) => JSON.stringify(r.messages.at(-1)).includes('\\"real\\":1'))).toBe(true);
    // without a hook the record has no execution list
    expect((await run(TICKETS, 4)).execution).toBeUndefined();
  });
});

describe("the end of a planned dialogue", () => {
  const recordingUser = () => {
    const sim = simModels();
    const requests: ChatRequest[] = [];
    const user: ChatModel = { ...sim.user, chat: (r) => (requests.push(r), sim.user.chat(r)) };
    return { models: { ...sim, user }, requests };
  };

  it("ends without a user request once the last step is settled: every user request wrote a message", async () => {
    for (const seed of [1, 2, 3, 4]) {
      const { models, requests } = recordingUser();
      const d = await generateDialogue(sampleOf(TRAVEL), all, models, { seed, usePlan: true, toolErrorRate: 0 });
      expect(d.complete).toBe(true);
      const userMessages = d.messages.filter((m) => m.role === "user").length;
      expect(requests).toHaveLength(userMessages);
      // the conversation ends on the assistant's answer in words to the last step
      const last = d.messages.at(-1)!;
      expect(last.role).toBe("assistant");
      expect(callsOf(last)).toHaveLength(0);
      expect(d.stepOf.at(-1)).toBe(d.plan!.steps.at(-1)!.id);
    }
  });

  it("asks the user agent when the last step is not settled (its calls failed)", async () => {
    const { models, requests } = recordingUser();
    const d = await generateDialogue(sampleOf(TRAVEL), all, models, {
      seed: 2,
      usePlan: true,
      toolErrorRate: 0,
      maxTurns: 8,
      executeTool: async () => ({ kind: "executed", result: { error: "HTTP 503" }, ok: false, error: "HTTP 503", execution: { mode: "executed", executor: "http", error: true } }),
    });
    expect(d.complete).toBe(false);
    const userMessages = d.messages.filter((m) => m.role === "user").length;
    // a request after the assistant's last reply: the user agent decided how the conversation ends
    expect(requests.length).toBe(userMessages + 1);
  });
});
