import { readFile, utimes } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ToolGraphJsonZ } from "../../core/index.js";
import { writeToolsJsonl } from "../../tools/index.js";
import { cliInProcess } from "../../../test/support/cli.js";
import { writeTinyLlamaGguf } from "../../../test/support/gguf.js";
import { tool } from "../../../test/support/graph.js";
import { TINY_MODEL_CPU, tempDirForFile } from "../../../test/support/tmp.js";
import { buildToolGraph } from "../builder.js";
import { createEmbedder, LLAMA_DEFAULT_THRESHOLD, LlamaEmbedder } from "./index.js";
import type { FieldInput } from "./types.js";

const dir = tempDirForFile("toolflow-llama-embedder-");
const CPU = { gpu: TINY_MODEL_CPU.gpu, threads: TINY_MODEL_CPU.threads, contextSize: TINY_MODEL_CPU.contextSize };
const noBackend = () => Promise.reject(new Error("the model must not be loaded"));

const FIELDS: FieldInput[] = [
  { name: "city", description: "name of the city" },
  { name: "temperature", description: "degrees celsius" },
  { name: "city", description: "name of the city", context: "weather" }, // same paper text as the first
];

let model: string;
beforeAll(async () => {
  model = await writeTinyLlamaGguf(join(dir(), "tiny.gguf"), { seed: 11 });
});

describe("llama embedder", () => {
  it("is made by createEmbedder from llama:<file>, with the paper's uncalibrated default threshold", async () => {
    const e = createEmbedder(`llama:${model}`, { llama: { llama: CPU } });
    expect(e).toBeInstanceOf(LlamaEmbedder);
    expect(e.id).toBe(`llama:${model}`);
    expect(e.defaultThreshold).toBe(LLAMA_DEFAULT_THRESHOLD);
    expect(e.describe()).toMatchObject({ model: `llama:${model}`, thresholdCalibrated: false });
    expect(createEmbedder(`llama:${model}`, { llama: { defaultThreshold: 0.7 } }).defaultThreshold).toBe(0.7);
    expect(() => createEmbedder("llama")).toThrow(/needs a model: --embedder llama:\/path\/to\/model.gguf/);
    expect(() => createEmbedder("llama:hf:nope")).toThrow(/bad Hugging Face model/);
    expect(() => createEmbedder("bert")).toThrow(/expected lexical, openai or llama:<file.gguf/);
    await e.close?.();
  });

  it("embeds the paper's text of each field as unit vectors, deterministically, a repeated text once", async () => {
    const e = new LlamaEmbedder({ model: `llama:${model}`, llama: CPU });
    try {
      const v = await e.embed(FIELDS);
      expect(v.kind).toBe("dense");
      expect(v).toMatchObject({ count: 3, dim: 64 });
      for (let i = 0; i < 3; i++) {
        const row = v.data.subarray(i * 64, (i + 1) * 64);
        expect(Math.hypot(...row)).toBeCloseTo(1, 5);
      }
      expect([...v.data.subarray(128, 192)]).toEqual([...v.data.subarray(0, 64)]);
      expect(e.embedded).toBe(2);
      const again = await e.embed(FIELDS.slice(0, 2));
      for (let k = 0; k < 128; k++) expect(again.data[k]).toBeCloseTo(v.data[k] as number, 5);
      expect(e.describe()).toMatchObject({ dimensions: 64 });
    } finally {
      await e.close();
    }
  });

  it("caches vectors on disk: a second embedder loads no model; a changed file is embedded again", async () => {
    const cacheDir = join(dir(), "cache");
    const first = new LlamaEmbedder({ model: `llama:${model}`, llama: CPU, cacheDir });
    const v1 = await first.embed(FIELDS);
    await first.close();
    const second = new LlamaEmbedder({ model: `llama:${model}`, llama: CPU, cacheDir, load: noBackend });
    const v2 = await second.embed(FIELDS);
    expect(second.cacheHits).toBe(2);
    expect(second.embedded).toBe(0);
    expect([...v2.data]).toEqual([...v1.data]);
    await second.close();
    // a new modification time: the cached vectors are not the file's any more
    const later = new Date(Date.now() + 5000);
    await utimes(model, later, later);
    const third = new LlamaEmbedder({ model: `llama:${model}`, llama: CPU, cacheDir, load: noBackend });
    await expect(third.embed(FIELDS)).rejects.toThrow(/the model must not be loaded/);
    await third.close();
  });

  it("names a missing model file (with and without a cache)", async () => {
    const missing = join(dir(), "missing.gguf");
    for (const cacheDir of [null, join(dir(), "cache2")]) {
      const e = new LlamaEmbedder({ model: `llama:${missing}`, llama: CPU, cacheDir });
      await expect(e.embed(FIELDS)).rejects.toThrow(`model file not found: ${missing}`);
      await e.close();
    }
  });

  it("builds a tool graph", async () => {
    const e = new LlamaEmbedder({ model: `llama:${model}`, llama: CPU });
    try {
      const tools = [tool("get_weather", [["city", "name of the city"]], [["temperature", "degrees"]]), tool("find_hotel", [["city", "name of the city"]])];
      const g = await buildToolGraph(tools, { embedder: e, threshold: 0.99 });
      expect(g.order).toBe(2);
      expect(g.meta).toMatchObject({ embedder: `llama:${model}`, threshold: 0.99 });
      expect(g.size).toBeGreaterThan(0); // the same "city: name of the city" field: similarity 1
    } finally {
      await e.close();
    }
  });
});

describe("toolflow graph build --embedder llama:<file.gguf>", () => {
  beforeAll(() => {
    vi.stubEnv("TOOLFLOW_LLAMA_THREADS", "1");
    vi.stubEnv("TOOLFLOW_LLAMA_GPU", "false");
  });
  afterAll(() => {
    vi.unstubAllEnvs();
  });

  it("builds a graph end to end, caching the vectors", async () => {
    const tools = join(dir(), "tools.jsonl");
    await writeToolsJsonl(tools, [
      tool("get_weather", [["city", "name of the city"]], [["temperature", "degrees celsius"]]),
      tool("find_hotel", [["city", "name of the city"], ["nights", "number of nights"]]),
      tool("convert", [["celsius", "degrees celsius"]]),
    ]);
    const out = join(dir(), "graph.json");
    const cacheDir = join(dir(), "cli-cache");
    const args = ["graph", "build", tools, "-o", out, "--embedder", `llama:${model}`, "--cache-dir", cacheDir];
    const r = await cliInProcess(args);
    expect(r.stderr).toMatch(new RegExp(`3 tools, \\d+ P-P \\+ \\d+ P-R edges \\(llama:${model.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}, threshold 0.82\\)`));
    expect(r.stderr).toMatch(/not calibrated/);
    expect(r.code).toBe(0);
    const g = ToolGraphJsonZ.parse(JSON.parse(await readFile(out, "utf8")));
    expect(g.nodes).toHaveLength(3);
    expect(g.meta).toMatchObject({ embedder: `llama:${model}`, embedderOptions: { model: `llama:${model}`, dimensions: 64 } });
    expect(g.edges.some((e) => e.source === "find_hotel" || e.target === "find_hotel")).toBe(true); // identical "city" fields
    const again = await cliInProcess([...args, "-q", "--threshold", "0.99"]);
    expect(again.code).toBe(0);
    const bad = await cliInProcess(["graph", "build", tools, "--embedder", `llama:${join(dir(), "nope.gguf")}`, "--no-cache"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`model file not found: ${join(dir(), "nope.gguf")}`);
  }, 60_000);
});
