/**
 * Planned generation with the built-in sim backend: dialogues per second, messages and tool calls per dialogue,
 * the share that passes verification, and the mix of plan step kinds, over BFCL multi-turn, ToolBench and
 * ToolAlpaca tool sets (random same-collection subsets of 2-5 tools).
 */
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Rng } from "../src/core/index.js";
import type { ToolSpec } from "../src/core/index.js";
import { generateDialogue } from "../src/agents/index.js";
import { createSimModel } from "../src/sim/index.js";
import { importTools } from "../src/tools/index.js";
import { verifyDialogue } from "../src/verify/index.js";

const DATA = resolve(dirname(fileURLToPath(import.meta.url)), "../../shared/data");

const SETS: Array<{ name: string; files: string[] }> = [
  {
    name: "bfcl multi-turn",
    files: ["travel_booking", "ticket_api", "message_api", "trading_bot", "vehicle_control", "gorilla_file_system"].map(
      (f) => resolve(DATA, `bfcl/multi_turn_func_doc/${f}.json`),
    ),
  },
  { name: "toolbench G1", files: [resolve(DATA, "toolbench/G1_instruction.json")] },
  { name: "toolalpaca", files: [resolve(DATA, "toolalpaca/eval_simulated.json")] },
];

function groups(tools: ToolSpec[]): ToolSpec[][] {
  const by = new Map<string, ToolSpec[]>();
  for (const t of tools) {
    const key = t.category ? `${t.source.file}#${t.category}` : t.source.file;
    by.set(key, [...(by.get(key) ?? []), t]);
  }
  return [...by.values()].filter((g) => g.length >= 2);
}

export async function run(): Promise<void> {
  const sim = createSimModel();
  const models = { planner: sim, user: sim, assistant: sim, tool: sim };
  const N = Number(process.env.AGENTS_BENCH_N ?? 200);
  for (const set of SETS) {
    const tools = (await importTools(set.files)).tools;
    const pools = groups(tools);
    for (const usePlan of [true, false]) {
      let passed = 0;
      let complete = 0;
      let messages = 0;
      let calls = 0;
      let userTurns = 0;
      const kinds: Record<string, number> = {};
      const t0 = performance.now();
      let genMs = 0;
      for (let i = 0; i < N; i++) {
        const rng = new Rng(i);
        const pool = rng.pick(pools);
        const names = rng.shuffle(pool.map((t) => t.name)).slice(0, rng.int(2, Math.min(5, pool.length)));
        const sample = { id: `b${i}`, tools: names, edges: [], strategy: "walk" as const, seed: i, requestedSize: names.length };
        const g0 = performance.now();
        const d = await generateDialogue(sample, tools, models, { seed: i, usePlan, toolErrorRate: 0 });
        genMs += performance.now() - g0;
        const v = verifyDialogue({ tools: tools.filter((t) => names.includes(t.name)), plan: d.plan, messages: d.messages, stepOf: d.stepOf });
        if (v.passed) passed++;
        if (d.complete) complete++;
        messages += d.messages.length;
        userTurns += d.messages.filter((m) => m.role === "user").length;
        calls += d.messages.reduce((n, m) => n + (m.role === "assistant" ? (m.tool_calls?.length ?? 0) : 0), 0);
        for (const s of d.plan?.steps ?? []) kinds[s.kind] = (kinds[s.kind] ?? 0) + 1;
      }
      const total = performance.now() - t0;
      console.log(
        `${set.name.padEnd(16)} ${usePlan ? "plan   " : "no-plan"} n=${N}: ` +
          `${((N / genMs) * 1000).toFixed(0)} dialogues/s generation (${(genMs / N).toFixed(1)} ms each; ${(total / N).toFixed(1)} ms with verification), ` +
          `pass ${((passed / N) * 100).toFixed(1)}%, complete ${((complete / N) * 100).toFixed(1)}%, ` +
          `${(messages / N).toFixed(1)} msgs, ${(userTurns / N).toFixed(1)} user turns, ${(calls / N).toFixed(1)} calls per dialogue` +
          (usePlan ? `; step kinds ${JSON.stringify(kinds)}` : ""),
      );
    }
  }
}
