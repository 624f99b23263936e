/**
 * Helper process of import-github.bench.ts: imports GitHub's REST description once (`{"file", "out", "keepFull"}`
 * as its argument), writes the tools file and prints one JSON line of figures: wall time of the import and of the
 * write, the CPU time of the import (user + system: on a loaded machine the wall time says more about the other
 * processes), peak RSS of the process, the V8 heap after the import, and the baseline RSS before it.
 */
import { getHeapStatistics } from "node:v8";
import { importTools, writeToolsJsonl } from "../src/tools/index.js";

const arg = JSON.parse(process.argv[2] ?? "{}") as { file: string; out: string; keepFull: boolean };
const baseRss = process.memoryUsage().rss;
let peakHeap = 0;
const c0 = process.cpuUsage();
const t0 = performance.now();
const { tools, report } = await importTools([arg.file], { keepFullSchemas: arg.keepFull, onWarning: () => {}, onSkip: () => {} });
const importMs = performance.now() - t0;
const cpu = process.cpuUsage(c0);
peakHeap = Math.max(peakHeap, getHeapStatistics().used_heap_size);
const w0 = performance.now();
await writeToolsJsonl(arg.out, tools);
const writeMs = performance.now() - w0;
console.log(
  JSON.stringify({
    importMs,
    importCpuS: (cpu.user + cpu.system) / 1e6,
    writeMs,
    baseRssMiB: baseRss / 2 ** 20,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    heapAfterMiB: peakHeap / 2 ** 20,
    toolCount: tools.length,
    skipped: report.skipped.length,
    cut: report.schemasCut,
  }),
);
