/**
 * Bad input through the CLI (issue 21 items 3, 4, 6, 7 and the errors item): each reader refuses a spoiled file
 * with exit 2 naming it, an existing output is never changed by a failure, tools.jsonl is held to what
 * `tools import` makes, stale temporary files are cleaned, sample streams, and no stack trace is printed. Plus a
 * seeded property test: random bytes, cuts and JSON fed to each reader.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { Rng } from "../core/index.js";
import { cliInProcess } from "../../test/support/cli.js";
import { layCase, makeGoodInputs, READERS, snapshot, type GoodInputs } from "../../test/support/bad-input.js";

let root: string;
let good: GoodInputs;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "toolflow-bad-input-"));
  good = await makeGoodInputs(join(root, "good"), 2);
}, 60_000);

afterEach(() => {
  delete process.env.TOOLFLOW_DEBUG;
});

function toolLine(name: string, parameters: string = '{"type":"object","properties":{}}'): string {
  return `{"name":${JSON.stringify(name)},"description":"d","parameters":${parameters},"source":{"file":"x","pointer":"","format":"openai"}}\n`;
}

describe("tools.jsonl is read as `tools import` writes it", () => {
  it("graph build and synth refuse names with spaces, emoji, HTML or 300 characters and a 10,000-deep schema", async () => {
    const deep = '{"type":"object","properties":{"a":'.repeat(10_000) + '{"type":"string"}' + "}}".repeat(10_000);
    const cases: Array<[string, string, RegExp]> = [
      ["space", toolLine("get weather"), /tool name "get weather" is not valid/],
      ["emoji", toolLine("get_😀"), /tool name "get_😀" is not valid/],
      ["html", toolLine("<img src=x onerror=alert(1)>"), /is not valid/],
      ["long", toolLine("a".repeat(300)), /\(300 characters\) is not valid/],
      ["bad type", toolLine("t", '{"type":"object","properties":{"a":{"type":"strnig"}}}'), /tool "t": parameters is not a valid JSON Schema/],
      ["deep", toolLine("deep", `{"type":"object","properties":{"x":${deep}}}`), /tool "deep": parameters schema is nested more than 256 levels deep/],
    ];
    for (const [label, text, message] of cases) {
      const file = join(root, `tools-${label}.jsonl`);
      writeFileSync(file, text);
      const g = await cliInProcess(["graph", "build", file, "-q"]);
      expect(g.code, label).toBe(2);
      expect(g.stderr).toMatch(message);
      expect(g.stderr).toContain(file);
      const out = join(root, `synth-${label}`);
      const s = await cliInProcess(["synth", "--tools", file, "--count", "1", "--llm", "sim", "--out", out]);
      expect(s.code, label).toBe(2);
      expect(s.stderr).toMatch(message);
      expect(existsSync(out), "no --out is made for bad input").toBe(false);
    }
  });

  it("verify fails a dialogue whose tool name breaks the export formats' rule", async () => {
    const run = join(root, "run-badname");
    mkdirSync(run);
    const lines = readFileSync(join(good.run, "dialogues.jsonl"), "utf8").trimEnd().split("\n");
    const r0 = JSON.parse(lines[0]!) as { tools: Array<{ name: string }> };
    r0.tools[0]!.name = "bad name <b>";
    writeFileSync(join(run, "dialogues.jsonl"), [JSON.stringify(r0), ...lines.slice(1)].join("\n") + "\n");
    const v = await cliInProcess(["verify", run, "--json", "--no-dedup"]);
    expect(v.code).toBe(0);
    const report = JSON.parse(v.stdout) as { byCheck: Record<string, number> };
    expect(report.byCheck["tool-name"]).toBe(1);
  });
});

describe("empty input and kept outputs", () => {
  it("sample stats and stats refuse an empty file; eval bfcl --check keeps a good checked file", async () => {
    const empty = join(root, "empty.jsonl");
    writeFileSync(empty, "");
    for (const args of [["sample", "stats", empty], ["stats", empty]]) {
      const r = await cliInProcess(args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr).toContain(empty);
    }
    if (good.answers === undefined) return;
    const checked = join(root, "checked.jsonl");
    expect((await cliInProcess(["eval", "bfcl", "--check", good.answers, "--data", good.bfcl!, "-o", checked])).code).toBe(0);
    const before = readFileSync(checked, "utf8");
    const r = await cliInProcess(["eval", "bfcl", "--check", empty, "--data", good.bfcl!, "-o", checked]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no answers in file/);
    expect(readFileSync(checked, "utf8")).toBe(before);
  });
});

describe("leftovers and streaming", () => {
  it("export cleans the temporary folders a killed export left; sample streams through a temporary file", async () => {
    const out = join(root, "dataset");
    const stale = join(root, ".dataset.tmp-4195303-abc");
    mkdirSync(join(stale, "openai"), { recursive: true });
    writeFileSync(join(stale, "openai", "train.jsonl"), "half\n");
    const e = await cliInProcess(["export", good.run, "-o", out, "-f", "openai"]);
    expect(e.code).toBe(0);
    expect(existsSync(stale)).toBe(false);

    const samples = join(root, "streamed.jsonl");
    const s = await cliInProcess(["sample", good.graph, "-n", "3000", "-o", samples, "-q", "--seed", "3"]);
    expect(s.code).toBe(0);
    const lines = readFileSync(samples, "utf8").trimEnd().split("\n");
    expect(lines).toHaveLength(3000);
    expect(new Set(lines.map((l) => (JSON.parse(l) as { id: string }).id)).size).toBe(3000);
    expect(readdirSync(root).filter((f) => f.startsWith("streamed.jsonl."))).toEqual([]);
    const stdout = await cliInProcess(["sample", good.graph, "-n", "3000", "-q", "--seed", "3"]);
    expect(stdout.stdout).toBe(readFileSync(samples, "utf8"));
  });
});

describe("the top-level handler", () => {
  it("prints one line without a stack, and the stack only with TOOLFLOW_DEBUG=1", async () => {
    const boom = () => {
      throw new TypeError("something broke");
    };
    for (const debug of [false, true]) {
      if (debug) process.env.TOOLFLOW_DEBUG = "1";
      const spy = vi.spyOn(JSON, "stringify").mockImplementationOnce(boom);
      const r = await cliInProcess(["sample", good.graph, "-n", "1", "-q"]);
      spy.mockRestore();
      expect(r.code).toBe(1);
      expect(r.stderr.split("\n").filter((l) => l.startsWith("toolflow: ") && !l.startsWith("toolflow sample"))[0]).toBe("toolflow: unexpected error: TypeError: something broke");
      expect(/\n\s+at /.test(r.stderr)).toBe(debug);
    }
    // a file-system error no command turned into a message: one line naming the path, exit 1
    const enospc = Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC", syscall: "write", path: "/dev/stdout" });
    const spy = vi.spyOn(JSON, "stringify").mockImplementationOnce(() => {
      throw enospc;
    });
    const r = await cliInProcess(["sample", good.graph, "-n", "1", "-q"]);
    spy.mockRestore();
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("\ntoolflow: error: /dev/stdout: no space left on the device (ENOSPC in write)\n");
  });
});

describe("property: random bad input to every reader", () => {
  it("exits 0 or 2, never prints a stack, never changes an existing output on failure", async () => {
    const rng = new Rng(20_211);
    const readers = READERS.filter((r) => !(r.input === "answers" && good.answers === undefined));
    const randomJson = (depth: number): unknown => {
      const k = rng.int(0, depth > 3 ? 3 : 6);
      if (k === 0) return rng.int(-5, 5);
      if (k === 1) return rng.next() < 0.5 ? "x\u0000y" : "<b>é</b>";
      if (k === 2) return null;
      if (k === 3) return rng.next() < 0.5;
      if (k === 4) return Array.from({ length: rng.int(0, 3) }, () => randomJson(depth + 1));
      return Object.fromEntries(Array.from({ length: rng.int(0, 3) }, (_, i) => [["name", "id", "tools", "nodes", "messages"][i + rng.int(0, 2)]!, randomJson(depth + 1)]));
    };
    const started = Date.now();
    for (let n = 0; n < 50; n++) {
      const reader = readers[n % readers.length]!;
      const mode = rng.int(0, 2);
      const { input, out } = layCase(reader, good, join(root, `prop-${n}`), (path, goodBytes) => {
        if (mode === 0) writeFileSync(path, Buffer.from(Array.from({ length: rng.int(1, 200) }, () => rng.int(0, 255))));
        else if (mode === 1) writeFileSync(path, goodBytes.subarray(0, rng.int(1, goodBytes.length - 1)));
        else writeFileSync(path, Array.from({ length: rng.int(1, 3) }, () => JSON.stringify(randomJson(0))).join("\n") + "\n");
      });
      const outs = reader.outputs?.(out) ?? [];
      const before = outs.map(snapshot);
      const r = await cliInProcess(reader.args(input, good, out));
      const what = `case ${n}: ${reader.label}, mode ${mode}: ${r.stderr.slice(0, 300)}`;
      expect([0, 2], what).toContain(r.code);
      expect(/\n\s+at /.test(r.stderr), what).toBe(false);
      expect(r.stderr, what).not.toMatch(/unexpected error/);
      if (r.code !== 0) outs.forEach((o, i) => expect(snapshot(o), what).toBe(before[i]));
    }
    expect(Date.now() - started).toBeLessThan(60_000);
  }, 90_000);
});
