/**
 * `synth --cache` on a cache that cannot be used (issue 21), at the CLI with the sim backend: exit code, one error
 * line naming the cache, no stack, and no empty --out left behind. (A cache that fills up during a run only warns:
 * src/llm/cache-disk.test.ts; the sim backend's answers are never cached.)
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { cliInProcess } from "../../test/support/cli.js";
import { exampleToolsAndGraph } from "../../test/support/report-run.js";
import { tempDirForFile } from "../../test/support/tmp.js";

const tmp = tempDirForFile("toolflow-cli-cache-disk-");
let tools: string;
let graph: string;

beforeAll(async () => {
  ({ tools, graph } = await exampleToolsAndGraph(join(tmp(), "inputs")));
}, 60_000);

const synth = (out: string, cache: string) =>
  cliInProcess(["synth", "--tools", tools, "--graph", graph, "--count", "1", "--llm", "sim", "--concurrency", "1", "--out", out, "--cache", cache]);

/** The one error line of a failed command (no stack, no "unexpected error"). */
function oneErrorLine(stderr: string): string {
  const lines = stderr.split("\n").filter((l) => l.startsWith("toolflow: error: ") || l.startsWith("toolflow: unexpected error"));
  expect(lines, stderr).toHaveLength(1);
  expect(lines[0]!.startsWith("toolflow: error: "), stderr).toBe(true);
  expect(/\n\s+at /.test(stderr), stderr).toBe(false);
  return lines[0]!;
}

describe("synth --cache on a cache that cannot be used", () => {
  it("a cache folder under a regular file: exit 2 before anything is made", async () => {
    const file = join(tmp(), "a-file");
    writeFileSync(file, "x");
    const out = join(tmp(), "out-enotdir");
    const r = await synth(out, join(file, "cache"));
    expect(r.code, r.stderr).toBe(2);
    const line = oneErrorLine(r.stderr);
    expect(line).toBe(`toolflow: error: ${join(file, "cache")}: a part of the path is a file, not a folder`);
    expect(existsSync(out)).toBe(false);
    expect(readFileSync(file, "utf8")).toBe("x");
  });

  it("a cache SQLite cannot open (a folder where its WAL file goes): exit 1 naming the file and what is kept, no --out left", async () => {
    const cache = join(tmp(), "cache-ioerr");
    mkdirSync(join(cache, "responses.sqlite-wal"), { recursive: true });
    const out = join(tmp(), "out-ioerr");
    const r = await synth(out, cache);
    expect(r.code, r.stderr).toBe(1);
    const line = oneErrorLine(r.stderr);
    expect(line).toMatch(new RegExp(`cannot open the response cache ${join(cache, "responses.sqlite")}: .*\\(SQLITE_IOERR[A-Z_]*\\); `));
    expect(line).toContain("the run's own files are intact");
    expect(existsSync(out)).toBe(false);
  });

  it("a cache file that is not a database: exit 2, the file unchanged", async () => {
    const cache = join(tmp(), "cache-notadb");
    mkdirSync(cache, { recursive: true });
    const text = "not a database\n".repeat(100);
    writeFileSync(join(cache, "responses.sqlite"), text);
    const out = join(tmp(), "out-notadb");
    const r = await synth(out, cache);
    expect(r.code, r.stderr).toBe(2);
    expect(oneErrorLine(r.stderr)).toContain(`${join(cache, "responses.sqlite")}: the file is not a SQLite database (SQLITE_NOTADB)`);
    expect(readFileSync(join(cache, "responses.sqlite"), "utf8")).toBe(text);
    expect(existsSync(out)).toBe(false);
  });

  it("a usable cache: the run goes through and the cache file is made", async () => {
    const cache = join(tmp(), "cache-ok");
    const out = join(tmp(), "out-ok");
    const r = await synth(out, cache);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(cache, "responses.sqlite"))).toBe(true);
    expect(readFileSync(join(out, "dialogues.jsonl"), "utf8").trim().split("\n")).toHaveLength(1);
  });
});
