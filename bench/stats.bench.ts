/**
 * `toolflow stats` on a 50,000-dialogue sim run: seconds and peak memory (RSS) of the stats pass alone, measured
 * in a child process. The sim makes 5,000 dialogues over the examples/ tools; they are replicated with new ids
 * (`<id>-r<k>`) to 50,000 lines, streamed to disk. The stats pass streams the file (no raw text kept).
 *
 *   npx tsx bench/run.ts stats          (STATS_BENCH_BASE=5000 STATS_BENCH_TOTAL=50000 by default)
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { replicate, ROOT, simExampleRun } from "./replicate.js";


/** In the child: time the stats pass over one path and report seconds and peak RSS as JSON. */
async function child(path: string, skipTokens: boolean): Promise<void> {
  const { readDataset } = await import("../src/data/index.js");
  const { datasetFigures } = await import("../src/data/index.js");
  const t0 = performance.now();
  const f = await datasetFigures(readDataset(path), { skipTokens });
  const seconds = (performance.now() - t0) / 1000;
  const maxRssMB = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(JSON.stringify({ seconds, maxRssMB, dialogues: f.dialogues, toolCalls: f.toolCalls, H: f.H, D3: f.D3 }) + "\n");
}

export async function run(): Promise<void> {
  const base = Number(process.env.STATS_BENCH_BASE ?? 5000);
  const total = Number(process.env.STATS_BENCH_TOTAL ?? 50000);
  const dir = mkdtempSync(join(tmpdir(), "stats-bench-"));
  try {
    const { run: sim } = simExampleRun(dir, base);
    const t0 = performance.now();
    const big = join(dir, "big", "dialogues.jsonl");
    mkdirSync(dirname(big), { recursive: true });
    const n = await replicate(join(sim, "dialogues.jsonl"), big, total);
    console.log(
      `replicated to ${n} dialogues (${base} sim dialogues repeated with new ids): ${(statSync(big).size / 1e6).toFixed(0)} MB, ` +
        `${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    for (const skipTokens of [false, true]) {
      const r = spawnSync(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), "--child", dirname(big), skipTokens ? "--no-tokens" : ""], {
        cwd: ROOT,
        encoding: "utf8",
      });
      if (r.status !== 0) throw new Error(`stats child failed: ${r.stderr.slice(-800)}`);
      const m = JSON.parse(r.stdout.trim().split("\n").pop() ?? "{}") as { seconds: number; maxRssMB: number; dialogues: number; toolCalls: number };
      console.log(
        `stats ${skipTokens ? "--no-tokens" : "(with token lengths)"}: ${m.dialogues} dialogues, ${m.toolCalls} calls in ${m.seconds.toFixed(1)} s ` +
          `(${((m.seconds * 1e6) / m.dialogues).toFixed(0)} µs a dialogue), peak RSS ${m.maxRssMB.toFixed(0)} MB`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === "--child") await child(process.argv[3] as string, process.argv[4] === "--no-tokens");
