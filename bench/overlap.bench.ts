/**
 * `npm run bench overlap`: the leakage test of 16,000 TRAIN tools against 5,000 EVAL tools. TRAIN is grown
 * (bench/graph-collection.ts: renamed tools, synonyms, abbreviations, affixes) from every ToolBench and BFCL
 * tool, EVAL from BFCL's tools alone, so part of TRAIN descends from EVAL's originals. Prints seconds per phase
 * and the peak resident memory of this process (maxRSS).
 */
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { cpus, loadavg } from "node:os";
import { importTools } from "../src/tools/index.js";
import { computeOverlap } from "../src/overlap/index.js";
import { bfclTools, growCollection } from "./graph-collection.js";

const here = fileURLToPath(new URL(".", import.meta.url));
const SHARED = resolve(here, "../../shared/data");

export async function run(): Promise<void> {
  const t0 = performance.now();
  const bfcl = await bfclTools(SHARED);
  const tb = (await importTools(["G1", "G2", "G3"].map((g) => join(SHARED, "toolbench", `${g}_instruction.json`)))).tools;
  const train = growCollection([...tb, ...bfcl], 16_000, 1);
  const evalSet = growCollection(bfcl, 5_000, 2);
  const rssBefore = process.memoryUsage().rss;
  console.log(
    `collections: TRAIN ${train.length} tools (from ${tb.length} ToolBench + ${bfcl.length} BFCL), EVAL ${evalSet.length} (from BFCL), ` +
      `built in ${((performance.now() - t0) / 1000).toFixed(1)} s; load ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores`,
  );
  const t1 = performance.now();
  const r = await computeOverlap(train, evalSet);
  const seconds = (performance.now() - t1) / 1000;
  const peak = process.resourceUsage().maxRSS / 1024;
  console.log(
    `overlap (lexical): ${seconds.toFixed(1)} s; ${r.leakedTools} of ${r.trainTools} leaked (${(100 * r.share).toFixed(1)} %; ` +
      `n-gram only ${r.byRule.ngram}, similarity only ${r.byRule.embedding}, both ${r.byRule.both}); ` +
      `peak RSS ${peak.toFixed(0)} MB (${(rssBefore / 2 ** 20).toFixed(0)} MB before the test)`,
  );
  for (const l of r.leaked.filter((_, i) => i % Math.max(1, Math.floor(r.leaked.length / 5)) === 0).slice(0, 5)) {
    console.log(`  e.g. ${l.tool} -> ${l.nearest}: ${l.reason.rule}, coverage ${l.reason.coverage.toFixed(3)}, similarity ${l.reason.similarity.toFixed(3)}`);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await run();
