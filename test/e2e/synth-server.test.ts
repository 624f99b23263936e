/**
 * End to end against the local OpenAI-compatible test server: the run talks HTTP (native tool calls and
 * json_schema answers) to `openai:test-model`; the server answers with the sim policy's answers (see
 * support/sim-bridge.ts). Then the same with 20 % of replies broken.
 */
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runSynth, type SynthOptions } from "../../src/synth/index.js";
import { startOpenAIServer, type OpenAIServer } from "../support/openai-server.js";
import { chainedArguments, readAccepted, readRejected, reverify, writeBfclMultiTurnTools } from "./support/run-files.js";
import { createSimBridge, type SimBridge } from "./support/sim-bridge.js";
import { textSink as sink } from "../support/streams.js";
import { testSynthOptions } from "../support/synth-options.js";

const KEY = "sk-test-PLANTED-e2e-4242";
let work: string;
let tools: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "e2e-synth-server-"));
  tools = (await writeBfclMultiTurnTools(work)).path;
});

function options(out: string, baseURL: string, over: Partial<SynthOptions> = {}): SynthOptions {
  return testSynthOptions({ tools, count: 50, llm: ["openai:test-model"], concurrency: 8, seed: 31, out, baseUrl: baseURL, ...over });
}


async function withServer<T>(bridge: SimBridge, fn: (server: OpenAIServer) => Promise<T>): Promise<T> {
  const server = await startOpenAIServer({ apiKey: KEY, respond: (r) => bridge.respond(r), keepRequests: 0 });
  try {
    return await fn(server);
  } finally {
    await server.close();
  }
}

describe("toolflow synth against an OpenAI-compatible server", () => {
  let server: OpenAIServer | undefined;
  afterAll(async () => {
    await server?.close();
  });

  it("makes 50 verified dialogues over HTTP with native tool calls and json_schema answers", async () => {
    const bridge = createSimBridge();
    const out = join(work, "clean");
    const log = sink();
    const summary = await withServer(bridge, (srv) =>
      runSynth(options(out, srv.baseURL), {
        stderr: log.stream,
        tty: false,
        env: { OPENAI_API_KEY: KEY },
        middleware: [bridge.middleware],
        modelRuntime: { retry: { baseDelayMs: 5, maxDelayMs: 50 }, timeoutMs: 10_000 },
      }).then((s) => ({ s, requests: srv.count() })),
    );
    expect(summary.s.status).toBe("complete");
    const accepted = readAccepted(out);
    expect(accepted).toHaveLength(50);
    expect(reverify(accepted)).toEqual([]);
    for (const d of accepted) {
      expect(d.backend).toBe("openai");
      expect(Object.values(d.models)).toContain("openai:test-model");
    }
    expect(accepted.filter((d) => chainedArguments(d).length > 0).length).toBeGreaterThanOrEqual(3);
    // every request went over HTTP and was answered from the sim policy, none fell to the generic responder
    expect(bridge.answered).toBeGreaterThan(50 * 4);
    expect(bridge.unmatched).toBe(0);
    expect(summary.requests).toBeGreaterThanOrEqual(bridge.answered);
    const m = summary.s.manifest;
    expect(m.counts.accepted).toBe(50);
    expect(m.usage.byModel["openai:test-model"]?.promptTokens).toBeGreaterThan(0);
    expect(m.cost.unpriced).toEqual(["openai:test-model"]);
    for (const f of readdirSync(out)) expect(readFileSync(join(out, f), "utf8"), f).not.toContain(KEY);
    expect(log.text()).not.toContain(KEY);
  });

  it("still ends with 50 valid dialogues when 20 % of replies are broken, and reports what it rejected", async () => {
    const bridge = createSimBridge({ faultRate: 0.2, seed: 7 });
    const out = join(work, "faulty");
    const summary = await withServer(bridge, (srv) =>
      runSynth(options(out, srv.baseURL, { seed: 32 }), {
        stderr: sink().stream,
        tty: false,
        env: { OPENAI_API_KEY: KEY },
        middleware: [bridge.middleware],
        modelRuntime: { retry: { baseDelayMs: 5, maxDelayMs: 50 }, timeoutMs: 10_000 },
      }),
    );
    expect(summary.status).toBe("complete");
    // every kind of fault was injected
    for (const kind of ["malformed", "invented-tool", "bad-args", "500", "429"]) {
      expect(bridge.injected[kind] ?? 0, kind).toBeGreaterThan(0);
    }
    const accepted = readAccepted(out);
    const rejected = readRejected(out);
    expect(accepted).toHaveLength(50);
    expect(reverify(accepted)).toEqual([]);
    const m = summary.manifest;
    expect(m.counts.accepted).toBe(50);
    expect(m.counts.rejected).toBe(rejected.length);
    const byCheck: Record<string, number> = {};
    for (const r of rejected) for (const c of new Set(r.rejectedBy.map((b) => b.check))) byCheck[c] = (byCheck[c] ?? 0) + 1;
    expect(m.counts.rejectedBy).toEqual(byCheck);
    // the model layer's session summary shows the retries and re-asks the faults caused
    const usage = m.sessions[0]?.usage as { total?: { requests?: number } } | undefined;
    expect(usage?.total?.requests).toBeGreaterThan(0);
  });
});
