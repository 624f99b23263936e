import { describe, it, expect, afterEach } from "vitest";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { startOpenAIServer, type OpenAIServer } from "../../test/support/openai-server.js";
import { fileURLToPath } from "node:url";
import { createChatModel } from "../models/index.js";
import { canonicalJson } from "../core/index.js";
import { cacheMiddleware, requestCacheKey, SqliteResponseCache } from "./cache.js";
import { wrapModel } from "./middleware.js";
import { UsageCounter, usageMiddleware } from "./usage.js";
import type { ChatRequest } from "./types.js";

let server: OpenAIServer | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await server?.close();
  server = undefined;
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});
async function tmp(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), "toolflow-cache-"));
  dirs.push(d);
  return d;
}

const req = (content: string, extra: Partial<ChatRequest> = {}): ChatRequest => ({
  messages: [{ role: "user", content }],
  ...extra,
});

describe("request keys", () => {
  it("depend on every answer-shaping field but not on key order, role, signal or context", () => {
    const base = req("hi", { temperature: 0.5, seed: 1, maxTokens: 10, responseFormat: { name: "x", schema: { type: "object", properties: { a: {}, b: {} } } } });
    const k = requestCacheKey("openai:m", base);
    const reordered = { ...base, responseFormat: { name: "x", schema: { properties: { b: {}, a: {} }, type: "object" } } };
    expect(requestCacheKey("openai:m", reordered)).toBe(k);
    expect(requestCacheKey("openai:m", { ...base, role: "user", context: { agent: "user" }, signal: new AbortController().signal })).toBe(k);
    for (const changed of [
      { ...base, temperature: 0.6 },
      { ...base, seed: 2 },
      { ...base, maxTokens: 11 },
      { ...base, toolChoice: "required" as const },
      { ...base, tools: [{ name: "t", description: "", parameters: { type: "object" } }] },
      { ...base, messages: [{ role: "user" as const, content: "hi!" }] },
    ]) {
      expect(requestCacheKey("openai:m", changed)).not.toBe(k);
    }
    expect(requestCacheKey("openai:other", base)).not.toBe(k);
    expect(requestCacheKey("openai:m", base, "http://other")).not.toBe(k);
    expect(canonicalJson({ b: 1, a: [1, { d: 2, c: 3 }] })).toBe('{"a":[1,{"c":3,"d":2}],"b":1}');
  });
});

describe("response cache", () => {
  it("a repeated run pays nothing twice: hits do not reach the server and count as cached usage", async () => {
    server = await startOpenAIServer({ apiKey: "sk-cache-test-1" });
    const dir = await tmp();
    const path = join(dir, "responses.sqlite");
    const run = async () => {
      const cache = new SqliteResponseCache(path);
      const meter = new UsageCounter({ prices: { "openai:m": { input: 1, output: 2 } } });
      const model = await createChatModel("openai:m", { baseURL: server!.baseURL, apiKey: "sk-cache-test-1", cache, middleware: [usageMiddleware(meter)] });
      const results = [];
      for (const q of ["one", "two", "three"]) results.push(await model.chat({ ...req(q), role: "user" }));
      cache.close();
      return { results, summary: meter.summary() };
    };
    const first = await run();
    expect(server.count()).toBe(3);
    expect(first.results.every((r) => !r.cached)).toBe(true);
    const second = await run(); // a new process-like session on the same file
    expect(server.count()).toBe(3);
    expect(second.results.every((r) => r.cached === true)).toBe(true);
    expect(second.results.map((r) => r.text)).toEqual(first.results.map((r) => r.text));
    expect(second.summary.total.cachedResponses).toBe(3);
    expect(second.summary.total.promptTokens).toBe(0);
    expect(second.summary.total.savedPromptTokens).toBe(first.summary.total.promptTokens);
    expect(second.summary.total.costUsd).toBe(0);
    expect(first.summary.total.costUsd).toBeGreaterThan(0);
  });

  it("identical concurrent requests share one call", async () => {
    server = await startOpenAIServer({ latencyMs: 50 });
    const dir = await tmp();
    const cache = new SqliteResponseCache(join(dir, "c.sqlite"));
    const model = await createChatModel("openai:m", { baseURL: server.baseURL, apiKey: "sk-cache-test-2", cache });
    const rs = await Promise.all(Array.from({ length: 8 }, () => model.chat(req("same"))));
    expect(server.count()).toBe(1);
    expect(rs.filter((r) => r.cached).length).toBe(7);
    expect(cache.size).toBe(1);
    cache.close();
  });

  it("failures are not cached", async () => {
    server = await startOpenAIServer({ script: [{ fault: "http", status: 400, message: "nope" }] });
    const dir = await tmp();
    const cache = new SqliteResponseCache(join(dir, "c.sqlite"));
    const model = await createChatModel("openai:m", { baseURL: server.baseURL, apiKey: "sk-cache-test-3", cache });
    await expect(model.chat(req("q"))).rejects.toThrow(/nope/);
    expect(cache.size).toBe(0);
    expect((await model.chat(req("q"))).cached).toBeUndefined();
    expect(server.count()).toBe(2);
    cache.close();
  });

  it("survives a writer killed mid-run: what the real cache committed stays readable", async () => {
    const dir = await tmp();
    const path = join(dir, "k.sqlite");
    // A child process writes answers through SqliteResponseCache, then kills itself with SIGKILL mid-run, without
    // closing the database.
    const cacheModule = fileURLToPath(new URL("./cache.ts", import.meta.url));
    const script = `
      import { SqliteResponseCache } from ${JSON.stringify(cacheModule)};
      const cache = new SqliteResponseCache(${JSON.stringify(path)});
      const usage = { promptTokens: 1, completionTokens: 1, cachedTokens: 0, estimated: false };
      for (let i = 0; i < 50; i++) cache.set("k" + i, "m", { text: "t" + i, toolCalls: [], finishReason: "stop", usage, model: "m" });
      process.kill(process.pid, "SIGKILL");
    `;
    const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { cwd: process.cwd(), encoding: "utf8" });
    expect(r.signal, r.stderr).toBe("SIGKILL");
    const cache = new SqliteResponseCache(path);
    expect(cache.size).toBe(50);
    expect(cache.get("k49")?.text).toBe("t49");
    expect(cache.get("k0")).toMatchObject({ text: "t0", model: "m", finishReason: "stop" });
    expect(cache.get("missing")).toBeUndefined();
    cache.close();
  });

  it("treats an unreadable row as a miss", async () => {
    const dir = await tmp();
    const cache = new SqliteResponseCache(join(dir, "c.sqlite"));
    const inner = { id: "x", backend: "x", chat: async () => ({ text: "fresh", toolCalls: [], finishReason: "stop" as const, usage: { promptTokens: 1, completionTokens: 1, cachedTokens: 0, estimated: false }, model: "x" }) };
    const m = wrapModel(inner, cacheMiddleware(cache));
    const key = requestCacheKey("x", req("q"));
    (cache as unknown as { setStmt: { run(...a: unknown[]): void } }).setStmt.run(key, "x", "{not json", 0);
    expect((await m.chat(req("q"))).text).toBe("fresh");
    expect((await m.chat(req("q"))).cached).toBe(true);
    cache.close();
  });
});
