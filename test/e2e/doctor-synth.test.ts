/**
 * `toolflow doctor --cache DIR` then `synth --cache DIR` against servers that refuse what the backend sends first:
 * with the stored profile, synth's first requests are already in the stepped-down form (no refusals at all).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runDoctor, saveEndpointProfile } from "../../src/doctor/index.js";
import type { SynthOptions } from "../../src/synth/index.js";
import type { OpenAIServerOptions } from "../support/openai-server.js";
import { readAccepted, reverify, writeBfclMultiTurnTools } from "./support/run-files.js";
import { QUICK_RETRY, startSimServer } from "./support/sim-server.js";
import { testSynthOptions } from "../support/synth-options.js";

const KEY = "sk-test-doctor-synth-88";
let work: string;
let tools: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "e2e-doctor-"));
  tools = (await writeBfclMultiTurnTools(work)).path;
});

async function synthAfterDoctor(name: string, server: OpenAIServerOptions): Promise<number> {
  // doctor's requests get the server's own answers: the bridge has filed no answer before synth starts
  const sim = await startSimServer(KEY, server);
  const s = sim.server;
  const cache = join(work, `${name}-cache`);
  try {
    await saveEndpointProfile(cache, await runDoctor({ model: "test-model", baseURL: s.baseURL, env: { OPENAI_API_KEY: KEY } }));
    const before = s.chatRequests().length;
    const out = join(work, name);
    const options: SynthOptions = testSynthOptions({ tools, count: 3, llm: ["openai:test-model"], concurrency: 4, seed: 43, out, size: { min: 2, max: 3 }, baseUrl: s.baseURL, cache });
    const summary = await sim.synth(options, { modelRuntime: { retry: QUICK_RETRY, timeoutMs: 10_000 } });
    expect(summary.status).toBe("complete");
    const accepted = readAccepted(out);
    expect(accepted).toHaveLength(3);
    expect(reverify(accepted)).toEqual([]);
    return s.chatRequests().slice(before).filter((r) => r.outcome === "400").length;
  } finally {
    await sim.close();
  }
}

describe("synth starts in the mode doctor stored", () => {
  it("gemini-openai: cleaned schemas from the first request, no refusal", async () => {
    expect(await synthAfterDoctor("gemini", { profile: "gemini-openai" })).toBe(0);
  }, 120_000);

  // lmstudio without json_schema (prompted JSON from the start) is checked at the model level in
  // src/doctor/doctor.test.ts: the sim bridge answers only native json_schema requests.
});
