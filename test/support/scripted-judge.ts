/**
 * A scripted judge for `synth --judge SPEC [--judge-min N]` tests: a middleware that answers the run's judge requests
 * (role "judge") and passes every other request on. A dialogue's scores depend only on its first user message (a
 * hash puts it in one of three bands): `low` scores 2 on accuracy and names one flaw (JUDGE_REASON), `edge` exactly 3
 * everywhere, `high` 4-5. So a local run and a queued run of the same definition are judged alike.
 */
import { createHash } from "node:crypto";
import type { Message } from "../../src/core/index.js";
import type { ChatResult, ModelMiddleware } from "../../src/llm/index.js";

export type JudgeBand = "low" | "edge" | "high";

export const JUDGE_REASON = "the assistant checked out an empty cart";

export const JUDGE_SCORES: Record<JudgeBand, Record<string, number>> = {
  low: { naturalness: 4, coherence: 4, helpfulness: 4, accuracy: 2 },
  edge: { naturalness: 3, coherence: 3, helpfulness: 3, accuracy: 3 },
  high: { naturalness: 5, coherence: 4, helpfulness: 5, accuracy: 4 },
};

/** The band the scripted judge puts a dialogue in, by its first user message. */
export function bandOf(firstUser: string): JudgeBand {
  const h = createHash("sha256").update(firstUser).digest().readUInt32BE(0) % 3;
  return h === 0 ? "low" : h === 1 ? "edge" : "high";
}

export function firstUserOf(messages: readonly Message[]): string {
  const m = messages.find((x) => x.role === "user");
  return m?.role === "user" ? m.content : "";
}

/** The middleware; `asked` gets the first user message of every dialogue judged. */
export function scriptedJudge(asked: string[] = []): ModelMiddleware {
  return {
    name: "scripted-judge",
    async chat({ request, next }): Promise<ChatResult> {
      if (request.role !== "judge") return next(request);
      const prompt = request.messages.at(-1)?.content ?? "";
      const dialogue = prompt.slice(prompt.indexOf("Dialogue:\n"));
      const first = /^\[user\] (.*)$/m.exec(dialogue)?.[1] ?? "";
      asked.push(first);
      const band = bandOf(first);
      return {
        text: JSON.stringify({
          flaws: band === "low" ? [{ kind: "pointless_action", note: JUDGE_REASON }] : [],
          ...JUDGE_SCORES[band],
          rationale: band === "low" ? JUDGE_REASON : "fine",
        }),
        toolCalls: [],
        finishReason: "stop",
        usage: { promptTokens: 100, completionTokens: 20, cachedTokens: 0, estimated: false },
        model: "scripted-judge",
      };
    },
  };
}
