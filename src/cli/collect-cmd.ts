/**
 * `toolflow collect --queue redis://... --run NAME --out DIR`: write a queued run's folder (dialogues.jsonl,
 * rejected.jsonl, samples.jsonl, manifest.json, ordered by index) from Redis. See docs/scale.md.
 */
import type { Command } from "commander";
import { sharedOptions } from "../core/index.js";
import { collectQueuedRun } from "../queue/index.js";
import { commanderOption } from "./option-specs.js";

export function registerCollectCommands(program: Command): void {
  program
    .command("collect")
    .description("Write the run folder of a queued run (`synth --queue --run`) from Redis, as a local run writes it.")
    .requiredOption("--queue <url>", "Redis of the queue: redis://HOST:PORT/DB")
    .requiredOption("--run <name>", "the run's name")
    .addOption(commanderOption(sharedOptions.out("dir", "the run folder (dialogues.jsonl, rejected.jsonl, samples.jsonl, manifest.json)", { required: true })))
    .action(async (flags: { queue: string; run: string; out: string }) => {
      const c = await collectQueuedRun({ url: flags.queue, run: flags.run, out: flags.out });
      process.stderr.write(
        `collect: ${c.complete ? "complete" : "not complete yet"}: ${c.accepted}/${c.manifest.counts.target} accepted, ` +
          `${c.rejected} rejected -> ${c.dir}\n`,
      );
    });
}
