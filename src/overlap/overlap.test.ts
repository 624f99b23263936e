import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { ToolSpec } from "../core/index.js";
import type { DenseVectors, FieldEmbedder, FieldInput } from "../graph/index.js";
import { exportDataset } from "../export/index.js";
import { EXPORT_FORMATS } from "../data/index.js";
import { tempDirForFile } from "../../test/support/tmp.js";
import { EXAMPLE_TOOLS, exampleDialogueRecord } from "../../test/support/example-dialogue.js";
import { computeOverlap, loadOverlapTools, nearestAbove, toolTokens } from "./index.js";

const tempDir = tempDirForFile("toolflow-overlap-");
const source = { file: "test", pointer: "", format: "toolspec" } as const;

/** A tool without parameters: its tokens are `description <words> name <name> parameters type object`. */
function tool(name: string, description: string): ToolSpec {
  return { name, description, parameters: { type: "object" }, source };
}
const W = "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo".split(" "); // 11 words
const filler = (k: number) => Array.from({ length: k }, (_, i) => `f${i}`).join(" ");

/** Dense 3-d vectors chosen by tool name (default: orthogonal to EVAL's `e`), so similarities are set by hand. */
function fakeEmbedder(byName: Record<string, number[]>): FieldEmbedder {
  return {
    id: "fake",
    defaultThreshold: 0.9,
    describe: () => ({}),
    embed: async (fields: readonly FieldInput[]): Promise<DenseVectors> => {
      const data = new Float32Array(fields.length * 3);
      fields.forEach((f, i) => data.set(byName[f.name] ?? [0, 0, 1], i * 3));
      return { kind: "dense", count: fields.length, dim: 3, data };
    },
  };
}
const E = fakeEmbedder({ e: [1, 0, 0] });

describe("tokens of a tool's JSON", () => {
  it("are the words of its canonical JSON {description, name, parameters}, keys sorted, lower-cased, no punctuation", () => {
    const t: ToolSpec = {
      name: "get_weather",
      description: "Get the weather.",
      parameters: { type: "object", required: ["city"], properties: { city: { type: "string", description: "City name" } } },
      source,
    };
    expect(toolTokens(t)).toEqual(
      "description get the weather name get weather parameters properties city description city name type string required city type object".split(" "),
    );
    expect(toolTokens(tool("a", "x y"))).toEqual(["description", "x", "y", "name", "a", "parameters", "type", "object"]);
  });
});

describe("computeOverlap: the n-gram rule", () => {
  // EVAL: description alpha..kilo name e parameters type object (16 tokens).
  // TRAIN tools put `zz` before the 11 words and filler after, so exactly the 11 words are shared:
  // tokens = description zz W(11) filler(k) name <n> parameters type object = 18 + k.
  const evalSet = [tool("e", W.join(" "))];

  it("leaks a tool just above 10 % (11 of 109 tokens) and keeps one at exactly 10 % (11 of 110)", async () => {
    const above = tool("above", `zz ${W.join(" ")} ${filler(91)}`);
    const at = tool("at", `zz ${W.join(" ")} ${filler(92)}`);
    expect(toolTokens(above)).toHaveLength(109);
    expect(toolTokens(at)).toHaveLength(110);
    const r = await computeOverlap([above, at], evalSet, { embedder: E });
    expect(r).toMatchObject({ trainTools: 2, leakedTools: 1, share: 0.5, byRule: { ngram: 1, embedding: 0, both: 0 } });
    expect(r.leaked).toEqual([
      { tool: "above", nearest: "e", reason: { rule: "ngram", coverage: 0.100917, coveredTokens: 11, tokens: 109, similarity: 0 } },
    ]);
    expect(r.kept.map((t) => t.name)).toEqual(["at"]);
  });

  it("counts runs of 11 shared tokens, not of 10", async () => {
    const eleven = tool("eleven", `zz ${W.join(" ")} yy`); // 19 tokens, 11 covered
    const ten = tool("ten", `zz ${W.slice(0, 10).join(" ")} yy`); // 19 tokens, none covered
    const split = tool("split", `${W.slice(0, 6).join(" ")} zz ${W.slice(6).join(" ")}`); // two runs of 6 and 5
    const r = await computeOverlap([eleven, ten, split], evalSet, { embedder: E });
    expect(r.leaked.map((l) => [l.tool, l.reason.coveredTokens, l.reason.tokens])).toEqual([["eleven", 11, 19]]);
    // the run may start at the key: "description alpha..juliet" is an 11-gram of EVAL too
    const keyRun = tool("keyrun", `${W.slice(0, 10).join(" ")} yy`);
    const r2 = await computeOverlap([keyRun], evalSet, { embedder: E });
    expect(r2.leaked[0]?.reason).toMatchObject({ coveredTokens: 11, tokens: 17 });
  });

  it("covers overlapping shared runs once and names the EVAL tool holding most of them", async () => {
    const evalTwo = [tool("e", W.join(" ")), tool("e2", `${W.slice(0, 11).join(" ")} lima mike november`)];
    // 14 shared words (alpha..kilo lima mike november) after zz: all in e2, 11 of them in e
    const t = tool("t", `zz ${W.join(" ")} lima mike november zz`);
    const r = await computeOverlap([t], evalTwo, { embedder: E });
    expect(r.leaked[0]).toMatchObject({ tool: "t", nearest: "e2", reason: { coveredTokens: 14, tokens: 22 } });
  });

  it("honours --ngram and --max-coverage", async () => {
    const ten = tool("ten", `zz ${W.slice(0, 10).join(" ")} yy`);
    expect((await computeOverlap([ten], [tool("e", W.join(" "))], { embedder: E, ngram: 10 })).leakedTools).toBe(1);
    const eleven = tool("eleven", `zz ${W.join(" ")} yy`); // 11/19 = 57.9 %
    expect((await computeOverlap([eleven], [tool("e", W.join(" "))], { embedder: E, maxCoverage: 0.58 })).leakedTools).toBe(0);
    expect((await computeOverlap([eleven], [tool("e", W.join(" "))], { embedder: E, maxCoverage: 0.57 })).leakedTools).toBe(1);
  });
});

describe("computeOverlap: the similarity rule", () => {
  const sin = (c: number) => Math.sqrt(1 - c * c);
  const emb = fakeEmbedder({ e: [1, 0, 0], near: [0.91, sin(0.91), 0], far: [0.89, 0, sin(0.89)], other: [0, 1, 0] });
  const evalSet = [tool("e", "one"), tool("other", "two")];
  const train = [tool("near", "x"), tool("far", "y")];

  for (const exact of [false, true]) {
    it(`leaks a tool at similarity 0.91 and keeps one at 0.89 (${exact ? "exact" : "LSH"})`, async () => {
      const r = await computeOverlap(train, evalSet, { embedder: emb, exact });
      expect(r.leaked).toHaveLength(1);
      expect(r.leaked[0]).toMatchObject({ tool: "near", nearest: "e", reason: { rule: "embedding", coverage: 0 } });
      expect(r.leaked[0]!.reason.similarity).toBeCloseTo(0.91, 5);
      expect(r.byRule).toEqual({ ngram: 0, embedding: 1, both: 0 });
      const lower = await computeOverlap(train, evalSet, { embedder: emb, exact, maxSimilarity: 0.85 });
      expect(lower.leaked.map((l) => l.tool)).toEqual(["near", "far"]);
    });
  }

  it("finds the same nearest tools with the index as with every pair (lexical, sparse; random dense)", async () => {
    const { tools } = await loadOverlapTools(join(import.meta.dirname, "../../examples/travel.openai.json"));
    const mixed = tools.map((t, i) => (i % 2 ? { ...t, name: `${t.name}_x` } : t));
    const a = await computeOverlap(mixed, tools, { maxSimilarity: 0.5 });
    const b = await computeOverlap(mixed, tools, { maxSimilarity: 0.5, exact: true });
    expect(a.leaked).toEqual(b.leaked);
    // dense: LSH finds each query's nearest above the threshold (here every query has one at 0.95)
    const dim = 32;
    const rnd = (seed: number) => {
      let s = seed;
      return () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
    };
    const r = rnd(7);
    const count = 400;
    const data = new Float32Array(count * 2 * dim);
    for (let i = 0; i < count; i++) {
      let n1 = 0;
      const base = Array.from({ length: dim }, () => r());
      base.forEach((x) => (n1 += x * x));
      const noise = Array.from({ length: dim }, () => r());
      // target i = base, query i = 0.95 base + sqrt(1-0.95^2) (noise orthogonalized)
      const u = base.map((x) => x / Math.sqrt(n1));
      const d = noise.reduce((s, x, k) => s + x * u[k]!, 0);
      const w = noise.map((x, k) => x - d * u[k]!);
      const nw = Math.sqrt(w.reduce((s, x) => s + x * x, 0));
      data.set(u, i * dim);
      data.set(u.map((x, k) => 0.95 * x + sin(0.95) * (w[k]! / nw)), (count + i) * dim);
    }
    const vectors: DenseVectors = { kind: "dense", count: count * 2, dim, data };
    const targets = Array.from({ length: count }, (_, i) => i);
    const queries = targets.map((i) => count + i);
    const found = nearestAbove(vectors, queries, targets, { threshold: 0.9 });
    const hits = found.filter((f, i) => f.target === i).length;
    expect(hits / count).toBeGreaterThanOrEqual(0.97);
    expect(found.every((f) => f.target < 0 || f.similarity >= 0.9)).toBe(true);
  });
});

describe("loadOverlapTools", () => {
  it("reads tool files, runs (folder or dialogues.jsonl) and exported datasets, merging repeated tools", async () => {
    const run = join(tempDir(), "run");
    await mkdir(run, { recursive: true });
    const r1 = exampleDialogueRecord();
    const r2 = { ...exampleDialogueRecord(), id: "second", sampleId: "s2" };
    await writeFile(join(run, "dialogues.jsonl"), [r1, r2].map((r) => JSON.stringify(r)).join("\n") + "\n");
    const names = r1.tools.map((t) => t.name);
    const fromRun = await loadOverlapTools(run);
    expect(fromRun).toMatchObject({ kind: "run", read: 2 * names.length });
    expect(fromRun.tools.map((t) => t.name)).toEqual(names);
    expect((await loadOverlapTools(join(run, "dialogues.jsonl"))).tools.map((t) => t.name)).toEqual(names);

    const out = join(tempDir(), "dataset");
    await exportDataset({ dir: run, out, formats: ["openai", "xlam"], split: [1, 0, 0], version: "0" });
    for (const p of [out, join(out, "openai"), join(out, "openai", "train.jsonl")]) {
      const ds = await loadOverlapTools(p);
      expect(ds.kind, p).toBe("dataset");
      expect(ds.tools.map((t) => t.name)).toEqual(names);
      expect(ds.tools.map((t) => toolTokens(t))).toEqual(EXAMPLE_TOOLS.filter((t) => names.includes(t.name)).map((t) => toolTokens(t)));
    }
    const file = await loadOverlapTools(join(import.meta.dirname, "../../examples/weather.bfcl.jsonl"));
    expect(file.kind).toBe("tools");
    expect(file.tools.length).toBe(4);
  });

  it("reads every export format through the data layer: the same tools and the same overlap figures as the OpenAI rows", async () => {
    const run = join(tempDir(), "run-all");
    await mkdir(run, { recursive: true });
    const records = [exampleDialogueRecord(), { ...exampleDialogueRecord(), id: "second", sampleId: "s2" }];
    await writeFile(join(run, "dialogues.jsonl"), records.map((r) => JSON.stringify(r)).join("\n") + "\n");
    const out = join(tempDir(), "dataset-all");
    await exportDataset({ dir: run, out, formats: [...EXPORT_FORMATS], split: [1, 0, 0], version: "0" });
    // EVAL: one of the run's tools as it is, and an unrelated one
    const names = records[0]!.tools.map((t) => t.name);
    const evalSide = [EXAMPLE_TOOLS.find((t) => t.name === names[0])!, tool("e", W.join(" "))];
    const fromRun = await loadOverlapTools(run);
    // the lexical embedder (the CLI's default): a tool's similarity to itself passes, unrelated ones do not
    const want = await computeOverlap(fromRun.tools, evalSide);
    expect(want.leaked.map((l) => [l.tool, l.nearest])).toEqual([[names[0], names[0]]]);
    const { kept: _w, ...expected } = want;
    for (const fmt of EXPORT_FORMATS) {
      for (const p of [join(out, fmt), join(out, fmt, "train.jsonl")]) {
        const ds = await loadOverlapTools(p);
        expect([ds.kind, ds.format], p).toEqual(["dataset", fmt]);
        const { kept: _k, ...got } = await computeOverlap(ds.tools, evalSide);
        if (fmt === "xlam") {
          // APIGen's flat parameters hold no enum, format or bound: the same tools and parameters, the same leak
          expect(ds.tools.map((t) => [t.name, Object.keys((t.parameters as { properties: object }).properties)]), p).toEqual(
            fromRun.tools.map((t) => [t.name, Object.keys((t.parameters as { properties: object }).properties)]),
          );
          expect(got.leaked.map((l) => [l.tool, l.nearest, l.reason.rule]), p).toEqual(expected.leaked.map((l) => [l.tool, l.nearest, l.reason.rule]));
          continue;
        }
        expect(ds.read, p).toBe(2 * names.length);
        expect(ds.tools.map((t) => toolTokens(t)), p).toEqual(fromRun.tools.map((t) => toolTokens(t)));
        expect(got, p).toEqual(expected);
      }
    }
  });

  it("names the file (and line) of what it cannot read", async () => {
    await expect(loadOverlapTools(join(tempDir(), "missing.json"))).rejects.toThrow(/missing\.json: file not found/);
    const empty = join(tempDir(), "empty");
    await mkdir(empty, { recursive: true });
    await expect(loadOverlapTools(empty)).rejects.toThrow(/empty: a folder that is neither a toolflow run/);
    const bad = join(tempDir(), "bad.jsonl");
    const row = { messages: [{ role: "user", content: "hi" }], tools: [] };
    await writeFile(bad, JSON.stringify(row) + "\n" + JSON.stringify({ ...row, tools: 3 }) + "\n");
    await expect(loadOverlapTools(bad)).rejects.toThrow(/bad\.jsonl line 2 at \/tools: not a valid openai row/);
  });
});
