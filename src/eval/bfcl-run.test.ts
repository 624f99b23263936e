import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { startOpenAIServer, type OpenAIServer } from "../../test/support/openai-server.js";
import { PROJECT_ROOT, SHARED_DATA } from "../../test/support/cli.js";
import { bfclResponder, groundTruthPasses, uniqueByPrompt, type AnswerKind } from "../../test/support/bfcl-eval.js";
import { buildBfclRequest, decodeAnswer, readBfclEvalItems, runBfclEval, type BfclEvalItem, type BfclResult } from "./bfcl-run.js";

const DATA = join(SHARED_DATA, "bfcl");
const CATEGORIES = ["simple_python", "multiple", "parallel", "parallel_multiple", "live_simple", "irrelevance"];
const PER_CATEGORY = 12;

let items: BfclEvalItem[] = [];
let byPrompt = new Map<string, BfclEvalItem>();
const indexInCategory = new Map<string, number>();

beforeAll(async () => {
  const all = await readBfclEvalItems([DATA], CATEGORIES);
  // questions whose ground truth the checker accepts (BFCL's data has a few it rejects) and whose prompt is unique
  byPrompt = uniqueByPrompt(all.filter((i) => i.category === "irrelevance" || groundTruthPasses(i)));
  const usable = new Set([...byPrompt.values()].map((i) => i.id));
  const n = new Map<string, number>();
  items = all.filter((i) => {
    if (!usable.has(i.id)) return false;
    const k = n.get(i.category) ?? 0;
    if (k >= PER_CATEGORY) return false;
    n.set(i.category, k + 1);
    indexInCategory.set(i.id, k);
    return true;
  });
});

const dirs: string[] = [];
let server: OpenAIServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), "bfcl-eval-"));
  dirs.push(d);
  return d;
};
const lastUserIs = (body: { messages?: Array<{ role?: string; content?: unknown }> }, item: BfclEvalItem | undefined) =>
  item !== undefined && body.messages?.filter((m) => m.role === "user").at(-1)?.content === item.question.flat().filter((m) => m.role === "user").at(-1)?.content;
const readResults = (dir: string): BfclResult[] =>
  readFileSync(join(dir, "results.jsonl"), "utf8").split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l) as BfclResult);

/** Native mode: the i-th question of a category is answered as KINDS[i % 6] says. */
const NATIVE_KINDS: AnswerKind[] = ["right", "wrong-value", "right", "bad-json", "right", "text"];
const nativeKind = (i: BfclEvalItem) => NATIVE_KINDS[(indexInCategory.get(i.id) ?? 0) % NATIVE_KINDS.length] as AnswerKind;
/** BFCL's rules: an AST question is right only with the right calls; an irrelevance one whenever nothing is called. */
const expectedValid = (i: BfclEvalItem, kind: AnswerKind) =>
  i.category === "irrelevance" ? kind !== "wrong-value" : kind === "right" || kind === "python" || kind === "json";

function expectedAccuracy(kindOf: (i: BfclEvalItem) => AnswerKind): Map<string, number> {
  const agg = new Map<string, { t: number; c: number }>();
  for (const i of items) {
    const a = agg.get(i.category) ?? { t: 0, c: 0 };
    a.t++;
    if (expectedValid(i, kindOf(i))) a.c++;
    agg.set(i.category, a);
  }
  return new Map([...agg].map(([k, a]) => [k, a.c / a.t]));
}

describe("eval bfcl against a model server", () => {
  it("scores native tool calls per category, maps dotted names back, writes results and BFCL's figures", async () => {
    server = await startOpenAIServer({ apiKey: "sk-test", respond: bfclResponder(byPrompt, nativeKind) });
    const out = tmp();
    let printed = "";
    const summary = await runBfclEval({
      llm: "openai:test-model", baseURL: server.baseURL, apiKey: "sk-test", items, outDir: out, concurrency: 8,
      progressStream: { write: () => true } as unknown as NodeJS.WritableStream, print: (t) => (printed += t + "\n"),
    });
    expect(items.length).toBeGreaterThanOrEqual(60);
    const want = expectedAccuracy(nativeKind);
    for (const c of summary.categories) expect([c.category, c.accuracy]).toEqual([c.category, want.get(c.category)]);
    expect(summary.categories.map((c) => c.category)).toEqual(CATEGORIES);
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(summary.figures.nonLiveAst?.accuracy).toBeCloseTo(mean(["simple_python", "multiple", "parallel", "parallel_multiple"].map((c) => want.get(c) as number)), 12);
    expect(summary.figures.liveAst?.accuracy).toBeCloseTo(want.get("live_simple") as number, 12);
    expect(summary.figures.irrelevance?.accuracy).toBeCloseTo(want.get("irrelevance") as number, 12);
    expect(summary).toMatchObject({ selected: items.length, decided: items.length, complete: true, failedRequests: 0 });
    expect(server.chatRequests()).toHaveLength(items.length); // one chat per question: no re-ask

    const results = readResults(out);
    expect(results.map((r) => r.id).sort()).toEqual(items.map((i) => i.id).sort());
    for (const r of results) {
      const item = items.find((i) => i.id === r.id) as BfclEvalItem;
      expect(r.valid).toBe(expectedValid(item, nativeKind(item)));
      expect(r.tokens.prompt).toBeGreaterThan(0);
      expect(r.latencyMs).toBeGreaterThanOrEqual(0);
      if (nativeKind(item) === "bad-json" && item.category !== "irrelevance") {
        expect(r).toMatchObject({ calls: null, errorType: "ast_decoder:decoder_failed" });
        expect(r.error).toMatch(/not JSON/);
      }
    }
    // dotted BFCL names went out as API names and came back as BFCL names
    const p0 = results.find((r) => r.id === "parallel_0");
    if (p0) expect(p0.calls?.map((c) => Object.keys(c)[0])).toEqual(["spotify.play", "spotify.play"]);
    const sent = server.chatRequests().map((r) => r.body as { tools?: Array<{ function: { name: string } }> });
    expect(sent.flatMap((b) => b.tools ?? []).every((t) => /^[a-zA-Z0-9_-]+$/.test(t.function.name))).toBe(true);

    const onDisk = JSON.parse(readFileSync(join(out, "summary.json"), "utf8")) as typeof summary;
    expect(onDisk.categories).toEqual(summary.categories);
    expect(onDisk.usage.total.requests).toBe(items.length);
    expect(printed).toMatch(/non-live AST/);
    expect(printed).toMatch(/irrelevance \(hallucination\)/);
  });

  it("reads calls written as text in prompt mode (Python and JSON syntax); prose is a failure with its reason", async () => {
    const kinds: AnswerKind[] = ["python", "json", "prose"];
    const kindOf = (i: BfclEvalItem) => kinds[(indexInCategory.get(i.id) ?? 0) % 3] as AnswerKind;
    server = await startOpenAIServer({ noTools: true, respond: bfclResponder(byPrompt, kindOf) });
    const out = tmp();
    const summary = await runBfclEval({
      llm: "openai:test-model", baseURL: server.baseURL, apiKey: "sk-test", items, outDir: out, toolMode: "prompt",
      concurrency: 8, progressStream: { write: () => true } as unknown as NodeJS.WritableStream, print: null,
    });
    const want = expectedAccuracy(kindOf);
    for (const c of summary.categories) expect([c.category, c.accuracy]).toEqual([c.category, want.get(c.category)]);
    const body = server.chatRequests()[0]?.body as { tools?: unknown; messages: Array<{ role: string; content: string }> };
    expect(body.tools).toBeUndefined();
    expect(body.messages[0]?.role).toBe("system");
    expect(body.messages[0]?.content).toMatch(/func_name1\(param_name1=value1/);
    const prose = readResults(out).find((r) => r.category !== "irrelevance" && kindOf(items.find((i) => i.id === r.id) as BfclEvalItem) === "prose");
    expect(prose).toMatchObject({ valid: false, calls: null, errorType: "ast_decoder:decoder_failed" });
    expect(prose?.error).toMatch(/could not read calls/);
  });

  it("--limit and --ids pick the questions; a different model in the same folder is refused", async () => {
    server = await startOpenAIServer({ respond: bfclResponder(byPrompt, () => "right") });
    const out = tmp();
    const quiet = { write: () => true } as unknown as NodeJS.WritableStream;
    const base = { llm: "openai:test-model", baseURL: server.baseURL, apiKey: "sk-test", items, outDir: out, progressStream: quiet, print: null } as const;
    const s1 = await runBfclEval({ ...base, limit: 2 });
    expect(s1.selected).toBe(2 * CATEGORIES.length);
    expect(s1.categories.every((c) => c.accuracy === 1)).toBe(true);
    const ids = items.slice(0, 3).map((i) => i.id);
    const s2 = await runBfclEval({ ...base, ids });
    expect(s2.selected).toBe(3);
    await expect(runBfclEval({ ...base, ids: ["no_such_id"] })).rejects.toThrow(/no_such_id/);
    await expect(runBfclEval({ ...base, llm: "openai:other" })).rejects.toThrow(/--llm: was "openai:test-model", now "openai:other".*--force/);
    await expect(runBfclEval({ ...base, temperature: 0.5 })).rejects.toThrow(/--temperature: was 0, now 0\.5/);
  });

  it("replays answers from --cache; a server that stays unavailable leaves its questions for the next run", async () => {
    const some = items.filter((i) => i.category === "simple_python").slice(0, 6);
    let down = true;
    server = await startOpenAIServer({ respond: (req) => (down && lastUserIs(req.body, some[0]) ? "503" : bfclResponder(byPrompt, () => "right")(req)) });
    const out = tmp();
    const cacheDir = tmp();
    const lines: string[] = [];
    const base = {
      llm: "openai:test-model", baseURL: server.baseURL, apiKey: "sk-test", items: some, outDir: out, cacheDir,
      retry: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 2 }, print: null,
      progressStream: { write: (t: string) => lines.push(t) } as unknown as NodeJS.WritableStream,
    };
    await expect(runBfclEval({ ...base, resume: true })).rejects.toThrow(/--resume: nothing to resume .*eval\.json/);
    const s1 = await runBfclEval(base);
    expect(s1).toMatchObject({ selected: 6, decided: 5, failedRequests: 1, complete: false });
    expect(s1.categories[0]).toMatchObject({ correct: 5, total: 6 });
    expect(readResults(out).map((r) => r.id)).not.toContain(some[0]?.id);
    expect(lines.join("")).toMatch(/asks it again/);
    down = false;
    const before = server.chatRequests().length;
    const s2 = await runBfclEval({ ...base, resume: true });
    expect(server.chatRequests().length - before).toBe(1); // only the unanswered question
    expect(s2).toMatchObject({ decided: 6, complete: true });
    expect(s2.categories[0]?.accuracy).toBe(1);
    // start over with --force: every answer comes from the cache, the server is not asked
    const again = server.chatRequests().length;
    const s3 = await runBfclEval({ ...base, force: true });
    expect(server.chatRequests().length).toBe(again);
    expect(s3).toMatchObject({ decided: 6, complete: true });
    expect(s3.usage.total.cachedResponses).toBe(6);
    expect(readResults(out).every((r) => r.cached === true)).toBe(true);
  });

  it("a killed eval resumes without asking a decided question again", async () => {
    const asked: Array<{ id: string; at: number }> = [];
    const log: string[] = [];
    server = await startOpenAIServer({ apiKey: "sk-test", latencyMs: 60, respond: (req) => {
      const step = bfclResponder(byPrompt, nativeKind, log)(req);
      asked.push({ id: log[log.length - 1] as string, at: Date.now() });
      return step;
    } });
    const out = tmp();
    const ids = items.map((i) => i.id);
    const child = spawn(process.execPath, ["--import", "tsx", resolve(PROJECT_ROOT, "test/support/bfcl-eval-child.ts"),
      JSON.stringify({ baseURL: server.baseURL, dataDir: DATA, outDir: out, categories: CATEGORIES, ids, concurrency: 4 })],
      { cwd: PROJECT_ROOT, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<NodeJS.Signals | null>((res) => child.on("exit", (_c, sig) => res(sig)));
    const resultsPath = join(out, "results.jsonl");
    const lines = () => (existsSync(resultsPath) ? readFileSync(resultsPath, "utf8").split("\n").filter((l) => l !== "").length : 0);
    const deadline = Date.now() + 60_000;
    while (lines() < 15 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    child.kill("SIGKILL");
    expect(await exited, stderr).toBe("SIGKILL");
    const decidedBefore = new Set(readResults(out).map((r) => r.id));
    expect(decidedBefore.size).toBeGreaterThanOrEqual(15);
    expect(decidedBefore.size).toBeLessThan(items.length);
    const askedBefore = asked.length;

    const summary = await runBfclEval({
      llm: "openai:test-model", baseURL: server.baseURL, apiKey: "sk-test", items, ids, outDir: out, concurrency: 4,
      progressStream: { write: () => true } as unknown as NodeJS.WritableStream, print: null,
    });
    const askedAfter = asked.slice(askedBefore).map((a) => a.id);
    expect(askedAfter.filter((id) => decidedBefore.has(id))).toEqual([]);
    expect(new Set(askedAfter).size).toBe(askedAfter.length);
    // only questions in flight at the kill (at most the concurrency) were asked twice
    expect(askedBefore + askedAfter.length - items.length).toBeLessThanOrEqual(4);
    const final = readResults(out);
    expect(final).toHaveLength(items.length);
    expect(new Set(final.map((r) => r.id)).size).toBe(items.length);
    expect(summary.complete).toBe(true);
    const want = expectedAccuracy(nativeKind);
    for (const c of summary.categories) expect(c.accuracy).toBe(want.get(c.category));
  }, 90_000);
});

describe("requests and decoding", () => {
  it("sends BFCL types as JSON Schema and scores answers as they came", () => {
    const item: BfclEvalItem = {
      id: "x", category: "simple_python",
      question: [[{ role: "system", content: "Be brief." }, { role: "user", content: "Area of a 3x4.5 rectangle?" }]],
      functions: [{ name: "geo.area", description: "area", parameters: { type: "dict", properties: { w: { type: "integer" }, h: { type: "float" }, dims: { type: "tuple", items: { type: "float" } } }, required: ["w", "h"] } }],
      possibleAnswer: [{ "geo.area": { w: [3], h: [4.5] } }],
    };
    const { request, names } = buildBfclRequest(item, "native");
    expect(request.tools?.[0]?.parameters).toMatchObject({ type: "object", properties: { h: { type: "number" }, dims: { type: "array", items: { type: "number" } } } });
    expect(request.messages).toHaveLength(2);
    const apiName = request.tools?.[0]?.name as string;
    expect(names.get(apiName)).toBe("geo.area");
    // a string where an integer is wanted stays a string (no repair)
    expect(decodeAnswer({ text: "", toolCalls: [{ id: "1", type: "function", function: { name: apiName, arguments: '{"w": "3", "h": 4.5}' } }] }, "native", names)).toEqual({ ok: true, calls: [{ "geo.area": { w: "3", h: 4.5 } }] });
    const prompt = buildBfclRequest(item, "prompt");
    expect(prompt.request.tools).toBeUndefined();
    expect(prompt.request.messages[0]?.content).toMatch(/Be brief\./);
    expect(prompt.request.messages[0]?.content).toMatch(/"geo\.area"/);
  });
});
