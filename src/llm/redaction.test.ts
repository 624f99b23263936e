import { describe, it, expect, afterEach } from "vitest";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { startOpenAIServer, type OpenAIServer } from "../../test/support/openai-server.js";
import { openRunModels } from "../models/index.js";
import { generateChecked, generateObject } from "./generate.js";
import { OpenAIChatModel } from "./openai.js";
import { checkToolCalls } from "./validate.js";
import { redact, registerSecret } from "./redact.js";
import { ModelError } from "./errors.js";

const PLANTED = "sk-test-PLANTED-123";
/** A key that no pattern recognises: only registration can remove it. */
const PLAIN_KEY = "plainkey4PLANTED7788";

const servers: OpenAIServer[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
  for (const d of dirs.splice(0)) if (!process.env.KEEP_TMP) await rm(d, { recursive: true, force: true });
});

describe("redact", () => {
  it("removes sk- keys, bearer tokens, api_key fields and registered secrets", () => {
    registerSecret("registered-secret-42");
    const text = `key sk-proj-AbC123xyz789 and Authorization: Bearer abc.def.ghi, {"api_key": "zzz123"} and registered-secret-42`;
    const out = redact(text);
    expect(out).not.toMatch(/AbC123xyz789|abc\.def\.ghi|zzz123|registered-secret-42/);
    expect(out).toContain("[REDACTED]");
    expect(redact("nothing secret here")).toBe("nothing secret here");
  });
});

describe("no key in anything a run writes", () => {
  it("cache, usage summary, logs and error messages never contain the planted keys", async () => {
    const dir = await mkdtemp(join(tmpdir(), "toolflow-redact-"));
    dirs.push(dir);
    const logs: string[] = [];
    const errors: unknown[] = [];

    // 1. A server that accepts the planted key and injects faults (retries are logged).
    const ok = await startOpenAIServer({
      apiKey: PLANTED,
      script: ["429", "500", "reset", { content: "fine" }, "non-json", "non-json", "non-json", "invented-tool", "invented-tool", "invented-tool"],
    });
    servers.push(ok);
    const runtime = await openRunModels({
      llm: "openai:good-model",
      baseURL: ok.baseURL,
      apiKey: PLANTED,
      cacheDir: join(dir, "cache"),
      retry: { maxRetries: 4, baseDelayMs: 1, maxDelayMs: 5 },
      log: (l) => logs.push(l),
    });
    const model = runtime.forDialogue(1).assistant;
    await model.chat({ messages: [{ role: "user", content: "hello" }], role: "assistant" });
    await model.chat({ messages: [{ role: "user", content: "hello" }], role: "assistant" }); // cache hit
    errors.push(
      await generateObject({ model, request: { messages: [{ role: "user", content: "json" }] }, name: "x", schema: { type: "object" } }).catch(
        (e: unknown) => e,
      ),
    );
    const tools = [{ name: "t", description: "d", parameters: { type: "object" } }];
    errors.push(
      await generateChecked({
        model,
        request: { messages: [{ role: "user", content: "call" }], tools, toolChoice: "required" },
        check: (r) => {
          const problems = checkToolCalls(r.toolCalls, tools, "required");
          return problems.length > 0 ? { ok: false, problems } : { ok: true, value: r.toolCalls };
        },
      }).catch((e: unknown) => e),
    );
    await runtime.usage.writeSummary(join(dir, "usage.json"));
    await runtime.close();

    // 2. A server that rejects the key and echoes it back in its 401 message.
    const strict = await startOpenAIServer({ apiKey: "sk-the-right-one-000", echoKeyOn401: true });
    servers.push(strict);
    for (const key of [PLANTED, PLAIN_KEY]) {
      const m = new OpenAIChatModel("m", { baseURL: strict.baseURL, apiKey: key, log: (l) => logs.push(l) });
      errors.push(await m.chat({ messages: [{ role: "user", content: "x" }] }).catch((e: unknown) => e));
    }
    expect(strict.requests.every((r) => !r.authorized)).toBe(true);

    // 3. Timeouts and connection failures (a closed port), with the key configured.
    const hang = await startOpenAIServer({ apiKey: PLANTED, script: ["hang", "hang"] });
    servers.push(hang);
    const slow = new OpenAIChatModel("m", { baseURL: hang.baseURL, apiKey: PLANTED, timeoutMs: 100, retry: { maxRetries: 1, baseDelayMs: 1 } });
    errors.push(await slow.chat({ messages: [{ role: "user", content: "x" }] }).catch((e: unknown) => e));
    const closedPort = new OpenAIChatModel("m", { baseURL: "http://127.0.0.1:9/v1", apiKey: PLAIN_KEY, retry: { maxRetries: 1, baseDelayMs: 1 } });
    errors.push(await closedPort.chat({ messages: [{ role: "user", content: "x" }] }).catch((e: unknown) => e));

    expect(errors).toHaveLength(6);
    for (const e of errors) expect(e).toBeInstanceOf(ModelError);
    expect(String((errors[2] as Error).message)).toContain("Incorrect API key provided");
    await writeFile(
      join(dir, "errors.txt"),
      errors.map((e) => `${String(e)}\n${(e as Error).stack}\n${inspect(e, { depth: 10 })}\n${JSON.stringify(e)}`).join("\n---\n"),
    );
    await writeFile(join(dir, "log.txt"), logs.join("\n"));
    expect(logs.some((l) => l.includes("retrying"))).toBe(true);

    // grep every file the run wrote (the SQLite files as bytes)
    const files: string[] = [];
    const walk = async (d: string) => {
      for (const ent of await readdir(d, { withFileTypes: true })) {
        const p = join(d, ent.name);
        if (ent.isDirectory()) await walk(p);
        else files.push(p);
      }
    };
    await walk(dir);
    expect(files.some((f) => f.endsWith("responses.sqlite"))).toBe(true);
    expect(files.length).toBeGreaterThanOrEqual(4);
    for (const f of files) {
      const bytes = await readFile(f);
      expect(bytes.includes(Buffer.from("PLANTED")), f).toBe(false);
    }
    // and the summary is real
    const usage = JSON.parse(await readFile(join(dir, "usage.json"), "utf8")) as { total: { requests: number; cachedResponses: number } };
    expect(usage.total.cachedResponses).toBe(1);
  });
});
