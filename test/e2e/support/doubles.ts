/**
 * Small test doubles for the orchestrator's unit tests: a scripted generateDialogue, a verifier and an exact
 * deduper. Not used by the CLI.
 */
import { deriveSeed, Rng } from "../../../src/core/index.js";
import { GenerationError, type GeneratedDialogue } from "../../../src/agents/index.js";
import type { Message, ToolSample, ToolSpec, Verification } from "../../../src/core/index.js";
import type { ChatModel, ChatRequest, ChatResult, DialogueModels } from "../../../src/llm/index.js";
import type { RunModels } from "../../../src/models/index.js";
import type { DeduperLike, DialogueForChecks, SynthDeps } from "../../../src/synth/index.js";

export function fakeTool(name: string): ToolSpec {
  return {
    name,
    description: `tool ${name}`,
    parameters: { type: "object", properties: { q: { type: "string" } } },
    source: { file: "test", pointer: "", format: "toolspec" },
  };
}

export function fakeSamples(n: number, toolNames: string[]): ToolSample[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `s${i}`,
    tools: [toolNames[i % toolNames.length] as string, toolNames[(i + 1) % toolNames.length] as string],
    edges: [],
    strategy: "random" as const,
    seed: i,
    requestedSize: 2,
  }));
}

export function fakeModel(id = "fake:m", backend = "fake"): ChatModel {
  return {
    id,
    backend,
    async chat(_req: ChatRequest): Promise<ChatResult> {
      return {
        text: "ok",
        toolCalls: [],
        finishReason: "stop",
        usage: { promptTokens: 10, completionTokens: 2, cachedTokens: 0, estimated: false },
        model: id,
      };
    },
  };
}

export function fakeProvider(model: ChatModel = fakeModel()): Pick<RunModels, "forDialogue" | "judge"> {
  return { forDialogue: () => ({ planner: model, user: model, assistant: model, tool: model }) };
}

export interface FakeBehaviour {
  /** Seed-derived chance that generation throws a GenerationError. */
  failRate?: number;
  /** Chance that the dialogue fails verification (a message says "bad"). */
  badRate?: number;
  /** Random delay up to this many ms (out-of-order completion). */
  maxDelayMs?: number;
  /** Called with each sample id generateDialogue is asked for. */
  onCall?: (sample: ToolSample, seed: number) => void;
  /** Make dialogue content depend only on the sample (so reused samples are duplicates). */
  contentBySample?: boolean;
}

export function fakeDeps(behaviour: FakeBehaviour = {}): SynthDeps {
  return {
    async generateDialogue(sample, tools, models: DialogueModels, options): Promise<GeneratedDialogue> {
      behaviour.onCall?.(sample, options.seed);
      const rng = new Rng(deriveSeed(options.seed, "fake"));
      const delay = rng.int(0, behaviour.maxDelayMs ?? 0);
      await models.planner.chat({ messages: [{ role: "user", content: "plan" }], role: "planner" });
      if (delay > 0) {
        await new Promise<void>((resolve, reject) => {
          const t = setTimeout(resolve, delay);
          options.signal?.addEventListener("abort", () => {
            clearTimeout(t);
            reject(new Error("aborted"));
          });
        });
      }
      if (rng.chance(behaviour.failRate ?? 0)) {
        throw new GenerationError("assistant", `scripted failure for seed ${options.seed}`);
      }
      await models.user.chat({ messages: [{ role: "user", content: "hi" }], role: "user" });
      const bad = rng.chance(behaviour.badRate ?? 0);
      const tag = behaviour.contentBySample ? sample.id : String(options.seed);
      const messages: Message[] = [
        { role: "user", content: `please use ${tools.map((t) => t.name).join(" and ")} (${tag})` },
        {
          role: "assistant",
          content: null,
          tool_calls: [{ id: "c1", type: "function", function: { name: tools[0]?.name ?? "x", arguments: "{}" } }],
        },
        { role: "tool", tool_call_id: "c1", content: "{}" },
        { role: "assistant", content: bad ? "bad answer" : "done" },
      ];
      return {
        plan: { steps: [{ id: 1, kind: "single", intent: "do it", tools: [tools[0]?.name ?? "x"], dependsOn: [] }], unusedTools: [] },
        messages,
        stepOf: [1, 1, 1, 1],
        persona: "tester",
        complete: true,
      };
    },
    verifyDialogue(d: DialogueForChecks): Verification {
      const bad = d.messages.some((m) => m.role === "assistant" && m.content === "bad answer");
      return {
        passed: !bad,
        checks: [
          { name: "format", passed: true, reasons: [], flagged: false },
          { name: "answer", passed: !bad, reasons: bad ? ["the final answer is bad"] : [], flagged: false },
        ],
      };
    },
    createDeduper(): DeduperLike {
      const seen = new Map<string, string>();
      const key = (d: DialogueForChecks) =>
        d.messages.filter((m) => m.role === "user").map((m) => m.content).join("\n");
      return {
        check: (d) => {
          const of = seen.get(key(d));
          return of === undefined ? { duplicate: false } : { duplicate: true, of, kind: "exact", similarity: 1 };
        },
        add: (id, d) => {
          seen.set(key(d), id);
        },
      };
    },
  };
}
