/**
 * `npm run bench graph`: the tool graph at scale, and the calibration of the lexical threshold.
 *
 * 1. Calibration: the lexical graph of BFCL's multi-turn collections at several thresholds, scored against the
 *    hand-labelled pairs of src/graph/calibration.ts (recall, share of negatives joined, graph shape).
 * 2. Scale: collections of 1k, 5k and 20k tools grown from every BFCL tool (bench/graph-collection.ts), built
 *    with the index and with --exact, each in its own process (bench/graph-worker.ts): build seconds (wall and
 *    CPU), graph.json write seconds, peak RSS, and the share of the exact edges the indexed build recovers.
 *    Targets: 20k tools <= 15 s and <= 1 GiB, >= 10x faster than exact, >= 95 % of exact edges.
 *
 * GRAPH_BENCH_SIZES=1000,5000 limits the sizes (GRAPH_BENCH_SIZES=0: calibration only); GRAPH_BENCH_EXACT=0 skips
 * the exact builds. GRAPH_BENCH_EMBEDDER calibrates another embedder (e.g. llama:/models/all-MiniLM-L6-v2.Q8_0.gguf,
 * or openai with GRAPH_BENCH_EMBEDDING_MODEL and OPENAI_BASE_URL), over GRAPH_BENCH_THRESHOLDS (comma-separated;
 * default 0.3-0.8 for lexical, 0.5-0.95 for dense embedders); dense vectors are cached in .toolflow-cache/embeddings.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { importTools } from "../src/tools/index.js";
import { bestThreshold, calibrationSweep, CALIBRATION_FILES, NEGATIVE_PAIRS, POSITIVE_PAIRS } from "../src/graph/index.js";
import { createEmbedder, LEXICAL_DEFAULT_THRESHOLD } from "../src/graph/index.js";

const run$ = promisify(execFile);
const here = fileURLToPath(new URL(".", import.meta.url));
const shared = resolve(here, "../../shared/data");

interface Measure {
  size: number;
  mode: "indexed" | "exact";
  buildSeconds: number;
  buildCpuSeconds: number;
  writeSeconds: number;
  peakRssBytes: number;
  heapAfterBuildBytes: number;
  meta: { edges: { "P-P": number; "P-R": number }; candidatePairs: number; fields: { distinct: number }; topHubs: Array<{ id: string; degree: number }> };
}

async function measure(size: number, mode: "indexed" | "exact", out: string): Promise<Measure> {
  const { stdout } = await run$(process.execPath, ["--import", "tsx", join(here, "graph-worker.ts"), String(size), mode, out], {
    maxBuffer: 1 << 24,
    timeout: 60 * 60 * 1000,
  });
  return JSON.parse(stdout.trim().split("\n").pop() as string) as Measure;
}

async function edgeKeys(path: string): Promise<Set<string>> {
  const g = JSON.parse(await readFile(path, "utf8")) as { edges: Array<{ source: string; target: string; kind: string }> };
  return new Set(g.edges.map((e) => `${e.kind}|${e.source}|${e.target}`));
}

const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;

async function calibration(): Promise<void> {
  const { tools } = await importTools(CALIBRATION_FILES.map((f) => join(shared, "bfcl/multi_turn_func_doc", f)));
  const name = process.env.GRAPH_BENCH_EMBEDDER ?? "lexical";
  const defaultThresholds = name === "lexical" ? [0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7, 0.8] : [0.5, 0.6, 0.65, 0.7, 0.75, 0.8, 0.82, 0.85, 0.9, 0.95];
  const thresholds = process.env.GRAPH_BENCH_THRESHOLDS ? process.env.GRAPH_BENCH_THRESHOLDS.split(",").map(Number) : defaultThresholds;
  const cacheDir = resolve(".toolflow-cache/embeddings");
  // one embedder for the whole sweep: a dense model is loaded (or asked) once, then its vectors come from the cache
  const embedder = createEmbedder(name, {
    openai: { ...(process.env.GRAPH_BENCH_EMBEDDING_MODEL ? { model: process.env.GRAPH_BENCH_EMBEDDING_MODEL } : {}), cacheDir },
    llama: { cacheDir },
  });
  let rows;
  try {
    rows = await calibrationSweep(tools, () => embedder, thresholds);
  } finally {
    await embedder.close?.();
  }
  console.log(
    `calibration of ${embedder.id}: ${tools.length} tools of BFCL multi-turn, ${POSITIVE_PAIRS.length} positive / ${NEGATIVE_PAIRS.length} negative labelled pairs`,
  );
  console.log("threshold  recall  negatives-joined  J     edges  isolated  largest-comp  max-degree");
  for (const r of rows) {
    console.log(
      `${r.threshold.toFixed(2).padStart(9)}  ${r.recall.toFixed(2).padStart(6)}  ${r.falsePositiveShare.toFixed(2).padStart(16)}  ${r.youden.toFixed(2)}  ${String(r.edges).padStart(5)}  ${String(r.isolated).padStart(8)}  ${r.largestComponentShare.toFixed(2).padStart(12)}  ${String(r.maxDegree).padStart(10)}`,
    );
  }
  console.log(`best threshold (max J, ties -> higher): ${bestThreshold(rows)}; default in code: ${name === "lexical" ? LEXICAL_DEFAULT_THRESHOLD : embedder.defaultThreshold}`);
}

export async function run(): Promise<void> {
  console.log(`machine: ${cpus().length} cores, load average ${loadavg().map((x) => x.toFixed(1)).join(" ")} (shared machine: wall times include waiting for the CPU)`);
  await calibration();
  const sizes = (process.env.GRAPH_BENCH_SIZES ?? "1000,5000,20000").split(",").map(Number).filter((n) => n > 0);
  if (sizes.length === 0) return;
  const withExact = process.env.GRAPH_BENCH_EXACT !== "0";
  const dir = await mkdtemp(join(tmpdir(), "toolflow-graph-bench-"));
  try {
    console.log("\nscale: lexical embedder, default threshold; each build in its own process");
    console.log("tools  mode     build-wall  build-cpu  write-json  peak-RSS  edges(P-P/P-R)        candidates  exact-edges-recovered");
    for (const size of sizes) {
      const indexed = await measure(size, "indexed", join(dir, `i${size}.json`));
      const line = (m: Measure, extra: string) =>
        console.log(
          `${String(size).padStart(5)}  ${m.mode.padEnd(7)}  ${m.buildSeconds.toFixed(1).padStart(8)} s  ${m.buildCpuSeconds.toFixed(1).padStart(7)} s  ${m.writeSeconds.toFixed(1).padStart(8)} s  ${mib(m.peakRssBytes).padStart(8)}  ${`${m.meta.edges["P-P"] + m.meta.edges["P-R"]} (${m.meta.edges["P-P"]}/${m.meta.edges["P-R"]})`.padEnd(20)}  ${String(m.meta.candidatePairs).padStart(11)}  ${extra}`,
        );
      if (!withExact) {
        line(indexed, "");
        continue;
      }
      const exact = await measure(size, "exact", join(dir, `e${size}.json`));
      const got = await edgeKeys(join(dir, `i${size}.json`));
      const want = await edgeKeys(join(dir, `e${size}.json`));
      let hit = 0;
      for (const k of want) if (got.has(k)) hit++;
      const extra = [...got].filter((k) => !want.has(k)).length;
      line(indexed, `${((100 * hit) / Math.max(1, want.size)).toFixed(2)} % (${hit}/${want.size}; ${extra} not in exact)`);
      line(exact, "");
      console.log(
        `       speed-up indexed vs exact: wall ${(exact.buildSeconds / indexed.buildSeconds).toFixed(1)}x, cpu ${(exact.buildCpuSeconds / indexed.buildCpuSeconds).toFixed(1)}x`,
      );
      await rm(join(dir, `e${size}.json`), { force: true });
      await rm(join(dir, `i${size}.json`), { force: true });
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
