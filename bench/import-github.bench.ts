/**
 * `npm run bench import-github`: GitHub's REST description (the `@octokit/openapi` devDependency,
 * generated/api.github.com.json, 13 MB, 1,223 operations) imported twice, in a fresh process each: BEFORE with
 * `--keep-full-schemas` (every schema whole), AFTER with the default schema budget. Per run: import time (wall, and
 * CPU, which a loaded machine disturbs less), peak RSS, V8 heap after the import, the tools file's size and its
 * largest line; then the planner prompt of 5 of its tools,
 * rendered by the real Planner (through generateDialogue, as synth and `synth --dry-run` render it) and counted as
 * the dry run counts it (o200k tokens of messages + response schema, `estimatePromptTokens`).
 *
 * Targets (issue 19): import <= 10 s and <= 500 MiB; the planner prompt for 5 tools <= 8k tokens.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { generateDialogue } from "../src/agents/index.js";
import type { ToolSample, ToolSpec } from "../src/core/index.js";
import { estimatePromptTokens, type ChatModel, type ChatRequest } from "../src/llm/index.js";
import { readToolsJsonl } from "../src/tools/index.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const GITHUB = join(root, "node_modules/@octokit/openapi/generated/api.github.com.json");

/** A sample a user of the issues API would get: create, read, comment, the events (the largest returns), the repo. */
const FIVE = ["issues_create", "issues_get", "issues_create-comment", "issues_list-events", "repos_get"];

interface ChildFigures {
  importMs: number;
  importCpuS: number;
  writeMs: number;
  baseRssMiB: number;
  peakRssMiB: number;
  heapAfterMiB: number;
  toolCount: number;
  skipped: number;
  cut: { tools: number; description: number; parameters: number; returns: number };
}

function importInChild(out: string, keepFull: boolean): ChildFigures {
  const text = execFileSync(process.execPath, ["--import", "tsx", join(root, "bench/import-github-child.ts"), JSON.stringify({ file: GITHUB, out, keepFull })], {
    cwd: root,
    encoding: "utf8",
    maxBuffer: 1 << 20,
  });
  return JSON.parse(text.trim().split("\n").pop()!) as ChildFigures;
}

/** The planner's request for these tools, as the Planner renders it (its model records the request and stops). */
async function plannerRequest(tools: ToolSpec[]): Promise<ChatRequest> {
  let seen: ChatRequest | undefined;
  const stop: ChatModel = {
    id: "record",
    backend: "sim",
    async chat(request) {
      seen ??= request;
      throw new Error("recorded");
    },
  };
  const sample: ToolSample = {
    id: "bench-0",
    tools: tools.map((t) => t.name),
    edges: [],
    strategy: "walk",
    seed: 1,
    requestedSize: tools.length,
  };
  await generateDialogue(sample, tools, { planner: stop, user: stop, assistant: stop, tool: stop }, { seed: 1, usePlan: true, maxTurns: 8 }).catch(() => undefined);
  if (!seen) throw new Error("the planner made no request");
  return seen;
}

function promptTokens(r: ChatRequest): number {
  return estimatePromptTokens(r.messages, r.responseFormat ? [r.responseFormat.schema] : []);
}

interface Figures extends Omit<ChildFigures, "toolCount"> {
  fileMiB: number;
  largestLineKiB: number;
  medianLineKiB: number;
  tools: ToolSpec[];
  planner5: number;
  planner5Largest: number;
  planner5LargestCut: number;
}

async function measure(label: string, keepFull: boolean, dir: string): Promise<Figures> {
  const out = join(dir, `${label}.jsonl`);
  const child = importInChild(out, keepFull);
  const lines = readFileSync(out, "utf8").trim().split("\n");
  const lengths = lines.map((l) => Buffer.byteLength(l)).sort((a, b) => a - b);
  return {
    ...child,
    fileMiB: statSync(out).size / 2 ** 20,
    largestLineKiB: lengths[lengths.length - 1]! / 1024,
    medianLineKiB: lengths[Math.floor(lengths.length / 2)]! / 1024,
    tools: await readToolsJsonl(out),
    planner5: 0,
    planner5Largest: 0,
    planner5LargestCut: 0,
  };
}

/** The planner prompt's tokens for the named tools of a run. */
async function plannerTokens(f: Figures, names: string[]): Promise<number> {
  const byName = new Map(f.tools.map((t) => [t.name, t]));
  const tools = names.map((n) => byName.get(n));
  if (tools.some((t) => t === undefined)) throw new Error(`missing tools among ${names.join(", ")}`);
  return promptTokens(await plannerRequest(tools as ToolSpec[]));
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "toolflow-bench-gh-"));
  try {
    console.log(`GitHub REST description: ${(statSync(GITHUB).size / 2 ** 20).toFixed(1)} MiB (${GITHUB.slice(root.length + 1)})`);
    const before = await measure("before-keep-full-schemas", true, dir);
    const after = await measure("after-schema-budget", false, dir);
    // The worst cases: the 5 tools whose full lines are longest, and the 5 longest after the cut.
    const longest = (tools: ToolSpec[]) =>
      [...tools]
        .sort((a, b) => JSON.stringify(b).length - JSON.stringify(a).length || a.name.localeCompare(b.name))
        .slice(0, 5)
        .map((t) => t.name);
    const largest = longest(before.tools);
    const largestCut = longest(after.tools);
    for (const f of [before, after]) {
      f.planner5 = await plannerTokens(f, FIVE);
      f.planner5Largest = await plannerTokens(f, largest);
      f.planner5LargestCut = await plannerTokens(f, largestCut);
    }
    const row = (name: string, f: (x: Figures) => number, unit: string, digits = 1, target?: number) => {
      const b = f(before);
      const a = f(after);
      const ratio = a === 0 ? "-" : `${(b / a).toFixed(1)}x`;
      const t = target === undefined ? "" : `  target <= ${target}${unit}: ${a <= target ? "met" : "MISSED"}`;
      console.log(`${name.padEnd(34)} ${b.toFixed(digits).padStart(10)} ${unit.padEnd(4)} ${a.toFixed(digits).padStart(10)} ${unit.padEnd(4)} ${ratio.padStart(7)}${t}`);
    };
    console.log(`${"".padEnd(34)} ${"BEFORE (--keep-full-schemas)".padStart(15)}  ${"AFTER (budget)".padStart(14)}  before/after`);
    row("import time (wall)", (x) => x.importMs / 1000, "s", 2, 10);
    row("import CPU time (user + system)", (x) => x.importCpuS, "s", 2, 10);
    row("write time", (x) => x.writeMs / 1000, "s", 2);
    row("peak RSS of the process", (x) => x.peakRssMiB, "MiB", 0, 500);
    row("  (RSS before the import)", (x) => x.baseRssMiB, "MiB", 0);
    row("V8 heap used after the import", (x) => x.heapAfterMiB, "MiB", 0);
    row("tools file", (x) => x.fileMiB, "MiB", 2);
    row("largest line (one tool)", (x) => x.largestLineKiB, "KiB", 1);
    row("median line", (x) => x.medianLineKiB, "KiB", 2);
    row(`planner prompt, 5 tools`, (x) => x.planner5, "tok", 0, 8000);
    row(`planner prompt, 5 largest in full`, (x) => x.planner5Largest, "tok", 0, 8000);
    row(`planner prompt, 5 largest when cut`, (x) => x.planner5LargestCut, "tok", 0, 8000);
    console.log(`5 tools: ${FIVE.join(", ")}`);
    console.log(`5 largest in full: ${largest.join(", ")}`);
    console.log(`5 largest when cut: ${largestCut.join(", ")}`);
    console.log(`tools ${after.tools.length} (skipped ${after.skipped}); cut by the budget: ${after.cut.tools} tools (description ${after.cut.description}, parameters ${after.cut.parameters}, returns ${after.cut.returns})`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
