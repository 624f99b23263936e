/**
 * LLaMA-Factory's newer messages layout (read only: toolflow writes OpenAI rows and ShareGPT for LLaMA-Factory):
 * `{messages: [{role, content: [{type: text|reasoning|tool_call, value}]}], tools: JSON string}`.
 */
import { z } from "zod";
import type { Message } from "../../core/index.js";
import {
  blockCalls,
  Ids,
  isObj,
  PendingCalls,
  RowError,
  toolList,
  type DataFormat,
  type ReadDialogue,
  type RowContext,
} from "./read-helpers.js";

/** LLaMA-Factory's messages layout: content blocks `{type, value}`, tools as a JSON string. */
const BlockZ = z.object({ type: z.string(), value: z.string() }).passthrough();
export const LlamaFactoryRowZ = z.object({
  messages: z
    .array(z.object({ role: z.enum(["system", "user", "assistant", "tool"]), content: z.union([z.string(), z.array(BlockZ)]), loss_weight: z.number().optional() }).passthrough())
    .min(1),
  tools: z.union([z.string(), z.array(z.unknown()), z.record(z.string(), z.unknown())]).optional(),
});

/** LLaMA-Factory's messages layout: some message content is a list of {type, value} blocks. */
function hasContentBlocks(messages: unknown[]): boolean {
  return messages.some((m) => isObj(m) && Array.isArray(m.content) && m.content.some((b) => isObj(b) && typeof b.type === "string" && typeof b.value === "string"));
}

/**
 * LLaMA-Factory's messages layout (data/reason_tool_use_demo_50.jsonl; its v1 data converters write it):
 * content is a list of `{type, value}` blocks (`text`, `reasoning`, `tool_call`, media), tools a JSON string.
 * Reasoning blocks are not assistant text (as `<think>` elsewhere); media blocks carry no text.
 */
function fromLlamaFactory(row: z.infer<typeof LlamaFactoryRowZ>, ctx: RowContext): ReadDialogue {
  const ids = new Ids();
  const pending = new PendingCalls(ids, ctx.note);
  const messages: Message[] = [];
  row.messages.forEach((m, i) => {
    const blocks = typeof m.content === "string" ? [{ type: "text", value: m.content }] : m.content;
    const texts = blocks.filter((b) => b.type === "text").map((b) => b.value);
    const text = texts.join("");
    if (m.role === "system" || m.role === "user") messages.push({ role: m.role, content: text });
    else if (m.role === "assistant") {
      const calls = blocks.filter((b) => b.type === "tool_call").flatMap((b) => {
        try {
          return blockCalls(b.value, ids);
        } catch (err) {
          throw new RowError(`message ${i}: a tool_call block that is not {"name", "arguments"}: ${(err as Error).message}`);
        }
      });
      if (calls.length > 0) {
        pending.set(calls);
        messages.push({ role: "assistant", content: text.trim() === "" ? null : text, tool_calls: calls });
      } else messages.push({ role: "assistant", content: text });
    } else messages.push(...pending.answer(texts.length > 0 ? texts : [""]));
  });
  return { messages, tools: toolList(row.tools ?? [], ctx.note), plan: null, stepOf: null };
}

export const llamafactoryReader: DataFormat<z.infer<typeof LlamaFactoryRowZ>> = {
  name: "llamafactory",
  expected: "a LLaMA-Factory messages row {messages: [{role, content: [{type: text|reasoning|tool_call, value}]}], tools?: JSON string}",
  detect: (row) => Array.isArray(row.messages) && hasContentBlocks(row.messages),
  schema: LlamaFactoryRowZ,
  read: fromLlamaFactory,
};
