/**
 * A worker process for bench/queue.bench.ts: `toolflow worker`'s startWorker with the sim answering, and every
 * model call first making one HTTP round trip to the local OpenAI-compatible server (which adds its fixed latency),
 * so a dialogue costs what it would against a model server with that latency while its content stays the sim's.
 *
 *   node --import tsx bench/queue-worker.ts '{"url":"redis://...","baseURL":"http://127.0.0.1:PORT/v1","concurrency":8}'
 * Prints "ready" when it takes jobs; on SIGTERM finishes its jobs, prints its stats as JSON and exits.
 */
import type { ModelMiddleware } from "../src/llm/index.js";
import { startWorker } from "../src/queue/index.js";

const args = JSON.parse(process.argv[2] ?? "{}") as { url: string; baseURL?: string; concurrency?: number };

const roundTrip: ModelMiddleware = {
  name: "server-round-trip",
  async chat({ request, next }) {
    const res = await fetch(`${args.baseURL}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "bench", messages: [{ role: "user", content: "hi" }] }),
    });
    await res.arrayBuffer();
    return next(request);
  },
};

const worker = await startWorker({
  url: args.url,
  concurrency: args.concurrency ?? 8,
  ...(args.baseURL ? { middleware: [roundTrip] } : {}),
});
process.stdout.write("ready\n");
process.on("SIGTERM", () => {
  void worker.close().then(() => {
    const cpu = process.cpuUsage();
    process.stdout.write(JSON.stringify({ ...worker.stats, cpuMs: (cpu.user + cpu.system) / 1000 }) + "\n");
    process.exit(0);
  });
});
