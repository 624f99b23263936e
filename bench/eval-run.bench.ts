/**
 * `eval bfcl` throughput: N BFCL questions through runBfclEval (model layer, limiter, decoding, checker, crash-safe
 * results) against the local OpenAI-compatible server with latency L at concurrency C, compared with the ideal
 * N·L/C. The server runs in a child process so its CPU is not counted as the eval's.
 *
 *   npm run bench eval-run      (EVAL_BENCH_N, EVAL_BENCH_C, EVAL_BENCH_L override the defaults 640, 32, 200)
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { dirname, join, resolve } from "node:path";
import { readBfclEvalItems, runBfclEval } from "../src/eval/index.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

async function startServer(options: Record<string, unknown>) {
  const child = spawn(process.execPath, ["--import", "tsx", resolve(root, "test/support/openai-server.ts"), JSON.stringify(options)], {
    cwd: root,
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const first = await lines.next();
  if (first.done) throw new Error("the test server process exited before listening");
  return {
    baseURL: (JSON.parse(first.value as string) as { baseURL: string }).baseURL,
    async stop() {
      child.kill("SIGTERM");
      const last = await lines.next();
      return last.done ? undefined : (JSON.parse(last.value as string) as { served: number; cpuMs: number });
    },
  };
}

export async function run(): Promise<void> {
  const N = Number(process.env.EVAL_BENCH_N ?? 640);
  const C = Number(process.env.EVAL_BENCH_C ?? 32);
  const L = Number(process.env.EVAL_BENCH_L ?? 200);
  const all = await readBfclEvalItems([resolve(root, "../shared/data/bfcl")]);
  // a mix of every category the data holds, in turn
  const byCat = new Map<string, typeof all>();
  for (const i of all) byCat.set(i.category, [...(byCat.get(i.category) ?? []), i]);
  const items: typeof all = [];
  for (let k = 0; items.length < N && k < all.length; k++) for (const list of byCat.values()) if (list[k] && items.length < N) items.push(list[k]!);

  const server = await startServer({ latencyMs: L, keepRequests: 0 });
  const out = mkdtempSync(join(tmpdir(), "eval-bench-"));
  try {
    const load = loadavg()[0] ?? 0;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const summary = await runBfclEval({
      llm: "openai:bench-model",
      baseURL: server.baseURL,
      apiKey: "sk-bench",
      items,
      outDir: out,
      concurrency: C,
      progressStream: { write: () => true } as unknown as NodeJS.WritableStream,
      print: null,
    });
    const wall = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const ideal = (items.length * L) / C;
    const served = await server.stop();
    console.log(`N=${items.length} questions (${summary.categories.map((c) => `${c.category} ${c.total}`).join(", ")}), L=${L} ms, C=${C}, load avg at start ${load.toFixed(2)}`);
    console.log(`wall ${wall.toFixed(0)} ms, ideal N·L/C ${ideal.toFixed(0)} ms: ${((100 * ideal) / wall).toFixed(1)} % of ideal`);
    console.log(`eval CPU ${((cpu.user + cpu.system) / 1000 / items.length).toFixed(3)} ms per question; server CPU ${served ? (served.cpuMs / Math.max(1, served.served)).toFixed(3) : "?"} ms per request`);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
