/**
 * Bad input for every reader: good files made through the real stages (the example tools, their graph, samples,
 * a small sim run), spoiled in each of the ways a careless or hostile user would (missing, a folder, empty, cut,
 * another format, invalid UTF-8, a huge line), and the CLI run in process on each. Used by the input-layer tests
 * and by bench/bad-input-table.ts (the table of command x input kind).
 */
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { main } from "../../src/cli/index.js";
import { PROJECT_ROOT, SHARED_DATA } from "./cli.js";
import { simRun } from "./report-run.js";

/** The CLI in this process with stdout and stderr captured (no vitest needed). */
export async function captureCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((c: string | Uint8Array) => ((stdout += typeof c === "string" ? c : Buffer.from(c).toString()), true)) as typeof process.stdout.write;
  process.stderr.write = ((c: string | Uint8Array) => ((stderr += typeof c === "string" ? c : Buffer.from(c).toString()), true)) as typeof process.stderr.write;
  try {
    const code = await main(["node", "toolflow", ...args]);
    return { code, stdout, stderr };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
}

/** Good inputs of every kind, in `dir`. */
export interface GoodInputs {
  tools: string;
  graph: string;
  samples: string;
  run: string;
  answers: string | undefined;
  bfcl: string | undefined;
}

export async function makeGoodInputs(dir: string, runCount = 2): Promise<GoodInputs> {
  mkdirSync(dir, { recursive: true });
  const tools = join(dir, "tools.jsonl");
  const graph = join(dir, "graph.json");
  const samples = join(dir, "samples.jsonl");
  const run = join(dir, "run");
  const examples = readdirSync(join(PROJECT_ROOT, "examples")).map((f) => join(PROJECT_ROOT, "examples", f));
  for (const args of [
    ["tools", "import", ...examples, "-o", tools, "-q"],
    ["graph", "build", tools, "-o", graph, "-q"],
    ["sample", graph, "-n", "5", "-o", samples, "-q"],
  ]) {
    const r = await captureCli(args);
    if (r.code !== 0) throw new Error(`${args.slice(0, 2).join(" ")} failed: ${r.stderr}`);
  }
  await simRun({ tools, graph, out: run, count: runCount });
  const bfcl = join(SHARED_DATA, "bfcl");
  let answers: string | undefined;
  if (existsSync(join(bfcl, "checker_vectors.jsonl"))) {
    answers = join(dir, "answers.jsonl");
    const lines = readFileSync(join(bfcl, "checker_vectors.jsonl"), "utf8").split("\n").filter((l) => l.trim() !== "");
    writeFileSync(answers, lines.slice(0, 3).join("\n") + "\n");
  }
  return { tools, graph, samples, run, answers, bfcl: answers ? bfcl : undefined };
}

export const BAD_KINDS = ["missing", "directory", "empty", "truncated", "wrong format", "invalid UTF-8", "huge line"] as const;
export type BadKind = (typeof BAD_KINDS)[number];

/** Bytes cut in the middle of a multi-byte character or a JSON value: the good file's first 60 % or so. */
function truncated(bytes: Buffer): Buffer {
  return bytes.subarray(0, Math.max(1, Math.floor(bytes.length * 0.6)));
}

/** The good file with an invalid byte put inside its first string value. */
function invalidUtf8(bytes: Buffer): Buffer {
  const at = bytes.indexOf(0x22) + 2; // inside the first "..."
  return Buffer.concat([bytes.subarray(0, at), Buffer.from([0xff, 0xfe]), bytes.subarray(at)]);
}

/** Spoil `path` (a file whose good content is `good`) in the way `kind` says; `wrong` is a file of another format. */
export function spoil(path: string, kind: BadKind, good: Buffer, wrong: Buffer, hugeBytes = 8 * 1024 * 1024): void {
  rmSync(path, { recursive: true, force: true });
  switch (kind) {
    case "missing":
      return;
    case "directory":
      mkdirSync(path, { recursive: true });
      return;
    case "empty":
      writeFileSync(path, "");
      return;
    case "truncated":
      writeFileSync(path, truncated(good));
      return;
    case "wrong format":
      writeFileSync(path, wrong);
      return;
    case "invalid UTF-8":
      writeFileSync(path, invalidUtf8(good));
      return;
    case "huge line":
      writeFileSync(path, `{"name": "${"x".repeat(hugeBytes)}"}\n`);
      return;
  }
}

/** One reader of the table: a command line with INPUT where the spoiled file goes. */
export interface Reader {
  /** Command as shown in the table. */
  label: string;
  /** Which good file is spoiled (a run's dialogues.jsonl for run readers). */
  input: "tools" | "graph" | "samples" | "dialogues" | "answers";
  /** The arguments, given the spoiled path, the good inputs and a fresh output path. */
  args: (input: string, good: GoodInputs, out: string) => string[];
  /** Outputs the command writes (checked unchanged on failure), given `out`. */
  outputs?: (out: string) => string[];
}

export const READERS: Reader[] = [
  { label: "graph build TOOLS -o", input: "tools", args: (i, _g, o) => ["graph", "build", i, "-o", join(o, "graph.json"), "-q"], outputs: (o) => [join(o, "graph.json")] },
  { label: "tools lint TOOLS", input: "tools", args: (i) => ["tools", "lint", i, "--no-graph", "-q"] },
  {
    label: "synth --tools TOOLS",
    input: "tools",
    args: (i, g, o) => ["synth", "--tools", i, "--graph", g.graph, "--count", "1", "--llm", "sim", "--out", join(o, "run")],
    outputs: (o) => [join(o, "run")],
  },
  {
    label: "synth --graph GRAPH",
    input: "graph",
    args: (i, g, o) => ["synth", "--tools", g.tools, "--graph", i, "--count", "1", "--llm", "sim", "--out", join(o, "run")],
    outputs: (o) => [join(o, "run")],
  },
  {
    label: "synth --samples SAMPLES",
    input: "samples",
    args: (i, g, o) => ["synth", "--tools", g.tools, "--samples", i, "--count", "1", "--llm", "sim", "--out", join(o, "run")],
    outputs: (o) => [join(o, "run")],
  },
  { label: "sample GRAPH -o", input: "graph", args: (i, _g, o) => ["sample", i, "-n", "3", "-o", join(o, "s.jsonl"), "-q"], outputs: (o) => [join(o, "s.jsonl")] },
  { label: "sample stats SAMPLES", input: "samples", args: (i) => ["sample", "stats", i] },
  { label: "verify RUN", input: "dialogues", args: (i) => ["verify", runOf(i)] },
  { label: "export RUN -o", input: "dialogues", args: (i, _g, o) => ["export", runOf(i), "-o", join(o, "dataset"), "-f", "openai"], outputs: (o) => [join(o, "dataset")] },
  { label: "stats RUN", input: "dialogues", args: (i) => ["stats", runOf(i), "--no-tokens"] },
  { label: "report RUN -o", input: "dialogues", args: (i, _g, o) => ["report", runOf(i), "-o", join(o, "report.html")], outputs: (o) => [join(o, "report.html")] },
  {
    label: "eval bfcl --check ANSWERS",
    input: "answers",
    args: (i, g, o) => ["eval", "bfcl", "--check", i, "--data", g.bfcl ?? "", "-o", join(o, "checked.jsonl")],
    outputs: (o) => [join(o, "checked.jsonl")],
  },
];

/** A run reader's input is RUN/dialogues.jsonl; the command gets RUN (for "missing", RUN itself is absent). */
function runOf(dialogues: string): string {
  return join(dialogues, "..");
}

/** A fingerprint of what is at `path` (file bytes, or a folder's file names and bytes), to see it unchanged. */
export function snapshot(path: string): string {
  if (!existsSync(path)) return "<none>";
  try {
    return readFileSync(path).toString("base64");
  } catch {
    return readdirSync(path, { recursive: true })
      .map(String)
      .sort()
      .map((f) => {
        try {
          return `${f}:${readFileSync(join(path, f)).toString("base64")}`;
        } catch {
          return `${f}/`;
        }
      })
      .join("|");
  }
}

/**
 * Lay out the input of `reader` spoiled as `kind` in `case`: a copy of the good file (or run folder) spoiled, and
 * a folder for outputs in which each output already holds something (to see that a failure leaves it unchanged).
 * Returns the path to pass as INPUT and the output folder.
 */
export function layCase(reader: Reader, good: GoodInputs, caseDir: string, spoilWith: (path: string, good: Buffer, wrong: Buffer) => void): { input: string; out: string } {
  rmSync(caseDir, { recursive: true, force: true });
  mkdirSync(caseDir, { recursive: true });
  const out = join(caseDir, "out");
  mkdirSync(out);
  for (const o of reader.outputs?.(out) ?? []) {
    if (o.endsWith("run") || o.endsWith("dataset")) continue; // folders the command makes
    writeFileSync(o, "previous output\n");
  }
  let input: string;
  let goodFile: string;
  if (reader.input === "dialogues") {
    const run = join(caseDir, "run");
    cpSync(good.run, run, { recursive: true });
    input = join(run, "dialogues.jsonl");
    goodFile = join(good.run, "dialogues.jsonl");
  } else {
    goodFile = good[reader.input] as string;
    input = join(caseDir, `input-${reader.input}`);
    copyFileSync(goodFile, input);
  }
  const wrong = readFileSync(reader.input === "graph" ? good.tools : good.graph);
  spoilWith(input, readFileSync(goodFile), wrong);
  return { input, out };
}
