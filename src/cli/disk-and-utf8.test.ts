/**
 * Issue 21's input layer at the CLI, for the readers and writers not covered by bad-input.test.ts:
 * - every reader of a run or user file decodes strictly: invalid UTF-8 is exit 2 with one line naming the file and
 *   the byte offset (synth --resume and judge's resumed results, report's manifest and samples, export's chat
 *   template, BFCL answer files, the doctor's stored profiles); --lossy-utf8 replaces and counts;
 * - a write that fails (a real ENOSPC from /dev/full, or a disk that fills half way through a line) is exit 1 with
 *   one line naming the path and what was kept, no stack, and what was kept lets the same command finish the job.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { cliInProcess, PROJECT_ROOT, SHARED_DATA } from "../../test/support/cli.js";
import { snapshot } from "../../test/support/bad-input.js";
import { failAppends, HAVE_DEV_FULL, redirectOpens } from "../../test/support/fs-faults.js";
import { tempDirForFile } from "../../test/support/tmp.js";
import { endpointProfilePath } from "../doctor/index.js";
import { endpointOf } from "../llm/index.js";

const tmp = tempDirForFile("toolflow-disk-utf8-");
let tools: string;
let graph: string;
/** An uninterrupted sim run of 3 dialogues: what every interrupted one must end up equal to. */
let run: string;

const synthArgs = (out: string, ...extra: string[]) => ["synth", "--tools", tools, "--graph", graph, "--count", "3", "--llm", "sim", "--concurrency", "1", "--out", out, ...extra];

async function ok(args: string[]): Promise<string> {
  const r = await cliInProcess(args);
  if (r.code !== 0) throw new Error(`toolflow ${args.join(" ")} -> ${r.code}\n${r.stderr}`);
  return r.stdout;
}

/** The error lines of a failed command: exactly one, and no stack. */
function oneErrorLine(stderr: string): string {
  const lines = stderr.split("\n").filter((l) => l.startsWith("toolflow: error: ") || l.startsWith("toolflow: unexpected error"));
  expect(lines, stderr).toHaveLength(1);
  expect(/\n\s+at /.test(stderr), stderr).toBe(false);
  return lines[0]!;
}

/** The records of a run, without what differs between two runs of the same definition (times). */
function records(dir: string, file = "dialogues.jsonl"): unknown[] {
  const path = join(dir, file);
  if (!existsSync(path)) return [];
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => {
      const { id, index, messages, tools } = JSON.parse(l) as Record<string, unknown>;
      return { id, index, messages, tools };
    })
    .sort((a, b) => (a.index as number) - (b.index as number));
}

/** `bytes` with 0xFF put at byte `at`; returns the new bytes. */
function badByteAt(bytes: Buffer, at: number): Buffer {
  return Buffer.concat([bytes.subarray(0, at), Buffer.from([0xff]), bytes.subarray(at)]);
}

/** Put 0xFF inside the first string value of `path` (after its first character); returns its byte offset. */
function spoil(path: string): number {
  const bytes = readFileSync(path);
  const m = /"\s*:\s*"/.exec(bytes.toString("latin1"))!;
  const at = m.index + m[0].length + 1;
  writeFileSync(path, badByteAt(bytes, at));
  return at;
}

beforeAll(async () => {
  tools = join(tmp(), "tools.jsonl");
  graph = join(tmp(), "graph.json");
  const examples = readdirSync(join(PROJECT_ROOT, "examples")).map((f) => join(PROJECT_ROOT, "examples", f));
  await ok(["tools", "import", ...examples, "-o", tools, "-q"]);
  await ok(["graph", "build", tools, "-o", graph, "-q"]);
  run = join(tmp(), "run");
  await ok(synthArgs(run));
}, 60_000);

describe("strict UTF-8 in every reader of a run or user file", () => {
  it("synth --resume and judge's resumed results: exit 2 naming the file, line and byte offset", async () => {
    const resumed = join(tmp(), "resume-bad");
    cpSync(run, resumed, { recursive: true });
    const at = spoil(join(resumed, "dialogues.jsonl"));
    const s = await cliInProcess(synthArgs(resumed, "--resume"));
    expect(s.code).toBe(2);
    expect(oneErrorLine(s.stderr)).toContain(`${join(resumed, "dialogues.jsonl")} line 1: invalid UTF-8 at byte offset ${at} (byte 0xff)`);

    const judged = join(tmp(), "judged");
    await ok(["judge", run, "--llm", "sim", "--metrics", "ss", "-o", judged]);
    const results = join(judged, "judge.jsonl");
    const jat = spoil(results);
    const j = await cliInProcess(["judge", run, "--llm", "sim", "--metrics", "ss", "-o", judged]);
    expect(j.code).toBe(2);
    expect(oneErrorLine(j.stderr)).toContain(`${results} line 1: invalid UTF-8 at byte offset ${jat} (byte 0xff)`);
  });

  it("report: the manifest and the samples of a rejected record without its tools; --lossy-utf8 replaces and counts", async () => {
    const dir = join(tmp(), "report-bad");
    cpSync(run, dir, { recursive: true });
    const out = join(tmp(), "report.html");
    writeFileSync(out, "previous report\n");
    const manifest = join(dir, "manifest.json");
    const good = readFileSync(manifest);
    const at = spoil(manifest);
    const m = await cliInProcess(["report", dir, "-o", out]);
    expect(m.code).toBe(2);
    expect(oneErrorLine(m.stderr)).toContain(`${manifest} line 2: invalid UTF-8 at byte offset ${at} (byte 0xff)`);
    writeFileSync(manifest, good);

    // a rejected record that does not carry its tools: its sample's tool names come from samples.jsonl
    const samples = readFileSync(join(dir, "samples.jsonl"), "utf8").split("\n")[0]!;
    const sampleId = (JSON.parse(samples) as { id: string }).id;
    writeFileSync(join(dir, "rejected.jsonl"), JSON.stringify({ id: "r-99", index: 99, sampleId, rejectedBy: [{ check: "generation", reasons: ["x"] }] }) + "\n");
    const sat = spoil(join(dir, "samples.jsonl"));
    const r = await cliInProcess(["report", dir, "-o", out]);
    expect(r.code).toBe(2);
    expect(oneErrorLine(r.stderr)).toContain(`${join(dir, "samples.jsonl")} line 1: not UTF-8: byte 0xff at byte offset ${sat} of the line`);
    expect(readFileSync(out, "utf8")).toBe("previous report\n");

    // --lossy-utf8: the bad bytes (samples and a dialogue) replaced and counted, the report written
    spoil(join(dir, "dialogues.jsonl"));
    const lossy = await cliInProcess(["--lossy-utf8", "report", dir, "-o", out]);
    expect(lossy.code, lossy.stderr).toBe(0);
    expect(lossy.stderr).toContain("toolflow: --lossy-utf8: 2 invalid UTF-8 sequences replaced with U+FFFD");
    expect(readFileSync(out, "utf8")).toContain("\uFFFD");
  });

  it("export's chat template, BFCL answer files and the doctor's stored profile", async () => {
    const template = join(tmp(), "template.jinja");
    writeFileSync(template, badByteAt(Buffer.from("{{ bos_token }}{% for m in messages %}{{ m.content }}{% endfor %}\n"), 3));
    const e = await cliInProcess(["export", run, "-o", join(tmp(), "llama"), "-f", "llama31", "--chat-template", template]);
    expect(e.code).toBe(2);
    expect(oneErrorLine(e.stderr)).toContain(`${template} line 1: invalid UTF-8 at byte offset 3 (byte 0xff)`);
    expect(existsSync(join(tmp(), "llama"))).toBe(false);

    const bfcl = join(SHARED_DATA, "bfcl");
    if (existsSync(join(bfcl, "possible_answer", "BFCL_v4_simple_python.json"))) {
      const firstLines = (file: string) => readFileSync(file, "utf8").split("\n").slice(0, 2).join("\n") + "\n";
      const questions = join(tmp(), "BFCL_v4_simple_python.json");
      const answers = join(tmp(), "answers.json");
      writeFileSync(questions, firstLines(join(bfcl, "BFCL_v4_simple_python.json")));
      const goodAnswers = Buffer.from(firstLines(join(bfcl, "possible_answer", "BFCL_v4_simple_python.json")));
      const at = goodAnswers.indexOf("\n") + 10;
      writeFileSync(answers, badByteAt(goodAnswers, at));
      const s = await cliInProcess(["stats", questions, "--answers", answers, "--no-tokens"]);
      expect(s.code).toBe(2);
      expect(oneErrorLine(s.stderr)).toContain(`${answers} line 2: invalid UTF-8 at byte offset ${at} (byte 0xff)`);
    }

    // a profile `toolflow doctor` stored beside the cache, read when a run starts on that endpoint
    const cache = join(tmp(), "cache");
    const url = "http://127.0.0.1:9/v1";
    const profile = endpointProfilePath(cache, endpointOf(url), "m");
    mkdirSync(join(profile, ".."), { recursive: true });
    const body = Buffer.from(JSON.stringify({ endpoint: endpointOf(url), model: "m", usable: true, profile: { tools: "native" } }));
    writeFileSync(profile, badByteAt(body, 5));
    const out = join(tmp(), "doctor-run");
    const d = await cliInProcess(["synth", "--tools", tools, "--graph", graph, "--count", "1", "--llm", "openai:m", "--base-url", url, "--cache", cache, "--out", out]);
    expect(d.code, d.stderr).toBe(2);
    expect(oneErrorLine(d.stderr)).toContain(`${profile} line 1: invalid UTF-8 at byte offset 5 (byte 0xff)`);
  });
});

describe.runIf(HAVE_DEV_FULL)("a write that fails", () => {
  it("synth on a full disk (a real ENOSPC from /dev/full): exit 1, one line, and --resume finishes the run", async () => {
    const dir = join(tmp(), "full");
    cpSync(run, dir, { recursive: true });
    const dialogues = join(dir, "dialogues.jsonl");
    rmSync(dialogues);
    symlinkSync("/dev/full", dialogues);
    const s = await cliInProcess(synthArgs(dir, "--resume"));
    expect(s.code).toBe(1);
    expect(oneErrorLine(s.stderr)).toBe(
      `toolflow: error: cannot write ${dialogues}: no space left on the device (ENOSPC); 0 records kept; ` +
        "free the space (or fix the permission) and run the same command again with --resume",
    );
    // the space freed: the run goes on from what was kept and ends as an uninterrupted one
    rmSync(dialogues);
    writeFileSync(dialogues, "");
    await ok(synthArgs(dir, "--resume"));
    expect(records(dir)).toEqual(records(run));
  });

  it("synth when the disk fills half way through a line: the partial line is removed, --resume finishes the run", async () => {
    const dir = join(tmp(), "half");
    const dialogues = join(dir, "dialogues.jsonl");
    const s = await failAppends((p) => p === dialogues, 1, () => cliInProcess(synthArgs(dir)));
    expect(s.code).toBe(1);
    expect(oneErrorLine(s.stderr)).toBe(
      `toolflow: error: cannot write ${dialogues}: no space left on the device (ENOSPC); 1 record kept, the partial last line was removed; ` +
        "free the space (or fix the permission) and run the same command again with --resume",
    );
    const kept = readFileSync(dialogues, "utf8");
    expect(kept.endsWith("\n") && kept.split("\n").length).toBe(2);
    expect(records(dir)).toEqual(records(run).slice(0, 1));
    const resumed = await cliInProcess(synthArgs(dir, "--resume"));
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).not.toMatch(/torn|cut/);
    expect(records(dir)).toEqual(records(run));
  });

  it("export on a full disk: exit 1 naming the file, the previous export unchanged, no temporary folder left", async () => {
    const out = join(tmp(), "dataset");
    await ok(["export", run, "-o", out, "-f", "openai,sharegpt"]);
    const before = snapshot(out);
    const e = await redirectOpens(
      (p) => p.endsWith(join("sharegpt", "train.jsonl")),
      () => cliInProcess(["export", run, "-o", out, "-f", "openai,sharegpt", "--force", "--seed", "1"]),
    );
    expect(e.code).toBe(1);
    expect(oneErrorLine(e.stderr)).toBe(
      `toolflow: error: cannot write ${join(out, "sharegpt", "train.jsonl")}: no space left on the device (ENOSPC); ` +
        `the previous ${out} is unchanged (the partial export was removed)`,
    );
    expect(snapshot(out)).toBe(before);
    expect(readdirSync(tmp()).filter((f) => f.startsWith(".dataset."))).toEqual([]);
    await ok(["export", run, "-o", out, "-f", "openai,sharegpt", "--force", "--seed", "1"]);
  });
});
