import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { startOpenAIServer, type OpenAIServer, type OpenAIServerOptions } from "../../test/support/openai-server.js";
import { cliInProcess } from "../../test/support/cli.js";
import { openRunModels } from "../models/index.js";
import type { ChatRequest } from "../llm/index.js";
import { endpointProfilePath, loadEndpointProfile, PROFILE_KEYS, runDoctor, saveEndpointProfile, startOptionsFor, type EndpointProfile } from "./index.js";

const servers: OpenAIServer[] = [];
const dirs: string[] = [];
async function server(options: OpenAIServerOptions): Promise<OpenAIServer> {
  const s = await startOpenAIServer(options);
  servers.push(s);
  return s;
}
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "toolflow-doctor-"));
  dirs.push(d);
  return d;
}
afterEach(() => vi.unstubAllEnvs());
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const base: EndpointProfile = {
  chat: true,
  tools: "native",
  toolCallFormat: "native",
  toolChoiceRequired: true,
  toolChoiceNamed: true,
  parallelCalls: false, // the test server makes one call per answer
  jsonSchema: true,
  jsonObject: true,
  usage: true,
  cachedTokens: true,
  reasoning: false,
};

/** What doctor must find on each test-server profile (and the refusals that set where a run starts). */
const EXPECTED: Array<[string, OpenAIServerOptions, Partial<EndpointProfile>, { schemaKeywords?: boolean }?]> = [
  ["clean server", {}, {}],
  ["vllm-hermes-text", { profile: "vllm-hermes-text" }, { tools: "text", toolCallFormat: "hermes" }],
  ["mistral", { profile: "mistral" }, {}],
  ["ollama", { profile: "ollama" }, { toolCallFormat: null, toolChoiceRequired: false, toolChoiceNamed: false }],
  ["llamacpp-object-args", { profile: "llamacpp-object-args" }, {}],
  ["deepseek-reasoning", { profile: "deepseek-reasoning" }, { reasoning: true }],
  ["qwen3-think", { profile: "qwen3-think" }, { tools: "text", toolCallFormat: "hermes", reasoning: true }],
  ["gemini-openai", { profile: "gemini-openai" }, {}, { schemaKeywords: true }],
  ["lmstudio", { profile: "lmstudio" }, { jsonObject: false }],
  ["no-usage", { profile: "no-usage" }, { usage: false, cachedTokens: false }],
  ["no json_schema", { noJsonSchema: true }, { jsonSchema: false }],
  ["no tools", { noTools: true }, { tools: "none", toolCallFormat: null, toolChoiceRequired: false, toolChoiceNamed: false }],
];

describe("runDoctor on the test server's profiles", () => {
  for (const [name, options, expected, refused] of EXPECTED) {
    it(name, async () => {
      const s = await server(options);
      const report = await runDoctor({ model: "m", baseURL: s.baseURL, env: {} });
      expect(report.usable).toBe(true);
      expect(report.profile).toEqual({ ...base, ...expected });
      expect(report.refused.schemaKeywords).toBe(refused?.schemaKeywords ?? false);
      expect(report.refused.toolChoice).toBe(false);
    });
  }

  it("a server that writes calls as text: the tool_choice rows say the run uses prompted calls, as it will", async () => {
    const s = await server({ profile: "vllm-hermes-text" });
    const report = await runDoctor({ model: "m", baseURL: s.baseURL, env: {} });
    expect(startOptionsFor(report).nativeTools).toBe(false);
    expect(report.checks.find((c) => c.name === 'tool_choice "required"')?.uses).toMatch(/^prompted calls/);
    const clean = await runDoctor({ model: "m", baseURL: (await server({})).baseURL, env: {} });
    expect(clean.checks.find((c) => c.name === 'tool_choice "required"')?.uses).toBe('"required"');
  });

  it("vllm-llama-json: calls as bare JSON or <|python_tag|> text", async () => {
    const s = await server({ profile: "vllm-llama-json" });
    const report = await runDoctor({ model: "m", baseURL: s.baseURL, env: {} });
    expect(report.profile.tools).toBe("text");
    expect(["json", "llama"]).toContain(report.profile.toolCallFormat);
    expect(report.profile.toolChoiceRequired).toBe(true);
  });

  it("a tool_choice refused with a 400 is a refusal; the run starts with auto plus an instruction", async () => {
    const s = await server({
      respond: (r) => (r.body.tool_choice !== undefined && r.body.tool_choice !== "auto" ? { fault: "http", status: 400, message: "tool_choice must be auto" } : undefined),
    });
    const report = await runDoctor({ model: "m", baseURL: s.baseURL, env: {} });
    expect(report.profile).toMatchObject({ tools: "native", toolChoiceRequired: false, toolChoiceNamed: false });
    expect(report.refused.toolChoice).toBe(true);
    expect(startOptionsFor(report)).toEqual({ startMode: { toolChoiceAutoOnly: true } });
    expect(report.checks.find((c) => c.name === 'tool_choice "required"')?.message).toMatch(/tool_choice must be auto/);
  });
});

describe("startOptionsFor", () => {
  it("maps findings to where the openai backend starts", async () => {
    const s = await server({ profile: "lmstudio", noJsonSchema: true });
    const r = await runDoctor({ model: "m", baseURL: s.baseURL, env: {} });
    expect(startOptionsFor(r)).toEqual({ startMode: { jsonMode: "prompted" } });
    const s2 = await server({ noJsonSchema: true, noTools: true });
    const r2 = await runDoctor({ model: "m", baseURL: s2.baseURL, env: {} });
    expect(startOptionsFor(r2)).toEqual({ nativeTools: false, startMode: { jsonMode: "json_object" } });
    expect(startOptionsFor(undefined)).toEqual({});
  });
});

describe("toolflow doctor (CLI)", () => {
  it("--json prints the keys; --cache stores the report without the key", async () => {
    const key = "sk-doctor-secret-key-123456";
    const s = await server({ apiKey: key, profile: "gemini-openai" });
    vi.stubEnv("OPENAI_API_KEY", key);
    const cache = tempDir();
    const r = await cliInProcess(["doctor", "--llm", "openai:m", "--base-url", s.baseURL, "--json", "--cache", cache]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    for (const k of PROFILE_KEYS) expect(out).toHaveProperty(k);
    expect(out).toMatchObject({ chat: true, tools: "native", toolCallFormat: "native", jsonSchema: true, usable: true });
    const files = readdirSync(join(cache, "doctor"));
    expect(files).toHaveLength(1);
    expect(join(cache, "doctor", files[0]!)).toBe(endpointProfilePath(cache, s.baseURL, "m"));
    const stored = readFileSync(join(cache, "doctor", files[0]!), "utf8");
    expect(stored).not.toContain(key);
    expect(r.stdout + r.stderr).not.toContain(key);
    expect(loadEndpointProfile(cache, s.baseURL, "m")?.refused.schemaKeywords).toBe(true);
  });

  it("prints a table of what works and what toolflow uses, with the server's messages", async () => {
    const s = await server({ profile: "lmstudio" });
    const r = await cliInProcess(["doctor", "--llm", "openai:m", "--base-url", s.baseURL]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/json_object\s+no\s+refused\s+prompted JSON/);
    expect(r.stdout).toContain("'response_format.type' must be 'json_schema' or 'text'");
    expect(r.stdout).toContain("synth can run on this endpoint.");
  });

  it("exits 1 with the reason when the endpoint cannot serve the model", async () => {
    const s = await server({ respond: () => ({ fault: "http", status: 404, message: "The model `m` does not exist" }) });
    const r = await cliInProcess(["doctor", "--llm", "openai:m", "--base-url", s.baseURL, "--json"]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ chat: false, usable: false, reason: expect.stringMatching(/does not exist/) });
    expect(r.stderr).toMatch(/synth cannot run .*does not exist/);
    expect(s.chatRequests()).toHaveLength(1);
  });

  it("an authentication failure stops at once, without the key in any output", async () => {
    const wrong = "sk-wrong-doctor-key-abcdef";
    const s = await server({ apiKey: "sk-right-doctor-key-123456" });
    vi.stubEnv("OPENAI_API_KEY", wrong);
    const cache = tempDir();
    const r = await cliInProcess(["doctor", "--llm", "openai:m", "--base-url", s.baseURL, "--cache", cache]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/authentication failed \(401\)/);
    expect(r.stdout + r.stderr).not.toContain(wrong);
    expect(s.requests).toHaveLength(1);
    expect(() => readdirSync(join(cache, "doctor"))).toThrow();
  });

  it("refuses a spec that is not openai:<model>", async () => {
    const r = await cliInProcess(["doctor", "--llm", "sim"]);
    expect(r.code).toBe(2);
  });
});

describe("a run starts in the stored mode", () => {
  const request = (): ChatRequest => ({
    messages: [{ role: "user", content: "Weather in Paris?" }],
    tools: [
      {
        name: "get_weather",
        description: "Weather",
        parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"], additionalProperties: false },
      },
    ],
    toolChoice: "required",
  });
  const jsonRequest = (): ChatRequest => ({
    messages: [{ role: "user", content: "Plan." }],
    responseFormat: { name: "plan", schema: { type: "object", properties: { kind: { const: "plan" } }, additionalProperties: false } },
  });
  const refusals = (s: OpenAIServer) => s.chatRequests().filter((r) => r.outcome === "400").length;

  async function run(options: OpenAIServerOptions, withDoctor: boolean): Promise<{ refusals: number; server: OpenAIServer }> {
    const s = await server(options);
    const cache = tempDir();
    if (withDoctor) await saveEndpointProfile(cache, await runDoctor({ model: "m", baseURL: s.baseURL, env: {} }));
    const before = refusals(s);
    const models = await openRunModels({ llm: "openai:m", baseURL: s.baseURL, env: {}, cacheDir: cache, retry: { maxRetries: 0 } });
    try {
      const m = models.forDialogue(1).assistant;
      await m.chat(request());
      await m.chat(jsonRequest());
    } finally {
      await models.close();
    }
    return { refusals: refusals(s) - before, server: s };
  }

  it("gemini-openai: schemas are sent cleaned from the first request", async () => {
    expect((await run({ profile: "gemini-openai" }, false)).refusals).toBeGreaterThan(0);
    const { refusals: n, server: s } = await run({ profile: "gemini-openai" }, true);
    expect(n).toBe(0);
    const last = s.chatRequests().at(-1)?.body as { response_format?: { type?: string } };
    expect(last.response_format?.type).toBe("json_schema");
  });

  it("lmstudio without json_schema: prompted JSON from the first request", async () => {
    expect((await run({ profile: "lmstudio", noJsonSchema: true }, false)).refusals).toBe(2);
    const { refusals: n, server: s } = await run({ profile: "lmstudio", noJsonSchema: true }, true);
    expect(n).toBe(0);
    const last = s.chatRequests().at(-1)?.body as { response_format?: unknown };
    expect(last.response_format).toBeUndefined();
  });

  it("no tools: prompted tool calls from the first request", async () => {
    const { refusals: n, server: s } = await run({ noTools: true }, true);
    expect(n).toBe(0);
    expect(s.chatRequests().at(-2)?.body).not.toHaveProperty("tools");
  });
});
