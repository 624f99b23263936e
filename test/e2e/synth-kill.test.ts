/**
 * Crash safety: the CLI is SIGKILLed three times at seeded random moments while it writes, then resumed; the run
 * must end with exactly N unique, valid records and no torn line.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { Rng } from "../../src/core/index.js";
import { writeFileAtomic } from "../../src/core/index.js";
import { buildToolGraph } from "../../src/graph/index.js";
import { readToolsJsonl } from "../../src/tools/index.js";
import { ManifestZ } from "../../src/data/index.js";
import { PROJECT_ROOT, runCli } from "../support/cli.js";
import { readAccepted, readRejected, reverify, writeBfclMultiTurnTools } from "./support/run-files.js";

let work: string;
let tools: string;
let graph: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "e2e-synth-kill-"));
  tools = (await writeBfclMultiTurnTools(work)).path;
  graph = join(work, "graph.json");
  const built = await buildToolGraph(await readToolsJsonl(tools));
  await writeFileAtomic(graph, JSON.stringify(built.toJSON()));
});

/** Lines written so far to the run files (complete or not). */
function decidedLines(out: string): number {
  let n = 0;
  for (const f of ["dialogues.jsonl", "rejected.jsonl"]) {
    const p = join(out, f);
    if (existsSync(p)) n += readFileSync(p, "utf8").split("\n").filter((l) => l.trim() !== "").length;
  }
  return n;
}

/**
 * Start the CLI; once it has written `afterLines` more lines, wait `delayMs` more and SIGKILL it. Resolves with
 * how the child ended.
 */
function runAndKill(args: string[], out: string, afterLines: number, delayMs: number) {
  return new Promise<{ killed: boolean; code: number | null; stderr: string }>((done, fail) => {
    const start = decidedLines(out);
    const child = spawn(process.execPath, ["--import", "tsx", resolve(PROJECT_ROOT, "src/cli/main.ts"), ...args], {
      cwd: PROJECT_ROOT,
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    let killed = false;
    const poll = setInterval(() => {
      if (decidedLines(out) - start >= afterLines) {
        clearInterval(poll);
        setTimeout(() => {
          killed = child.kill("SIGKILL");
        }, delayMs);
      }
    }, 5);
    const guard = setTimeout(() => child.kill("SIGKILL"), 90_000);
    child.on("error", fail);
    child.on("close", (code) => {
      clearInterval(poll);
      clearTimeout(guard);
      done({ killed, code, stderr });
    });
  });
}

describe("toolflow synth is crash-safe", () => {
  it("ends with exactly N unique valid records after three SIGKILLs and a resume", async () => {
    const N = 36;
    const out = join(work, "run");
    const rng = new Rng(2024);
    const base = ["synth", "--tools", tools, "--graph", graph, "--count", String(N), "--llm", "sim", "--seed", "5",
      "--concurrency", "4", "--out", out];
    for (let k = 0; k < 3; k++) {
      const afterLines = rng.int(2, 7);
      const delayMs = rng.int(0, 60);
      const r = await runAndKill(k === 0 ? base : [...base, "--resume"], out, afterLines, delayMs);
      expect(r.killed, `kill ${k + 1} did not land: ${r.stderr}`).toBe(true);
    }
    expect(decidedLines(out)).toBeGreaterThanOrEqual(6);
    const final = await runCli([...base, "--resume"], { timeoutMs: 120_000 });
    expect(final.stderr).toMatch(/synth: resuming/);
    expect(final.code).toBe(0);

    const accepted = readAccepted(out);
    const rejected = readRejected(out);
    expect(accepted).toHaveLength(N);
    expect(new Set(accepted.map((d) => d.id)).size).toBe(N);
    expect(new Set(accepted.map((d) => d.index)).size).toBe(N);
    const all = [...accepted, ...rejected].map((d) => d.index);
    expect(new Set(all).size).toBe(all.length);
    expect(reverify(accepted)).toEqual([]);

    const manifest = ManifestZ.parse(JSON.parse(readFileSync(join(out, "manifest.json"), "utf8")));
    expect(manifest.status).toBe("complete");
    expect(manifest.counts.accepted).toBe(N);
    expect(manifest.counts.rejected).toBe(rejected.length);
    expect(manifest.sessions).toHaveLength(4);
    expect(manifest.sessions.slice(0, 3).every((s) => s.status === "killed")).toBe(true);
    expect(manifest.sessions[3]?.status).toBe("complete");
  });
});
