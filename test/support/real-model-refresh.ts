/**
 * Rewrite the corpus's run files (test/fixtures/real-model/runs/<run>/run/) with what replaying each run's response
 * cache writes with the current code, after checking that the replay gives the same dialogues (messages, plan,
 * steps, persona, sample) as the files hold: only what the code computes from them (verification, record layout)
 * may change. Run after a change to the verifier or the record format:
 *   npx tsx test/support/real-model-refresh.ts
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "./cli.js";
import { corpusRuns, REAL_MODEL_RUNS } from "./real-model.js";

/** The recorded synth arguments of a run copied to `dir`, with its paths and `out` as --out. */
export function replayArgs(dir: string, out: string): string[] {
  const paths: Record<string, string> = { "tools.jsonl": "tools.jsonl", "samples.jsonl": "samples.jsonl", cache: "cache", run: out };
  const argv = (JSON.parse(readFileSync(join(dir, "synth-args.json"), "utf8")) as { argv: string[] }).argv;
  return argv.map((a, i) => (["--tools", "--samples", "--cache", "--out"].includes(argv[i - 1] ?? "") ? join(dir, paths[a] ?? a) : a));
}

type Rec = Record<string, unknown> & { id: string };
export function runRecords(dir: string): Rec[] {
  return ["dialogues", "rejected"].flatMap((f) =>
    readFileSync(join(dir, `${f}.jsonl`), "utf8")
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((l) => JSON.parse(l) as Rec),
  );
}

const CONTENT = ["messages", "plan", "stepOf", "sampleId", "index", "seed"] as const;

if (process.argv[1]?.endsWith("real-model-refresh.ts")) {
  const work = mkdtempSync(join(tmpdir(), "real-model-refresh-"));
  try {
    for (const run of corpusRuns()) {
      const dir = join(work, run);
      cpSync(join(REAL_MODEL_RUNS, run), dir, { recursive: true, filter: (src) => !src.includes("/bridge") });
      const r = await runCli(["synth", ...replayArgs(dir, "replayed")], { env: { OPENAI_API_KEY: "x" }, timeoutMs: 300_000 });
      if (/ECONNREFUSED|connection failed/.test(r.stderr)) throw new Error(`${run}: the replay needed the model:\n${r.stderr}`);
      const before = new Map(runRecords(join(dir, "run")).map((x) => [x.id, x]));
      const after = runRecords(join(dir, "replayed"));
      if (after.length !== before.size) throw new Error(`${run}: ${after.length} records replayed, ${before.size} stored`);
      for (const a of after) {
        const b = before.get(a.id);
        for (const k of CONTENT) {
          if (JSON.stringify(a[k]) !== JSON.stringify(b?.[k])) throw new Error(`${run}/${a.id}: the replay's ${k} differs`);
        }
      }
      rmSync(join(REAL_MODEL_RUNS, run, "run"), { recursive: true });
      cpSync(join(dir, "replayed"), join(REAL_MODEL_RUNS, run, "run"), { recursive: true });
      // the manifest names its inputs by the paths the replay was given: make them relative to the run's folder,
      // so that no path of this machine is kept
      const manifest = join(REAL_MODEL_RUNS, run, "run", "manifest.json");
      writeFileSync(
        manifest,
        readFileSync(manifest, "utf8").split(`${join(dir, "replayed")}`).join("run").split(`${dir}/`).join("").split(dir).join("."),
      );
      console.log(`${run}: ${after.length} records, same dialogues; run files rewritten`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
