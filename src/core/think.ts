/**
 * Reasoning written into chat text as reasoning models' chat templates (Qwen3, DeepSeek-R1, Hermes) write it: a
 * `<think>…</think>` block before the answer. `export --reasoning` writes it; the export formats' parsers and the
 * dataset reader take it off again.
 */

/** The block to put before an answer ("" without reasoning). */
export function thinkBlock(reasoning: string | undefined): string {
  return reasoning ? `<think>\n${reasoning}\n</think>\n\n` : "";
}

/** A leading `<think>…</think>` block taken off a text: the reasoning (when not empty) and the rest. */
export function takeThink(text: string): { reasoning?: string; rest: string } {
  const m = /^\s*<think>([\s\S]*?)<\/think>\s*/.exec(text);
  if (!m) return { rest: text };
  const reasoning = (m[1] ?? "").trim();
  return { ...(reasoning !== "" ? { reasoning } : {}), rest: text.slice(m[0].length) };
}
