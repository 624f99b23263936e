/**
 * A synth run through the local OpenAI-compatible test server with the sim answering over HTTP (sim-bridge.ts):
 * the server answers each request with the bridge's filed sim answer, and the run's `openai:` model goes to it with
 * the server's key, the bridge's middleware, no progress bar and its messages discarded.
 */
import { runSynth, type SynthIo, type SynthOptions, type SynthSummary } from "../../../src/synth/index.js";
import { startOpenAIServer, type OpenAIServer, type OpenAIServerOptions } from "../../support/openai-server.js";
import { quietStream } from "../../support/streams.js";
import { createSimBridge, type SimBridge } from "./sim-bridge.js";

/** Quick retries for runs against the local server (a refused or faulty answer is retried at once). */
export const QUICK_RETRY = { baseDelayMs: 5, maxDelayMs: 50 };

/** runSynth through a server the bridge answers for (the options' `baseUrl` is the server's), quietly. */
export function synthThroughBridge(bridge: SimBridge, apiKey: string, options: SynthOptions, io: SynthIo = {}): Promise<SynthSummary> {
  return runSynth(options, {
    stderr: quietStream(),
    tty: false,
    env: { OPENAI_API_KEY: apiKey },
    middleware: [bridge.middleware],
    ...io,
  });
}

export interface SimServer {
  bridge: SimBridge;
  server: OpenAIServer;
  /** synthThroughBridge with this server's bridge and key. */
  synth(options: SynthOptions, io?: SynthIo): Promise<SynthSummary>;
  close(): Promise<void>;
}

/** A new sim bridge and a test server (key `apiKey`, the rest of `server`'s options) that answers with it. */
export async function startSimServer(
  apiKey: string,
  server: Omit<OpenAIServerOptions, "apiKey" | "respond"> = {},
): Promise<SimServer> {
  const bridge = createSimBridge();
  const s = await startOpenAIServer({ apiKey, respond: (r) => bridge.respond(r), ...server });
  return {
    bridge,
    server: s,
    synth: (options, io) => synthThroughBridge(bridge, apiKey, options, io),
    close: () => s.close(),
  };
}
