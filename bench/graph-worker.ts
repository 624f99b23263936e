/**
 * One measurement of the graph benchmark, in its own process so peak memory is its own:
 *   node --import tsx bench/graph-worker.ts SIZE indexed|exact OUT.json
 * Prints one JSON line: build wall/CPU seconds, write seconds, peak RSS, heap after the build, and the meta.
 */
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { buildToolGraph } from "../src/graph/index.js";
import { writeGraph } from "../src/graph/index.js";
import { bfclTools, growCollection } from "./graph-collection.js";

const [sizeArg, mode, out] = process.argv.slice(2);
const size = Number(sizeArg);
if (!Number.isInteger(size) || (mode !== "indexed" && mode !== "exact") || !out) {
  console.error("usage: graph-worker.ts SIZE indexed|exact OUT.json");
  process.exit(2);
}
const shared = resolve(fileURLToPath(import.meta.url), "../../../shared/data");
const tools = growCollection(await bfclTools(shared), size);
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const g = await buildToolGraph(tools, { exact: mode === "exact" });
const buildSeconds = (performance.now() - t0) / 1000;
const c = process.cpuUsage(cpu0);
const heapAfterBuild = process.memoryUsage().heapUsed;
const t1 = performance.now();
await writeGraph(g, out);
const writeSeconds = (performance.now() - t1) / 1000;
console.log(
  JSON.stringify({
    size,
    mode,
    buildSeconds,
    buildCpuSeconds: (c.user + c.system) / 1e6,
    writeSeconds,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    heapAfterBuildBytes: heapAfterBuild,
    meta: g.meta,
  }),
);
