import { afterEach, describe, expect, it } from "vitest";
import { startOpenAIServer, type OpenAIServer } from "../../test/support/openai-server.js";
import { requestCacheKey } from "./cache.js";
import { OpenAIChatModel } from "./openai.js";

let server: OpenAIServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("ChatRequest.cacheKey", () => {
  it("is sent as prompt_cache_key, and only when set", async () => {
    server = await startOpenAIServer({ apiKey: "k" });
    const model = new OpenAIChatModel("test-model", { baseURL: server.baseURL, apiKey: "k" });
    await model.chat({ messages: [{ role: "user", content: "hi" }], cacheKey: "toolflow-user-42" });
    await model.chat({ messages: [{ role: "user", content: "hi" }] });
    const bodies = server.chatRequests().map((r) => r.body as Record<string, unknown>);
    expect(bodies[0]!.prompt_cache_key).toBe("toolflow-user-42");
    expect(bodies[1]).not.toHaveProperty("prompt_cache_key");
  });

  it("does not change the response-cache key (it does not change the answer)", () => {
    const req = { messages: [{ role: "user" as const, content: "hi" }] };
    expect(requestCacheKey("m", { ...req, cacheKey: "a" })).toBe(requestCacheKey("m", req));
  });
});
