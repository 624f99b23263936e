/**
 * `toolflow worker --queue redis://HOST:PORT/DB`: generate dialogues of any queued run (see docs/scale.md) until
 * SIGINT / SIGTERM, which finish the jobs in flight first.
 */
import type { Command } from "commander";
import { stripUrlCredentials } from "../core/index.js";
import { startWorker } from "../queue/index.js";
import { intOption, urlOption } from "./options.js";

interface WorkerFlags {
  queue: string;
  concurrency: number;
  cache?: string;
  baseUrl?: string;
  rpm?: number;
  lockDuration: number;
}

export function registerWorkerCommands(program: Command): void {
  program
    .command("worker")
    .description(
      "Take dialogue jobs of queued runs (`synth --queue`) from Redis, generate and verify each with its run's " +
        "definition, and store the records in Redis (keyed by run and index). Runs until SIGINT / SIGTERM.",
    )
    .requiredOption("--queue <url>", "Redis of the queue: redis://HOST:PORT/DB")
    .option("--concurrency <n>", "dialogues generated at once by this worker", intOption("--concurrency", 1, 1024), 4)
    .option("--cache <dir>", "this worker's response cache folder")
    .option("--base-url <url>", "model endpoint to use instead of the run's --base-url (e.g. the server on this machine)", urlOption("--base-url"))
    .option("--rpm <n>", "requests per minute to a model endpoint, shared by every worker through Redis", intOption("--rpm", 1))
    .option("--lock-duration <seconds>", "a dead worker's job goes to another worker after this long", intOption("--lock-duration", 1, 3600), 30)
    .action(async (flags: WorkerFlags) => {
      const log = (line: string) => process.stderr.write(line + "\n");
      const worker = await startWorker({
        url: flags.queue,
        concurrency: flags.concurrency,
        ...(flags.cache !== undefined ? { cache: flags.cache } : {}),
        ...(flags.baseUrl !== undefined ? { baseUrl: flags.baseUrl } : {}),
        ...(flags.rpm !== undefined ? { requestsPerMinute: flags.rpm } : {}),
        lockDurationMs: flags.lockDuration * 1000,
        log,
        deps: async (options) => (await import("../judge/index.js")).synthDepsFor(options),
      });
      log(`worker: taking jobs from ${stripUrlCredentials(flags.queue)} (concurrency ${flags.concurrency})`);
      await new Promise<void>((resolve) => {
        let stopping = false;
        const stop = (sig: NodeJS.Signals) => {
          if (stopping) {
            log(`worker: ${sig} again, exiting now`);
            process.exit(130);
          }
          stopping = true;
          log(`worker: ${sig}: finishing the jobs in flight`);
          void worker.close().then(resolve);
        };
        process.on("SIGINT", stop);
        process.on("SIGTERM", stop);
      });
      log(`worker: stopped; stored ${worker.stats.stored} dialogues, ${worker.stats.skipped} already stored`);
    });
}
