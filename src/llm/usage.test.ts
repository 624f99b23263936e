import { describe, it, expect } from "vitest";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InputError } from "../core/index.js";
import { wrapModel } from "./middleware.js";
import { estimatePromptTokens, estimateTokens, loadPriceTable, priceFor, UsageCounter, usageMiddleware } from "./usage.js";

const u = (p: number, c: number, cached = 0, estimated = false) => ({ promptTokens: p, completionTokens: c, cachedTokens: cached, estimated });

describe("UsageCounter", () => {
  it("adds up per role and per model, with cost from the price table", () => {
    const meter = new UsageCounter({ prices: { "gpt-4o": { input: 2.5, output: 10, cachedInput: 1.25 }, "openai:mini": { input: 0.15, output: 0.6 } } });
    meter.record("planner", "openai:gpt-4o", u(1_000_000, 100_000, 200_000));
    meter.record("user", "openai:mini", u(2_000_000, 1_000_000));
    meter.record("user", "openai:mini", u(500, 50), { cached: true });
    meter.record("tool", "sim", u(10, 10, 0, true));
    const s = meter.summary();
    // gpt-4o: 800k*2.5 + 200k*1.25 + 100k*10 = 2.0 + 0.25 + 1.0 = 3.25
    expect(s.byModel["openai:gpt-4o"]!.costUsd).toBeCloseTo(3.25, 6);
    // mini: 2M*0.15 + 1M*0.6 = 0.3 + 0.6 = 0.9; the cached call costs nothing
    expect(s.byModel["openai:mini"]!.costUsd).toBeCloseTo(0.9, 6);
    expect(s.byRole.user).toMatchObject({ requests: 2, cachedResponses: 1, promptTokens: 2_000_000, savedPromptTokens: 500, savedCompletionTokens: 50 });
    expect(s.byRole.tool).toMatchObject({ estimatedRequests: 1, costUsd: 0 });
    expect(s.total.requests).toBe(4);
    expect(s.total.costUsd).toBeCloseTo(4.15, 6);
    expect(s.unpricedModels).toEqual([]);
    expect(meter.describe()).toContain("$4.1500");
  });

  it("reports an unknown cost when a model has no price", () => {
    const meter = new UsageCounter({ prices: { "other": { input: 1, output: 1 } } });
    meter.record("user", "openai:unpriced", u(10, 10));
    const s = meter.summary();
    expect(s.total.costUsd).toBeNull();
    expect(s.unpricedModels).toEqual(["openai:unpriced"]);
    expect(meter.describe()).toContain("cost unknown");
  });

  it("uses a '*' default price", () => {
    expect(priceFor({ "*": { input: 1, output: 2 } }, "openai:x")).toEqual({ input: 1, output: 2 });
    expect(priceFor(undefined, "openai:x")).toBeUndefined();
  });
});

describe("UsageCounter views and the usage middleware", () => {
  it("a dialogue's counter feeds its parent; the record view counts paid tokens per role, first model per role", async () => {
    const run = new UsageCounter();
    const dialogue = new UsageCounter({ parent: run });
    const answers = [
      { model: "openai:a", usage: u(100, 10), cached: false },
      { model: "openai:b", usage: u(50, 5, 0, true), cached: false },
      { model: "openai:a", usage: u(70, 7), cached: true },
    ];
    let i = 0;
    const inner = {
      id: "openai:a",
      backend: "openai",
      chat: async () => {
        const a = answers[i++]!;
        return { text: "x", toolCalls: [], finishReason: "stop" as const, usage: a.usage, model: a.model, ...(a.cached ? { cached: true } : {}) };
      },
    };
    const m = wrapModel(inner, usageMiddleware(dialogue));
    await m.chat({ messages: [], role: "user" });
    await m.chat({ messages: [], role: "user" });
    await m.chat({ messages: [], role: "tool" });
    expect(dialogue.models()).toEqual({ tool: "openai:a", user: "openai:a" });
    expect(dialogue.byRole()).toEqual({
      tool: { promptTokens: 0, completionTokens: 0, cachedTokens: 0, estimated: false },
      user: { promptTokens: 150, completionTokens: 15, cachedTokens: 0, estimated: true },
    });
    expect(dialogue.calls).toBe(3);
    expect(dialogue.cachedCalls).toBe(1);
    const b = run.breakdown();
    expect(b.byRoleModel.user).toEqual({
      "openai:a": { promptTokens: 100, completionTokens: 10, cachedTokens: 0, estimated: false },
      "openai:b": { promptTokens: 50, completionTokens: 5, cachedTokens: 0, estimated: true },
    });
    expect(b.total.promptTokens).toBe(150);
    expect(run.summary().total.savedPromptTokens).toBe(70);
  });
});

describe("price tables", () => {
  it("load from JSON and YAML; bad ones name the file and field", async () => {
    const dir = await mkdtemp(join(tmpdir(), "toolflow-prices-"));
    try {
      await writeFile(join(dir, "p.json"), JSON.stringify({ "gpt-4o": { input: 2.5, output: 10 } }));
      await writeFile(join(dir, "p.yaml"), "gpt-4o-mini:\n  input: 0.15\n  output: 0.6\n");
      await writeFile(join(dir, "bad.yaml"), "gpt-4o:\n  input: cheap\n  output: 1\n");
      expect(await loadPriceTable(join(dir, "p.json"))).toEqual({ "gpt-4o": { input: 2.5, output: 10 } });
      expect((await loadPriceTable(join(dir, "p.yaml")))["gpt-4o-mini"]).toEqual({ input: 0.15, output: 0.6 });
      const err = await loadPriceTable(join(dir, "bad.yaml")).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InputError);
      expect((err as Error).message).toContain("bad.yaml");
      expect((err as Error).message).toContain("/gpt-4o/input");
      await expect(loadPriceTable(join(dir, "missing.json"))).rejects.toBeInstanceOf(InputError);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("token estimates", () => {
  it("count with the tokenizer", () => {
    expect(estimateTokens("")).toBe(0);
    expect(estimateTokens("hello world")).toBe(2);
    const n = estimatePromptTokens([{ role: "system", content: "You are helpful." }, { role: "user", content: "hello world" }]);
    expect(n).toBeGreaterThan(estimateTokens("You are helpful.hello world"));
  });
});
