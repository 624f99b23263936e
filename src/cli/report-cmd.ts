/**
 * `toolflow report DIR -o report.html`: a run as one self-contained HTML page (overview, plots, the tool graph,
 * a dialogue browser). `toolflow view DIR [--port N]`: the same page served on 127.0.0.1, following a running
 * synth as it writes. See docs/report.md.
 */
import type { Command } from "commander";
import { checkInputDir, checkInputFile, checkOutputFile, guardWrite, sharedOptions } from "../core/index.js";
import { DEFAULT_MAX_DETAILS, startRunViewer, writeHtmlReport } from "../html/index.js";
import { intOption } from "./options.js";
import { commanderOption } from "./option-specs.js";

interface ReportCmdOptions {
  out: string;
  graph?: string;
  judge?: string;
  title?: string;
  maxDetails: number;
  seed: number;
  skipBadLines?: boolean;
}

interface ViewCmdOptions {
  port: number;
  graph?: string;
  judge?: string;
  title?: string;
  poll: number;
  skipBadLines?: boolean;
}

const SKIP_HELP = "leave out lines that cannot be read (not UTF-8, not JSON, not a record), counting them on the page and in the summary line, instead of stopping at the first (exit 2)";

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

export function registerReportCommands(program: Command): void {
  program
    .command("report")
    .description("write a run as one self-contained HTML page: overview, plots, tool graph, dialogue browser")
    .argument("<dir>", "synth run folder (dialogues.jsonl, rejected.jsonl, manifest.json)")
    .addOption(commanderOption(sharedOptions.out("file", "the HTML page", { required: true })))
    .option("--graph <file>", "graph.json to draw (default: the run's --graph, else DIR/graph.json or DIR/../graph.json)")
    .option("--judge <dir>", "a `toolflow judge` output folder (default: DIR/judge, DIR/judged or DIR when it holds judge.jsonl)")
    .option("--title <text>", "page title")
    .option("--max-details <n>", `embed the details of at most N dialogues, a seeded sample beyond (default ${DEFAULT_MAX_DETAILS})`, intOption("--max-details", 0), DEFAULT_MAX_DETAILS)
    .addOption(commanderOption(sharedOptions.seed(0))) // the sample of dialogues beyond --max-details
    .option("--skip-bad-lines", SKIP_HELP)
    .action(async (dir: string, opts: ReportCmdOptions) => {
      checkInputDir(dir, "run folder");
      if (opts.graph !== undefined) checkInputFile(opts.graph, "--graph");
      checkOutputFile(opts.out, "--out");
      const r = await guardWrite(opts.out, () => writeHtmlReport(dir, opts.out, {
        graph: opts.graph,
        judge: opts.judge,
        title: opts.title,
        maxDetails: opts.maxDetails,
        seed: opts.seed,
        skipBadLines: opts.skipBadLines === true,
        onProgress: (m) => process.stderr.write(`report: ${m}\n`),
      }));
      const sample = r.embedded < r.dialogues ? ` (details of ${r.embedded} embedded: a sample)` : "";
      const skipped = r.skippedLines > 0 ? `, ${r.skippedLines} unreadable line(s) left out` : "";
      process.stderr.write(`report: ${r.dialogues} dialogues (${r.accepted} accepted, ${r.rejected} rejected)${sample}${skipped}, ${mb(r.bytes)} -> ${r.out}\n`);
    });

  program
    .command("view")
    .description("serve a run's report page on 127.0.0.1 and follow the run as it writes")
    .argument("<dir>", "synth run folder (may still be written by a running synth)")
    .option("--port <n>", "port on 127.0.0.1 (default 0: a free one)", intOption("--port", 0, 65535), 0)
    .option("--graph <file>", "graph.json to draw")
    .option("--judge <dir>", "a `toolflow judge` output folder")
    .option("--title <text>", "page title")
    .option("--poll <ms>", "how often to re-read the run's files", intOption("--poll", 100, 60_000), 1000)
    .option("--skip-bad-lines", `${SKIP_HELP}; lines the run appends later are always left out and named on the page`)
    .action(async (dir: string, opts: ViewCmdOptions) => {
      // listen for Ctrl-C / SIGTERM before anything else, so a stop during the first read closes cleanly
      let stop!: () => void;
      const stopped = new Promise<void>((done) => (stop = done));
      process.on("SIGINT", stop);
      process.on("SIGTERM", stop);
      // the first read failing (an unreadable line, a broken judge output) stops the server: exit 2 naming it
      let firstRead: "pending" | "done" = "pending";
      let failed: unknown;
      try {
        const viewer = await startRunViewer(dir, {
          port: opts.port,
          graph: opts.graph,
          judge: opts.judge,
          title: opts.title,
          pollMs: opts.poll,
          skipBadLines: opts.skipBadLines === true,
          onError: (err) => {
            if (firstRead === "done") process.stderr.write(`view: ${err instanceof Error ? err.message : String(err)}\n`);
          },
        });
        process.stderr.write(`view: serving ${viewer.data.dir} on ${viewer.url} (Ctrl-C to stop)\n`);
        process.stdout.write(`${viewer.url}\n`);
        void viewer.ready().then(
          () => {
            firstRead = "done";
            const skipped = viewer.data.skippedLines > 0 ? ` (${viewer.data.skippedLines} unreadable line(s) left out)` : "";
            process.stderr.write(`view: ${viewer.data.rows.length} dialogues read${skipped}; following the run\n`);
          },
          (err: unknown) => {
            failed = err;
            stop();
          },
        );
        await stopped;
        await viewer.close();
        if (failed !== undefined) throw failed;
      } finally {
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
      }
    });
}
