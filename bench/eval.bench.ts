/**
 * The BFCL checker: data loading time, and checks per second over every vector of checker_vectors.jsonl (the
 * vectors parsed once, outside the timing; several passes, the best one reported). `npx tsx bench/run.ts eval`
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { checkCalls, loadBfclData } from "../src/eval/index.js";
import { parsePyJson } from "../src/core/index.js";

const BFCL = resolve(fileURLToPath(import.meta.url), "../../../shared/data/bfcl");

interface Vector {
  id: string;
  category: string;
  model_output: unknown;
}

export async function run(): Promise<void> {
  const l0 = performance.now();
  const data = await loadBfclData([BFCL]);
  const loadMs = performance.now() - l0;
  console.log(`load      ${data.size} questions (${data.categories().length} categories) in ${loadMs.toFixed(0)} ms`);

  const p0 = performance.now();
  const text = readFileSync(resolve(BFCL, "checker_vectors.jsonl"), "utf8");
  const vectors = text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => parsePyJson(l) as Vector);
  const parseMs = performance.now() - p0;
  console.log(`parse     ${vectors.length} vectors (${(text.length / 1e6).toFixed(1)} MB, Python-typed JSON) in ${parseMs.toFixed(0)} ms`);

  const cases = vectors.map((v) => {
    const q = data.require(v.id);
    return { docs: q.functions, output: v.model_output, answer: q.possibleAnswer, category: v.category };
  });
  let best = Infinity;
  let valid = 0;
  const passes = 5;
  for (let p = 0; p < passes; p++) {
    valid = 0;
    const t0 = performance.now();
    for (const c of cases) if (checkCalls(c.docs, c.output, c.answer, c.category).valid) valid++;
    best = Math.min(best, performance.now() - t0);
  }
  console.log(
    `check     ${cases.length} vectors in ${best.toFixed(1)} ms (best of ${passes}): ${((cases.length / best) * 1000).toFixed(0)} checks/s, ` +
      `${((1000 * best) / cases.length).toFixed(1)} µs/check (${valid} valid)`,
  );
}
