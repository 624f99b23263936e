/**
 * Verification, dedup and export throughput on generated variants of the example travel dialogue.
 * `npx tsx bench/run.ts verify-export`
 */
import { Rng } from "../src/core/index.js";
import type { DialogueRecord } from "../src/core/index.js";
import { exampleDialogueRecord } from "../test/support/example-dialogue.js";
import { Deduper, verifyDialogue } from "../src/verify/index.js";
import { EXPORT_FORMATS, getFormat } from "../src/data/index.js";
import { datasetStats } from "../src/report/index.js";

const WORDS = "please could you also check maybe tomorrow morning quickly thanks really need help trip family business weekend".split(" ");

function variants(n: number): DialogueRecord[] {
  const rng = new Rng(1);
  const out: DialogueRecord[] = [];
  for (let i = 0; i < n; i++) {
    const r = exampleDialogueRecord();
    r.id = `d${i}`;
    r.sampleId = `s${i % 500}`;
    for (const m of r.messages) {
      if (m.role === "user") m.content = `${m.content} ${Array.from({ length: 6 }, () => rng.pick(WORDS)).join(" ")}`;
    }
    out.push(r);
  }
  return out;
}

function time<T>(label: string, n: number, unit: string, f: () => T): T {
  const t0 = performance.now();
  const result = f();
  const ms = performance.now() - t0;
  console.log(`${label}: ${n} ${unit} in ${ms.toFixed(0)} ms = ${(ms / n).toFixed(3)} ms/${unit.replace(/s$/, "")}, ${((n / ms) * 1000).toFixed(0)} ${unit}/s`);
  return result;
}

export async function run(): Promise<void> {
  const n = 2000;
  const recs = variants(n);
  verifyDialogue(recs[0]!); // warm up (ajv compile)
  const passed = time("verifyDialogue", n, "dialogues", () => recs.filter((r) => verifyDialogue(r).passed).length);
  console.log(`  passed ${passed}/${n}`);
  const dd = new Deduper();
  const dups = time("Deduper.checkAndAdd", n, "dialogues", () => recs.filter((r) => dd.checkAndAdd(r.id, r).duplicate).length);
  console.log(`  near/exact duplicates found ${dups}/${n} (variants differ by 6 random words a turn), bands ${dd.bands} x rows ${dd.rows}`);
  for (const f of EXPORT_FORMATS) {
    const fmt = getFormat(f);
    time(`export ${f}`, n, "dialogues", () => recs.reduce((k, r) => k + fmt.toRows(r).length, 0));
  }
  time("datasetStats (incl. H, D-3)", n, "dialogues", () => datasetStats(recs));
}
