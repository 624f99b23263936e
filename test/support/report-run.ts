/**
 * A small sim run for the report tests, made through the real stages: the example tools imported, their graph
 * built, synth with the sim backend (a middleware invents an argument value in some assistant calls, so the
 * provenance check rejects those dialogues), then `toolflow judge --llm sim` into RUN/judge.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { DialogueRecord } from "../../src/core/index.js";
import { loadDialogues } from "../../src/data/index.js";
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

/**
 * The sim run the format tests share: 12 dialogues of the example tools (parallel calls, errors, text beside calls),
 * each assistant message given a reasoning text as `synth --keep-reasoning` stores it. Returns the run folder and
 * its records.
 */
export async function reasoningSimRun(work: string): Promise<{ run: string; records: DialogueRecord[] }> {
  const inputs = await exampleToolsAndGraph(work);
  const run = join(work, "run");
  await simRun({ ...inputs, out: run, count: 12, seed: 11 });
  const records = (await loadDialogues(run)).map((r) => ({
    ...r,
    reasoning: r.messages.map((m, i) => (m.role === "assistant" ? `${r.id} step ${i}: decide what to do next.` : null)),
  }));
  return { run, records };
}

/** `toolflow judge RUN --llm sim -o RUN/judge` (every metric). */
export async function judgeRun(run: string): Promise<void> {
  const r = await cliInProcess(["judge", run, "--llm", "sim", "-o", join(run, "judge")]);
  if (r.code !== 0) throw new Error(`judge failed: ${r.stderr}`);
}

/** Markup that runs a script if any page puts it in as HTML (an element with a handler, and a script element). */
export const SCRIPT_PAYLOAD = `<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>`;

/** Values the run's schemas hold to a fixed set (roles, enums, dates): left as they are. */
const STRUCTURAL_KEYS = new Set(["role", "type", "format", "kind", "mode", "status", "createdAt", "updatedAt", "startedAt", "endedAt", "generatedAt", "in", "$ref", "required", "errorType", "labels", "currency"]);
/** Maps whose keys are free text the page shows (judge criteria, roles, options, metrics, step kinds of the round trip). */
const FREE_KEYS = new Set(["scores", "byRole", "byModel", "options", "metrics", "byStepKind", "roleLlm"]);

/**
 * `value` with SCRIPT_PAYLOAD appended to every free-text string (ids, tool names, texts, reasons, paths...), inside
 * JSON text too (tool arguments and results), and to the keys of the maps in FREE_KEYS. The same text gets the
 * same payload everywhere, so ids, tool names and argument values still match across files.
 */
export function withScriptPayloads(value: unknown, key = ""): unknown {
  if (typeof value === "string") {
    if (STRUCTURAL_KEYS.has(key)) return value;
    if (/^\s*[[{]/.test(value)) {
      try {
        return JSON.stringify(withScriptPayloads(JSON.parse(value)));
      } catch {
        // not JSON: plain text
      }
    }
    return value + SCRIPT_PAYLOAD;
  }
  if (Array.isArray(value)) return value.map((x) => withScriptPayloads(x, key));
  if (value !== null && typeof value === "object") {
    const free = FREE_KEYS.has(key);
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [free ? k + SCRIPT_PAYLOAD : k, k === "parameters" || k === "returns" ? v : withScriptPayloads(v, k)]),
    );
  }
  return value;
}

/**
 * A copy of the run in `src` (with its judge output in src/judge and the graph `graph`) whose every free-text
 * field holds SCRIPT_PAYLOAD (withScriptPayloads), judge criteria included, in `out` (graph at out/graph.json).
 */
export function hostileRunCopy(src: string, graph: string, out: string): void {
  mkdirSync(join(out, "judge"), { recursive: true });
  const jsonl = (from: string, to: string) => {
    if (!existsSync(from)) return;
    const lines = readFileSync(from, "utf8").split("\n").filter((l) => l.trim() !== "");
    writeFileSync(to, lines.map((l) => JSON.stringify(withScriptPayloads(JSON.parse(l)))).join("\n") + "\n");
  };
  const json = (from: string, to: string, change: (v: Record<string, unknown>) => unknown = (v) => withScriptPayloads(v)) =>
    writeFileSync(to, JSON.stringify(change(JSON.parse(readFileSync(from, "utf8")) as Record<string, unknown>)));
  jsonl(join(src, "dialogues.jsonl"), join(out, "dialogues.jsonl"));
  jsonl(join(src, "rejected.jsonl"), join(out, "rejected.jsonl"));
  jsonl(join(src, "judge", "judge.jsonl"), join(out, "judge", "judge.jsonl"));
  json(join(src, "manifest.json"), join(out, "manifest.json"));
  json(graph, join(out, "graph.json"));
  // the criteria of the judge summary are keys of its `judge` map (beside `dialogues`)
  json(join(src, "judge", "summary.json"), join(out, "judge", "summary.json"), (v) => {
    const p = withScriptPayloads(v) as Record<string, unknown>;
    const judge = (v.judge ?? {}) as Record<string, unknown>;
    p.judge = Object.fromEntries(Object.entries(judge).map(([k, x]) => [k === "dialogues" ? k : k + SCRIPT_PAYLOAD, x]));
    return p;
  });
}
