/**
 * What secret scrubbing costs a run: writing a record (`redactedJson`, as `JsonlAppender` does) against plain
 * `JSON.stringify`, with no secret registered, with three (an API key, an `--execute` auth token full of
 * characters encodings change, a GitHub-style token), and for records that hold an echo (base64 in a tool result),
 * over the real-model corpus's records; and how long building the scanner of three secrets takes.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { redactedJson, registerSecret, secretScanner } from "../src/llm/index.js";

const RUNS = resolve(dirname(fileURLToPath(import.meta.url)), "../test/fixtures/real-model/runs");
const SECRETS = [
  { value: "sk-proj-abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ" },
  { value: `PLANTED+tok/3x=&%"\\ 9q`, prefixes: ["Bearer "] },
  { value: "ghp_16C7e42F292c6912E7710c838347Ae178B4a" },
];

function records(): unknown[] {
  const out: unknown[] = [];
  for (const run of readdirSync(RUNS)) {
    for (const f of ["dialogues.jsonl", "rejected.jsonl"]) {
      let text = "";
      try {
        text = readFileSync(join(RUNS, run, "run", f), "utf8");
      } catch {
        continue;
      }
      for (const l of text.split("\n")) if (l.trim() !== "") out.push(JSON.parse(l) as unknown);
    }
  }
  return out;
}

function time(label: string, recs: readonly unknown[], fn: (r: unknown) => string, reps: number): number {
  for (const r of recs) fn(r); // warm up
  const t0 = performance.now();
  let bytes = 0;
  for (let k = 0; k < reps; k++) for (const r of recs) bytes += fn(r).length;
  const ms = performance.now() - t0;
  const perRecord = ms / (reps * recs.length);
  console.log(`${label.padEnd(44)} ${perRecord.toFixed(3)} ms/record  ${((bytes / 1e6) / (ms / 1000)).toFixed(1)} MB/s`);
  return perRecord;
}

export async function run(): Promise<void> {
  const recs = records();
  const bytes = recs.reduce<number>((s, r) => s + JSON.stringify(r).length, 0);
  console.log(`${recs.length} records of the real-model corpus, ${(bytes / recs.length / 1000).toFixed(1)} kB each on average`);
  const reps = Number(process.env.REDACT_BENCH_REPS ?? 20);

  time("JSON.stringify (warm-up)", recs, (r) => JSON.stringify(r), reps);
  const plain = time("JSON.stringify", recs, (r) => JSON.stringify(r), reps);
  const none = time("redactedJson, no secret registered", recs, redactedJson, reps);

  let t0 = performance.now();
  secretScanner(SECRETS);
  console.log(`building the scanner of 3 secrets: ${(performance.now() - t0).toFixed(1)} ms`);
  for (const s of SECRETS) registerSecret(s.value, s.prefixes ? { prefixes: s.prefixes } : {});
  t0 = performance.now();
  redactedJson({ first: "call" });
  console.log(`first redactedJson after registering (builds it): ${(performance.now() - t0).toFixed(1)} ms`);
  const three = time("redactedJson, 3 secrets, none in the text", recs, redactedJson, reps);

  // Every record holds an echo: the whole record is walked and rewritten.
  const echo = Buffer.from(`Authorization: Bearer ${SECRETS[1]!.value}`).toString("base64");
  const echoed = recs.map((r) => ({ ...(r as object), echo: { tool: `{"whoami":"${echo}"}` } }));
  const hit = time("redactedJson, 3 secrets, an echo in each record", echoed, redactedJson, reps);
  console.log(`ratios to JSON.stringify: none ${(none / plain).toFixed(2)}x, 3 secrets ${(three / plain).toFixed(2)}x, with an echo ${(hit / plain).toFixed(2)}x`);
}
