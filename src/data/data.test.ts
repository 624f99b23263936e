/**
 * The data layer: a run folder (the job rule with the definition in the manifest), append-and-recover (whole
 * lines, a torn tail cut, a bad middle line an error, the serializer applied), following a growing file, and the
 * job rule (start, resume, refuse naming the differing settings, --force, explicit --resume).
 */
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { DialogueRecordZ, InputError, UsageError } from "../core/index.js";
import { invalidUtf8At, JOB_LOCK_FILE, JsonlAppender, JsonlFollower, MANIFEST_FORMAT, openJob, openRunJob, recoverJsonl, RUN_FILES, type JobSpec } from "./index.js";

function tmp(): string {
  return mkdtempSync(join(tmpdir(), "toolflow-data-"));
}

describe("run folder: the job rule with the definition in manifest.json", () => {
  interface RunDef {
    seed: number;
    count: number;
    mode?: string;
  }
  const options = { seed: "--seed", count: "--count", mode: "--mode" } as const;
  const usage = { promptTokens: 0, completionTokens: 0, cachedTokens: 0, estimated: false };
  /** A manifest as synth writes it, holding this definition. */
  const manifest = (definition: object) =>
    JSON.stringify({
      format: MANIFEST_FORMAT,
      status: "interrupted",
      createdAt: "2024-01-01T00:00:00.000Z",
      updatedAt: "2024-01-01T00:00:00.000Z",
      versions: { toolflow: "0.0.0", node: "v20.0.0" },
      definition,
      options: {},
      inputs: {},
      seeds: { run: 1, sampling: null, dialogue: "deriveSeed(run, index)" },
      counts: { target: 2, accepted: 1, rejected: 0, maxAttempts: 16, rejectedBy: {} },
      usage: { total: usage, byRole: {}, byModel: {}, byRoleModel: {} },
      cost: { currency: "USD", total: null, byModel: {}, byRole: {}, unpriced: [] },
      judge: null,
      sessions: [],
    });
  const def: RunDef = { seed: 1, count: 2, mode: "fast" };
  const open = (dir: string, definition: RunDef, o: { force?: boolean; resume?: boolean } = {}) =>
    openRunJob({ dir, definition, options, addedLater: { mode: "fast" } }, o);
  /** A run folder as synth leaves it after a kill (its manifest from before `mode` existed), and a file of the user's. */
  const runFolder = (definition: object = { seed: 1, count: 2 }): string => {
    const dir = join(tmp(), "run");
    mkdirSync(dir);
    writeFileSync(join(dir, RUN_FILES.manifest), manifest(definition));
    for (const f of [RUN_FILES.samples, RUN_FILES.dialogues, RUN_FILES.rejected]) writeFileSync(join(dir, f), "{}\n");
    writeFileSync(join(dir, "notes.txt"), "keep me");
    return dir;
  };

  it("starts in a missing folder without writing the manifest (synth writes it once its inputs are loaded)", async () => {
    const dir = join(tmp(), "new");
    const job = await open(dir, def);
    expect(job.resumed).toBe(false);
    expect(job.stored).toBeUndefined();
    expect(readdirSync(dir)).toEqual([JOB_LOCK_FILE]);
    job.release();
    expect(readdirSync(dir)).toEqual([]);
    await expect(open(join(tmp(), "none"), def, { resume: true })).rejects.toThrow(/--resume: nothing to resume in .*none \(no manifest\.json\); drop --resume to start/);
  });

  it("continues a run with the same definition, with or without --resume; the manifest on file is the stored one", async () => {
    const dir = runFolder();
    const before = readFileSync(join(dir, RUN_FILES.manifest), "utf8");
    for (const resume of [undefined, true]) {
      const job = await open(dir, { ...def }, resume ? { resume } : {});
      expect(job.resumed).toBe(true);
      expect(job.stored?.counts.accepted).toBe(1);
      job.release();
      expect(readFileSync(join(dir, RUN_FILES.manifest), "utf8")).toBe(before);
      expect(readFileSync(join(dir, RUN_FILES.dialogues), "utf8")).toBe("{}\n");
    }
    // the manifest, written before `mode` existed, counts as the value such runs used
    await expect(open(dir, { ...def, mode: "slow" })).rejects.toThrow(/--mode: was "fast", now "slow"/);
  });

  it("refuses another definition naming each option, with or without --resume, and touches nothing", async () => {
    const dir = runFolder();
    for (const resume of [undefined, true]) {
      const err = await open(dir, { seed: 2, count: 3, mode: "slow" }, resume ? { resume } : {}).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UsageError);
      expect((err as Error).message).toMatch(
        /run holds a run made with other settings \(--seed: was 1, now 2; --count: was 2, now 3; --mode: was "fast", now "slow"\); .*--force to start over/,
      );
    }
    expect(readdirSync(dir).sort()).toEqual(["dialogues.jsonl", "manifest.json", "notes.txt", "rejected.jsonl", "samples.jsonl"]);
  });

  it("--force deletes the run's files only and starts over", async () => {
    const dir = runFolder();
    const job = await open(dir, { seed: 9, count: 1 }, { force: true });
    expect(job.resumed).toBe(false);
    job.release();
    expect(readdirSync(dir)).toEqual(["notes.txt"]);
    await expect(open(dir, def, { force: true, resume: true })).rejects.toThrow(/exclude each other/);
  });

  it("records without a manifest, and a manifest that is not one, are clear errors", async () => {
    const dir = runFolder();
    rmSync(join(dir, RUN_FILES.manifest));
    await expect(open(dir, def)).rejects.toThrow(/holds a run \(dialogues\.jsonl, rejected\.jsonl, samples\.jsonl\) but no manifest\.json .*--force/);
    writeFileSync(join(dir, RUN_FILES.manifest), JSON.stringify({ definition: def }));
    const err = await open(dir, def).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(/manifest\.json.*not a toolflow synth manifest/);
    writeFileSync(join(dir, RUN_FILES.manifest), "{ torn");
    await expect(open(dir, def)).rejects.toThrow(/manifest\.json/);
  });
});

describe("append and recover", () => {
  const rec = (i: number) => ({
    id: `d${i}`,
    index: i,
    seed: i,
    sampleId: "s",
    tools: [],
    plan: null,
    messages: [{ role: "user", content: "multi\nline text" }],
    stepOf: [null],
    verification: { passed: true, checks: [] },
    models: {},
    backend: "sim",
    usage: {},
    createdAt: "now",
  });

  it("appends whole lines and recovers them; a torn tail is cut, a bad middle line is an InputError", async () => {
    const path = join(tmp(), "x.jsonl");
    const out = new JsonlAppender(path, { serialize: JSON.stringify });
    for (let i = 0; i < 3; i++) out.append(rec(i));
    out.close();
    const text = readFileSync(path, "utf8");
    expect(text.split("\n")).toHaveLength(4); // 3 lines + final empty: embedded newlines are escaped
    writeFileSync(path, text + '{"id":"d3","ind');
    const got = await recoverJsonl(path, DialogueRecordZ);
    expect(got.records.map((r) => r.index)).toEqual([0, 1, 2]);
    expect(got.truncatedBytes).toBe(15);
    expect(readFileSync(path, "utf8")).toBe(text);
    writeFileSync(path, text.replace("\n", "\n{broken\n"));
    await expect(recoverJsonl(path, DialogueRecordZ)).rejects.toThrow(InputError);
  });

  it("writes what the serializer gives (the jobs pass the model layer's redaction), and refuses a record that is not one line", async () => {
    const path = join(tmp(), "x.jsonl");
    const out = new JsonlAppender(path, { serialize: (r) => JSON.stringify(r)?.replaceAll("sk-secret", "[REDACTED]") });
    out.append({ key: "sk-secret" });
    expect(() => out.append(undefined)).toThrow(/does not serialize to one JSON line/);
    out.close();
    expect(readFileSync(path, "utf8")).toBe('{"key":"[REDACTED]"}\n');
    const dup = join(tmp(), "dup.jsonl");
    writeFileSync(dup, '{"id":"a","n":1}\n{"id":"b","n":2}\n{"id":"a","n":3}\n');
    const got = await recoverJsonl(dup, z.object({ id: z.string(), n: z.number() }), { key: (r) => r.id });
    expect(got).toMatchObject({ records: [{ id: "a", n: 1 }, { id: "b", n: 2 }], duplicatesDropped: 1 });
    expect(readFileSync(dup, "utf8")).toBe('{"id":"a","n":1}\n{"id":"b","n":2}\n');
  });
});

describe("following a growing file", () => {
  const texts = async (f: JsonlFollower, final = false) => {
    const out: Array<{ text: string; line: number; start: number; bad?: boolean; cut?: boolean }> = [];
    for await (const l of f.read(final)) out.push({ text: l.text, line: l.ref.line, start: l.ref.start, ...(l.bad ? { bad: true } : {}), ...(l.cut ? { cut: true } : {}) });
    return out;
  };

  it("gives the complete lines appended since the last read; a partly written line waits for its newline", async () => {
    const path = join(tmp(), "grow.jsonl");
    const f = new JsonlFollower(path);
    expect(await texts(f)).toEqual([]); // no file yet
    writeFileSync(path, '{"a":1}\n{"b":');
    expect(await texts(f)).toEqual([{ text: '{"a":1}', line: 1, start: 0 }]);
    appendFileSync(path, '2}\n\n{"c":3}\n');
    expect(await texts(f)).toEqual([
      { text: '{"b":2}', line: 2, start: 8 },
      { text: '{"c":3}', line: 4, start: 17 },
    ]);
    appendFileSync(path, Buffer.from([0x7b, 0xff, 0x7d, 0x0a, 0x7b, 0x7d]));
    expect(await texts(f, true)).toEqual([
      { text: "", line: 5, start: 25, bad: true },
      { text: "{}", line: 6, start: 29, cut: true },
    ]);
    expect(f.shrank()).toBe(false);
    writeFileSync(path, "{}\n");
    expect(f.shrank()).toBe(true);
  });

  it("finds the first byte that is not UTF-8", () => {
    const at = (...bytes: number[]) => invalidUtf8At(Uint8Array.from(bytes));
    expect(at(0x61, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80)).toBe(-1); // a € 😀
    expect(at(0x61, 0xff)).toBe(1);
    expect(at(0x61, 0xc0, 0x80)).toBe(1); // overlong
    expect(at(0xed, 0xa0, 0x80)).toBe(0); // a surrogate
    expect(at(0x61, 0x62, 0xe2, 0x82)).toBe(2); // cut short
    expect(at(0xf4, 0x90, 0x80, 0x80)).toBe(0); // beyond U+10FFFF
    expect(at(0x80)).toBe(0); // a lone continuation byte
  });
});

describe("a job folder and the resume rule", () => {
  interface Def {
    llm: string;
    seed: number;
    mode: string | null;
  }
  const spec = (dir: string, definition: Def, extra: Partial<JobSpec<Def>> = {}): JobSpec<Def> => ({
    dir,
    what: "test results",
    definitionFile: "job.json",
    resultFiles: ["results.jsonl"],
    definition,
    options: { llm: "--llm", seed: "--seed", mode: "--mode" },
    ...extra,
  });
  const def: Def = { llm: "sim", seed: 1, mode: null };

  it("starts in an empty folder, resumes with the same definition, refuses another naming each setting, --force starts over", async () => {
    const dir = join(tmp(), "out");
    const first = await openJob(spec(dir, def));
    first.release();
    expect(first.resumed).toBe(false);
    expect(JSON.parse(readFileSync(join(dir, "job.json"), "utf8"))).toEqual(def);
    writeFileSync(first.path("results.jsonl"), '{"id":"a"}\n');
    writeFileSync(join(dir, "notes.txt"), "keep me");

    const again = await openJob(spec(dir, { ...def }));
    expect(again.resumed).toBe(true);
    expect(readFileSync(join(dir, "results.jsonl"), "utf8")).toBe('{"id":"a"}\n');

    const err = await openJob(spec(dir, { llm: "openai:x", seed: 2, mode: null })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(/holds test results made with other settings \(--llm: was "sim", now "openai:x"; --seed: was 1, now 2\); .*--force to start over/);
    expect(readFileSync(join(dir, "results.jsonl"), "utf8")).toBe('{"id":"a"}\n'); // nothing touched

    const forced = await openJob(spec(dir, { llm: "openai:x", seed: 2, mode: null }), { force: true });
    expect(forced.resumed).toBe(false);
    expect(existsSync(join(dir, "results.jsonl"))).toBe(false);
    expect(readFileSync(join(dir, "notes.txt"), "utf8")).toBe("keep me");
    expect(JSON.parse(readFileSync(join(dir, "job.json"), "utf8"))).toMatchObject({ llm: "openai:x", seed: 2 });
  });

  it("--resume: the same as no flag where a job is, an error where none is to resume", async () => {
    const dir = join(tmp(), "out");
    await expect(openJob(spec(dir, def), { resume: true })).rejects.toThrow(/--resume: nothing to resume in .*out \(no job\.json\)/);
    expect(existsSync(dir)).toBe(false);
    await openJob(spec(dir, def));
    const resumed = await openJob(spec(dir, def), { resume: true });
    expect([resumed.resumed, resumed.stored]).toEqual([true, def]);
    await expect(openJob(spec(dir, { ...def, seed: 2 }), { resume: true })).rejects.toThrow(/--seed: was 1, now 2/);
    await expect(openJob(spec(dir, def), { resume: true, force: true })).rejects.toThrow(/exclude each other/);
  });

  it("locks the folder while a job writes it: a live process's lock refuses, a dead one's (or a torn one) is taken over", async () => {
    const dir = join(tmp(), "out");
    const lock = join(dir, JOB_LOCK_FILE);
    const job = await openJob(spec(dir, def));
    const mine = JSON.parse(readFileSync(lock, "utf8")) as { pid: number; host: string };
    expect(mine.pid).toBe(process.pid);
    expect(readFileSync(lock, "utf8")).not.toContain(hostname());
    job.release();
    job.release();
    expect(existsSync(lock)).toBe(false);
    // another live process (the test runner's parent) holds it: refused, nothing read or deleted, its lock kept
    writeFileSync(lock, JSON.stringify({ ...mine, pid: process.ppid, what: "test results" }));
    writeFileSync(join(dir, "results.jsonl"), "{}\n");
    for (const o of [{}, { force: true }]) {
      await expect(openJob(spec(dir, def), o)).rejects.toThrow(new RegExp(`is in use: test results is being written by process ${process.ppid} .*delete .*\\.toolflow-job\\.lock`));
    }
    expect(existsSync(join(dir, "results.jsonl"))).toBe(true);
    writeFileSync(lock, JSON.stringify({ ...mine, pid: process.ppid, host: "elsewhere" }));
    await expect(openJob(spec(dir, def))).rejects.toThrow(/on another machine/);
    // a process that is gone, and a lock torn by a kill: taken over
    for (const stale of [JSON.stringify({ ...mine, pid: 2 ** 30 }), '{"pid": 1']) {
      writeFileSync(lock, stale);
      const again = await openJob(spec(dir, def));
      expect(again.resumed).toBe(true);
      expect((JSON.parse(readFileSync(lock, "utf8")) as { pid: number }).pid).toBe(process.pid);
      again.release();
    }
    // a refused open releases what it took
    await expect(openJob(spec(dir, { ...def, seed: 7 }))).rejects.toThrow(/--seed/);
    expect(existsSync(lock)).toBe(false);
  });

  it("older definitions: a setting added later counts with the value older jobs used; results without a definition are refused", async () => {
    const dir = join(tmp(), "out");
    mkdirSync(dir);
    writeFileSync(join(dir, "job.json"), JSON.stringify({ llm: "sim", seed: 1, extra: "not compared" }));
    expect((await openJob(spec(dir, { ...def, mode: "fast" }, { addedLater: { mode: "fast" } }))).resumed).toBe(true);
    await expect(openJob(spec(dir, { ...def, mode: "slow" }, { addedLater: { mode: "fast" } }))).rejects.toThrow(/--mode: was "fast", now "slow"/);
    const bare = join(tmp(), "bare");
    mkdirSync(bare);
    writeFileSync(join(bare, "results.jsonl"), "");
    await expect(openJob(spec(bare, def))).rejects.toThrow(/holds test results \(results\.jsonl\) but no job\.json/);
    writeFileSync(join(bare, "job.json"), "[1]");
    await expect(openJob(spec(bare, def))).rejects.toThrow(InputError);
  });
});
