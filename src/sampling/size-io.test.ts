import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InputError, UsageError } from "../core/index.js";
import { readSamplesJsonl, sampleTools, writeSamplesJsonl } from "./index.js";
import { parseSizeRange } from "../core/index.js";
import { makeGraph } from "../../test/support/sampling.js";

describe("parseSizeRange", () => {
  it("reads a number or a range", () => {
    expect(parseSizeRange("3")).toEqual({ min: 3, max: 3 });
    expect(parseSizeRange("2-5")).toEqual({ min: 2, max: 5 });
    expect(parseSizeRange(" 2 - 5 ")).toEqual({ min: 2, max: 5 });
  });

  it.each([
    ["", /number or a range/],
    ["a-b", /number or a range/],
    ["2-", /number or a range/],
    ["2..5", /number or a range/],
    ["-3", /number or a range/],
    ["0-2", /at least 1/],
    ["5-2", /reversed/],
    ["2-500", /at most/],
  ])("rejects %j with a UsageError naming the option", (text, why) => {
    expect(() => parseSizeRange(text)).toThrow(UsageError);
    expect(() => parseSizeRange(text)).toThrow(why);
    expect(() => parseSizeRange(text)).toThrow(/--size/);
  });
});

describe("samples.jsonl", () => {
  let dir = "";
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "toolflow-sampling-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("round-trips samples", async () => {
    const g = makeGraph(["a", "b", "c"], [["a", "b", "P-R"], ["b", "c"]]);
    const samples = sampleTools(g, { strategy: "walk", count: 12, size: { min: 2, max: 4 }, seed: 1 });
    const path = join(dir, "s.jsonl");
    await writeSamplesJsonl(path, samples);
    expect((await readFile(path, "utf8")).trim().split("\n")).toHaveLength(12);
    expect(await readSamplesJsonl(path)).toEqual(samples);
  });

  it("names the file, line and field of a bad sample", async () => {
    const path = join(dir, "bad.jsonl");
    const ok = { id: "s0", tools: ["a"], edges: [], strategy: "walk", seed: 1, requestedSize: 1 };
    await writeFile(path, JSON.stringify(ok) + "\n\n" + JSON.stringify({ ...ok, id: "s1", tools: [] }) + "\n");
    const err = await readSamplesJsonl(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toMatch(/bad\.jsonl line 3 at \/tools/);
    expect((err as InputError).exitCode).toBe(2);
  });

  it("rejects repeated ids, repeated tools, broken JSON and a missing file", async () => {
    const ok = { id: "s0", tools: ["a", "b"], edges: [], strategy: "random", seed: 1, requestedSize: 2 };
    const dup = join(dir, "dup.jsonl");
    await writeFile(dup, JSON.stringify(ok) + "\n" + JSON.stringify(ok) + "\n");
    await expect(readSamplesJsonl(dup)).rejects.toThrow(/line 2 at \/id: sample id "s0" repeats the one on line 1/);
    const twice = join(dir, "twice.jsonl");
    await writeFile(twice, JSON.stringify({ ...ok, tools: ["a", "a"] }) + "\n");
    await expect(readSamplesJsonl(twice)).rejects.toThrow(/lists tool "a" twice/);
    const broken = join(dir, "broken.jsonl");
    await writeFile(broken, JSON.stringify(ok) + "\n{\"id\":\n");
    await expect(readSamplesJsonl(broken)).rejects.toThrow(/broken\.jsonl line 2/);
    await expect(readSamplesJsonl(join(dir, "none.jsonl"))).rejects.toThrow(InputError);
  });
});
