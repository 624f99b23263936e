/**
 * The table of issue 21: every command that reads a file x each kind of bad input (missing, a folder, empty, cut,
 * another format, invalid UTF-8, a huge line), with the exit code and the first line of standard error, and
 * whether an output that existed before is unchanged. Run: `node --import tsx bench/bad-input-table.ts`
 * (prints a markdown table; a few seconds).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BAD_KINDS, captureCli, layCase, makeGoodInputs, READERS, snapshot, spoil } from "../test/support/bad-input.js";

const root = mkdtempSync(join(tmpdir(), "toolflow-bad-input-"));
try {
  const good = await makeGoodInputs(join(root, "good"));
  const rows: string[] = ["| command | input | exit | first line of stderr | output kept |", "| --- | --- | --- | --- | --- |"];
  let n = 0;
  for (const reader of READERS) {
    if (reader.input === "answers" && good.answers === undefined) continue;
    for (const kind of BAD_KINDS) {
      const { input, out } = layCase(reader, good, join(root, `case-${n++}`), (path, g, w) => spoil(kind === "missing" && reader.input === "dialogues" ? join(path, "..") : path, kind, g, w));
      const outs = reader.outputs?.(out) ?? [];
      const before = outs.map(snapshot);
      const r = await captureCli(reader.args(input, good, out));
      const kept = outs.length === 0 ? "-" : r.code === 0 ? "(written)" : outs.every((o, i) => snapshot(o) === before[i]) ? "yes" : "**NO**";
      const first = (r.stderr.split("\n").find((l) => l.trim() !== "") ?? "").replaceAll(root, "…").replaceAll("|", "\\|").slice(0, 160);
      rows.push(`| ${reader.label} | ${kind} | ${r.code} | ${first} | ${kept} |`);
    }
  }
  process.stdout.write(rows.join("\n") + "\n");
} finally {
  rmSync(root, { recursive: true, force: true });
}
