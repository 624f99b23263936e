/**
 * A small sim run for the report tests, made through the real stages: the example tools imported, their graph
 * built, synth with the sim backend (a middleware invents an argument value in some assistant calls, so the
 * provenance check rejects those dialogues), then `toolflow judge --llm sim` into RUN/judge.
 */
import { mkdirSync } from "node:fs";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import type { ChatResult, ModelMiddleware } from "../../src/llm/index.js";
import { runSynth } from "../../src/synth/index.js";
import { cliInProcess, PROJECT_ROOT } from "./cli.js";
import { quietStream } from "./streams.js";
import { testSynthOptions } from "./synth-options.js";

export const INVENTED = "INVENTED-VALUE-4711";

/** Every `every`-th assistant answer with calls gets one string argument replaced by INVENTED. */
export function inventingAssistant(every: number): ModelMiddleware {
  let n = 0;
  return {
    name: "inventing assistant",
    async chat({ request, next }) {
      const r = await next(request);
      if (request.role !== "assistant" || r.toolCalls.length === 0 || ++n % every !== 0) return r;
      return withInventedArgument(r);
    },
  };
}

/** The answer with `value` put in the first string argument of its first call (unchanged when it has none). */
export function withInventedArgument(r: ChatResult, value = INVENTED): ChatResult {
  if (r.toolCalls.length === 0) return r;
  const [first, ...rest] = r.toolCalls;
  const args = JSON.parse(first!.function.arguments) as Record<string, unknown>;
  const key = Object.keys(args).find((k) => typeof args[k] === "string");
  if (!key) return r;
  args[key] = value;
  return { ...r, toolCalls: [{ ...first!, function: { ...first!.function, arguments: JSON.stringify(args) } }, ...rest] };
}

/** tools.jsonl and graph.json of the bundled examples, in `dir`. */
export async function exampleToolsAndGraph(dir: string): Promise<{ tools: string; graph: string }> {
  mkdirSync(dir, { recursive: true });
  const tools = join(dir, "tools.jsonl");
  const graph = join(dir, "graph.json");
  const examples = readdirSync(join(PROJECT_ROOT, "examples")).map((f) => join(PROJECT_ROOT, "examples", f));
  const a = await cliInProcess(["tools", "import", ...examples, "-o", tools]);
  if (a.code !== 0) throw new Error(`tools import failed: ${a.stderr}`);
  const b = await cliInProcess(["graph", "build", tools, "-o", graph]);
  if (b.code !== 0) throw new Error(`graph build failed: ${b.stderr}`);
  return { tools, graph };
}

export interface SimRunOptions {
  tools: string;
  graph: string;
  out: string;
  count: number;
  seed?: number;
  /** Spoil every N-th assistant call (0: none). */
  inventEvery?: number;
  /** Extra middleware (e.g. a delay). */
  middleware?: ModelMiddleware[];
}

/** synth --llm sim into `out` (in process). */
export async function simRun(o: SimRunOptions): Promise<void> {
  const quiet = quietStream();
  const middleware = [...(o.inventEvery ? [inventingAssistant(o.inventEvery)] : []), ...(o.middleware ?? [])];
  await runSynth(
    // without repair at the turn, so that the invented values reach the end check and its rejections show in reports
    testSynthOptions({ tools: o.tools, graph: o.graph, count: o.count, concurrency: 1, seed: o.seed ?? 7, out: o.out, turnRepair: false, maxAttempts: o.count * 12 }),
    { stderr: quiet, tty: false, middleware },
  );
}

/** `toolflow judge RUN --llm sim -o RUN/judge` (every metric). */
export async function judgeRun(run: string): Promise<void> {
  const r = await cliInProcess(["judge", run, "--llm", "sim", "-o", join(run, "judge")]);
  if (r.code !== 0) throw new Error(`judge failed: ${r.stderr}`);
}
