import { calcPrice } from "@pydantic/genai-prices";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadRunPrices, packageLookup, pricePackageVersion, resolvePrices } from "./prices.js";
import { costFor, UsageCounter } from "./usage.js";

/** The package's own numbers for a model (so the test reads the package, not numbers copied into it). */
function pkg(model: string, options: Parameters<typeof calcPrice>[2]) {
  const r = calcPrice({ input_tokens: 1, output_tokens: 1 }, model, options);
  if (!r) throw new Error(`the package has no ${model}`);
  return { input: r.model_price.input_mtok, output: r.model_price.output_mtok, cachedInput: r.model_price.cache_read_mtok };
}

describe("prices from @pydantic/genai-prices", () => {
  it("maps openai: models on the OpenAI API to the package's input, cached-input and output prices", () => {
    for (const m of ["gpt-4o-mini", "gpt-4o", "gpt-4.1"]) {
      const expected = pkg(m, { providerId: "openai" });
      const got = packageLookup(`openai:${m}`, {});
      expect(got?.price).toEqual(expected);
      expect(got?.provider).toBe("openai");
      // an explicit OpenAI base URL is the same provider
      expect(packageLookup(`openai:${m}`, { baseURL: "https://api.openai.com/v1" })?.price).toEqual(expected);
    }
    const mini = packageLookup("openai:gpt-4o-mini", {})!.price;
    expect(mini.cachedInput).toBeLessThan(mini.input);
  });

  it("uses the provider of a known base URL, and prices nothing on an unknown (self-hosted) one", () => {
    const deepseek = packageLookup("openai:deepseek-chat", { baseURL: "https://api.deepseek.com/v1" });
    expect(deepseek?.provider).toBe("deepseek");
    expect(deepseek?.price.input).toBe(pkg("deepseek-chat", { providerApiUrl: "https://api.deepseek.com/v1" }).input);
    expect(packageLookup("openai:gpt-4o-mini", { baseURL: "http://127.0.0.1:8000/v1" })).toBeUndefined();
    expect(packageLookup("openai:no-such-model-xyz", {})).toBeUndefined();
    expect(packageLookup("llama:hf:foo/bar.gguf", {})).toBeUndefined();
  });

  it("builds a run's table: package prices, file entries win, unknown models stay unpriced, free models cost 0", () => {
    const r = resolvePrices(["openai:gpt-4o-mini", "openai:gpt-4o", "openai:mystery", "sim", "llama:x.gguf"], {
      file: { "gpt-4o": { input: 1, output: 2 } },
    });
    expect(r.table["openai:gpt-4o-mini"]).toEqual(pkg("gpt-4o-mini", { providerId: "openai" }));
    expect(r.sources["openai:gpt-4o-mini"]?.source).toBe(`@pydantic/genai-prices@${pricePackageVersion()} (openai/gpt-4o-mini)`);
    expect(pricePackageVersion()).toMatch(/^\d+\.\d+\.\d+/);
    expect(r.sources["openai:gpt-4o"]).toEqual({ price: { input: 1, output: 2 }, source: "file" });
    expect(costFor(r.table, "openai:gpt-4o", { promptTokens: 1e6, completionTokens: 1e6, cachedTokens: 0 })).toBe(3);
    expect(r.sources["openai:mystery"]).toBeNull();
    expect(costFor(r.table, "openai:mystery", { promptTokens: 1, completionTokens: 1, cachedTokens: 0 })).toBeUndefined();
    expect(costFor(r.table, "sim", { promptTokens: 1e6, completionTokens: 1, cachedTokens: 0 })).toBe(0);
    expect(costFor(r.table, "llama:x.gguf", { promptTokens: 1e6, completionTokens: 1, cachedTokens: 0 })).toBe(0);
    expect(r.sources).not.toHaveProperty("sim");
  });

  it("a file's * prices only models neither the file nor the package names; an injected lookup replaces the package", () => {
    const r = resolvePrices(["openai:gpt-4o-mini", "openai:mystery"], { file: { "*": { input: 9, output: 9 } } });
    expect(r.sources["openai:gpt-4o-mini"]?.source).toMatch(/genai-prices/);
    expect(r.sources["openai:mystery"]).toEqual({ price: { input: 9, output: 9 }, source: "file (*)" });
    const fake = resolvePrices(["openai:a"], { lookup: () => ({ price: { input: 7, output: 8 }, provider: "p", model: "a" }) });
    expect(fake.table["openai:a"]).toEqual({ input: 7, output: 8 });
  });

  it("loads --prices FILE over the package, and a run's counter bills cached input at the package's cached price", async () => {
    const dir = await mkdtemp(join(tmpdir(), "toolflow-pkgprices-"));
    try {
      await writeFile(join(dir, "p.yaml"), "openai:gpt-4o:\n  input: 1\n  output: 1\n");
      const r = await loadRunPrices(["openai:gpt-4o", "openai:gpt-4o-mini"], { pricesFile: join(dir, "p.yaml") });
      expect(r.table["openai:gpt-4o"]).toEqual({ input: 1, output: 1 });
      const p = pkg("gpt-4o-mini", { providerId: "openai" }) as { input: number; output: number; cachedInput: number };
      const meter = new UsageCounter({ prices: r.table });
      meter.record("user", "openai:gpt-4o-mini", { promptTokens: 1e6, completionTokens: 1e6, cachedTokens: 5e5, estimated: false });
      meter.record("user", "openai:gpt-4o-mini", { promptTokens: 1e6, completionTokens: 0, cachedTokens: 0, estimated: false }, { cached: true });
      const s = meter.summary();
      expect(s.total.costUsd).toBeCloseTo(0.5 * p.input + 0.5 * p.cachedInput + p.output, 6);
      // without cache: both calls, every prompt token at the input price
      expect(s.total.costWithoutCacheUsd).toBeCloseTo(2 * p.input + p.output, 6);
      expect(s.byRoleModel.user?.["openai:gpt-4o-mini"]?.savedPromptTokens).toBe(1e6);
      expect(meter.describe()).toMatch(/without cache hits/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
