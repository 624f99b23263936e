/**
 * `synth --rpm`: the run's model calls stay within the request budget (the model layer's limiter), through the local
 * OpenAI-compatible server with the sim answering. Counted, not timed: with 4 requests a minute the server sees 4
 * requests, then nothing more, until the run is stopped.
 */
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { testSynthOptions } from "../support/synth-options.js";
import { tempDirForFile } from "../support/tmp.js";
import { writeBfclMultiTurnTools } from "./support/run-files.js";
import { startSimServer } from "./support/sim-server.js";

const KEY = "sk-rate";
const tmp = tempDirForFile("e2e-rate-");
const servers: Array<{ close(): Promise<void> }> = [];
afterAll(async () => {
  for (const s of servers) await s.close();
});

describe("synth --rpm", () => {
  it("sends no more than the budget's requests in a minute, and a stop ends the wait", async () => {
    const dir = tmp();
    const tools = (await writeBfclMultiTurnTools(dir)).path;
    const sim = await startSimServer(KEY);
    const { server } = sim;
    servers.push(sim);
    const controller = new AbortController();
    const run = sim.synth(
      testSynthOptions({ tools, out: join(dir, "run"), count: 3, seed: 4, llm: ["openai:test-model"], baseUrl: server.baseURL, rpm: 4 }),
      { signal: controller.signal },
    );
    for (let i = 0; i < 200 && server.chatRequests().length < 4; i++) await new Promise((r) => setTimeout(r, 25));
    expect(server.chatRequests().length).toBe(4);
    await new Promise((r) => setTimeout(r, 800));
    expect(server.chatRequests().length).toBe(4); // the fifth waits for the minute
    controller.abort();
    const summary = await run;
    expect(summary.manifest.status).toBe("interrupted");
    expect(server.chatRequests().length).toBe(4);
  }, 30_000);
});
