/**
 * Per-dialogue metering: every role model is wrapped so each call's usage and answering model are recorded for
 * the dialogue, including the calls of a dialogue that later fails (its rejected record still says what it cost).
 */
import type { Usage } from "../core/types.js";
import type { ChatModel, ChatRequest, ChatResult } from "../llm/types.js";
import { addUsage, emptyUsage, type UsageTotals } from "./tally.js";

/** Observer of every model call of a run (e.g. the model layer's UsageMeter for the session summary). */
export type CallObserver = (role: string, model: string, usage: Usage, cached: boolean) => void;

export class DialogueMeter {
  readonly usage: Record<string, UsageTotals> = {};
  readonly models: Record<string, string> = {};
  calls = 0;
  cachedCalls = 0;

  constructor(private readonly observer?: CallObserver) {}

  /**
   * Record one call. A response served from the response cache costs nothing, so its tokens are not added (the
   * model layer's UsageMeter counts them as saved).
   */
  record(role: string, model: string, usage: Usage | undefined, cached: boolean): void {
    this.calls++;
    this.models[role] ??= model;
    const u = usage ?? { promptTokens: 0, completionTokens: 0, cachedTokens: 0, estimated: false };
    const bucket = (this.usage[role] ??= emptyUsage());
    if (cached) this.cachedCalls++;
    else addUsage(bucket, u);
    this.observer?.(role, model, u, cached);
  }

  /** Wrap a model so that its calls are recorded under `role`. */
  wrap(model: ChatModel, role: string): ChatModel {
    const wrapped: ChatModel = {
      id: model.id,
      backend: model.backend,
      chat: async (request: ChatRequest): Promise<ChatResult> => {
        const result = await model.chat(request);
        this.record(role, result.model || model.id, result.usage, result.cached === true);
        return result;
      },
    };
    return wrapped;
  }

  /** Usage per role in the record format. */
  usageRecord(): Record<string, Usage> {
    return Object.fromEntries(
      Object.entries(this.usage).map(([role, u]) => [
        role,
        {
          promptTokens: u.promptTokens,
          completionTokens: u.completionTokens,
          cachedTokens: u.cachedTokens,
          estimated: u.estimated,
        },
      ]),
    );
  }
}
