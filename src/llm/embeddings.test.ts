import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, it, expect, afterEach } from "vitest";
import { startOpenAIServer, type OpenAIServer } from "../../test/support/openai-server.js";
import { OpenAIEmbeddingModel } from "./embeddings.js";
import { ModelAuthError, ModelConfigError } from "./errors.js";

const KEY = "sk-test-key-0001";
let server: OpenAIServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const embeddingBodies = (s: OpenAIServer) =>
  s.requests.filter((r) => r.path.endsWith("/embeddings")).map((r) => r.body as { model: string; input: string[]; dimensions?: number });

describe("OpenAIEmbeddingModel", () => {
  it("embeds in batches with retries", async () => {
    server = await startOpenAIServer({ apiKey: KEY, embeddingDimension: 12 });
    const m = new OpenAIEmbeddingModel("emb", { baseURL: server.baseURL, apiKey: KEY, batchSize: 2 });
    const v = await m.embed(["a", "b", "c", "a"]);
    expect(v).toHaveLength(4);
    expect(v[0]).toHaveLength(12);
    expect(v[3]).toEqual(v[0]);
    expect(server.count()).toBe(2);
  });

  it("sends the model, the batch and the requested dimensions, with either fetch", async () => {
    server = await startOpenAIServer({ apiKey: KEY, embeddingDimension: 8 });
    for (const http of ["node", "global"] as const) {
      const m = new OpenAIEmbeddingModel("emb", { baseURL: server.baseURL, apiKey: KEY, dimensions: 6, http });
      expect((await m.embed(["x", "y", "z"])).map((r) => r.length)).toEqual([6, 6, 6]);
    }
    const bodies = embeddingBodies(server);
    expect(bodies).toHaveLength(2);
    expect(bodies.every((b) => b.model === "emb" && b.dimensions === 6 && b.input.join() === "x,y,z")).toBe(true);
  });

  it("retries a 5xx and a malformed answer, then gives the vectors in input order", async () => {
    // the client asks for base64 (float32) vectors
    const b64 = (v: number[]) => Buffer.from(new Float32Array(v).buffer).toString("base64");
    const answers: Array<[number, unknown]> = [
      [500, { error: { message: "busy" } }],
      [200, { data: [{ index: 0, embedding: b64([1, 0]) }] }], // one vector for two texts: malformed
      [200, { data: [{ index: 1, embedding: b64([0, 1]) }, { index: 0, embedding: b64([1, 0]) }] }],
    ];
    let n = 0;
    const raw = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        const [status, body] = answers[Math.min(n++, answers.length - 1)]!;
        res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
      });
    });
    await new Promise<void>((r) => raw.listen(0, "127.0.0.1", r));
    try {
      const baseURL = `http://127.0.0.1:${(raw.address() as AddressInfo).port}/v1`;
      const m = new OpenAIEmbeddingModel("emb", { baseURL, apiKey: KEY, retry: { maxRetries: 3, baseDelayMs: 1, maxDelayMs: 5 } });
      expect(await m.embed(["a", "b"])).toEqual([[1, 0], [0, 1]]);
      expect(n).toBe(3);
    } finally {
      raw.close();
    }
  });

  it("sends a placeholder key to a base URL when none is given, and needs a key without one", async () => {
    server = await startOpenAIServer({ embeddingDimension: 4 });
    const m = new OpenAIEmbeddingModel("emb", { baseURL: server.baseURL, apiKey: "", env: { OPENAI_API_KEY: "sk-not-this-one-000" } });
    expect(await m.embed(["a"])).toHaveLength(1);
    expect(m.endpoint).toBe(server.baseURL);
    expect(() => new OpenAIEmbeddingModel("emb", { env: {} })).toThrow(ModelConfigError);
  });

  it("fails at once on a refused key with a ModelAuthError that does not show the key", async () => {
    server = await startOpenAIServer({ apiKey: KEY, echoKeyOn401: true });
    const wrong = "sk-wrong-embedding-key-12345";
    const m = new OpenAIEmbeddingModel("emb", { baseURL: server.baseURL, apiKey: wrong });
    const err = await m.embed(["a"]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelAuthError);
    expect((err as ModelAuthError).status).toBe(401);
    expect((err as Error).message).not.toContain(wrong);
    expect(server.count()).toBe(1);
  });
});
