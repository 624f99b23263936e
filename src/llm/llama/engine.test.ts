import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ModelConfigError } from "../errors.js";
import { createLlamaModel } from "./chat-model.js";
import { llamaResourceStats, loadNodeLlamaCpp } from "./engine.js";
import { NODE_LLAMA_CPP_INSTALL_HINT } from "./spec.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "toolflow-llama-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Tests run the tiny models on one CPU thread: more threads only spin on a shared 2-core machine. */
const CPU = { gpu: false, threads: 1, contextSize: 4096 } as const;

describe("loadNodeLlamaCpp", () => {
  it("tells how to install node-llama-cpp when it cannot be imported", async () => {
    const missing = () => Promise.reject(new Error("Cannot find package 'node-llama-cpp'"));
    await expect(loadNodeLlamaCpp(missing)).rejects.toThrow(ModelConfigError);
    await expect(loadNodeLlamaCpp(missing)).rejects.toThrow(`Install it with: ${NODE_LLAMA_CPP_INSTALL_HINT}`);
    expect(NODE_LLAMA_CPP_INSTALL_HINT).toBe("npm i -E node-llama-cpp@3.21.1");
  });

  it("is what createLlamaModel uses", async () => {
    const path = join(dir, "exists.gguf");
    await writeFile(path, "not loaded anyway");
    const missing = () => Promise.reject(new Error("nope"));
    await expect(createLlamaModel(`llama:${path}`, { importer: missing })).rejects.toThrow(/npm i -E node-llama-cpp@3.21.1/);
  });
});

describe("model files", () => {
  it("names a missing model file", async () => {
    const path = join(dir, "missing.gguf");
    await expect(createLlamaModel(`llama:${path}`, CPU)).rejects.toThrow(ModelConfigError);
    await expect(createLlamaModel(`llama:${path}`, CPU)).rejects.toThrow(`model file not found: ${path}`);
  });

  it("turns a file that is not GGUF into a ModelConfigError naming it, and holds nothing afterwards", async () => {
    const path = join(dir, "garbage.gguf");
    await writeFile(path, Buffer.alloc(4096, 7));
    await expect(createLlamaModel(`llama:${path}`, CPU)).rejects.toThrow(`cannot load the model file ${path}`);
    expect(llamaResourceStats().models.map((m) => m.path)).not.toContain(path);
  });
});
