/**
 * The table of issue 21: every command that reads a file x each kind of bad input (missing, a folder, empty, cut,
 * another format, invalid UTF-8, a huge line), with the exit code and the first line of standard error, and
 * whether an output that existed before is unchanged. Run: `node --import tsx bench/bad-input-table.ts`
 * (prints a markdown table; a few seconds).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PROJECT_ROOT } from "../test/support/cli.js";
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

  // Outputs of the wrong kind: a folder where a file is written, a file where a folder is.
  const o = join(root, "outputs");
  mkdirSync(join(o, "a-folder"), { recursive: true });
  writeFileSync(join(o, "a-file"), "previous\n");
  const dirOut = join(o, "a-folder");
  const fileOut = join(o, "a-file");
  const examples = join(PROJECT_ROOT, "examples", "travel.openai.json");
  const outputs: Array<[string, string[]]> = [
    ["tools import -o FOLDER", ["tools", "import", examples, "-o", dirOut, "-q"]],
    ["graph build -o FOLDER", ["graph", "build", good.tools, "-o", dirOut, "-q"]],
    ["sample -o FOLDER", ["sample", good.graph, "-n", "2", "-o", dirOut, "-q"]],
    ["report -o FOLDER", ["report", good.run, "-o", dirOut]],
    ["judge -o FILE", ["judge", good.run, "--llm", "sim", "-o", fileOut]],
    ["eval heldout -o FILE", ["eval", "heldout", good.run, "--llm", "sim", "-o", fileOut]],
    ["synth --out FILE", ["synth", "--tools", good.tools, "--count", "1", "--llm", "sim", "--out", fileOut]],
    ["export -o FILE", ["export", good.run, "-o", fileOut]],
    ["doctor --cache FILE", ["doctor", "--llm", "openai:m", "--base-url", "http://127.0.0.1:9/v1", "--cache", fileOut]],
    ["graph build -o FILE/x (parent is a file)", ["graph", "build", good.tools, "-o", join(fileOut, "x.json"), "-q"]],
    ...(good.answers ? ([["eval bfcl --check -o FOLDER", ["eval", "bfcl", "--check", good.answers, "--data", good.bfcl ?? "", "-o", dirOut]]] as Array<[string, string[]]>) : []),
  ];
  const orows = ["| command | exit | first line of stderr | output kept |", "| --- | --- | --- | --- |"];
  for (const [label, args] of outputs) {
    const before = [snapshot(dirOut), snapshot(fileOut)];
    const r = await captureCli(args);
    const kept = snapshot(dirOut) === before[0] && snapshot(fileOut) === before[1] ? "yes" : "**NO**";
    const first = (r.stderr.split("\n").find((l) => l.trim() !== "") ?? "").replaceAll(root, "…").replaceAll("|", "\\|").slice(0, 160);
    orows.push(`| ${label} | ${r.code} | ${first} | ${kept} |`);
  }
  process.stdout.write("\n" + orows.join("\n") + "\n");
} finally {
  rmSync(root, { recursive: true, force: true });
}
