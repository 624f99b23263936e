import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeTinyLlamaGguf } from "../../../test/support/gguf.js";
import { ModelConfigError } from "../errors.js";
import { createLlamaModel } from "./chat-model.js";
import { downloadLlamaModel } from "./download.js";
import type { LlamaProgress } from "./spec.js";
import { TINY_MODEL_CPU, tempDirForFile } from "../../../test/support/tmp.js";

const dir = tempDirForFile("toolflow-llama-");
const CPU = TINY_MODEL_CPU;

describe("hf: downloads", () => {

  it("fails an hf: download fast when offline, saying how to get the file by hand", async () => {
    const cacheDir = join(dir(), "hf-cache");
    const err = await downloadLlamaModel("hf:toolflow-test/nothing/tiny.gguf", { cacheDir, downloadTimeoutMs: 1500 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelConfigError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/cannot download hf:toolflow-test\/nothing\/tiny.gguf/);
    expect(msg).toMatch(/pass llama:\/path\/to\/file.gguf/);
    expect(msg).toContain(join(cacheDir, "hf_toolflow-test_nothing_tiny.gguf"));
    expect(msg).toMatch(/HF_ENDPOINT/);
  });

  it("fails the same way with an unreachable mirror (HF_ENDPOINT on a closed loopback port)", async () => {
    const before = process.env.HF_ENDPOINT;
    process.env.HF_ENDPOINT = "http://127.0.0.1:9/";
    try {
      const err = await downloadLlamaModel("hf:toolflow-test/nothing:Q4_K_M", { cacheDir: join(dir(), "hf-cache2"), downloadTimeoutMs: 1500 }).catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ModelConfigError);
      expect((err as Error).message).toMatch(/cannot download hf:toolflow-test\/nothing:Q4_K_M: .*may be offline/);
    } finally {
      if (before === undefined) delete process.env.HF_ENDPOINT;
      else process.env.HF_ENDPOINT = before;
    }
  });

  it("downloads an hf: model once through a mirror (HF_ENDPOINT on loopback), with progress, then loads it", async () => {
    const bytes = readFileSync(await writeTinyLlamaGguf(join(dir(), "served.gguf"), { seed: 2, blockCount: 1, embeddingLength: 32 }));
    const requests: string[] = [];
    const { server, url } = await serve((req, res) => {
      requests.push(`${req.method} ${req.url}`);
      if (!req.url?.startsWith("/someone/repo/resolve/main/model.gguf")) {
        res.writeHead(404).end();
        return;
      }
      const range = /bytes=(\d+)-(\d*)/.exec(req.headers.range ?? "");
      const start = range ? Number(range[1]) : 0;
      const end = range?.[2] ? Number(range[2]) : bytes.length - 1;
      res.writeHead(range ? 206 : 200, {
        "content-length": end - start + 1,
        "accept-ranges": "bytes",
        ...(range ? { "content-range": `bytes ${start}-${end}/${bytes.length}` } : {}),
      });
      res.end(bytes.subarray(start, end + 1));
    });
    const before = process.env.HF_ENDPOINT;
    process.env.HF_ENDPOINT = url;
    const cacheDir = join(dir(), "hf-mirror-cache");
    try {
      const progress: LlamaProgress[] = [];
      const path = await downloadLlamaModel("hf:someone/repo/model.gguf", { cacheDir, downloadTimeoutMs: 10_000, onProgress: (p) => progress.push(p) });
      expect(path).toBe(join(cacheDir, "hf_someone_repo_model.gguf"));
      expect(readFileSync(path).equals(bytes)).toBe(true);
      expect(progress.at(-1)).toEqual({ phase: "download", downloadedBytes: bytes.length, totalBytes: bytes.length });
      const served = requests.length;
      const model = await createLlamaModel("llama:hf:someone/repo/model.gguf", { ...CPU, cacheDir, downloadTimeoutMs: 10_000 });
      expect(requests.length).toBe(served); // served from the cache
      expect(model.id).toBe("llama:hf:someone/repo/model.gguf");
      const r = await model.chat({ messages: [{ role: "user", content: "hi" }], maxTokens: 3 });
      expect(r.usage.completionTokens).toBe(3);
      await model.close?.();
    } finally {
      if (before === undefined) delete process.env.HF_ENDPOINT;
      else process.env.HF_ENDPOINT = before;
      server.close();
    }
  });

  it("aborts a download that stalls, with the same advice", async () => {
    const { server, url } = await serve((req, res) => {
      res.writeHead(200, { "content-length": 1_000_000, "accept-ranges": "none" });
      res.write(Buffer.alloc(1000)); // then nothing more
    });
    const before = process.env.HF_ENDPOINT;
    process.env.HF_ENDPOINT = url;
    try {
      const err = await downloadLlamaModel("hf:someone/stall/model.gguf", { cacheDir: join(dir(), "hf-stall"), downloadTimeoutMs: 5000, downloadStallMs: 500 }).catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ModelConfigError);
      expect((err as Error).message).toMatch(/downloading hf:someone\/stall\/model.gguf failed: the download made no progress for 500 ms/);
      expect((err as Error).message).toMatch(/pass llama:\/path\/to\/file.gguf/);
    } finally {
      if (before === undefined) delete process.env.HF_ENDPOINT;
      else process.env.HF_ENDPOINT = before;
      server.closeAllConnections();
      server.close();
    }
  });

  it("uses an hf: model already in the cache without any network", async () => {
    const cacheDir = join(dir(), "hf-cache3");
    const cached = await writeTinyLlamaGguf(join(cacheDir, "hf_someone_tiny-repo_model.gguf"), { blockCount: 1, embeddingLength: 32 });
    await expect(downloadLlamaModel("hf:someone/tiny-repo/model.gguf", { cacheDir, downloadTimeoutMs: 1 })).resolves.toBe(cached);
  });
});

/** A loopback HTTP server for download tests. */
async function serve(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}/` };
}
