/**
 * The same flag means the same thing in every command: each command's `--help` lists the canonical `-o, --out`,
 * `--seed` and `--sampling` with the same wording, never their old spellings; the old spellings (`--output`,
 * `--strategy`) still work with a one-line notice; the `--help` of synth, judge and eval bfcl lists every entry of its
 * option table (and only those); and docs/cli.md lists every command's flags.
 */
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Command } from "commander";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { flagAttribute, longFlag, OUT_HELP, SAMPLING_HELP, SEED_HELP, type OptionSpec } from "../core/index.js";
import { BFCL_EVAL_OPTION_TABLE } from "../eval/index.js";
import { JUDGE_OPTION_TABLE } from "../judge/index.js";
import { SYNTH_OPTION_TABLE } from "../synth/index.js";
import { buildProgram } from "./main.js";
import { commanderOption } from "./option-specs.js";
import { cliInProcess, PROJECT_ROOT } from "../../test/support/cli.js";
import { preferentialGraph } from "../../test/support/sampling.js";

/** Every runnable command of the program, by its words ("eval bfcl"), with its commander object. */
function commands(): Array<[string, Command]> {
  const out: Array<[string, Command]> = [];
  const walk = (c: Command, prefix: string[]) => {
    for (const sub of c.commands) {
      const words = [...prefix, sub.name()];
      // a group without its own action (`tools`, `graph`, `eval`) only lists its subcommands
      if ((sub as unknown as { _actionHandler: unknown })._actionHandler) out.push([words.join(" "), sub]);
      walk(sub, words);
    }
  };
  walk(buildProgram(), []);
  return out;
}

/** `toolflow <words> --help` with whitespace collapsed (commander wraps long help lines). */
async function help(words: string): Promise<string> {
  const r = await cliInProcess([...words.split(" "), "--help"]);
  expect(r.code).toBe(0);
  return r.stdout.replace(/\s+/g, " ");
}

const WRITERS = ["tools import", "graph build", "sample", "synth", "export", "eval bfcl", "eval heldout", "judge", "collect", "report"];
const SEEDED = ["sample", "synth", "export", "judge", "report"];
const SAMPLING = ["sample", "synth"];

describe("flags across commands", () => {
  const all = commands();

  it("every command that writes says where with -o, --out, in the same words", async () => {
    const writers = all.filter(([, c]) => c.options.some((o) => o.long === "--out" || o.long === "--output")).map(([w]) => w);
    expect(writers.sort()).toEqual([...WRITERS].sort());
    for (const words of WRITERS) {
      const h = await help(words);
      expect(h, words).toMatch(new RegExp(`-o, --out <(file|dir|path)> ${OUT_HELP}: `));
      expect(h, words).not.toContain("--output");
    }
  });

  it("--seed and --sampling have one parser and one help wherever they appear", async () => {
    const seeded = all.filter(([, c]) => c.options.some((o) => o.long === "--seed")).map(([w]) => w);
    expect(seeded.sort()).toEqual([...SEEDED].sort());
    for (const words of SEEDED) expect(await help(words), words).toContain(`--seed <n> ${SEED_HELP}`);
    for (const words of SAMPLING) {
      const h = await help(words);
      expect(h, words).toContain(`--sampling <strategy> ${SAMPLING_HELP}`);
      expect(h, words).not.toContain("--strategy");
    }
    // the same bad seed is refused by every command the same way, before anything is read
    for (const words of SEEDED) {
      const r = await cliInProcess([...words.split(" "), "--seed", "-3", "x"]);
      expect(r.code, words).toBe(2);
      expect(r.stderr, words).toMatch(/--seed: must be between 0 and 4294967295, got -3/);
    }
  });

  it("the --help of synth, judge and eval bfcl lists every entry of its option table, as the table words it, and nothing else", async () => {
    const tables: Array<[string, readonly OptionSpec[]]> = [
      ["synth", SYNTH_OPTION_TABLE],
      ["judge", JUDGE_OPTION_TABLE.options],
      ["eval bfcl", BFCL_EVAL_OPTION_TABLE.options],
    ];
    for (const [words, table] of tables) {
      const h = await help(words);
      for (const entry of table) expect(h, words).toContain(`${entry.flags} ${entry.help.replace(/\s+/g, " ")}`);
      // the table's keys are commander's keys, so the flags reach the options they are meant for
      for (const entry of table) expect(flagAttribute(entry)).toBe(commanderOption(entry).attributeName());
      // every flag of the command is an entry of its table
      const cmd = all.find(([w]) => w === words)?.[1];
      const declared = (cmd?.options ?? []).filter((o) => !o.hidden).map((o) => o.long);
      expect(declared, words).toEqual(table.map((e) => longFlag(e)));
    }
  });

  it("docs/cli.md lists every flag of every command", () => {
    const doc = readFileSync(join(PROJECT_ROOT, "docs/cli.md"), "utf8");
    for (const [words, cmd] of all) {
      const section = new RegExp(`^### \`toolflow ${words}\`$([\\s\\S]*?)(?=^### |$(?![\\s\\S]))`, "m").exec(doc);
      expect(section, `docs/cli.md has no section for toolflow ${words}`).not.toBeNull();
      for (const o of cmd.options) {
        if (o.hidden) continue;
        expect(section?.[1], `toolflow ${words} ${o.long}`).toMatch(new RegExp(`\`(-[a-z], )?${o.long}(?![a-z-])`));
      }
    }
  });
});

describe("old spellings still work, with a notice", () => {
  let dir = "";
  let graph = "";
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "toolflow-flags-"));
    graph = join(dir, "graph.json");
    await writeFile(graph, JSON.stringify(preferentialGraph(12, 2, 3, 5).toJSON()));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("sample --strategy and --output write what --sampling and --out write, and say so once on stderr", async () => {
    const old = join(dir, "old.jsonl");
    const now = join(dir, "new.jsonl");
    const a = await cliInProcess(["sample", graph, "-n", "8", "--strategy", "random", "--seed", "5", "--output", old, "-q"]);
    const b = await cliInProcess(["sample", graph, "-n", "8", "--sampling", "random", "--seed", "5", "--out", now, "-q"]);
    expect([a.code, b.code]).toEqual([0, 0]);
    expect(await readFile(old, "utf8")).toBe(await readFile(now, "utf8"));
    expect(a.stderr.match(/--strategy is deprecated; use --sampling/g)).toHaveLength(1);
    expect(a.stderr.match(/--output is deprecated; use --out/g)).toHaveLength(1);
    expect(b.stderr).not.toMatch(/deprecated/);
    // the old spelling of a choice flag is checked as the new one is
    const bad = await cliInProcess(["sample", graph, "--strategy", "zigzag", "-o", join(dir, "never.jsonl")]);
    expect(bad.code).toBe(2);
    expect(existsSync(join(dir, "never.jsonl"))).toBe(false);
  });

  it("a required --out given as --output counts; both spellings with two paths are refused", async () => {
    const tools = join(dir, "tools.jsonl");
    const r = await cliInProcess(["tools", "import", join(PROJECT_ROOT, "examples/weather.bfcl.jsonl"), "--output", tools, "-q"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^toolflow: --output is deprecated; use --out \(the same option\)$/m);
    expect(existsSync(tools)).toBe(true);
    const both = await cliInProcess(["synth", "--tools", tools, "--count", "1", "--out", join(dir, "a"), "--output", join(dir, "b"), "--dry-run"]);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--output is the old spelling of --out: give one of them/);
  });
});
