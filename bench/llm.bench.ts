/**
 * Model-layer throughput: N requests through OpenAIChatModel (limiter, retries, validation) against the local
 * OpenAI-compatible server with a fixed latency L at concurrency C, compared with the ideal N·L/C.
 * The server runs in a child process so its CPU is not counted as the client's.
 *
 *   npm run bench llm            (LLM_BENCH_N, LLM_BENCH_C, LLM_BENCH_L override the defaults 2000, 64, 50)
 * Targets: achieved/ideal throughput >= 90 %, client CPU <= 1 ms per request.
 */
import type { ChildProcess } from "node:child_process";
import { cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { startChild } from "./child.js";
import { resolve } from "node:path";
import { OpenAIChatModel } from "../src/llm/index.js";
import { RequestLimiter } from "../src/llm/index.js";
import type { ChatRequest } from "../src/llm/index.js";


interface ServerProcess {
  baseURL: string;
  child: ChildProcess;
  /** Ask the server to stop; resolves with its own CPU time and request count. */
  stop(): Promise<{ served: number; cpuMs: number } | undefined>;
}

async function startServerProcess(options: Record<string, unknown>): Promise<ServerProcess> {
  const server = await startChild("test/support/openai-server.ts", options);
  return {
    baseURL: (JSON.parse(server.first) as { baseURL: string }).baseURL,
    child: server.child,
    async stop() {
      const last = await server.stop();
      return last ? (JSON.parse(last) as { served: number; cpuMs: number }) : undefined;
    },
  };
}

interface Scenario {
  name: string;
  request: (i: number) => ChatRequest;
}

const planSchema = {
  type: "object",
  properties: {
    steps: {
      type: "array",
      minItems: 1,
      items: { type: "object", properties: { id: { type: "integer", minimum: 1 }, intent: { type: "string", minLength: 1 } }, required: ["id", "intent"] },
    },
  },
  required: ["steps"],
};

const SCENARIOS: Scenario[] = [
  { name: "text", request: (i) => ({ messages: [{ role: "system", content: "You are helpful." }, { role: "user", content: `question ${i}` }] }) },
  {
    name: "json_schema",
    request: (i) => ({ messages: [{ role: "user", content: `plan ${i}` }], responseFormat: { name: "plan", schema: planSchema } }),
  },
  {
    name: "tool call",
    request: (i) => ({
      messages: [{ role: "user", content: `weather ${i}` }],
      tools: [
        {
          name: "get_weather",
          description: "Weather for a city",
          parameters: { type: "object", properties: { city: { type: "string" }, days: { type: "integer", minimum: 1 } }, required: ["city", "days"] },
        },
      ],
      toolChoice: "required",
    }),
  },
];

export async function run(): Promise<void> {
  const N = Number(process.env.LLM_BENCH_N ?? 2000);
  const C = Number(process.env.LLM_BENCH_C ?? 64);
  const L = Number(process.env.LLM_BENCH_L ?? 50);
  const server = await startServerProcess({ latencyMs: L, keepRequests: 0 });
  const { baseURL } = server;
  const [load1] = loadavg();
  try {
    const limiter = new RequestLimiter({ concurrency: C });
    const model = new OpenAIChatModel("bench", { baseURL, apiKey: "sk-bench-not-a-key", limiter, timeoutMs: 30_000 });
    console.log("transport: the default (the openai client over the node:http keep-alive fetch of src/llm/http-fetch.ts)");
    // warm up connections and JIT on every scenario
    for (const sc of SCENARIOS) await Promise.all(Array.from({ length: Math.min(N, 1000) }, (_, i) => model.chat(sc.request(i))));
    const ideal = (N * L) / C;
    console.log(`N=${N} requests, latency L=${L} ms, concurrency C=${C}: ideal N·L/C = ${ideal.toFixed(0)} ms`);
    console.log(`machine: ${cpus().length} cores, load average ${load1?.toFixed(1)} at start`);
    console.log("scenario      wall ms   req/s   achieved/ideal   client CPU/request");
    for (const sc of SCENARIOS) {
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      await Promise.all(Array.from({ length: N }, (_, i) => model.chat(sc.request(i))));
      const wall = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      const cpuPerReq = (cpu.user + cpu.system) / 1000 / N;
      const ratio = ideal / wall;
      console.log(
        `${sc.name.padEnd(12)} ${wall.toFixed(0).padStart(8)} ${((N / wall) * 1000).toFixed(0).padStart(7)}   ${(ratio * 100).toFixed(1).padStart(6)} % ${ratio >= 0.9 ? "(ok)  " : "(LOW) "}   ${cpuPerReq.toFixed(3)} ms ${cpuPerReq <= 1 ? "(ok)" : "(HIGH)"}`,
      );
    }
  } finally {
    const stats = await server.stop();
    if (stats) console.log(`server process: ${stats.served} requests, ${(stats.cpuMs / stats.served).toFixed(3)} ms CPU per request (not counted above)`);
  }
}

const invokedDirectly = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === resolve(process.argv[1]);
if (invokedDirectly) await run();
