import { describe, it, expect } from "vitest";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InputError, UsageError } from "../core/index.js";
import type { DialogueRecord } from "../core/index.js";
import { exampleDialogueRecord } from "../../test/support/example-dialogue.js";
import { exportDataset } from "./export.js";
import { assignSplits, EXPORT_FORMATS, groupRecords, parseSplit } from "../data/index.js";

/** n records: sample s<i % samples>, each sample with its own tool set (an extra unused tool). */
function records(n: number, samples = 10): DialogueRecord[] {
  const out: DialogueRecord[] = [];
  for (let i = 0; i < n; i++) {
    const r = exampleDialogueRecord();
    r.id = `d${i}`;
    r.index = i;
    r.sampleId = `s${i % samples}`;
    r.tools.push({ ...r.tools[0]!, name: `extra_tool_${i % samples}` });
    r.messages[1] = { role: "user", content: `Hi! I need a flight from Boston to Lisbon on May 3, 2024 for 2 people. (#${i})` };
    out.push(r);
  }
  return out;
}

function runDir(recs: DialogueRecord[], extra?: (dir: string) => void): string {
  const dir = mkdtempSync(join(tmpdir(), "tf-export-"));
  writeFileSync(join(dir, "dialogues.jsonl"), recs.map((r) => JSON.stringify(r)).join("\n") + "\n");
  extra?.(dir);
  return dir;
}

describe("splits", () => {
  it("parses ratios and rejects bad ones", () => {
    expect(parseSplit("0.8, 0.1,0.1")).toEqual([0.8, 0.1, 0.1]);
    expect(() => parseSplit("0.8,0.1")).toThrow(UsageError);
    expect(() => parseSplit("0.8,0.3,0.1")).toThrow(/sum to 1/);
    expect(() => parseSplit("0.9,-0.05,0.15")).toThrow(UsageError);
  });

  it("groups by sample and by identical tool set", () => {
    const a = { id: "a", sampleId: "s1", tools: exampleDialogueRecord().tools };
    const b = { id: "b", sampleId: "s2", tools: exampleDialogueRecord().tools.slice().reverse() }; // same set
    const c = { id: "c", sampleId: "s3", tools: exampleDialogueRecord().tools.slice(1) };
    const d = { id: "d", sampleId: "s3", tools: exampleDialogueRecord().tools.slice(2) }; // same sample as c
    const g = groupRecords([a, b, c, d]);
    expect(g.get("a")).toBe(g.get("b"));
    expect(g.get("c")).toBe(g.get("d"));
    expect(g.get("a")).not.toBe(g.get("c"));
    // order does not matter
    const g2 = groupRecords([d, c, b, a]);
    expect([...g2.entries()].sort()).toEqual([...g.entries()].sort());
  });

  it("is deterministic, depends on the seed, keeps groups whole and roughly follows the ratios", () => {
    const tool = exampleDialogueRecord().tools[0]!;
    const recs = Array.from({ length: 2000 }, (_, i) => ({
      id: `d${i}`,
      sampleId: `s${Math.floor(i / 2)}`,
      tools: [{ ...tool, name: `tool_${Math.floor(i / 2)}` }],
    }));
    const r1 = assignSplits(recs, [0.8, 0.1, 0.1], 1);
    const r2 = assignSplits(recs.slice().reverse(), [0.8, 0.1, 0.1], 1);
    const r3 = assignSplits(recs, [0.8, 0.1, 0.1], 2);
    expect([...r2.splits.entries()].sort()).toEqual([...r1.splits.entries()].sort());
    expect([...r3.splits.values()]).not.toEqual([...r1.splits.values()]);
    expect(r1.groups).toBe(1000);
    const split = (id: string) => r1.splits.get(id);
    const broken = Array.from({ length: 1000 }, (_, k) => k).filter((k) => split(`d${2 * k}`) !== split(`d${2 * k + 1}`));
    expect(broken).toEqual([]);
    const count = (s: string) => [...r1.splits.values()].filter((x) => x === s).length;
    expect(count("train")).toBeGreaterThan(1500);
    expect(count("train")).toBeLessThan(1700);
    expect(count("test")).toBeGreaterThan(120);
    expect(count("validation")).toBeGreaterThan(120);
    const none = assignSplits(recs, [1, 0, 0], 1);
    expect(new Set(none.splits.values())).toEqual(new Set(["train"]));
  });
});

describe("exportDataset", () => {
  it("writes every format and split plus the card, deterministically", async () => {
    const dir = runDir(records(30));
    const out1 = join(mkdtempSync(join(tmpdir(), "tf-out-")), "ds");
    const out2 = join(mkdtempSync(join(tmpdir(), "tf-out-")), "ds");
    const opts = { dir, formats: [...EXPORT_FORMATS], split: [0.6, 0.2, 0.2] as const, seed: 3 };
    const s1 = await exportDataset({ ...opts, out: out1 });
    await exportDataset({ ...opts, out: out2 });
    expect(s1.dialogues).toBe(30);
    expect(s1.groups).toBe(10);
    expect(s1.splitCounts.train + s1.splitCounts.validation + s1.splitCounts.test).toBe(30);
    expect(readdirSync(out1).sort()).toEqual(["README.md", "hermes", "llama31", "openai", "sharegpt", "xlam"]);
    for (const f of EXPORT_FORMATS) {
      for (const split of ["train", "validation", "test"] as const) {
        const a = readFileSync(join(out1, f, `${split}.jsonl`), "utf8");
        expect(readFileSync(join(out2, f, `${split}.jsonl`), "utf8")).toBe(a);
        const lines = a.split("\n").filter((l) => l !== "");
        expect(lines.length).toBe(s1.rows[f]?.[split]);
        for (const l of lines) JSON.parse(l);
      }
    }
    expect(s1.rows.openai?.train).toBe(s1.splitCounts.train);
    expect(s1.rows.xlam?.train).toBe(4 * s1.splitCounts.train);
    const card = readFileSync(join(out1, "README.md"), "utf8");
    expect(readFileSync(join(out2, "README.md"), "utf8")).toBe(card);
    expect(card).toContain(`| train | ${s1.splitCounts.train} |`);
    expect(card).toContain("Not real data");
    // no temporary directories left beside the output
    expect(readdirSync(join(out1, "..")).filter((f) => f.includes(".tmp-"))).toEqual([]);
  });

  it("rejects a bad line with its number and writes nothing", async () => {
    const recs = records(3);
    const dir = mkdtempSync(join(tmpdir(), "tf-export-"));
    const bad = { ...recs[1], messages: "oops" };
    writeFileSync(join(dir, "dialogues.jsonl"), [recs[0], bad, recs[2]].map((r) => JSON.stringify(r)).join("\n") + "\n");
    const parent = mkdtempSync(join(tmpdir(), "tf-out-"));
    const err = await exportDataset({ dir, out: join(parent, "ds"), formats: ["openai"], split: [1, 0, 0] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(/dialogues\.jsonl line 2 at \/messages: not a valid dialogue record: /);
    expect(readdirSync(parent)).toEqual([]);

    writeFileSync(join(dir, "dialogues.jsonl"), JSON.stringify(recs[0]) + "\n{broken\n");
    await expect(exportDataset({ dir, out: join(parent, "ds"), formats: ["openai"], split: [1, 0, 0] })).rejects.toThrow(/line 2/);
    expect(readdirSync(parent)).toEqual([]);
  });

  it("leaves nothing behind when a format fails half way", async () => {
    const dir = runDir(records(5));
    const parent = mkdtempSync(join(tmpdir(), "tf-out-"));
    const tmpl = join(parent, "bad.jinja");
    writeFileSync(tmpl, "{% if messages | length > 0 %}{{ raise_exception('no tools for me') }}{% endif %}");
    await expect(
      exportDataset({ dir, out: join(parent, "ds"), formats: ["openai", "llama31"], split: [1, 0, 0], chatTemplateFile: tmpl }),
    ).rejects.toThrow(/chat template failed on dialogue d0: .*no tools for me/);
    expect(readdirSync(parent)).toEqual(["bad.jinja"]);
  });

  it("refuses to overwrite a non-empty output unless forced, and then replaces it whole", async () => {
    const dir = runDir(records(4));
    const out = join(mkdtempSync(join(tmpdir(), "tf-out-")), "ds");
    mkdirSync(join(out, "stale"), { recursive: true });
    writeFileSync(join(out, "stale", "x.jsonl"), "old\n");
    await expect(exportDataset({ dir, out, formats: ["openai"], split: [1, 0, 0] })).rejects.toThrow(/not empty \(use --force/);
    await exportDataset({ dir, out, formats: ["openai"], split: [1, 0, 0], force: true });
    expect(readdirSync(out).sort()).toEqual(["README.md", "openai"]);
    expect(existsSync(join(out, "stale"))).toBe(false);
  });

  it("summarizes rejected.jsonl in the card", async () => {
    const dir = runDir(records(2), (d) => {
      const rej = [
        { id: "r1", index: 5, rejectedBy: [{ check: "provenance", reasons: ['ungrounded argument book_flight/flight_id = "ZZ9"'] }] },
        { id: "r2", index: 6, rejectedBy: [{ check: "format", reasons: ["dialogue does not end with an assistant text message"] }] },
      ];
      writeFileSync(join(d, "rejected.jsonl"), rej.map((r) => JSON.stringify(r)).join("\n") + "\n");
    });
    const out = join(mkdtempSync(join(tmpdir(), "tf-out-")), "ds");
    await exportDataset({ dir, out, formats: ["sharegpt"], split: [1, 0, 0] });
    const card = readFileSync(join(out, "README.md"), "utf8");
    expect(card).toContain("Rejected during synthesis: 2 dialogues.");
    expect(card).toContain('| provenance | 1 | 1 | ungrounded argument book_flight/flight_id = "ZZ9" |');
  });

  it("fails clearly without dialogues.jsonl", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tf-export-"));
    await expect(exportDataset({ dir, out: join(dir, "o"), formats: ["openai"], split: [1, 0, 0] })).rejects.toThrow(
      /dialogues\.jsonl: file not found/,
    );
  });
});
