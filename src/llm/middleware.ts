/**
 * One way to add behaviour around a model (in the spirit of the AI SDK's `wrapLanguageModel`): a middleware sees
 * each request and calls `next` to reach the model it wraps. The response cache, usage counting and the tests'
 * hooks are middleware; the wrapped model keeps the inner model's `id`, `backend` and `close()`.
 *
 *   wrapModel(model, cacheMiddleware(cache), usageMiddleware(counter))
 *
 * The first middleware is the outermost: it sees the request first and the result last.
 */
import type { ChatModel, ChatRequest, ChatResult } from "./types.js";

export interface ModelMiddleware {
  /** A short name, for messages and tests. */
  readonly name?: string;
  /** Handle one call. `next` sends the request on (to the next middleware, then the model). */
  chat(call: { request: ChatRequest; next: (request: ChatRequest) => Promise<ChatResult>; model: ChatModel }): Promise<ChatResult>;
}

/** `model` with `middleware` around every call (first = outermost). No middleware: the model itself. */
export function wrapModel(model: ChatModel, ...middleware: ReadonlyArray<ModelMiddleware | undefined>): ChatModel {
  const layers = middleware.filter((m): m is ModelMiddleware => m !== undefined);
  if (layers.length === 0) return model;
  const call = (i: number, request: ChatRequest): Promise<ChatResult> => {
    const layer = layers[i];
    if (!layer) return model.chat(request);
    return layer.chat({ request, next: (r) => call(i + 1, r), model });
  };
  const wrapped: ChatModel = {
    id: model.id,
    backend: model.backend,
    chat: (request) => call(0, request),
  };
  if (model.close) wrapped.close = () => model.close!();
  return wrapped;
}
