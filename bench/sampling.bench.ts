/**
 * Sampling benchmark: 8,000 samples of size 3-5 on the BFCL live tools (live_simple + live_multiple, graph built
 * with the default lexical embedder), for each strategy: coverage (all tools / non-isolated tools), Gini of tool
 * usage, short samples and time. Target for `balanced`: coverage >= 95 % of non-isolated tools, Gini <= 0.3.
 * Run: npx tsx bench/run.ts sampling
 */
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { buildToolGraph } from "../src/graph/index.js";
import { importTools } from "../src/tools/index.js";
import {
  DEFAULT_BALANCE_ALPHA,
  SamplingGraph,
  sampleTools,
  samplingStats,
  type SampleToolsOptions,
} from "../src/sampling/index.js";
import type { SamplingStrategy } from "../src/core/index.js";

const PROJECT_ROOT = resolve(fileURLToPath(import.meta.url), "../..");
const BFCL = resolve(PROJECT_ROOT, "../shared/data/bfcl");
const COUNT = 8000;
const SIZE = { min: 3, max: 5 };
const SEED = 1;

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;

export async function run(): Promise<void> {
  let t = performance.now();
  const { tools } = await importTools([
    resolve(BFCL, "BFCL_v4_live_simple.json"),
    resolve(BFCL, "BFCL_v4_live_multiple.json"),
  ]);
  const importMs = performance.now() - t;
  t = performance.now();
  const graph = await buildToolGraph(tools);
  const buildMs = performance.now() - t;
  const sg = new SamplingGraph(graph);
  console.log(
    `BFCL live tools: ${graph.order} tools, ${graph.size} edges, ${sg.nonIsolated.size} non-isolated ` +
      `(import ${importMs.toFixed(0)} ms, graph ${buildMs.toFixed(0)} ms)`,
  );
  console.log(`${COUNT} samples, size ${SIZE.min}-${SIZE.max}, seed ${SEED}\n`);
  console.log("strategy        | cover all | cover non-iso | gini non-iso | gini all | short | max uses | mean size | ms");
  console.log("----------------|-----------|---------------|--------------|----------|-------|----------|-----------|------");
  const runs: Array<{ label: string; strategy: SamplingStrategy; alpha?: number }> = [
    { label: "walk", strategy: "walk" },
    { label: "random", strategy: "random" },
    { label: `balanced a=${DEFAULT_BALANCE_ALPHA}`, strategy: "balanced" },
    { label: "balanced a=0", strategy: "balanced", alpha: 0 },
    { label: "balanced a=1", strategy: "balanced", alpha: 1 },
    { label: "balanced a=4", strategy: "balanced", alpha: 4 },
  ];
  let balancedOk: boolean | undefined;
  for (const r of runs) {
    const options: SampleToolsOptions = { strategy: r.strategy, count: COUNT, size: SIZE, seed: SEED };
    if (r.alpha !== undefined) options.alpha = r.alpha;
    t = performance.now();
    const samples = sampleTools(sg, options);
    const ms = performance.now() - t;
    const st = samplingStats(samples, sg);
    const c = st.coverage!;
    console.log(
      [
        r.label.padEnd(15),
        pct(c.share).padStart(9),
        pct(c.shareNonIsolated).padStart(13),
        st.giniNonIsolated!.toFixed(3).padStart(12),
        st.giniAll!.toFixed(3).padStart(8),
        String(st.short).padStart(5),
        String(st.maxUses).padStart(8),
        st.meanSize.toFixed(2).padStart(9),
        ms.toFixed(0).padStart(5),
      ].join(" | "),
    );
    if (r.strategy === "balanced" && r.alpha === undefined) {
      balancedOk = c.shareNonIsolated >= 0.95 && st.giniNonIsolated! <= 0.3;
    }
  }
  console.log(
    `\ntarget (balanced, default alpha): coverage >= 95 % of non-isolated tools and Gini <= 0.3: ` +
      (balancedOk ? "met" : "NOT met"),
  );
}
