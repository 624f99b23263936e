import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ModelConfigError } from "../errors.js";
import { createLlamaModel } from "./chat-model.js";
import { llamaResourceStats, loadNodeLlamaCpp } from "./engine.js";
import { NODE_LLAMA_CPP_INSTALL_HINT } from "./spec.js";
import { TINY_MODEL_CPU, tempDirForFile } from "../../../test/support/tmp.js";

const dir = tempDirForFile("toolflow-llama-");
const CPU = TINY_MODEL_CPU;

describe("loadNodeLlamaCpp", () => {
  it("tells how to install node-llama-cpp when it cannot be imported", async () => {
    const missing = () => Promise.reject(new Error("Cannot find package 'node-llama-cpp'"));
    await expect(loadNodeLlamaCpp(missing)).rejects.toThrow(ModelConfigError);
    await expect(loadNodeLlamaCpp(missing)).rejects.toThrow(`Install it with: ${NODE_LLAMA_CPP_INSTALL_HINT}`);
    expect(NODE_LLAMA_CPP_INSTALL_HINT).toBe("npm i -E node-llama-cpp@3.21.1");
  });

  it("is what createLlamaModel uses", async () => {
    const path = join(dir(), "exists.gguf");
    await writeFile(path, "not loaded anyway");
    const missing = () => Promise.reject(new Error("nope"));
    await expect(createLlamaModel(`llama:${path}`, { importer: missing })).rejects.toThrow(/npm i -E node-llama-cpp@3.21.1/);
  });
});

describe("model files", () => {
  it("names a missing model file", async () => {
    const path = join(dir(), "missing.gguf");
    await expect(createLlamaModel(`llama:${path}`, CPU)).rejects.toThrow(ModelConfigError);
    await expect(createLlamaModel(`llama:${path}`, CPU)).rejects.toThrow(`model file not found: ${path}`);
  });

  it("turns a file that is not GGUF into a ModelConfigError naming it, and holds nothing afterwards", async () => {
    const path = join(dir(), "garbage.gguf");
    await writeFile(path, Buffer.alloc(4096, 7));
    await expect(createLlamaModel(`llama:${path}`, CPU)).rejects.toThrow(`cannot load the model file ${path}`);
    expect(llamaResourceStats().models.map((m) => m.path)).not.toContain(path);
  });
});
