/**
 * Tool ingestion throughput on the real data sets: wall time, tools read / written per second, and how much of
 * the time the ajv compile check takes. `npx tsx bench/run.ts tools`
 */
import { readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { importTools, SchemaChecker } from "../src/tools/index.js";

const DATA = resolve(fileURLToPath(import.meta.url), "../../../shared/data");

export async function run(): Promise<void> {
  const bfcl = join(DATA, "bfcl");
  const sets: Record<string, string[]> = {
    bfcl: [
      ...readdirSync(bfcl)
        .filter((f) => /^BFCL_v4_.*\.json$/.test(f))
        .map((f) => join(bfcl, f)),
      ...readdirSync(join(bfcl, "multi_turn_func_doc")).map((f) => join(bfcl, "multi_turn_func_doc", f)),
    ],
    toolbench: ["G1", "G2", "G3"].map((g) => join(DATA, "toolbench", `${g}_instruction.json`)),
    toolalpaca: [join(DATA, "toolalpaca", "eval_simulated.json")],
  };
  for (const [name, files] of Object.entries(sets)) {
    const t0 = performance.now();
    const { tools, report } = await importTools(files);
    const ms = performance.now() - t0;
    const c0 = performance.now();
    const checker = new SchemaChecker();
    for (const t of tools) {
      checker.check(t.parameters);
    }
    const compileMs = performance.now() - c0;
    console.log(
      `${name.padEnd(10)} files ${String(files.length).padStart(2)}  read ${String(report.toolsRead).padStart(5)}  ` +
        `written ${String(tools.length).padStart(5)}  ${ms.toFixed(0).padStart(6)} ms  ` +
        `${((report.toolsRead / ms) * 1000).toFixed(0)} tools read/s  (ajv compile of the written parameters alone: ${compileMs.toFixed(0)} ms)`,
    );
  }
}
