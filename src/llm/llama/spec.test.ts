import { mkdtemp, rm } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ModelConfigError } from "../errors.js";
import { defaultModelCacheDir, parseLlamaSpec } from "./spec.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "toolflow-llama-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("parseLlamaSpec", () => {
  it("reads local paths (relative to cwd, ~) and hf: / https: sources", () => {
    expect(parseLlamaSpec("llama:/m/x.gguf")).toEqual({ kind: "file", path: "/m/x.gguf" });
    expect(parseLlamaSpec("llama:models/x.gguf", "/work")).toEqual({ kind: "file", path: resolve("/work", "models/x.gguf") });
    expect(parseLlamaSpec("llama:~/x.gguf")).toEqual({ kind: "file", path: join(homedir(), "x.gguf") });
    expect(parseLlamaSpec("llama:hf:user/repo/file.gguf")).toEqual({ kind: "remote", uri: "hf:user/repo/file.gguf" });
    expect(parseLlamaSpec("llama:hf:user/repo:Q4_K_M")).toEqual({ kind: "remote", uri: "hf:user/repo:Q4_K_M" });
    expect(parseLlamaSpec("hf:user/repo")).toEqual({ kind: "remote", uri: "hf:user/repo" });
    expect(parseLlamaSpec("llama:https://example.org/m.gguf")).toEqual({ kind: "remote", uri: "https://example.org/m.gguf" });
  });

  it("rejects an empty spec and a malformed hf: URI with a ModelConfigError (exit code 2)", () => {
    expect(() => parseLlamaSpec("llama:")).toThrow(ModelConfigError);
    expect(() => parseLlamaSpec("llama:")).toThrow(/needs a model: "llama:\/path\/to\/model.gguf"/);
    expect(() => parseLlamaSpec("llama:hf:justrepo")).toThrow(/expected hf:user\/repo\/file.gguf or hf:user\/repo:QUANT/);
    try {
      parseLlamaSpec("llama:");
    } catch (err) {
      expect((err as ModelConfigError).exitCode).toBe(2);
    }
  });
});

describe("defaultModelCacheDir", () => {
  it("puts the model cache under TOOLFLOW_MODEL_CACHE, XDG_CACHE_HOME or ~/.cache", () => {
    expect(defaultModelCacheDir({ TOOLFLOW_MODEL_CACHE: "/c" })).toBe("/c");
    expect(defaultModelCacheDir({ XDG_CACHE_HOME: "/x" })).toBe("/x/toolflow/models");
    expect(defaultModelCacheDir({})).toBe(join(homedir(), ".cache", "toolflow", "models"));
  });
});
