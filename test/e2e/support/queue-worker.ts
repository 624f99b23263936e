/**
 * A worker process for test/e2e/queue-workers.test.ts: `toolflow worker`'s startWorker (what the CLI command runs)
 * with the run's `openai:` model going over HTTP to the test's local OpenAI-compatible server; the sim's answer to
 * each request is filed with the test process's bridge first (sim-bridge.ts `fileTo`), which the server answers
 * with. Logs to stderr like the CLI worker; SIGTERM finishes the jobs in flight and exits 0.
 *
 *   node --import tsx test/e2e/support/queue-worker.ts '{"url":"redis://…","baseUrl":"http://…/v1","fileTo":"http://…/file"}'
 */
import { startWorker } from "../../../src/queue/index.js";
import { createSimBridge } from "./sim-bridge.js";

const args = JSON.parse(process.argv[2] ?? "{}") as {
  url: string;
  baseUrl: string;
  fileTo: string;
  concurrency?: number;
  rpm?: number;
  lockDurationMs?: number;
};
const log = (line: string) => process.stderr.write(line + "\n");
const worker = await startWorker({
  url: args.url,
  baseUrl: args.baseUrl,
  concurrency: args.concurrency ?? 2,
  ...(args.rpm !== undefined ? { requestsPerMinute: args.rpm } : {}),
  ...(args.lockDurationMs !== undefined ? { lockDurationMs: args.lockDurationMs } : {}),
  middleware: [createSimBridge({ fileTo: args.fileTo }).middleware],
  log,
});
log("worker: taking jobs");
process.on("SIGTERM", () => {
  void worker.close().then(() => process.exit(0));
});
