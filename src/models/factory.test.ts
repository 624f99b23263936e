import { mkdtempSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it, expect } from "vitest";
import { ToolflowError, UsageError } from "../core/index.js";
import { ModelConfigError, UsageCounter, usageMiddleware, type ChatModel } from "../llm/index.js";
import { createChatModel, defaultModelSpec, parseModelList, parseModelSpec, parseRoleMap } from "./factory.js";
import { ModelPool, openRunModels } from "./run-models.js";

describe("model specs", () => {
  it("parse sim, openai:<model>, llama:<path|hf:...> and reject the rest", () => {
    expect(parseModelSpec("sim")).toEqual({ backend: "sim", name: "", spec: "sim" });
    expect(parseModelSpec(" openai:gpt-4o-mini ")).toMatchObject({ backend: "openai", name: "gpt-4o-mini" });
    expect(parseModelSpec("llama:hf:user/repo:Q4_K_M")).toMatchObject({ backend: "llama", name: "hf:user/repo:Q4_K_M" });
    expect(() => parseModelSpec("openai:")).toThrow(UsageError);
    expect(() => parseModelSpec("gpt-4o")).toThrow(/unknown model spec "gpt-4o"/);
    expect(parseModelList("sim, openai:a,,openai:b")).toEqual(["sim", "openai:a", "openai:b"]);
    expect(() => parseModelList(" , ")).toThrow(UsageError);
    expect(parseRoleMap("user=openai:a,openai:b; tool=sim")).toEqual({ user: "openai:a,openai:b", tool: "sim" });
    expect(() => parseRoleMap("user")).toThrow(UsageError);
  });

  it("openai without key or base URL is a config error naming what to set", async () => {
    const err = await createChatModel("openai:gpt-4o", { env: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelConfigError);
    expect((err as Error).message).toContain("OPENAI_API_KEY");
    expect((err as ModelConfigError).exitCode).toBe(2);
  });
});

describe("llama dispatch", () => {
  it("loads the llama backend lazily and passes the spec and options", async () => {
    const calls: unknown[] = [];
    const fake: ChatModel = { id: "llama:/x.gguf", backend: "llama", chat: async () => ({ text: "hi", toolCalls: [], finishReason: "stop", usage: { promptTokens: 1, completionTokens: 1, cachedTokens: 0, estimated: false }, model: "llama:/x.gguf" }) };
    const meter = new UsageCounter();
    const m = await createChatModel("llama:/x.gguf", {
      middleware: [usageMiddleware(meter)],
      llama: { contextSize: 512 },
      loadLlama: async () => ({ createLlamaModel: async (spec: string, opts: unknown) => (calls.push([spec, opts]), fake) }),
    });
    expect(calls).toEqual([["llama:/x.gguf", { contextSize: 512 }]]);
    expect((await m.chat({ messages: [], role: "user" })).text).toBe("hi");
    expect(meter.summary().byModel["llama:/x.gguf"]!.costUsd).toBe(0);
  });

  it("really imports the llama backend (a missing model file is a clear config error)", async () => {
    const err = await createChatModel("llama:./no/such/model.gguf").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ToolflowError);
    expect((err as Error).message).toMatch(/model\.gguf/);
  });

  it("says how to install node-llama-cpp when it is missing", async () => {
    const missing = Object.assign(new Error("Cannot find package 'node-llama-cpp' imported from src/llm/llama.ts"), { code: "ERR_MODULE_NOT_FOUND" });
    const err = await createChatModel("llama:/x.gguf", { loadLlama: async () => Promise.reject(missing) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelConfigError);
    expect((err as Error).message).toContain("npm i -E node-llama-cpp@3.21.1");
  });
});

describe("pools and roles", () => {
  const stub = (id: string): ChatModel => ({ id, backend: "stub", chat: async () => { throw new Error("unused"); } });

  it("a pool picks one model per seed, deterministically, using every model", () => {
    const pool = new ModelPool([stub("a"), stub("b"), stub("c")]);
    const picks = Array.from({ length: 300 }, (_, s) => pool.pick(s).id);
    expect(Array.from({ length: 300 }, (_, s) => pool.pick(s).id)).toEqual(picks);
    for (const id of ["a", "b", "c"]) expect(picks.filter((p) => p === id).length).toBeGreaterThan(60);
    expect(() => new ModelPool([])).toThrow(UsageError);
  });

  it("role overrides get their own pool; one instance per distinct spec", async () => {
    const set = await openRunModels({ llm: "sim", roles: { user: "sim", tool: undefined } });
    const d = set.forDialogue(7);
    expect(d.planner).toBe(d.assistant);
    expect(d.user).toBe(d.planner); // same spec "sim" -> shared instance
    expect(set.describe()).toEqual({ roles: { default: ["sim"], user: ["sim"] }, judge: null, cache: null });
    await set.close();
  });

  it("openRunModels counts every call of the run per role (judge included) and shares instances with the judge", async () => {
    const run = await openRunModels({ llm: "sim", judge: "sim", concurrency: 4 });
    const d = run.forDialogue(1);
    expect((await d.user.chat({ messages: [{ role: "user", content: "yo" }], role: "user" })).text.length).toBeGreaterThan(0);
    await d.assistant.chat({ messages: [{ role: "user", content: "yo" }], role: "assistant" });
    await run.judge!.chat({ messages: [{ role: "user", content: "rate" }], role: "judge" });
    const s = run.usage.summary();
    expect(Object.keys(s.byRole)).toEqual(["assistant", "judge", "user"]);
    expect(s.total.requests).toBe(3);
    expect(s.total.costUsd).toBe(0);
    expect(run.describe()).toMatchObject({ judge: "sim", cache: null });
    await run.close();
  });
});

describe("defaultModelSpec", () => {
  const empty = join(tmpdir(), "toolflow-no-such-cache-dir");
  it("prefers an OpenAI-compatible endpoint, then TOOLFLOW_LLAMA_MODEL, then a cached default.gguf, then sim", async () => {
    expect(defaultModelSpec({ OPENAI_API_KEY: "sk-test-123456", TOOLFLOW_LLAMA_MODEL: "/m.gguf" })).toBe("openai:gpt-4o-mini");
    expect(defaultModelSpec({ OPENAI_BASE_URL: "http://127.0.0.1:8080/v1", OPENAI_MODEL: "qwen2.5" })).toBe("openai:qwen2.5");
    expect(defaultModelSpec({ TOOLFLOW_LLAMA_MODEL: "/m/x.gguf", TOOLFLOW_MODEL_CACHE: empty })).toBe("llama:/m/x.gguf");
    expect(defaultModelSpec({ TOOLFLOW_LLAMA_MODEL: "hf:user/repo:Q4_K_M" })).toBe("llama:hf:user/repo:Q4_K_M");
    expect(defaultModelSpec({ TOOLFLOW_MODEL_CACHE: empty })).toBe("sim");
    expect(defaultModelSpec({ OPENAI_API_KEY: "  ", TOOLFLOW_MODEL_CACHE: empty })).toBe("sim");
    const cache = mkdtempSync(join(tmpdir(), "toolflow-cache-default-"));
    await mkdir(cache, { recursive: true });
    await writeFile(join(cache, "default.gguf"), "x");
    expect(defaultModelSpec({ TOOLFLOW_MODEL_CACHE: cache })).toBe(`llama:${join(cache, "default.gguf")}`);
  });
});
