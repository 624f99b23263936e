import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeTinyLlamaGguf } from "../../../test/support/gguf.js";
import { TINY_MODEL_CPU, tempDirForFile } from "../../../test/support/tmp.js";
import { ModelAbortError, ModelConfigError } from "../errors.js";
import { openLlamaEmbeddingModel } from "../llama-loader.js";
import { createLlamaEmbeddingModel, normalizeVector, type LlamaEmbeddingModel } from "./embedding.js";
import { llamaResourceStats } from "./engine.js";

const dir = tempDirForFile("toolflow-llama-embed-");
const CPU = TINY_MODEL_CPU;

const norm = (v: readonly number[]): number => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
const dot = (a: readonly number[], b: readonly number[]): number => a.reduce((s, x, i) => s + x * (b[i] as number), 0);

describe("normalizeVector", () => {
  it("scales to unit length and leaves a zero vector alone", () => {
    expect(normalizeVector([3, 4])).toEqual([0.6, 0.8]);
    expect(normalizeVector([0, 0])).toEqual([0, 0]);
  });
});

describe("llama embedding model on the tiny GGUF", () => {
  let path: string;
  let model: LlamaEmbeddingModel;

  beforeAll(async () => {
    path = await writeTinyLlamaGguf(join(dir(), "tiny.gguf"), { seed: 7 });
    model = await openLlamaEmbeddingModel(`llama:${path}`, CPU);
  }, 60_000);

  afterAll(async () => {
    await model?.close();
  });

  it("returns one unit vector of the model's width per text, in order", async () => {
    const texts = ["get_weather: the weather of a city", "city: a city name", "x"];
    const vs = await model.embed(texts);
    expect(model.id).toBe(`llama:${path}`);
    expect(model.dimensions).toBe(64);
    expect(vs).toHaveLength(3);
    for (const v of vs) {
      expect(v).toHaveLength(64);
      expect(norm(v)).toBeCloseTo(1, 5);
    }
    // different texts, different vectors
    expect(dot(vs[0] as number[], vs[1] as number[])).toBeLessThan(0.9999);
  });

  it("is deterministic, embeds a repeated text once, and batches give the vectors of single calls", async () => {
    const before = model.embedded;
    const [a, b, a2] = await model.embed(["alpha beta", "gamma", "alpha beta"]);
    expect(model.embedded - before).toBe(2);
    expect(a2).toEqual(a);
    const [single] = await model.embed(["gamma"]);
    for (let k = 0; k < 64; k++) expect(single?.[k]).toBeCloseTo(b?.[k] as number, 4);
    const again = await model.embed(["alpha beta"]);
    for (let k = 0; k < 64; k++) expect(again[0]?.[k]).toBeCloseTo(a?.[k] as number, 4);
  });

  it("gives an empty text a zero vector, cuts a text longer than the context, and reports progress", async () => {
    const seen: number[] = [];
    const [empty, long] = await model.embed(["", "word ".repeat(2000)], { onProgress: (p) => seen.push(p.done) });
    expect(empty).toEqual(new Array(64).fill(0));
    expect(norm(long as number[])).toBeCloseTo(1, 5);
    expect(seen).toEqual([1, 2]);
  });

  it("shares the loaded model, stops on abort, and releases everything on the last close", async () => {
    const second = await createLlamaEmbeddingModel(path, CPU);
    expect(llamaResourceStats().models.find((m) => m.path === path)?.users).toBe(1); // one embedding engine
    const ctl = new AbortController();
    ctl.abort();
    await expect(second.embed(["a"], { signal: ctl.signal })).rejects.toThrow(ModelAbortError);
    const raw = await createLlamaEmbeddingModel(path, { ...CPU, normalize: false });
    const [v] = await raw.embed(["a raw vector"]);
    expect(norm(v as number[])).not.toBeCloseTo(1, 3);
    await raw.close();
    await second.close();
    await second.close(); // idempotent
    expect(llamaResourceStats().models.some((m) => m.path === path)).toBe(true); // `model` still holds it
    await expect(second.embed(["a"])).rejects.toThrow(/closed/);
  });
});

describe("errors", () => {
  it("names a missing model file", async () => {
    const missing = join(dir(), "missing.gguf");
    await expect(openLlamaEmbeddingModel(`llama:${missing}`, CPU)).rejects.toThrow(ModelConfigError);
    await expect(openLlamaEmbeddingModel(`llama:${missing}`, CPU)).rejects.toThrow(`model file not found: ${missing}`);
  });

  it("names a file that is not GGUF and holds nothing afterwards", async () => {
    const garbage = join(dir(), "garbage.gguf");
    await writeFile(garbage, Buffer.alloc(4096, 7));
    await expect(openLlamaEmbeddingModel(`llama:${garbage}`, CPU)).rejects.toThrow(`cannot load the model file ${garbage}`);
    expect(llamaResourceStats().models.map((m) => m.path)).not.toContain(garbage);
    expect(llamaResourceStats().embeddingEngines).toBe(0);
  });

  it("says how to install node-llama-cpp when the backend cannot load", async () => {
    const load = () => Promise.reject(Object.assign(new Error("Cannot find package 'node-llama-cpp'"), { code: "ERR_MODULE_NOT_FOUND" }));
    await expect(openLlamaEmbeddingModel("llama:/x.gguf", {}, load)).rejects.toThrow(/npm i -E node-llama-cpp@3.21.1/);
  });
});
