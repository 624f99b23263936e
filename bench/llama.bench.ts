/**
 * The `llama:` backend on a tiny random GGUF model (made on the fly): load time, prompt and generation speed,
 * grammar-constrained JSON and a forced tool call, and the effect of the shared sequence's prefix reuse.
 * The model is tiny (2 blocks, width 64, character vocabulary): the figures measure node-llama-cpp's overhead
 * per request and token on this machine, not a real model's speed.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeTinyLlamaGguf } from "../test/support/gguf.js";
import { openLlamaModel } from "../src/llm/index.js";
import type { ChatTool } from "../src/llm/index.js";

export async function run(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "toolflow-llama-bench-"));
  try {
    const path = await writeTinyLlamaGguf(join(dir, "tiny.gguf"), { seed: 1 });
    for (const threads of [1, 2]) {
      let t = performance.now();
      const model = await openLlamaModel(`llama:${path}`, { gpu: false, threads, contextSize: 4096 });
      const loadMs = performance.now() - t;

      const gen = 128;
      t = performance.now();
      const r = await model.chat({ messages: [{ role: "user", content: "Tell me a story." }], maxTokens: gen });
      const genMs = performance.now() - t;

      const longPrompt = "The quick brown fox jumps over the lazy dog. ".repeat(40);
      t = performance.now();
      const p = await model.chat({ messages: [{ role: "user", content: longPrompt }], maxTokens: 1 });
      const promptMs = performance.now() - t;
      t = performance.now();
      const p2 = await model.chat({ messages: [{ role: "user", content: longPrompt }], maxTokens: 1 });
      const promptAgainMs = performance.now() - t;

      const schema = {
        type: "object",
        properties: { ok: { type: "boolean" }, color: { enum: ["red", "green", "blue"] }, n: { type: "integer", minimum: 0, maximum: 9 } },
        required: ["ok", "color", "n"],
      };
      t = performance.now();
      const j = await model.chat({ messages: [{ role: "user", content: "JSON" }], responseFormat: { name: "x", schema }, maxTokens: 80 });
      const jsonMs = performance.now() - t;

      const tool: ChatTool = {
        name: "book_table",
        description: "Book a table",
        parameters: { type: "object", properties: { people: { type: "integer", minimum: 1, maximum: 8 }, terrace: { type: "boolean" } }, required: ["people"] },
      };
      t = performance.now();
      const c = await model.chat({ messages: [{ role: "user", content: "Book" }], tools: [tool], toolChoice: "required", maxTokens: 80 });
      const callMs = performance.now() - t;
      await model.close?.();

      console.log(`threads=${threads}`);
      console.log(`  load (binding + model + context): ${loadMs.toFixed(0)} ms`);
      console.log(`  generation: ${r.usage.completionTokens} tokens in ${genMs.toFixed(0)} ms = ${((r.usage.completionTokens / genMs) * 1000).toFixed(0)} tok/s`);
      console.log(`  prompt: ${p.usage.promptTokens} tokens in ${promptMs.toFixed(0)} ms = ${((p.usage.promptTokens / promptMs) * 1000).toFixed(0)} tok/s`);
      console.log(`  same prompt again: ${p2.usage.cachedTokens}/${p2.usage.promptTokens} tokens reused, ${promptAgainMs.toFixed(0)} ms`);
      console.log(`  grammar JSON (${j.usage.completionTokens} tokens): ${jsonMs.toFixed(0)} ms -> ${j.text.trim()}`);
      console.log(`  forced tool call (${c.usage.completionTokens} tokens, ${c.usage.promptTokens} prompt): ${callMs.toFixed(0)} ms -> ${c.toolCalls[0]?.function.arguments}`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
