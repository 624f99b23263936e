/**
 * Replaying recorded assistant turns as a model: the sim answers from the agents' context, which a request built
 * from a finished dialogue (held-out eval, round trip) does not carry, so these tests answer each request with the
 * turn the sim recorded for that conversation, optionally spoiled.
 */
import { canonicalJson, type Message, type ToolCall } from "../../src/core/index.js";
import type { ChatResult, ModelMiddleware } from "../../src/llm/index.js";

type AssistantMessage = Extract<Message, { role: "assistant" }>;

/** A recorded assistant turn: `key` is `<dialogue id>#<message index>`. */
export interface RecordedTurn {
  key: string;
  id: string;
  turn: number;
  msg: AssistantMessage;
}

/** Key of a conversation, in the form the openai export writes it (tool messages without `name`, text turns' content ""). */
export function conversationKey(messages: readonly Message[]): string {
  return canonicalJson(
    messages.map((m) => {
      if (m.role === "tool") return { role: "tool", tool_call_id: m.tool_call_id, content: m.content };
      if (m.role === "assistant" && (m.tool_calls?.length ?? 0) === 0) return { role: "assistant", content: m.content ?? "" };
      return m;
    }),
  );
}

/** Every recorded assistant turn, by the conversation before it. */
export function recordedTurns(recs: ReadonlyArray<{ id: string; messages: Message[] }>): Map<string, RecordedTurn> {
  const map = new Map<string, RecordedTurn>();
  for (const r of recs) {
    r.messages.forEach((m, i) => {
      if (m.role === "assistant") map.set(conversationKey(r.messages.slice(0, i)), { key: `${r.id}#${i}`, id: r.id, turn: i, msg: m });
    });
  }
  return map;
}

/** Change one argument of the first call (or add an unknown one when it has none): a wrong answer for any checker. */
export function breakCalls(calls: ToolCall[]): ToolCall[] {
  return calls.map((c, k) => {
    if (k > 0) return c;
    const args = JSON.parse(c.function.arguments) as Record<string, unknown>;
    const first = Object.keys(args)[0];
    if (first !== undefined) args[first] = "zz-broken-zz";
    else args.zz_broken = 1;
    return { ...c, function: { name: c.function.name, arguments: JSON.stringify(args) } };
  });
}

/**
 * Answers each request (of `role`, when given; others go on to the model) with its recorded turn; the calls of the
 * turns `spoil` picks are broken with breakCalls. A conversation with no recorded turn is an error.
 */
export function replayTurns(turns: ReadonlyMap<string, RecordedTurn>, options: { role?: string; spoil?: (t: RecordedTurn) => boolean } = {}): ModelMiddleware {
  return {
    name: "replay",
    async chat({ request, next }): Promise<ChatResult> {
      if (options.role !== undefined && request.role !== options.role) return next(request);
      const hit = turns.get(conversationKey(request.messages));
      if (!hit) throw new Error("replay: no recorded turn for this conversation");
      const calls = hit.msg.tool_calls ?? [];
      const toolCalls = options.spoil?.(hit) ? breakCalls(calls) : calls;
      return {
        text: hit.msg.content ?? "",
        toolCalls,
        finishReason: toolCalls.length > 0 ? "tool_calls" : "stop",
        usage: { promptTokens: 10, completionTokens: 5, cachedTokens: 0, estimated: true },
        model: "replay",
      };
    },
  };
}
