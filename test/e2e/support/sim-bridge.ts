/**
 * Drive the local OpenAI-compatible test server with the pipeline-aware sim policy, so a run makes real HTTP
 * round trips (native tool calls, json_schema answers) while its answers are as good as `sim`'s.
 *
 * The agents put their context on `ChatRequest.context`, which never travels over HTTP. So the bridge is a client-side
 * middleware: before a request goes out, it computes the sim answer for it and files it under the request's
 * messages. The server's `respond` hook finds the answer by the messages it receives (a
 * re-ask appends messages, so the longest filed prefix wins) and sends it back as a normal completion; with
 * `faultRate` it injects faults instead.
 */
import { Rng } from "../../../src/core/index.js";
import type { Message } from "../../../src/core/index.js";
import type { ChatResult, ModelMiddleware } from "../../../src/llm/index.js";
import { createSimModel } from "../../../src/sim/index.js";
import type { ChatBody, FaultKind, FaultStep, ScriptStep } from "../../support/openai-server.js";

type WireMessage = NonNullable<ChatBody["messages"]>[number];

function keyOfWire(m: WireMessage): string {
  const calls = Array.isArray(m.tool_calls)
    ? (m.tool_calls as Array<{ function?: { name?: string; arguments?: string } }>)
        .map((c) => `${c.function?.name ?? ""}(${c.function?.arguments ?? ""})`)
        .join(";")
    : "";
  const content = typeof m.content === "string" ? m.content : m.content == null ? "" : JSON.stringify(m.content);
  return `${m.role ?? ""}\u0001${content}\u0001${calls}\u0001${m.tool_call_id ?? ""}`;
}

function keyOfMessage(m: Message): string {
  return keyOfWire({
    role: m.role,
    content: m.role === "assistant" ? m.content : m.content,
    ...(m.role === "assistant" && m.tool_calls ? { tool_calls: m.tool_calls } : {}),
    ...(m.role === "tool" ? { tool_call_id: m.tool_call_id } : {}),
  });
}

export interface SimBridgeOptions {
  /** Share of chat requests answered with a fault instead (seeded). */
  faultRate?: number;
  faults?: Array<FaultKind | FaultStep>;
  seed?: number;
  /**
   * File the answers with a bridge in another process (its `startFilingServer` URL) instead of this one: the
   * middleware half runs where the model calls are made (a worker process), the `respond` half beside the test
   * server (the test process).
   */
  fileTo?: string;
}

export interface SimBridge {
  /** Files the sim answer of every request before it goes to the server. */
  middleware: ModelMiddleware;
  respond(request: { body: ChatBody }): ScriptStep | undefined;
  /** Faults injected so far, by kind. */
  injected: Record<string, number>;
  /** Requests answered from a filed sim answer. */
  answered: number;
  /** Requests for which no filed answer was found (answered by the server's generic responder). */
  unmatched: number;
  /** File an answer under a request's messages key (what the middleware does; also reached over HTTP). */
  file(key: string, answer: ChatResult): void;
}

export function createSimBridge(options: SimBridgeOptions = {}): SimBridge {
  const sim = createSimModel();
  const filed = new Map<string, ChatResult>();
  const rng = new Rng(options.seed ?? 1);
  const faults = options.faults ?? ["malformed", "invented-tool", "bad-args", "500", { fault: "429", retryAfter: 0 }];
  const bridge: SimBridge = {
    injected: {},
    answered: 0,
    unmatched: 0,
    middleware: {
      name: "sim bridge",
      async chat({ request, next }) {
        const answer = await sim.chat(request);
        // the request's seed too: two dialogues can send the same messages (a planner request for the same tools)
        const key = `${request.seed ?? ""}\u0003${request.messages.map(keyOfMessage).join("\u0002")}`;
        if (options.fileTo) {
          const res = await fetch(options.fileTo, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ key, answer }),
          });
          if (!res.ok) throw new Error(`sim bridge: filing an answer at ${options.fileTo} failed (${res.status})`);
          await res.arrayBuffer();
        } else filed.set(key, answer);
        return next(request);
      },
    },
    file(key, answer) {
      filed.set(key, answer);
    },
    respond({ body }) {
      if (options.faultRate && rng.next() < options.faultRate) {
        const f = rng.pick(faults);
        const kind = typeof f === "string" ? f : f.fault;
        bridge.injected[kind] = (bridge.injected[kind] ?? 0) + 1;
        return f;
      }
      const keys = (body.messages ?? []).map(keyOfWire);
      const seed = typeof (body as { seed?: unknown }).seed === "number" ? String((body as { seed: number }).seed) : "";
      for (let n = keys.length; n > 0; n--) {
        const answer = filed.get(`${seed}\u0003${keys.slice(0, n).join("\u0002")}`);
        if (!answer) continue;
        bridge.answered++;
        const toolCalls = answer.toolCalls.map((c) => ({ id: c.id, name: c.function.name, arguments: c.function.arguments }));
        if (toolCalls.length > 0) return { content: answer.text || null, toolCalls };
        return { content: answer.text };
      }
      bridge.unmatched++;
      return undefined;
    },
  };
  return bridge;
}

/**
 * An HTTP endpoint (127.0.0.1, a free port) where bridges of other processes (`fileTo`) file their answers with
 * this bridge. Returns its URL and how to stop it.
 */
export async function startFilingServer(bridge: SimBridge): Promise<{ url: string; close(): Promise<void> }> {
  const { createServer } = await import("node:http");
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      try {
        const { key, answer } = JSON.parse(body) as { key: string; answer: ChatResult };
        bridge.file(key, answer);
        res.writeHead(204).end();
      } catch {
        res.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/file`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
