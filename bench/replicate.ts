/**
 * What the 50,000-dialogue benchmarks share: the CLI run from the sources, a sim run over the examples/ tools, and
 * a run's records repeated with new ids (`<id>-r<k>`, indices renumbered) to `total` lines, streamed to disk.
 */
import { spawnSync } from "node:child_process";
import { createReadStream, createWriteStream } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const cli = (args: string[]) =>
  spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "src/cli/main.ts"), ...args], { cwd: ROOT, encoding: "utf8", maxBuffer: 1 << 26 });

/**
 * The four examples/ tool files imported into DIR/tools.jsonl (with `graph`: their graph built into DIR/graph.json
 * and given to synth), then `toolflow synth --llm sim` of `count` dialogues (seed 3) into DIR/run. Prints the
 * synth's seconds; throws if it fails.
 */
export function simExampleRun(dir: string, count: number, options: { graph?: boolean } = {}): { tools: string; run: string } {
  const tools = join(dir, "tools.jsonl");
  const run = join(dir, "run");
  cli(["tools", "import", ...["travel.openai.json", "weather.bfcl.jsonl", "shop.openapi.yaml", "notes.mcp.json"].map((f) => join(ROOT, "examples", f)), "-o", tools]);
  const graph = options.graph ? join(dir, "graph.json") : undefined;
  if (graph) cli(["graph", "build", tools, "-o", graph]);
  const t0 = performance.now();
  const s = cli(["synth", "--tools", tools, ...(graph ? ["--graph", graph] : []), "--llm", "sim", "--count", String(count), "--seed", "3", "--out", run]);
  if (s.status !== 0) throw new Error(`synth failed: ${s.stderr.slice(-500)}`);
  console.log(`sim run of ${count} dialogues: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return { tools, run };
}

export async function replicate(from: string, to: string, total: number): Promise<number> {
  const out = createWriteStream(to);
  let written = 0;
  for (let k = 0; written < total; k++) {
    const rl = createInterface({ input: createReadStream(from, { encoding: "utf8" }), crlfDelay: Infinity });
    for await (const line of rl) {
      if (line.trim() === "" || written >= total) continue;
      const r = JSON.parse(line) as { id: string; index: number };
      if (k > 0) {
        r.id = `${r.id}-r${k}`;
        r.index = written;
      }
      if (!out.write(JSON.stringify(r) + "\n")) await new Promise<void>((res) => out.once("drain", () => res()));
      written++;
    }
  }
  await new Promise<void>((res, rej) => out.end((err?: Error | null) => (err ? rej(err) : res())));
  return written;
}
